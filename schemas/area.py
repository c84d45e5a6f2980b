from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError
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
    """The levels of the Dutch area hierarchy, by the names CBS gives them (gemeente > wijk >
    buurt), with the stadsdeel that large cities (Amsterdam) have above the wijk. English has
    no words for them a client could not confuse: CBS translates wijk as "district", and
    Amsterdam calls its stadsdelen districts too."""

    stadsdeel = "stadsdeel"
    wijk = "wijk"
    buurt = "buurt"
    other = "other"

    @classmethod
    def _missing_(cls, value: object) -> "AreaKind | None":
        # A row a process of 0.1.0 wrote after migration 0010 (during a rolling upgrade) is
        # shown at its likeliest level rather than failing the answer.
        return {"district": cls.stadsdeel, "neighbourhood": cls.wijk}.get(str(value))


# The kinds up to 0.1.0, still accepted on input: "district" was the stadsdeel,
# "neighbourhood" both the wijk and the buurt (see area_kind_for).
LEGACY_AREA_KINDS = ("district", "neighbourhood")


def _known_area_kind(value: str) -> str:
    if value not in (*AreaKind, *LEGACY_AREA_KINDS):
        raise PydanticCustomError("area_kind", "Must be stadsdeel, wijk, buurt or other.")
    return value


AreaKindInput = Annotated[
    str,
    AfterValidator(_known_area_kind),
    WithJsonSchema(
        {
            "type": "string",
            "enum": [*AreaKind, *LEGACY_AREA_KINDS],
            "description": "The area's level: stadsdeel, wijk, buurt (CBS's levels) or other. "
            "The former `district` is read as stadsdeel, and `neighbourhood` as buurt within a "
            "wijk or buurt and as wijk elsewhere; answers carry the new names only.",
        }
    ),
]


def area_kind_for(kind: str, parent_kind: str | None) -> AreaKind:
    """The level of an area given as ``kind`` under a parent of ``parent_kind`` (None: no
    parent): the former names mapped as migration 0010 maps stored rows."""
    if kind == "district":
        return AreaKind.stadsdeel
    if kind == "neighbourhood":
        below_a_wijk = parent_kind in (AreaKind.wijk, AreaKind.buurt, "neighbourhood")
        return AreaKind.buurt if below_a_wijk else AreaKind.wijk
    return AreaKind(kind)


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
    kind: AreaKindInput = AreaKind.other


class AreaUpdate(UpdateModel):
    nullable_fields = frozenset({"parent_code"})

    name: Name | None = None
    kind: AreaKindInput | None = None
    parent_code: AreaCode | None = None
    aliases: AliasList | None = None


class AreaPublic(AreaBase):
    code: str
    municipality_code: str
