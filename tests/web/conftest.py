"""Browser tests: headless Chromium (Debian's) driven by Playwright against a real server."""

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright

from api.core.wording import quantity
from tests.smtp import smtp_server
from tests.web.server import SKIP_VARIABLE, DemoServer, demo_server, ensure_chromium

WAIT_MS = 15_000
expect.set_options(timeout=10_000)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def server() -> Iterator[DemoServer]:
    """The demo with a real SMTP server (aiosmtpd) its mail worker sends to: the tests read
    the mails it received and follow their links."""
    with smtp_server() as smtp, demo_server(smtp=smtp) as running:
        yield running


SKIP_REASON = (
    f"{SKIP_VARIABLE}=1: the web page was not tested in a browser (no Chromium needed); "
    "unset it to run these tests"
)


def _skipping_browser_tests() -> bool:
    return os.environ.get(SKIP_VARIABLE, "") not in ("", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With WEGWIJS_SKIP_BROWSER_TESTS=1 every test that needs the browser is skipped, with
    the reason (``pytest -rs`` lists it), before any server starts; the page's checks that
    need no browser (headers, CSP, the scripts' source) still run."""
    if not _skipping_browser_tests():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if SKIP_VARIABLE in str(report.longrepr)
    ]
    if skipped:
        terminalreporter.write_line(
            f"{quantity(len(skipped), 'browser test')} skipped: {SKIP_REASON}.", yellow=True
        )


def _say(config: pytest.Config, line: str) -> None:
    """A line for the person running the tests now, past pytest's output capture."""
    capture = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")
    with capture.global_and_fixture_disabled():
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(line, bold=True)
        else:
            print(line, file=sys.stderr)


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    try:
        executable = ensure_chromium(say=lambda line: _say(request.config, line))
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        yield launched
        launched.close()


@dataclass
class Visit:
    """One browser tab on the server, with every request it made and every error it logged."""

    page: Page
    base_url: str
    requests: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def request_urls(self) -> list[str]:
        return [request.url for request in self.requests]


# Failed fetches (a 401 the test provoked) are logged as console errors too; they are fine.
_EXPECTED_ERRORS = re.compile(r"^Failed to load resource")


@pytest.fixture
def open_tab(browser: Browser, server: DemoServer) -> Iterator:
    """Opens tabs (the page's CSP in force); after the test, none may have broken the CSP or
    thrown, and no request may have carried anything but codes, ids and paging in its URL."""
    contexts = []
    visits: list[Visit] = []

    def _open(viewport: dict | None = None) -> Visit:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="nl-NL")
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page=page, base_url=server.base_url)
        page.on("request", lambda request: visit.requests.append(request))
        page.on(
            "console",
            lambda message: visit.errors.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: visit.errors.append(f"uncaught: {error}"))
        visits.append(visit)
        return visit

    yield _open
    for context in contexts:
        context.close()
    for visit in visits:
        unexpected = [text for text in visit.errors if not _EXPECTED_ERRORS.match(text)]
        assert not unexpected, unexpected
        for url in visit.request_urls():
            assert_url_carries_no_personal_data(url)


@pytest.fixture
def tab(open_tab) -> Visit:
    return open_tab()


ALLOWED_QUERY_KEYS = {"municipalityCode", "page", "pageSize", "initiativeId"}


def assert_url_carries_no_personal_data(url: str) -> None:
    """Only codes, ids and paging in a query string; never a form field's text. A fragment
    (a mail link's token) never reaches a server, and never travels to the API."""
    parts = urlsplit(url)
    assert parts.scheme in ("http", "data"), url
    assert not (parts.fragment and parts.path.startswith("/api/")), url
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        assert key in ALLOWED_QUERY_KEYS, url
        assert re.fullmatch(r"[A-Za-z0-9]{1,12}", value), url
