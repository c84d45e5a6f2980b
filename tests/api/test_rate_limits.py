"""Rate limits (OWASP API4): per key and per client address, 429 problem+json with Retry-After,
shared through Redis across app instances, and counted in-process when Redis is away.

Each test builds its own app with small limits and a fixed clock (the start of a window), so
counts never straddle a window edge by accident.
"""

import logging
import secrets
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.core.settings import Settings
from api.http.app import create_app
from api.http.ratelimit import LocalCounter, client_address, retry_after
from tests.helpers import API, PROBLEM_JSON

REDIS_URL = "redis://127.0.0.1:6379/0"
WINDOW_START = 60.0 * 29_000_000  # a window's first second: the previous window is empty
UNITS = f"{API}/units"


@pytest.fixture
def make_app(database_url: str, admin_token: str) -> Iterator[Callable[..., FastAPI]]:
    apps: list[FastAPI] = []

    def _make(**limits: object) -> FastAPI:
        settings = Settings(
            database_url=database_url,
            admin_token=admin_token,
            log_level="WARNING",
            webhook_worker=False,
            **limits,
        )
        application = create_app(settings)
        application.state.rate_limiter.clock = lambda: WINDOW_START
        apps.append(application)
        return application

    yield _make
    for application in apps:
        application.state.rate_limiter.close()
        application.state.engine.dispose()


def _client(application: FastAPI, address: str = "203.0.113.7") -> TestClient:
    return TestClient(application, client=(address, 40000))


def _assert_too_many(response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 429
    assert body["title"] == "Too many requests"
    assert body["type"].endswith("/problems/too-many-requests")
    seconds = int(response.headers["Retry-After"])
    assert seconds >= 1
    # The answers of every other response: request id, ADR and security headers.
    assert response.headers["X-Request-Id"]
    assert response.headers["API-Version"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return seconds


def test_a_burst_over_the_anonymous_limit_is_refused(make_app: Callable[..., FastAPI]) -> None:
    client = _client(make_app(rate_limit_anonymous=3))
    for _ in range(3):
        assert client.get(UNITS).status_code == 200
    response = client.get(UNITS)
    seconds = _assert_too_many(response)
    # Three calls at the window's start with a limit of 3: the window must end and a third of
    # the next must pass before the estimate (3 × share left) leaves room for one more.
    assert seconds == 80
    assert "at most 3 per 60 seconds" in response.json()["detail"]


def test_retry_after_is_honest(make_app: Callable[..., FastAPI]) -> None:
    application = make_app(rate_limit_anonymous=3)
    client = _client(application)
    for _ in range(3):
        client.get(UNITS)
    seconds = int(client.get(UNITS).headers["Retry-After"])
    limiter = application.state.rate_limiter
    limiter.clock = lambda: WINDOW_START + seconds - 2
    assert client.get(UNITS).status_code == 429
    limiter.clock = lambda: WINDOW_START + seconds
    assert client.get(UNITS).status_code == 200


def test_refused_calls_are_not_counted(make_app: Callable[..., FastAPI]) -> None:
    application = make_app(rate_limit_anonymous=2)
    client = _client(application)
    for _ in range(2):
        client.get(UNITS)
    for _ in range(20):
        assert client.get(UNITS).status_code == 429
    application.state.rate_limiter.clock = lambda: WINDOW_START + 60 * 2
    assert client.get(UNITS).status_code == 200


def test_probes_docs_and_the_page_are_not_limited(make_app: Callable[..., FastAPI]) -> None:
    client = _client(make_app(rate_limit_anonymous=1))
    client.get(UNITS)
    assert client.get(UNITS).status_code == 429
    for path in ("/health", "/ready", f"{API}/openapi.json", "/docs", "/"):
        assert client.get(path).status_code == 200, path


def test_addresses_have_their_own_buckets(make_app: Callable[..., FastAPI]) -> None:
    application = make_app(rate_limit_anonymous=2)
    first, second = _client(application, "203.0.113.1"), _client(application, "203.0.113.2")
    for _ in range(2):
        assert first.get(UNITS).status_code == 200
    assert first.get(UNITS).status_code == 429
    assert second.get(UNITS).status_code == 200


def test_keys_have_their_own_buckets(make_app: Callable[..., FastAPI], admin_token: str) -> None:
    application = make_app(rate_limit_initiator=2, rate_limit_anonymous=1)
    client = _client(application)
    admin = {"Authorization": f"Bearer {admin_token}"}
    keys = []
    for email in ("a@example.org", "b@example.org"):
        response = client.post(
            f"{API}/api-keys", json={"role": "initiator", "subject": email}, headers=admin
        )
        assert response.status_code == 201, response.text
        keys.append({"Authorization": f"Bearer {response.json()['token']}"})
    # Same address, three buckets: the anonymous one is spent, each key has its own.
    assert client.get(UNITS).status_code == 200
    assert client.get(UNITS).status_code == 429
    for headers in keys:
        for _ in range(2):
            assert client.get(UNITS, headers=headers).status_code == 200
        _assert_too_many(client.get(UNITS, headers=headers))
    assert "with this key" in client.get(UNITS, headers=keys[0]).json()["detail"]


def test_admins_are_not_held_to_the_anonymous_rate(
    make_app: Callable[..., FastAPI], admin_token: str
) -> None:
    """The production defaults: 300 a minute anonymous, thousands for admin bulk work."""
    application = make_app()
    settings = application.state.settings
    assert settings.rate_limit_anonymous == 300
    assert settings.rate_limit_admin >= 1000
    client = _client(application)
    admin = {"Authorization": f"Bearer {admin_token}"}
    for _ in range(300):
        assert client.get(UNITS).status_code == 200
    _assert_too_many(client.get(UNITS))
    for _ in range(400):
        assert client.get(UNITS, headers=admin).status_code == 200


def test_a_class_at_one_address_fits_the_anonymous_defaults(
    make_app: Callable[..., FastAPI], municipality
) -> None:
    """The busiest shared computer the defaults are chosen for (docs/api.md, Limits): a class of 30
    behind a school's one address opens the page in the same minute (3 calls each) and every
    pupil searches 4 times. A 121st search in that minute is refused: the limit still holds."""
    client = _client(make_app())
    page = [f"{API}/municipalities", f"{API}/areas?municipalityCode=GM0363",
            f"{API}/themes?municipalityCode=GM0363"]  # fmt: skip
    question = {"municipalityCode": "GM0363", "text": "Een taalcafé voor nieuwkomers"}
    for _pupil in range(30):
        for path in page:
            assert client.get(path).status_code == 200
    for _search in range(4 * 30):
        assert client.post(f"{API}/matches", json=question).status_code == 200
    response = client.post(f"{API}/matches", json=question)
    _assert_too_many(response)
    assert "matches" in response.json()["detail"]


def test_anonymous_matches_have_a_stricter_bucket(make_app: Callable[..., FastAPI]) -> None:
    client = _client(make_app(rate_limit_anonymous_matches=2, rate_limit_anonymous=10))
    question = {"municipalityCode": "GM0363", "text": "een taalcafé in de buurt"}
    for _ in range(2):
        assert client.post(f"{API}/matches", json=question).status_code != 429
    response = client.post(f"{API}/matches", json=question)
    _assert_too_many(response)
    assert "matches" in response.json()["detail"]
    # The general anonymous bucket still has room.
    assert client.get(UNITS).status_code == 200


def test_zero_switches_a_limit_off(make_app: Callable[..., FastAPI]) -> None:
    client = _client(make_app(rate_limit_anonymous=0))
    for _ in range(100):
        assert client.get(UNITS).status_code == 200


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"wegwijs-test:{secrets.token_hex(6)}:"
    yield prefix
    for key in connection.scan_iter(match=f"{prefix}*"):
        connection.delete(key)
    connection.close()


def test_redis_limits_are_shared_between_app_instances(
    make_app: Callable[..., FastAPI], redis_prefix: str
) -> None:
    limits = {
        "rate_limit_anonymous": 3,
        "rate_limit_redis_url": REDIS_URL,
        "rate_limit_redis_prefix": redis_prefix,
    }
    first, second = _client(make_app(**limits)), _client(make_app(**limits))
    assert first.get(UNITS).status_code == 200
    assert first.get(UNITS).status_code == 200
    assert second.get(UNITS).status_code == 200
    seconds = _assert_too_many(second.get(UNITS))
    assert seconds == 80  # the same arithmetic as in-process
    _assert_too_many(first.get(UNITS))
    # Another address is another bucket in Redis too.
    assert _client(make_app(**limits), "198.51.100.9").get(UNITS).status_code == 200


def test_an_unreachable_redis_falls_back_to_counting_in_process(
    make_app: Callable[..., FastAPI], caplog: pytest.LogCaptureFixture
) -> None:
    application = make_app(rate_limit_anonymous=3, rate_limit_redis_url="redis://127.0.0.1:1/0")
    client = _client(application)
    with caplog.at_level(logging.WARNING, logger="wegwijs.ratelimit"):
        for _ in range(3):
            assert client.get(UNITS).status_code == 200
        _assert_too_many(client.get(UNITS))
    warnings = [r for r in caplog.records if r.name == "wegwijs.ratelimit"]
    assert len(warnings) == 1  # once, not on every call
    assert "unreachable" in warnings[0].getMessage()
    assert "127.0.0.1:1" not in warnings[0].getMessage()


def test_ipv6_clients_are_counted_per_64() -> None:
    class _Request:
        def __init__(self, host: str) -> None:
            self.client = type("Client", (), {"host": host})()

    assert client_address(_Request("2001:db8:1:2::5")) == "2001:db8:1:2::/64"
    assert client_address(_Request("2001:db8:1:2:ffff::1")) == "2001:db8:1:2::/64"
    assert client_address(_Request("::ffff:192.0.2.4")) == "192.0.2.4"
    assert client_address(_Request("192.0.2.4")) == "192.0.2.4"


def test_the_window_slides() -> None:
    counter = LocalCounter()
    start = WINDOW_START
    assert all(counter.hit("b", 10, 60, start + 50).allowed for _ in range(10))
    assert not counter.hit("b", 10, 60, start + 59).allowed
    # Ten seconds into the next window, 10 × 5/6 ≈ 8.3 still count: one more fits, not two.
    assert counter.hit("b", 10, 60, start + 70).allowed
    assert not counter.hit("b", 10, 60, start + 70).allowed
    # One more fits once 10 × (50 − t)/60 + 2 ≤ 10: after 2 seconds.
    assert retry_after(limit=10, window=60, elapsed=10, current=1, previous=10) == 2
    assert not counter.hit("b", 10, 60, start + 71).allowed
    assert counter.hit("b", 10, 60, start + 72).allowed


def test_unknown_keys_are_limited_per_address(make_app: Callable[..., FastAPI]) -> None:
    application = make_app(rate_limit_failed_keys=3)
    client = _client(application)
    bad = {"Authorization": "Bearer not-a-key"}
    for _ in range(3):
        assert client.get(UNITS, headers=bad).status_code == 401
    response = client.get(UNITS, headers=bad)
    _assert_too_many(response)
    assert "unknown or revoked keys" in response.json()["detail"]
    # Calls without a key are left to the anonymous limit; another address has its own count.
    assert client.get(UNITS).status_code == 200
    assert _client(application, "198.51.100.3").get(UNITS, headers=bad).status_code == 401


# A municipal portal asks on behalf of its residents, from one server address.


def test_a_portal_key_has_its_own_per_key_limit_for_matches(
    make_app: Callable[..., FastAPI], make_key: Callable[..., dict[str, str]], municipality
) -> None:
    application = make_app(
        rate_limit_anonymous=5, rate_limit_anonymous_matches=2, rate_limit_portal=30
    )
    client = _client(application)  # the portal's server: one address for all residents
    portal = make_key("portal", "bewonersportaal", municipality_codes=["GM0363"])
    question = {"municipalityCode": "GM0363", "text": "Een taalcafé voor nieuwkomers"}
    # Anonymous callers from that address get 2 matches; the portal's key gets its own 30.
    for _ in range(2):
        assert client.post(f"{API}/matches", json=question).status_code == 200
    _assert_too_many(client.post(f"{API}/matches", json=question))
    for _ in range(30):
        assert client.post(f"{API}/matches", json=question, headers=portal).status_code == 200
    response = client.post(f"{API}/matches", json=question, headers=portal)
    _assert_too_many(response)
    assert "with this key" in response.json()["detail"]
    # A second portal has a bucket of its own.
    other = make_key("portal", "tweede-portaal", municipality_codes=["GM0363"])
    assert client.post(f"{API}/matches", json=question, headers=other).status_code == 200


def test_a_portal_sees_what_anyone_sees_and_no_personal_data(
    client: TestClient, admin: dict[str, str], make_key: Callable[..., dict[str, str]], municipality
) -> None:
    portal = make_key("portal", "bewonersportaal", municipality_codes=["GM0363"])
    assert client.get(f"{API}/units?municipalityCode=GM0363", headers=portal).status_code == 200
    tree = client.get(f"{API}/units/tree?municipalityCode=GM0363", headers=portal)
    assert tree.status_code == 200
    question = {"municipalityCode": "GM0363", "text": "Gebiedsmakelaar participatie Zuidoost"}
    asked = client.post(f"{API}/matches", json=question, headers=portal)
    anonymous = client.post(f"{API}/matches", json=question)
    assert asked.status_code == 200, asked.text
    assert asked.json()["items"]
    # Exactly what an anonymous caller gets: no hidden names (Bram), no contact details.
    assert asked.json() == anonymous.json()
    assert "Bram Jansen" not in asked.text and "@amsterdam.example" not in asked.text
    for path in ("/contacts", "/initiatives", "/introductions", "/webhooks", "/api-keys"):
        response = client.get(f"{API}{path}", headers=portal)
        assert response.status_code == 403, (path, response.text)
    # And only for its own municipalities.
    other = {"code": "GM0014", "name": "Groningen"}
    assert client.post(f"{API}/municipalities", json=other, headers=admin).status_code == 201
    elsewhere = {"municipalityCode": "GM0014", "text": "Een moestuin"}
    assert client.post(f"{API}/matches", json=elsewhere, headers=portal).status_code == 403
    assert client.post(f"{API}/matches", json=elsewhere).status_code == 200
