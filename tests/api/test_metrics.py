"""/metrics: Prometheus text for operators, behind an admin key or the metrics token.

Metrics are process-wide and other tests move them too, so these tests compare a scrape
before and after their own requests.
"""

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from api.core.settings import Settings
from api.services.matching import index_cache
from schemas import Contact
from tests.helpers import API, INITIATOR_EMAIL, PROBLEM_JSON, ImportedMunicipality, initiative_body

Headers = dict[str, str]
METRICS_TOKEN = "test-metrics-token"
MATCHES_ROUTE = "/api/v1/initiatives/{id}/matches"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metrics_token(app: FastAPI) -> Iterator[str]:
    """The app's settings with a metrics token, for one test."""
    original = app.state.settings
    app.state.settings = original.model_copy(update={"metrics_token": METRICS_TOKEN})
    try:
        yield METRICS_TOKEN
    finally:
        app.state.settings = original


@pytest.fixture
def scrape(client: TestClient, admin: Headers):
    def _scrape() -> Samples:
        response = client.get("/metrics", headers=admin)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        return parse(response.text)

    return _scrape


@pytest.fixture
def fresh_indexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's matching indexes start empty (another test may have left one for a
    municipality of the same code and version)."""
    monkeypatch.setattr(index_cache, "_directories", {})


def new_initiative(client: TestClient, headers: Headers) -> int:
    body = initiative_body(
        description="Buurtbewoners willen samen zonnepanelen op de daken in Noord.",
        areaCodes=["SD0363N"],
    )
    response = client.post(f"{API}/initiatives", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def listable_contacts(engine: Engine, code: str) -> int:
    query = (
        select(func.count())
        .select_from(Contact)
        .where(Contact.municipality_code == code)
        .where(Contact.available)
        .where(Contact.consent_at.is_not(None))
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


def test_requests_matches_and_the_index_are_counted(
    client: TestClient,
    engine: Engine,
    broker: Headers,
    municipality: ImportedMunicipality,
    scrape,
    fresh_indexes: None,
) -> None:
    initiative = new_initiative(client, broker)
    before = scrape()
    calls = 3
    for _ in range(calls):
        response = client.get(f"{API}/initiatives/{initiative}/matches", headers=broker)
        assert response.status_code == 200, response.text
    after = scrape()

    labels = {"method": "GET", "route": MATCHES_ROUTE, "status": "2xx"}
    counter = "wegwijs_http_requests_total"
    assert value(after, counter, **labels) - value(before, counter, **labels) == calls
    latency = "wegwijs_http_request_duration_seconds_count"
    assert value(after, latency, **labels) - value(before, latency, **labels) == calls
    matched = "wegwijs_match_duration_seconds_count"
    kind = {"kind": "initiative"}
    assert value(after, matched, **kind) - value(before, matched, **kind) == calls

    code = municipality.code
    expected = listable_contacts(engine, code)
    assert expected == 5
    assert value(after, "wegwijs_index_contacts", municipality=code) == expected
    assert value(after, "wegwijs_index_build_duration_seconds", municipality=code) > 0
    assert value(after, "wegwijs_index_built_timestamp_seconds", municipality=code) > 0
    builds = "wegwijs_index_builds_total"
    # Built once for the three matches: the directory did not change in between.
    assert value(after, builds, municipality=code) - value(before, builds, municipality=code) == 1


def test_a_question_is_timed_and_unknown_paths_are_other(
    client: TestClient, municipality: ImportedMunicipality, scrape
) -> None:
    before = scrape()
    question = {"municipalityCode": municipality.code, "text": "Een moestuin in de buurt"}
    assert client.post(f"{API}/matches", json=question).status_code == 200
    assert client.get(f"{API}/no-such-thing/12345").status_code == 404
    after = scrape()
    matched = "wegwijs_match_duration_seconds_count"
    assert value(after, matched, kind="question") - value(before, matched, kind="question") == 1
    post = {"method": "POST", "route": "/api/v1/matches", "status": "2xx"}
    counter = "wegwijs_http_requests_total"
    assert value(after, counter, **post) - value(before, counter, **post) == 1
    other = {"method": "GET", "route": "other", "status": "4xx"}
    assert value(after, counter, **other) - value(before, counter, **other) >= 1


def test_introductions_by_status(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality, scrape
) -> None:
    initiative = new_initiative(client, broker)
    created = []
    for key in ("annelies", "eva", "fatima"):
        body = {"initiativeId": initiative, "contactId": municipality.contacts[key]}
        response = client.post(f"{API}/introductions", json=body, headers=broker)
        assert response.status_code == 201, response.text
        created.append(response.headers["Location"])
    response = client.patch(created[0], json={"status": "accepted"}, headers=broker)
    assert response.status_code == 200, response.text
    response = client.patch(created[1], json={"status": "declined"}, headers=broker)
    assert response.status_code == 200, response.text

    samples = scrape()
    counts = {
        status: value(samples, "wegwijs_introductions", status=status)
        for status in ("requested", "accepted", "declined", "completed", "cancelled")
    }
    assert counts == {
        "requested": 1,
        "accepted": 1,
        "declined": 1,
        "completed": 0,
        "cancelled": 0,
    }


def test_no_ids_emails_or_raw_paths_in_labels(
    client: TestClient,
    admin: Headers,
    initiator: Headers,
    municipality: ImportedMunicipality,
    scrape,
) -> None:
    initiative = new_initiative(client, initiator)
    contact = municipality.contacts["annelies"]
    client.get(f"{API}/initiatives/{initiative}/matches", headers=initiator)
    client.get(f"{API}/contacts/{contact}?q=a.devries@amsterdam.example", headers=admin)
    client.get(f"{API}/contacts/{contact}/initiatives", headers=admin)
    client.get(f"/{INITIATOR_EMAIL}")
    samples = scrape()
    label_values = {v for _name, labels in samples for _key, v in labels}
    raw_paths = (f"/initiatives/{initiative}", f"/contacts/{contact}")
    for forbidden in (*raw_paths, INITIATOR_EMAIL, "a.devries", "@", "?"):
        assert not any(forbidden in v for v in label_values), forbidden
    routes = {v for _name, labels in samples for k, v in labels if k == "route"}
    assert "/api/v1/contacts/{id}" in routes
    assert "/api/v1/contacts/{id}/initiatives" in routes
    assert all(r == "other" or r.startswith("/") for r in routes)


def test_access_needs_an_admin_key_or_the_metrics_token(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    initiator: Headers,
    metrics_token: str,
) -> None:
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith(PROBLEM_JSON)
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers=broker).status_code == 403
    assert client.get("/metrics", headers=initiator).status_code == 403
    assert client.get("/metrics", headers=admin).status_code == 200
    with_token = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
    assert with_token.status_code == 200
    assert "wegwijs_http_requests_total" in with_token.text
    # The metrics token is no API key: it opens nothing else.
    token = {"Authorization": f"Bearer {metrics_token}"}
    assert client.get(f"{API}/contacts", headers=token).status_code == 401


def test_the_metrics_token_is_off_unless_configured(client: TestClient) -> None:
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer None"}).status_code == 401


def test_metrics_are_not_in_the_openapi_document(client: TestClient) -> None:
    assert "/metrics" not in client.get(f"{API}/openapi.json").json()["paths"]


WORKER = textwrap.dedent(
    """
    import sys
    from fastapi.testclient import TestClient
    from api.http.app import create_app
    from api.core.settings import Settings

    url, token, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = create_app(Settings(database_url=url, metrics_token=token, webhook_worker=False))
    with TestClient(app) as client:
        for _ in range(calls):
            assert client.get("/health").status_code == 200
        if calls == 0:
            response = client.get("/metrics", headers={"Authorization": "Bearer " + token})
            assert response.status_code == 200, response.text
            print(response.text)
    app.state.engine.dispose()
    """
)


def test_worker_processes_are_added_up_in_multiprocess_mode(
    tmp_path: Path, settings: Settings
) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (as ``serve --workers N`` sets it) a scrape of one
    process reports the requests of all of them."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "WEGWIJS_LOG_LEVEL": "WARNING",
    }
    root = Path(__file__).resolve().parents[2]

    def run(calls: int) -> str:
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", WORKER, settings.database_url, METRICS_TOKEN, str(calls)],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    run(2)
    run(3)
    samples = parse(run(0))
    health = {"method": "GET", "route": "/health", "status": "2xx"}
    assert value(samples, "wegwijs_http_requests_total", **health) == 5
    assert value(samples, "wegwijs_http_request_duration_seconds_count", **health) == 5
    assert value(samples, "wegwijs_introductions", status="requested") == 0


def test_a_municipal_admin_key_does_not_read_the_whole_services_metrics(
    client, make_key, municipality
) -> None:
    municipal = make_key("admin", municipality_codes=["GM0363"])
    response = client.get("/metrics", headers=municipal)
    assert response.status_code == 403
