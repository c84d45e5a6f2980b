"""The initiator's web page: static HTML, CSS and JavaScript modules that call the JSON API.

The page is one more client of the API: no templates, no build step, nothing fetched from
elsewhere. Its routes stay out of the OpenAPI document, and its responses carry a strict
Content-Security-Policy (no inline script or style), set in ``page_security_headers`` only.
"""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from api.http.middleware import page_security_policy

STATIC_DIR = Path(__file__).parent / "static"
ASSETS_PATH = "/assets"
# Page path → its HTML file under static/.
PAGES = {
    "/": "index.html",
    "/organisatie": "organisatie.html",
    # The pages links in mails open: they change nothing when opened (the token is in the
    # fragment, which no server sees; only the page's own POST acts on it).
    "/inloggen": "inloggen.html",
    "/kennismaking": "kennismaking.html",
}

CONTENT_SECURITY_POLICY = page_security_policy()


def page_security_headers() -> dict[str, str]:
    """Headers for the web page and its assets (JSON answers get theirs elsewhere)."""
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        # Revalidate on every visit, so a new release's page never runs old scripts.
        "Cache-Control": "no-cache",
    }


class _Assets(StaticFiles):
    """The page's CSS, JavaScript and icon, with the page's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(page_security_headers())
        return response


def _page_route(filename: str):
    def page() -> FileResponse:
        return FileResponse(
            STATIC_DIR / filename,
            media_type="text/html; charset=utf-8",
            headers=page_security_headers(),
        )

    return page


def mount_web(app: FastAPI) -> None:
    """Serve the pages (``PAGES``) and their assets under ``/assets``."""
    router = APIRouter(include_in_schema=False)
    for path, filename in PAGES.items():
        router.add_api_route(
            path, _page_route(filename), methods=["GET", "HEAD"], include_in_schema=False
        )
    app.include_router(router)
    app.mount(ASSETS_PATH, _Assets(directory=STATIC_DIR / "assets"), name="assets")
