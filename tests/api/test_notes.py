"""Private notes on an initiative: brokers and admins only, dated with their author's key;
never shown to initiators, contacts or portals, never in webhooks; erased with the
initiator's personal data; in the audit log."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.services.webhook_delivery import deliver_due
from schemas import WebhookDelivery
from tests.api.test_privacy import database_text
from tests.api.test_webhooks import clock, receiver, settings_with  # noqa: F401 - fixtures
from tests.helpers import API, assert_problem, initiative_body

Headers = dict[str, str]
NOTE = "Sprak al met het stadsdeel; de voorzitter is de buurvrouw van wethouder Jansen."


@pytest.fixture
def initiative(client: TestClient, initiator: Headers, municipality) -> dict:
    response = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    assert response.status_code == 201, response.text
    return response.json()


def write(client: TestClient, initiative: dict, headers: Headers, text: str = NOTE):
    return client.post(
        f"{API}/initiatives/{initiative['id']}/notes", json={"text": text}, headers=headers
    )


def test_staff_write_and_read_dated_notes_with_their_author(
    client: TestClient, admin: Headers, initiative: dict
) -> None:
    created = client.post(
        f"{API}/api-keys",
        json={"role": "broker", "subject": "makelaar", "municipalityCodes": ["GM0363"]},
        headers=admin,
    ).json()
    broker = {"Authorization": f"Bearer {created['token']}"}
    first = write(client, initiative, broker, "Eerste notitie")
    assert first.status_code == 201, first.text
    note = first.json()
    assert note["text"] == "Eerste notitie"
    assert (note["authorRole"], note["authorKeyId"]) == ("broker", created["id"])
    assert note["createdAt"] and note["initiativeId"] == initiative["id"]
    assert first.headers["Location"].endswith(f"/notes/{note['id']}")
    write(client, initiative, admin, "Tweede notitie")
    listed = client.get(f"{API}/initiatives/{initiative['id']}/notes", headers=broker).json()
    assert [n["text"] for n in listed["items"]] == ["Tweede notitie", "Eerste notitie"]
    assert listed["items"][0]["authorRole"] == "admin"
    assert listed["total"] == 2
    paged = client.get(
        f"{API}/initiatives/{initiative['id']}/notes?pageSize=1&page=2", headers=broker
    ).json()
    assert [n["text"] for n in paged["items"]] == ["Eerste notitie"]
    assert_problem(write(client, initiative, broker, ""), 400, names=["text"])
    assert_problem(write(client, initiative, broker, "x" * 5001), 400, names=["text"])


def test_notes_are_never_shown_to_initiators_contacts_or_portals(
    client: TestClient,
    broker: Headers,
    initiator: Headers,
    contact_key: Headers,
    portal: Headers,
    initiative: dict,
) -> None:
    assert write(client, initiative, broker).status_code == 201
    path = f"{API}/initiatives/{initiative['id']}"
    for who, status in ((initiator, 403), (contact_key, 403), (portal, 403), ({}, 401)):
        assert_problem(client.get(f"{path}/notes", headers=who), status)
        assert_problem(write(client, initiative, who, "Ingedrongen"), status)
    # Nor in anything else: the initiative (to anyone, staff included), its matches, lists.
    for who in (initiator, contact_key, broker):
        for url in (path, f"{path}/matches", f"{API}/initiatives", f"{path}/history"):
            response = client.get(url, headers=who)
            assert response.status_code in (200, 403), (url, response.text)
            assert NOTE not in response.text, url
    assert "notes" not in client.get(path, headers=broker).json()


def test_notes_never_leave_in_a_webhook(
    client: TestClient,
    broker: Headers,
    initiator: Headers,
    initiative: dict,
    municipality,
    engine: Engine,
    settings,
    receiver,  # noqa: F811
    clock,  # noqa: F811
) -> None:
    portal = receiver(200)
    hook = client.post(f"{API}/webhooks", json={"url": portal.url}, headers=broker)
    assert hook.status_code == 201, hook.text
    path = f"{API}/initiatives/{initiative['id']}"
    reason = "Reden: collega Bram is met verlof tot maart"
    answer = "Beste Ilse, we helpen u graag aan een ruimte."
    # Everything on the desk, and everything that sends an event.
    write(client, initiative, broker)
    client.post(
        f"{path}/match-overrides",
        json={"contactId": municipality.contacts["bram"], "action": "exclude", "reason": reason},
        headers=broker,
    )
    client.put(f"{path}/response", json={"status": "supported", "text": answer}, headers=broker)
    introduction = client.post(
        f"{API}/introductions",
        json={"initiativeId": initiative["id"], "contactId": municipality.contacts["annelies"]},
        headers=initiator,
    )
    assert introduction.status_code == 201
    client.patch(
        f"{API}/introductions/{introduction.json()['id']}",
        json={"status": "accepted"},
        headers=broker,
    )
    with Session(engine) as session:
        payloads = [row.payload for row in session.exec(select(WebhookDelivery)).all()]
    assert len(payloads) == 3  # the answer, the request, the acceptance
    assert deliver_due(engine=engine, settings=settings_with(settings), now=clock(0)) == 3
    portal.wait_for(3)
    sent = [received.body.decode() for received in portal.received] + payloads
    for body in sent:
        for secret in (NOTE, "wethouder", reason, "verlof", answer, "Ilse"):
            assert secret not in body


def test_notes_are_erased_with_the_initiators_personal_data(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    initiative: dict,
    municipality,
    engine: Engine,
) -> None:
    path = f"{API}/initiatives/{initiative['id']}"
    write(client, initiative, broker)
    reason = "Reden: de initiatiefnemer belde al drie keer"
    client.post(
        f"{path}/match-overrides",
        json={"contactId": municipality.contacts["chantal"], "action": "pin", "reason": reason},
        headers=broker,
    )
    answer = "Beste Ilse Initiatief, dank voor uw plan."
    client.put(f"{path}/response", json={"status": "received", "text": answer}, headers=broker)

    assert client.post(f"{path}/erasure", headers=admin).status_code == 204

    assert client.get(f"{path}/notes", headers=broker).json()["total"] == 0
    [override] = client.get(f"{path}/match-overrides", headers=broker).json()["items"]
    assert override["reason"] == "" and override["endedAt"] is None  # the pin still stands
    response = client.get(path, headers=broker).json()["response"]
    assert response["status"] == "received" and response["text"] == ""
    stored = database_text(engine)
    for secret in (NOTE, reason, answer):
        assert secret not in stored


def test_every_note_read_write_and_removal_is_audited(
    client: TestClient, admin: Headers, broker: Headers, initiative: dict
) -> None:
    note = write(client, initiative, broker).json()
    client.get(f"{API}/initiatives/{initiative['id']}/notes", headers=broker)
    path = f"{API}/initiatives/{initiative['id']}/notes/{note['id']}"
    assert client.delete(path, headers=broker).status_code == 204
    entries = client.get(
        f"{API}/audit-log", params={"objectType": "initiative_note"}, headers=admin
    ).json()["items"]
    assert [(e["action"], e["objectId"], e["actorRole"]) for e in reversed(entries)] == [
        ("create", note["id"], "broker"),
        ("read", note["id"], "broker"),
        ("delete", note["id"], "broker"),
    ]
    assert NOTE not in str(entries)


def test_a_note_is_removed_by_its_author_or_an_admin_only(
    client: TestClient, admin: Headers, make_key, initiative: dict
) -> None:
    author = make_key("broker", "auteur", municipality_codes=["GM0363"])
    colleague = make_key("broker", "collega", municipality_codes=["GM0363"])
    notes = f"{API}/initiatives/{initiative['id']}/notes"
    first = write(client, initiative, author).json()
    second = write(client, initiative, author).json()
    assert_problem(client.delete(f"{notes}/{first['id']}", headers=colleague), 403)
    assert client.delete(f"{notes}/{first['id']}", headers=author).status_code == 204
    assert client.delete(f"{notes}/{second['id']}", headers=admin).status_code == 204
    assert_problem(client.delete(f"{notes}/{second['id']}", headers=admin), 404)
    # A note is found under its own initiative only.
    other = client.post(
        f"{API}/initiatives", json=initiative_body(title="Ander plan"), headers=admin
    ).json()
    third = write(client, initiative, author).json()
    assert_problem(
        client.delete(f"{API}/initiatives/{other['id']}/notes/{third['id']}", headers=admin), 404
    )
