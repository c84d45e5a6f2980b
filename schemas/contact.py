from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import (
    MAX_LIST_ITEMS,
    ApiModel,
    AreaCodeList,
    Email,
    ExternalId,
    Id,
    InputModel,
    LanguageCode,
    LongText,
    Name,
    Phone,
    ShortText,
    ThemeList,
    UpdateModel,
    UtcDateTime,
)
from schemas.columns import json_list_column, timestamp_column, utc_now


class NetworkKind(StrEnum):
    business = "business"
    education = "education"
    research = "research"
    government = "government"
    community = "community"
    housing = "housing"
    care_welfare = "care_welfare"
    fund = "fund"


class NetworkLink(InputModel):
    """An organisation in a contact's network: the partners an introduction can reach."""

    name: Name
    kind: NetworkKind
    note: ShortText = ""


class Contact(SQLModel, table=True):
    # The HR system's number is unique within a municipality (many contacts have none).
    __table_args__ = (
        sa.Index(
            "ux_contact_municipality_external_id",
            "municipality_code",
            "external_id",
            unique=True,
            sqlite_where=sa.text("external_id IS NOT NULL"),
            postgresql_where=sa.text("external_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    # Copied from the unit (a unit never changes municipality) so the per-municipality
    # queries the matcher and the filters make need no join.
    municipality_code: str = Field(foreign_key="municipality.code", index=True, max_length=6)
    name: str = Field(max_length=200)
    job_title: str = Field(max_length=200)
    email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    themes: list[str] = Field(default_factory=list, sa_column=json_list_column())
    area_codes: list[str] = Field(default_factory=list, sa_column=json_list_column())
    expertise: str = Field(default="", sa_type=sa.Text)
    languages: list[str] = Field(default_factory=list, sa_column=json_list_column())
    networks: list[dict] = Field(default_factory=list, sa_column=json_list_column())
    knows: list[int] = Field(default_factory=list, sa_column=json_list_column())
    open_to_initiatives: bool = True
    capacity_per_month: int = 4
    available: bool = True
    consent_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    public_profile: bool = False
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    # Set by erasure (AVG art. 17): the row stays, anonymous, so introductions keep counting.
    erased_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    external_id: str | None = Field(default=None, max_length=100)
    # Set when a directory sync no longer found the person in the HR feed: unavailable and
    # unlisted (shown to staff and themself only), never deleted; cleared when they return.
    withdrawn_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


Capacity = Annotated[int, PydanticField(ge=0, le=1000)]
NetworkList = Annotated[list[NetworkLink], PydanticField(max_length=MAX_LIST_ITEMS)]
IdList = Annotated[list[Id], PydanticField(max_length=200)]
LanguageList = Annotated[list[LanguageCode], PydanticField(max_length=20)]


EXTERNAL_ID_DESCRIPTION = (
    "The HR system's number for this person, unique within the municipality: what a directory "
    "sync finds them by."
)


class ContactBase(ApiModel):
    external_id: ExternalId | None = PydanticField(
        default=None, description=EXTERNAL_ID_DESCRIPTION
    )
    name: Name
    job_title: Name
    themes: ThemeList = []
    area_codes: AreaCodeList = PydanticField(
        default=[], description="Areas this contact works in; empty means citywide."
    )
    expertise: LongText = ""
    languages: LanguageList = ["nl"]
    networks: NetworkList = []
    open_to_initiatives: bool = True
    capacity_per_month: Capacity = 4
    available: bool = True
    public_profile: bool = PydanticField(
        default=False, description="May initiators and anonymous callers see this name?"
    )


class ContactDetails(ApiModel):
    """Personal contact details: only admins, brokers and the contact themself see them."""

    email: Email
    phone: Phone | None = None
    consent_at: UtcDateTime | None = PydanticField(
        default=None,
        description="When the civil servant agreed to be listed; without it they are never "
        "matched or shown.",
    )


class ContactCreate(ContactBase, ContactDetails, InputModel):
    unit_id: Id
    knows: IdList = PydanticField(default=[], description="Ids of colleagues this contact knows.")


class ContactUpdate(UpdateModel):
    nullable_fields = frozenset({"phone", "consent_at", "external_id"})

    external_id: ExternalId | None = PydanticField(
        default=None, description=EXTERNAL_ID_DESCRIPTION + " Set by brokers and admins."
    )
    unit_id: Id | None = None
    name: Name | None = None
    job_title: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    themes: ThemeList | None = None
    area_codes: AreaCodeList | None = None
    expertise: LongText | None = None
    languages: LanguageList | None = None
    networks: NetworkList | None = None
    knows: IdList | None = None
    open_to_initiatives: bool | None = None
    capacity_per_month: Capacity | None = None
    available: bool | None = None
    consent_at: UtcDateTime | None = None
    public_profile: bool | None = None


class ContactNetworkPublic(ApiModel):
    name: str
    kind: NetworkKind
    note: str = ""


class ContactSummary(ApiModel):
    """What anyone with a key may see of a listed civil servant: no contact details.

    ``name`` is null unless the contact chose a public profile.
    """

    id: int
    unit_id: int
    municipality_code: str
    name: str | None
    job_title: str
    themes: list[str]
    area_codes: list[str]
    expertise: str
    languages: list[str]
    networks: list[ContactNetworkPublic]
    open_to_initiatives: bool
    available: bool
    public_profile: bool


class ContactPublic(ContactSummary):
    """The full record, for admins, brokers and the contact themself."""

    name: str
    email: str
    phone: str | None
    knows: list[int]
    capacity_per_month: int
    consent_at: UtcDateTime | None
    external_id: str | None = PydanticField(description=EXTERNAL_ID_DESCRIPTION)
    withdrawn_at: UtcDateTime | None = PydanticField(
        description="When a directory sync no longer found this person in the HR feed: "
        "since then unavailable and shown only to staff and themself. Null while listed."
    )
    created_at: UtcDateTime
    updated_at: UtcDateTime
