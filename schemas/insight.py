"""Broken connections: where initiatives find nobody, introductions stall and people are
asked too much. For brokers and admins; no initiator's personal data."""

from enum import StrEnum

from pydantic import Field

from schemas.base import ApiModel, UtcDateTime
from schemas.initiative import NeedKind, Stage
from schemas.introduction import IntroductionStatus


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


class GapReport(ApiModel):
    municipality_code: str
    generated_at: UtcDateTime
    unmatched_initiatives: UnmatchedInitiatives
    stalled_introductions: StalledIntroductions
    overloaded_contacts: OverloadedContacts
