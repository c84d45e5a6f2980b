from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import (
    ApiModel,
    AreaCodeList,
    Email,
    ExternalId,
    Id,
    InputModel,
    LongText,
    MunicipalityCode,
    Name,
    Phone,
    ThemeList,
    UpdateModel,
    Url,
    UtcDateTime,
)
from schemas.columns import json_list_column, timestamp_column


class UnitKind(StrEnum):
    cluster = "cluster"
    department = "department"
    district = "district"
    area_team = "area_team"
    programme = "programme"
    team = "team"


class Unit(SQLModel, table=True):
    # The HR system's number is unique within a municipality (many units have none).
    __table_args__ = (
        sa.Index(
            "ux_unit_municipality_external_id",
            "municipality_code",
            "external_id",
            unique=True,
            sqlite_where=sa.text("external_id IS NOT NULL"),
            postgresql_where=sa.text("external_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", index=True, max_length=6)
    name: str = Field(max_length=200)
    kind: str = Field(sa_type=sa.String(20))
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    description: str = Field(default="", sa_type=sa.Text)
    themes: list[str] = Field(default_factory=list, sa_column=json_list_column())
    area_codes: list[str] = Field(default_factory=list, sa_column=json_list_column())
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    url: str | None = Field(default=None, max_length=500)
    external_id: str | None = Field(default=None, max_length=100)
    # Set when a directory sync no longer found the unit, with nobody left in it: off the
    # map (lists, the tree), never deleted; cleared when it returns in the feed.
    withdrawn_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


UNIT_EXTERNAL_ID_DESCRIPTION = (
    "The HR system's number for this unit, unique within the municipality: what a directory "
    "sync finds it by."
)


class UnitBase(ApiModel):
    external_id: ExternalId | None = PydanticField(
        default=None, description=UNIT_EXTERNAL_ID_DESCRIPTION
    )
    name: Name
    kind: UnitKind
    description: LongText = ""
    themes: ThemeList = []
    area_codes: AreaCodeList = []
    # The unit's public channel: anyone may see it.
    email: Email | None = None
    phone: Phone | None = None
    url: Url | None = None


class UnitCreate(UnitBase, InputModel):
    municipality_code: MunicipalityCode
    parent_id: Id | None = None


class UnitUpdate(UpdateModel):
    nullable_fields = frozenset({"parent_id", "email", "phone", "url", "external_id"})

    external_id: ExternalId | None = PydanticField(
        default=None, description=UNIT_EXTERNAL_ID_DESCRIPTION
    )
    name: Name | None = None
    kind: UnitKind | None = None
    parent_id: Id | None = None
    description: LongText | None = None
    themes: ThemeList | None = None
    area_codes: AreaCodeList | None = None
    email: Email | None = None
    phone: Phone | None = None
    url: Url | None = None


class UnitPublic(UnitBase):
    id: int
    municipality_code: str
    parent_id: int | None
    withdrawn_at: UtcDateTime | None = PydanticField(
        default=None,
        description="When a directory sync withdrew the unit (missing from the HR feed, nobody "
        "left in it): it is no longer listed or in the tree. Null while on the map.",
    )


class UnitChannel(ApiModel):
    """How to reach the unit itself: its public mailbox, switchboard and web page."""

    email: str | None
    phone: str | None
    url: str | None


class UnitTheme(ApiModel):
    slug: str
    label: str | None = PydanticField(
        description="The theme's label in the vocabulary (GET /themes); null for a theme the "
        "vocabulary does not know."
    )


class UnitArea(ApiModel):
    code: str
    name: str


class UnitTreeNode(ApiModel):
    """One unit of the organisation map, with its sub-units under ``children``."""

    id: int
    name: str
    kind: UnitKind
    description: str
    themes: list[UnitTheme]
    areas: list[UnitArea]
    channel: UnitChannel
    open_contacts: int = PydanticField(
        description="Civil servants of this unit (not its sub-units) who are listed, available, "
        "open to initiatives and have room for an introduction this month."
    )
    children: list["UnitTreeNode"]


class UnitTree(ApiModel):
    """The organisation map of one municipality: its top-level units, each with its
    sub-units nested under ``children``. No personal data of civil servants."""

    municipality_code: str
    municipality_name: str
    units: list[UnitTreeNode]
