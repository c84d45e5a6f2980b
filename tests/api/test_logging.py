"""Structured logs and the request id: one JSON line per request, the id on every answer,
and nothing a caller sent (keys, emails, free text, query strings) in any log line."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.core.logs import JsonFormatter, RequestIdFilter, formatter_for, resolve_log_format
from api.core.settings import Settings
from api.http.app import create_app
from tests.helpers import API, ImportedMunicipality, initiative_body

Headers = dict[str, str]
HEX_ID = re.compile(r"[0-9a-f]{32}")
# Loggers of the test's own HTTP client (httpx logs the URLs it calls): not the service's.
CLIENT_LOGGERS = ("httpx", "httpcore")


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict]:
        entries = [json.loads(line) for line in self.stream.getvalue().splitlines()]
        return [e for e in entries if not e["logger"].startswith(CLIENT_LOGGERS)]

    def requests(self) -> list[dict]:
        return [e for e in self.lines() if e["logger"] == "wegwijs.request"]

    def text(self) -> str:
        return "\n".join(json.dumps(e, ensure_ascii=False) for e in self.lines())


@pytest.fixture
def logs() -> Iterator[Captured]:
    """Every record of the service, down to DEBUG, through the JSON formatter."""
    captured = Captured()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    ours = logging.getLogger("wegwijs")
    previous = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        ours.setLevel(previous)


def test_a_request_is_one_json_line_with_its_request_id(
    client: TestClient, logs: Captured, municipality: ImportedMunicipality
) -> None:
    unit = municipality.units["wonen"]
    response = client.get(f"{API}/units/{unit}?pageSize=3")
    assert response.status_code == 200
    request_id = response.headers["X-Request-Id"]
    assert HEX_ID.fullmatch(request_id)
    [line] = [e for e in logs.requests() if e["request_id"] == request_id]
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/units/{id}"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line["message"].startswith("GET /api/v1/units/{id} 200 ")
    # The raw path (with its id) and the query string are not logged.
    assert f"/units/{unit}" not in logs.text()
    assert "pageSize" not in logs.text()


def test_a_safe_incoming_request_id_is_kept(client: TestClient, logs: Captured) -> None:
    request_id = "trace-2026.03_abc"
    response = client.get("/health", headers={"X-Request-Id": request_id})
    assert response.headers["X-Request-Id"] == request_id
    assert [e["request_id"] for e in logs.requests()] == [request_id]


@pytest.mark.parametrize(
    "unsafe",
    ["has space", "x" * 65, 'quote"d', "a\tb", "line%0Abreak", "ab/../cd", ""],
)
def test_an_unsafe_request_id_is_replaced(client: TestClient, logs: Captured, unsafe: str) -> None:
    response = client.get("/health", headers={"X-Request-Id": unsafe})
    replaced = response.headers["X-Request-Id"]
    assert HEX_ID.fullmatch(replaced)
    assert [e["request_id"] for e in logs.requests()] == [replaced]
    if unsafe:
        assert unsafe not in logs.stream.getvalue()


def test_every_answer_carries_a_request_id(client: TestClient, admin: Headers) -> None:
    answers = [
        client.get(f"{API}/municipalities"),  # 200
        client.get(f"{API}/municipalities?page=0"),  # 400
        client.get(f"{API}/contacts"),  # 401
        client.get(f"{API}/nowhere"),  # 404
        client.put(f"{API}/municipalities"),  # 405
        client.post(
            f"{API}/municipalities",
            content=b"x" * (1024 * 1024 + 1),
            headers={**admin, "Content-Type": "application/json"},
        ),  # 413, answered before routing
    ]
    assert [a.status_code for a in answers] == [200, 400, 401, 404, 405, 413]
    ids = [a.headers["X-Request-Id"] for a in answers]
    assert all(HEX_ID.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_an_unexpected_error_has_the_request_id_in_its_answer_and_log(
    tmp_path: Path, logs: Captured
) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", log_level="WARNING"))

    def explode() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/explode", explode)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/explode", headers={"X-Request-Id": "boom-1"})
    finally:
        app.state.engine.dispose()
    assert response.status_code == 500
    assert response.headers["X-Request-Id"] == "boom-1"
    [request] = logs.requests()
    assert (request["level"], request["status"], request["route"]) == ("ERROR", 500, "/explode")
    [error] = [e for e in logs.lines() if e["message"] == "unhandled error"]
    assert error["request_id"] == "boom-1"
    assert "RuntimeError" in error["exception"]


QUESTION_TEXT = "Wij zoeken hulp voor onze buurvrouw Geheimstraat 12 met schulden"


def test_keys_emails_and_free_text_are_never_logged(
    client: TestClient,
    logs: Captured,
    admin: Headers,
    admin_token: str,
    broker: Headers,
    municipality: ImportedMunicipality,
) -> None:
    broker_key = broker["Authorization"].removeprefix("Bearer ")
    secret_email = "geheim.persoon@example.org"
    body = initiative_body(
        title="Taalcafé Vertrouwelijk",
        description="Een heel vertrouwelijke beschrijving van ons plan.",
        initiator={"name": "Geheime Initiatiefnemer", "email": secret_email},
    )
    created = client.post(f"{API}/initiatives", json=body, headers=broker)
    assert created.status_code == 201, created.text
    question = {"municipalityCode": municipality.code, "text": QUESTION_TEXT}
    assert client.post(f"{API}/matches", json=question).status_code == 200
    # Invalid input, a wrong key, a query string and an over-large body: still nothing.
    bad = {**body, "initiator": {"name": "X", "email": "not-an-email " + secret_email}}
    assert client.post(f"{API}/initiatives", json=bad, headers=admin).status_code == 400
    wrong = {"Authorization": "Bearer wrong-key-xyz"}
    assert client.get(f"{API}/contacts", headers=wrong).status_code == 401
    assert client.get(f"{API}/contacts?q={secret_email}", headers=admin).status_code == 200
    big = json.dumps({"text": QUESTION_TEXT * 20000, "email": secret_email})
    huge = client.post(f"{API}/matches", content=big, headers={"Content-Type": "application/json"})
    assert huge.status_code == 413

    assert len(logs.requests()) >= 6
    text = logs.stream.getvalue()
    service_text = logs.text()
    for secret in (
        admin_token,
        broker_key,
        "wrong-key-xyz",
        secret_email,
        "Geheime Initiatiefnemer",
        "Vertrouwelijk",
        "vertrouwelijke",
        "Geheimstraat",
        "Bearer",
    ):
        assert secret not in service_text, secret
    # The keys are not even in the test client's own log lines.
    assert admin_token not in text and broker_key not in text


def test_the_text_format_carries_the_request_id() -> None:
    record = logging.LogRecord("wegwijs.request", logging.INFO, __file__, 1, "GET x", None, None)
    record.request_id = "abc"
    assert formatter_for("text").format(record).endswith("INFO wegwijs.request [abc] GET x")
    outside = logging.LogRecord("wegwijs", logging.WARNING, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(outside)
    assert "[-] hello" in formatter_for("text").format(outside)
    entry = json.loads(formatter_for("json").format(outside))
    assert entry["message"] == "hello" and "request_id" not in entry


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_is_text_on_a_terminal_and_json_elsewhere() -> None:
    assert resolve_log_format("auto", Terminal()) == "text"
    assert resolve_log_format("auto", io.StringIO()) == "json"  # a file or a pipe
    closed = io.StringIO()
    closed.close()
    assert resolve_log_format("auto", closed) == "json"


def test_a_chosen_format_wins_over_the_terminal() -> None:
    assert resolve_log_format("json", Terminal()) == "json"
    assert resolve_log_format("text", io.StringIO()) == "text"


def test_the_setting_tells_unset_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEGWIJS_LOG_FORMAT", raising=False)
    assert Settings().log_format == "auto"
    monkeypatch.setenv("WEGWIJS_LOG_FORMAT", "json")
    assert Settings().log_format == "json"


UVICORN = textwrap.dedent(
    """
    import logging
    import uvicorn
    from api.core.logs import uvicorn_log_config

    uvicorn.Config(
        "api.main:app",
        log_config=uvicorn_log_config(level="INFO", log_format="json"),
        access_log=False,
    )
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    logging.getLogger("uvicorn.access").info('1.2.3.4 - "GET /api/v1/contacts?q=x HTTP/1.1" 200')
    """
)


def test_uvicorn_logs_through_the_json_formatter_without_its_access_log() -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", UVICORN],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(line) for line in done.stderr.splitlines()]
    assert line["logger"] == "uvicorn.error"
    assert line["message"] == "Started server process [42]"
