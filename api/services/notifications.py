"""What goes out by mail, and when: introductions, reminders and the brokers' digest.

Every mail is written to the outbox in the transaction of the change that causes it
(``api.services.mail.enqueue``), so a change never commits without its mail nor a mail without
its change:

- a new request: the contact gets the initiative, the message and two links (*Accepteren*,
  *Afwijzen*) to ``/kennismaking#<token>``, with a token bound to this introduction and this
  contact that works once and until the request's window closes;
- accepted: the initiator gets the contact's name, e-mail and phone (the introduction rules
  share them once accepted); declined: the initiator gets the reason and the next two matches
  for the initiative; cancelled: the contact hears they need not answer;
- a request still open after ``WEGWIJS_INTRODUCTION_REMINDER_DAYS``: the contact is reminded,
  once (``send_reminders``: the mail worker runs it periodically; ``wegwijs mail reminders``
  does the same from cron);
- ``wegwijs mail digest``: each municipality's brokers (``WEGWIJS_BROKER_EMAILS``) get the
  broken-connections report in short.
"""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.identity import Principal
from api.core.settings import Settings
from api.services import mail, mail_messages
from api.services.mail_messages import InitiativeFacts
from schemas import (
    Area,
    Contact,
    Initiative,
    Introduction,
    IntroductionStatus,
    MailKind,
    Municipality,
    Role,
    TokenPurpose,
    Unit,
)
from schemas.base import _as_utc
from schemas.columns import utc_now

log = logging.getLogger("wegwijs.mail")

S = IntroductionStatus
SUGGESTIONS = 2
DIGEST_ITEMS = 10


def answer_before(introduction: Introduction, settings: Settings) -> datetime:
    """The answer links work while the request counts as open (its window)."""
    return _as_utc(introduction.created_at) + timedelta(days=settings.introduction_window_days)


def _initiative_facts(session: Session, initiative: Initiative) -> InitiativeFacts:
    municipality = session.get(Municipality, initiative.municipality_code)
    areas = {
        area.code: area.name
        for area in session.exec(
            select(Area).where(Area.code.in_(initiative.area_codes or ["-"]))
        ).all()
    }
    needs = []
    for need in initiative.needs:
        label = mail_messages.need_label(need.get("kind", "other"))
        words = (need.get("description") or "").strip()
        needs.append(f"{label}: {words}" if words else label)
    return InitiativeFacts(
        title=initiative.title,
        description=initiative.description,
        needs=needs,
        areas=[areas.get(code, code) for code in initiative.area_codes],
        municipality_name=municipality.name if municipality else initiative.municipality_code,
    )


def _answer_links(
    session: Session, introduction: Introduction, contact: Contact, settings: Settings
) -> tuple[str, str]:
    token = mail.issue_token(
        session,
        purpose=TokenPurpose.introduction_response,
        expires_at=answer_before(introduction, settings),
        contact_id=contact.id,
        introduction_id=introduction.id,
    )
    # In the fragment: it never reaches a server log or a Referer. Both links carry the same
    # token; ".afwijzen" only tells the page which choice to offer first.
    url = f"{settings.public_url}/kennismaking#{token}"
    return url, f"{url}.afwijzen"


def _request_mail(
    session: Session,
    introduction: Introduction,
    initiative: Initiative,
    contact: Contact,
    settings: Settings,
    *,
    reminder: bool,
) -> None:
    accept_url, decline_url = _answer_links(session, introduction, contact, settings)
    message = mail_messages.introduction_requested(
        contact_name=contact.name,
        initiative=_initiative_facts(session, initiative),
        message=introduction.message,
        accept_url=accept_url,
        decline_url=decline_url,
        answer_before=answer_before(introduction, settings),
        reminder=reminder,
    )
    mail.enqueue(
        session,
        kind=MailKind.introduction_reminder if reminder else MailKind.introduction_requested,
        recipient=contact.email,
        message=message,
        municipality_code=initiative.municipality_code,
        introduction_id=introduction.id,
        expires_at=answer_before(introduction, settings),
    )


def _who(contact: Contact, unit: Unit | None) -> str:
    """A civil servant as the initiator may know them before an introduction: the name only
    from a public profile."""
    where = f" ({unit.name})" if unit else ""
    if contact.public_profile:
        return f"{contact.name}, {contact.job_title}{where}"
    return f"De {contact.job_title.lower()}{where}" if contact.job_title else "De ambtenaar"


def _suggestions(
    session: Session, initiative: Initiative, settings: Settings, asked: set[int]
) -> list[str]:
    """The next matches for the initiative, as its initiator would see them, leaving out
    everyone it has already asked."""
    from api.services.matching import match_initiative

    as_initiator = Principal(
        role=Role.initiator,
        subject=initiative.initiator_email,
        municipality_codes=frozenset({initiative.municipality_code}),
    )
    try:
        # A session of its own: matching may (re)build the index on its connection with
        # options meant for reading only, and the decline's transaction must not wait for it.
        with Session(session.get_bind()) as reading:
            result = match_initiative(
                session=reading,
                initiative=reading.get(Initiative, initiative.id),
                principal=as_initiator,
                settings=settings,
                limit=len(asked) + SUGGESTIONS + 3,
            )
    except Exception:  # a suggestion is a courtesy: the decline and its mail go on without
        log.exception("no suggestions for a declined introduction")
        return []
    lines = []
    for item in result.items:
        if item.contact.id in asked:
            continue
        person = item.contact
        name = f"{person.name}, " if person.name else ""
        lines.append(f"{name}{person.job_title} ({person.unit.name})")
        if len(lines) == SUGGESTIONS:
            break
    return lines


def introduction_changed(
    session: Session,
    introduction: Introduction,
    previous_status: str | None,
    settings: Settings,
) -> None:
    """The mails a new request or a status change sends, in the caller's transaction."""
    initiative = session.get(Initiative, introduction.initiative_id)
    contact = session.get(Contact, introduction.contact_id)
    if initiative is None or contact is None:
        return
    status = S(introduction.status)
    contact_reachable = contact.erased_at is None and bool(contact.email)
    initiator_reachable = initiative.initiator_erased_at is None and bool(
        initiative.initiator_email
    )
    code = initiative.municipality_code
    if previous_status is None and status is S.requested:
        if contact_reachable:
            _request_mail(session, introduction, initiative, contact, settings, reminder=False)
        return
    page_url = f"{settings.public_url}/#mijn-initiatieven"
    if status is S.accepted and initiator_reachable:
        unit = session.get(Unit, contact.unit_id)
        message = mail_messages.introduction_accepted(
            initiator_name=initiative.initiator_name,
            title=initiative.title,
            contact_name=contact.name,
            job_title=contact.job_title,
            unit_name=unit.name if unit else "",
            email=contact.email,
            phone=contact.phone,
            page_url=page_url,
        )
        kind = MailKind.introduction_accepted
        recipient = initiative.initiator_email
    elif status is S.declined and initiator_reachable:
        asked = set(
            session.exec(
                select(Introduction.contact_id).where(Introduction.initiative_id == initiative.id)
            ).all()
        )
        message = mail_messages.introduction_declined(
            initiator_name=initiative.initiator_name,
            title=initiative.title,
            who=_who(contact, session.get(Unit, contact.unit_id)),
            reason=introduction.reason,
            suggestions=_suggestions(session, initiative, settings, asked),
            page_url=page_url,
        )
        kind = MailKind.introduction_declined
        recipient = initiative.initiator_email
    elif status is S.cancelled and previous_status == S.requested and contact_reachable:
        message = mail_messages.introduction_cancelled(
            contact_name=contact.name, title=initiative.title
        )
        kind = MailKind.introduction_cancelled
        recipient = contact.email
    else:
        return
    mail.enqueue(
        session,
        kind=kind,
        recipient=recipient,
        message=message,
        municipality_code=code,
        introduction_id=introduction.id,
    )


def send_reminders(*, engine: Engine, settings: Settings, now: datetime | None = None) -> int:
    """Remind each contact of a request still open after the reminder days (and still within
    its window), once. Each reminder is marked on its introduction in the transaction that
    writes its mail, and only by whoever marks it first, so any number of processes (the mail
    workers, a cron job) may run this at once. Returns how many were sent."""
    now = now or utc_now()
    due_before = now - timedelta(days=settings.introduction_reminder_days)
    window_start = now - timedelta(days=settings.introduction_window_days)
    sent = 0
    with Session(engine, expire_on_commit=False) as session:
        due = session.exec(
            select(Introduction.id)
            .where(
                Introduction.status == S.requested,
                Introduction.reminded_at.is_(None),
                Introduction.created_at <= due_before,
                Introduction.created_at > window_start,
            )
            .order_by(Introduction.id)
        ).all()
        session.commit()
        for introduction_id in due:
            claimed = session.execute(
                sa.update(Introduction)
                .where(
                    Introduction.id == introduction_id,
                    Introduction.reminded_at.is_(None),
                    Introduction.status == S.requested,
                )
                .values(reminded_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                session.rollback()
                continue  # answered meanwhile, or another process reminds
            introduction = session.get(Introduction, introduction_id)
            session.refresh(introduction)
            initiative = session.get(Initiative, introduction.initiative_id)
            contact = session.get(Contact, introduction.contact_id)
            if contact is not None and contact.erased_at is None and contact.email:
                _request_mail(session, introduction, initiative, contact, settings, reminder=True)
                sent += 1
            session.commit()
    return sent


def send_digests(
    *, session: Session, settings: Settings, municipality_codes: list[str] | None = None
) -> dict[str, int]:
    """The broken-connections report in short to each municipality's brokers
    (``WEGWIJS_BROKER_EMAILS``), one mail per broker, committed per municipality. Returns the
    mails written per municipality."""
    from api.services.insights import gap_report

    national = Principal(role=Role.admin, subject="wegwijs-digest")
    written: dict[str, int] = {}
    codes = municipality_codes or sorted(settings.broker_emails)
    for code in codes:
        recipients = settings.broker_emails.get(code, [])
        municipality = session.get(Municipality, code)
        if not recipients or municipality is None:
            written[code] = 0
            continue
        # Read in a session of its own: matching may (re)build the index with options for
        # reading only on its connection, which the outbox's inserts must not inherit.
        with Session(session.get_bind()) as reading:
            report = gap_report(
                session=reading, settings=settings, principal=national, municipality_code=code
            )
            titles = dict(
                reading.exec(
                    select(Initiative.id, Initiative.title).where(
                        Initiative.municipality_code == code
                    )
                ).all()
            )
        stalled = report.stalled_introductions.items
        stalled_lines = [
            f"‘{titles.get(item.initiative_id, item.initiative_id)}’ bij {item.unit.name}: "
            + (
                "afgewezen"
                if item.status is S.declined
                else f"wacht al {item.days_waiting} dagen op antwoord"
            )
            for item in sorted(stalled, key=lambda i: -i.days_waiting)[:DIGEST_ITEMS]
        ]
        unmatched = report.unmatched_initiatives
        unmatched_lines = [
            f"‘{item.title}’ (beste match {round(item.best_score * 100)} %)"
            for item in unmatched.items[:DIGEST_ITEMS]
        ]
        overloaded = report.overloaded_contacts.items
        overloaded_lines = [
            f"{item.name}, {item.job_title} ({item.unit.name}): {item.open_introductions} open "
            f"van {item.capacity_per_month} per maand, in de top {report.overloaded_contacts.top_n}"
            f" van {item.top_matches} initiatieven"
            for item in overloaded[:DIGEST_ITEMS]
        ]
        facts = mail_messages.DigestFacts(
            municipality_name=municipality.name,
            stalled=stalled_lines,
            stalled_total=len(stalled),
            unmatched=unmatched_lines,
            unmatched_total=unmatched.gaps,
            initiatives_total=unmatched.initiatives,
            overloaded=overloaded_lines,
            overloaded_total=len(overloaded),
            report_url=f"{settings.public_url}/api/v1/insights/gaps?municipalityCode={code}",
            stalled_after_days=report.stalled_introductions.after_days,
        )
        message = mail_messages.digest(facts, shown=DIGEST_ITEMS)
        for recipient in recipients:
            mail.enqueue(
                session,
                kind=MailKind.digest,
                recipient=recipient,
                message=message,
                municipality_code=code,
            )
        session.commit()
        written[code] = len(recipients)
    return written
