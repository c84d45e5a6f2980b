"""What a resident or a civil servant does on the page, step by step, shared by the browser
tests: ask a question, sign in with the link from a mail the test SMTP server received."""

import secrets

from playwright.sync_api import Locator, Page, expect

from tests.smtp import Received
from tests.web.conftest import Visit
from tests.web.server import DemoServer

QUESTION = "Wij willen een moestuin in onze buurt en zoeken een stukje grond en wat vrijwilligers"


def ask(visit: Visit, text: str = QUESTION) -> Locator:
    """Fill in the question as a resident would and return the result cards."""
    page = visit.page
    page.goto(visit.url("/"))
    page.get_by_label("Wat wilt u doen?").fill(text)
    # select_option waits until the option is there (the areas load after the page).
    page.get_by_label("Waar speelt het?").select_option(label="Heel Noord")
    page.get_by_role("checkbox", name="Ruimte", exact=True).check()
    page.get_by_role("checkbox", name="Vrijwilligers", exact=True).check()
    page.get_by_role("button", name="Zoek wie ik moet hebben").click()
    cards = page.locator("#kaarten > li")
    expect(cards.first).to_be_visible()
    return cards


def unique_email() -> str:
    return f"x-{secrets.token_hex(4)}@example.org"


def mail_to(server: DemoServer, address: str, count: int = 1) -> Received:
    """The ``count``-th mail to ``address`` (waiting for the server's mail worker)."""
    assert server.smtp is not None, "this server sends no mail"
    return server.smtp.sink.wait_for(address, count)[count - 1]


def mails_to(server: DemoServer, address: str) -> int:
    assert server.smtp is not None, "this server sends no mail"
    return len(server.smtp.sink.to(address))


def link(server: DemoServer, received: Received, path: str) -> str:
    """The link to ``path`` in a mail: to the server (WEGWIJS_PUBLIC_URL), token in the
    fragment."""
    url = received.link(path)
    assert url.startswith(server.base_url + path + "#"), url
    return url


def request_sign_in_link(page: Page, server: DemoServer, email: str) -> str:
    """Ask for a link on the page (already open); the link from the mail that arrives."""
    count = mails_to(server, email) + 1
    page.get_by_label("E-mailadres om mee in te loggen").fill(email)
    page.get_by_role("button", name="Stuur mij een inloglink").click()
    expect(page.locator("#inlog-status")).to_contain_text(
        f"We hebben een e-mail gestuurd naar {email}"
    )
    received = mail_to(server, email, count)
    assert received.subject == "Uw link om in te loggen bij Wegwijs"
    assert received.message["Auto-Submitted"] == "auto-generated"
    return link(server, received, "/inloggen")


def sign_in_by_mail(page: Page, server: DemoServer, email: str) -> str:
    """Ask for a link, open it from the mail, press "Inloggen"; returns the token."""
    url = request_sign_in_link(page, server, email)
    page.goto(url)
    # Opening the link signed nobody in: the page asks first (mail scanners open links too).
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
    assert "#" not in page.url  # the token left the address bar at once
    page.get_by_role("button", name="Inloggen").click()
    return url.rsplit("#", 1)[1]
