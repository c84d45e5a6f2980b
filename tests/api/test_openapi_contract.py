"""The contract as integrators' tools read it: operation ids, the server URL, the headers
declared where they are sent, the need-kind enum, and a working example for every body."""

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.cli.demo import load_demo
from api.core.settings import Settings
from api.http.app import create_app
from api.http.openapi import PLACEHOLDER_ORIGIN
from tests.helpers import API

Headers = dict[str, str]
CAMEL_CASE = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)*$")
# The headers the API sends that a client may act on (the rest are security headers).
CONTRACT_HEADERS = ("Location", "Link", "ETag", "Retry-After", "API-Version", "X-Request-Id")
METHODS = ("get", "post", "put", "patch", "delete")


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_every_operation_has_a_short_unique_camel_case_id(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, _, operation in operations(document)]
    assert len(ids) > 60
    assert len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]
    assert [i for i in ids if not CAMEL_CASE.match(i) or len(i) > 30] == []
    by_route = {(m, p): o["operationId"] for m, p, o in operations(document)}
    # A few pinned: a rename breaks every generated client, so it must be deliberate.
    assert by_route["post", "/contacts"] == "createContact"
    assert by_route["get", "/contacts"] == "listContacts"
    assert by_route["get", "/initiatives/{id}/matches"] == "getInitiativeMatches"
    assert by_route["get", "/insights/gaps"] == "getGapReport"


def test_the_server_is_the_absolute_url_of_api_v1(client: TestClient, settings: Settings) -> None:
    # WEGWIJS_PUBLIC_URL set (the test settings set it): that one, whoever asks.
    served = client.get(f"{API}/openapi.json").json()
    assert [s["url"] for s in served["servers"]] == [f"{settings.public_url}/api/v1"]
    # Not set: the origin the document was asked at; exported without a request: a placeholder.
    unset = Settings(database_url="sqlite://", log_level="WARNING", webhook_worker=False)
    other = create_app(unset)
    with TestClient(other, base_url="http://wegwijs.gemeente.example:8080") as other_client:
        asked = other_client.get(f"{API}/openapi.json").json()
    assert asked["servers"][0]["url"] == "http://wegwijs.gemeente.example:8080/api/v1"
    assert other.openapi()["servers"][0]["url"] == f"{PLACEHOLDER_ORIGIN}/api/v1"
    other.state.engine.dispose()


def test_match_items_list_needs_as_the_need_kind_enum(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("MatchItem", "InitiativeMatchItem"):
        items = schemas[name]["properties"]["needsCovered"]["items"]
        assert items == {"$ref": "#/components/schemas/NeedKind"}, name
    assert "space" in schemas["NeedKind"]["enum"]


def _template(document: dict[str, Any], method: str, url: str) -> str:
    path = url.split("?")[0].removeprefix(API)
    for template, item in document["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if method in item and re.fullmatch(pattern, path):
            return template
    raise AssertionError(f"{method} {path} is not in the document")


def assert_headers_declared(document: dict[str, Any], response: Any) -> None:
    """Every contract header this answer carries is declared on its operation and status."""
    method = response.request.method.lower()
    template = _template(document, method, str(response.request.url.path))
    declared = document["paths"][template][method]["responses"][str(response.status_code)]
    names = {name.lower() for name in declared.get("headers", {})}
    sent = {name for name in CONTRACT_HEADERS if name in response.headers}
    assert {"API-Version", "X-Request-Id"} <= sent
    missing = {name for name in sent if name.lower() not in names}
    assert not missing, (method, template, response.status_code, missing)


def test_the_headers_the_api_sends_are_declared(
    client: TestClient, admin: Headers, engine: Engine, document: dict[str, Any]
) -> None:
    with Session(engine) as session:
        load_demo(session=session)
    created = client.post(
        f"{API}/contacts",
        json=document["paths"]["/contacts"]["post"]["requestBody"]["content"]["application/json"][
            "example"
        ],
        headers=admin,
    )
    assert created.status_code == 201 and "Location" in created.headers
    listed = client.get(f"{API}/contacts", params={"pageSize": 2}, headers=admin)
    assert "Link" in listed.headers
    one = client.get(created.headers["Location"], headers=admin)
    assert "ETag" in one.headers
    missing = client.get(f"{API}/contacts/999999", headers=admin)
    refused = client.get(f"{API}/contacts", headers={"Authorization": "Bearer nope"})
    for response in (created, listed, one, missing, refused):
        assert_headers_declared(document, response)
    # And an operation that sends no Location does not claim one.
    ask = document["paths"]["/sessions"]["post"]["responses"]["201"]["headers"]
    assert "Location" not in ask


# Examples that cannot succeed on any demo: a code from a link in a mail (400 of its own
# token problem type) and the rotation of a key the demo does not make.
NEEDS_A_MAIL = {"createSession", "previewIntroductionResponse", "createIntroductionResponse"}


def test_every_request_body_has_an_example_that_works_on_the_demo(
    client: TestClient, admin: Headers, engine: Engine, document: dict[str, Any]
) -> None:
    with Session(engine) as session:
        assert load_demo(session=session)
    tried = []
    for method, path, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if not content:
            continue
        name = operation["operationId"]
        assert "example" in content["application/json"], name
        url = API + path
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert "example" in parameter, (name, parameter["name"])
                url = url.replace("{" + parameter["name"] + "}", str(parameter["example"]))
        response = client.request(
            method.upper(), url, json=content["application/json"]["example"], headers=admin
        )
        tried.append(name)
        if name in NEEDS_A_MAIL:
            assert response.status_code == 400, (name, response.text)
            assert response.json()["type"].endswith("/problems/token-unknown"), name
            continue
        assert response.status_code < 400, (name, response.status_code, response.text)
        assert_headers_declared(document, response)
    assert len(tried) >= 25
