"""A broker's corrections of an initiative's matches: a contact pinned to the top ("Aanbevolen
door de gemeente") or excluded. Applied around the engine by ``api.services.matching``;
every change is audited and in the initiative's history, in its own transaction. Ending an
override keeps its row (``endedAt``): the history and the broken-connections report read it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.exceptions import Conflict, InvalidInput, NotFound
from api.core.identity import Principal
from api.core.paging import Paging
from api.services import audit
from api.services.common import paginate
from api.services.initiative_history import record_event
from schemas import (
    AuditAction,
    AuditObjectType,
    Contact,
    Initiative,
    InitiativeEventKind,
    MatchOverride,
    MatchOverrideCreate,
    OverrideAction,
)
from schemas.columns import utc_now

# Standing overrides per initiative: a broker steers a few people, not the whole list.
MAX_STANDING_OVERRIDES = 20


def standing_overrides(session: Session, initiative_id: int) -> Sequence[MatchOverride]:
    """The overrides in force, oldest first (pins keep the order they were made in)."""
    return session.exec(
        select(MatchOverride)
        .where(MatchOverride.initiative_id == initiative_id, MatchOverride.ended_at.is_(None))
        .order_by(MatchOverride.id)
    ).all()


def list_overrides(
    *, session: Session, initiative: Initiative, paging: Paging
) -> tuple[Sequence[MatchOverride], int]:
    """Every override of the initiative, standing and ended, newest first."""
    query = select(MatchOverride).where(MatchOverride.initiative_id == initiative.id)
    return paginate(session, query, paging, sa.desc(MatchOverride.id))


def get_override(*, session: Session, initiative: Initiative, override_id: int) -> MatchOverride:
    override = session.get(MatchOverride, override_id)
    if override is None or override.initiative_id != initiative.id:
        raise NotFound(f"No match override with id {override_id} for this initiative.")
    return override


def _contact_for(
    session: Session, initiative: Initiative, override_in: MatchOverrideCreate, principal: Principal
) -> Contact:
    """The contact named, or a 400 that says why it cannot be: unknown to the caller (another
    municipality's contact reads as unknown, revealing nothing), or of another municipality
    than the initiative's."""
    contact = session.get(Contact, override_in.contact_id)
    if (
        contact is None
        or contact.erased_at is not None
        or not principal.acts_for(contact.municipality_code)
    ):
        raise InvalidInput.field("contactId", f"Unknown contact {override_in.contact_id}.")
    if contact.municipality_code != initiative.municipality_code:
        raise InvalidInput.field(
            "contactId",
            f"Contact {contact.id} works for {contact.municipality_code}; this initiative is in "
            f"{initiative.municipality_code}: only its own civil servants can be steered.",
        )
    return contact


def _check_pinnable(contact: Contact) -> None:
    """A pin puts someone in front of a resident: they must be someone the resident could
    be introduced to today (409 with the reason otherwise; it may change later)."""
    if contact.consent_at is None:
        raise Conflict(
            f"Contact {contact.id} has not agreed to be listed (no consentAt): a pin would "
            "show them to residents."
        )
    if contact.withdrawn_at is not None:
        raise Conflict(
            f"Contact {contact.id} is no longer in the staff directory (withdrawn by a sync)."
        )
    if not contact.available:
        raise Conflict(f"Contact {contact.id} is not available now.")
    if not contact.open_to_initiatives:
        raise Conflict(f"Contact {contact.id} is not open to initiatives.")


def create_override(
    *,
    session: Session,
    initiative: Initiative,
    override_in: MatchOverrideCreate,
    principal: Principal,
) -> MatchOverride:
    contact = _contact_for(session, initiative, override_in, principal)
    if override_in.action is OverrideAction.pin:
        _check_pinnable(contact)
    standing = standing_overrides(session, initiative.id)
    same = next((o for o in standing if o.contact_id == contact.id), None)
    if same is not None:
        raise Conflict(
            f"Contact {contact.id} is already {'pinned' if same.action == 'pin' else 'excluded'} "
            f"for this initiative (override {same.id}); end that one first."
        )
    if len(standing) >= MAX_STANDING_OVERRIDES:
        raise Conflict(
            f"An initiative may have {MAX_STANDING_OVERRIDES} standing overrides; end one first."
        )
    override = MatchOverride(
        initiative_id=initiative.id,
        contact_id=contact.id,
        action=override_in.action,
        reason=override_in.reason,
        created_by_role=principal.role.value if principal.role else "anonymous",
        created_by_key_id=principal.key_id,
    )
    session.add(override)
    session.flush()  # its id, for the history and the audit log
    record_event(
        session,
        initiative.id,
        principal,
        InitiativeEventKind.override_created,
        override_id=override.id,
        contact_id=contact.id,
        action=override.action,
    )
    audit.note(
        session, principal, AuditAction.create, AuditObjectType.match_override, [override.id]
    )
    session.commit()
    return override


def end_override(*, session: Session, override: MatchOverride, principal: Principal) -> None:
    """End a standing override (idempotent: an ended one stays as it ended)."""
    if override.ended_at is not None:
        return
    override.ended_at = utc_now()
    override.ended_by_key_id = principal.key_id
    session.add(override)
    record_event(
        session,
        override.initiative_id,
        principal,
        InitiativeEventKind.override_ended,
        override_id=override.id,
        contact_id=override.contact_id,
        action=override.action,
    )
    audit.note(
        session, principal, AuditAction.delete, AuditObjectType.match_override, [override.id]
    )
    session.commit()


def standing_by_initiative(
    session: Session, municipality_code: str
) -> dict[int, list[MatchOverride]]:
    """The standing overrides of a municipality's initiatives, by initiative id."""
    rows = session.exec(
        select(MatchOverride)
        .join(Initiative, Initiative.id == MatchOverride.initiative_id)
        .where(Initiative.municipality_code == municipality_code)
        .where(MatchOverride.ended_at.is_(None))
        .order_by(MatchOverride.id)
    ).all()
    found: dict[int, list[MatchOverride]] = {}
    for row in rows:
        found.setdefault(row.initiative_id, []).append(row)
    return found
