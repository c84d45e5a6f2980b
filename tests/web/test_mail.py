"""The page follows the real mails: a resident signs in with the link the test SMTP server
received, registers and asks for an introduction; the civil servant accepts through the link
in their mail; the resident sees "geaccepteerd" and the contact's details. A civil servant
signs in and keeps "Mijn profiel"."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.web.flows import ask, link, mail_to, sign_in_by_mail, unique_email
from tests.web.server import DemoServer

EVERYDAY = "Wij willen met de buren een moestuin beginnen in de buurt en zoeken een stukje grond"


def test_a_resident_and_a_civil_servant_follow_their_mails_to_an_accepted_introduction(
    open_tab, server: DemoServer
) -> None:
    email = unique_email()
    resident = open_tab()
    page = resident.page
    ask(resident, EVERYDAY)
    sign_in_token = sign_in_by_mail(page, server, email)
    expect(page.locator("#sleutel-status")).to_contain_text(f"U bent ingelogd als {email}")
    expect(page.get_by_role("heading", name="Mijn initiatieven")).to_be_visible()
    expect(page.get_by_label("Uw e-mailadres")).to_have_value(email)

    # The question is asked again after signing in (the link may open in a new tab).
    cards = ask(resident, EVERYDAY)
    first = cards.first
    page.get_by_label("Naam van uw initiatief").fill("Buurtmoestuin Noord")
    page.get_by_label("Uw naam").fill("Sevda Yilmaz")
    page.get_by_label("Uw telefoonnummer").fill("06 1234 5678")
    page.get_by_role("button", name="Initiatief registreren").click()
    expect(page.locator("#registratie-status")).to_contain_text("is geregistreerd")
    expect(page.locator("#mijn-initiatieven-lijst")).to_contain_text("Buurtmoestuin Noord")
    first.get_by_label("Bericht voor deze persoon").fill("Mogen we eens langskomen?")
    first.get_by_role("button", name="Vraag een kennismaking aan").click()
    expect(first.locator(".kaart-actie")).to_contain_text("Kennismaking aangevraagd")

    # The civil servant's mail, and its "Accepteren" link opened in their own browser.
    (requested,) = server.api("GET", "/introductions").json()["items"][:1]
    assert requested["initiative"]["title"] == "Buurtmoestuin Noord"
    contact = server.api("GET", f"/contacts/{requested['contact']['id']}").json()
    request_mail = mail_to(server, contact["email"])
    assert "Buurtmoestuin Noord" in request_mail.subject
    assert "Mogen we eens langskomen?" in request_mail.words
    assert email not in request_mail.text and "Sevda" not in request_mail.text
    civil_servant = open_tab()
    servant = civil_servant.page
    servant.goto(link(server, request_mail, "/kennismaking"))
    expect(servant.get_by_role("heading", name="Buurtmoestuin Noord")).to_be_visible()
    expect(servant.locator("#verzoek-feiten")).to_contain_text("Mogen we eens langskomen?")
    expect(servant.get_by_label("Accepteren: ik wil graag kennismaken")).to_be_checked()
    assert server.api("GET", f"/introductions/{requested['id']}").json()["status"] == (
        "requested"
    )  # opening the link changed nothing
    servant.get_by_role("button", name="Antwoord versturen").click()
    expect(servant.locator("#uitkomst-kop")).to_have_text("U heeft de kennismaking geaccepteerd")
    expect(servant.locator("#uitkomst-feiten")).to_contain_text("Sevda Yilmaz")
    expect(servant.locator("#uitkomst-feiten")).to_contain_text(email)

    # The resident sees "geaccepteerd" with the contact's details, and has them by mail.
    page.get_by_role("button", name="Status vernieuwen").click()
    introduction = page.locator("#kennismakingen-lijst > li").first
    expect(introduction).to_contain_text("Status: geaccepteerd")
    expect(introduction.get_by_role("link", name=contact["email"])).to_be_visible()
    if contact["phone"]:
        expect(introduction).to_contain_text(contact["phone"])
    news = mail_to(server, email, 2)
    assert news.subject == "Kennismaking geaccepteerd – Buurtmoestuin Noord"
    assert contact["email"] in news.text and contact["name"] in news.words

    # The municipality's official answer shows under "Mijn initiatieven".
    answered = server.api(
        "PUT",
        f"/initiatives/{requested['initiative']['id']}/response",
        json={"status": "in_progress", "text": "We zoeken een plek voor de moestuin."},
    )
    assert answered.status_code == 200, answered.text
    page.reload()
    answer = page.locator("#mijn-initiatieven-lijst .officieel-antwoord")
    expect(answer).to_contain_text("Antwoord van de gemeente")
    expect(answer).to_contain_text("in behandeling")
    expect(answer).to_contain_text("We zoeken een plek voor de moestuin.")

    # The tokens travelled in POST bodies only: never in a URL the browsers sent.
    answer_token = request_mail.link("/kennismaking").rsplit("#", 1)[1]
    for visit in (resident, civil_servant):
        for url in visit.request_urls():
            parts = urlsplit(url)
            for secret in (sign_in_token, answer_token, email):
                assert secret not in parts.path + parts.query, url
    bodies = [r.post_data or "" for r in resident.requests + civil_servant.requests]
    assert any(sign_in_token in body for body in bodies)
    assert any(answer_token in body for body in bodies)


def test_a_used_link_says_so_in_dutch(open_tab, server: DemoServer) -> None:
    email = unique_email()
    first = open_tab()
    first.page.goto(first.url("/"))
    token = sign_in_by_mail(first.page, server, email)
    expect(first.page.locator("#sleutel-status")).to_contain_text("U bent ingelogd")
    again = open_tab()
    again.page.goto(again.url(f"/inloggen#{token}"))
    again.page.get_by_role("button", name="Inloggen").click()
    expect(again.page.locator("#inloggen-fouten")).to_contain_text("Deze link is al gebruikt")
    expect(again.page.get_by_role("link", name="Vraag een nieuwe link aan")).to_be_visible()


def test_a_civil_servant_signs_in_and_keeps_their_profile(open_tab, server: DemoServer) -> None:
    contacts = server.api("GET", "/contacts?municipalityCode=GM0363&pageSize=100").json()
    contact = next(c for c in contacts["items"] if c["available"] and c["consentAt"])
    visit = open_tab()
    page = visit.page
    page.goto(visit.url("/"))
    sign_in_by_mail(page, server, contact["email"])
    expect(page.get_by_role("heading", name="Mijn profiel")).to_be_visible()
    expect(page.locator("#profiel-wie")).to_contain_text(contact["name"])
    expect(page.get_by_label("Ik ben beschikbaar")).to_be_checked()
    capacity = page.get_by_label("Hoeveel kennismakingen per maand kunt u aan?")
    expect(capacity).to_have_value(str(contact["capacityPerMonth"]))
    # A wrong number is explained at the field, in Dutch.
    capacity.fill("veel")
    page.get_by_role("button", name="Profiel opslaan").click()
    expect(capacity).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#profiel-fouten")).to_contain_text("Vul een heel getal in")
    capacity.fill("2")
    page.get_by_label("Ik ben beschikbaar").uncheck()
    page.get_by_label("Waar weet u veel van?").fill("Moestuinen, buurtgroen en tegeltuinen.")
    page.get_by_role("button", name="Profiel opslaan").click()
    expect(page.locator("#profiel-status")).to_have_text("Uw profiel is opgeslagen.")
    stored = server.api("GET", f"/contacts/{contact['id']}").json()
    assert (stored["capacityPerMonth"], stored["available"], stored["expertise"]) == (
        2,
        False,
        "Moestuinen, buurtgroen en tegeltuinen.",
    )
    assert stored["consentAt"] == contact["consentAt"]  # consent kept as it was given
    # Put back for the other tests on this server.
    server.api(
        "PATCH",
        f"/contacts/{contact['id']}",
        json={
            "capacityPerMonth": contact["capacityPerMonth"],
            "available": True,
            "expertise": contact["expertise"],
        },
    )
    assert re.search(r"/#mijn-profiel$", page.url)
