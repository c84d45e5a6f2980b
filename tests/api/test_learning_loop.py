"""The whole cycle over HTTP: match → request → accept → details visible → complete with an
outcome → the ranking moves in the expected direction; and warm paths in match answers."""

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from schemas import Introduction
from schemas.columns import utc_now
from tests.helpers import API, ImportedMunicipality, assert_problem, initiative_body

Headers = dict[str, str]

WOONCOOP = initiative_body(
    title="Wooncoöperatie in Zuidoost",
    description="Wij willen met buren een wooncoöperatie beginnen en zoeken woonruimte.",
    themes=["wonen"],
    areaCodes=["SD0363T"],
)
JONGEREN = initiative_body(
    title="Huiswerkklas voor jongeren",
    description="Jongerenwerk en huiswerkbegeleiding voor jongeren in Bijlmer-Centrum.",
    themes=["jeugd"],
    areaCodes=["WK0363TA"],
)


def create(client: TestClient, headers: Headers, body: dict) -> int:
    response = client.post(f"{API}/initiatives", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def matches(client: TestClient, headers: Headers, initiative_id: int) -> dict[int, dict]:
    response = client.get(f"{API}/initiatives/{initiative_id}/matches", headers=headers)
    assert response.status_code == 200, response.text
    return {item["contact"]["id"]: item for item in response.json()["items"]}


def experience(item: dict) -> dict:
    return next(r for r in item["reasons"] if r["signal"] == "experience")


def introduce(client: TestClient, headers: Headers, initiative_id: int, contact_id: int) -> int:
    body = {"initiativeId": initiative_id, "contactId": contact_id, "message": "Graag kennismaken"}
    response = client.post(f"{API}/introductions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "requested"
    return response.json()["id"]


def change(client: TestClient, headers: Headers, introduction_id: int, **body: str) -> dict:
    response = client.patch(f"{API}/introductions/{introduction_id}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_whole_cycle_and_the_ranking_learns(
    client: TestClient,
    initiator: Headers,
    contact_key: Headers,
    municipality: ImportedMunicipality,
) -> None:
    annelies = municipality.contacts["annelies"]
    initiative_id = create(client, initiator, WOONCOOP)

    before = matches(client, initiator, initiative_id)
    assert next(iter(before)) == annelies
    assert experience(before[annelies])["value"] == 0.5

    introduction_id = introduce(client, initiator, initiative_id, annelies)
    seen = client.get(f"{API}/introductions/{introduction_id}", headers=initiator).json()
    assert seen["contact"]["email"] is None and seen["contact"]["phone"] is None

    change(client, contact_key, introduction_id, status="accepted")
    seen = client.get(f"{API}/introductions/{introduction_id}", headers=initiator).json()
    assert seen["contact"]["email"] == "a.devries@amsterdam.example"
    assert seen["contact"]["phone"] == "+31 20 555 0101"

    done = change(
        client,
        initiator,
        introduction_id,
        status="completed",
        outcome="helpful",
        feedback="Heel behulpzaam.",
    )
    assert done["status"] == "completed" and done["outcome"] == "helpful"

    after = matches(client, initiator, initiative_id)
    assert after[annelies]["score"] > before[annelies]["score"]
    learned = experience(after[annelies])
    assert learned["value"] > 0.5
    assert learned["detail"] == (
        "1 van de 1 afgeronde kennismakingen met deze persoon hielpen. Over wonen: 1 van de 1."
    )
    # Nobody else's score moved.
    for contact_id, item in after.items():
        if contact_id != annelies:
            assert item["score"] == before[contact_id]["score"]


def test_repeated_unhelpful_outcomes_lower_a_contact_for_that_theme(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality
) -> None:
    annelies = municipality.contacts["annelies"]
    first = create(client, broker, WOONCOOP)
    before = matches(client, broker, first)[annelies]["score"]
    for title in ("Woongroep ouderen", "Knarrenhof Zuidoost"):
        other = create(client, broker, {**WOONCOOP, "title": title})
        introduction_id = introduce(client, broker, other, annelies)
        change(client, broker, introduction_id, status="accepted")
        change(client, broker, introduction_id, status="completed", outcome="not_helpful")
    after = matches(client, broker, first)[annelies]
    assert after["score"] < before
    assert experience(after)["value"] < 0.5
    assert experience(after)["detail"].startswith(
        "0 van de 2 afgeronde kennismakingen met deze persoon hielpen."
    )


def test_open_introductions_fill_a_contacts_capacity_in_the_ranking(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality
) -> None:
    annelies = municipality.contacts["annelies"]
    response = client.patch(
        f"{API}/contacts/{annelies}", json={"capacityPerMonth": 1}, headers=broker
    )
    assert response.status_code == 200, response.text
    first = create(client, broker, WOONCOOP)
    before = matches(client, broker, first)[annelies]
    introduce(client, broker, first, annelies)
    # Full for this month; nobody else with room fits, so she is still suggested, lower.
    after = matches(client, broker, first)[annelies]
    capacity = next(r for r in after["reasons"] if r["signal"] == "capacity")
    assert capacity["value"] == 0.0
    assert after["score"] < before["score"]
    second = create(client, broker, {**WOONCOOP, "title": "Tweede wooncoöperatie"})
    refused = client.post(
        f"{API}/introductions",
        json={"initiativeId": second, "contactId": annelies},
        headers=broker,
    )
    assert_problem(refused, 409)


def test_only_recent_open_introductions_fill_capacity_in_the_ranking(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality, engine: Engine
) -> None:
    """The introduction window (``introduction_window_days``, 30): an open introduction made
    longer ago no longer takes a slot, in the match as in the 409 for a full contact."""
    annelies = municipality.contacts["annelies"]
    response = client.patch(
        f"{API}/contacts/{annelies}", json={"capacityPerMonth": 1}, headers=broker
    )
    assert response.status_code == 200, response.text
    first = create(client, broker, WOONCOOP)
    before = matches(client, broker, first)[annelies]
    introduction_id = introduce(client, broker, first, annelies)
    assert matches(client, broker, first)[annelies]["score"] < before["score"]
    with engine.begin() as connection:
        connection.execute(
            update(Introduction)
            .where(Introduction.id == introduction_id)
            .values(created_at=utc_now() - timedelta(days=31))
        )
    assert matches(client, broker, first)[annelies]["score"] == before["score"]


def test_a_warm_path_from_someone_the_initiative_knows(
    client: TestClient,
    initiator: Headers,
    broker: Headers,
    municipality: ImportedMunicipality,
) -> None:
    ids = municipality.contacts
    initiative_id = create(client, initiator, {**JONGEREN, "knownContactIds": [ids["annelies"]]})
    found = matches(client, initiator, initiative_id)
    # annelies knows bram, bram knows fatima; bram's name is not public.
    path = found[ids["fatima"]]["introduceVia"]
    assert [p["id"] for p in path] == [ids["annelies"], ids["bram"]]
    assert [p["name"] for p in path] == ["Annelies de Vries", None]
    assert path[1]["jobTitle"] == "Gebiedsmakelaar"
    # Staff see the name.
    staff_view = matches(client, broker, initiative_id)[ids["fatima"]]["introduceVia"]
    assert [p["name"] for p in staff_view] == ["Annelies de Vries", "Bram Jansen"]
    # No path to the known contact themselves.
    if ids["annelies"] in found:
        assert found[ids["annelies"]]["introduceVia"] == []


def test_a_warm_path_to_a_full_contact_through_a_reachable_colleague(
    client: TestClient, broker: Headers, municipality: ImportedMunicipality
) -> None:
    ids = municipality.contacts
    initiative_id = create(client, broker, JONGEREN)
    assert matches(client, broker, initiative_id)[ids["fatima"]]["introduceVia"] == []
    for key, change in (
        ("fatima", {"capacityPerMonth": 0}),
        ("bram", {"openToInitiatives": False}),
    ):
        response = client.patch(f"{API}/contacts/{ids[key]}", json=change, headers=broker)
        assert response.status_code == 200, response.text
    # Nobody who fits is reachable now, so fatima is suggested, with a path from annelies
    # (open, with room) through bram, who knows her.
    path = matches(client, broker, initiative_id)[ids["fatima"]]["introduceVia"]
    assert [p["id"] for p in path] == [ids["annelies"], ids["bram"]]


def test_a_question_may_name_known_contacts_too(
    client: TestClient, municipality: ImportedMunicipality
) -> None:
    ids = municipality.contacts
    body = {
        "municipalityCode": "GM0363",
        "text": "Huiswerkbegeleiding en jongerenwerk voor jongeren in de Bijlmer.",
        "themes": ["jeugd"],
        "knownContactIds": [ids["annelies"]],
    }
    response = client.post(f"{API}/matches", json=body)
    assert response.status_code == 200, response.text
    found = {item["contact"]["id"]: item for item in response.json()["items"]}
    assert [p["id"] for p in found[ids["fatima"]]["introduceVia"]] == [ids["annelies"], ids["bram"]]


def test_known_contacts_must_exist_in_the_municipality(
    client: TestClient, initiator: Headers, municipality: ImportedMunicipality, make_key: Callable
) -> None:
    response = client.post(
        f"{API}/initiatives",
        json={**JONGEREN, "knownContactIds": [municipality.contacts["annelies"], 999_999]},
        headers=initiator,
    )
    assert_problem(response, 400, names=["knownContactIds[1]"])
    too_many = client.post(
        f"{API}/initiatives",
        json={**JONGEREN, "knownContactIds": list(range(1, 52))},
        headers=initiator,
    )
    assert_problem(too_many, 400, names=["knownContactIds"])


def test_a_removed_contact_leaves_no_known_link_behind(
    client: TestClient, initiator: Headers, broker: Headers, municipality: ImportedMunicipality
) -> None:
    ids = municipality.contacts
    known = [ids["annelies"], ids["eva"]]
    initiative_id = create(client, initiator, {**JONGEREN, "knownContactIds": known})
    assert client.delete(f"{API}/contacts/{ids['eva']}", headers=broker).status_code == 204
    body = client.get(f"{API}/initiatives/{initiative_id}", headers=initiator).json()
    assert body["knownContactIds"] == [ids["annelies"]]
