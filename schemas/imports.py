"""The import document: a whole staff directory in one request, stored all or nothing."""

from typing import Annotated

from pydantic import Field, StringConstraints

from schemas.area import AreaCreate
from schemas.base import ApiModel, InputModel, MunicipalityCode
from schemas.contact import ContactBase, ContactDetails
from schemas.municipality import MunicipalityCreate
from schemas.unit import UnitBase

ImportKey = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")
]
MAX_IMPORT_RECORDS = 250_000


class UnitImport(UnitBase, InputModel):
    """A unit as in ``POST /units``, with client-side keys instead of ids."""

    key: ImportKey
    parent_key: ImportKey | None = None
    municipality_code: MunicipalityCode


class ContactImport(ContactBase, ContactDetails, InputModel):
    """A contact as in ``POST /contacts``, with client-side keys instead of ids."""

    key: ImportKey
    unit_key: ImportKey
    knows: Annotated[list[ImportKey], Field(max_length=200)] = []


class ImportDocument(InputModel):
    municipalities: Annotated[list[MunicipalityCreate], Field(max_length=500)] = []
    areas: Annotated[list[AreaCreate], Field(max_length=MAX_IMPORT_RECORDS)] = []
    units: Annotated[list[UnitImport], Field(max_length=MAX_IMPORT_RECORDS)] = []
    contacts: Annotated[list[ContactImport], Field(max_length=MAX_IMPORT_RECORDS)] = []


class ImportResult(ApiModel):
    municipalities: int
    areas: int
    units: dict[str, int] = Field(description="Unit keys mapped to the created unit ids.")
    contacts: dict[str, int] = Field(description="Contact keys mapped to the created contact ids.")
