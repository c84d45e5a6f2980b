from sqlmodel import Field, SQLModel

from schemas.base import ApiModel, InputModel, MunicipalityCode, Name, UpdateModel


class Municipality(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=200)


class MunicipalityBase(ApiModel):
    name: Name


class MunicipalityCreate(MunicipalityBase, InputModel):
    code: MunicipalityCode


class MunicipalityUpdate(UpdateModel):
    name: Name | None = None


class MunicipalityPublic(MunicipalityBase):
    code: str
