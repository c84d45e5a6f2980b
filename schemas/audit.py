"""The audit log: who read or changed personal data, when. Ids only, never the data itself."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.api_key import ApiKeyPublic
from schemas.base import ApiModel, UtcDateTime
from schemas.columns import timestamp_column, utc_now
from schemas.contact import ContactPublic


class AuditAction(StrEnum):
    read = "read"
    create = "create"
    update = "update"
    delete = "delete"
    export = "export"
    erase = "erase"


class AuditObjectType(StrEnum):
    contact = "contact"
    initiative = "initiative"
    introduction = "introduction"
    api_key = "api_key"
    initiative_note = "initiative_note"
    match_override = "match_override"


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    actor_role: str = Field(sa_type=sa.String(20))
    # The key used (null for the bootstrap admin token and the retention purge).
    actor_key_id: int | None = Field(default=None, index=True)
    action: str = Field(sa_type=sa.String(20))
    object_type: str = Field(sa_type=sa.String(20))
    object_id: int


class AuditEntryPublic(ApiModel):
    id: int
    at: UtcDateTime
    actor_role: str = PydanticField(
        description="admin, broker, contact, initiator, or system (retention purge)."
    )
    actor_key_id: int | None
    action: AuditAction
    object_type: AuditObjectType
    object_id: int


class ExportedIntroduction(ApiModel):
    """An introduction the contact is party to: what was written to and by them."""

    id: int
    initiative_id: int
    initiative_title: str
    status: str
    outcome: str | None
    message: str
    reason: str | None
    initiator_feedback: str | None
    contact_feedback: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ContactExport(ApiModel):
    """Everything Wegwijs holds about one civil servant (AVG art. 15 and 20)."""

    exported_at: UtcDateTime
    contact: ContactPublic
    known_by_contact_ids: list[int] = PydanticField(
        description="Colleagues who list this contact in their `knows`."
    )
    known_by_initiative_ids: list[int] = PydanticField(
        description="Initiatives that list this contact in `knownContactIds`."
    )
    introductions: list[ExportedIntroduction]
    api_keys: list[ApiKeyPublic]
    audit_entries: list[AuditEntryPublic]
