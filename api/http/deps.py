"""Request dependencies: settings, database session, the caller's identity (from the API key),
paging parameters, and the lookups that answer 404 before a route runs."""

import hmac
from collections.abc import AsyncIterator, Collection
from typing import Annotated

import anyio
from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from starlette.concurrency import run_in_threadpool

from api.core.exceptions import Forbidden, NotFound, Unauthorized
from api.core.identity import ANONYMOUS, Principal, hash_token
from api.core.paging import Paging
from api.core.persistence import new_session
from api.core.settings import Settings
from api.http.etags import check_if_match
from api.services import key_cache
from api.services.introductions import can_see
from schemas import (
    ApiKey,
    Area,
    Contact,
    Initiative,
    Introduction,
    Municipality,
    Role,
    Unit,
    WebhookSubscription,
)
from schemas.base import AREA_CODE, MAX_ID, MUNICIPALITY_CODE, SINGLE_LINE, _as_utc
from schemas.columns import utc_now


# Plain reads, no I/O: async, so they run on the event loop, not as a threadpool hop each.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: made on the event loop (no I/O: it connects when a lookup or
    the route first uses it, in the threadpool), closed in the threadpool (closing gives the
    connection back: a rollback). A sync generator paid a threadpool hop for each end."""
    session = new_session(request.app.state.engine)
    try:
        yield session
    finally:
        # Also when the client went away: the connection must go back to the pool.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(session.close)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


_bearer = HTTPBearer(auto_error=False, description="An API key issued by an admin.")


def _known_principal(settings: Settings, token: str) -> Principal | None:
    """The caller when no lookup is needed: the admin token, or a key verified a moment ago
    (``key_cache``)."""
    if settings.admin_token and hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return Principal(role=Role.admin, subject="admin-token")
    return key_cache.cached(hash_token(token))


def principal_for(
    session: Session, settings: Settings, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    """Who calls (blocking: may look the key up)."""
    if credentials is None:
        return ANONYMOUS
    known = _known_principal(settings, credentials.credentials)
    if known is not None:
        return known
    return _verified_key(session, settings, hash_token(credentials.credentials))


# The bearer token as sent, if any (no I/O: HTTPBearer is async).
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def get_principal(
    request: Request, settings: SettingsDep, credentials: BearerDep
) -> Principal:
    """Who calls. Anonymous callers, the admin token and a key verified a moment ago are known
    on the event loop; only a lookup goes to the threadpool, with a session of its own that is
    closed there (no request holds a connection while it waits for a thread; see
    ``api/http/one_hop.py``)."""
    if credentials is None:
        return ANONYMOUS
    known = _known_principal(settings, credentials.credentials)
    if known is not None:
        return known
    return await run_in_threadpool(
        _looked_up, request.app.state.engine, settings, hash_token(credentials.credentials)
    )


def _looked_up(engine: Engine, settings: Settings, digest: str) -> Principal:
    with Session(engine) as session:
        return _verified_key(session, settings, digest)


def _verified_key(session: Session, settings: Settings, digest: str) -> Principal:
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
    # The lookup is by the token's SHA-256, so its timing says nothing about the token; the
    # comparison after it is constant-time anyway. The token itself is never logged or echoed.
    if (
        key is None
        or key.revoked_at is not None
        or (key.expires_at is not None and _as_utc(key.expires_at) <= utc_now())
        or not hmac.compare_digest(key.key_hash, digest)
    ):
        raise Unauthorized("The API key is unknown, expired or revoked.")
    role = Role(key.role)
    principal = Principal(
        role=role,
        subject=key.subject,
        key_id=key.id,
        municipality_codes=_municipalities_of(session, role, key),
    )
    if role in KEY_DESCRIBES_CALLER:
        key_cache.remember(
            digest, principal, seconds=settings.key_cache_seconds, expires_at=key.expires_at
        )
    return principal


# Roles whose caller the key's own row says all about (see api.services.key_cache).
KEY_DESCRIBES_CALLER = frozenset({Role.admin, Role.broker, Role.portal})


def _municipalities_of(session: Session, role: Role, key: ApiKey) -> frozenset[str] | None:
    if role is Role.contact:
        # A contact key acts for its contact's municipality, wherever the contact is now.
        code = (
            session.exec(
                select(Contact.municipality_code).where(Contact.id == int(key.subject))
            ).first()
            if key.subject and key.subject.isdigit()
            else None
        )
        return frozenset({code} if code else ())
    if role is Role.initiator:
        # Their own initiatives wherever they are (checked by ownership); the civil servants
        # of the municipalities those are in.
        email = (key.subject or "").lower()
        return frozenset(
            session.exec(
                select(Initiative.municipality_code)
                .where(func.lower(Initiative.initiator_email) == email)
                .distinct()
            ).all()
            if email
            else ()
        )
    if role is Role.admin and not key.municipality_codes:
        return None  # a national admin
    return frozenset(key.municipality_codes)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role):
    """A dependency that lets only the given roles through (401 without a key, 403 otherwise)."""

    async def _check(principal: PrincipalDep) -> Principal:  # no I/O: no threadpool hop
        return check_role(principal, roles)

    return _check


def check_role(principal: Principal, roles: Collection[Role]) -> Principal:
    """401 without a key, 403 for a role not in ``roles``: the body of ``require``."""
    if principal.role is None:
        raise Unauthorized()
    if principal.role not in roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(r.value for r in roles)}.")
    return principal


# The roles of AnyKeyDep, for the one-hop routes that check them themselves.
ANY_KEY = (Role.admin, Role.broker, Role.contact, Role.initiator)


AdminDep = Annotated[Principal, Depends(require(Role.admin))]
StaffDep = Annotated[Principal, Depends(require(Role.admin, Role.broker))]
# Every key that may see people; a portal key may do only what anonymous callers may.
AnyKeyDep = Annotated[Principal, Depends(require(*ANY_KEY))]


def confine_to(session: Session, principal: Principal, municipality_code: str) -> None:
    """403 when the caller does not act for this (existing) municipality; an unknown code is
    left to the operation's own 400 or 404, as for any caller."""
    if not principal.acts_for(municipality_code) and session.get(Municipality, municipality_code):
        principal.confine(municipality_code)


def require_national_admin(principal: AdminDep) -> Principal:
    if not principal.is_national:
        raise Forbidden("This needs a national admin key (an admin key without municipalities).")
    return principal


NationalAdminDep = Annotated[Principal, Depends(require_national_admin)]


def get_paging(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")] = 1,
    page_size: Annotated[
        int, Query(alias="pageSize", ge=1, le=100, description="Items per page, at most 100.")
    ] = 20,
) -> Paging:
    return Paging(page=page, page_size=page_size)


PagingDep = Annotated[Paging, Depends(get_paging)]

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
MunicipalityCodePath = Annotated[str, Path(pattern=MUNICIPALITY_CODE)]
AreaCodePath = Annotated[str, Path(pattern=AREA_CODE)]

# Collection filters shared by several routes.
MunicipalityFilter = Annotated[
    str | None, Query(alias="municipalityCode", pattern=MUNICIPALITY_CODE)
]
AreaCodeFilter = Annotated[str | None, Query(alias="areaCode", pattern=AREA_CODE)]
ThemeFilter = Annotated[str | None, Query(min_length=1, max_length=80, pattern=SINGLE_LINE)]


def _municipality(session: Session, code: str) -> Municipality:
    municipality = session.get(Municipality, code)
    if municipality is None:
        raise NotFound(f"No municipality with code {code}.")
    return municipality


def _area(session: Session, code: str) -> Area:
    area = session.get(Area, code)
    if area is None:
        raise NotFound(f"No area with code {code}.")
    return area


def _unit(session: Session, id: int) -> Unit:
    unit = session.get(Unit, id)
    if unit is None:
        raise NotFound(f"No unit with id {id}.")
    return unit


# The organisation map is public, so its records are found by anyone; a write to another
# municipality's record is a 403 (its existence is no secret), checked before If-Match.


def get_municipality_or_404(
    code: MunicipalityCodePath, session: SessionDep, request: Request
) -> Municipality:
    municipality = _municipality(session, code)
    check_if_match(request, municipality)
    return municipality


def get_managed_municipality(
    code: MunicipalityCodePath, session: SessionDep, principal: AdminDep, request: Request
) -> Municipality:
    municipality = _municipality(session, code)
    principal.confine(municipality.code)
    check_if_match(request, municipality)
    return municipality


def get_area_or_404(code: AreaCodePath, session: SessionDep, request: Request) -> Area:
    area = _area(session, code)
    check_if_match(request, area)
    return area


def get_managed_area(
    code: AreaCodePath, session: SessionDep, principal: AdminDep, request: Request
) -> Area:
    area = _area(session, code)
    principal.confine(area.municipality_code)
    check_if_match(request, area)
    return area


def get_unit_or_404(id: IdPath, session: SessionDep, request: Request) -> Unit:
    unit = _unit(session, id)
    check_if_match(request, unit)
    return unit


def get_managed_unit(
    id: IdPath, session: SessionDep, principal: StaffDep, request: Request
) -> Unit:
    unit = _unit(session, id)
    principal.confine(unit.municipality_code)
    check_if_match(request, unit)
    return unit


def get_contact_or_404(
    id: IdPath,
    session: SessionDep,
    principal: AnyKeyDep,
    request: Request,
) -> Contact:
    contact = session.get(Contact, id)
    # A contact without consent, or withdrawn by a directory sync (gone from the HR feed), is
    # invisible to everyone but staff and the contact themself; an erased one to everyone (its
    # anonymous row only keeps introductions countable).
    listed = contact is not None and contact.consent_at is not None and contact.withdrawn_at is None
    visible = (
        contact is not None
        and contact.erased_at is None
        and principal.acts_for(contact.municipality_code)
        and (listed or principal.is_staff or principal.is_contact(contact.id))
    )
    if not visible:
        raise NotFound(f"No contact with id {id}.")
    check_if_match(request, contact)
    return contact


def get_initiative_or_404(
    id: IdPath,
    session: SessionDep,
    principal: AnyKeyDep,
    request: Request,
) -> Initiative:
    return visible_initiative(id, session.get(Initiative, id), principal, request)


def visible_initiative(
    id: int, initiative: Initiative | None, principal: Principal, request: Request
) -> Initiative:
    """The initiative read for ``id`` if the caller may see it (404 otherwise), and as current
    as a write's ``If-Match`` says (412 otherwise)."""
    # Initiators see only their own (wherever they are), everyone else only those of their
    # municipalities; answering 404 for others' does not reveal they exist.
    if initiative is None or not can_see_initiative(principal, initiative):
        raise NotFound(f"No initiative with id {id}.")
    check_if_match(request, initiative)
    return initiative


def can_see_initiative(principal: Principal, initiative: Initiative) -> bool:
    if principal.role is Role.initiator:
        return principal.owns_initiative(initiative)
    return principal.acts_for(initiative.municipality_code)


MunicipalityDep = Annotated[Municipality, Depends(get_municipality_or_404)]
ManagedMunicipalityDep = Annotated[Municipality, Depends(get_managed_municipality)]
AreaDep = Annotated[Area, Depends(get_area_or_404)]
ManagedAreaDep = Annotated[Area, Depends(get_managed_area)]
UnitDep = Annotated[Unit, Depends(get_unit_or_404)]
ManagedUnitDep = Annotated[Unit, Depends(get_managed_unit)]
ContactDep = Annotated[Contact, Depends(get_contact_or_404)]
InitiativeDep = Annotated[Initiative, Depends(get_initiative_or_404)]


def get_own_contact(contact: ContactDep, principal: AnyKeyDep) -> Contact:
    """The contact, when the caller is staff or that contact; 403 otherwise."""
    if not (principal.is_staff or principal.is_contact(contact.id)):
        raise Forbidden("Only brokers, admins and the contact themself may change this record.")
    return contact


def get_own_initiative(initiative: InitiativeDep, principal: AnyKeyDep) -> Initiative:
    """The initiative, when the caller is staff or its initiator; 403 otherwise."""
    if not (principal.is_staff or principal.owns_initiative(initiative)):
        raise Forbidden("Only brokers, admins and the initiator may change this initiative.")
    return initiative


OwnContactDep = Annotated[Contact, Depends(get_own_contact)]
OwnInitiativeDep = Annotated[Initiative, Depends(get_own_initiative)]


def get_staff_initiative(id: IdPath, session: SessionDep, principal: StaffDep) -> Initiative:
    """For the broker's desk (overrides, notes, the answer): brokers and admins only, who get
    401/403 before the lookup, so others learn nothing of the initiative; staff of another
    municipality get 404."""
    initiative = session.get(Initiative, id)
    if initiative is None or not principal.acts_for(initiative.municipality_code):
        raise NotFound(f"No initiative with id {id}.")
    return initiative


StaffInitiativeDep = Annotated[Initiative, Depends(get_staff_initiative)]


def get_introduction_or_404(
    id: IdPath,
    session: SessionDep,
    principal: AnyKeyDep,
    request: Request,
) -> Introduction:
    """Visible to staff, the contact and the initiative's initiator; 404 for anyone else."""
    introduction = session.get(Introduction, id)
    initiative = session.get(Initiative, introduction.initiative_id) if introduction else None
    if introduction is None or not can_see(principal, introduction, initiative):
        raise NotFound(f"No introduction with id {id}.")
    check_if_match(request, introduction)
    return introduction


IntroductionDep = Annotated[Introduction, Depends(get_introduction_or_404)]


def get_webhook_or_404(id: IdPath, session: SessionDep, principal: StaffDep) -> WebhookSubscription:
    """Only staff manage webhooks: others get 401/403 before a lookup, so ids stay hidden. A
    subscription is found by those who act for all of its municipalities."""
    subscription = session.get(WebhookSubscription, id)
    if subscription is None or not (
        principal.is_national
        or (
            subscription.municipality_codes
            and principal.acts_for_all(subscription.municipality_codes)
        )
    ):
        raise NotFound(f"No webhook with id {id}.")
    return subscription


WebhookDep = Annotated[WebhookSubscription, Depends(get_webhook_or_404)]
