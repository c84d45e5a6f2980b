import secrets

from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, InputModel, MunicipalityCode, Name, UpdateModel


def new_directory_version() -> int:
    """A random starting version, so a municipality removed and created again never repeats
    a version some process still holds an index for (collision odds 1 in 2**30); leaves
    2**30 increments of room in a 32-bit column."""
    return secrets.randbelow(2**30)


class Municipality(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=200)
    # Raised by every write that changes what the matcher sees (areas, units, contacts, theme
    # terms). Each API process keeps its index per municipality and rebuilds it when this
    # differs, so several workers stay consistent with the database and with each other.
    directory_version: int = Field(
        default_factory=new_directory_version, sa_column_kwargs={"server_default": "0"}
    )


class MunicipalityBase(ApiModel):
    name: Name


class MunicipalityCreate(MunicipalityBase, InputModel):
    code: MunicipalityCode


class MunicipalityUpdate(UpdateModel):
    name: Name | None = None


class MunicipalityPublic(MunicipalityBase):
    code: str
