from enum import StrEnum

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import (
    ApiModel,
    AreaCodeList,
    Email,
    Id,
    InputModel,
    LongText,
    MunicipalityCode,
    Name,
    Phone,
    ThemeList,
    UpdateModel,
    Url,
)
from schemas.columns import json_list_column


class UnitKind(StrEnum):
    cluster = "cluster"
    department = "department"
    district = "district"
    area_team = "area_team"
    programme = "programme"
    team = "team"


class Unit(SQLModel, table=True):
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


class UnitBase(ApiModel):
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
    nullable_fields = frozenset({"parent_id", "email", "phone", "url"})

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
