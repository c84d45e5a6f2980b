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
    # After this moment the key is refused like a revoked one; null: until revoked.
    expires_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


MAX_KEY_LIFETIME_DAYS = 730  # two years
MAX_GRACE_SECONDS = 86_400  # one day


class ApiKeyCreate(InputModel):
    role: Role
    subject: ShortText | None = PydanticField(
        default=None,
        description="The contact id (role contact) or initiator email (role initiator) the "
        "key acts for.",
    )
    expires_at: UtcDateTime | None = PydanticField(
        default=None,
        description="When the key stops working (at most two years ahead); null: until revoked.",
    )


class ApiKeyRotation(InputModel):
    grace_seconds: int = PydanticField(
        default=0,
        ge=0,
        le=MAX_GRACE_SECONDS,
        description="How long the old key keeps working (at most a day); 0 revokes it now.",
    )
    expires_at: UtcDateTime | None = PydanticField(
        default=None,
        description="When the new key stops working. Without it the new key gets the old "
        "key's lifetime from now, or none when the old key had none.",
    )


class ApiKeyPublic(ApiModel):
    id: int
    role: Role
    subject: str | None
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None
    expires_at: UtcDateTime | None


class ApiKeyCreated(ApiKeyPublic):
    token: str = PydanticField(description="The secret; shown once, never again.")
