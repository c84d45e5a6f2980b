from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import Field
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from schemas.base import (
    MAX_LIST_ITEMS,
    ApiModel,
    AreaCode,
    InputModel,
    MunicipalityCode,
    Name,
    UpdateModel,
)
from schemas.columns import json_list_column

# Other names residents use for an area ("Bijlmer", "de Pijp"): recognised in a question's
# text like the area's own name (see matching.places).
AliasList = Annotated[
    list[Name],
    Field(
        max_length=MAX_LIST_ITEMS,
        description="Other names residents use for this area, as they would write them.",
    ),
]


class AreaKind(StrEnum):
    district = "district"
    neighbourhood = "neighbourhood"
    other = "other"


class Area(SQLModel, table=True):
    # Area codes are unique nationally, which is stricter than "within a municipality": CBS
    # wijk and buurt codes embed the municipality's number, and a global code lets contacts,
    # units and initiatives refer to an area by code alone.
    code: str = SQLField(primary_key=True, max_length=40)
    name: str = SQLField(max_length=200)
    municipality_code: str = SQLField(foreign_key="municipality.code", index=True, max_length=6)
    kind: str = SQLField(default=AreaKind.other, sa_type=sa.String(20))
    parent_code: str | None = SQLField(
        default=None, foreign_key="area.code", index=True, max_length=40
    )
    aliases: list[str] = SQLField(default_factory=list, sa_column=json_list_column())


class AreaBase(ApiModel):
    name: Name
    kind: AreaKind = AreaKind.other
    parent_code: AreaCode | None = None
    aliases: AliasList = []


class AreaCreate(AreaBase, InputModel):
    code: AreaCode
    municipality_code: MunicipalityCode


class AreaUpdate(UpdateModel):
    nullable_fields = frozenset({"parent_code"})

    name: Name | None = None
    kind: AreaKind | None = None
    parent_code: AreaCode | None = None
    aliases: AliasList | None = None


class AreaPublic(AreaBase):
    code: str
    municipality_code: str
