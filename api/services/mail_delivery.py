"""Delivering the mail outbox over SMTP: claim due mails, send them, record and reschedule.

Each process runs one ``MailWorker`` thread (started in the app's lifespan, unless
``WEGWIJS_MAIL_WORKER=false``) that calls ``deliver_due`` about once a second, and at once when
a request of the same process has just committed a mail; it also sends the reminders
(``api.services.notifications.send_reminders``) every ``WEGWIJS_REMINDER_INTERVAL_SECONDS``.
Tests call ``deliver_due`` directly with their own clock.

Several processes share the outbox as they share the webhook outbox: a worker claims a batch in
one statement (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers) with its own
claim token and a lease; only the claim holder records an attempt; a claim whose worker died
expires with its lease. No transaction is held open while the SMTP server is talked to. One SMTP
connection serves a whole batch.

What an answer means:

- accepted (2xx): ``sent``; the bodies are removed, the row stays as the log;
- a permanent refusal of the message (a 5xx to MAIL FROM, RCPT TO or DATA): ``failed`` at once;
- anything temporary (a 4xx, no connection, a timeout, a refused login, a broken TLS
  handshake): retried after ``WEGWIJS_MAIL_RETRY_DELAYS_SECONDS`` and then at the last delay,
  until ``WEGWIJS_MAIL_GIVE_UP_HOURS`` after the mail was written: then ``failed``;
- a mail whose content expired before it could be sent (a sign-in link) is not sent: ``failed``.

Never logged: a token, a password (the SMTP URL is a secret setting), a body, an address.
"""

import email.policy
import logging
import smtplib
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from api.core.settings import Settings
from api.core.workers import DatabaseBackoff
from api.services.outbox import claim_due
from schemas import MailDelivery, MailStatus
from schemas.base import _as_utc
from schemas.columns import utc_now

log = logging.getLogger("wegwijs.mail")

MAX_ERROR = 500
NOT_CONFIGURED = "Not sent: no SMTP server configured."
SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


# --- the SMTP server ------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain, starttls or tls
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never the password
        user = f"{self.username}@" if self.username else ""
        return f"SmtpServer({self.security}://{user}{self.host}:{self.port})"


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://host:port``, ``smtp+starttls://user:password@host:587`` or
    ``smtps://user:password@host:465``; user and password URL-encoded (``%40`` for ``@``).
    A ``ValueError`` says what is wrong without repeating the URL (it holds the password)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("not a valid URL (is the port a number?)") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise ValueError("the scheme must be smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise ValueError("it names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("it may hold only user, password, host and port")
    security, default_port = SCHEMES[scheme]
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise ValueError("a password needs a user name")
    return SmtpServer(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=username,
        password=password,
    )


def smtp_server(settings: Settings) -> SmtpServer | None:
    if settings.smtp_url is None:
        return None
    return parse_smtp_url(settings.smtp_url.get_secret_value())


@dataclass(frozen=True)
class Attempt:
    """What one message came to."""

    ok: bool
    permanent: bool = False
    error: str | None = None
    code: int | None = None

    @property
    def label(self) -> str:
        """For the log: the kind of failure, without the server's words (they may name the
        recipient)."""
        return f"SMTP {self.code}" if self.code else (self.error or "failed").split(":")[0]


class SmtpSender:
    """One connection to the SMTP server for a batch, opened on the first message and opened
    again after the server dropped it. When it cannot be opened, the rest of the batch gets
    the same answer without trying again: a server that is down (or a firewall that drops
    packets until the timeout) costs one attempt per batch, not one per mail."""

    def __init__(self, server: SmtpServer, timeout: float) -> None:
        self.server = server
        self.timeout = timeout
        self._client: smtplib.SMTP | None = None
        self._unreachable: Attempt | None = None

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        try:
            client.ehlo()
            if server.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if server.username:
                client.login(server.username, server.password or "")
        except BaseException:
            _close(client)
            raise
        return client

    def send(self, message: EmailMessage) -> Attempt:
        if self._unreachable is not None:
            return self._unreachable
        try:
            if self._client is None:
                self._client = self._connect()
        except smtplib.SMTPResponseException as exc:  # refused greeting, TLS or login
            self.close()
            error = _text("Refused when connecting", exc, exc.smtp_code)
            self._unreachable = Attempt(ok=False, error=error, code=exc.smtp_code)
            return self._unreachable
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            self._unreachable = Attempt(ok=False, error=f"Cannot connect: {type(exc).__name__}.")
            return self._unreachable
        try:
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, _ = next(iter(exc.recipients.values()), (None, b""))
            self._reset()
            return _refusal("Recipient refused", exc, code)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            self._reset()
            return _refusal("Refused", exc, exc.smtp_code)
        except smtplib.SMTPResponseException as exc:
            self.close()
            return _refusal("Refused", exc, exc.smtp_code)
        except (OSError, smtplib.SMTPException) as exc:  # dropped, timed out
            self.close()
            return Attempt(ok=False, error=f"Connection lost: {type(exc).__name__}.")
        if refused:  # one recipient per mail, so this is that one
            code, _ = next(iter(refused.values()))
            return _refusal("Recipient refused", None, code)
        return Attempt(ok=True)

    def _reset(self) -> None:
        try:
            if self._client is not None:
                self._client.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self._client is not None:
            _close(self._client)
            self._client = None


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _text(what: str, exc: BaseException | None, code: int | None = None) -> str:
    said = ""
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        said = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    return f"{what}: SMTP {code} {said}".strip()[:MAX_ERROR]


def _refusal(what: str, exc: BaseException | None, code: int | None) -> Attempt:
    return Attempt(
        ok=False,
        permanent=code is not None and code >= 500,
        error=_text(what, exc, code),
        code=code,
    )


# --- the message ----------------------------------------------------------------------------


class _CachedHeaderRegistry(HeaderRegistry):
    """The standard library's header registry makes a new class for every header of every
    message (``type(...)`` in ``HeaderRegistry.__getitem__``); classes sit in reference cycles
    that only a full garbage collection frees, so 1,000 queued mails grew a worker by
    ~130 MB (bench/mail_latency.py). The classes depend on the header name only: keep one
    per name."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


POLICY = email.policy.default.clone(header_factory=_CachedHeaderRegistry())


def build_message(mail: MailDelivery, settings: Settings) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative, marked as sent by a machine
    (``Auto-Submitted``, RFC 3834) so that out-of-office replies stay away."""
    _, sender = parseaddr(settings.mail_from)
    domain = sender.rpartition("@")[2] or "localhost"
    created = _as_utc(mail.created_at)
    message = EmailMessage(policy=POLICY)
    message["From"] = settings.mail_from
    message["To"] = Address(addr_spec=mail.recipient)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(created)
    # The same on every attempt, so a receiver that got it twice can tell.
    message["Message-ID"] = f"<wegwijs.{mail.id}.{int(created.timestamp())}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(mail.body_text or "")
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html")
    message["Content-Language"] = "nl"  # after the content: setting it clears Content-*
    return message


# --- the outbox ----------------------------------------------------------------------------

Connect = Callable[[SmtpServer, float], SmtpSender]


@dataclass(frozen=True)
class _Job:
    mail_id: int
    kind: str
    attempts: int
    created_at: datetime
    message: EmailMessage | None
    problem: str | None = None


def _settle(status: MailStatus, now: datetime, error: str | None) -> dict:
    values: dict = {
        "status": status,
        "next_attempt_at": None,
        "claim_token": None,
        "claimed_until": None,
        "last_error": error,
        # A settled mail keeps its metadata; its text (tokens, personal details) goes.
        "body_text": None,
        "body_html": None,
    }
    if status is MailStatus.sent:
        values["sent_at"] = now
    return values


def _expire(session: Session, now: datetime) -> None:
    """Mails whose content expired before they could be sent (a sign-in link) are not sent."""
    expired = sa.and_(
        MailDelivery.status == MailStatus.pending,
        MailDelivery.expires_at.is_not(None),
        MailDelivery.expires_at <= now,
        sa.or_(MailDelivery.claimed_until.is_(None), MailDelivery.claimed_until < now),
    )
    if not session.exec(select(sa.exists().where(expired))).one():
        return
    session.execute(
        sa.update(MailDelivery)
        .where(expired)
        .values(**_settle(MailStatus.failed, now, "Expired before it could be sent."))
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _claim(session: Session, *, token: str, now: datetime, lease: timedelta, limit: int) -> None:
    due = sa.and_(
        MailDelivery.status == MailStatus.pending,
        MailDelivery.next_attempt_at <= now,
        sa.or_(MailDelivery.claimed_until.is_(None), MailDelivery.claimed_until < now),
    )
    claim_due(session, MailDelivery, due, token=token, now=now, lease=lease, limit=limit)


def _claimed_jobs(session: Session, token: str, settings: Settings) -> list[_Job]:
    jobs = []
    for mail in session.exec(
        select(MailDelivery)
        .where(MailDelivery.claim_token == token)
        .order_by(MailDelivery.next_attempt_at, MailDelivery.id)
    ).all():
        try:
            message, problem = build_message(mail, settings), None
        except (ValueError, TypeError, IndexError) as exc:  # an address no header can hold
            message, problem = None, f"Cannot be sent: {type(exc).__name__}."
        jobs.append(
            _Job(
                mail_id=mail.id,
                kind=mail.kind,
                attempts=mail.attempts,
                created_at=_as_utc(mail.created_at),
                message=message,
                problem=problem,
            )
        )
    return jobs


def _record(
    session: Session, *, job: _Job, token: str, attempt: Attempt, now: datetime, settings: Settings
) -> None:
    attempts = job.attempts + 1
    values: dict = {"attempts": attempts, "last_attempt_at": now}
    if attempt.ok:
        values |= _settle(MailStatus.sent, now, None)
    elif attempt.permanent:
        values |= _settle(MailStatus.failed, now, attempt.error)
    else:
        delays = settings.mail_retry_delays_seconds
        next_at = now + timedelta(seconds=delays[min(attempts, len(delays)) - 1])
        if next_at > job.created_at + timedelta(hours=settings.mail_give_up_hours):
            error = f"{attempt.error} Given up after {attempts} attempts."
            values |= _settle(MailStatus.failed, now, error[:MAX_ERROR])
        else:
            values |= {
                "next_attempt_at": next_at,
                "last_error": attempt.error,
                "claim_token": None,
                "claimed_until": None,
            }
    session.execute(
        sa.update(MailDelivery)
        .where(MailDelivery.id == job.mail_id, MailDelivery.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if not attempt.ok:
        outcome = values.get("status", "retried")
        log.info("mail %s (%s) not sent (%s): %s", job.mail_id, job.kind, attempt.label, outcome)


def _release(session: Session, token: str) -> None:
    session.execute(
        sa.update(MailDelivery)
        .where(MailDelivery.claim_token == token)
        .values(claim_token=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _announce_unsent(session: Session) -> int:
    """Without an SMTP server mails stay in the outbox: each is marked and logged once."""
    new = sa.and_(MailDelivery.status == MailStatus.pending, MailDelivery.last_error.is_(None))
    if not session.exec(select(sa.exists().where(new))).one():
        return 0  # the usual case, answered by a read: no write lock every poll
    rows = session.execute(
        sa.update(MailDelivery)
        .where(new)
        .values(last_error=NOT_CONFIGURED)
        .returning(MailDelivery.id, MailDelivery.kind)
    ).all()
    session.commit()
    for mail_id, kind in rows:
        log.info("mail %s (%s) not sent: no SMTP server configured", mail_id, kind)
    return len(rows)


def deliver_due(
    *,
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    connect: Connect = SmtpSender,
    stop: threading.Event | None = None,
) -> int:
    """Claim up to a batch of due mails, send each once over one SMTP connection, record the
    outcomes. ``now`` is the clock for what is due and for retries (tests pass their own).
    Returns how many mails were attempted."""
    clock = _as_utc(now) if now is not None else None
    start = clock or utc_now()
    server = smtp_server(settings)
    with Session(engine, expire_on_commit=False) as session:
        if server is None:
            _announce_unsent(session)
            return 0
        _expire(session, start)
        token = str(uuid.uuid4())
        lease = timedelta(seconds=settings.mail_timeout_seconds * settings.mail_batch_size + 60)
        _claim(session, token=token, now=start, lease=lease, limit=settings.mail_batch_size)
        jobs = _claimed_jobs(session, token, settings)
        session.commit()  # no transaction stays open while the SMTP server is talked to
        if not jobs:
            return 0
        sender = connect(server, settings.mail_timeout_seconds)
        attempted = 0
        try:
            for job in jobs:
                if stop is not None and stop.is_set():
                    break
                if job.message is None:
                    attempt = Attempt(ok=False, permanent=True, error=job.problem)
                else:
                    attempt = sender.send(job.message)
                _record(
                    session,
                    job=job,
                    token=token,
                    attempt=attempt,
                    now=clock or utc_now(),
                    settings=settings,
                )
                attempted += 1
        finally:
            sender.close()
            if attempted < len(jobs):
                _release(session, token)  # stopping: leave the rest to the next round
    return attempted


# --- waking the worker ----------------------------------------------------------------------

_new_mail = threading.Event()
_PENDING = "wegwijs_mail_enqueued"


def note_enqueued(session: Session) -> None:
    """Called when a mail is added to a session: after its commit this process's worker
    delivers at once instead of at its next poll."""
    session.info[_PENDING] = True


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        _new_mail.set()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


class MailWorker:
    """A daemon thread that delivers the mail outbox and sends reminders until stopped.

    ``send_reminders`` is handed in (``notifications.send_reminders`` in the app) because
    notifications writes mail through this module: importing it back would be a cycle."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        send_reminders: Callable[..., int] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.send_reminders = send_reminders
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wegwijs-mail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        _new_mail.set()
        self._thread.join(timeout=self.settings.mail_timeout_seconds + 5)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        backoff = DatabaseBackoff("mail", self.settings, logger=log)
        reminders_due = 0.0
        while not self._stop.is_set():
            try:
                if self.send_reminders and utc_now().timestamp() >= reminders_due:
                    self.send_reminders(engine=self.engine, settings=self.settings)
                    reminders_due = utc_now().timestamp() + self.settings.reminder_interval_seconds
                _new_mail.clear()
                attempted = deliver_due(engine=self.engine, settings=self.settings, stop=self._stop)
            except Exception as exc:
                self._stop.wait(backoff.failed(exc))
                continue
            backoff.succeeded()
            # A full batch suggests more are due: go again at once.
            if attempted < self.settings.mail_batch_size:
                _new_mail.wait(self.settings.mail_poll_seconds)
