"""Private notes on an initiative, for brokers and admins only: what no profile says ("they
spoke to the stadsdeel already"). Kept in their own table and never part of an initiative's
representation, so no other answer, webhook or mail can carry them."""

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from schemas.base import MULTI_LINE, ApiModel, InputModel, UtcDateTime
from schemas.columns import timestamp_column, utc_now


class InitiativeNote(SQLModel, table=True):
    __tablename__ = "initiative_note"

    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    text: str = Field(sa_type=sa.Text)
    author_role: str = Field(sa_type=sa.String(20))
    author_key_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())


NoteText = Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=MULTI_LINE)]


class InitiativeNoteCreate(InputModel):
    text: NoteText


class InitiativeNotePublic(ApiModel):
    id: int
    initiative_id: int
    text: str
    author_role: str = PydanticField(description="admin or broker.")
    author_key_id: int | None = PydanticField(
        description="The key that wrote it (null for the bootstrap admin token)."
    )
    created_at: UtcDateTime
