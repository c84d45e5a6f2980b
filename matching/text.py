"""Dutch text analysis: normalise, tokenise, drop stop words, stem, split compounds, fix typos.

Stemming uses Snowball's ``dutch_porter`` (the ``snowballstemmer`` package: pure Python, no
data files, handles words it has never seen). We chose it over lemmatisation because both sides
of a match only need to *conflate* forms (``zonnepanelen``/``zonnepaneel`` → ``zonnepanel``,
``eenzame``/``eenzaamheid`` → ``eenzam``), and over Snowball 3's newer ``dutch`` algorithm,
which over-stems (``gemeenten`` → ``meen``, ``geldzorgen`` → ``ldzorg``). simplemma's Dutch
lemmas are good but its 19 MB dictionary takes ~0.6 s to load and it leaves unknown
compounds alone, which the splitter below handles anyway.

There is no maintained, permissively licensed Dutch decompounder, so ``split_compound``
splits a long word into known, frequent parts of at least four letters, allowing the linking
``-s-``, ``-e-`` and ``-en-`` (``jeugdwerkloosheid`` → ``jeugd`` + ``werkloosheid``,
``buurtmoestuin`` → ``buurt`` + ``moestuin``); both the compound and its parts are indexed.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process

MAX_TEXT_CHARS = 20_000  # longer input is cut: no initiative needs more, and cost stays bounded
MIN_PART = 4
CACHE_LIMIT = 50_000
# Longer "words" are not split: real compounds are shorter, and splitting costs O(length²).
MAX_COMPOUND = 48
MIN_ZIPF = 3  # rarer words than this (once per million) all count as rare
_NON_WORD = re.compile(r"[^a-z0-9]+")
# PyStemmer's compiled Snowball when installed (a dependency): the same stems, 30 times faster.
_stemmer = snowballstemmer.stemmer("dutch_porter")


def normalise(text: str) -> str:
    """Lower case, accents off (``coöperatie`` → ``cooperatie``), punctuation to spaces."""
    text = text[:MAX_TEXT_CHARS]
    if text.isascii():  # most text: nothing to decompose, and case-folding is lower()
        return _NON_WORD.sub(" ", text.lower()).strip()
    # Case-fold after the compatibility decomposition too, which can yield capitals (𝐁 → B).
    text = unicodedata.normalize("NFKD", text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text).strip()


def tokenise(text: str) -> list[str]:
    return normalise(text).split()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball's ``dutch_porter`` stem, with three of Dutch's regular forms it misses folded
    in: the diminutive (``plekje``, ``moestuintje``, ``kraampje``: see ``undiminish``), a
    plural ``-s`` after a vowel (``subsidies``, ``ruimtes``, ``studio's``: the singular is a
    word of its own, ``adres`` is not a plural), and the ``f``/``v`` and ``s``/``z`` of
    singular and plural (``brief``/``brieven``, ``huis``/``huizen``)."""
    word = undiminish(word)
    if len(word) >= 5 and word[-1] == "s" and word[-2] in "aeiouy" and zipf_frequency(word[:-1]):
        word = word[:-1]
    stemmed = _stemmer.stemWord(word)
    if stemmed.endswith("v"):
        return stemmed[:-1] + "f"
    if stemmed.endswith("z"):
        return stemmed[:-1] + "s"
    return stemmed


# Diminutive endings and what the word before them ends in: -je after most consonants
# (plekje, feestje), -tje after a vowel or l, n, r, w (koffietje, zaaltje, tuintje), -pje
# after m (kraampje), -etje after a doubled consonant (balletje); with -s in the plural.
_DIMINUTIVES = (
    ("je", lambda base: base[-1] not in "aeiouylnrwm"),
    ("tje", lambda base: base[-1] in "aeiouylnrw"),
    ("pje", lambda base: base[-1] == "m"),
    ("etje", lambda base: base[-1] == base[-2] and base[-1] not in "aeiouy"),
)


def undiminish(word: str) -> str:
    """The word a diminutive is made of (``plekje`` → ``plek``, ``moestuintjes`` →
    ``moestuin``, ``balletje`` → ``bal``), when that word is at least as common in Dutch as
    the diminutive: a resident's "veldje" is a "veld", but "meisje" and "beetje" are words
    of their own. The word must have four letters or more and be a word (or, for a
    diminutive no word list has, a compound ending in a common one: ``geveltuin``); other
    words are returned as they are."""
    if not word.endswith(("je", "jes")):
        return word
    own = zipf_frequency(word)
    singular = word[:-1] if word.endswith("s") else word
    for ending, fits in _DIMINUTIVES:
        if not singular.endswith(ending) or len(singular) - len(ending) < MIN_PART:
            continue
        base = singular[: -len(ending)]
        if not fits(base):
            continue
        if ending == "etje":
            base = base[:-1]  # balletje → ball → bal
        common = zipf_frequency(base) or (0.0 if own else _ends_in_a_word(base))
        if common and common >= own:
            return base
    return word


def _ends_in_a_word(base: str) -> float:
    """The frequency of the longest common word (Zipf 3.5 or more, four letters or more)
    that ``base`` ends in, or 0."""
    for start in range(1, len(base) - MIN_PART + 1):
        found = zipf_frequency(base[start:])
        if found >= 3.5:
            return found
    return 0.0


class Analyzer:
    """Turns text into index terms. ``lexicon`` holds known words (normalised surface forms,
    with how often they occur); it drives compound splitting and typo correction.

    ``stem_exceptions`` keeps apart words that the stemmer would conflate although they mean
    different things (``ouderen``, the elderly, and ``ouders``, parents, both stem to
    ``ouder``): a word listed there gets the given stem instead, on both sides of a match."""

    def __init__(
        self,
        stopwords: Iterable[str],
        lexicon: dict[str, int] | None = None,
        *,
        stem_exceptions: Mapping[str, str] | None = None,
    ) -> None:
        self.stopwords = frozenset(normalise(w) for w in stopwords)
        self.lexicon: dict[str, int] = dict(lexicon or {})
        self.stem_exceptions = {normalise(k): v for k, v in (stem_exceptions or {}).items()}
        self._known_stems = {self.stem(w) for w in self.lexicon if len(w) >= MIN_PART}
        self._fuzzy_choices = [w for w in self.lexicon if len(w) >= 5]
        self._split_cache: dict[str, tuple[str, ...]] = {}
        self._typo_cache: dict[str, str | None] = {}

    def stem(self, word: str) -> str:
        """The word's stem, or its listed exception (also for its diminutive: "zoontje" is
        a "zoon")."""
        return (
            self.stem_exceptions.get(word)
            or self.stem_exceptions.get(undiminish(word))
            or stem(word)
        )

    def is_known(self, word: str) -> bool:
        return word in self.lexicon or self.stem(word) in self._known_stems

    def content_words(self, text: str) -> list[str]:
        """Tokens without stop words, numbers or single letters, in order."""
        return [
            t for t in tokenise(text) if len(t) > 1 and t not in self.stopwords and not t.isdigit()
        ]

    def _part(self, word: str) -> bool:
        """A known word, or a stop word of a compound's length ("sportproject": sport +
        project)."""
        return self.is_known(word) or (len(word) >= MIN_PART and word in self.stopwords)

    def split_compound(self, word: str) -> tuple[str, ...]:
        """Known parts of a compound (two or three), or ``()`` when it is not one."""
        if len(word) < 2 * MIN_PART or len(word) > MAX_COMPOUND:
            return ()
        cached = self._split_cache.get(word)
        if cached is not None:
            return cached
        best: tuple[str, ...] = ()
        best_key: tuple[int, float] = (0, 0.0)
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            for linked in _unlinked(head):
                if not self._part(linked):
                    continue
                if self._part(tail):
                    parts = (linked, tail)
                else:
                    rest = self.split_compound(tail) if len(tail) >= 2 * MIN_PART else ()
                    if not rest or len(rest) > 2:
                        continue
                    parts = (linked, *rest)
                # Prefer fewer parts, then the most frequent parts (geometric mean of their
                # counts, as in Koehn & Knight's decompounding): buurt+huis over buur+thuis.
                key = (-len(parts), _geometric_mean(self.lexicon.get(p, 1) for p in parts))
                if key > best_key or not best:
                    best, best_key = parts, key
        if len(self._split_cache) >= CACHE_LIMIT:  # bounded: queries bring endless new words
            self._split_cache.clear()
        self._split_cache[word] = best
        return best

    def correct_typo(self, word: str) -> str | None:
        """The known word this unknown word most likely misspells (rapidfuzz, short strings)."""
        if len(word) < 5 or self.is_known(word):
            return None
        if word not in self._typo_cache:
            if len(self._typo_cache) >= CACHE_LIMIT:
                self._typo_cache.clear()
            found = process.extractOne(
                word, self._fuzzy_choices, scorer=fuzz.ratio, score_cutoff=85
            )
            self._typo_cache[word] = found[0] if found else None
        return self._typo_cache[word]

    def parts(self, word: str) -> tuple[str, ...]:
        """A word's compound parts without stop words."""
        return tuple(part for part in self.split_compound(word) if part not in self.stopwords)

    def word_terms(self, word: str) -> tuple[str, tuple[str, ...]]:
        """A word's stem and the stems of its compound parts (stop words left out)."""
        return self.stem(word), tuple(self.stem(part) for part in self.parts(word))

    def terms(self, text: str, *, fix_typos: bool = False) -> list[str]:
        """Index terms: the stem of every content word, plus the stems of its compound parts."""
        result: list[str] = []
        for word in self.content_words(text):
            if fix_typos:
                word = self.correct_typo(word) or word
            whole, parts = self.word_terms(word)
            result.append(whole)
            result.extend(parts)
        return result


@cache
def _zipf_by_word() -> dict[str, float]:
    """The Zipf frequency (log10 of uses per billion words) of every Dutch word used at least
    once per million words (Zipf 3), from wordfreq's wordlists, accents off as ``normalise``
    does. About 30,000 words; wordfreq's own tables (50 MB) are let go once this is read."""
    import wordfreq

    zipf: dict[str, float] = {}
    # Bucket i holds the words with frequency 10^(-i/100): Zipf 9 - i/100.
    for bucket, words in enumerate(wordfreq.get_frequency_list("nl")[: (9 - MIN_ZIPF) * 100]):
        for word in words:
            for token in normalise(word).split():
                zipf.setdefault(token, 9 - bucket / 100)
    wordfreq.get_frequency_list.cache_clear()
    wordfreq.get_frequency_dict.cache_clear()
    return zipf


def zipf_frequency(word: str) -> float:
    """How common a (normalised) word is in Dutch at large, on the Zipf scale: 6 for "goed",
    5 for "zomer", 4 for "subsidie", 0 for a word rarer than once per million words."""
    return _zipf_by_word().get(word, 0.0)


def specificity(word: str) -> float:
    """How much a word says about a subject by how rare it is in Dutch at large:
    ``clamp(1 - 0.425 · (zipf - 4), 0.15, 1)``. Words used less than 10 per million
    ("speeltuin", "subsidie") count fully, everyday words ("zomer" 0.58, "goed" 0.15) less.
    """
    return min(1.0, max(0.15, 1.0 - 0.425 * (zipf_frequency(word) - 4.0)))


def _geometric_mean(values: Iterable[int]) -> float:
    values = list(values)
    product = 1.0
    for value in values:
        product *= value
    return product ** (1 / len(values))


def _unlinked(head: str) -> list[str]:
    """The head of a compound with and without a linking -s-, -e- or -en-."""
    options = [head]
    if head.endswith("en") and len(head) - 2 >= MIN_PART:
        options.append(head[:-2])
    if head.endswith(("s", "e")) and len(head) - 1 >= MIN_PART:
        options.append(head[:-1])
    return options


def build_lexicon(texts: Iterable[str], *, min_count: int = 2) -> dict[str, int]:
    """Frequent words (at least four letters) of a corpus, for the analyzer's lexicon."""
    counts: dict[str, int] = {}
    for text in texts:
        for token in tokenise(text):
            if len(token) >= MIN_PART and not token.isdigit():
                counts[token] = counts.get(token, 0) + 1
    return {word: n for word, n in counts.items() if n >= min_count}
