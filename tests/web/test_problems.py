"""What the page tells a resident when the API answers with a problem: per status *and*
problem type, with the wait from Retry-After; and a real rate limit on a real server.

The table drives the page's own modules (``labels.js``, ``api.js``) in the browser; the
problem types come from the API's exception classes, so the two cannot drift apart.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from api.core.exceptions import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    ServiceUnavailable,
    TooManyOpenIntroductions,
    TooManyRequests,
    Unauthorized,
)
from api.http.problems import PROBLEM_BASE
from tests.web.conftest import DESKTOP, WAIT_MS, Visit
from tests.web.server import DemoServer, demo_server


def problem(kind: type[DomainError], detail: str) -> dict:
    """A problem as the API's one handler renders it (api/core/exceptions.py)."""
    return {
        "type": PROBLEM_BASE + kind.slug,
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
    }


# The rate limiter's details (api/http/ratelimit.py) and the introductions' own limit.
SEARCHES = "Too many requests for matches without a key from this address: at most 120 per 60 seconds. Try again in 29 seconds."  # noqa: E501
CALLS = "Too many requests without a key from this address: at most 300 per 60 seconds. Try again in 120 seconds."  # noqa: E501
KEY = "Too many requests with this key: at most 120 per 60 seconds. Try again in 1 seconds."
BAD_KEYS = "Too many requests with unknown or revoked keys from this address: at most 30 per 60 seconds. Try again in 45 seconds."  # noqa: E501
OPEN = "An initiative may have 5 open introductions; wait for answers or cancel one."

# (status, problem, Retry-After, the path called, what the resident reads)
CASES = [
    (429, problem(TooManyRequests, SEARCHES), "29", "/matches",
     "Er is in korte tijd veel gezocht via deze internetverbinding. Probeer het over 29 seconden opnieuw."),  # noqa: E501
    # The business limit is a 409 of its own type; a 429 is always a rate limit.
    (409, problem(TooManyOpenIntroductions, OPEN), None, "/introductions",
     "U heeft voor dit initiatief al het hoogste aantal open aanvragen. Wacht tot iemand heeft gereageerd."),  # noqa: E501
    # The same status and detail with the other type: the type decides.
    (409, problem(Conflict, OPEN), None, "/introductions",
     "Dat kan op dit moment niet. Laad de pagina opnieuw en probeer het nog eens."),
    (429, problem(TooManyRequests, OPEN), "86400", "/introductions",
     "Er is in korte tijd veel gevraagd via deze internetverbinding. Probeer het over 24 uur opnieuw."),  # noqa: E501
    (429, problem(TooManyRequests, CALLS), "120", "/areas?municipalityCode=GM0363",
     "Er is in korte tijd veel gevraagd via deze internetverbinding. Probeer het over 2 minuten opnieuw."),  # noqa: E501
    (429, problem(TooManyRequests, KEY), "1", "/initiatives",
     "Er is in korte tijd veel gevraagd met deze sleutel. Probeer het over 1 seconde opnieuw."),
    (429, problem(TooManyRequests, BAD_KEYS), "45", "/introductions",
     "Er is in korte tijd vaak een onbekende sleutel gebruikt via deze internetverbinding. Probeer het over 45 seconden opnieuw."),  # noqa: E501
    (429, problem(TooManyRequests, SEARCHES), None, "/matches",
     "Er is in korte tijd veel gezocht via deze internetverbinding. Wacht even en probeer het dan opnieuw."),  # noqa: E501
    (429, {}, "10", "/matches",  # a proxy's 429 without a body
     "Er is in korte tijd veel gezocht via deze internetverbinding. Probeer het over 10 seconden opnieuw."),  # noqa: E501
    (503, problem(ServiceUnavailable, "The database is not reachable right now."), "5", "/matches",
     "Wegwijs is even niet bereikbaar. Probeer het over 5 seconden opnieuw."),
    (400, problem(InvalidInput, "The request has invalid parameters; see invalidParams."), None,
     "/matches", "Niet alles is goed ingevuld. Kijk bij de gemarkeerde velden."),
    (401, problem(Unauthorized, "A valid API key is required."), None, "/initiatives",
     "Uw sleutel wordt niet herkend. Controleer of u hem helemaal heeft geplakt, of vraag de gemeente om een nieuwe."),  # noqa: E501
    (403, problem(Forbidden, "The initiator's email must be your key's."), None, "/initiatives",
     "Gebruik het e-mailadres waarvoor uw sleutel is gemaakt."),
    (403, problem(Forbidden, "Not allowed."), None, "/introductions",
     "Met deze sleutel mag u dit niet doen. Is het wel een sleutel voor initiatiefnemers?"),
    (404, problem(NotFound, "Unknown initiative 7."), None, "/introductions",
     "Dat hebben we niet gevonden. Misschien is het intussen verwijderd."),
    (409, problem(Conflict, "This contact has no room for new introductions this month."), None,
     "/introductions",
     "Deze persoon heeft deze maand geen ruimte meer voor kennismakingen. Kies iemand anders of probeer het volgende maand."),  # noqa: E501
    (409, problem(Conflict, "The change conflicts with the current state."), None, "/initiatives",
     "Dat kan op dit moment niet. Laad de pagina opnieuw en probeer het nog eens."),
    (412, problem(PreconditionFailed, "The resource changed."), None, "/initiatives",
     "Iemand heeft dit intussen veranderd. Laad de pagina opnieuw en probeer het nog eens."),
    (413, problem(PayloadTooLarge, "The request body is larger than 1048576 bytes."), None,
     "/matches", "Uw tekst is te lang om te versturen. Maak hem wat korter."),
    (500, {"type": PROBLEM_BASE + "internal", "status": 500}, None, "/matches",
     "Er ging bij ons iets mis. Probeer het over een paar minuten opnieuw."),
    (0, {"title": "Network error"}, None, "/matches",
     "Wegwijs is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw."),
]  # fmt: skip

PROBLEM_TEXTS = """async (cases) => {
  const { ApiError } = await import("/assets/js/api.js");
  const { problemText } = await import("/assets/js/labels.js");
  return cases.map(([status, problem, retryAfter, path]) =>
    problemText(new ApiError(status, problem, { retryAfter, path })));
}"""

WAIT_TEXTS = """async (headers) => {
  const { waitText } = await import("/assets/js/labels.js");
  const now = Date.parse("Wed, 02 Dec 2026 10:00:00 GMT");
  return headers.map((header) => waitText(header, now));
}"""


def test_every_problem_is_explained_by_status_and_type(tab: Visit) -> None:
    tab.page.goto(tab.url("/"))
    texts = tab.page.evaluate(PROBLEM_TEXTS, [list(case[:4]) for case in CASES])
    for case, text in zip(CASES, texts, strict=True):
        assert text == case[4], case[:4]
    # A rate limit never reads as the business limit, and the reverse.
    assert len({text for case, text in zip(CASES, texts, strict=True) if case[0] == 429}) >= 4
    assert TooManyOpenIntroductions.status == 409


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1", "1 seconde"),
        ("29", "29 seconden"),
        ("89", "89 seconden"),
        ("90", "2 minuten"),
        ("3600", "60 minuten"),
        ("86400", "24 uur"),
        ("Wed, 02 Dec 2026 10:00:30 GMT", "30 seconden"),  # Retry-After may be an HTTP date
        ("0", None),
        ("", None),
        ("soon", None),
        (None, None),
    ],
)
def test_the_wait_in_words(tab: Visit, header: str | None, expected: str | None) -> None:
    tab.page.goto(tab.url("/"))
    assert tab.page.evaluate(WAIT_TEXTS, [header]) == [expected]


# --- a real rate limit ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict_server() -> Iterator[DemoServer]:
    """The demo with two anonymous searches a minute per address."""
    with demo_server(WEGWIJS_RATE_LIMIT_ANONYMOUS_MATCHES="2") as running:
        yield running


def test_a_rate_limit_says_what_happened_and_how_long_to_wait(
    browser: Browser, strict_server: DemoServer
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    context.set_default_timeout(WAIT_MS)
    try:
        page = context.new_page()
        page.goto(strict_server.base_url + "/")
        page.get_by_label("Wat wilt u doen?").fill("Een taalcafé voor nieuwkomers in de buurt")
        button = page.get_by_role("button", name="Zoek wie ik moet hebben")
        for _ in range(2):
            with page.expect_response("**/api/v1/matches") as answer:
                button.click()
            assert answer.value.status == 200
            expect(page.locator("#kaarten > li").first).to_be_visible()
        with page.expect_response("**/api/v1/matches") as answer:
            button.click()
        refused = answer.value
        assert refused.status == 429
        seconds = int(refused.headers["retry-after"])
        assert refused.json()["type"].endswith("/problems/too-many-requests")
        summary = page.locator("#vraag-fouten")
        expect(summary).to_be_visible()
        unit = "seconde" if seconds == 1 else "seconden"
        expect(summary).to_contain_text(
            "Er is in korte tijd veel gezocht via deze internetverbinding. "
            f"Probeer het over {seconds} {unit} opnieuw."
        )
        expect(summary).not_to_contain_text("open aanvragen")
    finally:
        context.close()
