"""Introductions: an initiator (or a broker) asks to be put in touch with a matched contact.

requested ──accept──▶ accepted ──complete (outcome)──▶ completed
    │  └──decline──▶ declined          │
    └──cancel──▶ cancelled ◀──cancel───┘
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

import sqlalchemy as sa
from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from schemas.base import MULTI_LINE, SINGLE_LINE, ApiModel, Id, InputModel, UtcDateTime
from schemas.columns import timestamp_column, utc_now


class IntroductionStatus(StrEnum):
    requested = "requested"
    accepted = "accepted"
    declined = "declined"
    completed = "completed"
    cancelled = "cancelled"


class Outcome(StrEnum):
    helpful = "helpful"
    not_helpful = "not_helpful"
    no_show = "no_show"


OPEN_STATUSES = (IntroductionStatus.requested, IntroductionStatus.accepted)


class Introduction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    status: str = Field(default=IntroductionStatus.requested, sa_type=sa.String(20), index=True)
    message: str = Field(default="", sa_type=sa.Text)
    # Who asked: "initiator" or "broker"; only they may cancel.
    requested_by_role: str = Field(sa_type=sa.String(20))
    reason: str | None = Field(default=None, sa_type=sa.Text)
    outcome: str | None = Field(default=None, sa_type=sa.String(20))
    initiator_feedback: str | None = Field(default=None, sa_type=sa.Text)
    contact_feedback: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    # When the contact was reminded of the still open request (once; see notifications).
    reminded_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class IntroductionEvent(SQLModel, table=True):
    """One status change: when, to what, and by which role (never a person's data)."""

    __tablename__ = "introduction_event"

    id: int | None = Field(default=None, primary_key=True)
    introduction_id: int = Field(foreign_key="introduction.id", index=True)
    status: str = Field(sa_type=sa.String(20))
    actor_role: str = Field(sa_type=sa.String(20))
    actor_key_id: int | None = Field(default=None)
    at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


Message = Annotated[str, StringConstraints(max_length=2000, pattern=MULTI_LINE)]


class IntroductionCreate(InputModel):
    initiative_id: Id
    contact_id: Id
    message: Message = PydanticField(default="", description="A short note for the contact.")


class IntroductionUpdate(InputModel):
    status: IntroductionStatus | None = None
    reason: Message | None = PydanticField(default=None, description="Why declined or cancelled.")
    outcome: Outcome | None = PydanticField(default=None, description="Required to complete.")
    feedback: Message | None = PydanticField(
        default=None, description="Free text from the side that sends it."
    )


class IntroducedContact(ApiModel):
    id: int
    name: str | None
    job_title: str
    email: str | None = PydanticField(description="Shown to the initiator once accepted.")
    phone: str | None


class IntroducedInitiative(ApiModel):
    id: int
    title: str
    initiator_name: str | None = PydanticField(description="Shown to the contact once accepted.")
    initiator_email: str | None
    initiator_phone: str | None


class IntroductionPublic(ApiModel):
    id: int
    status: IntroductionStatus
    message: str
    reason: str | None
    outcome: Outcome | None
    initiator_feedback: str | None
    contact_feedback: str | None
    initiative: IntroducedInitiative
    contact: IntroducedContact
    created_at: UtcDateTime
    updated_at: UtcDateTime


class IntroductionEventPublic(ApiModel):
    status: IntroductionStatus
    actor_role: str
    at: UtcDateTime


# Answering by e-mail: the link's token stands for the contact it was sent to.
TokenText = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=SINGLE_LINE)]


class IntroductionPreviewRequest(InputModel):
    token: TokenText = PydanticField(description="The token from the link's fragment.")


class IntroductionResponseCreate(InputModel):
    token: TokenText = PydanticField(description="The token from the link's fragment.")
    status: Literal[IntroductionStatus.accepted, IntroductionStatus.declined]
    reason: Message | None = PydanticField(default=None, description="Why declined.")


class PreviewNeed(ApiModel):
    kind: str
    label: str = PydanticField(description="In Dutch.")
    description: str


class PreviewInitiative(ApiModel):
    """The initiative as the contact sees it before answering: no initiator's details."""

    title: str
    description: str
    needs: list[PreviewNeed]
    areas: list[str] = PydanticField(description="Names of the areas it is about.")
    municipality_name: str


class IntroductionRequestPreview(ApiModel):
    """What a link in the mail shows the contact; reading it changes nothing."""

    introduction_id: int
    status: IntroductionStatus
    message: str
    requested_at: UtcDateTime
    answer_before: UtcDateTime = PydanticField(
        description="The link works until then (the request's window)."
    )
    initiative: PreviewInitiative
    contact_job_title: str
