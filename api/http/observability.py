"""The outermost middleware: a request id for every request, one log line and the request
metrics for every answer (413s and other answers given before routing included)."""

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class RequestContext:
    """Accepts a safe incoming ``X-Request-Id`` or makes one, returns it on every response,
    exposes it to handlers (``request.state.request_id``) and to every log record made while
    handling the request, then logs the request without anything a caller sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), None)
        request_id = request_id_from(incoming.decode("latin-1") if incoming else None)
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        # Routing rewrites the scope (root_path under a mount): keep what came in.
        probe = {
            "type": "http",
            "path": scope["path"],
            "method": scope["method"],
            "root_path": scope.get("root_path", ""),
        }
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"]
            route = route_template(scope, probe) or OTHER
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
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            REQUEST_ID.reset(token)
