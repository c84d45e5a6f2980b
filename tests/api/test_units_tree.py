"""Hoe werkt de gemeente? The organisation map as a tree: nesting, open contacts, privacy."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.helpers import (
    API,
    DIRECTORY,
    assert_problem,
    contact_body,
    initiative_body,
    municipality_body,
    unit_body,
)

Headers = dict[str, str]
TREE = f"{API}/units/tree"


def tree(client: TestClient, code: str = "GM0363", headers: Headers | None = None) -> dict:
    response = client.get(TREE, params={"municipalityCode": code}, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def nodes(body: dict) -> Iterator[dict]:
    stack = list(body["units"])
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node["children"])


def shape(node: dict) -> tuple:
    """A unit as (name, openContacts, children's shapes): the nesting and counts at a glance."""
    return (node["name"], node["openContacts"], [shape(child) for child in node["children"]])


def open_contacts(client: TestClient) -> dict[str, int]:
    return {node["name"]: node["openContacts"] for node in nodes(tree(client))}


def patch_contact(client: TestClient, broker: Headers, contact_id: int, **fields: Any) -> None:
    response = client.patch(f"{API}/contacts/{contact_id}", json=fields, headers=broker)
    assert response.status_code == 200, response.text


def test_units_nest_under_their_parents(client: TestClient, municipality) -> None:
    body = tree(client)
    assert body["municipalityCode"] == "GM0363"
    assert body["municipalityName"] == "Amsterdam"
    # Dirk (Wonen) gave no consent, so only Annelies counts there.
    assert [shape(unit) for unit in body["units"]] == [
        (
            "Cluster Sociaal",
            1,
            [("Afdeling Wonen", 1, []), ("Gebiedsteam Zuidoost", 2, [])],
        ),
        ("Cluster Ruimte", 1, []),
    ]
    wonen, gebied = body["units"][0]["children"]
    assert wonen == {
        "id": municipality.units["wonen"],
        "name": "Afdeling Wonen",
        "kind": "department",
        "description": "",
        "themes": [{"slug": "wonen", "label": "Wonen"}],
        "areas": [],
        "channel": {"email": "wonen@amsterdam.example", "phone": None, "url": None},
        "openContacts": 1,
        "children": [],
    }
    assert gebied["areas"] == [{"code": "SD0363T", "name": "Zuidoost"}]
    assert gebied["kind"] == "area_team"


def test_deeper_levels_and_unknown_themes(
    client: TestClient, broker: Headers, municipality
) -> None:
    team = client.post(
        f"{API}/units",
        json=unit_body(
            name="Team Huurders",
            parentId=municipality.units["wonen"],
            themes=["wonen", "huurteams"],
            areaCodes=["WK0363TA", "BU0363TA01"],
            phone="+31 20 555 0303",
            url="https://www.amsterdam.example/huur",
        ),
        headers=broker,
    ).json()
    client.post(
        f"{API}/units",
        json=unit_body(name="Werkgroep Sloop", kind="programme", parentId=team["id"]),
        headers=broker,
    )
    wonen = tree(client)["units"][0]["children"][0]
    assert shape(wonen) == (
        "Afdeling Wonen",
        1,
        [("Team Huurders", 0, [("Werkgroep Sloop", 0, [])])],
    )
    huurders = wonen["children"][0]
    # A theme outside the vocabulary keeps its slug, without a label.
    assert huurders["themes"] == [
        {"slug": "wonen", "label": "Wonen"},
        {"slug": "huurteams", "label": None},
    ]
    assert huurders["areas"] == [
        {"code": "WK0363TA", "name": "Bijlmer-Centrum"},
        {"code": "BU0363TA01", "name": "Amsterdamse Poort"},
    ]
    assert huurders["channel"] == {
        "email": None,
        "phone": "+31 20 555 0303",
        "url": "https://www.amsterdam.example/huur",
    }


def test_open_contacts_follow_availability_openness_consent_and_capacity(
    client: TestClient, broker: Headers, municipality
) -> None:
    ids = municipality.contacts
    before = open_contacts(client)
    assert before == {
        "Cluster Sociaal": 1,
        "Afdeling Wonen": 1,
        "Gebiedsteam Zuidoost": 2,
        "Cluster Ruimte": 1,
    }

    patch_contact(client, broker, ids["annelies"], available=False)
    patch_contact(client, broker, ids["eva"], openToInitiatives=False)
    assert open_contacts(client) == {**before, "Afdeling Wonen": 0, "Cluster Ruimte": 0}
    patch_contact(client, broker, ids["annelies"], available=True)
    patch_contact(client, broker, ids["dirk"], consentAt="2026-02-01T10:00:00Z")
    assert open_contacts(client)["Afdeling Wonen"] == 2

    # Fatima can take one introduction a month; once asked, her team has one open contact.
    patch_contact(client, broker, ids["fatima"], capacityPerMonth=1)
    initiative = client.post(f"{API}/initiatives", json=initiative_body(), headers=broker).json()
    asked = client.post(
        f"{API}/introductions",
        json={"initiativeId": initiative["id"], "contactId": ids["fatima"]},
        headers=broker,
    )
    assert asked.status_code == 201, asked.text
    assert open_contacts(client)["Gebiedsteam Zuidoost"] == 1
    # Declining frees the slot again.
    declined = client.patch(asked.headers["Location"], json={"status": "declined"}, headers=broker)
    assert declined.status_code == 200, declined.text
    assert open_contacts(client)["Gebiedsteam Zuidoost"] == 2


def test_anonymous_callers_see_no_personal_data(client: TestClient, municipality) -> None:
    response = client.get(TREE, params={"municipalityCode": "GM0363"})
    assert response.status_code == 200
    text = response.text
    # The only address in the whole body is the unit's own public mailbox.
    assert set(re.findall(r"[\w.+-]+@[\w.-]+", text)) == {"wonen@amsterdam.example"}
    for contact in DIRECTORY["contacts"]:
        for field in ("name", "email", "phone", "jobTitle"):
            if contact.get(field):
                assert contact[field] not in text, (contact["key"], field)
    assert "+31" not in text
    for node in nodes(response.json()):
        assert set(node) == {
            "id",
            "name",
            "kind",
            "description",
            "themes",
            "areas",
            "channel",
            "openContacts",
            "children",
        }


def test_every_role_gets_the_same_map(
    client: TestClient, municipality, role_headers: dict[str, Headers]
) -> None:
    anonymous = tree(client)
    for headers in role_headers.values():
        assert tree(client, headers=headers) == anonymous


def test_municipality_code_is_required_and_checked(
    client: TestClient, admin: Headers, municipality
) -> None:
    # "tree" is never read as a unit id: the problem names municipalityCode, not id.
    assert_problem(client.get(TREE), 400, names=["municipalityCode"])
    assert_problem(
        client.get(TREE, params={"municipalityCode": "GM1"}), 400, names=["municipalityCode"]
    )
    unknown = assert_problem(
        client.get(TREE, params={"municipalityCode": "GM0001"}), 400, names=["municipalityCode"]
    )
    assert "GM0001" in unknown["invalidParams"][0]["reason"]
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    assert tree(client, "GM0599") == {
        "municipalityCode": "GM0599",
        "municipalityName": "Rotterdam",
        "units": [],
    }


@contextmanager
def counted_queries(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_number_of_queries_does_not_grow_with_the_tree(
    client: TestClient, engine: Engine, broker: Headers, municipality
) -> None:
    with counted_queries(engine) as small:
        tree(client)
    parent = municipality.units["gebied-zo"]
    for number in range(8):
        unit = client.post(
            f"{API}/units",
            json=unit_body(name=f"Buurtteam {number}", parentId=parent, areaCodes=["SD0363T"]),
            headers=broker,
        ).json()
        parent = unit["id"]
        body = contact_body(unit["id"], email=f"buurt{number}@amsterdam.example")
        assert client.post(f"{API}/contacts", json=body, headers=broker).status_code == 201
    with counted_queries(engine) as large:
        body = tree(client)
    assert sum(node["openContacts"] for node in nodes(body)) == 5 + 8
    assert len(large) == len(small) <= 6
