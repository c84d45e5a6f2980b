"""AVG/GDPR: a civil servant's export and erasure, initiators' erasure on request and after
the retention period. Mails to an erased person lose their address and text (see
``api.services.mail.forget_address``).

Erasure keeps rows, not people: the contact row (its id, unit, municipality, themes and
areas) and every introduction with its status, outcome and history stay, so counts and the
broken-connections report still add up; every name, email, phone and free text is blanked:
for an initiative also its private notes (removed), its match overrides' reasons and its
official answer's text; for a contact the reasons of overrides about them.
Erasure is idempotent: erasing again changes nothing.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core.identity import Principal
from api.core.paging import Paging
from api.core.settings import Settings
from api.services import audit, mail
from api.services.api_keys import visible_keys
from api.services.common import list_contains, paginate, touch_directory
from api.services.contacts import unlink_contact
from api.services.notes import erase_notes
from schemas import (
    ApiKey,
    ApiKeyPublic,
    AuditAction,
    AuditEntry,
    AuditEntryPublic,
    AuditObjectType,
    Contact,
    ContactExport,
    ContactPublic,
    ExportedIntroduction,
    Initiative,
    InitiativeNote,
    Introduction,
    MatchOverride,
    Role,
    Stage,
)
from schemas.columns import utc_now


def _contact_keys(session: Session, contact_id: int) -> list[ApiKey]:
    return list(
        session.exec(
            select(ApiKey)
            .where(ApiKey.role == Role.contact, ApiKey.subject == str(contact_id))
            .order_by(ApiKey.id)
        ).all()
    )


def export_contact(*, session: Session, contact: Contact, principal: Principal) -> ContactExport:
    """Everything held about the contact; the export itself is audited (before it is read,
    so the export lists it too)."""
    audit.record(session, principal, AuditAction.export, AuditObjectType.contact, [contact.id])
    introductions = session.exec(
        select(Introduction, Initiative.title)
        .join(Initiative, Initiative.id == Introduction.initiative_id)
        .where(Introduction.contact_id == contact.id)
        .order_by(Introduction.id)
    ).all()
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == AuditObjectType.contact,
            AuditEntry.object_id == contact.id,
        )
        .order_by(AuditEntry.id)
    ).all()
    return ContactExport(
        exported_at=utc_now(),
        contact=ContactPublic.model_validate(contact),
        known_by_contact_ids=session.exec(
            select(Contact.id)
            .where(list_contains(session, Contact.knows, contact.id))
            .order_by(Contact.id)
        ).all(),
        known_by_initiative_ids=session.exec(
            select(Initiative.id)
            .where(list_contains(session, Initiative.known_contact_ids, contact.id))
            .order_by(Initiative.id)
        ).all(),
        introductions=[
            ExportedIntroduction.model_validate(
                {**introduction.model_dump(), "initiative_title": title}
            )
            for introduction, title in introductions
        ],
        api_keys=[ApiKeyPublic.model_validate(key) for key in _contact_keys(session, contact.id)],
        audit_entries=[AuditEntryPublic.model_validate(entry) for entry in entries],
    )


def erase_contact(*, session: Session, contact: Contact, principal: Principal | None) -> None:
    """Anonymise the contact everywhere, in one transaction (see the module docstring)."""
    if contact.erased_at is not None:
        return
    now = utc_now()
    colleagues = unlink_contact(session, contact.id)
    # Mails to them lose address and text (unsent ones stay unsent); their links stop working.
    mail.forget_address(
        session,
        [contact.email],
        contact_id=contact.id,
        introduction_ids=session.exec(
            select(Introduction.id).where(Introduction.contact_id == contact.id)
        ).all(),
    )
    session.execute(
        sa.update(Introduction)
        .where(Introduction.contact_id == contact.id)
        .values(message="", reason=None, initiator_feedback=None, contact_feedback=None)
    )
    # A broker's reasons about them go too; their standing overrides end (the history and
    # the report keep that they were steered, not why).
    session.execute(
        sa.update(MatchOverride).where(MatchOverride.contact_id == contact.id).values(reason="")
    )
    session.execute(
        sa.update(MatchOverride)
        .where(MatchOverride.contact_id == contact.id, MatchOverride.ended_at.is_(None))
        .values(ended_at=now)
    )
    contact.name = ""
    contact.job_title = ""
    contact.email = ""
    contact.phone = None
    contact.expertise = ""
    contact.languages = []
    contact.networks = []
    contact.knows = []
    contact.consent_at = None
    contact.public_profile = False
    contact.available = False
    contact.open_to_initiatives = False
    contact.erased_at = now
    contact.updated_at = now
    session.add(contact)
    touch_directory(session, contact.municipality_code, [contact.id, *colleagues])
    audit.note(session, principal, AuditAction.erase, AuditObjectType.contact, [contact.id])
    session.commit()


def _blank_initiator(session: Session, initiative: Initiative, now: datetime) -> None:
    email = initiative.initiator_email.lower()
    initiative.initiator_name = ""
    initiative.initiator_email = ""
    initiative.initiator_phone = None
    initiative.initiator_erased_at = now
    initiative.updated_at = now
    session.add(initiative)
    session.execute(
        sa.update(Introduction)
        .where(Introduction.initiative_id == initiative.id)
        .values(message="", reason=None, initiator_feedback=None, contact_feedback=None)
    )
    # The broker's desk: private notes go, the reasons of match overrides and the text of the
    # official answer are blanked (its status stays, for the counts).
    erase_notes(session, initiative.id)
    session.execute(
        sa.update(MatchOverride)
        .where(MatchOverride.initiative_id == initiative.id)
        .values(reason="")
    )
    if initiative.response_text:
        initiative.response_text = ""
    session.flush()
    # Mails about this initiative's introductions may name them (a greeting, their details).
    mail.forget_address(
        session,
        [],
        introduction_ids=session.exec(
            select(Introduction.id).where(Introduction.initiative_id == initiative.id)
        ).all(),
    )
    # Once none of their initiatives is left, nothing needs their email: their initiator keys
    # are revoked and forget it too.
    others = session.exec(
        select(Initiative.id).where(sa.func.lower(Initiative.initiator_email) == email)
    ).first()
    if email and others is None:
        mail.forget_address(session, [email])
        for key in session.exec(
            select(ApiKey).where(ApiKey.role == Role.initiator, ApiKey.subject == email)
        ).all():
            key.revoked_at = key.revoked_at or now
            key.subject = None
            session.add(key)


def erase_initiator(
    *, session: Session, initiative: Initiative, principal: Principal | None
) -> None:
    """Blank the initiator's name, email and phone and every free text of the initiative's
    introductions. The initiative itself (title, description, needs) stays."""
    if initiative.initiator_erased_at is not None:
        return
    _blank_initiator(session, initiative, utc_now())
    audit.note(session, principal, AuditAction.erase, AuditObjectType.initiative, [initiative.id])
    session.commit()


def erase_expired_initiators(session: Session, now: datetime, settings: Settings) -> list[int]:
    """Erase the initiator of every initiative closed at least ``initiator_retention_days``
    before ``now``; returns the initiatives' ids. Run daily by ``wegwijs privacy purge``."""
    cutoff = now - timedelta(days=settings.initiator_retention_days)
    expired = session.exec(
        select(Initiative)
        .where(
            Initiative.stage == Stage.closed,
            Initiative.closed_at.is_not(None),
            Initiative.closed_at <= cutoff,
            Initiative.initiator_erased_at.is_(None),
        )
        .order_by(Initiative.id)
    ).all()
    for initiative in expired:
        _blank_initiator(session, initiative, now)
    ids = [initiative.id for initiative in expired]
    audit.note(session, None, AuditAction.erase, AuditObjectType.initiative, ids)
    session.commit()
    return ids


# --- the audit log, as admins read it ------------------------------------------------------


def _about_own_municipalities(session: Session, principal: Principal) -> sa.ColumnElement[bool]:
    """Entries about records of the caller's municipalities: contacts, initiatives and their
    introductions, notes and match overrides, and keys that act only there. Entries about
    records that are gone (a removed contact or note) are seen by national admins only."""
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


def list_audit_entries(
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
