"""A request id for every request, one log line and the request metrics for every answer
(413s and other answers given before routing included); run by ``middleware.Edge``."""

import logging
import time

from starlette.routing import Match
from starlette.types import Scope

from api.core.logs import REQUEST_ID, request_id_from
from api.core.metrics import OTHER, observe_request

REQUEST_ID_HEADER = "X-Request-Id"
log = logging.getLogger("wegwijs.request")
# Probes and scrapes come every few seconds; their lines are DEBUG so they do not drown the log.
QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics"})


def route_template(scope: Scope, probe: Scope) -> str | None:
    """The path template of the route that answered (``/api/v1/units/{id}``); None when no
    route fits. ``probe`` is the request's scope as it came in, before routing changed it."""
    # FastAPI keeps an included router's prefix in its route context (its ``route`` has the
    # path within the router: ``/units/{id}``); older versions flatten the routes instead.
    fastapi_scope = scope.get("fastapi")
    context = (
        fastapi_scope.get("effective_route_context") if isinstance(fastapi_scope, dict) else None
    )
    path = getattr(context, "path_format", None)
    if path:
        return path
    route = scope.get("route")
    if route is None:
        # Answers given before routing (a 413) or by a plain route or mount: find the
        # top-level route that fits the path.
        for candidate in getattr(scope.get("app"), "routes", ()):
            match, _ = candidate.matches(probe)
            if match is not Match.NONE:
                route = candidate
                break
    return getattr(route, "path", None)


class RequestRecord:
    """One request's id and record, as a context manager around its handling (used by
    ``middleware.Edge``): accepts a safe incoming ``X-Request-Id`` or makes one, exposes it to
    handlers (``request.state.request_id``) and to every log record made meanwhile, and at
    the end logs the request, without anything a caller sent, and counts it in the metrics.
    Whoever sends the answer sets ``status``."""

    __slots__ = ("method", "probe", "request_id", "scope", "started", "status", "token")

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        self.request_id = request_id_from(incoming.decode("latin-1") if incoming else None)
        self.method = scope["method"]
        # Routing rewrites the scope (root_path under a mount): keep what came in.
        self.probe = {
            "type": "http",
            "path": scope["path"],
            "method": self.method,
            "root_path": scope.get("root_path", ""),
        }
        self.status = 500

    def __enter__(self) -> "RequestRecord":
        self.scope.setdefault("state", {})["request_id"] = self.request_id
        self.token = REQUEST_ID.set(self.request_id)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        seconds = time.perf_counter() - self.started
        status = self.status
        method = self.method
        route = route_template(self.scope, self.probe) or OTHER
        observe_request(method, route, status, seconds)
        duration_ms = round(seconds * 1000, 1)
        level = logging.ERROR if status >= 500 else logging.INFO
        if route in QUIET_ROUTES and status < 500:
            level = logging.DEBUG
        log.log(
            level,
            "%s %s %s %sms",
            method,
            route,
            status,
            duration_ms,
            extra={
                "request_id": self.request_id,
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
            },
        )
        REQUEST_ID.reset(self.token)
