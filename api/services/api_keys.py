import secrets
from collections.abc import Sequence

from sqlmodel import Session, select

from api.deps import Paging, hash_token
from api.errors import InvalidInput, NotFound
from api.services.common import paginate
from schemas import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Contact, Role
from schemas.base import MAX_ID
from schemas.columns import utc_now

TOKEN_PREFIX = "wgw_"  # noqa: S105 - a visible prefix, not a secret


def create_api_key(*, session: Session, key_in: ApiKeyCreate) -> ApiKeyCreated:
    subject = key_in.subject
    if key_in.role is Role.contact:
        # ASCII digits within the id range only: "²" or 2**70 must be a 400, not a crash.
        if (
            not subject
            or not (subject.isascii() and subject.isdigit())
            or not 1 <= int(subject) <= MAX_ID
            or session.get(Contact, int(subject)) is None
        ):
            raise InvalidInput.field(
                "subject", "A contact key needs the id of an existing contact."
            )
    elif key_in.role is Role.initiator:
        if not subject or "@" not in subject:
            raise InvalidInput.field("subject", "An initiator key needs the initiator's email.")
        subject = subject.lower()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(key_hash=hash_token(token), role=key_in.role, subject=subject)
    session.add(key)
    session.commit()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), token=token)


def list_api_keys(*, session: Session, paging: Paging) -> tuple[Sequence[ApiKey], int]:
    return paginate(session, select(ApiKey), paging, ApiKey.id)


def revoke_api_key(*, session: Session, key_id: int) -> None:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key with id {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        session.add(key)
        session.commit()
