"""Security headers on every answer (OWASP, NL ADR): JSON and problems, the OpenAPI document,
the docs and their assets, and the web page with its own Content-Security-Policy."""

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.core.settings import Settings
from api.http.app import create_app
from api.http.middleware import API_CONTENT_SECURITY_POLICY
from api.http.web import CONTENT_SECURITY_POLICY as PAGE_CSP
from tests.helpers import API, PROBLEM_JSON, Headers


def _single(response, name: str) -> str:
    values = response.headers.get_list(name)
    assert len(values) == 1, (name, values)
    return values[0]


def assert_api_headers(response) -> None:
    assert _single(response, "Content-Security-Policy") == API_CONTENT_SECURITY_POLICY
    assert _single(response, "X-Content-Type-Options") == "nosniff"
    assert _single(response, "X-Frame-Options") == "DENY"
    assert _single(response, "Referrer-Policy") == "no-referrer"
    assert _single(response, "Cache-Control") == "no-store"
    assert response.headers["API-Version"]
    assert response.headers["X-Request-Id"]


def test_json_answers(client: TestClient, admin: Headers) -> None:
    for response in (
        client.get(f"{API}/municipalities"),
        client.get(f"{API}/api-keys", headers=admin),
        client.get("/health"),
        client.get("/ready"),
    ):
        assert response.status_code == 200, response.text
        assert_api_headers(response)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", f"{API}/units?pageSize=1000", {}, 400),
        ("get", f"{API}/units", {"headers": {"Authorization": "Bearer nonsense"}}, 401),
        ("get", f"{API}/contacts", {}, 401),
        ("get", f"{API}/units/999999", {}, 404),
        ("get", "/no-such-page", {}, 404),
        ("delete", f"{API}/openapi.json", {}, 405),
        ("post", f"{API}/matches", {"content": b"x" * (1024 * 1024 + 1)}, 413),
    ],
)
def test_problem_answers(
    client: TestClient, method: str, path: str, kwargs: dict, status: int
) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert_api_headers(response)


def test_too_many_requests(database_url: str) -> None:
    application = create_app(
        Settings(database_url=database_url, webhook_worker=False, rate_limit_anonymous=1)
    )
    try:
        client = TestClient(application)
        client.get(f"{API}/units")
        response = client.get(f"{API}/units")
        assert response.status_code == 429
        assert response.headers["Retry-After"]
        assert_api_headers(response)
    finally:
        application.state.engine.dispose()


def test_the_openapi_document_is_open_to_all_origins(client: TestClient) -> None:
    response = client.get(f"{API}/openapi.json", headers={"Origin": "https://elders.example"})
    assert response.status_code == 200
    assert_api_headers(response)
    assert _single(response, "Access-Control-Allow-Origin") == "*"
    # Every other answer gets CORS only from the settings (none here).
    other = client.get(f"{API}/units", headers={"Origin": "https://elders.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


@pytest.fixture
def cors_client(database_url: str) -> Iterator[TestClient]:
    application: FastAPI = create_app(
        Settings(
            database_url=database_url,
            webhook_worker=False,
            cors_origins=["https://portaal.example"],
        )
    )
    yield TestClient(application)
    application.state.engine.dispose()


def test_cors_comes_from_the_settings(cors_client: TestClient) -> None:
    allowed = {"Origin": "https://portaal.example"}
    response = cors_client.get(f"{API}/units", headers=allowed)
    assert _single(response, "Access-Control-Allow-Origin") == "https://portaal.example"
    other = cors_client.get(f"{API}/units", headers={"Origin": "https://elders.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    # The OpenAPI document: one Allow-Origin, never two.
    document = cors_client.get(f"{API}/openapi.json", headers=allowed)
    assert len(document.headers.get_list("Access-Control-Allow-Origin")) == 1


def test_the_docs_allow_exactly_their_own_inline_script(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    policy = _single(response, "Content-Security-Policy")
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == f"'self' 'sha256-{digest}'"
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert _single(response, "X-Frame-Options") == "DENY"
    assert _single(response, "Cache-Control") == "no-store"
    # Everything the page loads is served here, and may be cached.
    for asset in re.findall(r'(?:src|href)="([^"]+)"', response.text):
        assert asset.startswith("/docs/static/"), asset
        loaded = client.get(asset)
        assert loaded.status_code == 200, asset
        assert loaded.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" not in loaded.headers.get("Cache-Control", "")
    assert '"validatorUrl": null' in response.text


@pytest.mark.parametrize("path", ["/", "/organisatie", "/assets/favicon.svg"])
def test_the_web_page_keeps_its_own_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert _single(response, "Content-Security-Policy") == PAGE_CSP
    assert _single(response, "X-Frame-Options") == "DENY"
    assert _single(response, "Referrer-Policy") == "no-referrer"
    assert _single(response, "X-Content-Type-Options") == "nosniff"
    assert _single(response, "Cache-Control") == "no-cache"


def test_unexpected_errors_too(database_url: str) -> None:
    """A 500 is rendered outside the middleware; it carries the same headers."""
    application = create_app(Settings(database_url=database_url, webhook_worker=False))

    @application.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("boom")

    try:
        response = TestClient(application, raise_server_exceptions=False).get("/boom")
        assert response.status_code == 500
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert_api_headers(response)
    finally:
        application.state.engine.dispose()
