"""Broken connections: where initiatives find nobody, introductions stall and people are
asked too much. For brokers and admins; no initiator's personal data."""

from enum import StrEnum

from pydantic import Field

from schemas.base import ApiModel, UtcDateTime
from schemas.initiative import NeedKind, Stage
from schemas.introduction import IntroductionStatus
from schemas.match_override import OverrideAction
from schemas.response import ResponseStatus


class InitiativeRef(ApiModel):
    id: int
    title: str


class GapInitiative(InitiativeRef):
    """An initiative whose best match scores below the threshold."""

    stage: Stage
    best_score: float = Field(
        ge=0, le=1, description="Score of its best match; 0 when nobody matched at all."
    )
    best_contact_id: int | None = Field(description="Its best match, if any.")
    themes: list[str]
    area_codes: list[str]
    needs: list[NeedKind]


class GapGroup(ApiModel):
    """The initiatives that name one theme, need kind or area, and which of them are gaps."""

    key: str = Field(description="Theme slug, need kind or area code.")
    label: str = Field(description="Its Dutch label, or the key itself when unknown.")
    initiatives: int = Field(description="Initiatives naming it.")
    gaps: int = Field(description="How many of those have no good match.")
    gap_initiatives: list[InitiativeRef]


class UnmatchedInitiatives(ApiModel):
    threshold: float = Field(description="Best scores below this are gaps (gapScoreThreshold).")
    initiatives: int = Field(description="Initiatives of the municipality.")
    gaps: int
    items: list[GapInitiative] = Field(description="The gaps, lowest best score first.")
    by_theme: list[GapGroup] = Field(description="Per theme the initiatives name.")
    by_need: list[GapGroup] = Field(description="Per need kind the initiatives ask.")
    by_area: list[GapGroup] = Field(description="Per area the initiatives name.")


class UnitRef(ApiModel):
    id: int
    name: str


class StalledIntroduction(ApiModel):
    id: int
    initiative_id: int
    contact_id: int
    status: IntroductionStatus = Field(description="declined, or requested (unanswered).")
    created_at: UtcDateTime
    days_waiting: int = Field(description="Whole days since the introduction was requested.")
    unit: UnitRef = Field(description="The contact's unit.")


class StalledUnit(ApiModel):
    unit: UnitRef
    declined: int
    unanswered: int


class StalledIntroductions(ApiModel):
    after_days: int = Field(
        description="A requested introduction is stalled after this many days without an "
        "answer (stalledIntroductionDays)."
    )
    items: list[StalledIntroduction] = Field(description="Longest waiting first.")
    by_unit: list[StalledUnit] = Field(description="Most stalled first.")


class OverloadReason(StrEnum):
    at_capacity = "at_capacity"
    in_demand = "in_demand"


class OverloadedContact(ApiModel):
    id: int
    name: str
    job_title: str
    unit: UnitRef
    open_introductions: int
    capacity_per_month: int
    top_matches: int = Field(
        description="Initiatives that have this contact among their top N matches, with a "
        "score of at least the gap threshold."
    )
    reasons: list[OverloadReason] = Field(
        description="at_capacity: open introductions reach capacityPerMonth; in_demand: "
        "topMatches reaches capacityPerMonth (and at least minTopMatches)."
    )


class OverloadedContacts(ApiModel):
    top_n: int = Field(description="How many of each initiative's best matches count.")
    min_top_matches: int
    items: list[OverloadedContact] = Field(description="Fullest first.")


class CorrectedContact(ApiModel):
    id: int
    name: str
    job_title: str


class Correction(ApiModel):
    action: OverrideAction
    contact: CorrectedContact
    initiatives: int = Field(description="Initiatives of the theme with this correction.")


class ThemeCorrections(ApiModel):
    """How often brokers corrected the ranking of the initiatives about one theme."""

    key: str = Field(description="Theme slug.")
    label: str
    initiatives: int = Field(description="Initiatives about the theme.")
    corrected: int = Field(description="Of those, how many have a standing override.")
    pins: int
    exclusions: int
    most_common: Correction | None = Field(description="The correction made most often.")
    corrected_initiatives: list[InitiativeRef]
    detail: str = Field(description="The same in one sentence.")


class RankingCorrections(ApiModel):
    """Brokers' match overrides: where they pinned or excluded someone, the engine's ranking
    was not what they would advise. Standing overrides count; an initiative is about the
    themes it names, or else the themes its text is mainly about (as its matches read it)."""

    initiatives: int
    corrected: int = Field(description="Initiatives with at least one standing override.")
    pins: int
    exclusions: int
    by_theme: list[ThemeCorrections] = Field(description="Most corrected first.")


class AnswerCount(ApiModel):
    status: ResponseStatus
    initiatives: int


class OfficialAnswers(ApiModel):
    """The municipality's official answers to its initiatives."""

    initiatives: int
    answered: int
    unanswered: int = Field(description="Initiatives without an answer yet.")
    by_status: list[AnswerCount] = Field(description="Per current status, every status.")
    median_days_to_first_answer: float | None = Field(
        description="From registration to the first answer, over the answered initiatives."
    )


class GapReport(ApiModel):
    municipality_code: str
    generated_at: UtcDateTime
    unmatched_initiatives: UnmatchedInitiatives
    stalled_introductions: StalledIntroductions
    overloaded_contacts: OverloadedContacts
    ranking_corrections: RankingCorrections
    answers: OfficialAnswers
