"""Match requests and answers: who to contact, and why."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from schemas.base import MULTI_LINE, ApiModel, AreaCodeList, InputModel, MunicipalityCode, ThemeList
from schemas.initiative import InitiativeSummary, KnownList, NeedKind, NeedList
from schemas.unit import UnitKind

MatchLimit = Annotated[int, Field(ge=1, le=50)]


class MatchRequest(InputModel):
    """An ad-hoc question, for initiators who ask before they register. Nothing is stored."""

    municipality_code: MunicipalityCode
    text: Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=MULTI_LINE)] = (
        Field(description="The initiative in your own words.")
    )
    themes: ThemeList = []
    area_codes: AreaCodeList = []
    needs: NeedList = []
    known_contact_ids: KnownList = Field(
        default=[],
        description="Civil servants you already know: they can introduce you to others.",
    )
    limit: MatchLimit = 5


class MatchReason(ApiModel):
    signal: str = Field(
        description=(
            "text, theme, need, network, area, local (the area's general first contact), "
            "language, openness, capacity or experience; pinned (first, weight 0) when a "
            "broker recommends this contact for the initiative"
        )
    )
    value: float = Field(ge=0, le=1)
    weight: float = Field(ge=0, le=1, description="The signal's share in the score.")
    detail: str = Field(description="One sentence a person understands.")


class MatchUnit(ApiModel):
    id: int
    name: str
    kind: UnitKind


class MatchContact(ApiModel):
    id: int
    name: str | None = Field(description="Null unless the contact has a public profile.")
    job_title: str
    unit: MatchUnit


class MatchItem(ApiModel):
    rank: int
    score: float = Field(ge=0, le=1)
    contact: MatchContact
    reasons: list[MatchReason]
    needs_covered: list[NeedKind] = Field(description="The needs this match covers.")
    matched_terms: list[str]
    introduce_via: list[MatchContact] = Field(
        description=(
            "A warm path to this contact: the first person is someone you know (or can "
            "reach, when this contact is full or not open to initiatives), each knows the "
            "next, the last knows this contact. Empty when there is none or none is needed."
        )
    )


class UnderstoodArea(ApiModel):
    code: str
    name: str


class MatchUnderstanding(ApiModel):
    """What was read from the initiative's own words, besides what was ticked."""

    language: Literal["nl", "en"] = Field(description="The language the text was read in.")
    areas: list[UnderstoodArea] = Field(
        description="Places named in the text, used as the area because none was given."
    )
    ambiguous_places: list[str] = Field(
        description="Names in the text that fit several areas: no area was taken from them."
    )
    needs: list[NeedKind] = Field(
        description="Needs stated in the text ('we zoeken een plek') besides those ticked."
    )
    themes: list[str] = Field(
        description="The themes the text is mainly about, when none is ticked."
    )
    notes: list[str] = Field(
        description="The same, in plain Dutch sentences for the resident (with English when the "
        "question was in English)."
    )


class MatchResult(ApiModel):
    initiative_id: int | None = Field(description="Null for an ad-hoc question.")
    items: list[MatchItem]
    understood: MatchUnderstanding


class InitiativeMatchItem(ApiModel):
    rank: int
    score: float = Field(ge=0, le=1)
    initiative: InitiativeSummary
    reasons: list[MatchReason]
    needs_covered: list[NeedKind] = Field(description="The needs this match covers.")


class ContactInitiatives(ApiModel):
    contact_id: int
    items: list[InitiativeMatchItem]
