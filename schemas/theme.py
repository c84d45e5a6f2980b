from typing import Annotated

import sqlalchemy as sa
from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlmodel import Field, SQLModel

from schemas.base import SINGLE_LINE, ApiModel, InputModel


class ThemeTerm(SQLModel, table=True):
    """A municipality's own word for a theme (``schuldenlab`` → armoede-en-schulden)."""

    __tablename__ = "theme_term"
    __table_args__ = (sa.UniqueConstraint("municipality_code", "theme", "term"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", index=True, max_length=6)
    theme: str = Field(max_length=80)
    term: str = Field(max_length=80)


Term = Annotated[str, StringConstraints(min_length=2, max_length=80, pattern=SINGLE_LINE)]


class ThemeTermsUpdate(InputModel):
    """A municipality's extra terms per theme slug; replaces the ones it had."""

    terms: dict[str, Annotated[list[Term], PydanticField(max_length=200)]] = PydanticField(
        description="Theme slug → the municipality's own words for it.",
        max_length=100,
    )


class TooiReference(ApiModel):
    uri: str | None
    label: str | None


class ThemePublic(ApiModel):
    slug: str
    label: str
    label_en: str
    tooi: TooiReference
    terms: list[str]
    local_terms: list[str] = PydanticField(
        default=[], description="Terms the municipality added (with municipalityCode)."
    )
    related: list[str]
