"""Organisation units: CRUD, the unit tree, filters, reference checks and conflicts."""

from fastapi.testclient import TestClient

from tests.helpers import API, assert_problem, municipality_body, unit_body

Headers = dict[str, str]


def test_crud_round_trip(client: TestClient, broker: Headers, municipality) -> None:
    parent = municipality.units["sociaal"]
    body = unit_body(
        name="Team Jeugd",
        kind="team",
        parentId=parent,
        description="Jongerenwerk en jeugdhulp.",
        themes=["jeugd", "sport", "jeugd"],
        areaCodes=["SD0363T"],
        email="jeugd@amsterdam.example",
        phone="+31 20 555 0199",
        url="https://www.amsterdam.example/jeugd",
        externalId="HR-ORG-4711",
    )
    created = client.post(f"{API}/units", json=body, headers=broker)
    assert created.status_code == 201, created.text
    unit = created.json()
    assert isinstance(unit["id"], int)
    assert created.headers["Location"] == f"{API}/units/{unit['id']}"
    assert unit == {
        "id": unit["id"],
        "municipalityCode": "GM0363",
        "name": "Team Jeugd",
        "kind": "team",
        "parentId": parent,
        "description": "Jongerenwerk en jeugdhulp.",
        "themes": ["jeugd", "sport"],  # a list is a set: duplicates go
        "areaCodes": ["SD0363T"],
        "email": "jeugd@amsterdam.example",
        "phone": "+31 20 555 0199",
        "url": "https://www.amsterdam.example/jeugd",
        "externalId": "HR-ORG-4711",
        "withdrawnAt": None,
    }
    assert client.get(created.headers["Location"]).json() == unit

    listing = client.get(f"{API}/units").json()
    assert listing["total"] == 5
    assert [u["id"] for u in listing["items"]] == sorted(u["id"] for u in listing["items"])
    assert unit["id"] in [u["id"] for u in listing["items"]]

    patched = client.patch(
        created.headers["Location"],
        json={"name": "Team Jeugd en Onderwijs", "email": None, "parentId": None},
        headers=broker,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json() == {
        **unit,
        "name": "Team Jeugd en Onderwijs",
        "email": None,
        "parentId": None,
    }

    assert client.delete(created.headers["Location"], headers=broker).status_code == 204
    assert_problem(client.get(created.headers["Location"]), 404)
    assert client.get(f"{API}/units").json()["total"] == 4


def test_minimal_unit_gets_defaults(client: TestClient, broker: Headers, municipality) -> None:
    created = client.post(f"{API}/units", json=unit_body(), headers=broker).json()
    assert created["parentId"] is None
    assert created["description"] == ""
    assert created["themes"] == [] and created["areaCodes"] == []
    assert created["email"] is None and created["phone"] is None and created["url"] is None


def test_filters(client: TestClient, admin: Headers, broker: Headers, municipality) -> None:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    rotterdam = client.post(f"{API}/units", json=unit_body("GM0599"), headers=broker).json()

    amsterdam = client.get(f"{API}/units", params={"municipalityCode": "GM0363"}).json()
    assert {u["id"] for u in amsterdam["items"]} == set(municipality.units.values())
    only = client.get(f"{API}/units", params={"municipalityCode": "GM0599"}).json()
    assert [u["id"] for u in only["items"]] == [rotterdam["id"]]

    children = client.get(f"{API}/units", params={"parentId": municipality.units["sociaal"]})
    assert {u["id"] for u in children.json()["items"]} == {
        municipality.units["wonen"],
        municipality.units["gebied-zo"],
    }
    assert children.json()["total"] == 2
    leaf = client.get(f"{API}/units", params={"parentId": municipality.units["wonen"]}).json()
    assert leaf["total"] == 0
    both = client.get(
        f"{API}/units",
        params={"parentId": municipality.units["sociaal"], "municipalityCode": "GM0599"},
    ).json()
    assert both["total"] == 0


def test_bad_filters_are_400(client: TestClient) -> None:
    assert_problem(client.get(f"{API}/units?parentId=0"), 400, names=["parentId"])
    assert_problem(client.get(f"{API}/units?parentId=x"), 400, names=["parentId"])
    assert_problem(client.get(f"{API}/units?municipalityCode=GM1"), 400, names=["municipalityCode"])


def test_unknown_references_are_400_naming_each_field(
    client: TestClient, admin: Headers, broker: Headers, municipality
) -> None:
    assert_problem(
        client.post(f"{API}/units", json=unit_body("GM0001"), headers=broker),
        400,
        names=["municipalityCode"],
    )
    assert_problem(
        client.post(f"{API}/units", json=unit_body(parentId=99999), headers=broker),
        400,
        names=["parentId"],
    )
    assert_problem(
        client.post(f"{API}/units", json=unit_body(areaCodes=["SD0363T", "NOPE"]), headers=broker),
        400,
        names=["areaCodes[1]"],
    )
    assert_problem(
        client.post(
            f"{API}/units", json=unit_body(parentId=99999, areaCodes=["NOPE"]), headers=broker
        ),
        400,
        names=["parentId", "areaCodes[0]"],
    )
    # A parent in another municipality does not count.
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    assert_problem(
        client.post(
            f"{API}/units",
            json=unit_body("GM0599", parentId=municipality.units["sociaal"]),
            headers=broker,
        ),
        400,
        names=["parentId"],
    )
    assert client.get(f"{API}/units").json()["total"] == 4


def test_invalid_fields_are_all_listed(client: TestClient, broker: Headers, municipality) -> None:
    body = unit_body(
        kind="ministry", email="not-an-email", url="ftp://x", themes=[""], colour="blue"
    )
    del body["name"]
    response = client.post(f"{API}/units", json=body, headers=broker)
    assert_problem(response, 400, names=["name", "kind", "email", "url", "themes[0]", "colour"])


def test_the_tree_cannot_loop(client: TestClient, broker: Headers, municipality) -> None:
    sociaal, wonen = municipality.units["sociaal"], municipality.units["wonen"]
    response = client.patch(f"{API}/units/{sociaal}", json={"parentId": wonen}, headers=broker)
    assert_problem(response, 400, names=["parentId"])
    itself = client.patch(f"{API}/units/{wonen}", json={"parentId": wonen}, headers=broker)
    assert_problem(itself, 400, names=["parentId"])
    assert client.get(f"{API}/units/{sociaal}").json()["parentId"] is None


def test_null_for_a_required_field_is_400(
    client: TestClient, broker: Headers, municipality
) -> None:
    unit = municipality.units["wonen"]
    response = client.patch(
        f"{API}/units/{unit}", json={"name": None, "themes": None}, headers=broker
    )
    assert_problem(response, 400, names=["name", "themes"])


def test_deleting_a_unit_with_contacts_is_409(
    client: TestClient, broker: Headers, municipality
) -> None:
    ruimte = municipality.units["ruimte"]  # a root unit with one contact (Eva)
    problem = assert_problem(client.delete(f"{API}/units/{ruimte}", headers=broker), 409)
    assert "contacts" in problem["detail"]
    assert client.get(f"{API}/units/{ruimte}").status_code == 200
    eva = municipality.contacts["eva"]
    assert client.delete(f"{API}/contacts/{eva}", headers=broker).status_code == 204
    assert client.delete(f"{API}/units/{ruimte}", headers=broker).status_code == 204


def test_deleting_a_unit_with_child_units_is_409(
    client: TestClient, broker: Headers, municipality
) -> None:
    parent = client.post(f"{API}/units", json=unit_body(name="Programma"), headers=broker).json()
    child = client.post(
        f"{API}/units", json=unit_body(name="Deelprogramma", parentId=parent["id"]), headers=broker
    ).json()
    problem = assert_problem(client.delete(f"{API}/units/{parent['id']}", headers=broker), 409)
    assert "child" in problem["detail"]
    assert client.get(f"{API}/units/{child['id']}").json()["parentId"] == parent["id"]
    assert client.delete(f"{API}/units/{child['id']}", headers=broker).status_code == 204
    assert client.delete(f"{API}/units/{parent['id']}", headers=broker).status_code == 204


def test_unknown_unit_is_404(client: TestClient, broker: Headers) -> None:
    assert_problem(client.get(f"{API}/units/12345"), 404)
    assert_problem(client.patch(f"{API}/units/12345", json={}, headers=broker), 404)
    assert_problem(client.delete(f"{API}/units/12345", headers=broker), 404)
