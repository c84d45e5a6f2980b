"""The engine's plain inputs and outputs: frozen dataclasses, no database, no web framework.

The directory's own inputs (contacts, units, areas, network links) use ``slots``: a
municipality holds hundreds of thousands of them in memory."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class NetworkLink:
    name: str
    kind: str  # business, education, research, government, community, housing, care_welfare, fund


@dataclass(frozen=True, slots=True)
class AreaProfile:
    code: str
    name: str
    parent_code: str | None = None
    # Other names residents use for it ("Bijlmer", "de Pijp"); see matching.places.
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitProfile:
    key: str
    name: str
    kind: str  # cluster, department, district, area_team, programme, team
    description: str = ""
    themes: tuple[str, ...] = ()
    area_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactProfile:
    """A civil servant as the engine sees them. Only listable people belong here: the caller
    leaves out anyone unavailable, without consent or in another municipality."""

    key: str
    job_title: str
    unit: UnitProfile
    themes: tuple[str, ...] = ()
    area_codes: tuple[str, ...] = ()  # empty: the unit's areas, or citywide
    expertise: str = ""
    networks: tuple[NetworkLink, ...] = ()
    open_to_initiatives: bool = True
    capacity_per_month: int = 4
    open_introductions: int = 0
    knows: tuple[str, ...] = ()  # keys of colleagues this contact knows (for warm paths)
    languages: tuple[str, ...] = ()  # ISO 639-1 codes: nl, en, ...

    @property
    def capacity_left(self) -> int:
        return max(0, self.capacity_per_month - self.open_introductions)


@dataclass(frozen=True)
class Need:
    kind: str  # funding, space, permit, knowledge, network, partnership, recognition, scaling, …
    description: str = ""


@dataclass(frozen=True)
class InitiativeProfile:
    """What an initiative asks: its own words, and optionally themes, areas and needs."""

    text: str
    themes: tuple[str, ...] = ()
    area_codes: tuple[str, ...] = ()
    needs: tuple[Need, ...] = ()
    stage: str | None = None


@dataclass(frozen=True)
class Weights:
    """How the signals combine (see ``matching.rank``). Relevance weights are relative."""

    text: float = 0.35
    theme: float = 0.30
    need: float = 0.25
    network: float = 0.10
    # The relevance of an area's general first contact (a gebiedsmakelaar) for any
    # initiative in their area, whatever its subject: below a specialist's, above chance.
    local: float = 0.55
    # Subject first: who is in the running, as a share of the best topical relevance
    # (see matching.rank.in_the_running); 0 (with minimum 0) lets everyone who shares
    # something in.
    running: float = 0.5
    # Nobody whose relevance is below this is in the running, however few fit better: a
    # word or two in common is no reason to send a resident to someone.
    minimum: float = 0.15
    # Multiplicative floors: what is left of a score when the signal is 0.
    area_floor: float = 0.25
    openness_floor: float = 0.35
    capacity_floor: float = 0.25
    # For a question in English: what is left for someone who speaks no English.
    language_floor: float = 0.85
    # Coverage-aware re-rank: bonus for needs nobody higher up covers, and the price of
    # looking like someone already chosen.
    novelty: float = 0.35
    redundancy: float = 0.25
    # Learning from outcomes: how far a track record can move a score either way (a factor
    # in [1 - experience, 1 + experience]), and the neutral prior's weight in outcomes.
    experience: float = 0.2
    prior_strength: float = 4.0


@dataclass(frozen=True)
class TrackRecord:
    """What completed introductions to one contact taught: helpful and not helpful outcomes,
    overall and per theme (a theme's share of an introduction follows the initiative's theme
    weight, so counts may be fractional)."""

    helpful: float = 0.0
    not_helpful: float = 0.0
    by_theme: Mapping[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Understanding:
    """What the engine read from an initiative's own words, besides what it was told: the
    language, the places named (when no area was given), the needs stated (when none was
    ticked) and the main themes, with sentences that say so to the resident."""

    language: str = "nl"
    areas: tuple[str, ...] = ()  # area codes of places named in the text, when none was given
    ambiguous_places: tuple[str, ...] = ()  # names that fit several areas: no area taken
    needs: tuple[str, ...] = ()  # need kinds stated in the text, when none was ticked
    themes: tuple[str, ...] = ()  # the themes the text is mainly about, strongest first
    notes: tuple[str, ...] = ()  # plain Dutch sentences for the resident (English added)


@dataclass(frozen=True)
class Reason:
    signal: str  # text, theme, area, need, network, openness, capacity, experience
    value: float  # in [0, 1]
    weight: float
    detail: str  # one sentence a person understands


@dataclass(frozen=True)
class Match:
    key: str
    score: float
    reasons: tuple[Reason, ...]
    needs_covered: tuple[str, ...] = ()
    matched_terms: tuple[str, ...] = ()
    signals: dict[str, float] = field(default_factory=dict, compare=False)
    # A chain of colleagues to this contact: the first is someone the initiative knows or can
    # reach, each knows the next, the last knows this contact. Empty when none is needed.
    introduce_via: tuple[str, ...] = ()
