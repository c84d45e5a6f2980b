"""Introductions: requests, the status machine, capacity and who sees what."""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, func, select

from api.core.exceptions import Conflict, Forbidden, InvalidInput, TooManyOpenIntroductions
from api.core.identity import Principal
from api.core.paging import Paging
from api.core.persistence import serialize_writers
from api.core.settings import Settings
from api.services import audit, notifications
from api.services.common import paginate
from api.services.webhooks import enqueue_introduction_event
from api.services.workload import open_introduction_counts
from schemas import (
    OPEN_STATUSES,
    Contact,
    Initiative,
    Introduction,
    IntroductionCreate,
    IntroductionEvent,
    IntroductionPublic,
    IntroductionStatus,
    IntroductionUpdate,
    Role,
)
from schemas.columns import utc_now

S = IntroductionStatus
# Who may move an introduction from one status to another. "requester" is whoever asked
# (the initiator, or staff on their behalf); staff may always act for either side.
TRANSITIONS: dict[tuple[S, S], frozenset[str]] = {
    (S.requested, S.accepted): frozenset({"contact", "staff"}),
    (S.requested, S.declined): frozenset({"contact", "staff"}),
    (S.requested, S.cancelled): frozenset({"requester", "staff"}),
    (S.accepted, S.cancelled): frozenset({"requester", "staff"}),
    (S.accepted, S.completed): frozenset({"contact", "initiator", "staff"}),
}
DETAILS_VISIBLE = (S.accepted, S.completed)


def _sides(principal: Principal, introduction: Introduction, initiative: Initiative) -> set[str]:
    sides: set[str] = set()
    # Staff act for the introductions of their own municipalities only.
    if principal.is_staff and principal.acts_for(initiative.municipality_code):
        sides.add("staff")
    if principal.is_contact(introduction.contact_id):
        sides.add("contact")
    if principal.owns_initiative(initiative):
        sides.add("initiator")
        if introduction.requested_by_role == Role.initiator:
            sides.add("requester")
    return sides


def can_see(principal: Principal, introduction: Introduction, initiative: Initiative) -> bool:
    return bool(_sides(principal, introduction, initiative))


def present(
    session: Session, introduction: Introduction, principal: Principal
) -> IntroductionPublic:
    """Contact details reach the initiator, and the initiator's reach the contact, only once
    the contact accepted; staff see everything."""
    initiative = session.get(Initiative, introduction.initiative_id)
    contact = session.get(Contact, introduction.contact_id)
    sides = _sides(principal, introduction, initiative)
    shared = introduction.status in DETAILS_VISIBLE
    staff = "staff" in sides
    show_contact = staff or "contact" in sides or shared
    show_initiator = staff or "initiator" in sides or shared
    return IntroductionPublic.model_validate(
        {
            "id": introduction.id,
            "status": introduction.status,
            "message": introduction.message,
            "reason": introduction.reason,
            "outcome": introduction.outcome,
            "initiator_feedback": introduction.initiator_feedback,
            "contact_feedback": introduction.contact_feedback,
            "created_at": introduction.created_at,
            "updated_at": introduction.updated_at,
            "initiative": {
                "id": initiative.id,
                "title": initiative.title,
                "initiator_name": initiative.initiator_name if show_initiator else None,
                "initiator_email": initiative.initiator_email if show_initiator else None,
                "initiator_phone": initiative.initiator_phone if show_initiator else None,
            },
            "contact": {
                "id": contact.id,
                "name": contact.name if (show_contact or contact.public_profile) else None,
                "job_title": contact.job_title,
                "email": contact.email if show_contact else None,
                "phone": contact.phone if show_contact else None,
            },
        }
    )


def show_introductions(
    *, session: Session, principal: Principal, introductions: Sequence[Introduction]
) -> list[IntroductionPublic]:
    """The caller's views of these introductions; those showing a party's contact details go
    in the audit log."""
    views = [present(session, introduction, principal) for introduction in introductions]
    audit.record_views(session, principal, views)
    return views


def request_introduction(
    *,
    session: Session,
    introduction_in: IntroductionCreate,
    principal: Principal,
    settings: Settings,
) -> Introduction:
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: take its write lock before counting the free slots.
        serialize_writers(session, "introductions")
    initiative = session.get(Initiative, introduction_in.initiative_id)
    if initiative is None or not (
        (principal.is_staff and principal.acts_for(initiative.municipality_code))
        or principal.owns_initiative(initiative)
    ):
        raise InvalidInput.field("initiativeId", "Unknown initiative (or not yours).")
    # Locked on PostgreSQL, so two requests cannot both take a contact's last free slot.
    contact = session.exec(
        select(Contact).where(Contact.id == introduction_in.contact_id).with_for_update()
    ).first()
    if (
        contact is None
        or contact.consent_at is None
        or contact.municipality_code != initiative.municipality_code
    ):
        raise InvalidInput.field("contactId", "Unknown contact in this municipality.")
    if not contact.available or not contact.open_to_initiatives or contact.withdrawn_at:
        raise Conflict("This contact does not take new introductions now.")
    open_for_contact = open_introduction_counts(
        session, settings=settings, contact_ids=[contact.id]
    ).get(contact.id, 0)
    if open_for_contact >= contact.capacity_per_month:
        raise Conflict("This contact has no room for new introductions this month.")
    open_statuses = Introduction.status.in_(OPEN_STATUSES)
    pending = session.exec(
        select(Introduction.contact_id).where(
            Introduction.initiative_id == initiative.id, open_statuses
        )
    ).all()
    if contact.id in pending:
        raise Conflict("This initiative already has an open introduction to this contact.")
    if len(pending) >= settings.max_open_introductions_per_initiative:
        raise TooManyOpenIntroductions(
            f"An initiative may have {settings.max_open_introductions_per_initiative} open "
            "introductions; wait for answers or cancel one."
        )
    introduction = Introduction(
        initiative_id=initiative.id,
        contact_id=contact.id,
        message=introduction_in.message,
        requested_by_role=Role.initiator if principal.role is Role.initiator else Role.broker,
    )
    session.add(introduction)
    session.flush()
    _record(session, introduction, principal, settings=settings)
    session.commit()
    return introduction


def change_introduction(
    *,
    session: Session,
    introduction: Introduction,
    change: IntroductionUpdate,
    principal: Principal,
    settings: Settings,
) -> Introduction:
    """A status change (and/or feedback) by a party or staff: the same rules and history
    whether it comes from ``PATCH /introductions/{id}`` or an answer link in a mail."""
    initiative = session.get(Initiative, introduction.initiative_id)
    sides = _sides(principal, introduction, initiative)
    current = S(introduction.status)
    if change.status is not None and change.status != current:
        allowed = TRANSITIONS.get((current, change.status))
        if allowed is None:
            raise Conflict(f"An introduction cannot go from {current} to {change.status}.")
        if not sides & allowed:
            raise Forbidden(f"You may not set this introduction to {change.status}.")
        if change.status is S.completed and change.outcome is None:
            raise InvalidInput.field("outcome", "Completing needs an outcome.")
        if change.status is not S.completed and change.outcome is not None:
            raise InvalidInput.field("outcome", "Only completing takes an outcome.")
        introduction.status = change.status
        if change.reason is not None:
            introduction.reason = change.reason
        if change.outcome is not None:
            introduction.outcome = change.outcome
        _record(session, introduction, principal, settings=settings, previous_status=current)
    elif change.outcome is not None or change.reason is not None:
        raise Conflict("An outcome or reason comes with a status change.")
    if change.feedback is not None:
        if current not in DETAILS_VISIBLE and introduction.status not in DETAILS_VISIBLE:
            raise Conflict("Feedback is for introductions that were accepted.")
        if "initiator" in sides:
            introduction.initiator_feedback = change.feedback
        elif "contact" in sides:
            introduction.contact_feedback = change.feedback
        else:
            raise Forbidden("Feedback comes from the initiator or the contact.")
    introduction.updated_at = utc_now()
    session.add(introduction)
    session.commit()
    return introduction


def _record(
    session: Session,
    introduction: Introduction,
    principal: Principal,
    *,
    settings: Settings,
    previous_status: str | None = None,
) -> None:
    # Webhook events and mails in the change's own transaction (outboxes).
    enqueue_introduction_event(session, introduction, previous_status)
    notifications.introduction_changed(session, introduction, previous_status, settings)
    session.add(
        IntroductionEvent(
            introduction_id=introduction.id,
            status=introduction.status,
            actor_role=principal.role.value if principal.role else "anonymous",
            actor_key_id=principal.key_id,
        )
    )


def list_introductions(
    *,
    session: Session,
    principal: Principal,
    paging: Paging,
    initiative_id: int | None = None,
    contact_id: int | None = None,
    status: S | None = None,
) -> tuple[Sequence[Introduction], int]:
    query = select(Introduction)
    if principal.is_staff and principal.municipality_codes is not None:
        query = query.join(Initiative, Initiative.id == Introduction.initiative_id).where(
            Initiative.municipality_code.in_(sorted(principal.municipality_codes))
        )
    elif principal.role is Role.contact:
        query = query.where(Introduction.contact_id == int(principal.subject or 0))
    elif principal.role is Role.initiator:
        query = query.join(Initiative, Initiative.id == Introduction.initiative_id).where(
            func.lower(Initiative.initiator_email) == (principal.subject or "").lower()
        )
    if initiative_id is not None:
        query = query.where(Introduction.initiative_id == initiative_id)
    if contact_id is not None:
        query = query.where(Introduction.contact_id == contact_id)
    if status is not None:
        query = query.where(Introduction.status == status)
    return paginate(session, query, paging, sa.desc(Introduction.id))


def history(*, session: Session, introduction: Introduction) -> Sequence[IntroductionEvent]:
    return session.exec(
        select(IntroductionEvent)
        .where(IntroductionEvent.introduction_id == introduction.id)
        .order_by(IntroductionEvent.id)
    ).all()
