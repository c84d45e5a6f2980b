"""The shipped Dutch vocabulary of the social domain: themes, needs and partner kinds, each
with the policy words *and* the everyday words that mean it, so both sides of a match meet.

A municipality can add its own terms to a theme (``Vocabulary.with_extra_terms``).
"""

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matching.text import Analyzer, build_lexicon, stem, tokenise

DATA_FILE = Path(__file__).parent / "data" / "vocabulary_nl.json"


@dataclass(frozen=True)
class Theme:
    slug: str
    label: str
    label_en: str
    tooi_uri: str | None
    tooi_label: str | None
    terms: tuple[str, ...]
    related: tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    """A phrase (as a tuple of stems) that signals a theme, a need kind or a partner kind."""

    stems: tuple[str, ...]
    phrase: str


class Vocabulary:
    def __init__(
        self,
        *,
        themes: Iterable[Theme],
        needs: Mapping[str, tuple[str, str, tuple[str, ...]]],
        partner_kinds: Mapping[str, tuple[str, tuple[str, ...]]],
        stopwords: Iterable[str],
    ) -> None:
        self.themes = {theme.slug: theme for theme in themes}
        self.needs = dict(needs)  # kind -> (label, label in a sentence, terms)
        self.partner_kinds = dict(partner_kinds)  # kind -> (label, terms)
        self.stopwords = tuple(stopwords)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> "Vocabulary":
        data = json.loads(path.read_text(encoding="utf-8"))
        themes = [
            Theme(
                slug=t["slug"],
                label=t["label"],
                label_en=t["labelEn"],
                tooi_uri=(t.get("tooi") or {}).get("uri"),
                tooi_label=(t.get("tooi") or {}).get("label"),
                terms=tuple(t["terms"]),
                related=tuple(t.get("related", ())),
            )
            for t in data["themes"]
        ]
        needs = {k: (v["label"], v["label"], tuple(v["terms"])) for k, v in data["needs"].items()}
        partners = {k: (v["label"], tuple(v["terms"])) for k, v in data["partnerKinds"].items()}
        return cls(themes=themes, needs=needs, partner_kinds=partners, stopwords=data["stopwords"])

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
        )

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
        return Analyzer(self.stopwords, lexicon)


class ConceptMatcher:
    """Finds themes, need kinds and partner kinds in analysed text.

    A phrase matches when all its stems occur in the text's terms; longer phrases say more,
    so each match counts its number of stems.
    """

    def __init__(self, vocabulary: Vocabulary, analyzer: Analyzer) -> None:
        self.vocabulary = vocabulary
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        for slug, theme in vocabulary.themes.items():
            for phrase in (theme.label, *theme.terms):
                self._add(analyzer, phrase, "theme", slug)
        for kind, (_label, _sentence, terms) in vocabulary.needs.items():
            for phrase in terms:
                self._add(analyzer, phrase, "need", kind)
        for kind, (_label, terms) in vocabulary.partner_kinds.items():
            for phrase in terms:
                self._add(analyzer, phrase, "partner", kind)

    def _add(self, analyzer: Analyzer, phrase: str, family: str, target: str) -> None:
        # Phrases are matched on stems of their content words, not on compound parts, so
        # "buurthuis" (a space) does not fire on every text that says "buurt".
        stems = tuple(dict.fromkeys(stem(w) for w in analyzer.content_words(phrase)))
        # A phrase whose meaning lived in its stop words ("andere wijken", "samen met") would
        # shrink to one common word and fire on any text that has it: leave it out.
        if not stems or (len(stems) == 1 and len(tokenise(phrase)) > 1):
            return
        entry = (stems, family, target)
        bucket = self._by_first.setdefault(stems[0], [])
        if entry not in bucket:
            bucket.append(entry)

    def find(self, terms: Iterable[str]) -> dict[str, dict[str, list[str]]]:
        """``{family: {target: [matched phrases as stems]}}`` for the given text terms."""
        present = set(terms)
        found: dict[str, dict[str, list[str]]] = {"theme": {}, "need": {}, "partner": {}}
        for first in present:
            for stems, family, target in self._by_first.get(first, ()):
                if len(stems) == 1 or all(s in present for s in stems[1:]):
                    found[family].setdefault(target, []).append(" ".join(stems))
        return found


@cache
def default_vocabulary() -> Vocabulary:
    return Vocabulary.load()


def theme_label(vocabulary: Vocabulary, slug: str) -> str:
    theme = vocabulary.themes.get(slug)
    return theme.label if theme else slug


__all__ = ["ConceptMatcher", "Theme", "Vocabulary", "default_vocabulary", "theme_label", "tokenise"]
