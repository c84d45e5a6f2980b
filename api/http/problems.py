"""A problem+json answer (RFC 9457): the one shape of every error the API sends."""

from fastapi.responses import JSONResponse

from schemas.base import InvalidParam, Problem

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://wegwijs.example/problems/"


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
