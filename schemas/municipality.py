import secrets

from sqlalchemy import Index
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


class DirectoryChange(SQLModel, table=True):
    """What one ``directory_version`` step changed, so a process holding an older index
    applies just that instead of rebuilding: one row per changed contact, or one row saying
    the whole directory must be rebuilt (areas, theme terms, bulk changes), or one row saying
    nothing the index holds changed. Written in the same transaction as the change; old rows
    are pruned (a process that far behind rebuilds)."""

    __tablename__ = "directory_change"
    # Read as "this municipality's changes after version v", and pruned by version.
    __table_args__ = (
        Index("ix_directory_change_municipality_version", "municipality_code", "version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(max_length=6)
    version: int
    contact_id: int | None = None  # the contact to re-read (gone or unlisted: removed)
    rebuild: bool = False


class MunicipalityBase(ApiModel):
    name: Name


class MunicipalityCreate(MunicipalityBase, InputModel):
    code: MunicipalityCode


class MunicipalityUpdate(UpdateModel):
    name: Name | None = None


class MunicipalityPublic(MunicipalityBase):
    code: str
