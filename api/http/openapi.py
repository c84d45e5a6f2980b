"""The OpenAPI document as the NL API Design Rules want it.

FastAPI documents a 422 on every operation; we answer 400 problem+json instead, so the
document is rewritten once here: every operation lists its problem responses, every success
declares the ``API-Version`` header, ``servers`` ends in ``/api/v1``, and schema names are
UpperCamelCase (``Page[UnitPublic]`` is ``UnitPublicPage``, not ``Page_UnitPublic_``).
"""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import API_VERSION
from schemas.base import Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
API_VERSION_HEADER = {
    "description": "The full version of this API (semver).",
    "schema": {"type": "string", "example": API_VERSION},
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


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=API_VERSION,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=[{"url": "/api/v1", "description": "This server"}],
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
        path.removeprefix("/api/v1") or "/": item
        for path, item in document["paths"].items()
        if path.startswith("/api/v1")
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            _document_etags(path, method, operation)
            for status, response in responses.items():
                if status.startswith(("2", "3")):
                    response.setdefault("headers", {})["API-Version"] = API_VERSION_HEADER
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
            # Every error, including route-specific ones such as 429, is problem+json.
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
    document = pascal_case_schemas(document)
    app.openapi_schema = document
    return document
