"""An initiative's history: each thing staff did to it (a contact pinned or excluded, an
override ended, the answer set), with the actor's role and key, in the change's own
transaction. Ids and statuses only (schemas/initiative_event.py)."""

from collections.abc import Sequence

from sqlmodel import Session, select

from api.core.identity import Principal
from schemas import Initiative, InitiativeEvent, InitiativeEventKind, Role


def record_event(
    session: Session,
    initiative_id: int,
    principal: Principal | None,
    kind: InitiativeEventKind,
    **about: object,
) -> None:
    """Add the event to the session: it commits (or rolls back) with the caller's change."""
    session.add(
        InitiativeEvent(
            initiative_id=initiative_id,
            kind=kind,
            actor_role=(principal.role.value if principal.role else "anonymous")
            if principal
            else "system",
            actor_key_id=principal.key_id if principal else None,
            **about,
        )
    )


def history(
    *, session: Session, initiative: Initiative, principal: Principal
) -> Sequence[InitiativeEvent]:
    """Oldest first. Staff see every event; the initiator sees the changes of their answer,
    not how staff steered the matches (that is the broker's desk)."""
    query = select(InitiativeEvent).where(InitiativeEvent.initiative_id == initiative.id)
    if principal.role is Role.initiator:
        query = query.where(InitiativeEvent.kind == InitiativeEventKind.response_changed)
    return session.exec(query.order_by(InitiativeEvent.id)).all()
