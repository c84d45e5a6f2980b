"""Delivering the webhook outbox: claim due rows, POST them signed, record and reschedule.

Each process runs one ``WebhookWorker`` thread (started in the app's lifespan) that calls
``deliver_due`` about once a second; tests call ``deliver_due`` directly with their own clock.

Several processes share the outbox safely: a worker claims a batch in one statement
(``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)`` on PostgreSQL; SQLite serialises
writers), marking it with its own claim token and a lease. Only the claim holder records an
attempt, and a claim whose worker died mid-delivery expires with its lease and is retried:
delivery is at least once, and receivers deduplicate by ``webhook-id``. No transaction is held
open while a receiver is called.

Signed as the Standard Webhooks specification says, so its libraries (``standardwebhooks``,
Svix) verify our deliveries as they are::

    webhook-id: <event id>                    same on every attempt: deduplicate by it
    webhook-timestamp: <unix seconds>          of this attempt
    webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>

The secret is ``whsec_`` and the base64 of the key bytes. Secrets made before this scheme
(``whsec_`` and 43 URL-safe characters, which never decode as padded base64) keep their key:
the secret's own UTF-8 bytes, so such a receiver's spec secret is ``standard_secret(old)``.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, select

from api import API_VERSION
from api.core.outbound import RefusedTarget, open_connection
from api.core.settings import Settings
from api.core.workers import DatabaseBackoff
from api.services.outbox import claim_due
from schemas import DeliveryStatus, WebhookDelivery, WebhookSubscription
from schemas.base import _as_utc
from schemas.columns import utc_now

log = logging.getLogger("wegwijs.webhooks")

USER_AGENT = f"Wegwijs-Webhooks/{API_VERSION}"
MAX_ERROR = 500


SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's visible prefix, not a secret


def signing_key(secret: str) -> bytes:
    """The HMAC key of a subscription's secret: the spec's base64 after ``whsec_``, or for a
    secret from before the spec (not padded base64) its own UTF-8 bytes, as it always was."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        return secret.encode()


def standard_secret(secret: str) -> str:
    """The secret in the spec's form (``whsec_<base64 key>``) for the same key: unchanged for
    new secrets; what a receiver of an older subscription gives its Standard Webhooks library."""
    return SECRET_PREFIX + base64.b64encode(signing_key(secret)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` and the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` (Standard Webhooks)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: the receiver's status code and/or why it failed."""

    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post_json(
    url: str, body: bytes, headers: dict[str, str], timeout: float, *, allow_private: bool = False
) -> Attempt:
    """POST with the standard library (one request with a timeout needs no HTTP client
    dependency), to an address checked to be public at this very moment and connected to
    as checked (``api.core.outbound``). The answer's body is never read; a redirect is an answer,
    not a new address: following it would re-send the signed event wherever it points."""
    try:
        connection, target = open_connection(url, timeout=timeout, allow_private=allow_private)
    except RefusedTarget as exc:
        return Attempt(status_code=None, error=f"Refused: {exc}"[:MAX_ERROR])
    except (OSError, UnicodeError, ValueError) as exc:
        return Attempt(status_code=None, error=f"Cannot resolve the host: {exc}."[:MAX_ERROR])
    try:
        connection.request("POST", target, body=body, headers=headers)
        status = connection.getresponse().status
    except TimeoutError:
        return Attempt(status_code=None, error=f"No answer within {timeout:g} s.")
    except OSError as exc:
        return Attempt(status_code=None, error=f"Cannot connect: {exc}."[:MAX_ERROR])
    except Exception as exc:  # a broken receiver must never stop the worker
        return Attempt(status_code=None, error=f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
    finally:
        connection.close()
    if 200 <= status < 300:
        return Attempt(status_code=status)
    reason = "Redirects are not followed." if 300 <= status < 400 else f"HTTP {status}."
    return Attempt(status_code=status, error=reason)


Sender = Callable[[str, bytes, dict[str, str], float], Attempt]


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    event_id: str
    payload: str
    attempts: int
    url: str
    secret: str


def _claim(session: Session, *, token: str, now: datetime, lease: timedelta, limit: int) -> None:
    due = sa.and_(
        WebhookDelivery.status == DeliveryStatus.pending,
        WebhookDelivery.next_attempt_at <= now,
        sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now),
        # An inactive subscription's deliveries wait until it is active again.
        WebhookDelivery.subscription_id.in_(
            select(WebhookSubscription.id).where(WebhookSubscription.active)
        ),
    )
    claim_due(session, WebhookDelivery, due, token=token, now=now, lease=lease, limit=limit)


def _claimed_jobs(session: Session, token: str) -> list[_Job]:
    rows = session.exec(
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.claim_token == token)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    ).all()
    return [
        _Job(
            delivery_id=delivery.id,
            event_id=delivery.event_id,
            payload=delivery.payload,
            attempts=delivery.attempts,
            url=subscription.url,
            secret=subscription.secret,
        )
        for delivery, subscription in rows
    ]


def _record(
    session: Session,
    *,
    job: _Job,
    token: str,
    attempt: Attempt,
    now: datetime,
    retry_delays: list[float],
) -> None:
    attempts = job.attempts + 1
    values: dict = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_status_code": attempt.status_code,
        "last_error": None if attempt.ok else (attempt.error or "Failed.")[:MAX_ERROR],
        "claim_token": None,
        "claimed_until": None,
    }
    if attempt.ok:
        values |= {"status": DeliveryStatus.delivered, "delivered_at": now, "next_attempt_at": None}
    elif attempts <= len(retry_delays):
        values["next_attempt_at"] = now + timedelta(seconds=retry_delays[attempts - 1])
    else:
        values |= {"status": DeliveryStatus.failed, "next_attempt_at": None}
    # Only while the claim is still ours (the row is gone if its subscription was deleted).
    session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == job.delivery_id, WebhookDelivery.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _release(session: Session, token: str) -> None:
    session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.claim_token == token)
        .values(claim_token=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def deliver_due(
    *,
    engine: Engine,
    settings: Settings,
    now: datetime | None = None,
    send: Sender | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Claim up to a batch of due deliveries, attempt each once, record the outcomes.

    ``now`` is the clock for what is due and for scheduling retries (tests pass their own).
    Returns how many deliveries were attempted.
    """
    if send is None:
        send = partial(post_json, allow_private=settings.webhook_allow_private_targets)
    clock = _as_utc(now) if now is not None else None
    start = clock or utc_now()
    token = str(uuid.uuid4())
    # Long enough for the whole batch to time out one by one, with room to spare.
    lease = timedelta(seconds=settings.webhook_timeout_seconds * settings.webhook_batch_size + 60)
    with Session(engine, expire_on_commit=False) as session:
        _claim(session, token=token, now=start, lease=lease, limit=settings.webhook_batch_size)
        jobs = _claimed_jobs(session, token)
        session.commit()  # no transaction stays open while receivers are called
        attempted = 0
        for job in jobs:
            if stop is not None and stop.is_set():
                break
            sent_at = clock or utc_now()
            timestamp = int(sent_at.timestamp())
            body = job.payload.encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "webhook-id": job.event_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signature(job.secret, job.event_id, timestamp, body),
            }
            attempt = send(job.url, body, headers, settings.webhook_timeout_seconds)
            if not attempt.ok:
                log.info(
                    "webhook delivery %s failed: %s", job.delivery_id, attempt.error or "failed"
                )
            _record(
                session,
                job=job,
                token=token,
                attempt=attempt,
                now=clock or utc_now(),
                retry_delays=settings.webhook_retry_delays_seconds,
            )
            attempted += 1
        if attempted < len(jobs):
            _release(session, token)  # stopping: leave the rest to the next worker at once
    return attempted


class WebhookWorker:
    """A daemon thread that delivers the outbox until stopped."""

    def __init__(self, *, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wegwijs-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.settings.webhook_timeout_seconds + 5)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        # While the database is away: one log line when lost, one when back, and back-off.
        backoff = DatabaseBackoff("webhooks", self.settings, logger=log)
        while not self._stop.is_set():
            try:
                attempted = deliver_due(engine=self.engine, settings=self.settings, stop=self._stop)
            except Exception as exc:
                self._stop.wait(backoff.failed(exc))
                continue
            backoff.succeeded()
            # A full batch suggests more are due: go again at once.
            if attempted < self.settings.webhook_batch_size:
                self._stop.wait(self.settings.webhook_poll_seconds)
