"""Domain exceptions and the one place that renders every error as RFC 9457 problem+json.

Invalid input is a 400 listing every problem (NL API Design Rules), never FastAPI's 422.
"""

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import API_VERSION
from schemas.base import PATTERN_MEANINGS, InvalidParam, Problem

log = logging.getLogger("wegwijs")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://wegwijs.example/problems/"


class DomainError(Exception):
    status = 500
    title = "Internal error"
    slug = "internal"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class InvalidInput(DomainError):
    status, title, slug = 400, "Invalid input", "invalid-input"

    def __init__(self, invalid_params: Sequence[InvalidParam], detail: str | None = None):
        super().__init__(detail or "The request has invalid parameters; see invalidParams.")
        self.invalid_params = list(invalid_params)

    @classmethod
    def field(cls, name: str, reason: str) -> "InvalidInput":
        return cls([InvalidParam(name=name, reason=reason)])


class Unauthorized(DomainError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str = "A valid API key is required (Authorization: Bearer …)."):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class NotAcceptable(DomainError):
    status, title, slug = 406, "Not acceptable", "not-acceptable"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class PreconditionFailed(DomainError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class ServiceUnavailable(DomainError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


def problem_response(
    *,
    status: int,
    title: str,
    slug: str,
    detail: str | None = None,
    invalid_params: list[InvalidParam] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        invalid_params=invalid_params,
    )
    return JSONResponse(
        problem.model_dump(by_alias=True, exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def json_path(loc: Sequence[Any]) -> str:
    """``("body", "contacts", 0, "unitKey")`` → ``contacts[0].unitKey``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _reason(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":
        position = error.get("loc", ("", "?"))[-1]
        problem = error.get("ctx", {}).get("error", "")
        return f"The body is not valid JSON (at character {position}): {problem}."
    if error["type"] == "missing":
        return "Required."
    if error["type"] == "extra_forbidden":
        return "Unknown field."
    if error["type"] == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern")
        return PATTERN_MEANINGS.get(pattern, f"Must match the pattern {pattern}.")
    return str(error.get("msg", "Invalid value."))


# Pydantic's names for validator and union members in an error location; a client's own
# (unknown) field named "x[0]" is no such tag and must keep its name.
_SCHEMA_TAG = re.compile(
    r"^(function-(after|before|wrap|plain)|nullable|union|tagged-union|json-or-python"
    r"|lax-or-strict|chain|default|list|dict|set|frozenset|tuple)\[.*\]$"
)


def _is_schema_tag(part: object) -> bool:
    return isinstance(part, str) and _SCHEMA_TAG.match(part) is not None


def invalid_params_from(errors: Sequence[dict[str, Any]]) -> list[InvalidParam]:
    params = []
    for error in errors:
        if error["type"] == "json_invalid":
            params.append(InvalidParam(name="body", reason=_reason(error)))
            continue
        loc = list(error.get("loc", ()))
        # Drop the location kind ("body", "query", "path") and pydantic's union tags
        # ("function-after[...]") so the name is the field's JSON path.
        if loc and loc[0] in {"body", "query", "path", "header"}:
            loc = loc[1:]
        loc = [part for part in loc if not _is_schema_tag(part)]
        params.append(InvalidParam(name=json_path(loc), reason=_reason(error)))
    return params


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            status=exc.status,
            title=exc.title,
            slug=exc.slug,
            detail=exc.detail,
            invalid_params=getattr(exc, "invalid_params", None),
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    @app.exception_handler(ValidationError)
    async def _validation(
        _request: Request, exc: RequestValidationError | ValidationError
    ) -> JSONResponse:
        return problem_response(
            status=400,
            title=InvalidInput.title,
            slug=InvalidInput.slug,
            detail="The request has invalid parameters; see invalidParams.",
            invalid_params=invalid_params_from(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            400: "Invalid input",
            404: "Not found",
            405: "Method not allowed",
            413: "Payload too large",
        }
        detail = str(exc.detail) if exc.detail else None
        # FastAPI raises a plain 400 for bodies it cannot even decode (bad UTF-8, nesting too
        # deep for the JSON parser); it is still invalid input with the body named.
        invalid = (
            [InvalidParam(name="body", reason=detail or "The body cannot be read.")]
            if exc.status_code == 400
            else None
        )
        return problem_response(
            status=exc.status_code,
            title=titles.get(exc.status_code, "Error"),
            slug=titles.get(exc.status_code, "error").lower().replace(" ", "-"),
            detail=detail,
            invalid_params=invalid,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check references first; this only catches races between two writers.
        log.warning("integrity error: %s", type(exc.orig).__name__)
        return problem_response(
            status=409,
            title=Conflict.title,
            slug=Conflict.slug,
            detail="The change conflicts with the current state; reload and try again.",
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeoutError)
    async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable: %s", type(exc).__name__)
        return problem_response(
            status=503,
            title=ServiceUnavailable.title,
            slug=ServiceUnavailable.slug,
            detail="The database is not reachable right now; try again shortly.",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DBAPIError)
    async def _dbapi(_request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database error: %s", type(exc.orig).__name__)
        if exc.connection_invalidated:
            return await _unavailable(_request, exc)
        return problem_response(
            status=500, title="Internal error", slug="internal", detail="Unexpected error."
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(_request.state, "request_id", None)
        log.exception("unhandled error", exc_info=exc, extra={"request_id": request_id})
        # Starlette runs this handler outermost, outside ResponseHeaders and RequestContext:
        # add their headers here.
        from api.middleware import NO_STORE, SECURITY_HEADERS

        headers = {"API-Version": API_VERSION, **SECURITY_HEADERS, "Cache-Control": NO_STORE}
        if request_id:
            headers["X-Request-Id"] = request_id
        return problem_response(
            status=500,
            title="Internal error",
            slug="internal",
            detail="Unexpected error.",
            headers=headers,
        )


class TooManyRequests(DomainError):
    status, title, slug = 429, "Too many requests", "too-many-requests"


class TooManyOpenIntroductions(Conflict):
    """A limit of the domain (open requests per initiative): the initiative's state forbids
    another request until one is answered or cancelled, so a 409, not a rate limit's 429 (no
    clock to wait for). A problem type of its own tells it from the other conflicts."""

    title, slug = "Too many open introductions", "too-many-open-introductions"


class InvalidToken(InvalidInput):
    """A token from a link in a mail that cannot be used: unknown, expired or already used.
    A 400 whose problem type says which (``…/problems/token-expired``), so the page can tell
    the person what to do."""

    REASONS = {
        "unknown": "This link is unknown. Ask for a new one.",
        "expired": "This link has expired. Ask for a new one.",
        "used": "This link was already used. Ask for a new one.",
    }

    def __init__(self, why: str) -> None:
        reason = self.REASONS[why]
        super().__init__([InvalidParam(name="token", reason=reason)], detail=reason)
        self.slug = f"token-{why}"
        self.title = f"Token {why}"
