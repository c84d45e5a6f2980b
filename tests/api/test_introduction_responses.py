"""Introductions by e-mail: the request mail, answering with one click through its links,
the initiator's mails, reminders, and that opening a link changes nothing."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.services.notifications import send_reminders
from schemas import Introduction, MailDelivery, MailToken
from schemas.columns import utc_now
from tests.helpers import (
    API,
    INITIATOR_EMAIL,
    Headers,
    ImportedMunicipality,
    assert_problem,
    contact_record,
    initiative_body,
)
from tests.smtp import Received, SmtpServer

ANNELIES = contact_record("annelies")
CHANTAL = contact_record("chantal")


def token_of(received: Received) -> str:
    url = received.link("/kennismaking")
    match = re.fullmatch(r"https://wegwijs\.test/kennismaking#([A-Za-z0-9_\-]+)", url)
    assert match, url
    return match.group(1)


@pytest.fixture
def initiative(client: TestClient, initiator: Headers, municipality: ImportedMunicipality) -> int:
    body = initiative_body(
        title="Energiecafé Zuidoost",
        description="Bewoners helpen elkaar met isoleren en zonnepanelen.",
        themes=["energie", "wonen"],
        areaCodes=["SD0363T"],
        needs=[{"kind": "knowledge"}, {"kind": "space", "description": "een buurthuis"}],
    )
    response = client.post(f"{API}/initiatives", json=body, headers=initiator)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ask(client: TestClient, initiator: Headers, initiative: int, contact: int) -> int:
    response = client.post(
        f"{API}/introductions",
        json={"initiativeId": initiative, "contactId": contact, "message": "Mogen we langskomen?"},
        headers=initiator,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def state(client: TestClient, admin: Headers, engine: Engine) -> dict:
    """Everything an opened link could have changed."""
    with Session(engine) as session:
        tokens = [(t.id, t.used_at) for t in session.exec(select(MailToken)).all()]
    return {
        "introductions": client.get(f"{API}/introductions", headers=admin).json(),
        "keys": client.get(f"{API}/api-keys?pageSize=100", headers=admin).json(),
        "tokens": tokens,
    }


def test_opening_every_link_in_every_mail_changes_nothing(
    client: TestClient,
    admin: Headers,
    engine: Engine,
    initiator: Headers,
    municipality: ImportedMunicipality,
    initiative: int,
    smtp: SmtpServer,
    send_mail,
) -> None:
    """Mail scanners and link previews open every link: only the page's POST may act."""
    ask(client, initiator, initiative, municipality.contacts["annelies"])
    declined = ask(client, initiator, initiative, municipality.contacts["chantal"])
    client.post(f"{API}/sign-in-links", json={"email": "lezer@example.org"})
    send_mail()
    chantal = smtp.sink.to(CHANTAL["email"])[0]
    answer = client.post(
        f"{API}/introduction-responses",
        json={"token": token_of(chantal), "status": "declined", "reason": "Geen tijd."},
    )
    assert answer.status_code == 201, answer.text
    send_mail()
    kinds = {m.subject.split(" – ")[0] for m in smtp.sink.received}
    assert kinds == {
        "Verzoek om kennismaking",
        "Uw link om in te loggen bij Wegwijs",
        "Kennismaking afgewezen",
    }
    links = {url for received in smtp.sink.received for url in received.links()}
    assert len(links) >= 4
    before = state(client, admin, engine)
    for url in links:
        parts = urlsplit(url)
        assert parts.netloc == "wegwijs.test", url  # links only to WEGWIJS_PUBLIC_URL
        assert not parts.query, url  # a token never in a query string
        response = client.get(parts.path)  # a browser never sends the fragment
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers["content-type"].startswith("text/html")
    assert state(client, admin, engine) == before
    assert client.get(f"{API}/introductions/{declined}", headers=admin).json()["status"] == (
        "declined"
    )


def test_the_request_mail_holds_the_initiative_and_nothing_personal_of_the_initiator(
    client: TestClient,
    initiator: Headers,
    municipality: ImportedMunicipality,
    initiative: int,
    smtp: SmtpServer,
    send_mail,
) -> None:
    ask(client, initiator, initiative, municipality.contacts["annelies"])
    send_mail()
    (received,) = smtp.sink.to(ANNELIES["email"])
    words = received.words
    for shown in (
        "Beste Annelies de Vries,",
        "Energiecafé Zuidoost",
        "isoleren en zonnepanelen",
        "kennis of advies",
        "ruimte (een plek, zaal of stukje grond): een buurthuis",
        "Waar: Zuidoost",
        "Mogen we langskomen?",
        "Alleen de link openen verandert niets.",
    ):
        assert shown in words, shown
    for hidden in ("Ilse", INITIATOR_EMAIL):
        assert hidden not in received.text and hidden not in received.html
    accept, decline = [u for u in received.links() if "/kennismaking#" in u]
    assert decline == accept + ".afwijzen"


def test_a_decline_sends_the_reason_and_the_next_two_matches(
    client: TestClient,
    initiator: Headers,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
) -> None:
    # Citywide (no place named), about energy, housing and grants: three people fit.
    body = initiative_body(
        title="Energiecafé",
        description="Bewoners helpen elkaar met isoleren en zonnepanelen, subsidie voor energie.",
        themes=["energie", "wonen", "subsidie"],
        needs=[{"kind": "knowledge"}, {"kind": "funding"}],
    )
    initiative = client.post(f"{API}/initiatives", json=body, headers=initiator).json()["id"]
    ask(client, initiator, initiative, municipality.contacts["annelies"])
    send_mail()
    token = token_of(smtp.sink.to(ANNELIES["email"])[0])
    response = client.post(
        f"{API}/introduction-responses",
        json={"token": token, "status": "declined", "reason": "Ik ga met verlof."},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "declined"
    assert response.json()["reason"] == "Ik ga met verlof."
    assert response.json()["initiative"]["initiatorEmail"] is None  # not shared: declined
    send_mail()
    (news,) = smtp.sink.to(INITIATOR_EMAIL)
    assert news.subject == "Kennismaking afgewezen – Energiecafé"
    assert "Ik ga met verlof." in news.words
    assert ANNELIES["email"] not in news.text and ANNELIES["phone"] not in news.text
    suggestions = [line[2:] for line in news.text.splitlines() if line.startswith("- ")]
    # The next matches (at most two; only those who fit: the sustainability manager is bound
    # to Noord), never the one who declined; names from public profiles.
    assert suggestions == ["Chantal Bakker, Subsidieadviseur (Cluster Sociaal)"], news.text


def test_a_token_used_twice_expired_or_for_another_introduction_is_refused(
    client: TestClient,
    admin: Headers,
    engine: Engine,
    initiator: Headers,
    municipality: ImportedMunicipality,
    initiative: int,
    smtp: SmtpServer,
    send_mail,
) -> None:
    first = ask(client, initiator, initiative, municipality.contacts["annelies"])
    second = ask(client, initiator, initiative, municipality.contacts["eva"])
    send_mail()
    annelies = token_of(smtp.sink.to(ANNELIES["email"])[0])
    eva = token_of(smtp.sink.to(contact_record("eva")["email"])[0])

    accepted = client.post(
        f"{API}/introduction-responses", json={"token": annelies, "status": "accepted"}
    )
    assert accepted.status_code == 201 and accepted.json()["id"] == first
    # A token answers its own introduction only: Eva's is untouched by Annelies' answer.
    assert client.get(f"{API}/introductions/{second}", headers=admin).json()["status"] == (
        "requested"
    )
    before = state(client, admin, engine)
    for path in ("/introduction-responses", "/introduction-responses/preview"):
        again = client.post(
            f"{API}{path}",
            json={"token": annelies, "status": "declined"}
            if path.endswith("responses")
            else {"token": annelies},
        )
        assert assert_problem(again, 400, names=["token"])["type"].endswith("/token-used")
    assert state(client, admin, engine) == before
    with Session(engine) as session:
        for row in session.exec(select(MailToken).where(MailToken.used_at.is_(None))).all():
            row.expires_at = utc_now() - timedelta(minutes=1)
            session.add(row)
        session.commit()
    before = state(client, admin, engine)
    late = client.post(f"{API}/introduction-responses", json={"token": eva, "status": "accepted"})
    assert assert_problem(late, 400, names=["token"])["type"].endswith("/token-expired")
    unknown = client.post(
        f"{API}/introduction-responses", json={"token": eva[::-1], "status": "accepted"}
    )
    assert assert_problem(unknown, 400, names=["token"])["type"].endswith("/token-unknown")
    assert state(client, admin, engine) == before


def test_a_sign_in_token_answers_nothing_and_an_answer_token_signs_nobody_in(
    client: TestClient,
    initiator: Headers,
    municipality: ImportedMunicipality,
    initiative: int,
    smtp: SmtpServer,
    send_mail,
) -> None:
    ask(client, initiator, initiative, municipality.contacts["annelies"])
    client.post(f"{API}/sign-in-links", json={"email": ANNELIES["email"]})
    send_mail()
    request, sign_in = sorted(smtp.sink.to(ANNELIES["email"]), key=lambda m: "inloggen" in m.text)
    answer_token = token_of(request)
    sign_in_token = sign_in.link("/inloggen").rsplit("#", 1)[1]
    refused = client.post(f"{API}/sessions", json={"token": answer_token})
    assert assert_problem(refused, 400)["type"].endswith("/token-unknown")
    refused = client.post(
        f"{API}/introduction-responses", json={"token": sign_in_token, "status": "accepted"}
    )
    assert assert_problem(refused, 400)["type"].endswith("/token-unknown")


def test_an_answer_keeps_the_rules_of_patch(
    client: TestClient,
    admin: Headers,
    initiator: Headers,
    municipality: ImportedMunicipality,
    initiative: int,
    smtp: SmtpServer,
    send_mail,
) -> None:
    introduction = ask(client, initiator, initiative, municipality.contacts["annelies"])
    send_mail()
    token = token_of(smtp.sink.to(ANNELIES["email"])[0])
    # A reason goes with declining only; nothing is used by a refused answer.
    with_reason = client.post(
        f"{API}/introduction-responses",
        json={"token": token, "status": "accepted", "reason": "Leuk!"},
    )
    assert_problem(with_reason, 400, names=["reason"])
    for status in ("completed", "cancelled", "requested"):
        bad = client.post(f"{API}/introduction-responses", json={"token": token, "status": status})
        assert_problem(bad, 400, names=["status"])
    # Withdrawn meanwhile: a 409, and the link is not used up by it.
    cancelled = client.patch(
        f"{API}/introductions/{introduction}", json={"status": "cancelled"}, headers=initiator
    )
    assert cancelled.status_code == 200
    preview = client.post(f"{API}/introduction-responses/preview", json={"token": token})
    assert preview.json()["status"] == "cancelled"
    late = client.post(f"{API}/introduction-responses", json={"token": token, "status": "accepted"})
    assert_problem(late, 409)
    history = client.get(f"{API}/introductions/{introduction}/history", headers=admin).json()
    assert [e["status"] for e in history] == ["requested", "cancelled"]
    send_mail()
    withdrawn = [m for m in smtp.sink.to(ANNELIES["email"]) if "ingetrokken" in m.subject]
    assert len(withdrawn) == 1 and "U hoeft niets meer te doen." in withdrawn[0].words


def test_the_contact_is_reminded_once_after_the_reminder_days(
    client: TestClient,
    engine: Engine,
    settings,
    initiator: Headers,
    municipality: ImportedMunicipality,
    initiative: int,
    smtp: SmtpServer,
    send_mail,
) -> None:
    open_one = ask(client, initiator, initiative, municipality.contacts["annelies"])
    answered = ask(client, initiator, initiative, municipality.contacts["eva"])
    send_mail()
    eva = token_of(smtp.sink.to(contact_record("eva")["email"])[0])
    client.post(f"{API}/introduction-responses", json={"token": eva, "status": "accepted"})
    now = utc_now()
    assert send_reminders(engine=engine, settings=settings, now=now + timedelta(days=6)) == 0
    later = now + timedelta(days=7, minutes=1)
    assert send_reminders(engine=engine, settings=settings, now=later) == 1
    assert send_reminders(engine=engine, settings=settings, now=later) == 0  # once
    assert send_reminders(engine=engine, settings=settings, now=later + timedelta(days=3)) == 0
    send_mail()
    reminders = [m for m in smtp.sink.to(ANNELIES["email"]) if m.subject.startswith("Herinnering")]
    assert len(reminders) == 1
    assert "U heeft nog niet geantwoord." in reminders[0].words
    # Its links work like the first mail's.
    token = token_of(reminders[0])
    preview = client.post(f"{API}/introduction-responses/preview", json={"token": token})
    assert preview.status_code == 200 and preview.json()["introductionId"] == open_one
    with Session(engine) as session:
        reminded = {i.id: i.reminded_at for i in session.exec(select(Introduction)).all()}
        kinds = [m.kind for m in session.exec(select(MailDelivery)).all()]
    assert reminded[answered] is None and reminded[open_one] is not None
    assert kinds.count("introduction_reminder") == 1


def test_no_reminder_after_the_window(
    client: TestClient,
    engine: Engine,
    settings,
    initiator: Headers,
    municipality: ImportedMunicipality,
    initiative: int,
) -> None:
    ask(client, initiator, initiative, municipality.contacts["annelies"])
    past_window = utc_now() + timedelta(days=settings.introduction_window_days, minutes=1)
    assert send_reminders(engine=engine, settings=settings, now=past_window) == 0
