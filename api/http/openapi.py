"""The OpenAPI document as the NL API Design Rules want it.

FastAPI documents a 422 on every operation; we answer 400 problem+json instead, so the
document is rewritten once here: every operation lists its problem responses, every response
declares the headers the API sends on it (``API-Version``, ``X-Request-Id``, ``Location``,
``Link``, ``ETag``, ``Retry-After``), ``servers`` is the absolute URL ending in ``/api/v1``,
and schema names are UpperCamelCase (``Page[UnitPublic]`` is ``UnitPublicPage``, not
``Page_UnitPublic_``). Operation ids are set on the routes themselves (``operation_id=``).
"""

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi

from api import API_VERSION
from api.core.settings import Settings
from api.http.openapi_examples import EXAMPLES
from schemas.base import Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
API_VERSION_HEADER = {
    "description": "The full version of this API (semver).",
    "schema": {"type": "string", "example": API_VERSION},
}
REQUEST_ID_HEADER = {
    "description": "The request's id (the caller's own `X-Request-Id` if it sent a safe one): "
    "quote it when reporting a problem; it is in the service's log line.",
    "schema": {"type": "string", "example": "7f6c2b1e9a4d4c3e8b0f5a6d7e8c9b0a"},
}
LOCATION_HEADER = {
    "description": "The path of the resource just made.",
    "schema": {"type": "string", "example": "/api/v1/contacts/42"},
}
# The creates that answer 201 with the new resource's path (a session, an import's report
# or an answer to an introduction is no resource of its own to GET).
LOCATION_OPERATIONS = frozenset(
    {
        "createMunicipality",
        "createArea",
        "createUnit",
        "createContact",
        "createInitiative",
        "createMatchOverride",
        "createNote",
        "createIntroduction",
        "createApiKey",
        "rotateApiKey",
        "createWebhook",
    }
)
LINK_HEADER = {
    "description": "RFC 8288 links to the `first`, `last`, `prev` and `next` pages.",
    "schema": {
        "type": "string",
        "example": '<https://wegwijs.example/api/v1/contacts?page=2&pageSize=20>; rel="next"',
    },
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer", "minimum": 1, "example": 30},
}
PROBLEMS = {
    "400": "Invalid input: every problem is listed in invalidParams.",
    "401": "No API key, or an unknown or revoked one.",
    "403": "The key's role may not do this.",
    "404": "No such resource.",
    "406": "Accept names no media type this operation answers with.",
    "409": "Conflicts with the current state.",
    "413": "The request body is too large.",
    "429": "Too many requests: wait the seconds in Retry-After.",
    "500": "Unexpected error.",
    "503": "The database is not reachable.",
}
NO_BODY_METHODS = {"get", "delete", "head", "options"}
# Single resources with an ETag (api/http/etags.py): GET, PATCH and POST (201) send it, PATCH and
# DELETE take an optional If-Match.
ETAG_COLLECTIONS = r"(municipalities|areas|units|contacts|initiatives|introductions)"
ETAG_ITEM_PATH = re.compile(rf"^/{ETAG_COLLECTIONS}/\{{[a-z]+\}}$")
ETAG_COLLECTION_PATH = re.compile(rf"^/{ETAG_COLLECTIONS}$")
ETAG_HEADER = {
    "description": "Strong entity tag of the stored record (RFC 9110); send it back in "
    "`If-Match` on PATCH or DELETE so a change made meanwhile is not overwritten.",
    "schema": {"type": "string", "example": '"3f2a9c0d5e7b41a6b8c9d0e1f2a3b4c5"'},
}
IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "Optional: only change the record if its current ETag is one of these "
    "(or `*`: whatever its version). A stale tag gets 412; a malformed one 400.",
    "schema": {"type": "string", "maxLength": 2000},
}
PRECONDITION_FAILED = "If-Match names no current version: the record changed; GET it again."
SCHEMA_REF_PREFIX = "#/components/schemas/"
API_PREFIX = "/api/v1"
# For the exported document (CI, reviewers) without WEGWIJS_PUBLIC_URL: a served document
# names the host it was asked at (see server_url).
PLACEHOLDER_ORIGIN = "http://127.0.0.1:8000"


def server_url(settings: Settings, request: Request | None = None) -> str:
    """The absolute URL of ``/api/v1``: ``WEGWIJS_PUBLIC_URL`` when set, else the origin the
    request came in at. Absolute, because a client generated from the document that is given
    a relative ``/api/v1`` (or none) cannot know the host."""
    if "public_url" in settings.model_fields_set:
        origin = settings.public_url
    elif request is not None:
        origin = str(request.base_url).rstrip("/")
    else:
        origin = PLACEHOLDER_ORIGIN
    return origin + API_PREFIX


def document_for(app: FastAPI, request: Request) -> dict[str, Any]:
    """The document as served: the cached one with this request's server URL."""
    document = dict(build_openapi(app))
    document["servers"] = [
        {"url": server_url(app.state.settings, request), "description": "This server"}
    ]
    return document


def pascal_schema_name(name: str) -> str:
    """Pydantic names a generic ``Page[A | B]`` ``Page_Union_A__B__``; make it ``AOrBPage``."""
    if "_" not in name:
        return name
    generic, *arguments = [part for part in name.split("_") if part and part != "Union"]
    return "Or".join(arguments) + generic


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _rename_refs(value, renames) for key, value in node.items()}
    if isinstance(node, list):
        return [_rename_refs(value, renames) for value in node]
    if isinstance(node, str) and node.startswith(SCHEMA_REF_PREFIX):
        name = node.removeprefix(SCHEMA_REF_PREFIX)
        return SCHEMA_REF_PREFIX + renames.get(name, name)
    return node


def pascal_case_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Rename non-UpperCamelCase component schemas and every reference to them."""
    schemas = document.get("components", {}).get("schemas", {})
    renames = {name: pascal_schema_name(name) for name in schemas}
    renames = {old: new for old, new in renames.items() if old != new}
    if not renames:
        return document
    clashes = set(renames.values()) & (set(schemas) - set(renames))
    if clashes or len(set(renames.values())) != len(renames):
        raise RuntimeError(f"Schema renames clash: {renames}")
    document = _rename_refs(document, renames)
    document["components"]["schemas"] = {
        renames.get(name, name): schema
        for name, schema in document["components"]["schemas"].items()
    }
    return document


def _document_etags(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    item, collection = ETAG_ITEM_PATH.match(path), ETAG_COLLECTION_PATH.match(path)
    tagged = (item and method in ("get", "patch")) or (collection and method == "post")
    for status in ("200", "201"):
        if tagged and status in responses:
            responses[status].setdefault("headers", {})["ETag"] = ETAG_HEADER
    if item and method in ("patch", "delete"):
        operation.setdefault("parameters", []).append(IF_MATCH_PARAMETER)
        responses.setdefault("412", {"description": PRECONDITION_FAILED})


def _add_examples(operation: dict[str, Any]) -> None:
    """The demo-data example of an operation's body and path parameters (openapi_examples)."""
    example = EXAMPLES.get(operation.get("operationId", ""), {})
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and "body" in example:
        body["example"] = example["body"]
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path" and parameter["name"] in example.get("path", {}):
            parameter["example"] = example["path"][parameter["name"]]


def _document_links(responses: dict[str, Any]) -> None:
    """A page of a list (``Page[…]``, api/routes/paging.py) comes with a Link header."""
    ok = responses.get("200", {})
    reference = ok.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    if reference and reference.removeprefix(SCHEMA_REF_PREFIX).startswith("Page_"):
        ok.setdefault("headers", {})["Link"] = LINK_HEADER


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=API_VERSION,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=[{"url": server_url(app.state.settings), "description": "This server"}],
        contact={
            "name": "Wegwijs maintainers",
            "url": "https://github.com/wegwijs/wegwijs",
            "email": "wegwijs@example.org",
        },
        license_info={"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(
        by_alias=True, ref_template="#/components/schemas/{model}"
    )
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["Problem"] = problem_schema
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)

    # Paths are mounted under /api/v1; the server URL carries that prefix.
    document["paths"] = {
        path.removeprefix(API_PREFIX) or "/": item
        for path, item in document["paths"].items()
        if path.startswith(API_PREFIX)
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            _document_etags(path, method, operation)
            for status, response in responses.items():
                if status.startswith(("2", "3")):
                    response.setdefault("headers", {})["API-Version"] = API_VERSION_HEADER
            _document_links(responses)
            _add_examples(operation)
            if operation.get("operationId") in LOCATION_OPERATIONS:
                responses["201"].setdefault("headers", {})["Location"] = LOCATION_HEADER
            for status, description in PROBLEMS.items():
                if status == "413" and method in NO_BODY_METHODS:
                    continue
                if status == "409" and method == "get":
                    continue
                if status == "404" and "{" not in path and method != "post":
                    continue
                responses.setdefault(status, {"description": description})
            # Every v1 operation is rate limited (api/http/ratelimit.py), besides its own 429s.
            too_many = responses["429"]
            if too_many["description"] != PROBLEMS["429"]:
                too_many["description"] += (
                    " Or too many requests (problem type `…/problems/too-many-requests`): "
                    "wait for Retry-After."
                )
            too_many.setdefault("headers", {})["Retry-After"] = RETRY_AFTER_HEADER
            for status in ("500", "503"):
                responses[status].setdefault("headers", {})
            responses["503"]["headers"]["Retry-After"] = RETRY_AFTER_HEADER
            # Every error, including route-specific ones such as 429, is problem+json; every
            # answer carries API-Version and X-Request-Id (api/middleware, api/observability).
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
                headers = response.setdefault("headers", {})
                headers["API-Version"] = API_VERSION_HEADER
                headers["X-Request-Id"] = REQUEST_ID_HEADER
    document = pascal_case_schemas(document)
    app.openapi_schema = document
    return document
