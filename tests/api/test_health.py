"""Liveness and readiness, and the API-Version header on every kind of answer."""

import threading
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api import API_VERSION
from api.core.settings import Settings
from api.http.app import create_app
from api.services.matching import index_cache
from schemas import Municipality
from tests.helpers import API, ImportedMunicipality, assert_problem


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["API-Version"] == API_VERSION


def test_ready_when_the_database_answers(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.headers["API-Version"] == API_VERSION


def test_ready_reports_the_indexes_this_process_holds(
    client: TestClient,
    engine: Engine,
    municipality: ImportedMunicipality,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_cache, "_directories", {})
    # Nothing built yet, and asking does not build anything.
    assert client.get("/ready").json() == {"status": "ready", "database": "ok", "indexes": {}}
    assert client.get("/ready").json()["indexes"] == {}

    question = {"municipalityCode": municipality.code, "text": "Een moestuin in de buurt"}
    assert client.post(f"{API}/matches", json=question).status_code == 200
    body = client.get("/ready").json()
    with engine.connect() as connection:
        version = connection.execute(
            select(Municipality.directory_version).where(Municipality.code == municipality.code)
        ).scalar_one()
    index = body["indexes"][municipality.code]
    # Five of the six contacts are listable (Dirk gave no consent).
    assert (index["contacts"], index["version"]) == (5, version)
    built_at = datetime.fromisoformat(index["builtAt"])
    assert abs((datetime.now(UTC) - built_at).total_seconds()) < 60
    assert index["buildSeconds"] >= 0


UNREACHABLE = {
    # Nothing listens on port 1: the connection is refused at once.
    "postgresql": lambda tmp_path: "postgresql+psycopg://postgres@127.0.0.1:1/x",
    # A directory is no SQLite database file.
    "sqlite": lambda tmp_path: f"sqlite:///{tmp_path}",
}


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_ready_is_503_quickly_when_the_database_is_unreachable(tmp_path, kind: str) -> None:
    app = create_app(Settings(database_url=UNREACHABLE[kind](tmp_path)))
    try:
        with TestClient(app) as client:
            started = time.monotonic()
            ready = client.get("/ready")
            listing = client.get(f"{API}/municipalities")
            elapsed = time.monotonic() - started
            health = client.get("/health")
    finally:
        app.state.engine.dispose()
    assert_problem(ready, 503)
    assert ready.headers["Retry-After"]
    # Requests that need the database say so as a problem too, never a 500.
    assert_problem(listing, 503)
    assert elapsed < 5
    # The process itself is alive.
    assert health.status_code == 200


def test_api_version_header_on_success_and_every_error(
    client: TestClient, admin: dict[str, str]
) -> None:
    answers = [
        client.get(f"{API}/municipalities"),  # 200
        client.post(f"{API}/municipalities", json={"code": "GM0599", "name": "R"}, headers=admin),
        client.delete(f"{API}/municipalities/GM0599", headers=admin),  # 204
        client.get(f"{API}/municipalities?page=0"),  # 400
        client.get(f"{API}/contacts"),  # 401
        client.get(f"{API}/nowhere"),  # 404
        client.put(f"{API}/municipalities"),  # 405
        client.post(
            f"{API}/municipalities",
            content=b"x" * (1024 * 1024 + 1),
            headers={**admin, "Content-Type": "application/json"},
        ),  # 413
        client.get(f"{API}/openapi.json"),
        client.get("/docs"),
    ]
    assert [a.status_code for a in answers] == [200, 201, 204, 400, 401, 404, 405, 413, 200, 200]
    for answer in answers:
        assert answer.headers["API-Version"] == API_VERSION, answer.request.url


def test_unexpected_errors_are_problems_with_the_api_version(tmp_path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))

    def explode() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/explode", explode)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/explode")
    finally:
        app.state.engine.dispose()
    body = assert_problem(response, 500)
    assert "a bug" not in response.text
    assert body["title"] == "Internal error"


def test_indexes_are_built_at_start_up_and_ready_waits_for_them(
    settings: Settings,
    municipality: ImportedMunicipality,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_cache, "_directories", {})
    release = threading.Event()
    real_build = index_cache._build_directory

    def held_back_build(session, code):  # so the warming state can be seen
        release.wait(timeout=30)
        return real_build(session, code)

    monkeypatch.setattr(index_cache, "_build_directory", held_back_build)
    app = create_app(settings.model_copy(update={"index_warmup": True}))
    try:
        with TestClient(app) as client:
            warming = client.get("/ready")
            assert_problem(warming, 503)
            assert "indexes" in warming.json()["detail"]
            release.set()
            deadline = time.monotonic() + 30
            while (answer := client.get("/ready")).status_code != 200:
                assert time.monotonic() < deadline, answer.text
                time.sleep(0.05)
            with engine.connect() as connection:
                codes = connection.execute(select(Municipality.code)).scalars().all()
            assert set(answer.json()["indexes"]) == set(codes)
            assert municipality.code in codes
    finally:
        release.set()
        app.state.engine.dispose()
