"""The wire's shared base model and the constrained field types every request model uses.

Python stays snake_case; the wire speaks lowerCamelCase (NL API Design Rules) through one
alias generator here, never through hand-written aliases.
"""

from datetime import UTC, datetime
from typing import Annotated, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

# Control characters (NUL above all: PostgreSQL refuses it in text) never enter the database.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

MAX_LIST_ITEMS = 50
ItemT = TypeVar("ItemT")
MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases


class ApiModel(BaseModel):
    """Base of every request and response model: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        from_attributes=True,
    )


class InputModel(ApiModel):
    """Base of request bodies: unknown fields are errors, so a typo never silently vanishes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=SINGLE_LINE)]
ShortText = Annotated[str, StringConstraints(max_length=200, pattern=SINGLE_LINE)]
LongText = Annotated[str, StringConstraints(max_length=5000, pattern=MULTI_LINE)]
Theme = Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=SINGLE_LINE)]
MUNICIPALITY_CODE = r"^GM\d{4}$"
AREA_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"
EMAIL = r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$"
PHONE = r"^\+?[0-9][0-9 ()\-]{4,28}$"
URL = r"^https?://[^\s\x00-\x1f]+$"
LANGUAGE_CODE = r"^[a-z]{2,3}$"
# What each pattern means, for error messages a person can act on.
PATTERN_MEANINGS = {
    MUNICIPALITY_CODE: "Must be a CBS municipality code such as GM0363.",
    AREA_CODE: "Must be an area code of letters, digits, '.', '_' or '-' (at most 40).",
    EMAIL: "Must be an email address.",
    PHONE: "Must be a phone number such as +31 20 555 0101.",
    URL: "Must be an http(s) URL.",
    LANGUAGE_CODE: "Must be an ISO 639 language code such as nl or en.",
    SINGLE_LINE: "Must not contain control characters or line breaks.",
    MULTI_LINE: "Must not contain control characters.",
}

MunicipalityCode = Annotated[str, StringConstraints(pattern=MUNICIPALITY_CODE)]
AreaCode = Annotated[str, StringConstraints(pattern=AREA_CODE)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL)]
Phone = Annotated[str, StringConstraints(max_length=30, pattern=PHONE)]
Url = Annotated[str, StringConstraints(max_length=500, pattern=URL)]
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_CODE)]
# The HR system's own number for a person or unit: unique per municipality, the key a
# directory sync (POST /imports with mode sync) finds its records by.
ExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=SINGLE_LINE, strip_whitespace=True)
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

ThemeList = Annotated[list[Theme], Field(max_length=MAX_LIST_ITEMS)]
AreaCodeList = Annotated[list[AreaCode], Field(max_length=MAX_LIST_ITEMS)]


class Page(ApiModel, Generic[ItemT]):
    """One page of a collection; ``total`` counts every item matching the filters."""

    items: list[ItemT]
    page: int
    page_size: int
    total: int


class InvalidParam(ApiModel):
    name: str = Field(description="JSON path of the offending field or query parameter")
    reason: str


class Problem(ApiModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = None


class UpdateModel(InputModel):
    """Base of PATCH bodies: every field optional, but ``null`` only where the field may be empty.

    Without this a ``{"name": null}`` would pass validation and fail in the database.
    """

    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.nullable_fields:
            raise ValueError("may not be null")
        return value
