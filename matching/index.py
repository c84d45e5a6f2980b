"""A prepared directory: every contact's analysed text, themes, capabilities and areas, as
postings and column arrays, so a match scores every contact with a few vectorised
operations and explains only the few it returns.

Build it once per municipality (and vocabulary) with ``Directory.build``; keep it current
with ``upsert`` and ``remove`` instead of rebuilding. Each contact lives in a *slot*: an
update gives the contact a new slot and leaves the old one dead (its postings are skipped
until ``compact``, which ``upsert`` and ``remove`` call once a quarter of the slots are
dead), so a write costs the analysis of one contact, not of the directory. The analyzer
(its lexicon of known words) is fixed at build time: new and changed contacts are read
with the words the directory was built with.

Not thread-safe on its own: hold ``lock`` while ranking or writing (``api`` does).
"""

import math
import re
import threading
import weakref
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from matching.language import ENGLISH, Reader, ReadWord
from matching.model import AreaProfile, ContactProfile, InitiativeProfile
from matching.places import NO_PLACES, Gazetteer, Places
from matching.signals import saturate
from matching.text import Analyzer, normalise, specificity, tokenise
from matching.vocabulary import ConceptMatcher, Vocabulary

K1, B = 1.2, 0.75
# What a generic word of the domain ("bewoners", "initiatieven", "samen") weighs in BM25
# against a word that names a subject: a long profile full of them must not win by volume.
GENERIC_WEIGHT = 0.15
# The weight of a need read from the text: as much as a ticked one (1) would be too much for
# a word in passing, but it must count as asked (0.5 and up) when nothing was ticked; beside
# ticked needs it only breaks ties.
NEED_READ_ALONE, NEED_READ_BESIDE_TICKED = 0.6, 0.25
# A word of the vocabulary names a subject however common it is ("kinderen", "school").
SUBJECT_WORD = 0.6
# A compound's parts count, for less than the compound: "huiswerk" is homework, not a house
# and a job, though "sportproject" is about sport.
PART_WEIGHT = 0.5
# Compact when this share of the slots is dead (and there are at least MIN_DEAD_TO_COMPACT).
DEAD_SHARE_TO_COMPACT = 0.25
MIN_DEAD_TO_COMPACT = 256
TERMS_CACHE_LIMIT = 100_000
ANALYSED_CACHE_LIMIT = 64
# Words never run across these, so a text's terms are its sentences' terms (and sentences
# recur across colleagues: "Kent de partners in de wijk.").
_SENTENCE_END = re.compile(r"[.!?;:\n]+")
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
# How much a unit's theme says about each of its people.
UNIT_THEME = 0.4
# The column families: a contact's theme strengths, need capabilities and network kinds.
FAMILIES = ("theme", "need", "kind")


@dataclass(frozen=True, slots=True)
class ContactFeatures:
    profile: ContactProfile
    terms: tuple[str, ...]  # index terms, each once
    counts: bytes | tuple[int, ...]  # how often each occurs, in the same order
    length: int
    themes: dict[str, float]
    capability: dict[str, float]
    areas: tuple[str, ...]
    network_kinds: frozenset[str]
    network_tokens: dict[str, str]  # distinctive token -> organisation name
    english: bool  # speaks English
    known_places: tuple[str, ...]  # areas the profile's own words name ("kent de Vogelbuurt")
    broad: bool  # an area's general first contact (area-bound, with a broad theme)

    @property
    def term_counts(self) -> dict[str, int]:
        return dict(zip(self.terms, self.counts, strict=True))


@dataclass(frozen=True)
class InitiativeFeatures:
    profile: InitiativeProfile
    terms: Counter
    surface: dict[str, str]  # stem -> a word the initiator used
    themes: dict[str, float]
    needs: dict[str, float]
    partner_kinds: frozenset[str]
    named_partners: dict[str, str]  # distinctive token -> organisation name it matched
    areas: tuple[str, ...]  # asked, or else named in the text
    language: str = "nl"
    places: Places = NO_PLACES
    needs_read: tuple[str, ...] = ()  # need kinds read from the text, not ticked
    areas_read: bool = False  # the areas come from place names in the text
    reach: float = 0.0  # see Directory.reach
    # How much each term says about the subject (matching.text.specificity): everyday words
    # in passing count less.
    term_weights: Mapping[str, float] = field(default_factory=dict)


class _Posting:
    """The slots holding a term and how often each holds it: compact arrays that grow,
    with a NumPy copy made on first use after a change."""

    __slots__ = ("_cached", "slots", "tfs")

    def __init__(self) -> None:
        self.slots = array("i")
        self.tfs = array("I")
        self._cached: tuple[np.ndarray, np.ndarray] | None = None

    def append(self, slot: int, tf: int) -> None:
        self.slots.append(slot)
        self.tfs.append(tf)
        self._cached = None

    def __iter__(self) -> Iterator[tuple[int, int]]:
        """(slot, term frequency) pairs, dead slots included."""
        return zip(self.slots, self.tfs, strict=True)

    def __len__(self) -> int:
        return len(self.slots)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._cached is None:
            self._cached = (
                # As compact as the arrays (indexing takes int32; integer counts meet float64
                # norms and weights in float64, so BM25 stays exactly as before).
                np.array(self.slots, dtype=np.int32),
                np.array(self.tfs, dtype=np.uint32),
            )
        return self._cached


class _SlotSet:
    """Slots that come and go (an area's contacts, an organisation's), with a cached array."""

    __slots__ = ("_cached", "slots")

    def __init__(self) -> None:
        self.slots: set[int] = set()
        self._cached: np.ndarray | None = None

    def add(self, slot: int) -> None:
        self.slots.add(slot)
        self._cached = None

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self.slots))

    def discard(self, slot: int) -> None:
        self.slots.discard(slot)
        self._cached = None

    def array(self) -> np.ndarray:
        if self._cached is None:
            self._cached = np.fromiter(self.slots, dtype=np.intp, count=len(self.slots))
        return self._cached


class Directory:
    def __init__(
        self,
        *,
        vocabulary: Vocabulary,
        analyzer: Analyzer,
        areas: Iterable[AreaProfile],
        place_names: Iterable[str] = (),
    ) -> None:
        """``place_names`` are names of places that are no area of the directory (the
        municipality's own name): read as places, never as subject words."""
        self.vocabulary = vocabulary
        self.analyzer = analyzer
        self.concepts = ConceptMatcher(vocabulary, analyzer)
        self.areas = {a.code: a for a in areas}
        self.ancestors = {code: area_ancestors(code, self.areas) for code in self.areas}
        narrower: dict[str, list[str]] = {}
        for code, chain in self.ancestors.items():
            for wider in chain:
                narrower.setdefault(wider, []).append(code)
        # The areas inside each area (its wijken and buurten), for the "narrower" area fit.
        self.descendants = {code: tuple(codes) for code, codes in narrower.items()}
        place_names = tuple(place_names)
        self.gazetteer = Gazetteer(
            self.areas.values(),
            self.ancestors,
            other_names=place_names,
            is_word=lambda word: word in analyzer.lexicon or word in analyzer.stopwords,
        )
        # Place names say where, not who: "Moskee Javaplein" is not named by "Javaplein".
        self.place_words = {
            token
            for name in (
                *place_names,
                *(a.name for a in self.areas.values()),
                *(alias for a in self.areas.values() for alias in a.aliases),
            )
            for token in normalise(name).split()
        }
        self.reader = Reader(
            analyzer,
            glossary=vocabulary.english,
            english_stopwords=vocabulary.english_stopwords,
            dutch_words=vocabulary.words(),
        )
        self.generic_terms = frozenset(
            analyzer.stem(word) for word in vocabulary.generic_words for word in [normalise(word)]
        )
        self.related = {slug: t.related for slug, t in vocabulary.themes.items()}
        self.lock = threading.RLock()
        self.neighbours = _Acquaintances(self)
        self._terms_cache: dict[str, tuple[list[str], list[str], list[tuple[str, str, str]]]] = {}
        self._parts_cache: dict[
            str,
            tuple[
                Counter,
                set[str],
                list[tuple[str, str, str]],
                dict[str, frozenset[str]],
                frozenset[str],
            ],
        ] = {}
        # The last initiatives analysed (a match and its understanding read the same text);
        # emptied by every write, since named partners follow the contacts.
        self._analysed: dict[InitiativeProfile, InitiativeFeatures] = {}
        self._name_tokens: dict[str, tuple[str, ...]] = {}
        self._shared_values: dict[tuple, dict[str, float]] = {}
        self._shared_kind_sets: dict[frozenset[str], frozenset[str]] = {}
        self._not_identifying = GENERIC_ORGANISATION_WORDS | self.place_words
        self._reset()

    def _reset(self) -> None:
        self.contacts: list[ContactFeatures | None] = []
        self.position: dict[str, int] = {}
        self.postings: dict[str, _Posting] = {}
        self.document_frequency: dict[str, int] = {}
        self.area_postings: dict[str, _SlotSet] = {}
        self.known_place_postings: dict[str, _SlotSet] = {}
        self.token_postings: dict[str, _SlotSet] = {}
        # One array per theme, need kind and network kind (a column each, stored apart so
        # reading one is a contiguous scan).
        self.columns: dict[str, dict[str, np.ndarray]] = {family: {} for family in FAMILIES}
        self._length = np.zeros(0)
        self._live = np.zeros(0, dtype=bool)
        self._open = np.zeros(0)
        self._capacity = np.zeros(0)
        self._citywide = np.zeros(0, dtype=bool)
        self._broad = np.zeros(0, dtype=bool)
        self._english = np.zeros(0, dtype=bool)
        self._total_length = 0
        self._token_counts: Counter[str] = Counter()
        self._token_list: list[str] | None = None
        self._token_lengths: dict[int, list[str]] | None = None
        # Word -> the organisation token it most likely misspells; emptied whenever the
        # tokens change (with _token_lengths).
        self._closest_cache: dict[str, str | None] = {}
        self._knows: dict[str, tuple[str, ...]] = {}
        self._known_by: dict[str, set[str]] = {}
        self.dead = 0

    @classmethod
    def build(
        cls,
        contacts: Iterable[ContactProfile],
        areas: Iterable[AreaProfile],
        vocabulary: Vocabulary,
        *,
        analyzer: Analyzer | None = None,
        place_names: Iterable[str] = (),
    ) -> "Directory":
        contacts = list(contacts)
        directory = cls(
            vocabulary=vocabulary,
            analyzer=analyzer or vocabulary.analyzer(_contact_texts(contacts)),
            areas=areas,
            place_names=place_names,
        )
        directory._grow(len(contacts))
        for contact in contacts:
            if contact.key in directory.position:
                directory._unlink(contact.key)
            directory._place(directory._analyse(contact))
        # The sentence cache paid off across the build; later writes come one at a time.
        directory._terms_cache.clear()
        directory._parts_cache.clear()
        return directory

    # --- size and statistics --------------------------------------------------------------

    @property
    def size(self) -> int:
        """Listed contacts (dead slots not counted)."""
        return len(self.position)

    @property
    def slots(self) -> int:
        """Slots in use, live or dead: the length of every per-contact array."""
        return len(self.contacts)

    @property
    def average_length(self) -> float:
        return self._total_length / self.size if self.size else 1.0

    def live_contacts(self) -> Iterator[ContactFeatures]:
        return (c for c in self.contacts if c is not None)

    def idf(self, term: str) -> float:
        df = self.document_frequency.get(term, 0)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def term_weight(self, term: str) -> float:
        """A query term's weight in BM25: its idf, and little for the domain's generic
        words."""
        weight = self.idf(term)
        return weight * GENERIC_WEIGHT if term in self.generic_terms else weight

    # --- writes ---------------------------------------------------------------------------

    def upsert(self, contact: ContactProfile) -> None:
        """Add a contact, or replace the one with the same key."""
        with self.lock:
            self._analysed.clear()
            if contact.key in self.position:
                self._unlink(contact.key)
            self._grow(self.slots + 1)
            self._place(self._analyse(contact))
            self._maybe_compact()

    def remove(self, key: str) -> bool:
        """Take a contact out; False when the directory did not hold it."""
        with self.lock:
            self._analysed.clear()
            if key not in self.position:
                return False
            self._unlink(key)
            self._maybe_compact()
            return True

    def compact(self) -> None:
        """Give the live contacts consecutive slots again (no text analysis is repeated)."""
        with self.lock:
            live = list(self.live_contacts())
            self._reset()
            self._grow(len(live))
            for features in live:
                self._place(features)

    def _maybe_compact(self) -> None:
        if self.dead >= MIN_DEAD_TO_COMPACT and self.dead >= DEAD_SHARE_TO_COMPACT * self.slots:
            self.compact()

    def _analyse(self, contact: ContactProfile) -> ContactFeatures:
        terms: Counter[str] = Counter()
        concept_terms: set[str] = set()
        exact: list[tuple[str, str, str]] = []
        needs: dict[str, set[str]] = {}
        inside: set[str] = set()
        for part, repeats, says_needs in _contact_document(contact, self.vocabulary):
            part_terms, part_concepts, part_exact, part_needs, part_inside = self._read_part(part)
            inside |= part_inside
            if repeats == 1:
                terms.update(part_terms)
            else:
                for term, count in part_terms.items():
                    terms[term] += count * repeats
            concept_terms |= part_concepts
            exact.extend(part_exact)
            if says_needs:
                for kind, hits in part_needs.items():
                    needs.setdefault(kind, set()).update(hits)
        found = self.concepts.find(concept_terms)
        for family, target, phrase in exact:
            found[family].setdefault(target, []).append(phrase)
        # How much the profile says it answers each need: its distinct need phrases. A need
        # word inside a phrase of a theme the profile names does not count ("weinig geld" is
        # poverty, not funding; "openbare ruimte" the street, not a room).
        evidence = {}
        for kind, hits in needs.items():
            count = sum(1 for hit in hits if " " in hit or hit not in inside)
            if count:
                evidence[kind] = float(count)
        capability = _contact_capability(contact, evidence)
        served = contact.area_codes or contact.unit.area_codes
        return ContactFeatures(
            profile=contact,
            terms=tuple(terms),
            # Counts under 256 (nearly always) as bytes: a tenth of a tuple's memory.
            counts=_compact_counts(terms.values()),
            length=sum(terms.values()),
            themes=self._shared(_contact_themes(contact, found["theme"])),
            capability=self._shared(capability),
            areas=tuple(served),
            network_kinds=self._shared_kinds(frozenset(n.kind for n in contact.networks)),
            network_tokens=self._organisation_tokens(contact),
            english=ENGLISH in contact.languages,
            known_places=self._known_places(contact),
            broad=_first_contact_of_an_area(contact, self.vocabulary.broad_themes, capability),
        )

    def _read_part(
        self, part: str
    ) -> tuple[
        Counter, set[str], list[tuple[str, str, str]], dict[str, frozenset[str]], frozenset[str]
    ]:
        """One part of a profile (a title, an expertise, a unit's text): its index terms with
        their counts, the terms concepts are found in, the concepts its exact phrases name,
        the need phrases it names and the words of the themes' phrases it names (see
        ``_analyse``). Titles and unit texts recur across colleagues, so each part is read
        once."""
        found = self._parts_cache.get(part)
        if found is None:
            if len(self._parts_cache) >= TERMS_CACHE_LIMIT:
                self._parts_cache.clear()
            terms: Counter[str] = Counter()
            concepts: set[str] = set()
            exact: list[tuple[str, str, str]] = []
            for sentence in _SENTENCE_END.split(part):
                sentence_terms, sentence_concepts, sentence_exact = self._part_terms(sentence)
                terms.update(sentence_terms)
                concepts.update(sentence_concepts)
                exact.extend(sentence_exact)
            named = self.concepts.find(concepts)
            for family, target, phrase in exact:
                named[family].setdefault(target, []).append(phrase)
            inside = frozenset(
                stem
                for hits in named["theme"].values()
                for hit in hits
                if " " in hit
                for stem in hit.split()
            )
            needs = {kind: frozenset(hits) for kind, hits in named["need"].items()}
            found = self._parts_cache[part] = (terms, concepts, exact, needs, inside)
        return found

    def _known_places(self, contact: ContactProfile) -> tuple[str, ...]:
        """Areas named in the contact's title and expertise (unmistakable names only)."""
        text = f"{contact.job_title}. {contact.expertise}"
        codes = self.gazetteer.find(text, strict=True).codes
        served = contact.area_codes or contact.unit.area_codes
        if served:
            # Someone bound to areas knows the places in them; a name elsewhere in their text
            # is a word in another sense ("de binnenstad van Weesp" is not Centrum).
            codes = tuple(
                code
                for code in codes
                if code in served or any(a in served for a in self.ancestors.get(code, ()))
            )
        return tuple(sorted(codes))

    def _shared(self, values: dict[str, float]) -> dict[str, float]:
        """One dict for every contact with the same themes (or capabilities): colleagues
        mostly share them, and a small dict costs hundreds of bytes. Never mutated."""
        key = tuple(values.items())
        shared = self._shared_values.get(key)
        if shared is None:
            if len(self._shared_values) >= TERMS_CACHE_LIMIT:
                self._shared_values.clear()
            shared = self._shared_values[key] = values
        return shared

    def _shared_kinds(self, kinds: frozenset[str]) -> frozenset[str]:
        return self._shared_kind_sets.setdefault(kinds, kinds)

    def _organisation_tokens(self, contact: ContactProfile) -> dict[str, str]:
        """The words that identify the organisations in a contact's network (not generic
        words, not place names), each with the organisation's name."""
        tokens: dict[str, str] = {}
        for network in contact.networks:
            found = self._name_tokens.get(network.name)
            if found is None:
                if len(self._name_tokens) >= TERMS_CACHE_LIMIT:
                    self._name_tokens.clear()
                found = self._name_tokens[network.name] = tuple(
                    token
                    for token in normalise(network.name).split()
                    if len(token) >= 4 and token not in self._not_identifying
                )
            for token in found:
                tokens.setdefault(token, network.name)
        return tokens

    def _part_terms(self, text: str) -> tuple[list[str], list[str], list[tuple[str, str, str]]]:
        """The index terms of one sentence of a contact's text, the terms concepts are found
        in, and the concepts its exact phrases name (family, target, phrase); titles, unit
        texts, theme labels and organisation names recur across colleagues, so they are
        analysed once."""
        cached = self._terms_cache.get(text)
        if cached is None:
            if len(self._terms_cache) >= TERMS_CACHE_LIMIT:
                self._terms_cache.clear()
            terms: list[str] = []
            concepts: list[str] = []
            for word in self.analyzer.content_words(text):
                whole, parts = self.analyzer.word_terms(word)
                terms.append(whole)
                terms.extend(parts)
                concepts.extend(self.concepts.concept_terms(whole, parts))
            exact = [
                (family, target, phrase)
                for family, targets in self.concepts.find_exact(tokenise(text)).items()
                for target, phrases in targets.items()
                for phrase in phrases
            ]
            cached = self._terms_cache[text] = (terms, concepts, exact)
        return cached

    def _grow(self, needed: int) -> None:
        """Room for ``needed`` slots in every per-contact array (doubling, so appends are
        amortised O(1))."""
        have = len(self._length)
        if needed <= have:
            return
        size = max(needed, 2 * have, 64)

        def grown(old: np.ndarray) -> np.ndarray:
            new = np.zeros((size, *old.shape[1:]), dtype=old.dtype)
            new[:have] = old
            return new

        self._length = grown(self._length)
        self._live = grown(self._live)
        self._open = grown(self._open)
        self._capacity = grown(self._capacity)
        self._citywide = grown(self._citywide)
        self._broad = grown(self._broad)
        self._english = grown(self._english)
        self.columns = {
            family: {name: grown(column) for name, column in columns.items()}
            for family, columns in self.columns.items()
        }

    def _column(self, family: str, name: str) -> np.ndarray:
        columns = self.columns[family]
        column = columns.get(name)
        if column is None:
            column = columns[name] = np.zeros(len(self._length))
        return column

    def _place(self, features: ContactFeatures) -> None:
        slot = len(self.contacts)
        self._grow(slot + 1)
        profile = features.profile
        self.contacts.append(features)
        self.position[profile.key] = slot
        frequency = self.document_frequency
        postings = self.postings
        for term, count in zip(features.terms, features.counts, strict=True):
            posting = postings.get(term)
            if posting is None:
                posting = postings[term] = _Posting()
            posting.slots.append(slot)  # inlined _Posting.append: the hottest loop of a build
            posting.tfs.append(count)
            posting._cached = None
            frequency[term] = frequency.get(term, 0) + 1
        self._total_length += features.length
        column = self._column
        for name, value in features.themes.items():
            column("theme", name)[slot] = value
        for name, value in features.capability.items():
            column("need", name)[slot] = value
        for name in features.network_kinds:
            column("kind", name)[slot] = 1.0
        self._length[slot] = features.length
        self._live[slot] = True
        self._open[slot] = 1.0 if profile.open_to_initiatives else 0.0
        self._capacity[slot] = profile.capacity_left
        self._citywide[slot] = not features.areas
        self._broad[slot] = features.broad
        self._english[slot] = features.english
        for postings, codes in (
            (self.area_postings, features.areas),
            (self.known_place_postings, features.known_places),
        ):
            for code in codes:
                slots = postings.get(code)
                if slots is None:
                    slots = postings[code] = _SlotSet()
                slots.add(slot)
        for token in features.network_tokens:
            slots = self.token_postings.get(token)
            if slots is None:
                slots = self.token_postings[token] = _SlotSet()
            slots.add(slot)
            self._token_counts[token] += 1
        if features.network_tokens:
            self._token_list = self._token_lengths = None
        self._knows[profile.key] = profile.knows
        for other in profile.knows:
            self._known_by.setdefault(other, set()).add(profile.key)

    def _unlink(self, key: str) -> None:
        slot = self.position.pop(key)
        features = self.contacts[slot]
        self.contacts[slot] = None
        self.dead += 1
        frequency = self.document_frequency
        for term in features.terms:
            left = frequency[term] - 1
            if left:
                frequency[term] = left
            else:
                del frequency[term]
        self._total_length -= features.length
        self._live[slot] = False
        for columns in self.columns.values():
            for column in columns.values():
                column[slot] = 0.0
        for code in features.areas:
            self.area_postings[code].discard(slot)
        for code in features.known_places:
            self.known_place_postings[code].discard(slot)
        for token in features.network_tokens:
            self.token_postings[token].discard(slot)
            self._token_counts[token] -= 1
            if self._token_counts[token] <= 0:
                del self._token_counts[token]
            self._token_list = self._token_lengths = None
        for other in self._knows.pop(key, ()):
            known_by = self._known_by.get(other)
            if known_by is not None:
                known_by.discard(key)
                if not known_by:
                    del self._known_by[other]

    # --- reads for the ranker ---------------------------------------------------------------

    def column(self, family: str, name: str) -> np.ndarray | None:
        """One column (``theme``, ``need`` or ``kind``) over all slots; None when no contact
        has it."""
        column = self.columns[family].get(name)
        return None if column is None else column[: self.slots]

    @property
    def live(self) -> np.ndarray:
        return self._live[: self.slots]

    @property
    def openness(self) -> np.ndarray:
        return self._open[: self.slots]

    @property
    def capacity_left(self) -> np.ndarray:
        """Each slot's own capacity left (``ContactProfile.capacity_left``)."""
        return self._capacity[: self.slots]

    @property
    def citywide(self) -> np.ndarray:
        return self._citywide[: self.slots]

    @property
    def broad(self) -> np.ndarray:
        return self._broad[: self.slots]

    @property
    def english(self) -> np.ndarray:
        return self._english[: self.slots]

    def area_slots(self, code: str, *, known: bool = False) -> np.ndarray | None:
        """The slots serving an area, or (``known``) naming it in their own words."""
        slots = (self.known_place_postings if known else self.area_postings).get(code)
        return None if slots is None or not slots.slots else slots.array()

    def token_slots(self, token: str) -> np.ndarray | None:
        slots = self.token_postings.get(token)
        return None if slots is None or not slots.slots else slots.array()

    @property
    def organisation_tokens(self) -> list[str]:
        if self._token_list is None:
            self._token_list = sorted(self._token_counts)
        return self._token_list

    def bm25_vector(
        self, query_terms: Mapping[str, int], weights: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """BM25 (k1 = 1.2, b = 0.75) of every slot, each query term weighted by its idf, its
        ``weights`` and ``term_weight``; dead slots hold leftovers to mask out. The same
        arithmetic, in the same order, as ``bm25_for``."""
        scores = np.zeros(self.slots)
        average = self.average_length
        weights = weights or {}
        for term, query_count in query_terms.items():
            posting = self.postings.get(term)
            if posting is None or not self.document_frequency.get(term):
                continue
            slots, tfs = posting.arrays()
            weight = (
                self.term_weight(term) * weights.get(term, 1.0) * min(query_count, 3) * (K1 + 1)
            )
            norms = K1 * (1 - B + B * self._length[slots] / average)
            scores[slots] += weight * tfs / (tfs + norms)
        return scores

    def reach(self, query_terms: Mapping[str, int], weights: Mapping[str, float]) -> float:
        """The BM25 of a profile of average length holding every query term that some
        profile holds, once: ``Σ_t weight_t · min(q_t, 3)`` (each term's saturation is
        ``(k1 + 1) · 1 / (1 + k1) = 1`` there)."""
        return sum(
            self.term_weight(term) * weights.get(term, 1.0) * min(count, 3)
            for term, count in query_terms.items()
            if self.document_frequency.get(term)
        )

    def bm25(
        self, query_terms: Mapping[str, int], weights: Mapping[str, float] | None = None
    ) -> dict[int, float]:
        """BM25 of every listed contact containing a query term, by slot."""
        scores = self.bm25_vector(query_terms, weights)
        hits = np.flatnonzero((scores > 0) & self.live)
        return {int(slot): float(scores[slot]) for slot in hits}

    def bm25_for(
        self,
        contact: ContactFeatures,
        query_terms: Mapping[str, int],
        weights: Mapping[str, float] | None = None,
    ) -> float:
        """BM25 of one contact, with this directory's term statistics."""
        counts = contact.term_counts
        norm = K1 * (1 - B + B * contact.length / self.average_length)
        total = 0.0
        weights = weights or {}
        for term, query_count in query_terms.items():
            tf = counts.get(term)
            if tf:
                weight = (
                    self.term_weight(term) * weights.get(term, 1.0) * min(query_count, 3) * (K1 + 1)
                )
                total += weight * tf / (tf + norm)
        return total

    def contact(self, key: str) -> ContactFeatures | None:
        index = self.position.get(key)
        return None if index is None else self.contacts[index]

    def analyse_initiative(self, initiative: InitiativeProfile) -> InitiativeFeatures:
        """Reads an initiative as a broker would: the places it names (not subject words;
        its areas when none were given), its language (English read through the glossary),
        its subject words (typos fixed, compounds split), themes, needs (ticked, or stated in
        the text) and the partners it names."""
        found = self._analysed.get(initiative)
        if found is None:
            if len(self._analysed) >= ANALYSED_CACHE_LIMIT:
                self._analysed.clear()
            found = self._analysed[initiative] = self._analyse_initiative(initiative)
        return found

    def _analyse_initiative(self, initiative: InitiativeProfile) -> InitiativeFeatures:
        text = " ".join([initiative.text, *(n.description for n in initiative.needs)])
        places = self.gazetteer.find(text)
        words = tokenise(text)
        # Language from the words that are no place names (those are neither language).
        language = self.reader.language(
            [w for i, w in enumerate(words) if i not in places.positions]
        )
        read = self.reader.read(words, language=language, skip=places.positions)
        surface: dict[str, str] = {}
        terms: Counter = Counter()
        concept_terms: list[str] = []
        term_weights: dict[str, float] = {}
        evidence: dict[str, float] = {}
        for word in read:
            fixed = self.analyzer.correct_typo(word.read) or word.read
            whole, parts = self.analyzer.word_terms(fixed)
            forms = (fixed, *self.analyzer.parts(fixed))
            for term, form in zip((whole, *parts), forms, strict=True):
                terms[term] += 1
                surface.setdefault(term, word.surface)
                weight = specificity(form)
                evidence[term] = max(evidence.get(term, 0.0), weight)
                if self.concepts.is_concept_stem(term):
                    weight = max(weight, SUBJECT_WORD)
                if term != whole:
                    weight *= PART_WEIGHT
                term_weights[term] = max(term_weights.get(term, 0.0), weight)
            concept_terms.extend(self.concepts.concept_terms(whole, parts))
        for slug in initiative.themes:
            theme = self.vocabulary.themes.get(slug)
            for term in self.analyzer.terms(theme.label if theme else slug.replace("-", " ")):
                terms[term] += 1
                concept_terms.append(term)
        found = self.concepts.find_all(concept_terms, _read_words(words, read, language))
        themes = _question_themes(found["theme"], evidence)
        for slug in initiative.themes:
            themes[slug] = 1.0
        ticked = {n.kind for n in initiative.needs if n.kind != "other"}
        stated = _needs_stated(found)
        weight = NEED_READ_BESIDE_TICKED if ticked else NEED_READ_ALONE
        needs = {kind: 1.0 for kind in ticked}
        for kind in stated:
            needs.setdefault(kind, weight)
        areas = tuple(initiative.area_codes) or places.codes
        return InitiativeFeatures(
            profile=initiative,
            terms=terms,
            surface=surface,
            themes=themes,
            needs=needs,
            partner_kinds=frozenset(found["partner"]),
            named_partners=self._named_partners([w.read for w in read]),
            areas=areas,
            language=language,
            places=places,
            needs_read=tuple(kind for kind in stated if kind not in ticked),
            areas_read=not initiative.area_codes and bool(places.codes),
            reach=self.reach(terms, term_weights),
            term_weights=term_weights,
        )

    def _named_partners(self, words: list[str]) -> dict[str, str]:
        """Organisation tokens the initiative names, exactly or with a small typo."""
        named: dict[str, str] = {}
        known = self._token_counts
        for word in set(words):
            if len(word) < 4 or word in GENERIC_ORGANISATION_WORDS:
                continue
            if word in known:
                named[word] = word
            elif len(word) >= 5:
                hit = self._closest_token(word)
                if hit:
                    named[hit] = word
        return named

    def _closest_token(self, word: str) -> str | None:
        """The organisation token most like ``word`` (``fuzz.ratio`` ≥ 88; of equals the
        first in alphabetical order). Only tokens of a length that can reach 88 are compared:
        the ratio is ``100 · (1 - indel / (a + b))`` and the indel distance is at least the
        difference in length, so ``|a - b| ≤ 0.12 · (a + b)`` is necessary."""
        by_length = self._tokens_by_length()  # first: it empties the cache when stale
        if word in self._closest_cache:
            return self._closest_cache[word]
        best: tuple[float, str] | None = None
        length = len(word)
        for other, tokens in by_length.items():
            if abs(length - other) > 0.12 * (length + other):
                continue
            hit = process.extractOne(word, tokens, scorer=fuzz.ratio, score_cutoff=88)
            if hit and (best is None or (-hit[1], hit[0]) < (-best[0], best[1])):
                best = (hit[1], hit[0])
        if len(self._closest_cache) >= TERMS_CACHE_LIMIT:
            self._closest_cache.clear()
        found = self._closest_cache[word] = None if best is None else best[1]
        return found

    def _tokens_by_length(self) -> dict[int, list[str]]:
        if self._token_lengths is None:
            self._closest_cache = {}
            lengths: dict[int, list[str]] = {}
            for token in self.organisation_tokens:  # sorted, so each list is sorted too
                lengths.setdefault(len(token), []).append(token)
            self._token_lengths = lengths
        return self._token_lengths


class _Acquaintances(Mapping[str, tuple[str, ...]]):
    """Who knows whom, both ways (knowing someone is mutual enough to ask a favour), among
    the listed contacts only; read from the directory's ``knows`` on each lookup, so writes
    need no upkeep here. Ordered by key (numeric keys numerically), so paths come out the
    same in every process whatever order contacts were added in."""

    def __init__(self, directory: Directory) -> None:
        # A weak reference: a strong one would make a cycle, and a service may freeze its
        # indexes out of the cyclic collector (gc.freeze), so a replaced one would never be freed.
        self._directory = weakref.proxy(directory)

    def __getitem__(self, key: str) -> tuple[str, ...]:
        directory = self._directory
        if key not in directory.position:
            raise KeyError(key)
        others = set(directory._knows.get(key, ())) | directory._known_by.get(key, set())
        linked = [o for o in others if o != key and o in directory.position]
        if not linked:
            raise KeyError(key)
        return tuple(sorted(linked, key=_key_order))

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._directory.position if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        try:
            self[key]  # type: ignore[index]
        except KeyError:
            return False
        return True


def _key_order(key: str) -> tuple[int, str]:
    return (len(key), key)


TITLE_REPEATS, EXPERTISE_REPEATS = 4, 2


def _contact_document(
    contact: ContactProfile, vocabulary: Vocabulary
) -> list[tuple[str, int, bool]]:
    """The parts of a contact's text, analysed part by part (the terms of text joined by
    spaces are the terms of its parts): each with how often its terms count and whether it
    says which needs the person answers.

    BM25F in whole numbers: the person's own words say most about their portfolio, the job
    title most of all; the theme labels, the unit's text and the names of the organisations
    they know speak for colleagues too. So the title counts four times, the expertise
    twice, the rest once. The job title, the expertise and the unit's own text say which
    needs someone answers; the theme labels and the names of organisations do not (knowing
    the Oranje Fonds is a network, counted as such, not a funding portfolio)."""
    theme_labels = [
        vocabulary.themes[t].label if t in vocabulary.themes else t for t in contact.themes
    ]
    return [
        (contact.job_title, TITLE_REPEATS, True),
        (contact.expertise, EXPERTISE_REPEATS, True),
        *((label, 1, False) for label in theme_labels),
        (contact.unit.name, 1, True),
        (contact.unit.description, 1, True),
        *((n.name, 1, False) for n in contact.networks),
    ]


def _compact_counts(counts: Iterable[int]) -> bytes | tuple[int, ...]:
    values = tuple(counts)
    return bytes(values) if max(values, default=0) < 256 else values


def _contact_texts(contacts: Sequence[ContactProfile]) -> Iterator[str]:
    """The texts the analyzer's lexicon is learnt from (one at a time: at 200,000 contacts a
    list of them would be tens of megabytes at the build's peak)."""
    units = {c.unit.key: c.unit for c in contacts}
    yield from (f"{c.job_title} {c.expertise}" for c in contacts)
    yield from (f"{u.name} {u.description}" for u in units.values())


def _contact_themes(contact: ContactProfile, inferred: dict[str, list[str]]) -> dict[str, float]:
    """Themes a contact stands for: their own, the first (their main portfolio) 1 and each
    next one a little less (``max(0.6, 1 - 0.15 · i)``), their unit's (0.4: a unit's themes
    are its colleagues' too), and those their text speaks of (up to 0.7)."""
    themes = {slug: 0.7 * saturate(len(hits), 2.0) for slug, hits in inferred.items()}
    for slug in contact.unit.themes:
        themes[slug] = max(themes.get(slug, 0.0), UNIT_THEME)
    for position, slug in enumerate(contact.themes):
        themes[slug] = max(themes.get(slug, 0.0), max(0.6, 1 - 0.15 * position))
    return themes


def _contact_capability(contact: ContactProfile, evidence: dict[str, float]) -> dict[str, float]:
    """How well a contact can answer each need kind, from their words (see ``_analyse``),
    unit and network: ``saturate(evidence, 1)`` and the floors below."""
    capability = {kind: saturate(count, 1.0) for kind, count in evidence.items()}
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


def _read_words(words: list[str], read: Sequence[ReadWord], language: str) -> list[str]:
    """The words exact phrases are looked for in: the text's own words, and for an English
    text also its Dutch reading (English phrases are in the vocabulary too)."""
    if language != ENGLISH:
        return words
    return [*words, "", *(w.read for w in read)]


# The kinds of unit an area's general first contact works in (not, say, a communication
# department that happens to be assigned to a wijk).
AREA_UNIT_KINDS = frozenset(("area_team", "district", "programme"))
FIRST_CONTACT_NETWORK = 0.5


def _first_contact_of_an_area(
    contact: ContactProfile, broad_themes: frozenset[str], capability: Mapping[str, float]
) -> bool:
    """An area's general first contact (a gebiedsmakelaar, a dorpscoördinator): bound to areas,
    in an area team, a district or a programme, with a broad theme as their main one, and
    whose own words say they are the way in (they connect people, are the contact point:
    a network capability of at least 0.5), unlike, say, a programme's manager."""
    return (
        bool(contact.area_codes or contact.unit.area_codes)
        and contact.unit.kind in AREA_UNIT_KINDS
        and bool(contact.themes)
        and contact.themes[0] in broad_themes
        and capability.get("network", 0.0) >= FIRST_CONTACT_NETWORK
    )


def _question_themes(
    hits: Mapping[str, list[str]], evidence: Mapping[str, float]
) -> dict[str, float]:
    """How sure it is that a question is about each theme, its main theme first.

    Each phrase of a theme found counts as evidence by how telling its word is (a phrase of
    several words fully, a single word by ``matching.text.specificity``: "kinderen" or
    "school" say less about the subject than "snoep" or "voetbaltoernooi"):
    ``s_t = 0.8 · saturate(Σ evidence)``. A broker reads the main subject and the context
    around it ("chips en snoep op de school van mijn dochter" is about healthy food, at a
    school), so every theme is then weighed by how close it comes to the strongest one:
    ``q_t = s_t · s_t / max_u s_u``."""
    sure = {
        slug: 0.8 * saturate(sum(1.0 if " " in hit else evidence.get(hit, 1.0) for hit in found))
        for slug, found in hits.items()
    }
    strongest = max(sure.values(), default=0.0)
    if strongest <= 0:
        return sure
    return {slug: value * value / strongest for slug, value in sure.items()}


def _needs_stated(found: Mapping[str, Mapping[str, list[str]]]) -> list[str]:
    """Need kinds a text states, most evidence first: its need terms and exact phrases. A
    single need word inside a longer phrase of a theme does not count ("openbare ruimte" is
    the street, not a room)."""
    inside = {
        stem
        for hits in found["theme"].values()
        for hit in hits
        if " " in hit
        for stem in hit.split()
    }
    evidence: Counter[str] = Counter()
    for kind, hits in found["need"].items():
        evidence[kind] += sum(1 for hit in hits if " " in hit or hit not in inside)
    return [kind for kind, count in evidence.most_common() if count > 0 and kind != "other"]


def area_ancestors(code: str, areas: Mapping[str, AreaProfile]) -> tuple[str, ...]:
    """The areas that contain ``code``, nearest first (wijk, then stadsdeel); loop-safe."""
    chain: list[str] = []
    parent = areas[code].parent_code
    while parent is not None and parent in areas and parent not in chain and parent != code:
        chain.append(parent)
        parent = areas[parent].parent_code
    return tuple(chain)
