from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import problem_response
from api.persistence import database_is_reachable

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the process alive?")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Can the service answer requests?",
    responses={503: {"description": "The database is not reachable."}},
)
def ready(request: Request) -> JSONResponse:
    if not database_is_reachable(request.app.state.engine):
        return problem_response(
            status=503,
            title="Service unavailable",
            slug="service-unavailable",
            detail="The database is not reachable.",
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ready", "database": "ok"})
