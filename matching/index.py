"""A prepared directory: every contact's analysed text, themes, capabilities and areas, plus
inverted indexes, so a match scores only candidates instead of everyone.

Build it once per municipality (and vocabulary); it is immutable and safe to share between
threads. ``Directory.build`` does all the text analysis, ``analyse_initiative`` the query's.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from matching.model import AreaProfile, ContactProfile, InitiativeProfile
from matching.signals import saturate
from matching.text import Analyzer, normalise, stem
from matching.vocabulary import ConceptMatcher, Vocabulary

K1, B = 1.2, 0.75
# Words in organisation names that do not identify the organisation.
GENERIC_ORGANISATION_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "stichting fonds vereniging gemeente amsterdam rotterdam woningcorporatie corporatie "
        "school basisschool hogeschool universiteit centrum buurthuis huis van de het en voor "
        "organisatie team wijk buurt stad stadsdeel sport club welzijn zorg groep netwerk "
        "platform"
    ).split()
)
# Need kinds that unit kinds answer by their nature.
UNIT_KIND_CAPABILITY = {
    "area_team": {"space": 0.4, "network": 0.5, "partnership": 0.3, "volunteers": 0.3},
    "district": {"space": 0.3, "network": 0.4, "permit": 0.2},
    "programme": {"scaling": 0.6, "recognition": 0.4, "partnership": 0.3},
}


@dataclass(frozen=True)
class ContactFeatures:
    profile: ContactProfile
    term_counts: dict[str, int]
    length: int
    themes: dict[str, float]
    capability: dict[str, float]
    areas: tuple[str, ...]
    network_kinds: frozenset[str]
    network_tokens: dict[str, str]  # distinctive token -> organisation name


@dataclass(frozen=True)
class InitiativeFeatures:
    profile: InitiativeProfile
    terms: Counter
    surface: dict[str, str]  # stem -> a word the initiator used
    themes: dict[str, float]
    needs: dict[str, float]
    partner_kinds: frozenset[str]
    named_partners: dict[str, str]  # distinctive token -> organisation name it matched
    areas: tuple[str, ...]


class Directory:
    def __init__(
        self,
        *,
        vocabulary: Vocabulary,
        analyzer: Analyzer,
        concepts: ConceptMatcher,
        contacts: list[ContactFeatures],
        postings: dict[str, list[tuple[int, int]]],
        theme_postings: dict[str, list[int]],
        need_postings: dict[str, list[tuple[int, float]]],
        area_postings: dict[str, list[int]],
        areas: dict[str, AreaProfile],
        ancestors: dict[str, tuple[str, ...]],
        organisation_tokens: list[str],
    ) -> None:
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self.concepts = concepts
        self.contacts = contacts
        self.postings = postings
        self.theme_postings = theme_postings
        self.need_postings = need_postings
        self.area_postings = area_postings
        self.areas = areas
        self.ancestors = ancestors
        self.organisation_tokens = organisation_tokens
        self.size = len(contacts)
        self.average_length = sum(c.length for c in contacts) / len(contacts) if contacts else 1.0
        # BM25's length normalisation per contact, computed once instead of per posting.
        self.length_norms = [K1 * (1 - B + B * c.length / self.average_length) for c in contacts]
        self.position = {c.profile.key: i for i, c in enumerate(contacts)}
        self.related = {slug: t.related for slug, t in vocabulary.themes.items()}
        self.neighbours = _acquaintances(contacts, self.position)

    @classmethod
    def build(
        cls,
        contacts: Sequence[ContactProfile],
        areas: Iterable[AreaProfile],
        vocabulary: Vocabulary,
        *,
        analyzer: Analyzer | None = None,
    ) -> "Directory":
        area_map = {a.code: a for a in areas}
        # Place names say where, not who: "Moskee Javaplein" is not named by "Javaplein".
        place_words = {token for a in area_map.values() for token in normalise(a.name).split()}
        analyzer = analyzer or vocabulary.analyzer(_contact_texts(contacts))
        concepts = ConceptMatcher(vocabulary, analyzer)
        features: list[ContactFeatures] = []
        postings: dict[str, list[tuple[int, int]]] = {}
        theme_postings: dict[str, list[int]] = {}
        need_postings: dict[str, list[tuple[int, float]]] = {}
        area_postings: dict[str, list[int]] = {}
        organisation_tokens: set[str] = set()
        for index, contact in enumerate(contacts):
            terms = Counter(analyzer.terms(_contact_document(contact, vocabulary)))
            for term, count in terms.items():
                postings.setdefault(term, []).append((index, count))
            found = concepts.find(terms)
            themes = _contact_themes(contact, found["theme"])
            capability = _contact_capability(contact, found["need"])
            for slug in themes:
                theme_postings.setdefault(slug, []).append(index)
            for kind, strength in capability.items():
                need_postings.setdefault(kind, []).append((index, strength))
            served = contact.area_codes or contact.unit.area_codes
            for code in served:
                area_postings.setdefault(code, []).append(index)
            tokens = _organisation_tokens(contact, place_words)
            organisation_tokens.update(tokens)
            features.append(
                ContactFeatures(
                    profile=contact,
                    term_counts=dict(terms),
                    length=sum(terms.values()),
                    themes=themes,
                    capability=capability,
                    areas=tuple(served),
                    network_kinds=frozenset(n.kind for n in contact.networks),
                    network_tokens=tokens,
                )
            )
        return cls(
            vocabulary=vocabulary,
            analyzer=analyzer,
            concepts=concepts,
            contacts=features,
            postings=postings,
            theme_postings=theme_postings,
            need_postings=need_postings,
            area_postings=area_postings,
            areas=area_map,
            ancestors={code: area_ancestors(code, area_map) for code in area_map},
            organisation_tokens=sorted(organisation_tokens),
        )

    def idf(self, term: str) -> float:
        df = len(self.postings.get(term, ()))
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def bm25(self, query_terms: Counter) -> dict[int, float]:
        """BM25 (k1 = 1.2, b = 0.75) of every contact containing a query term."""
        scores: dict[int, float] = {}
        get = scores.get
        norms = self.length_norms
        for term, query_count in query_terms.items():
            posting = self.postings.get(term)
            if not posting:
                continue
            weight = self.idf(term) * min(query_count, 3) * (K1 + 1)
            for index, tf in posting:
                scores[index] = get(index, 0.0) + weight * tf / (tf + norms[index])
        return scores

    def bm25_for(self, contact: ContactFeatures, query_terms: Counter) -> float:
        """BM25 of one contact, with this directory's term statistics."""
        counts = contact.term_counts
        norm = K1 * (1 - B + B * contact.length / self.average_length)
        return sum(
            self.idf(term) * min(q, 3) * counts[term] * (K1 + 1) / (counts[term] + norm)
            for term, q in query_terms.items()
            if term in counts
        )

    def contact(self, key: str) -> ContactFeatures | None:
        index = self.position.get(key)
        return None if index is None else self.contacts[index]

    def analyse_initiative(self, initiative: InitiativeProfile) -> InitiativeFeatures:
        text = " ".join([initiative.text, *(n.description for n in initiative.needs)])
        words = self.analyzer.content_words(text)
        surface: dict[str, str] = {}
        terms: Counter = Counter()
        for word in words:
            fixed = self.analyzer.correct_typo(word) or word
            for term in (stem(fixed), *(stem(p) for p in self.analyzer.split_compound(fixed))):
                terms[term] += 1
                surface.setdefault(term, word)
        for slug in initiative.themes:
            theme = self.vocabulary.themes.get(slug)
            for term in self.analyzer.terms(theme.label if theme else slug.replace("-", " ")):
                terms[term] += 1
        found = self.concepts.find(terms)
        themes = {slug: 0.8 * saturate(len(hits)) for slug, hits in found["theme"].items()}
        for slug in initiative.themes:
            themes[slug] = 1.0
        needs = {kind: 1.0 for kind in (n.kind for n in initiative.needs)}
        for kind, hits in found["need"].items():
            # Needs the initiator only hints at in the text count for less than asked ones.
            needs.setdefault(kind, 0.4 * saturate(len(hits)))
        needs.pop("other", None)
        return InitiativeFeatures(
            profile=initiative,
            terms=terms,
            surface=surface,
            themes=themes,
            needs=needs,
            partner_kinds=frozenset(found["partner"]),
            named_partners=self._named_partners(words),
            areas=tuple(initiative.area_codes),
        )

    def _named_partners(self, words: list[str]) -> dict[str, str]:
        """Organisation tokens the initiative names, exactly or with a small typo."""
        named: dict[str, str] = {}
        known = set(self.organisation_tokens)
        for word in set(words):
            if len(word) < 4 or word in GENERIC_ORGANISATION_WORDS:
                continue
            if word in known:
                named[word] = word
            elif len(word) >= 5:
                hit = process.extractOne(
                    word, self.organisation_tokens, scorer=fuzz.ratio, score_cutoff=88
                )
                if hit:
                    named[hit[0]] = word
        return named


def _contact_document(contact: ContactProfile, vocabulary: Vocabulary) -> str:
    theme_labels = [
        vocabulary.themes[t].label if t in vocabulary.themes else t for t in contact.themes
    ]
    # The job title says most about a portfolio, so it counts twice.
    return " ".join(
        [
            contact.job_title,
            contact.job_title,
            contact.expertise,
            *theme_labels,
            contact.unit.name,
            contact.unit.description,
            *(n.name for n in contact.networks),
        ]
    )


def _contact_texts(contacts: Sequence[ContactProfile]) -> list[str]:
    units = {c.unit.key: c.unit for c in contacts}
    return [f"{c.job_title} {c.expertise}" for c in contacts] + [
        f"{u.name} {u.description}" for u in units.values()
    ]


def _contact_themes(contact: ContactProfile, inferred: dict[str, list[str]]) -> dict[str, float]:
    """Themes a contact stands for: their own (1), their unit's (0.6), and those their text
    speaks of (up to 0.7)."""
    themes = {slug: 0.7 * saturate(len(hits), 2.0) for slug, hits in inferred.items()}
    for slug in contact.unit.themes:
        themes[slug] = max(themes.get(slug, 0.0), 0.6)
    for slug in contact.themes:
        themes[slug] = 1.0
    return themes


def _contact_capability(
    contact: ContactProfile, inferred: dict[str, list[str]]
) -> dict[str, float]:
    """How well a contact can answer each need kind, from their words, unit and network."""
    capability = {kind: saturate(len(hits), 1.0) for kind, hits in inferred.items()}
    for kind, strength in UNIT_KIND_CAPABILITY.get(contact.unit.kind, {}).items():
        capability[kind] = max(capability.get(kind, 0.0), strength)
    kinds = {n.kind for n in contact.networks}
    if "fund" in kinds:
        capability["funding"] = max(capability.get("funding", 0.0), 0.6)
    if "community" in kinds:
        capability["volunteers"] = max(capability.get("volunteers", 0.0), 0.3)
    breadth = min(1.0, len(contact.networks) / 3)
    # A wide network alone is a weak sign (below the 0.5 that counts as covering a need):
    # reaching the partners asked for is what counts, and that is scored per query.
    capability["network"] = max(capability.get("network", 0.0), 0.4 * breadth)
    capability["partnership"] = max(capability.get("partnership", 0.0), 0.3 * breadth)
    if not (contact.area_codes or contact.unit.area_codes):
        capability["scaling"] = max(capability.get("scaling", 0.0), 0.3)
    return {kind: value for kind, value in capability.items() if value > 0}


def _organisation_tokens(contact: ContactProfile, place_words: set[str]) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for network in contact.networks:
        for token in normalise(network.name).split():
            if len(token) >= 4 and token not in GENERIC_ORGANISATION_WORDS | place_words:
                tokens.setdefault(token, network.name)
    return tokens


def _acquaintances(
    contacts: Sequence[ContactFeatures], position: Mapping[str, int]
) -> dict[str, tuple[str, ...]]:
    """Who knows whom, both ways (knowing someone is mutual enough to ask a favour), among
    the listed contacts only, in directory order so paths come out the same every time."""
    links: dict[str, set[str]] = {}
    for contact in contacts:
        key = contact.profile.key
        for other in contact.profile.knows:
            if other != key and other in position:
                links.setdefault(key, set()).add(other)
                links.setdefault(other, set()).add(key)
    return {key: tuple(sorted(keys, key=position.__getitem__)) for key, keys in links.items()}


def area_ancestors(code: str, areas: Mapping[str, AreaProfile]) -> tuple[str, ...]:
    """The areas that contain ``code``, nearest first (wijk, then stadsdeel); loop-safe."""
    chain: list[str] = []
    parent = areas[code].parent_code
    while parent is not None and parent in areas and parent not in chain and parent != code:
        chain.append(parent)
        parent = areas[parent].parent_code
    return tuple(chain)
