from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from schemas.base import (
    MAX_LIST_ITEMS,
    ApiModel,
    AreaCodeList,
    Email,
    Id,
    InputModel,
    LongText,
    MunicipalityCode,
    Name,
    Phone,
    ShortText,
    ThemeList,
    UpdateModel,
    UtcDateTime,
)
from schemas.columns import json_list_column, timestamp_column, utc_now
from schemas.response import InitiativeResponsePublic


class Stage(StrEnum):
    idea = "idea"
    starting = "starting"
    running = "running"
    scaling = "scaling"
    # Terminal: the initiative is over. Its initiator's data is erased after
    # WEGWIJS_INITIATOR_RETENTION_DAYS (see api/services/privacy.py).
    closed = "closed"


class NeedKind(StrEnum):
    funding = "funding"
    space = "space"
    permit = "permit"
    knowledge = "knowledge"
    network = "network"
    partnership = "partnership"
    recognition = "recognition"
    scaling = "scaling"
    volunteers = "volunteers"
    visibility = "visibility"
    other = "other"


class Need(InputModel):
    kind: NeedKind
    description: ShortText = ""


class Initiator(InputModel):
    """The resident behind an initiative: personal data, shown only to them and brokers."""

    name: Name
    email: Email
    phone: Phone | None = None


class Initiative(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(foreign_key="municipality.code", index=True, max_length=6)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    problem: str = Field(default="", sa_type=sa.Text)
    target_group: str = Field(default="", max_length=200)
    themes: list[str] = Field(default_factory=list, sa_column=json_list_column())
    area_codes: list[str] = Field(default_factory=list, sa_column=json_list_column())
    stage: str = Field(default=Stage.idea, sa_type=sa.String(20), index=True)
    needs: list[dict] = Field(default_factory=list, sa_column=json_list_column())
    # Civil servants the initiators already know: starting points for warm introductions.
    known_contact_ids: list[int] = Field(default_factory=list, sa_column=json_list_column())
    # The initiator's details are columns, not JSON, so ownership checks use an index and
    # erasure can blank them without rewriting the rest of the record.
    initiator_name: str = Field(max_length=200)
    initiator_email: str = Field(max_length=254, index=True)
    initiator_phone: str | None = Field(default=None, max_length=30)
    created_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utc_now, sa_column=timestamp_column())
    # When the stage last became ``closed`` (null while open): the retention clock.
    closed_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # When the initiator's personal data was erased (on request or after retention).
    initiator_erased_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True)
    )
    # The municipality's official answer (schemas/response.py): null until staff answer.
    response_status: str | None = Field(default=None, sa_type=sa.String(20))
    response_text: str | None = Field(default=None, sa_type=sa.Text)
    response_answered_at: datetime | None = Field(
        default=None, sa_column=timestamp_column(nullable=True)
    )

    @property
    def response(self) -> dict | None:
        if self.response_status is None:
            return None
        return {
            "status": self.response_status,
            "text": self.response_text or "",
            "answered_at": self.response_answered_at,
        }

    @property
    def initiator(self) -> dict[str, str | None]:
        return {
            "name": self.initiator_name,
            "email": self.initiator_email,
            "phone": self.initiator_phone,
        }


NeedList = Annotated[list[Need], PydanticField(max_length=20)]
KnownList = Annotated[list[Id], PydanticField(max_length=50)]


class InitiativeBase(ApiModel):
    title: Name
    description: LongText = ""
    problem: LongText = ""
    target_group: ShortText = ""
    themes: ThemeList = []
    area_codes: AreaCodeList = []
    stage: Stage = Stage.idea
    needs: NeedList = PydanticField(default=[], max_length=MAX_LIST_ITEMS)
    known_contact_ids: KnownList = PydanticField(
        default=[], description="Ids of civil servants the initiators already know."
    )


class InitiativeCreate(InitiativeBase, InputModel):
    municipality_code: MunicipalityCode
    initiator: Initiator


class InitiativeUpdate(UpdateModel):
    title: Name | None = None
    description: LongText | None = None
    problem: LongText | None = None
    target_group: ShortText | None = None
    themes: ThemeList | None = None
    area_codes: AreaCodeList | None = None
    stage: Stage | None = None
    needs: NeedList | None = None
    known_contact_ids: KnownList | None = None
    initiator: Initiator | None = None


class NeedPublic(ApiModel):
    kind: NeedKind
    description: str = ""


class InitiatorPublic(ApiModel):
    name: str
    email: str
    phone: str | None = None


class InitiativeSummary(ApiModel):
    """An initiative without its initiator's personal data (for civil servants)."""

    id: int
    municipality_code: str
    title: str
    description: str
    problem: str
    target_group: str
    themes: list[str]
    area_codes: list[str]
    stage: Stage
    needs: list[NeedPublic]
    known_contact_ids: list[int]
    created_at: UtcDateTime
    updated_at: UtcDateTime
    closed_at: UtcDateTime | None = None


class InitiativePublic(InitiativeSummary):
    """The full record, for the initiator themself, brokers and admins."""

    initiator: InitiatorPublic
    initiator_erased_at: UtcDateTime | None = PydanticField(
        default=None, description="When the initiator's data was erased; it is blank since."
    )
    response: InitiativeResponsePublic | None = PydanticField(
        default=None,
        description="The municipality's official answer (PUT /initiatives/{id}/response); "
        "null until there is one.",
    )
