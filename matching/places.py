"""Places named in free text: "eenzame ouderen in Nieuw-West" is about Nieuw-West, not about
the words "nieuw" and "west".

A ``Gazetteer`` knows every way an area is called: its name, the aliases the municipality
gave it (``AreaProfile.aliases``: "Bijlmer", "de Pijp") and forms derived from the name the
way residents shorten it:

- without an article: "De Pijp" → "Pijp";
- each side of a slash: "Holendrecht/Reigersbos" → "Holendrecht", "Reigersbos";
- both buurten of a shared suffix: "Spaarndammer- en Zeeheldenbuurt" → "Spaarndammerbuurt";
- without a compass or position word at either end: "Osdorp-Midden" → "Osdorp", "Indische
  Buurt West" → "Indische Buurt", "Oude Pijp" → "Pijp" (only when what is left is not an
  everyday word: "Nieuw-West" never becomes "nieuw").

Names are matched on normalised words, longest first. A name that is also an everyday word
("Noord", "Centrum", "Haven") counts as a place only where it reads as one: after a word like
"in", "bij" or "uit", or written with a capital. A name that fits several areas is resolved by
the rest of the text (another place that contains or lies in one of them); failing that, areas
that lie side by side in one parent are taken together (the Bijlmer wijken), and otherwise the
name is left as no area at all: guessing the wrong one would send the resident to the wrong
people.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from matching.model import AreaProfile
from matching.text import MAX_TEXT_CHARS, normalise, tokenise

# How surely a form names its area: the name or a given alias, a plain variant of the name,
# or a shortened form (which several areas may share).
NAME, VARIANT, SHORTENED = 0, 1, 2
# Words at either end of a name that place it within something larger.
POSITION_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "noord oost zuid west noordoost noordwest zuidoost zuidwest midden centrum binnen "
        "buiten oude oud nieuwe nieuw groot grote klein kleine boven beneden"
    ).split()
)
ARTICLES = frozenset(("de", "het", "t", "den"))
# Names shorter than this are not looked for misspelt: too many words are one letter off.
MIN_FUZZY = 6
# Place names that are also everyday words: they need a locative word before them or a capital.
EVERYDAY_WORDS = POSITION_WORDS | frozenset(
    (  # noqa: SIM905
        "stad dorp kern haven park plein markt dijk zand punt hoven kerk molen veld bos water "
        "brug polder eiland oever weide wei hof hoek berg dal beek meer baan straat buurt wijk "
        "laan singel gracht kade poort toren tuin tuinen akker akkers kamp heide vaart burg "
        "gouden zon zonnig"
    ).split()
)
# Words after which an everyday word reads as a place ("in noord", "bij het centrum").
LOCATIVES = frozenset(
    (  # noqa: SIM905
        "in uit bij rond rondom naar te op om nabij omgeving richting vanuit wonen woon woont "
        "around near from at to across within"
    ).split()
)
# Suffixes that a "X- en Ybuurt" pair shares.
_SHARED_SUFFIX = re.compile(
    r"^(?P<first>\w+)- en (?P<second>\w+?)(?P<suffix>buurt|wijk|dorp|park|polder|veld|"
    r"kwartier|eiland|haven|hof|hoven)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A name found in the text: its normalised words, where they start (as a word index of
    the normalised text), and the areas it was resolved to (empty: ambiguous)."""

    words: tuple[str, ...]
    start: int
    codes: tuple[str, ...]
    candidates: tuple[str, ...]
    written: str  # as the text has it ("de Bijlmer" is "Bijlmer")

    @property
    def ambiguous(self) -> bool:
        return not self.codes and len(self.candidates) > 1


@dataclass(frozen=True, slots=True)
class Places:
    """What ``Gazetteer.find`` read: the mentions, the areas they resolve to (the most
    specific, without the areas that only contain another mention) and the word positions
    the names took, which are not subject words."""

    mentions: tuple[PlaceMention, ...]
    codes: tuple[str, ...]
    positions: frozenset[int]

    @property
    def ambiguous(self) -> tuple[PlaceMention, ...]:
        return tuple(m for m in self.mentions if m.ambiguous)


NO_PLACES = Places((), (), frozenset())


class Gazetteer:
    def __init__(
        self,
        areas: Iterable[AreaProfile],
        ancestors: Mapping[str, tuple[str, ...]],
        *,
        other_names: Iterable[str] = (),
        is_word: Callable[[str], bool] | None = None,
    ) -> None:
        """``other_names`` are place names that belong to no area (the municipality's own
        name): they are recognised and left out of the subject, but place nobody. ``is_word``
        tells words the text may simply mean (never read as a misspelt place name)."""
        self.ancestors = ancestors
        self.parent = {a.code: a.parent_code for a in areas}
        # words -> (how sure, area codes)
        forms: dict[tuple[str, ...], tuple[int, set[str]]] = {}

        def add(name: str, code: str | None, sureness: int) -> None:
            words = tuple(normalise(name).split())
            if not words:
                return
            held = forms.get(words)
            if held is None or sureness < held[0]:
                forms[words] = (sureness, {code} if code else set())
            elif sureness == held[0] and code:
                held[1].add(code)

        for area in areas:
            add(area.name, area.code, NAME)
            for alias in area.aliases:
                add(alias, area.code, NAME)
            for variant, sureness in name_variants(area.name):
                add(variant, area.code, sureness)
        for name in other_names:
            add(name, None, NAME)
        self.forms = {words: (sure, tuple(sorted(codes))) for words, (sure, codes) in forms.items()}
        self.longest = max((len(words) for words in self.forms), default=0)
        self.first_words = frozenset(words[0] for words in self.forms)
        self.is_word = is_word or (lambda word: False)
        # Misspelt names: each name of at least MIN_FUZZY letters, its words run together
        # ("nieuwwest", "dijkhuizen"), for one word of the text to be compared with.
        self._spelled = {
            "".join(words): words
            for words in self.forms
            if len("".join(words)) >= MIN_FUZZY and not _everyday(words)
        }
        self._spellings = sorted(self._spelled)

    def find(self, text: str, *, strict: bool = False) -> Places:
        """The places named in ``text`` (see the module's docstring); ``strict`` takes only
        names that cannot be everyday words (for texts that are no question: a profile)."""
        if not self.forms:
            return NO_PLACES
        if strict:  # no capitals needed, nor where the words stand (a profile is not answered)
            words, capitalised, spans, plain = tokenise(text), [], [], ""
        else:
            words, capitalised, spans, plain = _words_with_case(text)
        found: list[tuple[tuple[str, ...], int, tuple[str, ...]]] = []
        position = 0
        while position < len(words):
            if words[position] not in self.first_words:
                misspelt = None if strict else self._misspelt(words[position])
                if misspelt is not None:
                    found.append(((words[position],), position, self.forms[misspelt][1]))
                position += 1
                continue
            hit = None
            for length in range(min(self.longest, len(words) - position), 0, -1):
                candidate = tuple(words[position : position + length])
                form = self.forms.get(candidate)
                if form is None:
                    continue
                if length == 1 and not self._reads_as_place(
                    words, capitalised, position, strict=strict
                ):
                    continue
                if candidate[0] in ARTICLES and length == 1:
                    continue
                hit = (candidate, position, form[1])
                break
            if hit is None:
                position += 1
                continue
            found.append(hit)
            position += len(hit[0])
        if not found:
            return NO_PLACES
        named = {code for _, _, codes in found for code in codes}
        mentions = []
        for words_, start, codes in found:
            resolved = self._resolve(codes, named - set(codes))
            if spans:
                written = plain[spans[start][0] : spans[start + len(words_) - 1][1]]
            else:
                written = " ".join(words_)
            mentions.append(PlaceMention(words_, start, resolved, codes, written))
        chosen = [code for m in mentions for code in m.codes]
        # The most specific places: a stadsdeel named beside one of its wijken adds nothing.
        specific = tuple(
            dict.fromkeys(
                code
                for code in chosen
                if not any(code in self.ancestors.get(other, ()) for other in chosen)
            )
        )
        positions = frozenset(
            index for words_, start, _ in found for index in range(start, start + len(words_))
        )
        return Places(tuple(mentions), specific, positions)

    def _misspelt(self, word: str) -> tuple[str, ...] | None:
        """The name ``word`` most likely misspells (``fuzz.ratio`` ≥ 88, one or two letters
        off), unless it is a word of its own."""
        if len(word) < MIN_FUZZY or word in EVERYDAY_WORDS or self.is_word(word):
            return None
        found = process.extractOne(word, self._spellings, scorer=fuzz.ratio, score_cutoff=88)
        return self._spelled[found[0]] if found else None

    def _reads_as_place(
        self, words: Sequence[str], capitalised: Sequence[bool], at: int, *, strict: bool
    ) -> bool:
        word = words[at]
        if word not in EVERYDAY_WORDS:
            return True
        if strict:
            return False
        if capitalised[at] and at > 0:  # a capital at the start of a text says nothing
            return True
        before = words[at - 1] if at > 0 else ""
        if before in ARTICLES and at > 1:
            before = words[at - 2]
        return before in LOCATIVES

    def _resolve(self, codes: tuple[str, ...], others: set[str]) -> tuple[str, ...]:
        if len(codes) <= 1:
            return codes
        # Another place in the text that contains one of them, or lies within one.
        related = tuple(
            code
            for code in codes
            if others & set(self.ancestors.get(code, ()))
            or any(code in self.ancestors.get(other, ()) for other in others)
        )
        if len(related) == 1:
            return related
        candidates = related or codes
        parents = {self.parent.get(code) for code in candidates}
        if len(parents) == 1 and None not in parents:
            return candidates  # side by side in one parent: the resident means them together
        return ()


def name_variants(name: str) -> list[tuple[str, int]]:
    """The forms residents shorten an area's name to (see the module's docstring), each with
    how surely it still names the area."""
    variants: list[tuple[str, int]] = []
    shared = _SHARED_SUFFIX.match(name.strip())
    if shared:
        suffix = shared["suffix"]
        variants.append((shared["first"] + suffix, VARIANT))
        variants.append((shared["second"] + suffix, VARIANT))
    parts = [p.strip() for p in name.split("/")] if "/" in name else [name]
    if len(parts) > 1:
        variants.extend((part, VARIANT) for part in parts if part)
    for part in parts:
        words = normalise(part).split()
        if len(words) > 1 and words[0] in ARTICLES and words[1] not in EVERYDAY_WORDS:
            variants.append((" ".join(words[1:]), VARIANT))
            words = words[1:]
        shortened = list(words)
        while len(shortened) > 1 and shortened[-1] in POSITION_WORDS:
            shortened.pop()
        while len(shortened) > 1 and shortened[0] in POSITION_WORDS:
            shortened.pop(0)
        if shortened != words and not _everyday(shortened):
            variants.append((" ".join(shortened), SHORTENED))
    return variants


def _everyday(words: Sequence[str]) -> bool:
    return all(w in EVERYDAY_WORDS or w in ARTICLES for w in words)


def _words_with_case(text: str) -> tuple[list[str], list[bool], list[tuple[int, int]], str]:
    """The words of ``normalise(text)``, each with whether it was written with a capital and
    where it stands (start, end) in the text as returned: ``text`` without accents, so that
    its words are exactly ``normalise``'s."""
    text = text[:MAX_TEXT_CHARS]
    if not text.isascii():
        text = "".join(
            ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
        )
    words: list[str] = []
    capitals: list[bool] = []
    spans: list[tuple[int, int]] = []
    for found in _WORD.finditer(text):
        raw = found.group()
        for word in normalise(raw).split():
            words.append(word)
            capitals.append(raw[:1].isupper())
            spans.append(found.span())
    return words, capitals, spans, text
