"""The match routes do everything that touches the database in one threadpool hand-off
(api/http/one_hop.py), and keep what their dependencies did: the failed-key guard, 401/403,
404 for another municipality's initiative, and the rate limits with Retry-After."""

from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from api.core.settings import Settings
from api.http.app import create_app
from tests.helpers import API, Headers, ImportedMunicipality, assert_problem, initiative_body

QUESTION = {"municipalityCode": "GM0363", "text": "Een taalcafé voor nieuwkomers"}


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function handed to the threadpool (sync routes, sync dependencies,
    the enter and exit of generator dependencies all go through anyio.to_thread.run_sync)."""
    seen: list[str] = []
    original = anyio.to_thread.run_sync

    async def counting(func: Callable, *args: object, **kwargs: object) -> object:
        seen.append(getattr(func, "__qualname__", repr(func)))
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return seen


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends to the database."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _initiative(client: TestClient, headers: Headers) -> int:
    response = client.post(f"{API}/initiatives", json=initiative_body(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_match_for_an_initiative_is_one_hop(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality, hops: list[str]
) -> None:
    initiative = _initiative(client, broker)
    hops.clear()
    response = client.get(f"{API}/initiatives/{initiative}/matches", headers=broker)
    assert response.status_code == 200, response.text
    assert response.json()["initiativeId"] == initiative
    assert len(hops) == 1, hops
    # A sync route with the same dependencies pays several (the test can tell them apart).
    hops.clear()
    assert client.get(f"{API}/initiatives/{initiative}", headers=broker).status_code == 200
    assert len(hops) > 1, hops


def test_a_question_is_one_hop(
    client: TestClient, portal: Headers, municipality: ImportedMunicipality, hops: list[str]
) -> None:
    for headers in ({}, portal):
        hops.clear()
        response = client.post(f"{API}/matches", json=QUESTION, headers=headers)
        assert response.status_code == 200, response.text
        assert len(hops) == 1, hops


def test_the_one_hop_keeps_the_checks(
    client: TestClient,
    broker: Headers,
    make_key: Callable[..., Headers],
    municipality: ImportedMunicipality,
) -> None:
    initiative = _initiative(client, broker)
    path = f"{API}/initiatives/{initiative}/matches"
    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, headers={"Authorization": "Bearer not-a-key"}), 401)
    assert_problem(client.get(path, headers=make_key("portal", "bewonersportaal")), 403)
    # Staff of another municipality: as if the initiative did not exist.
    other = make_key("broker", "elders", municipality_codes=["GM0599"])
    assert_problem(client.get(path, headers=other), 404)
    assert_problem(client.get(f"{API}/initiatives/999999/matches", headers=broker), 404)
    # A key acting for other municipalities asks only about those.
    response = client.post(f"{API}/matches", json=QUESTION, headers=other)
    assert_problem(response, 403)
    answer = client.get(path, headers=broker)
    assert answer.headers["API-Version"] and answer.headers["X-Request-Id"]


@pytest.fixture
def limited_app(database_url: str, admin_token: str) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=database_url,
        admin_token=admin_token,
        log_level="WARNING",
        webhook_worker=False,
        rate_limit_failed_keys=2,
        rate_limit_admin=3,
    )
    application = create_app(settings)
    yield application
    application.state.rate_limiter.close()
    application.state.engine.dispose()


def test_the_one_hop_keeps_the_rate_limits(
    limited_app: FastAPI, admin_token: str, municipality: ImportedMunicipality
) -> None:
    prober = TestClient(limited_app, client=("203.0.113.9", 40000))
    bad = {"Authorization": "Bearer not-a-key"}
    for _ in range(2):
        assert_problem(prober.post(f"{API}/matches", json=QUESTION, headers=bad), 401)
    refused = prober.get(f"{API}/initiatives/1/matches", headers=bad)
    assert_problem(refused, 429)
    assert "unknown or revoked keys" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) >= 1

    client = TestClient(limited_app, client=("198.51.100.4", 40000))
    admin = {"Authorization": f"Bearer {admin_token}"}
    for _ in range(3):
        response = client.post(f"{API}/matches", json=QUESTION, headers=admin)
        assert response.status_code == 200, response.text
    refused = client.post(f"{API}/matches", json=QUESTION, headers=admin)
    assert_problem(refused, 429)
    assert "with this key" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) >= 1


def test_a_repeated_match_for_an_initiative_is_one_statement(
    client: TestClient,
    broker: Headers,
    municipality: ImportedMunicipality,
    statements: list[str],
) -> None:
    """The initiative, the directory's version, capacity, the outcomes' stamp and the broker's
    overrides in one query; the key, the index, the track records and the cards are held."""
    response = client.post(
        f"{API}/initiatives",
        json=initiative_body(
            description="Met buren een wooncoöperatie beginnen, collectief opdrachtgeverschap.",
            areaCodes=["BU0363TA01"],
        ),
        headers=broker,
    )
    assert response.status_code == 201, response.text
    initiative = response.json()["id"]
    path = f"{API}/initiatives/{initiative}/matches"
    first = client.get(path, headers=broker).json()["items"]
    excluded = first[0]["contact"]["id"]
    response = client.post(
        f"{API}/initiatives/{initiative}/match-overrides",
        json={"contactId": excluded, "action": "exclude", "reason": "Met pensioen."},
        headers=broker,
    )
    assert response.status_code == 201, response.text
    statements.clear()
    again = client.get(path, headers=broker)
    assert again.status_code == 200, again.text
    assert excluded not in [item["contact"]["id"] for item in again.json()["items"]]
    assert len(statements) == 1, statements


KEY_CHECKS = {"get_principal", "enforce_rate_limit", "guard_failed_keys", "get_rate_limiter"}


def test_other_routes_check_keys_and_limits_without_a_threadpool_hop(
    client: TestClient,
    broker: Headers,
    contact_key: Headers,
    municipality: ImportedMunicipality,
    hops: list[str],
) -> None:
    """A remembered key and this process's rate-limit counters need no thread: a plain read
    pays its lookup, itself, its answer's check and closing the session, not
    five hops more (guard in and out, limiter, key, limits, opening the session)."""
    path = f"{API}/municipalities/GM0363"
    assert client.get(path, headers=broker).status_code == 200  # the key is now remembered
    hops.clear()
    assert client.get(path, headers=broker).status_code == 200
    assert len(hops) <= 4, [hop[:60] for hop in hops]
    assert not KEY_CHECKS & {hop.rsplit(".", 1)[-1] for hop in hops}, hops
    # A key looked up every time (a contact's) is looked up in the threadpool, in one hop.
    hops.clear()
    assert client.get(path, headers=contact_key).status_code == 200
    assert len([hop for hop in hops if "_looked_up" in hop]) == 1, hops
