"""The initiator's web page in a real browser: asking, the organisation map, the key flow,
keyboard use, accessibility (axe-core), phone width, privacy of URLs and the page's headers."""

import re
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from api.http.web import CONTENT_SECURITY_POLICY, STATIC_DIR
from tests.web.conftest import PHONE, Visit
from tests.web.flows import (
    QUESTION,
    ask,
    link,
    mail_to,
    request_sign_in_link,
    sign_in_by_mail,
    unique_email,
)
from tests.web.server import DemoServer

# --- asking without registering ------------------------------------------------------------


def test_a_question_in_everyday_dutch_gives_ranked_cards_with_reasons(tab: Visit) -> None:
    cards = ask(tab)
    page = tab.page

    assert cards.count() >= 3
    headings = cards.locator("h3").all_inner_texts()
    assert [h.split(".")[0] for h in headings] == [str(i) for i in range(1, len(headings) + 1)]
    first = cards.first
    expect(first.get_by_role("heading", name="Waarom deze persoon?")).to_be_visible()
    # The engine's own Dutch sentences say why: here, the resident's words it recognised
    # (the first card may be the area's own first contact, a gebiedsmakelaar).
    expect(cards.locator(".redenen", has_text="moestuin").first).to_be_visible()
    expect(first.locator(".eenheid")).not_to_be_empty()  # the unit
    # Needs covered are in Dutch, and between them the cards cover both needs asked for.
    covered = " ".join(cards.locator(".labels").all_inner_texts())
    assert "ruimte" in covered and "vrijwilligers" in covered
    assert "@" not in " ".join(cards.all_inner_texts())  # never contact details
    expect(page.locator("#resultaten-status")).to_contain_text("gevonden")
    expect(page.locator("#resultaten-kop")).to_be_focused()
    assert page.url == tab.url("/")
    # Nothing stored: the only write the page made is the question to /matches.
    writes = [r for r in tab.requests if r.method != "GET"]
    assert [(r.method, r.url) for r in writes] == [("POST", tab.url("/api/v1/matches"))]
    assert QUESTION in (writes[0].post_data or "")


def test_the_page_says_what_it_read_from_the_words(tab: Visit) -> None:
    """The place named in the text and the needs it states, said back above the cards."""
    page = tab.page
    page.goto(tab.url("/"))
    expect(page.get_by_label("Gemeente")).to_have_value("GM0363")
    page.get_by_label("Wat wilt u doen?").fill(
        "eenzame ouderen in Geuzenveld, we zoeken een plek voor een wekelijkse maaltijd"
    )
    page.get_by_role("button", name="Zoek wie ik moet hebben").click()
    read = page.locator("#begrepen")
    expect(read).to_be_visible()
    expect(read).to_contain_text("Wat we uit uw vraag haalden")
    expect(read).to_contain_text("U noemde Geuzenveld.")
    expect(read).to_contain_text("U noemt: een plek")
    expect(page.locator("#kaarten > li").first).to_be_visible()
    # Nothing to say back when the resident ticked what the words would have told: no box.
    page.get_by_label("Wat wilt u doen?").fill("moestuin")
    page.get_by_label("Waar speelt het?").select_option(label="Heel Noord")
    page.get_by_text("Onderwerpen kiezen").click()  # the themes are folded away
    page.get_by_role("checkbox", name="Openbare ruimte en groen", exact=True).check()
    page.get_by_role("button", name="Zoek wie ik moet hebben").click()
    expect(page.locator("#resultaten-status")).to_contain_text("gevonden")
    expect(read).to_be_hidden()


def test_the_area_list_names_the_levels(tab: Visit) -> None:
    """Each stadsdeel a group, its wijken by name, a buurt as a buurt in its wijk (the API's
    area kinds, GET /api/v1/areas)."""
    page = tab.page
    page.goto(tab.url("/"))
    area = page.get_by_label("Waar speelt het?")
    area.select_option(label="Van der Pekbuurt (buurt in Volewijck)")
    noord = area.locator("optgroup[label='Stadsdeel Noord']")
    expect(noord.locator("option", has_text="Volewijck").first).to_have_text("Volewijck")
    assert area.input_value() == "BU0363NA01"


def test_a_question_without_text_is_explained_next_to_the_field(tab: Visit) -> None:
    page = tab.page
    page.goto(tab.url("/"))
    expect(page.get_by_label("Gemeente")).to_have_value("GM0363")
    page.get_by_role("button", name="Zoek wie ik moet hebben").click()

    summary = page.locator("#vraag-fouten")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Niet alles is goed ingevuld")
    field = page.get_by_label("Wat wilt u doen?")
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby").split()
    expect(page.locator(f"#{described[0]}")).to_have_text("Fout: Dit is verplicht.")
    summary.get_by_role("link").click()
    expect(field).to_be_focused()


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_keyboard_only(tab: Visit, key: str) -> None:
    page = tab.page
    page.goto(tab.url("/"))
    expect(page.locator("#gebied option")).not_to_have_count(1)  # areas loaded

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Direct naar de inhoud")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    order = []

    def tab_to(element_id: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.id || document.activeElement.tagName")
            order.append(focused)
            if focused == element_id:
                return
        raise AssertionError(f"Tab never reached #{element_id}: {order}")

    tab_to("omschrijving")
    page.keyboard.type(QUESTION)
    tab_to("gebied")
    page.keyboard.press("ArrowDown")
    assert page.locator("#gebied").input_value() != ""
    tab_to("behoefte-space")
    page.keyboard.press("Space")
    expect(page.locator("#behoefte-space")).to_be_checked()
    tab_to("zoek-knop")
    # Logical order: the fields as they stand on the page, the button last.
    assert order[:3] == ["gemeente", "omschrijving", "gebied"], order
    assert order.index("behoefte-space") < order.index("SUMMARY") < order.index("zoek-knop")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()"
    )
    assert outline[0] != "none" and outline[1] != "0px", outline  # focus is visible

    page.keyboard.press(key)
    expect(page.locator("#resultaten-kop")).to_be_focused()
    expect(page.locator("#kaarten > li").first).to_be_visible()
    expect(page.locator("#resultaten-status")).to_contain_text("gevonden")


# --- the organisation map --------------------------------------------------------------------


def _count(units: list[dict]) -> int:
    return sum(1 + _count(unit["children"]) for unit in units)


def test_the_organisation_tree_renders(tab: Visit, server: DemoServer) -> None:
    tree = server.api("GET", "/units/tree?municipalityCode=GM0363").json()
    page = tab.page
    page.goto(tab.url("/organisatie"))

    units = page.locator("#boom details")
    expect(units).to_have_count(_count(tree["units"]))
    expect(page.locator("#boom > li")).to_have_count(len(tree["units"]))
    expect(page.locator("#boom-status")).to_contain_text(f"{_count(tree['units'])} onderdelen")

    first = tree["units"][0]
    summary = page.locator("#boom > li > details > summary").first
    expect(summary).to_contain_text(first["name"])
    summary.focus()
    page.keyboard.press("Enter")  # opens with the keyboard
    details = page.locator("#boom > li > details").first
    expect(details).to_have_attribute("open", "")
    facts = details.locator(":scope > .eenheid-inhoud > .feiten")
    expect(facts).to_contain_text("Onderwerpen")
    expect(facts).to_contain_text(first["themes"][0]["label"])
    expect(facts).to_contain_text("Bereikbaar via")

    page.get_by_role("button", name="Alles openklappen").click()
    expect(page.locator("#boom details[open]")).to_have_count(_count(tree["units"]))
    expect(page.locator('#boom a[href^="mailto:"]').first).to_be_visible()
    # A map of the organisation, not of its people: no civil servant's name.
    contacts = server.api("GET", "/contacts?municipalityCode=GM0363&pageSize=20").json()
    text = page.locator("#boom").inner_text()
    assert not [c["name"] for c in contacts["items"] if c["name"] in text]


# --- with an initiator key -----------------------------------------------------------------


def test_initiator_registers_and_requests_an_introduction(tab: Visit, server: DemoServer) -> None:
    email = unique_email()
    key = server.create_key("initiator", email)
    page = tab.page
    cards = ask(tab)
    first = cards.first
    job_title = first.locator("h3").inner_text().split(". ", 1)[1]
    expect(first.get_by_role("link", name="Log in en registreer uw initiatief")).to_be_visible()

    # Staff paste a key under "Ik heb een sleutel"; a wrong one is refused next to the key
    # field, in Dutch.
    page.get_by_text("Ik heb een sleutel").click()
    key_field = page.get_by_label("Uw sleutel")
    key_field.fill("geen-echte-sleutel")
    page.get_by_role("button", name="Sleutel gebruiken").click()
    expect(page.locator("#sleutel-fouten")).to_contain_text("sleutel wordt niet herkend")
    expect(key_field).to_have_attribute("aria-invalid", "true")

    key_field.fill(key)
    page.get_by_role("button", name="Sleutel gebruiken").click()
    expect(page.locator("#sleutel-status")).to_contain_text("Uw sleutel werkt")
    assert page.evaluate("sessionStorage.getItem('wegwijs.sleutel')") == key
    assert page.evaluate("localStorage.length") == 0
    assert page.context.cookies() == []

    page.get_by_label("Naam van uw initiatief").fill("Moestuin Noord")
    page.get_by_label("Uw naam").fill("Xander de Vries")
    # The API's own problem (400, invalidParams) lands next to the phone field, in Dutch.
    page.get_by_label("Uw telefoonnummer").fill("bel me maar")
    page.get_by_label("Uw e-mailadres").fill(email)
    page.get_by_role("button", name="Initiatief registreren").click()
    phone = page.get_by_label("Uw telefoonnummer")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#registratie-fouten")).to_contain_text("Vul een telefoonnummer in")
    phone.fill("")
    # Another's email: the 403 is shown at the email field.
    email_field = page.get_by_label("Uw e-mailadres")
    email_field.fill("iemand.anders@example.org")
    page.get_by_role("button", name="Initiatief registreren").click()
    expect(email_field).to_have_attribute("aria-invalid", "true")
    message_id = email_field.get_attribute("aria-describedby").split()[0]
    expect(page.locator(f"#{message_id}")).to_contain_text("waarvoor uw sleutel is gemaakt")
    expect(phone).not_to_have_attribute("aria-invalid", "true")

    email_field.fill(email)
    page.get_by_role("button", name="Initiatief registreren").click()
    expect(page.locator("#registratie-status")).to_contain_text("is geregistreerd")

    first.get_by_label("Bericht voor deze persoon").fill("Mogen we eens langskomen?")
    first.get_by_role("button", name="Vraag een kennismaking aan").click()
    expect(first.locator(".kaart-actie")).to_contain_text("Kennismaking aangevraagd")
    expect(first.locator(".kaart-actie .melding")).to_be_focused()
    introductions = page.locator("#kennismakingen-lijst > li")
    expect(introductions).to_have_count(1)
    expect(introductions.first).to_contain_text(job_title)
    expect(introductions.first).to_contain_text("Status: aangevraagd")

    page.get_by_role("button", name="Status vernieuwen").click()
    expect(page.locator("#kennismakingen-status")).to_contain_text("bijgewerkt om")

    # The API agrees, and the key survives a reload of the tab (sessionStorage).
    listed = server.api("GET", "/introductions").json()["items"]
    ours = [i for i in listed if i["initiative"]["title"] == "Moestuin Noord"]
    assert [(i["status"], i["message"]) for i in ours] == [
        ("requested", "Mogen we eens langskomen?")
    ]
    page.reload()
    expect(page.locator("#kennismakingen-lijst > li").first).to_contain_text("aangevraagd")
    expect(page.get_by_label("Voor welk initiatief vraagt u kennismakingen aan?")).to_have_value(
        str(ours[0]["initiative"]["id"])
    )

    # Personal data and free text travelled in bodies and headers, never in a URL.
    urls = "\n".join(tab.request_urls())
    for secret in (email, email.replace("@", "%40"), key, "Xander", "moestuin", "langskomen"):
        assert secret.lower() not in urls.lower(), secret
    posts = {r.url.removeprefix(tab.url("")) for r in tab.requests if r.method == "POST"}
    assert posts == {"/api/v1/matches", "/api/v1/initiatives", "/api/v1/introductions"}


# --- accessibility, phone width, headers ------------------------------------------------------


def _screen_question(visit: Visit, server: DemoServer) -> None:
    visit.page.goto(visit.url("/"))
    expect(visit.page.locator("#gebied option")).not_to_have_count(1)


def _screen_errors(visit: Visit, server: DemoServer) -> None:
    _screen_question(visit, server)
    visit.page.get_by_role("button", name="Zoek wie ik moet hebben").click()
    expect(visit.page.locator("#vraag-fouten")).to_be_visible()


def _screen_results(visit: Visit, server: DemoServer) -> None:
    ask(visit)


def _screen_with_key(visit: Visit, server: DemoServer) -> None:
    email = unique_email()
    key = server.create_key("initiator", email)
    ask(visit)
    page = visit.page
    page.get_by_text("Ik heb een sleutel").click()
    page.get_by_label("Uw sleutel").fill(key)
    page.get_by_role("button", name="Sleutel gebruiken").click()
    page.get_by_label("Naam van uw initiatief").fill("Buurtmoestuin")
    page.get_by_label("Uw naam").fill("Xander")
    page.get_by_label("Uw e-mailadres").fill(email)
    page.get_by_role("button", name="Initiatief registreren").click()
    expect(page.locator("#kaarten .kennismaking-form").first).to_be_visible()
    page.locator("#kaarten .kennismaking-form button").first.click()
    expect(page.locator("#kennismakingen-lijst > li")).to_have_count(1)


def _screen_organisation(visit: Visit, server: DemoServer) -> None:
    visit.page.goto(visit.url("/organisatie"))
    expect(visit.page.locator("#boom > li").first).to_be_visible()
    visit.page.get_by_role("button", name="Alles openklappen").click()


def _screen_signed_in(visit: Visit, server: DemoServer) -> None:
    """An initiator signed in by e-mail: "Mijn initiatieven" with one registered."""
    email = unique_email()
    ask(visit)
    sign_in_by_mail(visit.page, server, email)
    page = visit.page
    expect(page.get_by_role("heading", name="Mijn initiatieven")).to_be_visible()
    ask(visit)
    page.get_by_label("Naam van uw initiatief").fill("Buurtmoestuin")
    page.get_by_label("Uw naam").fill("Xander")
    page.get_by_role("button", name="Initiatief registreren").click()
    expect(page.locator("#mijn-initiatieven-lijst > li")).to_have_count(1)


def _screen_sign_in_link(visit: Visit, server: DemoServer) -> None:
    """The page a sign-in link opens, before "Inloggen"."""
    visit.page.goto(visit.url("/"))
    url = request_sign_in_link(visit.page, server, unique_email())
    visit.page.goto(url)
    expect(visit.page.get_by_role("button", name="Inloggen")).to_be_visible()


def _screen_request(visit: Visit, server: DemoServer) -> None:
    """The page behind "Afwijzen" in a civil servant's mail, with the reason field."""
    contact = next(
        c
        for c in server.api("GET", "/contacts?municipalityCode=GM0363&pageSize=100").json()["items"]
        if c["available"] and c["openToInitiatives"] and c["consentAt"]
    )
    initiative = server.api(
        "POST",
        "/initiatives",
        json={
            "municipalityCode": "GM0363",
            "title": "Taalcafé voor nieuwkomers",
            "description": "Elke week samen koffie drinken en Nederlands oefenen.",
            "needs": [{"kind": "space", "description": "een zaaltje op dinsdag"}],
            "initiator": {"name": "Fatima", "email": unique_email()},
        },
    ).json()
    before = len(server.smtp.sink.to(contact["email"])) if server.smtp else 0
    asked = server.api(
        "POST",
        "/introductions",
        json={"initiativeId": initiative["id"], "contactId": contact["id"], "message": "Hallo!"},
    )
    assert asked.status_code == 201, asked.text
    received = mail_to(server, contact["email"], before + 1)
    visit.page.goto(link(server, received, "/kennismaking") + ".afwijzen")
    expect(visit.page.get_by_label("Waarom niet?")).to_be_visible()


def _screen_profile(visit: Visit, server: DemoServer) -> None:
    """A civil servant signed in: "Mijn profiel"."""
    contact = server.api("GET", "/contacts?municipalityCode=GM0363&pageSize=5").json()["items"][0]
    visit.page.goto(visit.url("/"))
    sign_in_by_mail(visit.page, server, contact["email"])
    expect(visit.page.locator("#profiel-form")).to_be_visible()


SCREENS = {
    "vraag": (_screen_question, None),
    "ingelogd-mijn-initiatieven": (_screen_signed_in, None),
    "inloglink": (_screen_sign_in_link, None),
    "kennismaking-uit-mail": (_screen_request, None),
    "mijn-profiel": (_screen_profile, None),
    "telefoon-kennismaking-uit-mail": (_screen_request, PHONE),
    "fouten": (_screen_errors, None),
    "resultaten": (_screen_results, None),
    "sleutel-en-kennismaking": (_screen_with_key, None),
    "organisatie": (_screen_organisation, None),
    "telefoon-resultaten": (_screen_results, PHONE),
    "telefoon-organisatie": (_screen_organisation, PHONE),
}


@pytest.mark.parametrize("screen", SCREENS)
def test_axe_finds_no_serious_or_critical_violations(
    open_tab, server: DemoServer, screen: str
) -> None:
    show, viewport = SCREENS[screen]
    visit = open_tab(viewport)
    show(visit, server)
    results = Axe().run(visit.page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)


@pytest.mark.parametrize(
    "show",
    [_screen_results, _screen_organisation, _screen_with_key, _screen_request, _screen_profile],
)
def test_fits_a_phone_of_320_pixels(open_tab, server: DemoServer, show) -> None:
    visit = open_tab({"width": 320, "height": 640})
    show(visit, server)
    width = visit.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways: {width}px"


def test_page_routes_send_a_strict_csp_and_stay_out_of_the_openapi_document(
    server: DemoServer,
) -> None:
    for path in (
        "/",
        "/organisatie",
        "/inloggen",
        "/kennismaking",
        "/assets/js/vraag.js",
        "/assets/css/wegwijs.css",
    ):
        response = httpx.get(server.base_url + path, timeout=10)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert httpx.head(server.base_url + "/", timeout=10).status_code == 200
    page = httpx.get(server.base_url + "/", timeout=10)
    assert page.headers["content-type"].startswith("text/html")
    document = httpx.get(server.base_url + "/api/v1/openapi.json", timeout=10).json()
    assert not {"/", "/organisatie", "/inloggen", "/kennismaking"} & set(document["paths"])
    assert not [path for path in document["paths"] if path.startswith("/assets")]
    assert httpx.get(server.base_url + "/docs", timeout=10).status_code == 200


HTML_FILES = sorted(STATIC_DIR.glob("*.html"))
JS_FILES = sorted(STATIC_DIR.glob("assets/js/*.js"))


@pytest.mark.parametrize("path", HTML_FILES, ids=lambda p: p.name)
def test_html_has_no_inline_script_or_style_and_fetches_nothing_from_elsewhere(
    path: Path,
) -> None:
    html = path.read_text()
    assert '<html lang="nl">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), "inline style or handler"
    for url in re.findall(r'\b(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/", "#")), url
    for form in re.findall(r"<form\b[^>]*>", html):
        assert 'method="post"' in form, form


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.name)
def test_scripts_never_write_html_strings_or_call_elsewhere(path: Path) -> None:
    script = path.read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", script)
    assert not re.search(r"https?://", script)
    assert "localStorage" not in script
