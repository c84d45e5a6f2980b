"""The contract as an integrator's generator reads it: ``openapi-python-client`` generates a
client from the document a live server serves, and one flow runs through that client.

The server is ``wegwijs serve --demo`` on a free port of 127.0.0.1 with a temporary SQLite
database (tests/web/server.py); generation runs offline in a temporary directory, without the
generator's formatting hooks (they change nothing the test reads).
"""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.web.server import DemoServer, demo_server

PACKAGE = "wegwijs_client"
# The generator of this interpreter's environment (a test dependency), whatever is on PATH.
GENERATOR = [sys.executable, "-m", "openapi_python_client"]


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with demo_server() as running:
        yield running


@pytest.fixture(scope="module")
def document(server: DemoServer) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=10)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def generated(
    document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    directory = tmp_path_factory.mktemp("generated-client")
    (directory / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    (directory / "config.yaml").write_text("post_hooks: []\n", encoding="utf-8")
    result = subprocess.run(  # noqa: S603 (the generator installed with the test extras)
        [
            *GENERATOR,
            "generate",
            "--path",
            "openapi.json",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
            "--config",
            "config.yaml",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Any warning means part of the document could not be generated.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def example(document: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    return document["paths"][path][method]["requestBody"]["content"]["application/json"]["example"]


def test_the_server_url_is_absolute(server: DemoServer, document: dict[str, Any]) -> None:
    assert document["servers"][0]["url"] == f"{server.base_url}/api/v1"


def test_one_flow_through_the_generated_client(
    server: DemoServer, document: dict[str, Any], generated: ModuleType
) -> None:
    client_module = importlib.import_module(f"{PACKAGE}.client")
    models = importlib.import_module(f"{PACKAGE}.models")
    create_contact = importlib.import_module(f"{PACKAGE}.api.contacts.create_contact")
    find_matches = importlib.import_module(f"{PACKAGE}.api.matches.find_matches")
    gaps_csv = importlib.import_module(f"{PACKAGE}.api.insights.get_gap_report_csv")

    # The base URL is the document's server, as a generated client's user reads it there.
    client = client_module.AuthenticatedClient(
        base_url=document["servers"][0]["url"],
        token=server.admin_token,
        raise_on_unexpected_status=True,
    )
    with client as api:
        contact = create_contact.sync(
            client=api, body=models.ContactCreate.from_dict(example(document, "/contacts"))
        )
        assert isinstance(contact, models.ContactPublic), contact
        assert contact.name == "Noor Bakker" and contact.id > 0

        detailed = create_contact.sync_detailed(
            client=api,
            body=models.ContactCreate.from_dict(
                {**example(document, "/contacts"), "email": "tweede@amsterdam.example"}
            ),
        )
        assert detailed.status_code == 201
        assert detailed.headers["Location"] == f"/api/v1/contacts/{detailed.parsed.id}"

        result = find_matches.sync(
            client=api, body=models.MatchRequest.from_dict(example(document, "/matches"))
        )
        assert isinstance(result, models.MatchResult), result
        assert result.items, "the demo has people for this question"
        covered = [need for item in result.items for need in item.needs_covered]
        assert covered and all(isinstance(need, models.NeedKind) for need in covered)

        report = gaps_csv.sync(client=api, municipality_code="GM0363")
        assert isinstance(report, str), report
        assert report.startswith("section,key,label,")
        assert len(report.splitlines()) > 1

        # A problem comes back as the Problem model, not as None.
        missing = create_contact.sync(
            client=api,
            body=models.ContactCreate.from_dict({**example(document, "/contacts"), "unitId": 9999}),
        )
        assert isinstance(missing, models.Problem), missing
        assert missing.status == 400
