"""Introductions: requests, the status machine, who may do what, capacity, limits and privacy."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from schemas import Introduction
from tests.helpers import (
    API,
    INITIATOR_EMAIL,
    OTHER_EMAIL,
    assert_problem,
    contact_body,
    initiative_body,
    links,
    municipality_body,
    unit_body,
)

Headers = dict[str, str]
INITIATOR = {"name": "Ilse Initiatief", "email": INITIATOR_EMAIL, "phone": "06 1234 5678"}
OTHER = {"name": "Buurvrouw Bep", "email": OTHER_EMAIL, "phone": "06 8765 4321"}
BRAM_PHONE = "+31 20 555 0202"
STATUSES = ("requested", "accepted", "declined", "completed", "cancelled")
# The legal moves, written out here on purpose: the tests check the code, not themselves.
LEGAL = {
    ("requested", "accepted"),
    ("requested", "declined"),
    ("requested", "cancelled"),
    ("accepted", "cancelled"),
    ("accepted", "completed"),
}
ILLEGAL = [(a, b) for a in STATUSES for b in STATUSES if a != b and (a, b) not in LEGAL]
# How a broker brings a fresh introduction to each status.
PATH_TO = {
    "requested": [],
    "accepted": [{"status": "accepted"}],
    "declined": [{"status": "declined"}],
    "completed": [{"status": "accepted"}, {"status": "completed", "outcome": "helpful"}],
    "cancelled": [{"status": "cancelled"}],
}


# Helpers.


def new_initiative(client: TestClient, headers: Headers, **fields: Any) -> int:
    response = client.post(f"{API}/initiatives", json=initiative_body(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ask(
    client: TestClient, headers: Headers, initiative_id: int, contact_id: int, **fields: Any
) -> Any:
    body = {"initiativeId": initiative_id, "contactId": contact_id, **fields}
    return client.post(f"{API}/introductions", json=body, headers=headers)


def asked(client: TestClient, headers: Headers, initiative_id: int, contact_id: int) -> str:
    """Request an introduction that must succeed; returns its URL."""
    response = ask(client, headers, initiative_id, contact_id)
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def move(client: TestClient, url: str, headers: Headers, **body: Any) -> dict:
    """A change that must succeed; returns the introduction as the caller sees it."""
    response = client.patch(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def bring_to(client: TestClient, url: str, status: str, broker: Headers) -> None:
    for step in PATH_TO[status]:
        move(client, url, broker, **step)
    assert client.get(url, headers=broker).json()["status"] == status


def steps(client: TestClient, url: str, headers: Headers) -> list[tuple[str, str]]:
    response = client.get(f"{url}/history", headers=headers)
    assert response.status_code == 200, response.text
    return [(event["status"], event["actorRole"]) for event in response.json()]


def ids_of(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def id_of(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def age(engine: Engine, url: str, days: int) -> None:
    """Pretend the introduction was requested ``days`` ago."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(Introduction)
            .where(Introduction.id == id_of(url))
            .values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


def set_contact(client: TestClient, broker: Headers, contact_id: int, **fields: Any) -> None:
    response = client.patch(f"{API}/contacts/{contact_id}", json=fields, headers=broker)
    assert response.status_code == 200, response.text


def total(client: TestClient, headers: Headers, **params: Any) -> int:
    response = client.get(f"{API}/introductions", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["total"]


# Fixtures.


@pytest.fixture
def own(client: TestClient, initiator: Headers, municipality) -> int:
    """An initiative of the test's initiator (with a phone number)."""
    return new_initiative(client, initiator, initiator=INITIATOR)


@pytest.fixture
def others(client: TestClient, broker: Headers, municipality) -> int:
    """An initiative of someone else, registered by a broker."""
    return new_initiative(client, broker, title="Huiskamer van de buurt", initiator=OTHER)


@pytest.fixture
def bram_key(make_key: Callable[..., Headers], municipality) -> Headers:
    return make_key("contact", str(municipality.contacts["bram"]))


@pytest.fixture
def other_initiator(make_key: Callable[..., Headers]) -> Headers:
    return make_key("initiator", OTHER_EMAIL)


@pytest.fixture
def to_annelies(client: TestClient, initiator: Headers, own: int, municipality) -> str:
    """An introduction the initiator asked for, to Annelies (whose key is ``contact_key``)."""
    return asked(client, initiator, own, municipality.contacts["annelies"])


# Requesting.


def test_an_initiator_requests_an_introduction(
    client: TestClient, initiator: Headers, broker: Headers, own: int, municipality
) -> None:
    annelies = municipality.contacts["annelies"]
    response = ask(client, initiator, own, annelies, message="Wij zoeken een ruimte.")
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{API}/introductions/{body['id']}"
    assert body == {
        "id": body["id"],
        "status": "requested",
        "message": "Wij zoeken een ruimte.",
        "reason": None,
        "outcome": None,
        "initiatorFeedback": None,
        "contactFeedback": None,
        "initiative": {
            "id": own,
            "title": "Buurtmoestuin Bijlmer",
            "initiatorName": "Ilse Initiatief",
            "initiatorEmail": INITIATOR_EMAIL,
            "initiatorPhone": "06 1234 5678",
        },
        "contact": {
            "id": annelies,
            "name": "Annelies de Vries",  # a public profile
            "jobTitle": "Beleidsadviseur wonen",
            "email": None,
            "phone": None,
        },
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
    }
    created = datetime.fromisoformat(body["createdAt"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)
    assert client.get(response.headers["Location"], headers=initiator).json() == body
    assert steps(client, response.headers["Location"], broker) == [("requested", "initiator")]


@pytest.mark.parametrize("staff", ["admin", "broker"])
def test_staff_request_for_any_initiative(
    client: TestClient, admin: Headers, broker: Headers, others: int, municipality, staff: str
) -> None:
    headers = {"admin": admin, "broker": broker}[staff]
    response = ask(client, headers, others, municipality.contacts["annelies"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "requested"
    assert body["message"] == ""
    # Staff see both sides' details from the start.
    assert body["contact"]["email"] == "a.devries@amsterdam.example"
    assert body["contact"]["phone"] == "+31 20 555 0101"
    assert body["initiative"]["initiatorEmail"] == OTHER_EMAIL
    assert body["initiative"]["initiatorPhone"] == OTHER["phone"]
    assert steps(client, response.headers["Location"], broker) == [("requested", staff)]


def test_the_message_is_trimmed_and_may_be_2000_characters(
    client: TestClient, initiator: Headers, own: int, municipality
) -> None:
    trimmed = ask(client, initiator, own, municipality.contacts["annelies"], message="  Hoi!\n ")
    assert trimmed.status_code == 201, trimmed.text
    assert trimmed.json()["message"] == "Hoi!"
    longest = "Lange brief.\n" * 153 + "x" * 11
    assert len(longest) == 2000
    response = ask(client, initiator, own, municipality.contacts["bram"], message=longest)
    assert response.status_code == 201, response.text
    assert response.json()["message"] == longest


def test_only_the_initiator_or_staff_may_ask(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    broker: Headers,
    own: int,
    others: int,
    municipality,
) -> None:
    bram = municipality.contacts["bram"]
    # Someone else's initiative is "unknown" to an initiator: its existence is not revealed.
    assert_problem(ask(client, initiator, others, bram), 400, names=["initiativeId"])
    # A civil servant asks for no introductions.
    assert_problem(ask(client, contact_key, own, bram), 400, names=["initiativeId"])
    assert_problem(ask(client, broker, 99999, bram), 400, names=["initiativeId"])
    anonymous = ask(client, {}, own, bram)
    assert_problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert total(client, broker) == 0


def _rotterdam_contact(client: TestClient, admin: Headers, broker: Headers) -> int:
    assert client.post(f"{API}/municipalities", json=municipality_body(), headers=admin).is_success
    unit = client.post(f"{API}/units", json=unit_body("GM0599"), headers=broker).json()
    body = contact_body(unit["id"], email="r.smit@rotterdam.example")
    response = client.post(f"{API}/contacts", json=body, headers=broker)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("who", ["no consent", "consent withdrawn", "unknown", "other city"])
def test_the_contact_must_be_a_consenting_colleague_in_the_same_municipality(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    initiator: Headers,
    own: int,
    municipality,
    who: str,
) -> None:
    if who == "no consent":
        contact_id = municipality.contacts["dirk"]
    elif who == "consent withdrawn":
        contact_id = municipality.contacts["annelies"]
        set_contact(client, broker, contact_id, consentAt=None)
    elif who == "unknown":
        contact_id = 99999
    else:
        contact_id = _rotterdam_contact(client, admin, broker)
    for headers in (initiator, broker):
        assert_problem(ask(client, headers, own, contact_id), 400, names=["contactId"])
    assert total(client, broker) == 0


def test_an_initiative_elsewhere_cannot_ask_for_a_contact_here(
    client: TestClient, admin: Headers, broker: Headers, municipality
) -> None:
    _rotterdam_contact(client, admin, broker)
    havenfestival = new_initiative(client, broker, municipality_code="GM0599")
    response = ask(client, broker, havenfestival, municipality.contacts["annelies"])
    assert_problem(response, 400, names=["contactId"])


@pytest.mark.parametrize("closed", [{"available": False}, {"openToInitiatives": False}])
def test_a_closed_contact_takes_no_requests(
    client: TestClient, broker: Headers, initiator: Headers, own: int, municipality, closed: dict
) -> None:
    annelies = municipality.contacts["annelies"]
    set_contact(client, broker, annelies, **closed)
    for headers in (initiator, broker):
        assert_problem(ask(client, headers, own, annelies), 409)
    assert total(client, broker) == 0
    # Open again, the same request goes through.
    set_contact(client, broker, annelies, available=True, openToInitiatives=True)
    assert ask(client, initiator, own, annelies).status_code == 201


def test_open_introductions_count_against_capacity(
    client: TestClient, broker: Headers, contact_key: Headers, municipality
) -> None:
    annelies = municipality.contacts["annelies"]
    set_contact(client, broker, annelies, capacityPerMonth=2)
    a, b, c, d = (new_initiative(client, broker, title=f"Plan {n}") for n in "ABCD")
    first = asked(client, broker, a, annelies)
    second = asked(client, broker, b, annelies)
    full = assert_problem(ask(client, broker, c, annelies), 409)
    assert "room" in full["detail"]
    # Another contact is not affected.
    assert ask(client, broker, c, municipality.contacts["chantal"]).status_code == 201
    # Accepted still counts; declined does not.
    move(client, first, contact_key, status="accepted")
    assert_problem(ask(client, broker, c, annelies), 409)
    move(client, second, contact_key, status="declined")
    asked(client, broker, c, annelies)
    assert_problem(ask(client, broker, d, annelies), 409)
    # Completed does not count either.
    move(client, first, contact_key, status="completed", outcome="helpful")
    asked(client, broker, d, annelies)
    assert total(client, broker, contactId=annelies) == 4
    assert total(client, broker, contactId=annelies, status="requested") == 2


def test_cancelled_introductions_free_capacity(
    client: TestClient, broker: Headers, initiator: Headers, own: int, others: int, municipality
) -> None:
    annelies = municipality.contacts["annelies"]
    set_contact(client, broker, annelies, capacityPerMonth=1)
    mine = asked(client, initiator, own, annelies)
    assert_problem(ask(client, broker, others, annelies), 409)
    move(client, mine, initiator, status="cancelled")
    asked(client, broker, others, annelies)


def test_a_contact_without_capacity_takes_no_requests(
    client: TestClient, broker: Headers, own: int, municipality
) -> None:
    set_contact(client, broker, municipality.contacts["annelies"], capacityPerMonth=0)
    assert_problem(ask(client, broker, own, municipality.contacts["annelies"]), 409)
    assert total(client, broker) == 0


def test_only_the_last_30_days_count(
    client: TestClient, broker: Headers, engine: Engine, own: int, others: int, municipality
) -> None:
    annelies = municipality.contacts["annelies"]
    set_contact(client, broker, annelies, capacityPerMonth=1)
    old = asked(client, broker, own, annelies)
    age(engine, old, days=29)
    assert_problem(ask(client, broker, others, annelies), 409)
    age(engine, old, days=31)
    asked(client, broker, others, annelies)
    # The old one is still open; it just no longer takes a slot.
    assert client.get(old, headers=broker).json()["status"] == "requested"


def test_a_duplicate_open_request_is_409(
    client: TestClient,
    initiator: Headers,
    broker: Headers,
    contact_key: Headers,
    own: int,
    others: int,
    municipality,
) -> None:
    annelies = municipality.contacts["annelies"]
    first = asked(client, initiator, own, annelies)
    for headers in (initiator, broker):
        duplicate = assert_problem(ask(client, headers, own, annelies), 409)
        assert "already" in duplicate["detail"]
    # Another initiative may ask for the same contact.
    asked(client, broker, others, annelies)
    move(client, first, contact_key, status="accepted")
    assert_problem(ask(client, initiator, own, annelies), 409)
    # Once the open one is cancelled, asking again is fine.
    move(client, first, initiator, status="cancelled")
    again = asked(client, initiator, own, annelies)
    assert again != first
    assert total(client, broker, initiativeId=own) == 2


def test_too_many_open_requests_per_initiative_is_409(
    client: TestClient,
    initiator: Headers,
    broker: Headers,
    contact_key: Headers,
    own: int,
    others: int,
    municipality,
    settings,
) -> None:
    assert settings.max_open_introductions_per_initiative == 5
    extra = client.post(
        f"{API}/contacts",
        json=contact_body(municipality.units["ruimte"], name="Gijs de Groot"),
        headers=broker,
    )
    assert extra.status_code == 201, extra.text
    gijs = extra.json()["id"]
    first_five = ["annelies", "bram", "chantal", "eva", "fatima"]
    urls = {key: asked(client, initiator, own, municipality.contacts[key]) for key in first_five}
    for headers in (initiator, broker):
        response = ask(client, headers, own, gijs)
        # A limit of the initiative, not a rate limit: 409 with a type of its own (the page
        # tells it from other conflicts) and no Retry-After (no clock to wait for).
        problem = assert_problem(response, 409)
        assert problem["type"].endswith("/problems/too-many-open-introductions")
        assert problem["title"] == "Too many open introductions"
        assert "5" in problem["detail"]
        assert "Retry-After" not in response.headers
    assert total(client, broker, initiativeId=own) == 5
    # The limit is per initiative.
    asked(client, broker, others, gijs)
    # An answered request (declined) no longer counts.
    move(client, urls["annelies"], contact_key, status="declined")
    asked(client, initiator, own, gijs)
    assert total(client, broker, initiativeId=own, status="requested") == 5


# Changing the status.


def test_the_contact_accepts(
    client: TestClient, contact_key: Headers, broker: Headers, to_annelies: str
) -> None:
    before = client.get(to_annelies, headers=broker).json()
    body = move(client, to_annelies, contact_key, status="accepted")
    assert body["status"] == "accepted"
    assert body["reason"] is None and body["outcome"] is None
    assert body["updatedAt"] >= before["updatedAt"]
    assert body["createdAt"] == before["createdAt"]
    assert client.get(to_annelies, headers=broker).json()["status"] == "accepted"
    assert steps(client, to_annelies, broker) == [
        ("requested", "initiator"),
        ("accepted", "contact"),
    ]


def test_the_contact_declines_with_a_reason(
    client: TestClient, contact_key: Headers, initiator: Headers, to_annelies: str
) -> None:
    body = move(client, to_annelies, contact_key, status="declined", reason="Geen tijd tot mei.")
    assert body["status"] == "declined"
    assert body["reason"] == "Geen tijd tot mei."
    seen = client.get(to_annelies, headers=initiator).json()
    assert (seen["status"], seen["reason"]) == ("declined", "Geen tijd tot mei.")
    assert steps(client, to_annelies, initiator) == [
        ("requested", "initiator"),
        ("declined", "contact"),
    ]


@pytest.mark.parametrize("answer", ["accepted", "declined"])
def test_a_broker_answers_for_the_contact(
    client: TestClient, broker: Headers, contact_key: Headers, to_annelies: str, answer: str
) -> None:
    assert move(client, to_annelies, broker, status=answer)["status"] == answer
    assert client.get(to_annelies, headers=contact_key).json()["status"] == answer
    assert steps(client, to_annelies, contact_key)[-1] == (answer, "broker")


@pytest.mark.parametrize("start", ["requested", "accepted"])
def test_the_requester_cancels(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    broker: Headers,
    to_annelies: str,
    start: str,
) -> None:
    bring_to(client, to_annelies, start, broker)
    body = move(client, to_annelies, initiator, status="cancelled", reason="Al geregeld.")
    assert (body["status"], body["reason"]) == ("cancelled", "Al geregeld.")
    assert client.get(to_annelies, headers=contact_key).json()["status"] == "cancelled"
    assert steps(client, to_annelies, initiator)[-1] == ("cancelled", "initiator")


@pytest.mark.parametrize(
    ("start", "target", "actor"),
    [
        ("requested", "accepted", "initiator"),
        ("requested", "declined", "initiator"),
        ("requested", "cancelled", "contact"),
        ("accepted", "cancelled", "contact"),
    ],
)
def test_a_party_may_not_make_the_other_sides_move(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    broker: Headers,
    to_annelies: str,
    start: str,
    target: str,
    actor: str,
) -> None:
    bring_to(client, to_annelies, start, broker)
    before = client.get(to_annelies, headers=broker).json()
    history = steps(client, to_annelies, broker)
    headers = {"initiator": initiator, "contact": contact_key}[actor]
    assert_problem(client.patch(to_annelies, json={"status": target}, headers=headers), 403)
    assert client.get(to_annelies, headers=broker).json() == before
    assert steps(client, to_annelies, broker) == history


def test_only_the_requester_cancels_a_brokers_request(
    client: TestClient, initiator: Headers, broker: Headers, own: int, municipality
) -> None:
    """A broker asked on the initiator's behalf: the broker (staff), not the initiator, may
    withdraw it."""
    url = asked(client, broker, own, municipality.contacts["annelies"])
    assert_problem(client.patch(url, json={"status": "cancelled"}, headers=initiator), 403)
    assert client.get(url, headers=initiator).json()["status"] == "requested"
    assert move(client, url, broker, status="cancelled")["status"] == "cancelled"
    assert steps(client, url, initiator) == [("requested", "broker"), ("cancelled", "broker")]


@pytest.mark.parametrize(("start", "target"), ILLEGAL, ids=[f"{a}-{b}" for a, b in ILLEGAL])
def test_illegal_moves_are_409(
    client: TestClient, broker: Headers, to_annelies: str, start: str, target: str
) -> None:
    bring_to(client, to_annelies, start, broker)
    before = client.get(to_annelies, headers=broker).json()
    history = steps(client, to_annelies, broker)
    body = {"status": target, "outcome": "helpful"} if target == "completed" else {"status": target}
    problem = assert_problem(client.patch(to_annelies, json=body, headers=broker), 409)
    assert start in problem["detail"] and target in problem["detail"]
    assert client.get(to_annelies, headers=broker).json() == before
    assert steps(client, to_annelies, broker) == history


def test_the_illegal_move_is_409_even_for_a_party_without_the_right(
    client: TestClient, initiator: Headers, to_annelies: str
) -> None:
    response = client.patch(
        to_annelies, json={"status": "completed", "outcome": "helpful"}, headers=initiator
    )
    assert_problem(response, 409)


@pytest.mark.parametrize(
    ("actor", "outcome", "side"),
    [
        ("initiator", "helpful", "initiatorFeedback"),
        ("contact", "not_helpful", "contactFeedback"),
        ("initiator", "no_show", "initiatorFeedback"),
    ],
)
def test_completing_with_an_outcome_and_feedback(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    broker: Headers,
    to_annelies: str,
    actor: str,
    outcome: str,
    side: str,
) -> None:
    headers = {"initiator": initiator, "contact": contact_key}[actor]
    move(client, to_annelies, contact_key, status="accepted")
    body = move(
        client, to_annelies, headers, status="completed", outcome=outcome, feedback="Fijn gesprek."
    )
    assert (body["status"], body["outcome"], body[side]) == ("completed", outcome, "Fijn gesprek.")
    other_side = ({"initiatorFeedback", "contactFeedback"} - {side}).pop()
    assert body[other_side] is None
    stored = client.get(to_annelies, headers=broker).json()
    assert (stored["status"], stored["outcome"], stored[side], stored[other_side]) == (
        "completed",
        outcome,
        "Fijn gesprek.",
        None,
    )
    assert steps(client, to_annelies, broker) == [
        ("requested", "initiator"),
        ("accepted", "contact"),
        ("completed", actor),
    ]


def test_a_broker_completes_for_the_parties(
    client: TestClient, broker: Headers, initiator: Headers, to_annelies: str
) -> None:
    move(client, to_annelies, broker, status="accepted")
    body = move(client, to_annelies, broker, status="completed", outcome="no_show")
    assert (body["status"], body["outcome"]) == ("completed", "no_show")
    assert client.get(to_annelies, headers=initiator).json()["outcome"] == "no_show"


def test_completing_needs_an_outcome(
    client: TestClient, initiator: Headers, contact_key: Headers, broker: Headers, to_annelies: str
) -> None:
    move(client, to_annelies, contact_key, status="accepted")
    assert_problem(
        client.patch(to_annelies, json={"status": "completed"}, headers=initiator),
        400,
        names=["outcome"],
    )
    assert client.get(to_annelies, headers=broker).json()["status"] == "accepted"
    assert len(steps(client, to_annelies, broker)) == 2


@pytest.mark.parametrize("target", ["accepted", "declined", "cancelled"])
def test_only_completing_takes_an_outcome(
    client: TestClient, broker: Headers, to_annelies: str, target: str
) -> None:
    """A declined or cancelled introduction with outcome "helpful" would be nonsense."""
    response = client.patch(
        to_annelies, json={"status": target, "outcome": "helpful"}, headers=broker
    )
    assert_problem(response, 400, names=["outcome"])
    after = client.get(to_annelies, headers=broker).json()
    assert (after["status"], after["outcome"]) == ("requested", None)
    assert len(steps(client, to_annelies, broker)) == 1


@pytest.mark.parametrize(
    ("start", "body"),
    [
        ("accepted", {"outcome": "helpful"}),
        ("requested", {"reason": "Zomaar."}),
        ("accepted", {"status": "accepted", "outcome": "helpful"}),
        ("requested", {"status": "requested", "reason": "Nog steeds."}),
        ("completed", {"outcome": "not_helpful"}),
    ],
)
def test_an_outcome_or_reason_comes_with_a_status_change(
    client: TestClient, broker: Headers, to_annelies: str, start: str, body: dict
) -> None:
    bring_to(client, to_annelies, start, broker)
    before = client.get(to_annelies, headers=broker).json()
    assert_problem(client.patch(to_annelies, json=body, headers=broker), 409)
    assert client.get(to_annelies, headers=broker).json() == before


# Feedback.


def test_both_sides_give_feedback_after_acceptance(
    client: TestClient, initiator: Headers, contact_key: Headers, broker: Headers, to_annelies: str
) -> None:
    move(client, to_annelies, contact_key, status="accepted")
    mine = move(client, to_annelies, initiator, feedback="Snel gereageerd, dank!")
    assert mine["status"] == "accepted"
    assert (mine["initiatorFeedback"], mine["contactFeedback"]) == ("Snel gereageerd, dank!", None)
    theirs = move(client, to_annelies, contact_key, feedback="Mooi initiatief.")
    assert theirs["initiatorFeedback"] == "Snel gereageerd, dank!"
    assert theirs["contactFeedback"] == "Mooi initiatief."
    move(client, to_annelies, initiator, status="completed", outcome="helpful")
    # Feedback may still be given, or changed, once completed.
    later = move(client, to_annelies, initiator, feedback="Het liep goed af.")
    assert (later["initiatorFeedback"], later["contactFeedback"]) == (
        "Het liep goed af.",
        "Mooi initiatief.",
    )
    # Feedback is no status change: it is not in the history.
    assert [s for s, _ in steps(client, to_annelies, broker)] == [
        "requested",
        "accepted",
        "completed",
    ]


@pytest.mark.parametrize("start", ["requested", "declined", "cancelled"])
@pytest.mark.parametrize("actor", ["initiator", "contact"])
def test_no_feedback_before_acceptance(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    broker: Headers,
    to_annelies: str,
    start: str,
    actor: str,
) -> None:
    bring_to(client, to_annelies, start, broker)
    headers = {"initiator": initiator, "contact": contact_key}[actor]
    assert_problem(client.patch(to_annelies, json={"feedback": "Hm."}, headers=headers), 409)
    after = client.get(to_annelies, headers=broker).json()
    assert after["initiatorFeedback"] is None and after["contactFeedback"] is None


def test_feedback_comes_from_the_parties_not_staff(
    client: TestClient, broker: Headers, contact_key: Headers, to_annelies: str
) -> None:
    move(client, to_annelies, contact_key, status="accepted")
    before = client.get(to_annelies, headers=broker).json()
    assert_problem(client.patch(to_annelies, json={"feedback": "Goed."}, headers=broker), 403)
    # Nor does the status change of the same request go through.
    both = {"status": "completed", "outcome": "helpful", "feedback": "Goed."}
    assert_problem(client.patch(to_annelies, json=both, headers=broker), 403)
    assert client.get(to_annelies, headers=broker).json() == before
    assert len(steps(client, to_annelies, broker)) == 2


def test_a_refused_change_leaves_no_trace(
    client: TestClient, contact_key: Headers, broker: Headers, to_annelies: str
) -> None:
    """Declining with feedback is refused as a whole: not declined, no reason, no event."""
    body = {"status": "declined", "reason": "Geen tijd.", "feedback": "Jammer."}
    assert_problem(client.patch(to_annelies, json=body, headers=contact_key), 409)
    after = client.get(to_annelies, headers=broker).json()
    assert (after["status"], after["reason"], after["contactFeedback"]) == ("requested", None, None)
    assert steps(client, to_annelies, broker) == [("requested", "initiator")]


# Who sees what.


def test_contact_details_are_shared_only_after_acceptance(
    client: TestClient,
    initiator: Headers,
    bram_key: Headers,
    broker: Headers,
    own: int,
    municipality,
) -> None:
    bram = municipality.contacts["bram"]  # no public profile: his name is hidden too
    set_contact(client, broker, bram, phone=BRAM_PHONE)
    url = asked(client, initiator, own, bram)
    hidden_contact = {
        "id": bram,
        "name": None,
        "jobTitle": "Gebiedsmakelaar",
        "email": None,
        "phone": None,
    }
    full_contact = {
        **hidden_contact,
        "name": "Bram Jansen",
        "email": "b.jansen@amsterdam.example",
        "phone": BRAM_PHONE,
    }
    full_initiative = {
        "id": own,
        "title": "Buurtmoestuin Bijlmer",
        "initiatorName": INITIATOR["name"],
        "initiatorEmail": INITIATOR_EMAIL,
        "initiatorPhone": INITIATOR["phone"],
    }
    hidden_initiative = {
        **full_initiative,
        "initiatorName": None,
        "initiatorEmail": None,
        "initiatorPhone": None,
    }

    def seen(headers: Headers) -> tuple[dict, dict]:
        one = client.get(url, headers=headers)
        listed = client.get(f"{API}/introductions", headers=headers).json()["items"]
        assert listed == [one.json()]
        return one.json()["initiative"], one.json()["contact"]

    # Requested: each side sees only itself; staff see both.
    assert seen(initiator) == (full_initiative, hidden_contact)
    assert seen(bram_key) == (hidden_initiative, full_contact)
    assert seen(broker) == (full_initiative, full_contact)
    for text in ("Bram Jansen", "b.jansen@", BRAM_PHONE):
        assert text not in client.get(f"{API}/introductions", headers=initiator).text
    for text in (INITIATOR["name"], INITIATOR_EMAIL, INITIATOR["phone"]):
        assert text not in client.get(url, headers=bram_key).text

    accepted = move(client, url, bram_key, status="accepted")
    assert (accepted["initiative"], accepted["contact"]) == (full_initiative, full_contact)
    assert seen(initiator) == (full_initiative, full_contact)
    assert seen(bram_key) == (full_initiative, full_contact)

    move(client, url, initiator, status="completed", outcome="helpful")
    assert seen(initiator) == (full_initiative, full_contact)
    assert seen(bram_key) == (full_initiative, full_contact)


@pytest.mark.parametrize("end", ["declined", "cancelled"])
def test_details_stay_hidden_when_not_accepted(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    broker: Headers,
    to_annelies: str,
    end: str,
) -> None:
    if end == "cancelled":
        # Accepted, then withdrawn: the details are no longer shared.
        move(client, to_annelies, contact_key, status="accepted")
        move(client, to_annelies, initiator, status="cancelled")
    else:
        move(client, to_annelies, contact_key, status="declined")
    contact = client.get(to_annelies, headers=initiator).json()["contact"]
    assert contact["name"] == "Annelies de Vries"  # public profile
    assert (contact["email"], contact["phone"]) == (None, None)
    initiative = client.get(to_annelies, headers=contact_key).json()["initiative"]
    assert initiative["initiatorEmail"] is None and initiative["initiatorName"] is None
    staff_view = client.get(to_annelies, headers=broker).json()
    assert staff_view["contact"]["email"] == "a.devries@amsterdam.example"
    assert staff_view["initiative"]["initiatorEmail"] == INITIATOR_EMAIL


def test_strangers_get_404(
    client: TestClient,
    broker: Headers,
    bram_key: Headers,
    other_initiator: Headers,
    to_annelies: str,
) -> None:
    before = client.get(to_annelies, headers=broker).json()
    for headers in (bram_key, other_initiator):
        assert_problem(client.get(to_annelies, headers=headers), 404)
        assert_problem(client.get(f"{to_annelies}/history", headers=headers), 404)
        for body in ({"status": "accepted"}, {"status": "cancelled"}, {"feedback": "x"}):
            assert_problem(client.patch(to_annelies, json=body, headers=headers), 404)
        listing = client.get(f"{API}/introductions", headers=headers)
        assert listing.json()["total"] == 0
        assert "a.devries@" not in listing.text
    assert client.get(to_annelies, headers=broker).json() == before
    assert_problem(client.get(to_annelies), 401)


def test_the_history_records_every_move_with_time_and_role(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    broker: Headers,
    admin: Headers,
    own: int,
    municipality,
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    annelies = municipality.contacts["annelies"]
    first = asked(client, initiator, own, annelies)
    move(client, first, contact_key, status="accepted")
    move(client, first, initiator, feedback="Dank.")
    move(client, first, contact_key, status="completed", outcome="helpful")
    second = asked(client, initiator, own, annelies)
    move(client, second, admin, status="declined", reason="Vakantie.")

    response = client.get(f"{first}/history", headers=broker)
    assert response.status_code == 200, response.text
    events = response.json()
    assert [set(event) for event in events] == [{"status", "actorRole", "at"}] * 3
    assert [(e["status"], e["actorRole"]) for e in events] == [
        ("requested", "initiator"),
        ("accepted", "contact"),
        ("completed", "contact"),
    ]
    times = [datetime.fromisoformat(e["at"]) for e in events]
    assert times == sorted(times)
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert all(started <= t <= datetime.now(UTC) + timedelta(seconds=1) for t in times)
    # Both parties see the same history; each introduction has its own.
    for headers in (initiator, contact_key):
        assert client.get(f"{first}/history", headers=headers).json() == events
    assert steps(client, second, initiator) == [("requested", "initiator"), ("declined", "admin")]


# Lists.


@pytest.fixture
def four(
    client: TestClient, initiator: Headers, broker: Headers, own: int, others: int, municipality
) -> dict[str, int]:
    """own → Annelies, own → Bram, others → Annelies, others → Chantal (in that order)."""
    contacts = municipality.contacts
    return {
        "own-annelies": id_of(asked(client, initiator, own, contacts["annelies"])),
        "own-bram": id_of(asked(client, initiator, own, contacts["bram"])),
        "others-annelies": id_of(asked(client, broker, others, contacts["annelies"])),
        "others-chantal": id_of(asked(client, broker, others, contacts["chantal"])),
    }


def test_each_party_lists_only_its_own(
    client: TestClient,
    initiator: Headers,
    other_initiator: Headers,
    contact_key: Headers,
    bram_key: Headers,
    broker: Headers,
    admin: Headers,
    four: dict[str, int],
) -> None:
    def listed(headers: Headers, **params: Any) -> list[int]:
        return ids_of(client.get(f"{API}/introductions", params=params, headers=headers))

    def newest_first(*keys: str) -> list[int]:
        return sorted((four[key] for key in keys), reverse=True)

    everything = newest_first(*four)
    assert listed(broker) == listed(admin) == everything
    assert listed(initiator) == newest_first("own-annelies", "own-bram")
    assert listed(other_initiator) == newest_first("others-annelies", "others-chantal")
    assert listed(contact_key) == newest_first("own-annelies", "others-annelies")
    assert listed(bram_key) == newest_first("own-bram")
    # Filters narrow a party's own list; they never widen it.
    others = client.get(f"{API}/introductions/{four['others-annelies']}", headers=broker).json()
    assert listed(initiator, initiativeId=others["initiative"]["id"]) == []
    assert listed(bram_key, contactId=others["contact"]["id"]) == []
    assert listed(contact_key, initiativeId=others["initiative"]["id"]) == newest_first(
        "others-annelies"
    )
    response = client.get(f"{API}/introductions", headers=initiator).json()
    assert (response["total"], response["page"], response["pageSize"]) == (2, 1, 20)


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({}, ["own-annelies", "own-bram", "others-annelies", "others-chantal"]),
        ({"initiativeId": "own"}, ["own-annelies", "own-bram"]),
        ({"contactId": "annelies"}, ["own-annelies", "others-annelies"]),
        ({"initiativeId": "others", "contactId": "annelies"}, ["others-annelies"]),
        ({"status": "requested"}, ["own-bram", "others-chantal"]),
        ({"status": "accepted"}, ["own-annelies"]),
        ({"status": "declined"}, ["others-annelies"]),
        ({"status": "completed"}, []),
        ({"status": "requested", "initiativeId": "own"}, ["own-bram"]),
        ({"contactId": "eva"}, []),
        ({"initiativeId": 99999}, []),
    ],
)
def test_list_filters(
    client: TestClient,
    broker: Headers,
    contact_key: Headers,
    own: int,
    others: int,
    municipality,
    four: dict[str, int],
    params: dict,
    keys: list[str],
) -> None:
    move(client, f"{API}/introductions/{four['own-annelies']}", contact_key, status="accepted")
    move(client, f"{API}/introductions/{four['others-annelies']}", contact_key, status="declined")
    query = dict(params)
    if query.get("initiativeId") in ("own", "others"):
        query["initiativeId"] = {"own": own, "others": others}[query["initiativeId"]]
    if "contactId" in query:
        query["contactId"] = municipality.contacts[query["contactId"]]
    response = client.get(f"{API}/introductions", params=query, headers=broker)
    assert ids_of(response) == sorted((four[key] for key in keys), reverse=True)
    assert response.json()["total"] == len(keys)
    assert {item["status"] for item in response.json()["items"]} <= set(
        [params["status"]] if "status" in params else STATUSES
    )


def test_list_paging(
    client: TestClient, broker: Headers, initiator: Headers, own: int, municipality
) -> None:
    made = [
        id_of(asked(client, initiator, own, municipality.contacts[key]))
        for key in ("annelies", "bram", "chantal", "eva", "fatima")
    ]
    newest_first = sorted(made, reverse=True)
    pages = []
    for page in (1, 2, 3):
        response = client.get(
            f"{API}/introductions", params={"page": page, "pageSize": 2}, headers=initiator
        )
        body = response.json()
        assert (body["page"], body["pageSize"], body["total"]) == (page, 2, 5)
        pages.append([item["id"] for item in body["items"]])
        rels = links(response)
        assert rels["first"]["page"] == "1" and rels["last"]["page"] == "3"
        assert all(rel["pageSize"] == "2" for rel in rels.values())
        assert ("next" in rels) == (page < 3)
        assert ("prev" in rels) == (page > 1)
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    beyond = client.get(
        f"{API}/introductions", params={"page": 4, "pageSize": 2}, headers=initiator
    ).json()
    assert (beyond["items"], beyond["total"]) == ([], 5)


# Invalid input.


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"note": "hoi"}, ["note"]),
        ({"initiativeId": "een"}, ["initiativeId"]),
        ({"contactId": 1.5}, ["contactId"]),
        ({"contactId": None}, ["contactId"]),
        ({"initiativeId": 0, "contactId": 2**31}, ["initiativeId", "contactId"]),
        ({"message": "x" * 2001}, ["message"]),
        ({"message": 12}, ["message"]),
        ({"message": "nul\x00byte"}, ["message"]),
        ({"status": "accepted"}, ["status"]),
        ({"drop": ["initiativeId", "contactId"]}, ["initiativeId", "contactId"]),
    ],
)
def test_invalid_request_bodies_are_400(
    client: TestClient, broker: Headers, own: int, municipality, change: dict, names: list[str]
) -> None:
    body: dict[str, Any] = {
        "initiativeId": own,
        "contactId": municipality.contacts["annelies"],
        "message": "Hallo",
    }
    for key in change.pop("drop", []):
        del body[key]
    body.update(change)
    response = client.post(f"{API}/introductions", json=body, headers=broker)
    assert_problem(response, 400, names=names)
    assert total(client, broker) == 0


def test_a_body_that_is_no_json_object_is_400(client: TestClient, broker: Headers) -> None:
    response = client.post(
        f"{API}/introductions",
        content=b"initiativeId=1",
        headers={**broker, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, names=["body"])
    assert_problem(client.post(f"{API}/introductions", json=[1, 2], headers=broker), 400)


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"status": "done"}, ["status"]),
        ({"status": 3}, ["status"]),
        ({"outcome": "great", "status": "completed"}, ["outcome"]),
        ({"reason": "x" * 2001, "status": "declined"}, ["reason"]),
        ({"feedback": "x" * 2001}, ["feedback"]),
        ({"feedback": ["a"]}, ["feedback"]),
        ({"status": "accepted", "by": "contact"}, ["by"]),
        ({"status": "accepted", "initiativeId": 3}, ["initiativeId"]),
    ],
)
def test_invalid_changes_are_400(
    client: TestClient, broker: Headers, to_annelies: str, body: dict, names: list[str]
) -> None:
    before = client.get(to_annelies, headers=broker).json()
    assert_problem(client.patch(to_annelies, json=body, headers=broker), 400, names=names)
    assert client.get(to_annelies, headers=broker).json() == before


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"status": "open"}, "status"),
        ({"initiativeId": 0}, "initiativeId"),
        ({"contactId": "annelies"}, "contactId"),
        ({"pageSize": 101}, "pageSize"),
        ({"page": 0}, "page"),
    ],
)
def test_invalid_filters_are_400(
    client: TestClient, broker: Headers, params: dict, name: str
) -> None:
    response = client.get(f"{API}/introductions", params=params, headers=broker)
    assert_problem(response, 400, names=[name])


def test_unknown_introduction_is_404(client: TestClient, broker: Headers) -> None:
    for path in (f"{API}/introductions/777", f"{API}/introductions/777/history"):
        assert_problem(client.get(path, headers=broker), 404)
    patch = client.patch(f"{API}/introductions/777", json={"status": "accepted"}, headers=broker)
    assert_problem(patch, 404)
    assert_problem(client.get(f"{API}/introductions/abc", headers=broker), 400, names=["id"])
    assert_problem(client.get(f"{API}/introductions/0", headers=broker), 400, names=["id"])


# Concurrency.


def test_two_requests_cannot_both_take_the_last_slot(
    app: FastAPI, client: TestClient, broker: Headers, engine: Engine, municipality
) -> None:
    """The contact's row is locked while its slots are counted (PostgreSQL: FOR UPDATE;
    SQLite: the request takes the database's write lock first, BEGIN IMMEDIATE)."""
    annelies = municipality.contacts["annelies"]
    set_contact(client, broker, annelies, capacityPerMonth=1)
    initiatives = [new_initiative(client, broker, title=f"Plan {n}") for n in range(6)]
    barrier = threading.Barrier(len(initiatives))
    codes: list[int] = []

    def request(initiative_id: int) -> None:
        own_client = TestClient(app)  # one event loop per thread: truly parallel requests
        barrier.wait()
        codes.append(ask(own_client, broker, initiative_id, annelies).status_code)

    threads = [threading.Thread(target=request, args=(i,)) for i in initiatives]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [201] + [409] * (len(initiatives) - 1)
    assert total(client, broker, contactId=annelies) == 1
