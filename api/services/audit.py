"""The audit log of personal data: who (role and key id) read, changed, exported or erased
which record (type and id), when. Never the data itself, so the log holds no personal data.

Only services write it. A change is noted in its own transaction (``note`` before the
service's one commit: a create flushes first for its id), so a change is never kept without
its entry; reads are a small insert of their own (``record``, ``record_views``). Listing the
log is ``api.services.privacy.list_audit_entries``.
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session

from api.core.identity import Principal
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
    """Note and commit at once: for reads (a change notes in its own transaction instead)."""
    ids = list(object_ids)
    if not ids:
        return
    note(session, principal, action, object_type, ids)
    session.commit()


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
