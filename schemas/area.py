from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, AreaCode, InputModel, MunicipalityCode, Name, UpdateModel


class AreaKind(StrEnum):
    district = "district"
    neighbourhood = "neighbourhood"
    other = "other"


class Area(SQLModel, table=True):
    # Area codes are unique nationally, which is stricter than "within a municipality": CBS
    # wijk and buurt codes embed the municipality's number, and a global code lets contacts,
    # units and initiatives refer to an area by code alone.
    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    municipality_code: str = Field(foreign_key="municipality.code", index=True, max_length=6)
    kind: str = Field(default=AreaKind.other, sa_type=sa.String(20))
    parent_code: str | None = Field(
        default=None, foreign_key="area.code", index=True, max_length=40
    )


class AreaBase(ApiModel):
    name: Name
    kind: AreaKind = AreaKind.other
    parent_code: AreaCode | None = None


class AreaCreate(AreaBase, InputModel):
    code: AreaCode
    municipality_code: MunicipalityCode


class AreaUpdate(UpdateModel):
    nullable_fields = frozenset({"parent_code"})

    name: Name | None = None
    kind: AreaKind | None = None
    parent_code: AreaCode | None = None


class AreaPublic(AreaBase):
    code: str
    municipality_code: str
