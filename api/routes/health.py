import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.core import metrics
from api.core.exceptions import Forbidden, Unauthorized
from api.http.deps import SessionDep, SettingsDep, principal_for
from api.http.problems import problem_response
from api.services.matching import loaded_directories

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the process alive?", operation_id="getHealth")
def health() -> dict[str, str]:
    return {"status": "ok"}


def _indexes() -> dict[str, dict]:
    """The matching indexes this process holds (none are built here: a probe stays cheap)."""
    builds = metrics.index_builds()
    report = {}
    for code, (version, directory) in sorted(loaded_directories().items()):
        build = builds.get(code)
        report[code] = {
            "contacts": directory.size,
            "version": version,
            "builtAt": build.built_at.isoformat().replace("+00:00", "Z") if build else None,
            "buildSeconds": round(build.seconds, 3) if build else None,
        }
    return report


@router.get(
    "/ready",
    summary="Can the service answer requests?",
    operation_id="getReadiness",
    description="The database is reachable and the matching indexes built at start-up are "
    "ready; `indexes` lists the indexes this process holds (kept up to date on each match).",
    responses={
        503: {"description": "The database is not reachable, or the indexes are being built."}
    },
)
def ready(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    if not request.app.state.reachability.reachable(settings.ready_timeout_seconds):
        return _unavailable("The database is not reachable.", retry_after=5)
    warmup = getattr(request.app.state, "index_warmup", None)
    if warmup is not None and warmup.is_alive():
        return _unavailable("The matching indexes are being built (start-up).", retry_after=2)
    return JSONResponse({"status": "ready", "database": "ok", "indexes": _indexes()})


def _unavailable(detail: str, *, retry_after: int) -> JSONResponse:
    return problem_response(
        status=503,
        title="Service unavailable",
        slug="service-unavailable",
        detail=detail,
        headers={"Retry-After": str(retry_after)},
    )


_bearer = HTTPBearer(auto_error=False)


def require_metrics_access(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """An admin key, or ``WEGWIJS_METRICS_TOKEN`` for a scraper that should hold no key."""
    if credentials is None:
        raise Unauthorized(
            "An admin key or the metrics token is required (Authorization: Bearer …)."
        )
    token = credentials.credentials.encode()
    if settings.metrics_token and hmac.compare_digest(token, settings.metrics_token.encode()):
        return
    principal = principal_for(session, settings, credentials)
    # The whole service's figures (per municipality too): for the operator, not a municipality.
    if not principal.is_national:
        raise Forbidden("Metrics need a national admin key or the metrics token.")


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_metrics_access)])
def prometheus_metrics(request: Request) -> Response:
    """Prometheus text format; see docs/operations.md, "Metrics"."""
    return Response(
        metrics.render(request.app.state.engine),
        media_type=metrics.CONTENT_TYPE,
        headers={"Cache-Control": "no-store"},
    )
