from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, InputModel, ShortText, UtcDateTime
from schemas.columns import timestamp_column, utc_now


class Role(StrEnum):
    admin = "admin"
    broker = "broker"
    contact = "contact"
    initiator = "initiator"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the token. Tokens carry 256 random bits, so a fast hash is safe here and
    # lets us find a key by an indexed lookup; the secret itself is never stored.
    key_hash: str = Field(max_length=64, unique=True)
    role: str = Field(sa_type=sa.String(20))
    subject: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class ApiKeyCreate(InputModel):
    role: Role
    subject: ShortText | None = PydanticField(
        default=None,
        description="The contact id (role contact) or initiator email (role initiator) the "
        "key acts for.",
    )


class ApiKeyPublic(ApiModel):
    id: int
    role: Role
    subject: str | None
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None


class ApiKeyCreated(ApiKeyPublic):
    token: str = PydanticField(description="The secret; shown once, never again.")
