"""The municipality's official answer to an initiative: set by staff, shown to the initiator,
a webhook event without the text, in the history and the audit log."""

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from schemas import WebhookDelivery
from tests.helpers import API, assert_problem, initiative_body

Headers = dict[str, str]
ANSWER = "We hebben uw plan gelezen. Bram van het gebiedsteam belt u deze week."


@pytest.fixture
def initiative(client: TestClient, initiator: Headers, municipality) -> dict:
    response = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    assert response.status_code == 201, response.text
    return response.json()


def answer(client: TestClient, initiative: dict, headers: Headers, status: str, text: str = ""):
    return client.put(
        f"{API}/initiatives/{initiative['id']}/response",
        json={"status": status, "text": text},
        headers=headers,
    )


def events(engine: Engine) -> list[dict]:
    with Session(engine) as session:
        rows = session.exec(
            select(WebhookDelivery)
            .where(WebhookDelivery.event_type == "initiative.response_changed")
            .order_by(WebhookDelivery.id)
        ).all()
        return [json.loads(row.payload) for row in rows]


def test_staff_answer_and_the_initiator_reads_it(
    client: TestClient,
    broker: Headers,
    initiator: Headers,
    contact_key: Headers,
    initiative: dict,
) -> None:
    assert initiative["response"] is None
    given = answer(client, initiative, broker, "in_progress", ANSWER)
    assert given.status_code == 200, given.text
    body = given.json()
    assert (body["status"], body["text"]) == ("in_progress", ANSWER)
    assert body["answeredAt"]
    mine = client.get(f"{API}/initiatives/{initiative['id']}", headers=initiator).json()
    assert mine["response"] == body
    listed = client.get(f"{API}/initiatives", headers=initiator).json()["items"]
    assert listed[0]["response"] == body
    # Written to the initiator: civil servants see the initiative without it.
    seen = client.get(f"{API}/initiatives/{initiative['id']}", headers=contact_key)
    assert seen.status_code == 200 and "response" not in seen.json()
    assert ANSWER not in seen.text


def test_only_staff_answer(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    portal: Headers,
    initiative: dict,
) -> None:
    for who, status in ((initiator, 403), (contact_key, 403), (portal, 403), ({}, 401)):
        assert_problem(answer(client, initiative, who, "supported", "Zelf goedgekeurd"), status)
    assert_problem(
        client.put(
            f"{API}/initiatives/{initiative['id']}/response",
            json={"status": "approved", "text": 3, "extra": True},
            headers={},
        ),
        401,
    )


def test_bad_answers_are_named(client: TestClient, broker: Headers, initiative: dict) -> None:
    response = client.put(
        f"{API}/initiatives/{initiative['id']}/response",
        json={"status": "approved", "text": "x" * 5001, "answeredAt": "2026-01-01T00:00:00Z"},
        headers=broker,
    )
    assert_problem(response, 400, names=["status", "text", "answeredAt"])
    assert_problem(answer(client, {"id": 9999}, broker, "received"), 404)


def test_each_change_is_a_webhook_event_without_the_text(
    client: TestClient, broker: Headers, initiative: dict, engine: Engine
) -> None:
    hook = client.post(
        f"{API}/webhooks",
        json={"url": "https://portaal.example/hooks", "statuses": ["accepted"]},
        headers=broker,
    )
    assert hook.status_code == 201, hook.text
    first = answer(client, initiative, broker, "received", ANSWER).json()
    # The same answer again is no change: no event, the same time.
    again = answer(client, initiative, broker, "received", ANSWER).json()
    assert again == first
    answer(client, initiative, broker, "referred", "Doorverwezen naar het buurthuis.")
    sent = events(engine)
    assert [e["data"] for e in sent] == [
        {"initiativeId": initiative["id"], "status": "received", "previousStatus": None},
        {"initiativeId": initiative["id"], "status": "referred", "previousStatus": "received"},
    ]
    assert all(e["type"] == "initiative.response_changed" for e in sent)
    assert all(ANSWER not in json.dumps(e) and "buurthuis" not in json.dumps(e) for e in sent)
    # A subscription that asks for other event types only does not get it.
    only_introductions = client.post(
        f"{API}/webhooks",
        json={"url": "https://ander.example/hooks", "events": ["introduction.status_changed"]},
        headers=broker,
    ).json()
    answer(client, initiative, broker, "supported")
    with Session(engine) as session:
        receivers = session.exec(
            select(WebhookDelivery.subscription_id).where(
                WebhookDelivery.event_type == "initiative.response_changed"
            )
        ).all()
    assert only_introductions["id"] not in receivers
    # The delivery log shows it as a typed event.
    log = client.get(f"{API}/webhooks/{hook.json()['id']}/deliveries", headers=broker).json()
    assert log["items"][0]["event"]["data"]["status"] == "supported"


def test_changes_are_in_the_history_and_the_audit_log(
    client: TestClient, admin: Headers, make_key, initiator: Headers, initiative: dict
) -> None:
    broker = make_key("broker", "makelaar", municipality_codes=["GM0363"])
    answer(client, initiative, broker, "received")
    answer(client, initiative, broker, "declined", "Helaas past het niet in de regeling.")
    expected = [("response_changed", "received"), ("response_changed", "declined")]
    for who in (broker, initiator):
        history = client.get(f"{API}/initiatives/{initiative['id']}/history", headers=who)
        assert history.status_code == 200, history.text
        assert [(e["kind"], e["responseStatus"]) for e in history.json()] == expected
        assert "regeling" not in history.text
    entries = client.get(
        f"{API}/audit-log",
        params={"objectType": "initiative", "action": "update", "actorRole": "broker"},
        headers=admin,
    ).json()["items"]
    assert [e["objectId"] for e in entries] == [initiative["id"]] * 2


def test_answers_are_counted_in_the_insights(
    client: TestClient, broker: Headers, initiator: Headers, initiative: dict
) -> None:
    other = client.post(
        f"{API}/initiatives", json=initiative_body(title="Tweede plan"), headers=initiator
    ).json()
    client.post(f"{API}/initiatives", json=initiative_body(title="Derde plan"), headers=initiator)
    answer(client, initiative, broker, "supported")
    answer(client, other, broker, "supported")
    report = client.get(f"{API}/insights/gaps?municipalityCode=GM0363", headers=broker).json()
    answers = report["answers"]
    assert answers["initiatives"] == 3
    assert answers["unanswered"] == 1
    assert {s["status"]: s["initiatives"] for s in answers["byStatus"]} == {
        "received": 0,
        "in_progress": 0,
        "referred": 0,
        "supported": 2,
        "declined": 0,
    }
    assert answers["medianDaysToFirstAnswer"] == 0
