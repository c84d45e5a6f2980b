"""The one place that renders every error as RFC 9457 problem+json: the domain's exceptions
(``api.core.exceptions``), FastAPI's and pydantic's validation errors, HTTP errors and the
database's. Invalid input is a 400 listing every problem (NL API Design Rules), never FastAPI's
422.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import API_VERSION
from api.core.exceptions import (
    Conflict,
    DomainError,
    InvalidInput,
    ServiceUnavailable,
    invalid_params_from,
)
from api.http.middleware import NO_STORE, SECURITY_HEADERS
from api.http.problems import problem_response
from schemas.base import InvalidParam

log = logging.getLogger("wegwijs")


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
        # Starlette runs this handler outermost, outside our middleware (Edge): add its
        # headers here.
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
