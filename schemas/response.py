"""The municipality's official answer to an initiative: one status and a text, set by staff,
shown to the initiator (never to civil servants or portals: it is written to the initiator)."""

from enum import StrEnum

from pydantic import Field as PydanticField

from schemas.base import ApiModel, InputModel, LongText, UtcDateTime


class ResponseStatus(StrEnum):
    received = "received"  # seen: someone will look at it
    in_progress = "in_progress"  # being worked on
    referred = "referred"  # sent on to someone better placed (inside or outside)
    supported = "supported"  # the municipality helps (money, space, a person)
    declined = "declined"  # the municipality does not take it up


class InitiativeResponseUpdate(InputModel):
    """The answer, replaced whole: its status and the text the initiator reads."""

    status: ResponseStatus
    text: LongText = PydanticField(
        default="", description="What the initiator reads, in plain Dutch (B1)."
    )


class InitiativeResponsePublic(ApiModel):
    status: ResponseStatus
    text: str
    answered_at: UtcDateTime = PydanticField(description="When the answer last changed.")
