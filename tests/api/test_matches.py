"""Matching through the API: GET /initiatives/{id}/matches, POST /matches and the reverse
GET /contacts/{id}/initiatives, as callers use them.

The fixture adds a debt-help portfolio to the test municipality (GM0363): the key contact in
Zuidoost, a colleague with the same portfolio in Noord, and three topically perfect people
who must never be returned (unavailable, without consent, in another municipality).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from api.core.settings import Settings
from api.http.app import create_app
from api.services.common import touch_directory
from api.services.matching import index_cache
from schemas import Contact
from tests.helpers import API, assert_problem, contact_body, initiative_body, unit_body

Headers = dict[str, str]

SIGNALS = {"text", "theme", "area", "openness", "capacity", "experience"}
ITEM_KEYS = {
    "rank",
    "score",
    "contact",
    "reasons",
    "needsCovered",
    "matchedTerms",
    "introduceVia",
}
# Keys that must never appear anywhere in a match answer, whoever asks.
SECRET_KEYS = {"email", "phone", "consentAt", "knows", "initiator"}

DEBT_EXPERTISE = (
    "Schuldhulpverlening, budgetcoaching en vroegsignalering van schulden en "
    "betalingsachterstanden; armoedebestrijding in de wijk."
)
DEBT_QUESTION = (
    "Buren helpen buren met schulden, geldzorgen en een administratie die niet op orde is."
)


@dataclass(frozen=True)
class Debt:
    """Ids of the debt-help portfolio added to GM0363 (and the one in GM0599)."""

    unit: int
    zuidoost: int  # the key contact for anything about debts in Zuidoost; no public profile
    noord: int  # the same portfolio in Noord; public profile
    unavailable: int
    unconsented: int
    rotterdam: int  # the same portfolio in another municipality
    rotterdam_unit: int
    initiative: int  # "schuldenmaatjes" in Bijlmer-Centrum (a wijk of Zuidoost)


def debt_contact(unit: int, **fields: Any) -> dict:
    return contact_body(
        unit,
        jobTitle="Schuldhulpverlener",
        themes=["armoede-en-schulden"],
        expertise=DEBT_EXPERTISE,
        **fields,
    )


def create(client: TestClient, path: str, body: dict, headers: Headers) -> int:
    response = client.post(f"{API}/{path}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def debt(client: TestClient, admin: Headers, broker: Headers, municipality) -> Debt:
    unit = create(
        client,
        "units",
        unit_body(
            name="Team Schuldhulpverlening",
            kind="team",
            description="Hulp bij schulden en geldzorgen voor bewoners.",
            parentId=municipality.units["sociaal"],
        ),
        broker,
    )
    ids = {
        key: create(client, "contacts", debt_contact(unit, **fields), broker)
        for key, fields in {
            "zuidoost": {
                "name": "Sara Schouten",
                "email": "s.schouten@amsterdam.example",
                "phone": "+31 20 555 0199",
                "areaCodes": ["SD0363T"],
                "publicProfile": False,
            },
            "noord": {
                "name": "Nora Noorman",
                "email": "n.noorman@amsterdam.example",
                "areaCodes": ["SD0363N"],
                "publicProfile": True,
            },
            # Both serve the very wijk of the initiative: they would be first if eligible.
            "unavailable": {
                "name": "Umar Uitgeschakeld",
                "email": "u.uit@amsterdam.example",
                "areaCodes": ["WK0363TA"],
                "available": False,
                "publicProfile": True,
            },
            "unconsented": {
                "name": "Carla Zonder",
                "email": "c.zonder@amsterdam.example",
                "areaCodes": ["WK0363TA"],
                "consentAt": None,
                "publicProfile": True,
            },
        }.items()
    }
    imported = client.post(
        f"{API}/imports",
        json={
            "municipalities": [{"code": "GM0599", "name": "Rotterdam"}],
            "units": [
                {
                    "key": "schulden",
                    "municipalityCode": "GM0599",
                    "name": "Team Schuldhulpverlening",
                    "kind": "team",
                    "description": "Hulp bij schulden en geldzorgen voor bewoners.",
                }
            ],
            "contacts": [
                {
                    "key": "rob",
                    "unitKey": "schulden",
                    "name": "Rob Rotterdam",
                    "jobTitle": "Schuldhulpverlener",
                    "email": "r.rotterdam@rotterdam.example",
                    "themes": ["armoede-en-schulden"],
                    "expertise": DEBT_EXPERTISE,
                    "consentAt": "2026-01-10T08:00:00Z",
                    "publicProfile": True,
                }
            ],
        },
        headers=admin,
    )
    assert imported.status_code == 201, imported.text
    initiative = create(
        client,
        "initiatives",
        initiative_body(
            title="Schuldenmaatjes Bijlmer",
            description=DEBT_QUESTION,
            problem="Veel bewoners hebben schulden en durven geen hulp te vragen.",
            themes=["armoede-en-schulden"],
            areaCodes=["WK0363TA"],
            needs=[{"kind": "knowledge", "description": "Hoe werkt schuldhulpverlening?"}],
        ),
        broker,
    )
    return Debt(
        unit=unit,
        rotterdam=imported.json()["contacts"]["rob"],
        rotterdam_unit=imported.json()["units"]["schulden"],
        initiative=initiative,
        **ids,
    )


def walk_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_keys(item)


def assert_private_details_absent(response: Any) -> None:
    """No contact details anywhere in the raw answer: neither as keys nor as values."""
    leaked = SECRET_KEYS & set(walk_keys(response.json()))
    assert not leaked, leaked
    for value in ("@amsterdam.example", "@rotterdam.example", "555 01", "2026-01-1"):
        assert value not in response.text


def assert_match_item(item: dict) -> None:
    assert set(item) == ITEM_KEYS, item
    assert 0 <= item["score"] <= 1
    contact = item["contact"]
    assert set(contact) == {"id", "name", "jobTitle", "unit"}
    assert set(contact["unit"]) == {"id", "name", "kind"}
    assert isinstance(contact["jobTitle"], str) and contact["jobTitle"]
    signals = [reason["signal"] for reason in item["reasons"]]
    assert set(signals) >= SIGNALS, signals
    assert len(signals) == len(set(signals)), signals
    for reason in item["reasons"]:
        assert set(reason) == {"signal", "value", "weight", "detail"}
        assert 0 <= reason["value"] <= 1, reason
        assert 0 <= reason["weight"] <= 1, reason
        assert isinstance(reason["detail"], str) and reason["detail"].strip(), reason
    assert all(isinstance(kind, str) for kind in item["needsCovered"])
    assert all(isinstance(term, str) and term for term in item["matchedTerms"])


def assert_understood(understood: dict) -> None:
    assert set(understood) == {"language", "areas", "ambiguousPlaces", "needs", "themes", "notes"}
    assert understood["language"] in ("nl", "en")
    for area in understood["areas"]:
        assert set(area) == {"code", "name"}
    assert all(isinstance(note, str) and note.endswith((".", ")")) for note in understood["notes"])


def assert_match_result(body: dict, initiative_id: int | None) -> list[dict]:
    assert set(body) == {"initiativeId", "items", "understood"}
    assert body["initiativeId"] == initiative_id
    assert_understood(body["understood"])
    items = body["items"]
    assert [item["rank"] for item in items] == list(range(1, len(items) + 1))
    ids = [item["contact"]["id"] for item in items]
    assert len(ids) == len(set(ids)), ids
    for item in items:
        assert_match_item(item)
    return items


def reason(item: dict, signal: str) -> dict:
    return next(r for r in item["reasons"] if r["signal"] == signal)


def matches(client: TestClient, initiative: int, headers: Headers, limit: int = 50) -> list[dict]:
    response = client.get(
        f"{API}/initiatives/{initiative}/matches", params={"limit": limit}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert_private_details_absent(response)
    return assert_match_result(response.json(), initiative)


def ask(client: TestClient, headers: Headers | None = None, **question: Any) -> list[dict]:
    body = {"municipalityCode": "GM0363", "limit": 50, **question}
    response = client.post(f"{API}/matches", json=body, headers=headers or {})
    assert response.status_code == 200, response.text
    assert_private_details_absent(response)
    return assert_match_result(response.json(), None)


def ids_of(items: list[dict]) -> list[int]:
    return [item["contact"]["id"] for item in items]


def first(items: list[dict]) -> int:
    """The one contact of an answer asked with limit 1."""
    assert len(items) == 1, items
    return items[0]["contact"]["id"]


def by_id(items: list[dict], contact_id: int) -> dict | None:
    return next((item for item in items if item["contact"]["id"] == contact_id), None)


# --- GET /initiatives/{id}/matches -----------------------------------------------------------


def test_initiative_matches_shape_and_top_result(
    client: TestClient, broker: Headers, debt: Debt
) -> None:
    response = client.get(f"{API}/initiatives/{debt.initiative}/matches", headers=broker)
    assert response.status_code == 200, response.text
    items = assert_match_result(response.json(), debt.initiative)
    # At most the default limit: only those who know the subject about as well as the best
    # are shown (subject first), so fewer when fewer fit.
    assert 1 <= len(items) <= 5
    top = items[0]
    assert top["contact"] == {
        "id": debt.zuidoost,
        "name": "Sara Schouten",  # staff see every name
        "jobTitle": "Schuldhulpverlener",
        "unit": {"id": debt.unit, "name": "Team Schuldhulpverlening", "kind": "team"},
    }
    # The same portfolio bound to another stadsdeel is not shown while the one serving the
    # wijk is: a broker does not send the resident there.
    ranked = ids_of(matches(client, debt.initiative, broker))
    assert ranked[0] == debt.zuidoost
    assert debt.noord not in ranked
    assert "Zuidoost" in reason(top, "area")["detail"]
    assert reason(top, "theme")["value"] > 0.5
    assert reason(top, "text")["value"] > 0.5
    assert top["matchedTerms"]


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_limit_is_respected(client: TestClient, broker: Headers, debt: Debt, limit: int) -> None:
    items = matches(client, debt.initiative, broker, limit=limit)
    longer = matches(client, debt.initiative, broker, limit=50)
    assert len(items) == min(limit, len(longer))
    assert items[0]["contact"]["id"] == debt.zuidoost


@pytest.mark.parametrize("limit", ["0", "51", "-1", "vijf"])
def test_limit_out_of_range(client: TestClient, broker: Headers, debt: Debt, limit: str) -> None:
    response = client.get(
        f"{API}/initiatives/{debt.initiative}/matches", params={"limit": limit}, headers=broker
    )
    assert_problem(response, 400, names=["limit"])


def test_initiative_matches_need_a_key_and_a_visible_initiative(
    client: TestClient, broker: Headers, make_key: Callable[..., Headers], debt: Debt
) -> None:
    path = f"{API}/initiatives/{debt.initiative}/matches"
    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, headers={"Authorization": "Bearer nonsense"}), 401)
    # Another initiator may not learn that the initiative exists.
    assert_problem(client.get(path, headers=make_key("initiator", "ander@example.org")), 404)
    assert_problem(client.get(f"{API}/initiatives/999999/matches", headers=broker), 404)


def test_never_unavailable_unconsented_or_other_municipality(
    client: TestClient, broker: Headers, initiator: Headers, debt: Debt
) -> None:
    forbidden = {debt.unavailable, debt.unconsented, debt.rotterdam}
    answers = [
        matches(client, debt.initiative, broker),
        matches(client, debt.initiative, initiator),
        ask(client, text=DEBT_QUESTION, areaCodes=["WK0363TA"]),
        ask(client, broker, text="schuldhulpverlener", themes=["armoede-en-schulden"]),
    ]
    for items in answers:
        returned = set(ids_of(items))
        assert not forbidden & returned
        # The eligible holder of the portfolio there is: the data is topical.
        assert debt.zuidoost in returned
    # Asked without a place, both eligible holders of the portfolio are there.
    assert {debt.zuidoost, debt.noord} <= set(ids_of(answers[-1]))
    # Rotterdam's own directory has its own contact, and none of Amsterdam's.
    rotterdam = ask(client, municipalityCode="GM0599", text=DEBT_QUESTION)
    assert ids_of(rotterdam) == [debt.rotterdam]


def test_changes_reach_the_next_match(
    client: TestClient, broker: Headers, make_key: Callable[..., Headers], debt: Debt
) -> None:
    """Every write that changes what the matcher may see shows in the very next answer
    (the per-process index follows ``directory_version``). Asked with limit 1, an answer
    from a stale index would be empty, as its first choice is then left out on the way out."""
    contact = f"{API}/contacts/{debt.zuidoost}"

    def best() -> int:
        return first(matches(client, debt.initiative, broker, limit=1))

    def best_in_noord() -> int:
        return first(ask(client, text=DEBT_QUESTION, areaCodes=["SD0363N"], limit=1))

    assert best() == debt.zuidoost

    patched = client.patch(contact, json={"available": False}, headers=broker)
    assert patched.status_code == 200, patched.text
    assert best() != debt.zuidoost
    assert debt.zuidoost not in ids_of(matches(client, debt.initiative, broker))
    assert client.patch(contact, json={"available": True}, headers=broker).status_code == 200
    assert best() == debt.zuidoost

    # The contact withdraws consent themself.
    own = make_key("contact", str(debt.zuidoost))
    withdrawn = client.patch(contact, json={"consentAt": None}, headers=own)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["consentAt"] is None
    assert best() != debt.zuidoost
    assert debt.zuidoost not in ids_of(ask(client, broker, text=DEBT_QUESTION))
    restored = {"consentAt": "2026-02-01T09:00:00Z"}
    assert client.patch(contact, json=restored, headers=own).status_code == 200
    assert best() == debt.zuidoost

    # A new word in someone's expertise finds them.
    assert debt.noord not in ids_of(ask(client, text="ukelele"))
    expertise = {"expertise": DEBT_EXPERTISE + " Geeft ukelele-les in het buurthuis."}
    assert client.patch(f"{API}/contacts/{debt.noord}", json=expertise, headers=broker).is_success
    found = ask(client, text="ukelele")
    assert found[0]["contact"]["id"] == debt.noord
    assert reason(found[0], "text")["value"] > 0
    assert "ukelele" in found[0]["matchedTerms"]

    # Moving a contact to another municipality moves them between the two directories.
    assert best_in_noord() == debt.noord
    move = {"unitId": debt.rotterdam_unit, "areaCodes": []}
    assert client.patch(f"{API}/contacts/{debt.noord}", json=move, headers=broker).is_success
    assert best_in_noord() != debt.noord
    assert debt.noord in ids_of(ask(client, municipalityCode="GM0599", text=DEBT_QUESTION))

    # A removed contact is gone; a new one appears.
    assert client.delete(f"{API}/contacts/{debt.noord}", headers=broker).status_code == 204
    assert ids_of(ask(client, municipalityCode="GM0599", text=DEBT_QUESTION)) == [debt.rotterdam]
    assert client.delete(contact, headers=broker).status_code == 204
    assert best() != debt.zuidoost
    newcomer = create(
        client,
        "contacts",
        debt_contact(debt.unit, name="Nieuwe Collega", areaCodes=["WK0363TA"], publicProfile=True),
        broker,
    )
    assert best() == newcomer


def test_rows_changed_behind_the_index_are_still_left_out(
    client: TestClient, engine: Engine, broker: Headers, debt: Debt
) -> None:
    """While one request brings this process's index up to date, others answer from the index
    as it was: those answers re-check the rows they show (the index's own copy of the cards
    is used only when it is current), and the ranks stay 1..n."""
    citywide = create(client, "contacts", debt_contact(debt.unit, name="Cas Citywide"), broker)
    assert ids_of(matches(client, debt.initiative, broker))[:1] == [debt.zuidoost]
    with engine.begin() as connection:
        connection.execute(
            update(Contact).where(Contact.id == debt.zuidoost).values(available=False)
        )
        connection.execute(update(Contact).where(Contact.id == debt.noord).values(consent_at=None))
    with Session(engine) as session:  # the version moves, as every service's write does
        touch_directory(session, "GM0363", [debt.zuidoost, debt.noord])
        session.commit()
    catching_up = index_cache._index_lock("GM0363")
    with catching_up:  # another request is applying the changes
        ranked = ids_of(matches(client, debt.initiative, broker))
    assert citywide in ranked
    assert not {debt.zuidoost, debt.noord} & set(ranked)
    # Once caught up, from the index's own copy: the same contacts left out.
    assert set(ids_of(matches(client, debt.initiative, broker))) == set(ranked)


def test_unit_and_area_changes_reach_the_next_match(
    client: TestClient, admin: Headers, broker: Headers, debt: Debt
) -> None:
    question = {"text": "kringloopwinkel", "areaCodes": ["SD0363N"]}
    before = by_id(ask(client, **question), debt.noord)
    assert before is None or reason(before, "text")["value"] == 0
    described = {"description": "Hulp bij schulden; beheert de kringloopwinkel in Noord."}
    assert client.patch(f"{API}/units/{debt.unit}", json=described, headers=broker).is_success
    after = by_id(ask(client, **question), debt.noord)
    assert after is not None and reason(after, "text")["value"] > 0

    # A new buurt under Noord: a question placed there now reaches Noord's contacts via the
    # hierarchy (the buurt lies in the stadsdeel they serve).
    area = {
        "code": "BU0363N001",
        "name": "Buiksloterham",
        "municipalityCode": "GM0363",
        "kind": "buurt",
        "parentCode": "SD0363N",
    }
    assert client.post(f"{API}/areas", json=area, headers=admin).status_code == 201
    placed = by_id(ask(client, text=DEBT_QUESTION, areaCodes=["BU0363N001"]), debt.noord)
    assert placed is not None
    assert reason(placed, "area")["value"] > 0
    assert "Noord" in reason(placed, "area")["detail"]


# --- Visibility --------------------------------------------------------------------------------


def test_names_follow_public_profile(
    client: TestClient,
    broker: Headers,
    initiator: Headers,
    make_key: Callable[..., Headers],
    debt: Debt,
) -> None:
    def name(items: list[dict], contact_id: int) -> str | None:
        item = by_id(items, contact_id)
        assert item is not None, contact_id
        return item["contact"]["name"]

    hidden = debt.zuidoost  # no public profile
    shown = debt.noord
    # The initiative (in Zuidoost) gets the one who works there; questions without a place
    # get both.
    assert name(matches(client, debt.initiative, initiator), hidden) is None
    for items in (
        ask(client, text=DEBT_QUESTION),  # anonymous
        ask(client, make_key("initiator", "ander@example.org"), text=DEBT_QUESTION),
        ask(client, make_key("contact", str(debt.noord)), text=DEBT_QUESTION),
    ):
        assert name(items, hidden) is None
        assert name(items, shown) == "Nora Noorman"
        hidden_item = by_id(items, hidden)
        assert hidden_item is not None
        assert hidden_item["contact"]["jobTitle"] == "Schuldhulpverlener"
        assert hidden_item["contact"]["unit"]["name"] == "Team Schuldhulpverlening"

    for headers in (broker, make_key("contact", str(debt.zuidoost))):  # staff, and themself
        items = ask(client, headers, text=DEBT_QUESTION)
        assert name(items, hidden) == "Sara Schouten"
        assert name(items, shown) == "Nora Noorman"


# --- POST /matches -----------------------------------------------------------------------------


def test_question_without_registering(client: TestClient, broker: Headers, debt: Debt) -> None:
    stored = client.get(f"{API}/initiatives", headers=broker).json()["total"]
    items = ask(
        client,
        text="Wij willen buurtbewoners met geldzorgen en schulden helpen.",
        themes=["armoede-en-schulden"],
        areaCodes=["BU0363TA01"],
        needs=[{"kind": "knowledge", "description": "Wie weet van schuldhulp?"}],
        limit=3,
    )
    assert 1 <= len(items) <= 3
    assert items[0]["contact"]["id"] == debt.zuidoost
    assert items[0]["contact"]["name"] is None  # anonymous, and no public profile
    assert "need" in {r["signal"] for r in items[0]["reasons"]}
    # Nothing was stored: no initiative, and the directory is unchanged.
    assert client.get(f"{API}/initiatives", headers=broker).json()["total"] == stored


def test_question_default_limit_and_matched_terms(client: TestClient, debt: Debt) -> None:
    response = client.post(
        f"{API}/matches", json={"municipalityCode": "GM0363", "text": DEBT_QUESTION}
    )
    assert response.status_code == 200, response.text
    items = assert_match_result(response.json(), None)
    assert 1 <= len(items) <= 5
    assert "schulden" in items[0]["matchedTerms"]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({}, ["municipalityCode", "text"]),
        (
            {"municipalityCode": "363", "limit": 0, "colour": "blauw"},
            ["municipalityCode", "text", "limit", "colour"],
        ),
        ({"municipalityCode": "GM0363", "text": "   "}, ["text"]),
        ({"municipalityCode": "GM0363", "text": "schulden", "limit": 51}, ["limit"]),
        ({"municipalityCode": "GM0363", "text": "a\x00b"}, ["text"]),
        (
            {"municipalityCode": "GM0363", "text": "schulden", "needs": [{"kind": "geld"}]},
            ["needs[0].kind"],
        ),
        (
            {"municipalityCode": "GM0363", "text": "schulden", "areaCodes": ["a b"]},
            ["areaCodes[0]"],
        ),
        ({"municipalityCode": "GM0363", "text": "schulden", "initiativeId": 1}, ["initiativeId"]),
    ],
)
def test_question_bad_bodies(client: TestClient, debt: Debt, body: dict, names: list[str]) -> None:
    assert_problem(client.post(f"{API}/matches", json=body), 400, names=names)


def test_question_unknown_municipality(client: TestClient, debt: Debt) -> None:
    response = client.post(f"{API}/matches", json={"municipalityCode": "GM9999", "text": "x"})
    assert_problem(response, 400, names=["municipalityCode"])


def test_question_with_unknown_area_still_answers(client: TestClient, debt: Debt) -> None:
    """An area the municipality does not know places nobody there: the answer still comes,
    with no contact credited for serving that area."""
    items = ask(client, text=DEBT_QUESTION, areaCodes=["WK9999XX"])
    assert {debt.zuidoost, debt.noord} <= set(ids_of(items))
    assert all(reason(item, "area")["value"] < 1 for item in items)


def test_question_with_a_dead_key_is_refused(client: TestClient, debt: Debt) -> None:
    response = client.post(
        f"{API}/matches",
        json={"municipalityCode": "GM0363", "text": DEBT_QUESTION},
        headers={"Authorization": "Bearer revoked-or-never-issued"},
    )
    assert_problem(response, 401)


def test_question_in_a_municipality_without_contacts(client: TestClient, admin: Headers) -> None:
    body = {"code": "GM0014", "name": "Groningen"}
    assert client.post(f"{API}/municipalities", json=body, headers=admin).status_code == 201
    assert ask(client, municipalityCode="GM0014", text=DEBT_QUESTION) == []


# --- GET /contacts/{id}/initiatives --------------------------------------------------------------


@pytest.fixture
def portfolio(client: TestClient, broker: Headers, debt: Debt) -> dict[str, int]:
    """Initiatives of several kinds; only ``schulden`` fits the debt-help portfolio."""
    bodies = {
        "zonnedak": initiative_body(
            title="Zonnepanelen op de sporthal",
            description="Een energiecoöperatie legt zonnepanelen op het dak van de sporthal.",
            themes=["energie-en-duurzaamheid"],
            areaCodes=["SD0363N"],
        ),
        "moestuin": initiative_body(
            title="Buurtmoestuin",
            description="Een moestuin op een braakliggend veld, met de basisschool.",
            themes=["openbare-ruimte-en-groen"],
            areaCodes=["BU0363TA01"],
        ),
        "voetbal": initiative_body(
            title="Straatvoetbal",
            description="Voetbaltoernooi voor jongeren op het plein.",
            themes=["sport", "jeugd"],
            areaCodes=["WK0363TA"],
        ),
        "rotterdam": initiative_body(
            "GM0599", title="Schuldenhulp Rotterdam", description=DEBT_QUESTION
        ),
    }
    ids = {key: create(client, "initiatives", body, broker) for key, body in bodies.items()}
    return {**ids, "schulden": debt.initiative}


def contact_initiatives(
    client: TestClient, contact_id: int, headers: Headers, **params: Any
) -> list[dict]:
    response = client.get(
        f"{API}/contacts/{contact_id}/initiatives", params=params, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"contactId", "items"}
    assert body["contactId"] == contact_id
    assert not {"initiator", "initiatorEmail", "email", "phone"} & set(walk_keys(body))
    assert "@example.org" not in response.text
    items = body["items"]
    assert [item["rank"] for item in items] == list(range(1, len(items) + 1))
    for item in items:
        assert set(item) == {"rank", "score", "initiative", "reasons", "needsCovered"}
        assert 0 <= item["score"] <= 1
        assert {"id", "title", "municipalityCode", "themes", "areaCodes"} <= set(item["initiative"])
        assert {r["signal"] for r in item["reasons"]} >= SIGNALS - {"experience"}
        for entry in item["reasons"]:
            assert 0 <= entry["value"] <= 1 and entry["detail"].strip()
    return items


def test_initiatives_for_a_contact(
    client: TestClient,
    broker: Headers,
    make_key: Callable[..., Headers],
    debt: Debt,
    portfolio: dict[str, int],
) -> None:
    own = make_key("contact", str(debt.zuidoost))
    for headers in (broker, own):
        items = contact_initiatives(client, debt.zuidoost, headers)
        ranked = [item["initiative"]["id"] for item in items]
        assert ranked[0] == portfolio["schulden"]
        assert portfolio["rotterdam"] not in ranked  # another municipality's
        assert all(item["initiative"]["municipalityCode"] == "GM0363" for item in items)
        assert items[0]["score"] > items[-1]["score"]

    limited = contact_initiatives(client, debt.zuidoost, own, limit=1)
    assert [item["initiative"]["id"] for item in limited] == [portfolio["schulden"]]
    rotterdam = contact_initiatives(client, debt.rotterdam, broker)
    assert [item["initiative"]["id"] for item in rotterdam] == [portfolio["rotterdam"]]


def test_initiatives_for_a_contact_roles(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    debt: Debt,
    portfolio: dict[str, int],
) -> None:
    path = f"{API}/contacts/{debt.zuidoost}/initiatives"
    assert_problem(client.get(path, headers=contact_key), 403)  # a colleague's key
    assert_problem(client.get(path, headers=initiator), 403)
    assert_problem(client.get(path), 401)


@pytest.mark.parametrize("limit", ["0", "51"])
def test_initiatives_for_a_contact_limit(
    client: TestClient, broker: Headers, debt: Debt, limit: str
) -> None:
    response = client.get(
        f"{API}/contacts/{debt.zuidoost}/initiatives", params={"limit": limit}, headers=broker
    )
    assert_problem(response, 400, names=["limit"])


# --- Two workers on one database -----------------------------------------------------------------


class Worker:
    """An app as a separate worker process would run it: with its own matching index cache
    (the cache is per process; here it is swapped in for each request this app serves)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.cache: dict = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        saved = index_cache._directories
        index_cache._directories = self.cache
        try:
            await self.app(scope, receive, send)
        finally:
            index_cache._directories = saved


@pytest.fixture
def second_app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


def test_two_workers_see_each_others_changes(
    app: FastAPI, second_app: FastAPI, broker: Headers, debt: Debt
) -> None:
    a, b = TestClient(Worker(app)), TestClient(Worker(second_app))

    def best_by(worker: TestClient) -> int:
        return first(matches(worker, debt.initiative, broker, limit=1))

    assert best_by(b) == debt.zuidoost  # b has built and cached its index
    assert best_by(a) == debt.zuidoost

    off = a.patch(f"{API}/contacts/{debt.zuidoost}", json={"available": False}, headers=broker)
    assert off.status_code == 200, off.text
    assert best_by(b) != debt.zuidoost  # b rebuilt: its old first choice is not even a candidate

    expertise = {"expertise": "Ukelele-les voor bewoners met geldzorgen."}
    assert a.patch(f"{API}/contacts/{debt.noord}", json=expertise, headers=broker).is_success
    found = ask(b, text="ukelele")
    assert found and found[0]["contact"]["id"] == debt.noord

    in_noord = {"text": DEBT_QUESTION, "areaCodes": ["SD0363N"], "limit": 1}
    assert first(ask(a, **in_noord)) == debt.noord  # a rebuilt too
    assert b.delete(f"{API}/contacts/{debt.noord}", headers=broker).status_code == 204
    assert debt.noord not in ids_of(ask(a, **in_noord))  # perhaps nobody else fits at all


def test_recreated_municipality_is_not_served_from_an_old_index(
    client: TestClient, admin: Headers, make_key
) -> None:
    """A municipality removed and created again starts a new directory: no process may answer
    from the index it kept for the old one, even where the version counter repeats."""

    def document(job_title: str, expertise: str) -> dict:
        return {
            "municipalities": [{"code": "GM0014", "name": "Groningen"}],
            "units": [{"key": "u", "municipalityCode": "GM0014", "name": "Team", "kind": "team"}],
            "contacts": [
                {
                    "key": "c",
                    "unitKey": "u",
                    "name": "Gerda Groen",
                    "jobTitle": job_title,
                    "email": "g.groen@groningen.example",
                    "expertise": expertise,
                    "consentAt": "2026-01-10T08:00:00Z",
                }
            ],
        }

    first = client.post(
        f"{API}/imports", json=document("Schuldhulpverlener", DEBT_EXPERTISE), headers=admin
    )
    assert first.status_code == 201, first.text
    assert ask(client, municipalityCode="GM0014", text="schulden")  # cached now
    broker = make_key("broker", municipality_codes=["GM0014"])
    body = first.json()
    for path in (f"contacts/{body['contacts']['c']}", f"units/{body['units']['u']}"):
        assert client.delete(f"{API}/{path}", headers=broker).status_code == 204
    assert client.delete(f"{API}/municipalities/GM0014", headers=admin).status_code == 204

    second = client.post(
        f"{API}/imports", json=document("Jongerenwerker", "Jongerenwerk op straat."), headers=admin
    )
    assert second.status_code == 201, second.text
    found = ask(client, municipalityCode="GM0014", text="jongerenwerk")
    assert ids_of(found) == [second.json()["contacts"]["c"]]
    assert found[0]["contact"]["jobTitle"] == "Jongerenwerker"


def test_cards_come_from_the_index_and_follow_every_change(
    client: TestClient, engine: Engine, broker: Headers, debt: Debt
) -> None:
    """A current index shows its own copy of the cards (no contact or unit rows read for a
    repeated match); a change to a name, a public profile or a unit reaches the next one."""
    first = matches(client, debt.initiative, broker)[0]
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        again = matches(client, debt.initiative, broker)[0]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert again == first
    assert not [s for s in statements if "FROM contact" in s or "FROM unit" in s]

    contact = first["contact"]["id"]
    response = client.patch(
        f"{API}/contacts/{contact}", json={"name": "Nieuwe Naam"}, headers=broker
    )
    assert response.status_code == 200, response.text
    response = client.patch(
        f"{API}/units/{first['contact']['unit']['id']}", json={"name": "Schuldhulp"}, headers=broker
    )
    assert response.status_code == 200, response.text
    card = matches(client, debt.initiative, broker)[0]["contact"]
    assert (card["name"], card["unit"]["name"]) == ("Nieuwe Naam", "Schuldhulp")


def test_match_answers_are_the_bytes_fastapi_would_send(
    client: TestClient, broker: Headers, debt: Debt
) -> None:
    """Serialised once by pydantic (``api.routes.as_json``): still compact, camelCase JSON with
    Dutch text as UTF-8, exactly what FastAPI's own JSONResponse makes of the same answer."""
    for response in (
        client.get(f"{API}/initiatives/{debt.initiative}/matches", headers=broker),
        client.post(f"{API}/matches", json={"municipalityCode": "GM0363", "text": DEBT_QUESTION}),
    ):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.content == JSONResponse(response.json()).body
        assert "understood" in response.json()
