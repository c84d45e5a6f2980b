"""A broker's correction of one initiative's matches: a contact pinned to the top, or
excluded from them. The reason is staff-only."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from schemas.base import MULTI_LINE, ApiModel, Id, InputModel, UtcDateTime
from schemas.columns import timestamp_column, utc_now


class OverrideAction(StrEnum):
    pin = "pin"  # first in the initiative's matches, "Aanbevolen door de gemeente"
    exclude = "exclude"  # never in them


class MatchOverride(SQLModel, table=True):
    __tablename__ = "match_override"
    # One standing override per contact and initiative; ended ones stay as history.
    __table_args__ = (
        sa.Index(
            "ux_match_override_active",
            "initiative_id",
            "contact_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    action: str = Field(sa_type=sa.String(10))
    reason: str = Field(default="", sa_type=sa.Text)
    created_by_role: str = Field(sa_type=sa.String(20))
    created_by_key_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    ended_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    ended_by_key_id: int | None = Field(default=None)


Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=MULTI_LINE)]


class MatchOverrideCreate(InputModel):
    contact_id: Id
    action: OverrideAction
    reason: Reason = PydanticField(
        description="Why, for colleagues: staff-only, never shown to initiators, contacts or "
        "portals, never in webhooks."
    )


class MatchOverridePublic(ApiModel):
    id: int
    initiative_id: int
    contact_id: int
    action: OverrideAction
    reason: str
    created_by_role: str
    created_by_key_id: int | None = PydanticField(description="The key that made it.")
    created_at: UtcDateTime
    ended_at: UtcDateTime | None = PydanticField(description="Null while it stands.")
    ended_by_key_id: int | None
