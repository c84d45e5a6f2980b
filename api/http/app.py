"""The FastAPI application factory."""

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
import swagger_ui_bundle
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.types import Scope

from api import API_VERSION
from api.core.exceptions import Unauthorized
from api.core.logs import configure_logging
from api.core.persistence import ReachabilityProbe, create_db_engine
from api.core.settings import Settings, get_settings
from api.http.deps import get_principal, principal_for
from api.http.error_handlers import install_error_handlers
from api.http.middleware import OPENAPI_PATH, Edge, docs_security_policy
from api.http.negotiation import negotiate
from api.http.one_hop import match_turns
from api.http.openapi import build_openapi, document_for
from api.http.ratelimit import RateLimiter, enforce_rate_limit, guard_failed_keys
from api.http.web import mount_web
from api.routes import (
    api_keys,
    areas,
    contacts,
    health,
    imports,
    initiatives,
    insights,
    introduction_responses,
    introductions,
    mail_deliveries,
    match_overrides,
    matches,
    municipalities,
    notes,
    privacy,
    responses,
    sessions,
    themes,
    units,
    webhooks,
)
from api.services.mail_delivery import MailWorker, smtp_server
from api.services.matching import warm_up
from api.services.notifications import send_reminders
from api.services.webhook_delivery import WebhookWorker
from schemas import Role

DESCRIPTION = """\
**Wie moet ik hebben bij de gemeente?** Wegwijs matches citizen initiatives to the civil
servants who can help them: the right portfolio and area, open to initiatives, with a network
that reaches the partners an initiative needs, and time to spare.

Authenticate with `Authorization: Bearer <API key>`. Anonymous callers may read the
organisation map (municipalities, areas, units); everything personal needs a key, and
contact details are shown only to the roles that need them.
"""


def _serve_openapi(app: FastAPI) -> None:
    """The document at /api/v1/openapi.json, its server the absolute URL of this API (FastAPI's
    own route would only add a relative root path)."""

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(document_for(app, request))


def _mount_docs(app: FastAPI) -> None:
    """Interactive docs served from the bundled Swagger UI: nothing is fetched from a CDN, so
    they work on closed municipal networks and under a strict Content-Security-Policy."""
    app.mount("/docs/static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=OPENAPI_PATH,
            title="Wegwijs API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
            # No badge from validator.swagger.io: the docs fetch nothing from elsewhere.
            swagger_ui_parameters={"validatorUrl": None},
        )
        # Its one inline script is allowed by hash (see api/http/middleware.py).
        page.headers["Content-Security-Policy"] = docs_security_policy(bytes(page.body))
        return page


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Each process delivers the webhook and mail outboxes in background threads (safe with
    many) and builds its matching indexes in another."""
    worker = None
    if app.state.settings.webhook_worker:
        worker = WebhookWorker(engine=app.state.engine, settings=app.state.settings)
        worker.start()
    app.state.webhook_worker = worker
    mail_worker = None
    if app.state.settings.mail_worker:
        mail_worker = MailWorker(
            engine=app.state.engine,
            settings=app.state.settings,
            send_reminders=send_reminders,
        )
        mail_worker.start()
    app.state.mail_worker = mail_worker
    warmup = None
    if app.state.settings.index_warmup:
        warmup = threading.Thread(
            target=warm_up, args=(app.state.engine,), name="index-warmup", daemon=True
        )
        warmup.start()
    app.state.index_warmup = warmup
    try:
        yield
    finally:
        if worker is not None:
            await asyncio.to_thread(worker.stop)
        if mail_worker is not None:
            await asyncio.to_thread(mail_worker.stop)


def _admin_caller(app: FastAPI) -> Callable[[Scope], Awaitable[bool]]:
    """Whether a request carries a valid admin key: only admins may send an import's large
    body (checked before the body is read; the route checks the key again as usual)."""

    def is_admin(authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip())
        try:
            with Session(app.state.engine) as session:
                principal = principal_for(session, app.state.settings, credentials)
        except (Unauthorized, SQLAlchemyError):
            return False
        return principal.role is Role.admin

    async def check(scope: Scope) -> bool:
        authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        return bool(authorization) and await anyio.to_thread.run_sync(is_admin, authorization)

    return check


def _check_mail_settings(settings: Settings) -> None:
    """A bad SMTP URL stops the start with a reason (never the URL: it holds the password);
    no SMTP URL is said once: mails then wait in the outbox."""
    try:
        server = smtp_server(settings)
    except ValueError as problem:
        raise RuntimeError(f"WEGWIJS_SMTP_URL is not usable: {problem}.") from None
    if server is None:
        logging.getLogger("wegwijs.mail").warning(
            "WEGWIJS_SMTP_URL is not set: mails are kept in the outbox and not sent "
            '(each is logged as "not sent: no SMTP server configured")'
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    _check_mail_settings(settings)
    if settings.webhook_allow_private_targets:
        logging.getLogger("wegwijs").warning(
            "WEGWIJS_WEBHOOK_ALLOW_PRIVATE_TARGETS is on: webhooks may call loopback and "
            "private addresses (for development and tests only)"
        )
    app = FastAPI(
        title="Wegwijs",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url=None,  # served by _serve_openapi
        docs_url=None,
        redoc_url=None,
        # NL ADR: no trailing slashes; /units/ is a 404, not a redirect.
        redirect_slashes=False,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = create_db_engine(settings)
    app.state.reachability = ReachabilityProbe(app.state.engine)
    app.state.rate_limiter = RateLimiter(settings)
    app.state.match_turns = match_turns(settings)

    # Every call is checked for a key: a wrong or revoked key is a 401 even where anonymous
    # callers are welcome, so a client never mistakes a dead key for a working one.
    # Rate limits: failed keys per address before the key check, then keys by id and anonymous
    # callers by address.
    key_checks = [Depends(guard_failed_keys), Depends(get_principal), Depends(enforce_rate_limit)]
    # Before the key: a 406 says nothing about the key, and costs no lookup.
    v1 = APIRouter(prefix="/api/v1", dependencies=[Depends(negotiate)])
    for module in (
        municipalities,
        areas,
        units,
        contacts,
        initiatives,
        match_overrides,
        notes,
        responses,
        introductions,
        matches,
        insights,
        themes,
        imports,
        api_keys,
        webhooks,
        privacy,
        sessions,
        introduction_responses,
        mail_deliveries,
    ):
        if hasattr(module, "router"):
            v1.include_router(module.router, dependencies=key_checks)
        # The match routes check the key and the rate limits themselves, with the same
        # functions, in their one threadpool hop (api/http/one_hop.py).
        if hasattr(module, "one_hop_router"):
            v1.include_router(module.one_hop_router)
    app.include_router(v1)
    app.include_router(health.router)
    _serve_openapi(app)
    _mount_docs(app)
    mount_web(app)  # the initiator's web page at / (outside the OpenAPI document)
    install_error_handlers(app)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-Id"],
            expose_headers=["API-Version", "Location", "Link", "ETag", "X-Request-Id"],
        )
    # One layer, outermost of ours (added last): its request id, headers and log line cover
    # every answer, 413s included.
    app.add_middleware(
        Edge,
        max_bytes=settings.max_body_bytes,
        limits={("POST", "/api/v1/imports"): settings.max_import_body_bytes},
        may_send_more=_admin_caller(app),
    )
    return app
