"""Signing in by e-mail, and the whole loop through a real SMTP server: a resident asks for a
link, signs in, registers, asks for an introduction; the civil servant accepts through the
link in their mail; the resident gets the contact's details by mail and through the API."""

import logging
import re
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from api.http.app import create_app
from schemas import ApiKey, MailDelivery, MailToken
from schemas.columns import utc_now
from tests.helpers import (
    API,
    Headers,
    ImportedMunicipality,
    assert_problem,
    contact_record,
    initiative_body,
)
from tests.smtp import SmtpServer

RESIDENT = "fatima.buurt@example.org"
ANNELIES = contact_record("annelies")


def fragment(url: str, path: str) -> str:
    """The token in a link's fragment; the link has nothing else after the path."""
    match = re.fullmatch(rf"https://wegwijs\.test{path}#([A-Za-z0-9_\-]+)(\.afwijzen)?", url)
    assert match, url
    return match.group(1)


def sign_in(client: TestClient, smtp: SmtpServer, send_mail, email: str) -> dict:
    """Ask for a link, take it from the mail, exchange it: the session's answer."""
    asked = client.post(f"{API}/sign-in-links", json={"email": email})
    assert asked.status_code == 202, asked.text
    send_mail()
    link = smtp.sink.to(email)[-1].link("/inloggen")
    created = client.post(f"{API}/sessions", json={"token": fragment(link, "/inloggen")})
    assert created.status_code == 201, created.text
    return created.json()


def bearer(session: dict) -> Headers:
    return {"Authorization": f"Bearer {session['token']}"}


def test_the_whole_loop_from_a_sign_in_link_to_an_accepted_introduction(
    client: TestClient, municipality: ImportedMunicipality, smtp: SmtpServer, send_mail
) -> None:
    resident = sign_in(client, smtp, send_mail, RESIDENT)
    assert resident["role"] == "initiator"
    assert resident["email"] == RESIDENT and resident["contactId"] is None
    key = bearer(resident)

    body = initiative_body(
        title="Taalcafé in de Bijlmer",
        description="Elke week samen koffie drinken en Nederlands oefenen.",
        areaCodes=["SD0363T"],
        needs=[{"kind": "space", "description": "een zaaltje op dinsdag"}],
        initiator={"name": "Fatima", "email": RESIDENT, "phone": "+31 6 1234 5678"},
    )
    initiative = client.post(f"{API}/initiatives", json=body, headers=key)
    assert initiative.status_code == 201, initiative.text
    asked = client.post(
        f"{API}/introductions",
        json={
            "initiativeId": initiative.json()["id"],
            "contactId": municipality.contacts["annelies"],
            "message": "Mogen we eens langskomen?",
        },
        headers=key,
    )
    assert asked.status_code == 201, asked.text
    send_mail()

    (request,) = smtp.sink.to(ANNELIES["email"])
    assert request.subject == "Verzoek om kennismaking – Taalcafé in de Bijlmer"
    for shown in (
        "Taalcafé in de Bijlmer",
        "Nederlands oefenen",
        "een zaaltje op dinsdag",
        "Zuidoost",
        "Mogen we eens langskomen?",
        "Accepteren",
        "Afwijzen",
    ):
        assert shown in request.words, shown
    # Before she accepts she sees nothing personal of the resident.
    for hidden in (RESIDENT, "Fatima", "1234 5678"):
        assert hidden not in request.text and hidden not in request.html
    token = fragment(request.link("/kennismaking"), "/kennismaking")

    preview = client.post(f"{API}/introduction-responses/preview", json={"token": token})
    assert preview.status_code == 200, preview.text
    assert preview.json()["initiative"]["title"] == "Taalcafé in de Bijlmer"
    assert preview.json()["status"] == "requested"
    assert RESIDENT not in preview.text
    accepted = client.post(
        f"{API}/introduction-responses", json={"token": token, "status": "accepted"}
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["initiative"]["initiatorEmail"] == RESIDENT  # shared once accepted
    send_mail()

    (news,) = [m for m in smtp.sink.to(RESIDENT) if "geaccepteerd" in m.subject]
    assert news.subject == "Kennismaking geaccepteerd – Taalcafé in de Bijlmer"
    for shown in (ANNELIES["name"], ANNELIES["email"], ANNELIES["phone"], "Afdeling Wonen"):
        assert shown in news.words and shown in news.html, shown
    mine = client.get(f"{API}/introductions", headers=key).json()["items"]
    assert [(i["status"], i["contact"]["email"], i["contact"]["phone"]) for i in mine] == [
        ("accepted", ANNELIES["email"], ANNELIES["phone"])
    ]
    history = client.get(f"{API}/introductions/{asked.json()['id']}/history", headers=key)
    assert [(e["status"], e["actorRole"]) for e in history.json()] == [
        ("requested", "initiator"),
        ("accepted", "contact"),
    ]


def test_a_civil_servant_gets_a_contact_key_and_anyone_else_an_initiator_key(
    client: TestClient,
    admin: Headers,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
) -> None:
    # Any case: the address is the civil servant's all the same.
    contact = sign_in(client, smtp, send_mail, ANNELIES["email"].upper())
    assert contact["role"] == "contact"
    assert contact["contactId"] == municipality.contacts["annelies"]
    mine = client.get(f"{API}/contacts/{contact['contactId']}", headers=bearer(contact))
    assert mine.status_code == 200 and mine.json()["email"] == ANNELIES["email"]
    # A civil servant without consent signs in too: to give it on their profile.
    dirk = sign_in(client, smtp, send_mail, contact_record("dirk")["email"])
    assert dirk["role"] == "contact"
    resident = sign_in(client, smtp, send_mail, "nieuw@example.org")
    assert resident["role"] == "initiator"
    keys = {key["id"]: key for key in client.get(f"{API}/api-keys", headers=admin).json()["items"]}
    for session in (contact, dirk, resident):
        left = datetime.fromisoformat(session["expiresAt"]) - utc_now()
        assert timedelta(days=29, hours=23) < left <= timedelta(days=30)
        key = keys[session["keyId"]]
        assert (key["role"], key["expiresAt"]) == (session["role"], session["expiresAt"])
    assert keys[resident["keyId"]]["subject"] == "nieuw@example.org"


def test_sign_in_answers_are_the_same_for_known_and_unknown_addresses(
    client: TestClient, municipality: ImportedMunicipality, smtp: SmtpServer, send_mail
) -> None:
    known = client.post(f"{API}/sign-in-links", json={"email": ANNELIES["email"]})
    unknown = client.post(f"{API}/sign-in-links", json={"email": "niemand@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json() == {"status": "accepted", "expiresInMinutes": 15}
    varying = {"x-request-id", "date"}
    assert {k: v for k, v in known.headers.items() if k not in varying} == {
        k: v for k, v in unknown.headers.items() if k not in varying
    }
    # Both get a link; only the mail itself is the address's business.
    assert send_mail() == 2
    assert len(smtp.sink.to(ANNELIES["email"])) == len(smtp.sink.to("niemand@example.org")) == 1


def test_a_used_expired_or_unknown_token_is_400_saying_which_and_changes_nothing(
    client: TestClient,
    engine: Engine,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
) -> None:
    client.post(f"{API}/sign-in-links", json={"email": RESIDENT})
    send_mail()
    token = fragment(smtp.sink.to(RESIDENT)[0].link("/inloggen"), "/inloggen")

    def keys() -> int:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(ApiKey)).one()

    before = keys()
    unknown = client.post(f"{API}/sessions", json={"token": "x" * 43})
    assert assert_problem(unknown, 400, names=["token"])["type"].endswith("/token-unknown")
    assert client.post(f"{API}/sessions", json={"token": token}).status_code == 201
    assert keys() == before + 1
    used = client.post(f"{API}/sessions", json={"token": token})
    assert assert_problem(used, 400, names=["token"])["type"].endswith("/token-used")
    assert keys() == before + 1

    client.post(f"{API}/sign-in-links", json={"email": RESIDENT})
    send_mail()
    late = fragment(smtp.sink.to(RESIDENT)[1].link("/inloggen"), "/inloggen")
    with Session(engine) as session:
        for row in session.exec(select(MailToken).where(MailToken.used_at.is_(None))).all():
            row.expires_at = utc_now() - timedelta(seconds=1)
            session.add(row)
        session.commit()
    expired = client.post(f"{API}/sessions", json={"token": late})
    assert assert_problem(expired, 400, names=["token"])["type"].endswith("/token-expired")
    assert keys() == before + 1
    for bad in ("", "a b", "x" * 101):
        assert_problem(client.post(f"{API}/sessions", json={"token": bad}), 400, names=["token"])


def test_tokens_are_stored_as_hashes_and_mail_texts_go_once_sent(
    client: TestClient, engine: Engine, smtp: SmtpServer, send_mail
) -> None:
    client.post(f"{API}/sign-in-links", json={"email": RESIDENT})
    with Session(engine) as session:
        (pending,) = session.exec(select(MailDelivery)).all()
        assert pending.body_text and "/inloggen#" in pending.body_text
    send_mail()
    token = fragment(smtp.sink.to(RESIDENT)[0].link("/inloggen"), "/inloggen")
    with Session(engine) as session:
        (sent,) = session.exec(select(MailDelivery)).all()
        assert (sent.status, sent.body_text, sent.body_html) == ("sent", None, None)
        (stored,) = session.exec(select(MailToken)).all()
        assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_tokens_and_addresses_are_never_logged(
    client: TestClient,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    session = sign_in(client, smtp, send_mail, RESIDENT)
    token = fragment(smtp.sink.to(RESIDENT)[0].link("/inloggen"), "/inloggen")
    client.post(f"{API}/sessions", json={"token": token})  # used: a 400
    # Everything the service logged (not the test's own SMTP server, "mail.log").
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    assert "POST /api/v1/sessions 400" in logged
    for secret in (token, session["token"], RESIDENT):
        assert secret not in logged


def test_sign_in_links_are_limited_per_address_and_per_client(settings, database_url) -> None:
    strict = settings.model_copy(
        update={"rate_limit_sign_in_email": 2, "rate_limit_sign_in_client": 3}
    )
    with TestClient(create_app(strict)) as limited:
        for _ in range(2):
            ok = limited.post(f"{API}/sign-in-links", json={"email": "a@example.org"})
            assert ok.status_code == 202
        third = limited.post(f"{API}/sign-in-links", json={"email": "A@example.org"})
        problem = assert_problem(third, 429)
        assert "this e-mail address" in problem["detail"] and int(third.headers["Retry-After"]) > 0
        assert (
            limited.post(f"{API}/sign-in-links", json={"email": "b@example.org"}).status_code == 202
        )
        fourth = limited.post(f"{API}/sign-in-links", json={"email": "c@example.org"})
        assert "from this address" in assert_problem(fourth, 429)["detail"]
        limited.app.state.engine.dispose()


def test_bad_input_is_400(client: TestClient) -> None:
    assert_problem(client.post(f"{API}/sign-in-links", json={}), 400, names=["email"])
    assert_problem(
        client.post(f"{API}/sign-in-links", json={"email": "geen-adres"}), 400, names=["email"]
    )
    assert_problem(
        client.post(f"{API}/sign-in-links", json={"email": "a@b.nl", "x": 1}), 400, names=["x"]
    )
