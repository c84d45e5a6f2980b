"""Property-based API tests: Schemathesis generates requests for every operation of our own
OpenAPI document and sends them to the app in-process, once with the admin key and once
anonymously. Every answer must be documented (status code, content type, body schema,
headers), never a 5xx, and every error must be ``application/problem+json``.

The document is read from an app built at import time (no database is touched to build it);
the requests go to the session's test app, whose database holds the small test municipality
(the ``municipality`` fixture), so small ids and ``GM0363`` exist. The tables are emptied after
each operation's test. A DELETE may remove the fixture's rows mid-run: later requests of that
operation then answer 404, which is fine. The test app runs no webhook worker, so webhook
subscriptions make no outgoing calls.

Bounded and deterministic: a fixed number of examples per operation, a fixed seed,
derandomized, no Hypothesis database. A failure found here is to be kept as a plain test
reproducing the request in ``test_regressions.py``.
Nothing is excluded: ``GET /insights/gaps`` also answers ``text/csv`` (documented), which the
checks accept as is.
"""

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.core.settings import Settings
from api.http.app import create_app
from api.http.middleware import OPENAPI_PATH
from tests.helpers import PROBLEM_JSON, Headers, ImportedMunicipality

# Only to read the OpenAPI document: the engine of an in-memory SQLite is never connected.
_DOCUMENT_APP = create_app(
    Settings(database_url="sqlite://", log_level="WARNING", webhook_worker=False)
)
# Phases: the schema's own examples and bounded, seeded fuzzing (positive and negative data).
# Not the coverage phase: it generates every case the schema defines, unbounded by
# max_examples (a one-off run with it found nothing more); not the stateful phase: it needs
# OpenAPI links, which the document lacks.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261123,
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_asgi(OPENAPI_PATH, _DOCUMENT_APP, config=CONFIG)


# Most of the time goes into generating bodies, not into the app. Without a key nearly every
# answer is the same 401 (the key is checked before the body), so fewer examples do there.
FUZZ = settings(
    max_examples=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
FUZZ_ANONYMOUS = settings(FUZZ, max_examples=10)


def problem_json_errors(ctx: checks.CheckContext, response: schemathesis.Response, case) -> None:
    """Every 4xx/5xx is RFC 9457 problem+json with the same status in its body."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith(PROBLEM_JSON), (response.status_code, content_type)
    body = response.json()
    assert body["status"] == response.status_code, body
    assert body["type"] and body["title"], body


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    problem_json_errors,
]


@schema.parametrize()
@FUZZ
def test_every_operation_as_admin(
    case: schemathesis.Case, app: FastAPI, admin: Headers, municipality: ImportedMunicipality
) -> None:
    case.call_and_validate(app=app, headers=admin, checks=CHECKS)


@schema.parametrize()
@FUZZ_ANONYMOUS
def test_every_operation_without_a_key(
    case: schemathesis.Case, app: FastAPI, municipality: ImportedMunicipality
) -> None:
    if case.headers:
        case.headers.pop("Authorization", None)
    case.call_and_validate(app=app, checks=CHECKS)
