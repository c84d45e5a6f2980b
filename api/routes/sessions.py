from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from api.http.deps import SessionDep, SettingsDep
from api.http.ratelimit import RateLimiter, get_rate_limiter, limit_sign_in_links
from api.services import sessions as service
from schemas import (
    SessionCreate,
    SessionCreated,
    SignInLinkAccepted,
    SignInLinkCreate,
)

router = APIRouter(tags=["sessions"])


@router.post(
    "/sign-in-links",
    response_model=SignInLinkAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a sign-in link by e-mail",
    description="Always **202** with the same body, whatever the address: nobody learns "
    "whether it is known. A mail with a single-use link `{WEGWIJS_PUBLIC_URL}/inloggen#<token>` "
    "goes to the address; it works for `expiresInMinutes` (15). The link gives a contact key to "
    "a civil servant in the directory, an initiator key to anyone else. Limited per address "
    "and per client (429).",
    operation_id="createSignInLink",
)
def request_sign_in_link(
    link_in: SignInLinkCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: Annotated[RateLimiter, Depends(get_rate_limiter)],
):
    limit_sign_in_links(request, limiter, link_in.email)
    return service.request_sign_in_link(session=session, link_in=link_in, settings=settings)


@router.post(
    "/sessions",
    response_model=SessionCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Exchange a sign-in link's token for an API key",
    description="Once per token. The answer's `token` is an API key (shown once) that expires "
    "after 30 days: a contact key for a civil servant in the directory, otherwise an initiator "
    "key for the address. A used, expired or unknown token is a 400 whose problem type says "
    "which (`…/problems/token-used`, `token-expired`, `token-unknown`); nothing changes.",
    operation_id="createSession",
)
def create_session(session_in: SessionCreate, session: SessionDep, settings: SettingsDep):
    return service.create_session(session=session, session_in=session_in, settings=settings)
