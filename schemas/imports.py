"""The import document: a whole staff directory in one request, stored all or nothing.

``mode: add`` (the default) creates every unit and contact in it; ``mode: sync`` makes the
stored directory of the document's municipalities follow it (see api/services/imports.py).
"""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from schemas.area import AreaCreate
from schemas.base import ApiModel, Id, InputModel, MunicipalityCode
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
    """A contact as in ``POST /contacts``, with client-side keys instead of ids.

    Its unit is either one of the document's (``unitKey``) or one already stored (``unitId``,
    e.g. from an earlier import): exactly one of the two.
    """

    key: ImportKey
    # Before unit_key: its validator reads unit_id (fields are validated in this order).
    unit_id: Id | None = Field(
        default=None,
        description="Id of a stored unit of the municipality (instead of `unitKey`), to add "
        "staff to an existing organisation or load a large directory in batches.",
    )
    unit_key: ImportKey | None = Field(
        default=None,
        validate_default=True,
        description="Key of a unit in this document. Give exactly one of `unitKey` and `unitId`.",
    )
    knows: Annotated[list[ImportKey], Field(max_length=200)] = []

    @model_validator(mode="before")
    @classmethod
    def _name_a_missing_unit_key(cls, data: Any) -> Any:
        # Pydantic names a default by its Python name; given (as null) it is named unitKey.
        if isinstance(data, dict) and "unitKey" not in data and "unit_key" not in data:
            return {**data, "unitKey": None}
        return data

    @field_validator("unit_key", mode="after")
    @classmethod
    def _one_unit(cls, unit_key: str | None, info: ValidationInfo) -> str | None:
        # A unit_id that failed its own checks is missing here and already named.
        if "unit_id" not in info.data:
            return unit_key
        given_id = info.data["unit_id"] is not None
        if unit_key is None and not given_id:
            raise PydanticCustomError(
                "unit_missing",
                "Required: a unitKey (a unit in this document) or a unitId (a stored unit).",
            )
        if unit_key is not None and given_id:
            raise PydanticCustomError(
                "unit_ambiguous", "Give either a unitKey or a unitId, not both."
            )
        return unit_key


class ImportDocument(InputModel):
    municipalities: Annotated[list[MunicipalityCreate], Field(max_length=500)] = []
    areas: Annotated[list[AreaCreate], Field(max_length=MAX_IMPORT_RECORDS)] = []
    units: Annotated[list[UnitImport], Field(max_length=MAX_IMPORT_RECORDS)] = []
    contacts: Annotated[list[ContactImport], Field(max_length=MAX_IMPORT_RECORDS)] = []


class ImportMode(StrEnum):
    add = "add"  # every unit and contact is new
    sync = "sync"  # the stored directory follows the document (HR feed)


class ImportCreate(ImportDocument):
    """A directory document with how to take it in."""

    mode: ImportMode = Field(
        default=ImportMode.add,
        description="add: create every unit and contact. sync: the document is the whole "
        "directory of each municipality it holds units of: records are found by externalId "
        "(else a contact by email, a unit by name), changed fields updated, new ones created, "
        "and people and empty units missing from it withdrawn (never deleted).",
    )
    dry_run: bool = Field(
        default=False, description="Check and report what would change; store nothing."
    )
    allow_mass_withdrawal: bool = Field(
        default=False,
        description="A sync that would withdraw more than WEGWIJS_SYNC_MAX_WITHDRAWN_SHARE (a "
        "quarter) of a municipality's people, and more than ten, is refused (409) as a likely "
        "incomplete export; true takes it in anyway.",
    )


class ImportedRecord(ApiModel):
    key: str | None = Field(description="Its key in the document; null for a withdrawn one.")
    id: int | None = Field(description="Its id; null for a record a dry run would create.")
    external_id: str | None
    fields: list[str] = Field(
        default=[], description="For an updated record: the fields that changed (wire names)."
    )


class ChangeCounts(ApiModel):
    created: int
    updated: int
    unchanged: int
    withdrawn: int


class RecordChanges(ApiModel):
    counts: ChangeCounts
    created: list[ImportedRecord]
    updated: list[ImportedRecord]
    unchanged: list[ImportedRecord]
    withdrawn: list[ImportedRecord] = Field(
        description="Missing from a sync's document: made unavailable and unlisted."
    )


class ImportChanges(ApiModel):
    units: RecordChanges
    contacts: RecordChanges


class ImportResult(ApiModel):
    mode: ImportMode
    dry_run: bool
    municipalities: int
    areas: int
    units: dict[str, int] = Field(
        description="Unit keys mapped to their ids (created or found); in a dry run only the "
        "units that exist already."
    )
    contacts: dict[str, int] = Field(
        description="Contact keys mapped to their ids (created or found); in a dry run only "
        "the contacts that exist already."
    )
    changes: ImportChanges
