from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, InputModel, MunicipalityCode, ShortText, UtcDateTime
from schemas.columns import json_list_column, timestamp_column, utc_now


class Role(StrEnum):
    admin = "admin"
    broker = "broker"
    contact = "contact"
    initiator = "initiator"
    # A municipal portal asking on behalf of its residents: what anonymous callers may do,
    # under a rate limit of its own per key, and no personal data.
    portal = "portal"


# The roles whose keys name the municipalities they act for (``municipalityCodes``). Contact
# keys act for their contact's municipality, initiator keys for their own initiatives.
MUNICIPAL_ROLES = (Role.admin, Role.broker, Role.portal)
MAX_KEY_MUNICIPALITIES = 400


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the token. Tokens carry 256 random bits, so a fast hash is safe here and
    # lets us find a key by an indexed lookup; the secret itself is never stored.
    key_hash: str = Field(max_length=64, unique=True)
    role: str = Field(sa_type=sa.String(20))
    subject: str | None = Field(default=None, max_length=254)
    # The municipalities an admin, broker or portal key acts for; empty for an admin: a
    # national admin (every municipality). Empty for contact and initiator keys.
    municipality_codes: list[str] = Field(default_factory=list, sa_column=json_list_column())
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
    municipality_codes: list[MunicipalityCode] = PydanticField(
        default=[],
        max_length=MAX_KEY_MUNICIPALITIES,
        description="The municipalities the key acts for (CBS codes). Broker and portal keys "
        "name at least one; an admin key without any is a national admin. Contact keys act "
        "for their contact's municipality and initiator keys for their own initiatives: "
        "they take none.",
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
    municipality_codes: list[str] = PydanticField(
        description="The municipalities it acts for; empty: a national admin, or a contact or "
        "initiator key (those act for their contact or their own initiatives)."
    )
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None
    expires_at: UtcDateTime | None


class ApiKeyCreated(ApiKeyPublic):
    token: str = PydanticField(description="The secret; shown once, never again.")
