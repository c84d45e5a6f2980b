"""The audit log of personal data: who (role and key id) read, changed, exported or erased
which record (type and id), when. Never the data itself, so the log holds no personal data.

Writes are recorded in the caller's transaction (``note`` before the service commits);
reads are a small insert of their own (``record_reads``).
"""

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.identity import Principal
from api.core.paging import Paging
from api.services.common import paginate
from schemas import AuditAction, AuditEntry, AuditObjectType
from schemas.columns import utc_now

SYSTEM = "system"  # the command line (retention purge, imports) acts without a key


def _actor_role(principal: Principal | None) -> str:
    if principal is None:
        return SYSTEM
    return principal.role.value if principal.role else "anonymous"


def note(
    session: Session,
    principal: Principal | None,
    action: AuditAction,
    object_type: AuditObjectType,
    object_ids: Iterable[int],
) -> None:
    """Add entries to the session: they commit (or roll back) with the caller's change."""
    session.add_all(
        AuditEntry(
            actor_role=_actor_role(principal),
            actor_key_id=principal.key_id if principal else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
        )
        for object_id in dict.fromkeys(object_ids)
    )


def note_many(
    session: Session,
    principal: Principal | None,
    action: AuditAction,
    object_type: AuditObjectType,
    object_ids: Iterable[int],
) -> None:
    """As ``note``, for many records at once (an import's thousands): one bulk INSERT in the
    caller's transaction."""
    at = utc_now()
    rows = [
        {
            "at": at,
            "actor_role": _actor_role(principal),
            "actor_key_id": principal.key_id if principal else None,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
        }
        for object_id in dict.fromkeys(object_ids)
    ]
    if rows:
        session.execute(sa.insert(AuditEntry), rows)


def record(
    session: Session,
    principal: Principal | None,
    action: AuditAction,
    object_type: AuditObjectType,
    object_ids: Iterable[int],
) -> None:
    """Note and commit at once (reads, and changes whose id is known only after commit)."""
    ids = list(object_ids)
    if not ids:
        return
    note(session, principal, action, object_type, ids)
    session.commit()


def record_reads(
    session: Session, principal: Principal, object_type: AuditObjectType, object_ids: Iterable[int]
) -> None:
    record(session, principal, AuditAction.read, object_type, object_ids)


def _about_own_municipalities(session: Session, principal: Principal) -> sa.ColumnElement[bool]:
    """Entries about records of the caller's municipalities: contacts, initiatives and their
    introductions, notes and match overrides, and keys that act only there. Entries about
    records that are gone (a removed contact or note) are seen by national admins only."""
    from api.services.api_keys import visible_keys
    from schemas import ApiKey, Contact, Initiative, InitiativeNote, Introduction, MatchOverride

    codes = sorted(principal.municipality_codes or ())
    initiatives = select(Initiative.id).where(Initiative.municipality_code.in_(codes))
    keys = select(ApiKey.id).where(visible_keys(session, principal))
    return sa.or_(
        sa.and_(
            AuditEntry.object_type == AuditObjectType.contact,
            AuditEntry.object_id.in_(
                select(Contact.id).where(Contact.municipality_code.in_(codes))
            ),
        ),
        sa.and_(
            AuditEntry.object_type == AuditObjectType.initiative,
            AuditEntry.object_id.in_(initiatives),
        ),
        sa.and_(
            AuditEntry.object_type == AuditObjectType.introduction,
            AuditEntry.object_id.in_(
                select(Introduction.id).where(Introduction.initiative_id.in_(initiatives))
            ),
        ),
        sa.and_(AuditEntry.object_type == AuditObjectType.api_key, AuditEntry.object_id.in_(keys)),
        sa.and_(
            AuditEntry.object_type == AuditObjectType.initiative_note,
            AuditEntry.object_id.in_(
                select(InitiativeNote.id).where(InitiativeNote.initiative_id.in_(initiatives))
            ),
        ),
        sa.and_(
            AuditEntry.object_type == AuditObjectType.match_override,
            AuditEntry.object_id.in_(
                select(MatchOverride.id).where(MatchOverride.initiative_id.in_(initiatives))
            ),
        ),
    )


def list_entries(
    *,
    session: Session,
    paging: Paging,
    principal: Principal,
    actor_key_id: int | None = None,
    actor_role: str | None = None,
    action: AuditAction | None = None,
    object_type: AuditObjectType | None = None,
    object_id: int | None = None,
) -> tuple[Sequence[AuditEntry], int]:
    query = select(AuditEntry)
    if not principal.is_national:
        query = query.where(_about_own_municipalities(session, principal))
    if actor_key_id is not None:
        query = query.where(AuditEntry.actor_key_id == actor_key_id)
    if actor_role is not None:
        query = query.where(AuditEntry.actor_role == actor_role)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if object_type is not None:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    return paginate(session, query, paging, sa.desc(AuditEntry.id))


def record_views(session: Session, principal: Principal, views: Iterable[object]) -> None:
    """Audit the views that show personal data: a contact's full record, an initiative with
    its initiator, an introduction with either party's contact details."""
    from schemas import ContactPublic, InitiativePublic, IntroductionPublic

    shown: dict[AuditObjectType, list[int]] = {}
    for view in views:
        if isinstance(view, ContactPublic):
            shown.setdefault(AuditObjectType.contact, []).append(view.id)
        elif isinstance(view, InitiativePublic):
            shown.setdefault(AuditObjectType.initiative, []).append(view.id)
        elif isinstance(view, IntroductionPublic) and (
            view.contact.email is not None or view.initiative.initiator_email is not None
        ):
            shown.setdefault(AuditObjectType.introduction, []).append(view.id)
    for object_type, ids in shown.items():
        note(session, principal, AuditAction.read, object_type, ids)
    if shown:
        session.commit()
