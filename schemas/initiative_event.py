"""An initiative's history: what staff did to it (steered its matches, answered it), when
and by which role and key. Ids and statuses only: never a reason, a note or an answer's text,
so the history holds no personal data and survives erasure as it is."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, UtcDateTime
from schemas.columns import timestamp_column, utc_now
from schemas.match_override import OverrideAction
from schemas.response import ResponseStatus


class InitiativeEventKind(StrEnum):
    override_created = "override_created"  # a contact pinned or excluded
    override_ended = "override_ended"
    response_changed = "response_changed"  # the official answer set or changed


class InitiativeEvent(SQLModel, table=True):
    __tablename__ = "initiative_event"

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    kind: str = Field(sa_type=sa.String(30))
    actor_role: str = Field(sa_type=sa.String(20))
    actor_key_id: int | None = Field(default=None)
    at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    # What the event is about, where it applies.
    override_id: int | None = Field(default=None)
    contact_id: int | None = Field(default=None)
    action: str | None = Field(default=None, sa_type=sa.String(10))
    response_status: str | None = Field(default=None, sa_type=sa.String(20))


class InitiativeEventPublic(ApiModel):
    kind: InitiativeEventKind
    actor_role: str = PydanticField(description="admin, broker or system.")
    actor_key_id: int | None
    at: UtcDateTime
    override_id: int | None = PydanticField(description="The match override, for its events.")
    contact_id: int | None = PydanticField(description="The contact pinned or excluded.")
    action: OverrideAction | None = PydanticField(description="pin or exclude.")
    response_status: ResponseStatus | None = PydanticField(
        description="The answer's status after the change."
    )
