"""The shipped Dutch vocabulary of the social domain: themes, needs and partner kinds, each
with the policy words *and* the everyday words that mean it, so both sides of a match meet.

A municipality can add its own terms to a theme (``Vocabulary.with_extra_terms``).
"""

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from matching.text import Analyzer, build_lexicon, tokenise

DATA_FILE = Path(__file__).parent / "data" / "vocabulary_nl.json"


@dataclass(frozen=True)
class Theme:
    slug: str
    label: str
    label_en: str
    short: str  # in a sentence: "geldzorgen" for "Armoede en schulden"
    tooi_uri: str | None
    tooi_label: str | None
    terms: tuple[str, ...]
    related: tuple[str, ...]


class Vocabulary:
    def __init__(
        self,
        *,
        themes: Iterable[Theme],
        needs: Mapping[str, tuple[str, str, tuple[str, ...]]],
        partner_kinds: Mapping[str, tuple[str, tuple[str, ...]]],
        stopwords: Iterable[str],
        need_phrases: Mapping[str, tuple[str, ...]] | None = None,
        english: Mapping[str, str] | None = None,
        english_stopwords: Iterable[str] = (),
        generic_words: Iterable[str] = (),
        stem_exceptions: Mapping[str, str] | None = None,
        broad_themes: Iterable[str] = ("sociale-cohesie", "participatie-en-democratie"),
    ) -> None:
        self.themes = {theme.slug: theme for theme in themes}
        self.needs = dict(needs)  # kind -> (label, label in a sentence, terms)
        self.partner_kinds = dict(partner_kinds)  # kind -> (label, terms)
        self.stopwords = tuple(stopwords)
        # Needs residents state in function words ("mag dat zomaar?"): matched as exact
        # word sequences, stop words included.
        self.need_phrases = dict(need_phrases or {})
        # English words and phrases -> the Dutch the engine reads them as.
        self.english = dict(english or {})
        self.english_stopwords = tuple(english_stopwords)
        # Words nearly every profile and question of the domain uses ("bewoners",
        # "initiatieven", "samen"): they say little about who knows the subject.
        self.generic_words = tuple(generic_words)
        self.stem_exceptions = dict(stem_exceptions or {})
        # Themes of the area's general first contacts (a gebiedsmakelaar, a
        # dorpscoördinator): whoever is bound to an area and works on one of these is the
        # natural first contact there for an initiative on any subject.
        self.broad_themes = frozenset(broad_themes)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> "Vocabulary":
        data = json.loads(path.read_text(encoding="utf-8"))
        themes = [
            Theme(
                slug=t["slug"],
                label=t["label"],
                label_en=t["labelEn"],
                short=t.get("short", t["label"].lower()),
                tooi_uri=(t.get("tooi") or {}).get("uri"),
                tooi_label=(t.get("tooi") or {}).get("label"),
                terms=tuple(t["terms"]),
                related=tuple(t.get("related", ())),
            )
            for t in data["themes"]
        ]
        needs = {
            k: (v["label"], v.get("sentence", v["label"]), (*v["terms"], *v.get("termsEn", ())))
            for k, v in data["needs"].items()
        }
        partners = {
            k: (v["label"], (*v["terms"], *v.get("termsEn", ())))
            for k, v in data["partnerKinds"].items()
        }
        return cls(
            themes=themes,
            needs=needs,
            partner_kinds=partners,
            stopwords=data["stopwords"],
            need_phrases={k: tuple(v.get("phrases", ())) for k, v in data["needs"].items()},
            english=data.get("english", {}),
            english_stopwords=data.get("stopwordsEn", ()),
            generic_words=data.get("genericWords", ()),
            stem_exceptions=data.get("stemExceptions", {}),
            **({"broad_themes": data["broadThemes"]} if "broadThemes" in data else {}),
        )

    def with_extra_terms(self, extra: Mapping[str, Iterable[str]]) -> "Vocabulary":
        """This vocabulary plus a municipality's own terms per theme slug."""
        themes = []
        for slug, theme in self.themes.items():
            added = tuple(t for t in extra.get(slug, ()) if t not in theme.terms)
            themes.append(Theme(**{**theme.__dict__, "terms": theme.terms + added}))
        return Vocabulary(
            themes=themes,
            needs=self.needs,
            partner_kinds=self.partner_kinds,
            stopwords=self.stopwords,
            need_phrases=self.need_phrases,
            english=self.english,
            english_stopwords=self.english_stopwords,
            generic_words=self.generic_words,
            stem_exceptions=self.stem_exceptions,
            broad_themes=self.broad_themes,
        )

    @cached_property
    def _words(self) -> frozenset[str]:
        english = {w for word in self.english_stopwords for w in tokenise(word)}
        words = set()
        for phrase in self.all_phrases():
            tokens = tokenise(phrase)
            # An English function word in a loan phrase ("right to challenge") is no Dutch
            # word; a term of one word is ("kind", a child).
            words.update(tokens if len(tokens) == 1 else (t for t in tokens if t not in english))
        return frozenset(words)

    def words(self) -> frozenset[str]:
        """The Dutch words of the vocabulary's phrases, normalised."""
        return self._words

    def all_phrases(self) -> list[str]:
        phrases = [t.label for t in self.themes.values()]
        for theme in self.themes.values():
            phrases.extend(theme.terms)
        for _label, _sentence, terms in self.needs.values():
            phrases.extend(terms)
        for _label, terms in self.partner_kinds.values():
            phrases.extend(terms)
        return phrases

    def analyzer(self, corpus: Iterable[str] = ()) -> Analyzer:
        """An analyzer whose lexicon knows this vocabulary and the frequent words of ``corpus``."""
        phrases = self.all_phrases()
        lexicon = build_lexicon(itertools.chain(phrases, phrases, corpus))
        return Analyzer(self.stopwords, lexicon, stem_exceptions=self.stem_exceptions)


class ConceptMatcher:
    """Finds themes, need kinds and partner kinds in analysed text.

    A phrase matches when all its stems occur in the text's terms; longer phrases say more,
    so each match counts its number of stems. A phrase whose meaning lives in its stop words
    ("oude mensen", "geen geld", "niks te doen") and a need's exact phrases ("mag dat
    zomaar") match only as those very words in that order, stop words included.
    """

    def __init__(self, vocabulary: Vocabulary, analyzer: Analyzer) -> None:
        self.vocabulary = vocabulary
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        self._exact: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        # Stems that are a whole concept term on their own: a compound that is one is read
        # as itself, not also as its parts ("jongerenwerk" is youth work, not "werk").
        self.single_terms: set[str] = set()
        for slug, theme in vocabulary.themes.items():
            for phrase in (theme.label, *theme.terms):
                self._add(analyzer, phrase, "theme", slug)
        for kind, (_label, _sentence, terms) in vocabulary.needs.items():
            for phrase in terms:
                self._add(analyzer, phrase, "need", kind)
        for kind, (_label, terms) in vocabulary.partner_kinds.items():
            for phrase in terms:
                self._add(analyzer, phrase, "partner", kind)
        for kind, phrases in vocabulary.need_phrases.items():
            for phrase in phrases:
                self._add_exact(phrase, "need", kind)
        self._stems = frozenset(
            s for entries in self._by_first.values() for e in entries for s in e[0]
        )

    def _add_exact(self, phrase: str, family: str, target: str) -> None:
        words = tuple(tokenise(phrase))
        entry = (words, family, target)
        if words and entry not in self._exact.get(words[0], ()):
            self._exact.setdefault(words[0], []).append(entry)

    def _add(self, analyzer: Analyzer, phrase: str, family: str, target: str) -> None:
        # Phrases are matched on stems of their content words, not on compound parts, so
        # "buurthuis" (a space) does not fire on every text that says "buurt".
        stems = tuple(dict.fromkeys(analyzer.stem(w) for w in analyzer.content_words(phrase)))
        # A phrase whose meaning lives in its stop words ("oude mensen", "andere wijken") would
        # shrink to one common word and fire on any text that has it: only its exact words
        # count.
        if not stems or (len(stems) == 1 and len(tokenise(phrase)) > 1):
            self._add_exact(phrase, family, target)
            return
        if len(stems) == 1:
            self.single_terms.add(stems[0])
        entry = (stems, family, target)
        bucket = self._by_first.setdefault(stems[0], [])
        if entry not in bucket:
            bucket.append(entry)

    def is_concept_stem(self, stem: str) -> bool:
        """Whether a stem belongs to a phrase of the vocabulary (a subject word)."""
        return stem in self._stems

    def concept_terms(self, whole: str, parts: Iterable[str]) -> list[str]:
        """The terms of one word that concepts are found in: the word, and its compound parts
        unless the word is a concept term itself."""
        if whole in self.single_terms:
            return [whole]
        return [whole, *parts]

    def find(self, terms: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """``{family: {target: [matched phrases as stems]}}`` for the given text terms."""
        present = set(terms)
        found: dict[str, dict[str, list[str]]] = {"theme": {}, "need": {}, "partner": {}}
        for first in present:
            for stems, family, target in self._by_first.get(first, ()):
                if len(stems) == 1 or all(s in present for s in stems[1:]):
                    found[family].setdefault(target, []).append(" ".join(stems))
        return found

    def find_exact(self, words: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """Like ``find``, for the phrases matched word for word in ``words`` (normalised, stop
        words kept)."""
        found: dict[str, dict[str, list[str]]] = {"theme": {}, "need": {}, "partner": {}}
        for index, word in enumerate(words):
            for phrase, family, target in self._exact.get(word, ()):
                if tuple(words[index : index + len(phrase)]) == phrase:
                    found[family].setdefault(target, []).append(" ".join(phrase))
        return found

    def find_all(
        self, terms: Iterable[str], words: Sequence[str]
    ) -> dict[str, dict[str, list[str]]]:
        """``find`` on the terms and ``find_exact`` on the words, together."""
        found = self.find(terms)
        for family, targets in self.find_exact(words).items():
            for target, hits in targets.items():
                found[family].setdefault(target, []).extend(hits)
        return found


@cache
def default_vocabulary() -> Vocabulary:
    return Vocabulary.load()


def theme_label(vocabulary: Vocabulary, slug: str) -> str:
    theme = vocabulary.themes.get(slug)
    return theme.label if theme else slug


__all__ = ["ConceptMatcher", "Theme", "Vocabulary", "default_vocabulary", "theme_label", "tokenise"]
