"""The mail outbox: a real SMTP server that accepts, refuses (5xx), defers (4xx) or is down;
what a mail looks like; what admins see of it; settings and the worker."""

import logging
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.core.settings import Settings
from api.http.app import create_app
from api.services.mail_delivery import MailWorker, deliver_due, parse_smtp_url
from api.services.notifications import send_reminders
from schemas import MailDelivery
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
from tests.smtp import SmtpServer, smtp_server

ANNELIES = contact_record("annelies")


def mails(engine: Engine) -> list[MailDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(MailDelivery).order_by(MailDelivery.id)).all())


def ask_annelies(client: TestClient, initiator: Headers, municipality: ImportedMunicipality) -> int:
    initiative = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    assert initiative.status_code == 201, initiative.text
    asked = client.post(
        f"{API}/introductions",
        json={
            "initiativeId": initiative.json()["id"],
            "contactId": municipality.contacts["annelies"],
        },
        headers=initiator,
    )
    assert asked.status_code == 201, asked.text
    return asked.json()["id"]


def test_smtp_down_the_change_commits_and_the_mail_goes_when_it_is_back(
    client: TestClient,
    engine: Engine,
    initiator: Headers,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
) -> None:
    smtp.stop()
    introduction = ask_annelies(client, initiator, municipality)
    assert send_mail() == 1  # tried once: no connection
    (waiting,) = mails(engine)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.last_error.startswith("Cannot connect")
    assert waiting.body_text  # kept for the next attempt
    # The change itself is there.
    assert client.get(f"{API}/introductions/{introduction}", headers=initiator).status_code == 200
    assert send_mail() == 0  # not due before its retry delay
    smtp.start()
    assert send_mail(now=utc_now() + timedelta(seconds=11)) == 1
    (sent,) = mails(engine)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert len(smtp.sink.to(ANNELIES["email"])) == 1


def test_a_server_that_is_down_costs_one_connection_attempt_per_batch(
    client: TestClient, engine: Engine, mail_settings: Settings, smtp: SmtpServer, monkeypatch
) -> None:
    import smtplib

    for number in range(5):
        client.post(f"{API}/sign-in-links", json={"email": f"d{number}@example.org"})
    smtp.stop()
    tried: list[str] = []
    connect = smtplib.SMTP.connect

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        tried.append("connect")
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counted)
    assert deliver_due(engine=engine, settings=mail_settings) == 5
    assert len(tried) == 1
    assert {(m.status, m.attempts) for m in mails(engine)} == {("pending", 1)}


def test_a_permanent_refusal_fails_at_once_and_a_temporary_one_is_retried(
    client: TestClient,
    engine: Engine,
    initiator: Headers,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
) -> None:
    smtp.sink.answers[ANNELIES["email"]] = "550 5.1.1 Mailbox unavailable"
    smtp.sink.answers["later@example.org"] = "451 4.3.0 Try again later"
    ask_annelies(client, initiator, municipality)
    client.post(f"{API}/sign-in-links", json={"email": "later@example.org"})
    client.post(f"{API}/sign-in-links", json={"email": "welkom@example.org"})
    assert send_mail() == 3  # one connection for the batch, whatever each answer
    refused, deferred, accepted = mails(engine)
    assert (refused.status, refused.attempts, refused.body_text) == ("failed", 1, None)
    assert "550" in refused.last_error and refused.next_attempt_at is None
    assert (deferred.status, deferred.attempts) == ("pending", 1)
    assert "451" in deferred.last_error and deferred.body_text
    assert accepted.status == "sent"
    del smtp.sink.answers["later@example.org"]
    assert send_mail(now=utc_now() + timedelta(seconds=11)) == 1
    assert mails(engine)[1].status == "sent"
    assert [m.to for m in smtp.sink.received] == ["welkom@example.org", "later@example.org"]


def test_a_login_with_the_urls_user_and_password_and_a_refused_one_is_retried(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    with smtp_server(login=("wegwijs@amsterdam.example", "p@ss:w0rd")) as server:
        client.post(f"{API}/sign-in-links", json={"email": "a@example.org"})
        wrong = settings.model_copy(
            update={
                "smtp_url": SecretStr(
                    f"smtp://wegwijs%40amsterdam.example:fout@127.0.0.1:{server.port}"
                )
            }
        )
        assert deliver_due(engine=engine, settings=wrong) == 1
        (mail,) = mails(engine)
        assert (mail.status, mail.attempts) == ("pending", 1)  # our settings, not the mail's fault
        assert "535" in mail.last_error and "fout" not in mail.last_error
        right = settings.model_copy(
            update={
                "smtp_url": SecretStr(
                    f"smtp://wegwijs%40amsterdam.example:p%40ss%3Aw0rd@127.0.0.1:{server.port}"
                )
            }
        )
        assert (
            deliver_due(engine=engine, settings=right, now=utc_now() + timedelta(seconds=11)) == 1
        )
        assert mails(engine)[0].status == "sent"
        assert [m.to for m in server.sink.received] == ["a@example.org"]


def test_a_mail_retried_past_the_give_up_time_fails(
    client: TestClient, engine: Engine, mail_settings: Settings, smtp: SmtpServer
) -> None:
    smtp.sink.answers["later@example.org"] = "421 4.7.0 Not now"
    client.post(f"{API}/sign-in-links", json={"email": "later@example.org"})
    patient = mail_settings.model_copy(
        update={"mail_give_up_hours": 1, "sign_in_link_minutes": 600}
    )
    with Session(engine) as session:  # no expiry: this is about giving up
        for mail in session.exec(select(MailDelivery)).all():
            mail.expires_at = None
            session.add(mail)
        session.commit()
    now = utc_now()
    for _ in range(10):
        deliver_due(engine=engine, settings=patient, now=now)
        now += timedelta(hours=1)
    (mail,) = mails(engine)
    assert mail.status == "failed" and "Given up after" in mail.last_error
    assert mail.body_text is None


def test_a_sign_in_mail_that_expired_before_it_could_be_sent_is_not_sent(
    client: TestClient, engine: Engine, smtp: SmtpServer, send_mail
) -> None:
    client.post(f"{API}/sign-in-links", json={"email": "laat@example.org"})
    assert send_mail(now=utc_now() + timedelta(minutes=16)) == 0
    (mail,) = mails(engine)
    assert (mail.status, mail.last_error) == ("failed", "Expired before it could be sent.")
    assert mail.body_text is None and smtp.sink.received == []


def test_each_mail_is_plain_text_with_an_html_alternative_and_says_it_is_automatic(
    client: TestClient,
    initiator: Headers,
    municipality: ImportedMunicipality,
    mail_settings: Settings,
    engine: Engine,
    smtp: SmtpServer,
) -> None:
    ask_annelies(client, initiator, municipality)
    client.post(f"{API}/sign-in-links", json={"email": "nieuw@example.org"})
    branded = mail_settings.model_copy(
        update={"mail_from": "Wegwijs Amsterdam <wegwijs@amsterdam.example>"}
    )
    deliver_due(engine=engine, settings=branded)
    assert len(smtp.sink.received) == 2
    for received in smtp.sink.received:
        message = received.message
        assert message["From"] == "Wegwijs Amsterdam <wegwijs@amsterdam.example>"
        assert received.mail_from == "wegwijs@amsterdam.example"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Content-Language"] == "nl"
        assert message["Message-ID"].endswith("@amsterdam.example>")
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        html = received.html
        assert '<html lang="nl">' in html
        # No tracking: no image, no remote resource, links only to the public URL.
        assert "<img" not in html and "url(" not in html and "<link" not in html
        assert not [u for u in received.links() if not u.startswith("https://wegwijs.test/")]
        hrefs = [h for h in html.split('href="')[1:]]
        assert all(h.startswith("https://wegwijs.test/") for h in hrefs)


def test_admins_see_deliveries_without_bodies_confined_to_their_municipalities(
    client: TestClient,
    admin: Headers,
    make_key,
    initiator: Headers,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
) -> None:
    smtp.sink.answers[ANNELIES["email"]] = "550 5.1.1 Mailbox unavailable"
    ask_annelies(client, initiator, municipality)
    client.post(f"{API}/sign-in-links", json={"email": "bewoner@example.org"})
    client.post(f"{API}/sign-in-links", json={"email": contact_record("eva")["email"]})
    send_mail()
    everything = client.get(f"{API}/mail-deliveries", headers=admin)
    assert everything.status_code == 200
    listed = everything.json()["items"]
    assert [(m["kind"], m["recipient"], m["municipalityCode"], m["status"]) for m in listed] == [
        ("sign_in", contact_record("eva")["email"], "GM0363", "sent"),
        ("sign_in", "bewoner@example.org", None, "sent"),
        ("introduction_requested", ANNELIES["email"], "GM0363", "failed"),
    ]
    assert not [m for m in listed if {"bodyText", "bodyHtml", "body"} & set(m)]
    assert "/inloggen#" not in everything.text and "/kennismaking#" not in everything.text
    failed = client.get(f"{API}/mail-deliveries?status=failed", headers=admin).json()
    assert [m["kind"] for m in failed["items"]] == ["introduction_requested"]
    assert "550" in failed["items"][0]["lastError"]
    kind = client.get(f"{API}/mail-deliveries?kind=sign_in", headers=admin).json()
    assert kind["total"] == 2
    # A municipal admin sees its municipality's mails, not an initiator's sign-in.
    municipal = make_key("admin", municipality_codes=["GM0363"])
    own = client.get(f"{API}/mail-deliveries", headers=municipal).json()["items"]
    assert {m["recipient"] for m in own} == {ANNELIES["email"], contact_record("eva")["email"]}
    elsewhere = make_key("admin", municipality_codes=["GM0599"])
    assert client.get(f"{API}/mail-deliveries", headers=elsewhere).json()["total"] == 0
    for role in ("broker", "contact"):
        key = make_key(role, str(municipality.contacts["annelies"]) if role == "contact" else "b")
        assert_problem(client.get(f"{API}/mail-deliveries", headers=key), 403)
    assert_problem(client.get(f"{API}/mail-deliveries"), 401)
    assert_problem(client.get(f"{API}/mail-deliveries?status=kwijt", headers=admin), 400)


def test_without_an_smtp_server_mails_wait_and_each_is_logged_once(
    client: TestClient, engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wegwijs.mail")
    client.post(f"{API}/sign-in-links", json={"email": "a@example.org"})
    client.post(f"{API}/sign-in-links", json={"email": "b@example.org"})
    assert settings.smtp_url is None
    for _ in range(3):
        assert deliver_due(engine=engine, settings=settings) == 0
    lines = [r.getMessage() for r in caplog.records if "no SMTP server configured" in r.message]
    assert len(lines) == 2 and all(line.startswith("mail ") for line in lines)
    assert not [line for line in lines if "@" in line]
    assert {(m.status, m.last_error) for m in mails(engine)} == {
        ("pending", "Not sent: no SMTP server configured.")
    }


def test_start_up_says_once_that_no_smtp_server_is_configured(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="wegwijs.mail")
    create_app(settings).state.engine.dispose()
    said = [r.getMessage() for r in caplog.records if "WEGWIJS_SMTP_URL is not set" in r.message]
    assert len(said) == 1
    caplog.clear()
    configured = settings.model_copy(update={"smtp_url": SecretStr("smtp://127.0.0.1:2525")})
    create_app(configured).state.engine.dispose()
    assert not [r for r in caplog.records if "WEGWIJS_SMTP_URL" in r.message]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example:2525", ("mail.example", 2525, "plain", None, None)),
        ("smtp://mail.example", ("mail.example", 25, "plain", None, None)),
        (
            "smtp+starttls://wegwijs:geheim@mail.example:587",
            ("mail.example", 587, "starttls", "wegwijs", "geheim"),
        ),
        (
            "smtp+starttls://wegwijs%40amsterdam.example:p%40ss%3Aw0rd@mail.example",
            ("mail.example", 587, "starttls", "wegwijs@amsterdam.example", "p@ss:w0rd"),
        ),
        ("smtps://u:p@mail.example", ("mail.example", 465, "tls", "u", "p")),
        ("SMTPS://u:p@[::1]:4650", ("::1", 4650, "tls", "u", "p")),
    ],
)
def test_smtp_urls(url: str, expected: tuple) -> None:
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.security, server.username, server.password) == (
        expected
    )
    assert "geheim" not in repr(server) and "p@ss" not in repr(server)


@pytest.mark.parametrize(
    "url",
    [
        "http://geheim@mail.example",
        "smtp://",
        "smtp://:geheim@mail.example",
        "smtp://u:geheim@mail.example:poort",
        "smtp://u:geheim@mail.example/pad",
    ],
)
def test_a_bad_smtp_url_stops_the_start_without_showing_the_password(
    settings: Settings, url: str
) -> None:
    with pytest.raises(ValueError) as refused:
        parse_smtp_url(url)
    assert "geheim" not in str(refused.value)
    bad = settings.model_copy(update={"smtp_url": SecretStr(url)})
    with pytest.raises(RuntimeError, match="WEGWIJS_SMTP_URL is not usable") as stopped:
        create_app(bad)
    assert "geheim" not in str(stopped.value)
    assert "geheim" not in repr(bad) and "geheim" not in str(bad.model_dump())


def test_workers_in_parallel_send_each_mail_once(
    client: TestClient, engine: Engine, mail_settings: Settings, smtp: SmtpServer
) -> None:
    for number in range(30):
        client.post(f"{API}/sign-in-links", json={"email": f"p{number}@example.org"})
    small = mail_settings.model_copy(update={"mail_batch_size": 4})
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                deliver_due(engine=engine, settings=small)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(m.to for m in smtp.sink.received) == sorted(
        f"p{number}@example.org" for number in range(30)
    )
    assert {m.status for m in mails(engine)} == {"sent"}


def test_a_round_claims_one_batch_at_most(
    client: TestClient, engine: Engine, mail_settings: Settings, smtp: SmtpServer
) -> None:
    """On PostgreSQL a claim written as one UPDATE with a LIMITed subquery took every due
    mail; each round now takes one batch."""
    for number in range(30):
        client.post(f"{API}/sign-in-links", json={"email": f"b{number}@example.org"})
    batches = mail_settings.model_copy(update={"mail_batch_size": 8})
    rounds = [deliver_due(engine=engine, settings=batches) for _ in range(5)]
    assert rounds == [8, 8, 8, 6, 0]
    assert len(smtp.sink.received) == 30


def test_the_worker_sends_a_mail_soon_after_its_change_commits(
    client: TestClient, engine: Engine, mail_settings: Settings, smtp: SmtpServer
) -> None:
    # A poll of a minute: the mail still goes at once, woken by the commit.
    worker = MailWorker(
        engine=engine,
        settings=mail_settings.model_copy(update={"mail_poll_seconds": 60}),
        send_reminders=send_reminders,
    )
    worker.start()
    try:
        client.post(f"{API}/sign-in-links", json={"email": "snel@example.org"})
        smtp.sink.wait_for("snel@example.org", timeout=10)
    finally:
        worker.stop()
    assert not worker.alive


def test_an_initiators_erasure_takes_their_mails_along(
    client: TestClient,
    admin: Headers,
    engine: Engine,
    initiator: Headers,
    municipality: ImportedMunicipality,
    smtp: SmtpServer,
    send_mail,
) -> None:
    introduction = ask_annelies(client, initiator, municipality)
    send_mail()
    token = smtp.sink.to(ANNELIES["email"])[0].link("/kennismaking").rsplit("#", 1)[1]
    client.post(f"{API}/introduction-responses", json={"token": token, "status": "accepted"})
    smtp.stop()  # the mail to the initiator stays unsent
    initiative = client.get(f"{API}/introductions/{introduction}", headers=admin).json()
    erased = client.post(
        f"{API}/initiatives/{initiative['initiative']['id']}/erasure", headers=initiator
    )
    assert erased.status_code == 204, erased.text
    rows = mails(engine)
    assert {(m.kind, m.status) for m in rows} == {
        ("introduction_requested", "sent"),
        ("introduction_accepted", "failed"),
    }
    assert all(m.body_text is None and m.body_html is None for m in rows)
    assert INITIATOR_EMAIL not in {m.recipient for m in rows}


def test_the_purge_deletes_the_log_of_old_mails_and_tokens(
    client: TestClient, engine: Engine, smtp: SmtpServer, send_mail
) -> None:
    from api.services.mail import purge_old
    from schemas import MailToken

    client.post(f"{API}/sign-in-links", json={"email": "oud@example.org"})
    send_mail()
    client.post(f"{API}/sign-in-links", json={"email": "wacht@example.org"})  # still pending
    with Session(engine) as session:
        assert purge_old(session, now=utc_now() + timedelta(days=89), retention_days=90) == 0
        assert purge_old(session, now=utc_now() + timedelta(days=91), retention_days=90) == 1
        assert [m.recipient for m in session.exec(select(MailDelivery)).all()] == [
            "wacht@example.org"
        ]
        assert session.exec(select(MailToken)).all() == []
