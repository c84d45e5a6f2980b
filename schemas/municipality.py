from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, InputModel, MunicipalityCode, Name, UpdateModel


class Municipality(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=200)
    # Raised by every write that changes what the matcher sees (areas, units, contacts, theme
    # terms). Each API process keeps its index per municipality and rebuilds it when this
    # differs, so several workers stay consistent with the database and with each other.
    directory_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class MunicipalityBase(ApiModel):
    name: Name


class MunicipalityCreate(MunicipalityBase, InputModel):
    code: MunicipalityCode


class MunicipalityUpdate(UpdateModel):
    name: Name | None = None


class MunicipalityPublic(MunicipalityBase):
    code: str
