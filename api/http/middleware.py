"""The service's one ASGI middleware layer (issue 15: every layer costs every request a
coroutine and a wrapped ``send``): the request id, log line and metrics (``observability``),
the headers every answer carries, and the body-size limit."""

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import API_VERSION
from api.core.exceptions import PayloadTooLarge
from api.http.observability import REQUEST_ID_HEADER, RequestRecord
from api.http.problems import problem_response

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/docs"
DOCS_ASSETS_PATH = "/docs/static/"

# JSON and problem answers: nothing may load or frame them.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"

# Every answer, unless the route set its own (the web page sets all of these itself).
SECURITY_HEADERS = {
    "Content-Security-Policy": API_CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# API answers may hold personal data: no cache keeps them. Swagger UI's assets are cacheable.
NO_STORE = "no-store"

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def page_security_policy(*script_hashes: str) -> str:
    """The CSP of our HTML pages (the web page, ``/docs``): scripts, styles and calls from this
    origin only, an inline script only by its hash, never framed."""
    return "; ".join(
        (
            "default-src 'none'",
            " ".join(("script-src 'self'", *script_hashes)),
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def docs_security_policy(html: bytes) -> str:
    """The CSP for Swagger UI's page: its bundled script and stylesheet from ``/docs/static``,
    its one inline script allowed by its SHA-256 (no 'unsafe-inline' anywhere), calls to this
    origin only. Checked in Chromium: no violation when browsing and trying out calls."""
    return page_security_policy(
        *(
            "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
            for script in _INLINE_SCRIPT.findall(html)
        )
    )


def add_response_headers(headers: MutableHeaders, path: str) -> None:
    """Add what an answer lacks: ``API-Version`` (NL ADR) and the security headers (OWASP).
    A header the route already set is kept, never sent twice."""
    headers["API-Version"] = API_VERSION
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    if "Cache-Control" not in headers and not path.startswith(DOCS_ASSETS_PATH):
        headers["Cache-Control"] = NO_STORE
    # The OpenAPI document is open to all origins; CORS for the rest comes from settings only
    # (CORSMiddleware answers an allowed origin itself; never send a second Allow-Origin).
    if path == OPENAPI_PATH and "Access-Control-Allow-Origin" not in headers:
        headers["Access-Control-Allow-Origin"] = "*"


class Edge:
    """Around every HTTP request, in this order: a request id (``observability``), the body
    limit, then the application; on the way out ``API-Version``, the security headers and the
    request id on the answer, and one log line and the request metrics.

    The body limit: uvicorn has no limit of its own. A declared Content-Length is checked up
    front; a chunked body is read up to the limit and then replayed, so memory stays bounded
    by the limit. ``limits`` gives single (method, path) pairs a limit of their own (the
    directory import), for callers ``may_send_more`` lets through: FastAPI reads and parses a
    body before it runs the key check, so without it anyone could make the service parse 64
    MiB for a 401. Bodies over the limit are refused with 413 before the application reads
    them.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        limits: dict[tuple[str, str], int] | None = None,
        may_send_more: Callable[[Scope], Awaitable[bool]] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = dict(limits or {})
        self.may_send_more = may_send_more

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        with RequestRecord(scope) as record:

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    record.status = message["status"]
                    headers = MutableHeaders(scope=message)
                    headers[REQUEST_ID_HEADER] = record.request_id
                    add_response_headers(headers, path)
                await send(message)

            await self._limited(scope, receive, send_with_headers)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        max_bytes = self.limits.get((scope["method"], scope["path"]), self.max_bytes)
        if (
            max_bytes > self.max_bytes
            and self.may_send_more is not None
            and not await self.may_send_more(scope)
        ):
            max_bytes = self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > max_bytes:
                await self._refuse(scope, receive, send, max_bytes)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await self._refuse(scope, receive, send, max_bytes)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = problem_response(
            status=PayloadTooLarge.status,
            title=PayloadTooLarge.title,
            slug=PayloadTooLarge.slug,
            detail=f"The request body is larger than {max_bytes} bytes.",
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
