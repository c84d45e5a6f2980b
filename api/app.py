"""The FastAPI application factory."""

import logging

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import API_VERSION
from api.errors import install_error_handlers
from api.middleware import OPENAPI_PATH, BodySizeLimit, ResponseHeaders
from api.openapi import build_openapi
from api.persistence import create_db_engine
from api.routes import (
    api_keys,
    areas,
    contacts,
    health,
    imports,
    initiatives,
    municipalities,
    units,
)
from api.settings import Settings, get_settings

DESCRIPTION = """\
**Wie moet ik hebben bij de gemeente?** Wegwijs matches citizen initiatives to the civil
servants who can help them: the right portfolio and area, open to initiatives, with a network
that reaches the partners an initiative needs, and time to spare.

Authenticate with `Authorization: Bearer <API key>`. Anonymous callers may read the
organisation map (municipalities, areas, units); everything personal needs a key, and
contact details are shown only to the roles that need them.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level)
    app = FastAPI(
        title="Wegwijs",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url=OPENAPI_PATH,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = create_db_engine(settings)

    v1 = APIRouter(prefix="/api/v1")
    for module in (municipalities, areas, units, contacts, initiatives, imports, api_keys):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(health.router)
    install_error_handlers(app)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match"],
            expose_headers=["API-Version", "Location", "Link", "ETag"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ResponseHeaders)
    return app
