"""Signing in by e-mail: a link with a single-use token, exchanged for an API key."""

from pydantic import Field as PydanticField

from schemas.api_key import Role
from schemas.base import ApiModel, Email, InputModel, UtcDateTime
from schemas.introduction import TokenText


class SignInLinkCreate(InputModel):
    email: Email = PydanticField(description="Where to send the link.")


class SignInLinkAccepted(ApiModel):
    """The same answer for every address: nobody learns whether an address is known."""

    status: str = PydanticField(default="accepted", description="Always `accepted`.")
    expires_in_minutes: int = PydanticField(
        description="How long the link in the mail works (once)."
    )


class SessionCreate(InputModel):
    token: TokenText = PydanticField(description="The token from the link's fragment.")


class SessionCreated(ApiModel):
    token: str = PydanticField(description="An API key; shown once, never again.")
    role: Role = PydanticField(description="`contact` for a civil servant, else `initiator`.")
    expires_at: UtcDateTime
    email: str = PydanticField(description="The address the link was sent to.")
    contact_id: int | None = PydanticField(
        description="The civil servant this key acts for (role contact); null otherwise."
    )
    key_id: int = PydanticField(description="The key's id (as in the audit log).")
