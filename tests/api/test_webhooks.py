"""Webhooks: subscriptions, the outbox written with each introduction change, and signed
delivery with retries to a real HTTP receiver on 127.0.0.1."""

import base64
import hmac
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.core import outbound
from api.core.settings import Settings
from api.http.app import create_app
from api.services.webhook_delivery import deliver_due, standard_secret
from schemas import WebhookDelivery, WebhookSubscription
from tests.helpers import API, INITIATOR_EMAIL, assert_problem, initiative_body

Headers = dict[str, str]
PORTAL = "https://portaal.example/wegwijs/hooks"


# A receiver: a real HTTP server that records what it gets and answers from a script.


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    answers: list[int]  # status codes to answer, in order; the last one repeats
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def next_status(self) -> int:
        with self.lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"received {len(self.received)} of {count}"


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def _start(*answers: int, delay: float = 0.0) -> Receiver:
        state = Receiver(url="", answers=list(answers) or [200], delay=delay)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with state.lock:
                    # Header names are case-insensitive; keep them as the spec writes them.
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    state.received.append(Received(headers, body))
                if state.delay:
                    time.sleep(state.delay)
                try:
                    self.send_response(state.next_status())
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        state.server = server
        state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        started.append(state)
        return state

    yield _start
    for state in started:
        state.close()


def closed_port_url() -> str:
    """A URL on a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"


def verify(secret: str, received: Received) -> bool:
    """What a portal does, with the Standard Webhooks reference library: its signature of
    the delivery, compared. (Its ``verify`` also checks the timestamp against the wall clock,
    which these tests move; test_webhook_signatures.py uses it with the real clock.)"""
    timestamp = datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(received.headers["webhook-id"], timestamp, received.body)
    return hmac.compare_digest(received.headers["webhook-signature"], expected)


def subscribe(client: TestClient, headers: Headers, url: str, **fields: object) -> dict:
    response = client.post(f"{API}/webhooks", json={"url": url, **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(client: TestClient, headers: Headers, webhook_id: int, **params: str) -> dict:
    response = client.get(f"{API}/webhooks/{webhook_id}/deliveries", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def clock() -> Callable[[float], datetime]:
    """``clock(s)``: s seconds from the start of the test (deliveries are due from then)."""
    start = datetime.now(UTC) + timedelta(seconds=1)
    return lambda seconds=0.0: start + timedelta(seconds=seconds)


def settings_with(settings: Settings, **changes: object) -> Settings:
    base = {"webhook_retry_delays_seconds": [10, 60], "webhook_timeout_seconds": 2.0}
    return settings.model_copy(update={**base, **changes})


def request_introduction(client: TestClient, initiator: Headers, contact_id: int) -> str:
    initiative = client.post(
        f"{API}/initiatives",
        json=initiative_body(initiator={"name": "Ilse Initiatief", "email": INITIATOR_EMAIL}),
        headers=initiator,
    )
    assert initiative.status_code == 201, initiative.text
    body = {
        "initiativeId": initiative.json()["id"],
        "contactId": contact_id,
        "message": "Wij zoeken een ruimte voor ons taalcafé.",
    }
    created = client.post(f"{API}/introductions", json=body, headers=initiator)
    assert created.status_code == 201, created.text
    return created.headers["Location"]


def outbox_size(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(WebhookDelivery)).one()


# Subscriptions.


def test_the_secret_is_shown_once(client: TestClient, broker: Headers, admin: Headers) -> None:
    created = client.post(
        f"{API}/webhooks", json={"url": PORTAL, "description": "Portaal Amsterdam"}, headers=broker
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    assert created.headers["Location"] == f"{API}/webhooks/{hook['id']}"
    assert set(hook) == {
        "id",
        "url",
        "description",
        "active",
        "events",
        "statuses",
        "municipalityCodes",
        "createdAt",
        "updatedAt",
        "pendingDeliveries",
        "failedDeliveries",
        "secret",
    }
    assert (hook["url"], hook["active"], hook["events"], hook["statuses"]) == (
        PORTAL,
        True,
        [],
        [],
    )
    assert (hook["pendingDeliveries"], hook["failedDeliveries"]) == (0, 0)
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) >= 40

    listing = client.get(f"{API}/webhooks", headers=admin)
    one = client.get(f"{API}/webhooks/{hook['id']}", headers=admin)
    assert listing.json()["total"] == 1
    assert listing.json()["items"] == [one.json()]
    assert one.json() == {k: v for k, v in hook.items() if k != "secret"}
    for response in (listing, one):
        assert hook["secret"] not in response.text
        assert "secret" not in response.json() and "secret" not in str(response.json())
    other = subscribe(client, broker, PORTAL)
    assert other["secret"] != hook["secret"]


def test_update_and_delete(client: TestClient, broker: Headers) -> None:
    hook = subscribe(client, broker, PORTAL)
    path = f"{API}/webhooks/{hook['id']}"
    patched = client.patch(
        path,
        json={
            "url": "http://portaal.example:8080/x?y=1",
            "active": False,
            "statuses": ["completed"],
        },
        headers=broker,
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["url"] == "http://portaal.example:8080/x?y=1"
    assert (body["active"], body["statuses"], body["description"]) == (False, ["completed"], "")
    updated, before = (datetime.fromisoformat(h["updatedAt"]) for h in (body, hook))
    assert updated >= before
    assert_problem(client.patch(path, json={"url": None}, headers=broker), 400, names=["url"])
    assert_problem(
        client.patch(path, json={"secret": "mine"}, headers=broker), 400, names=["secret"]
    )

    assert client.delete(path, headers=broker).status_code == 204
    assert_problem(client.get(path, headers=broker), 404)
    assert_problem(client.delete(path, headers=broker), 404)
    assert_problem(client.get(f"{path}/deliveries", headers=broker), 404)
    assert_problem(client.get(f"{API}/webhooks/0", headers=broker), 400)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://portaal.example/hooks", "http(s)"),
        ("javascript:alert(1)", "http(s)"),
        ("portaal.example/hooks", "http(s)"),
        ("https://", "http(s)"),
        ("https:///hooks", "host"),
        ("https://portaal.example/hooks#top", "fragment"),
        ("https://user:pass@portaal.example/hooks", "password"),
        ("https://portaal.example:99999/hooks", "URL"),
        ("https://portaal.example:0/hooks", "Port 0"),
        ("https://portaal .example/hooks", "http(s)"),
        ("https://portaal.example/" + "x" * 500, "500"),
        ("", "http(s)"),
    ],
)
def test_invalid_urls_are_refused(client: TestClient, broker: Headers, url: str, why: str) -> None:
    response = client.post(f"{API}/webhooks", json={"url": url}, headers=broker)
    body = assert_problem(response, 400, names=["url"])
    assert why in body["invalidParams"][0]["reason"]
    assert client.get(f"{API}/webhooks", headers=broker).json()["total"] == 0


def test_every_problem_is_listed(client: TestClient, broker: Headers) -> None:
    response = client.post(
        f"{API}/webhooks",
        json={
            "url": "ftp://x",
            "description": "x" * 201,
            "active": "soms",
            "events": ["introduction.deleted"],
            "statuses": ["requested", "lost"],
            "secret": "my own",
        },
        headers=broker,
    )
    assert_problem(
        response,
        400,
        names=["url", "description", "active", "events[0]", "statuses[1]", "secret"],
    )
    assert_problem(client.post(f"{API}/webhooks", json={}, headers=broker), 400, names=["url"])
    hook = subscribe(client, broker, PORTAL)
    assert_problem(
        client.get(f"{API}/webhooks/{hook['id']}/deliveries?status=lost", headers=broker),
        400,
        names=["status"],
    )


def test_only_staff_manage_webhooks(
    client: TestClient, role_headers: dict[str, Headers], broker: Headers
) -> None:
    hook = subscribe(client, broker, PORTAL)
    for role, status in (("anonymous", 401), ("contact", 403), ("initiator", 403)):
        headers = role_headers[role]
        assert_problem(client.get(f"{API}/webhooks", headers=headers), status)
        assert_problem(client.get(f"{API}/webhooks/{hook['id']}", headers=headers), status)
        # An id that does not exist answers the same: nothing is revealed.
        assert_problem(client.get(f"{API}/webhooks/999", headers=headers), status)
        assert_problem(
            client.post(f"{API}/webhooks", json={"url": PORTAL}, headers=headers), status
        )
    assert client.get(f"{API}/webhooks", headers=role_headers["admin"]).json()["total"] == 1


# Events and delivery.


def test_request_accept_complete_arrive_signed_and_in_order(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    initiator: Headers,
    contact_key: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    portal = receiver(200)
    only_completed = receiver(200)
    paused = receiver(200)
    hook = subscribe(client, broker, portal.url, description="Portaal")
    completed_hook = subscribe(client, broker, only_completed.url, statuses=["completed"])
    subscribe(client, broker, paused.url, active=False)

    annelies = municipality.contacts["annelies"]
    introduction = request_introduction(client, initiator, annelies)
    accepted = client.patch(introduction, json={"status": "accepted"}, headers=contact_key)
    assert accepted.status_code == 200, accepted.text
    # Feedback alone is no status change: no event.
    feedback = client.patch(introduction, json={"feedback": "Fijn gesprek."}, headers=initiator)
    assert feedback.status_code == 200, feedback.text
    completed = client.patch(
        introduction, json={"status": "completed", "outcome": "helpful"}, headers=initiator
    )
    assert completed.status_code == 200, completed.text

    # Written in the same transactions as the changes; nothing is sent until a worker runs.
    assert portal.received == []
    assert (
        client.get(f"{API}/webhooks/{hook['id']}", headers=broker).json()["pendingDeliveries"] == 3
    )
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 4
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 0

    assert len(portal.received) == 3
    assert paused.received == []
    events = [r.event for r in portal.received]
    introduction_id = int(introduction.rsplit("/", 1)[1])
    initiative_id = accepted.json()["initiative"]["id"]
    assert [(e["data"]["previousStatus"], e["data"]["status"]) for e in events] == [
        (None, "requested"),
        ("requested", "accepted"),
        ("accepted", "completed"),
    ]
    for received, event in zip(portal.received, events, strict=True):
        assert verify(hook["secret"], received)
        assert not verify(completed_hook["secret"], received)
        assert received.headers["content-type"] == "application/json"
        assert received.headers["webhook-id"] == event["id"]
        assert received.headers["webhook-timestamp"].isdigit()
        assert set(event) == {"id", "type", "occurredAt", "data"}
        assert event["type"] == "introduction.status_changed"
        assert event["occurredAt"].endswith("Z")
        assert event["data"] == {
            "introductionId": introduction_id,
            "initiativeId": initiative_id,
            "contactId": annelies,
            "status": event["data"]["status"],
            "previousStatus": event["data"]["previousStatus"],
        }
        # No personal data: names, emails and messages stay in Wegwijs.
        text = received.body.decode()
        for personal in (
            INITIATOR_EMAIL,
            "Ilse",
            "Annelies",
            "devries",
            "taalcafé",
            "taalcaf\\u00e9",
            "Fijn gesprek",
        ):
            assert personal not in text
    assert len({e["id"] for e in events}) == 3
    moments = [datetime.fromisoformat(e["occurredAt"]) for e in events]
    assert moments == sorted(moments)

    # The statuses filter: only the completion, with its own secret.
    assert [r.event["data"]["status"] for r in only_completed.received] == ["completed"]
    assert verify(completed_hook["secret"], only_completed.received[0])
    assert only_completed.received[0].event["id"] == events[2]["id"]

    log = deliveries(client, broker, hook["id"])
    assert log["total"] == 3
    assert [d["event"] for d in log["items"]] == events[::-1]  # newest first
    for item in log["items"]:
        assert item["status"] == "delivered"
        assert (item["attempts"], item["lastStatusCode"], item["lastError"]) == (1, 200, None)
        assert item["nextAttemptAt"] is None and item["deliveredAt"] is not None
        assert item["eventId"] == item["event"]["id"]
    shown = client.get(f"{API}/webhooks/{hook['id']}", headers=broker).json()
    assert (shown["pendingDeliveries"], shown["failedDeliveries"]) == (0, 0)


def test_a_refused_change_sends_nothing(
    client: TestClient,
    engine: Engine,
    broker: Headers,
    initiator: Headers,
    contact_key: Headers,
    municipality,
) -> None:
    """The outbox rows share the change's transaction: a change that fails leaves none."""
    introduction = request_introduction(client, initiator, municipality.contacts["annelies"])
    subscribe(client, broker, PORTAL)
    # The status change is recorded, then the feedback is refused: all of it is rolled back.
    refused = client.patch(
        introduction, json={"status": "cancelled", "feedback": "Toch niet."}, headers=initiator
    )
    assert_problem(refused, 409)
    assert_problem(client.patch(introduction, json={"status": "completed"}, headers=broker), 409)
    assert client.get(introduction, headers=broker).json()["status"] == "requested"
    assert outbox_size(engine) == 0
    assert (
        client.patch(introduction, json={"status": "declined"}, headers=contact_key).status_code
        == 200
    )
    assert outbox_size(engine) == 1


def test_a_failed_attempt_is_retried_after_the_delay(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    initiator: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    portal = receiver(500, 200)
    hook = subscribe(client, broker, portal.url)
    request_introduction(client, initiator, municipality.contacts["annelies"])
    hooks = settings_with(settings, webhook_retry_delays_seconds=[10, 60])

    assert deliver_due(engine=engine, settings=hooks, now=clock(0)) == 1
    [pending] = deliveries(client, broker, hook["id"])["items"]
    assert pending["status"] == "pending"
    assert (pending["attempts"], pending["lastStatusCode"]) == (1, 500)
    assert "500" in pending["lastError"]
    next_attempt = datetime.fromisoformat(pending["nextAttemptAt"])
    assert abs((next_attempt - clock(10)).total_seconds()) < 0.01
    shown = client.get(f"{API}/webhooks/{hook['id']}", headers=broker).json()
    assert (shown["pendingDeliveries"], shown["failedDeliveries"]) == (1, 0)

    # Not before it is due.
    assert deliver_due(engine=engine, settings=hooks, now=clock(9)) == 0
    assert deliver_due(engine=engine, settings=hooks, now=clock(10.5)) == 1
    [done] = deliveries(client, broker, hook["id"])["items"]
    assert (done["status"], done["attempts"], done["lastStatusCode"]) == ("delivered", 2, 200)
    assert (done["lastError"], done["nextAttemptAt"]) == (None, None)

    # The same event twice (same Webhook-Id), each attempt signed with its own timestamp.
    first, second = portal.received
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    waited = int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"])
    assert waited in (10, 11)
    assert verify(hook["secret"], first) and verify(hook["secret"], second)


def test_a_receiver_that_always_fails_ends_failed(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    initiator: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    portal = receiver(503)
    slow = receiver(200, delay=1.0)
    hook = subscribe(client, broker, portal.url)
    slow_hook = subscribe(client, broker, slow.url)
    dead_hook = subscribe(client, broker, closed_port_url())
    request_introduction(client, initiator, municipality.contacts["annelies"])
    hooks = settings_with(
        settings, webhook_retry_delays_seconds=[1, 2], webhook_timeout_seconds=0.3
    )

    for seconds in (0, 1, 3):  # the first attempt and two retries, each when due
        assert deliver_due(engine=engine, settings=hooks, now=clock(seconds)) == 3
    assert deliver_due(engine=engine, settings=hooks, now=clock(3600)) == 0
    assert len(portal.received) == 3

    failed = deliveries(client, broker, hook["id"], status="failed")
    assert failed["total"] == 1
    [item] = failed["items"]
    assert (item["status"], item["attempts"], item["lastStatusCode"]) == ("failed", 3, 503)
    assert item["nextAttemptAt"] is None and item["deliveredAt"] is None
    assert deliveries(client, broker, hook["id"], status="pending")["total"] == 0
    assert deliveries(client, broker, hook["id"], status="delivered")["total"] == 0
    shown = client.get(f"{API}/webhooks/{hook['id']}", headers=broker).json()
    assert (shown["pendingDeliveries"], shown["failedDeliveries"]) == (0, 1)
    listed = client.get(f"{API}/webhooks", headers=broker).json()["items"]
    assert [h["failedDeliveries"] for h in listed] == [1, 1, 1]

    [timed_out] = deliveries(client, broker, slow_hook["id"])["items"]
    assert timed_out["status"] == "failed" and timed_out["lastStatusCode"] is None
    assert "0.3 s" in timed_out["lastError"]
    [refused] = deliveries(client, broker, dead_hook["id"])["items"]
    assert refused["status"] == "failed" and refused["lastStatusCode"] is None
    assert "connect" in refused["lastError"].lower(), refused


def test_deleting_a_subscription_removes_its_deliveries(
    client: TestClient,
    engine: Engine,
    broker: Headers,
    initiator: Headers,
    municipality,
) -> None:
    hook = subscribe(client, broker, PORTAL)
    kept = subscribe(client, broker, PORTAL + "/kept")
    request_introduction(client, initiator, municipality.contacts["annelies"])
    assert outbox_size(engine) == 2
    assert client.delete(f"{API}/webhooks/{hook['id']}", headers=broker).status_code == 204
    assert outbox_size(engine) == 1
    assert deliveries(client, broker, kept["id"])["total"] == 1


def test_pausing_holds_deliveries_until_resumed(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    initiator: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    portal = receiver(200)
    hook = subscribe(client, broker, portal.url)
    path = f"{API}/webhooks/{hook['id']}"
    request_introduction(client, initiator, municipality.contacts["annelies"])
    client.patch(path, json={"active": False}, headers=broker)
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 0
    assert client.get(path, headers=broker).json()["pendingDeliveries"] == 1
    client.patch(path, json={"active": True}, headers=broker)
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 1
    assert portal.received[0].event["data"]["status"] == "requested"


def test_a_dead_workers_claim_expires(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    initiator: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    """A worker that dies after claiming loses nothing: the claim's lease runs out."""
    portal = receiver(200)
    subscribe(client, broker, portal.url)
    request_introduction(client, initiator, municipality.contacts["annelies"])
    hooks = settings_with(settings, webhook_batch_size=5, webhook_timeout_seconds=2.0)
    lease = 2.0 * 5 + 60

    def crash(*_args: object) -> None:
        raise SystemExit("the process died")

    with pytest.raises(SystemExit):
        deliver_due(engine=engine, settings=hooks, now=clock(0), send=crash)  # type: ignore[arg-type]
    assert deliver_due(engine=engine, settings=hooks, now=clock(lease - 1)) == 0
    assert portal.received == []
    assert deliver_due(engine=engine, settings=hooks, now=clock(lease + 1)) == 1
    assert len(portal.received) == 1


def test_workers_in_parallel_deliver_each_event_once(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    admin: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    portal = receiver(200, delay=0.02)
    subscribe(client, broker, portal.url)
    # Twelve events: four introductions, each requested, accepted and completed.
    for key in ("annelies", "bram", "chantal", "eva"):
        initiative = client.post(f"{API}/initiatives", json=initiative_body(), headers=admin)
        body = {"initiativeId": initiative.json()["id"], "contactId": municipality.contacts[key]}
        location = client.post(f"{API}/introductions", json=body, headers=admin).headers["Location"]
        client.patch(location, json={"status": "accepted"}, headers=admin)
        client.patch(location, json={"status": "completed", "outcome": "helpful"}, headers=admin)
    assert outbox_size(engine) == 12
    hooks = settings_with(settings, webhook_batch_size=2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while True:
                done = deliver_due(engine=engine, settings=hooks, now=clock(0))
                counts.append(done)
                if not done:
                    return
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    ids = [r.headers["webhook-id"] for r in portal.received]
    assert len(ids) == 12 == len(set(ids)) == sum(counts)
    with Session(engine) as session:
        statuses = session.exec(select(WebhookDelivery.status, WebhookDelivery.attempts)).all()
    assert set(statuses) == {("delivered", 1)}


def test_the_lifespan_worker_delivers(
    client: TestClient,
    settings: Settings,
    admin_token: str,
    broker: Headers,
    initiator: Headers,
    municipality,
    receiver: Callable[..., Receiver],
) -> None:
    assert client.app.state.webhook_worker is None  # the tests' own app runs none
    portal = receiver(200)
    hook = subscribe(client, broker, portal.url)
    running = create_app(
        settings.model_copy(update={"webhook_worker": True, "webhook_poll_seconds": 0.1})
    )
    try:
        with TestClient(running) as other:
            worker = running.state.webhook_worker
            assert worker is not None and worker.alive
            body = {
                "initiativeId": client.post(
                    f"{API}/initiatives", json=initiative_body(), headers=initiator
                ).json()["id"],
                "contactId": municipality.contacts["annelies"],
            }
            admin = {"Authorization": f"Bearer {admin_token}"}
            assert other.post(f"{API}/introductions", json=body, headers=admin).status_code == 201
            portal.wait_for(1, timeout=10)
            assert verify(hook["secret"], portal.received[0])
            assert portal.received[0].event["data"]["status"] == "requested"
        assert not worker.alive  # stopped with the app
    finally:
        running.state.engine.dispose()
    [item] = deliveries(client, broker, hook["id"])["items"]
    assert item["status"] == "delivered"


# No requests into the internal network (OWASP API7): with private targets off, the default.


@pytest.fixture
def strict(settings: Settings) -> Iterator[TestClient]:
    """The app as deployed: WEGWIJS_WEBHOOK_ALLOW_PRIVATE_TARGETS off (the default)."""
    app = create_app(settings.model_copy(update={"webhook_allow_private_targets": False}))
    with TestClient(app) as strict_client:
        yield strict_client
    app.state.engine.dispose()


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """A resolver the test controls: host name → addresses (unknown names do not resolve)."""
    table: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr(outbound, "resolver", resolve)
    return table


INTERNAL = [
    "http://127.0.0.1/hooks",
    "http://127.1.2.3:8080/hooks",
    "http://localhost/hooks",
    "http://10.0.0.5/hooks",
    "http://172.16.4.4/hooks",
    "http://192.168.1.10/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.7/hooks",
    "http://0.0.0.0/hooks",
    "http://224.0.0.1/hooks",
    "http://240.0.0.1/hooks",
    "http://[::1]/hooks",
    "http://[fe80::1]/hooks",
    "http://[fc00::5]/hooks",
    "http://[::ffff:10.0.0.1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://intranet.example/hooks",  # a name that resolves inside
    "http://dubbel.example/hooks",  # one public and one private address
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_targets_are_refused_when_subscribing(
    strict: TestClient, broker: Headers, names: dict[str, list[str]], url: str
) -> None:
    names["intranet.example"] = ["10.1.2.3"]
    names["dubbel.example"] = ["93.184.216.34", "192.168.0.1"]
    names["localhost"] = ["127.0.0.1", "::1"]
    body = assert_problem(
        strict.post(f"{API}/webhooks", json={"url": url}, headers=broker), 400, names=["url"]
    )
    assert "public" in body["invalidParams"][0]["reason"]
    assert strict.get(f"{API}/webhooks", headers=broker).json()["total"] == 0
    hook = subscribe(strict, broker, PORTAL)
    assert_problem(
        strict.patch(f"{API}/webhooks/{hook['id']}", json={"url": url}, headers=broker),
        400,
        names=["url"],
    )


def test_public_and_not_yet_resolvable_targets_are_accepted(
    strict: TestClient, broker: Headers, names: dict[str, list[str]]
) -> None:
    names["portaal.gemeente.example"] = ["93.184.216.34", "2606:2800:220:1::1"]
    for url in (
        "https://93.184.216.34/hooks",
        "https://portaal.gemeente.example/hooks",
        "https://nog-niet-in-dns.example/hooks",  # checked again at every delivery
    ):
        assert strict.post(f"{API}/webhooks", json={"url": url}, headers=broker).status_code == 201


def test_each_delivery_checks_the_address_again(
    strict: TestClient,
    broker: Headers,
    initiator: Headers,
    municipality,
    engine: Engine,
    settings: Settings,
    receiver: Callable[..., Receiver],
    names: dict[str, list[str]],
    clock: Callable[[float], datetime],
) -> None:
    """DNS rebinding: public when subscribed, the receiver on 127.0.0.1 at delivery. Nothing
    reaches it; the attempt fails saying why."""
    inside = receiver(200)
    port = inside.url.split(":")[2].split("/")[0]
    names["wisselend.example"] = ["93.184.216.34"]
    hook = subscribe(strict, broker, f"http://wisselend.example:{port}/hooks")
    request_introduction(strict, initiator, municipality.contacts["annelies"])
    names["wisselend.example"] = ["127.0.0.1"]
    hooks = settings_with(settings, webhook_allow_private_targets=False)
    assert deliver_due(engine=engine, settings=hooks, now=clock(0)) == 1
    time.sleep(0.2)
    assert inside.received == []
    (delivery,) = deliveries(strict, broker, hook["id"])["items"]
    assert delivery["status"] == "pending"
    assert "not a public internet address" in delivery["lastError"]


def test_delivery_connects_to_the_address_it_checked(
    client: TestClient,
    broker: Headers,
    initiator: Headers,
    municipality,
    engine: Engine,
    settings: Settings,
    receiver: Callable[..., Receiver],
    names: dict[str, list[str]],
    clock: Callable[[float], datetime],
) -> None:
    """The name is resolved once, by the check, and the connection goes to that address: the
    system's own DNS never gets a second say (it does not even know this name)."""
    inside = receiver(200)
    port = inside.url.split(":")[2].split("/")[0]
    names["alleen-hier.example"] = ["127.0.0.1"]
    hook = subscribe(client, broker, f"http://alleen-hier.example:{port}/hooks")
    request_introduction(client, initiator, municipality.contacts["annelies"])
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 1
    inside.wait_for(1)
    assert inside.received[0].headers["host"] == f"alleen-hier.example:{port}"
    (delivery,) = deliveries(client, broker, hook["id"])["items"]
    assert delivery["status"] == "delivered"


def test_private_targets_allowed_is_logged_at_start_up(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    for allowed in (False, True):
        caplog.clear()
        app = create_app(settings.model_copy(update={"webhook_allow_private_targets": allowed}))
        app.state.engine.dispose()
        logged = [r for r in caplog.records if "ALLOW_PRIVATE_TARGETS" in r.getMessage()]
        assert len(logged) == (1 if allowed else 0)
    assert Settings().webhook_allow_private_targets is False


def test_a_round_claims_one_batch_at_most(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    admin: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    """PostgreSQL ran ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` as a
    nested loop that claimed every due row, whatever the batch size; a claim is now bounded."""
    portal = receiver(200)
    subscribe(client, broker, portal.url)
    for key in ("annelies", "bram", "chantal", "eva"):
        initiative = client.post(f"{API}/initiatives", json=initiative_body(), headers=admin)
        body = {"initiativeId": initiative.json()["id"], "contactId": municipality.contacts[key]}
        client.post(f"{API}/introductions", json=body, headers=admin)
    hooks = settings_with(settings, webhook_batch_size=3)
    assert [deliver_due(engine=engine, settings=hooks, now=clock(0)) for _ in range(3)] == [3, 1, 0]


# Standard Webhooks: what a receiver's library makes of a delivery.


def test_a_delivery_verifies_with_the_standard_webhooks_library(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    initiator: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    portal = receiver(200)
    hook = subscribe(client, broker, portal.url)
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    request_introduction(client, initiator, municipality.contacts["annelies"])
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 1
    [received] = portal.received
    # The library's own verify: headers, signature and a timestamp within its tolerance.
    event = Webhook(secret).verify(received.body, received.headers)
    assert event["type"] == "introduction.status_changed"
    assert received.headers["webhook-id"] == event["id"]
    assert received.headers["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(received.body.replace(b"requested", b"accepted"), received.headers)
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(received.body, received.headers)


def test_a_secret_from_before_the_spec_keeps_its_key_in_the_spec_form(
    client: TestClient,
    engine: Engine,
    settings: Settings,
    broker: Headers,
    initiator: Headers,
    municipality,
    receiver: Callable[..., Receiver],
    clock: Callable[..., datetime],
) -> None:
    portal = receiver(200)
    hook = subscribe(client, broker, portal.url)
    legacy = "whsec_" + secrets.token_urlsafe(32)  # how secrets were made before
    with Session(engine) as session:
        subscription = session.get(WebhookSubscription, hook["id"])
        subscription.secret = legacy
        session.add(subscription)
        session.commit()
    request_introduction(client, initiator, municipality.contacts["annelies"])
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 1
    [received] = portal.received
    # The key is the old secret's own bytes, as before; the library needs it as base64.
    converted = standard_secret(legacy)
    assert converted == "whsec_" + base64.b64encode(legacy.encode()).decode()
    assert Webhook(converted).verify(received.body, received.headers)["id"]
    # As is, the library reads it as (lenient) base64: a wrong key, or no key at all.
    with pytest.raises((WebhookVerificationError, ValueError)):
        Webhook(legacy).verify(received.body, received.headers)
    # A secret in the spec's form is its own standard form.
    assert standard_secret(hook["secret"]) == hook["secret"]
