"""Initiatives: CRUD, filters and reference checks."""

import pytest
from fastapi.testclient import TestClient

from tests.helpers import API, INITIATOR_EMAIL, assert_problem, initiative_body, municipality_body

Headers = dict[str, str]


def test_crud_round_trip(client: TestClient, broker: Headers, municipality) -> None:
    body = initiative_body(
        problem="Te weinig groen en ontmoeting in de buurt.",
        targetGroup="Buurtbewoners en scholieren",
        themes=["groen", "ontmoeting"],
        areaCodes=["BU0363TA01"],
        stage="starting",
        needs=[
            {"kind": "space", "description": "Een stuk grond voor vijf jaar"},
            {"kind": "volunteers"},
        ],
        initiator={"name": "Ilse Initiatief", "email": INITIATOR_EMAIL, "phone": "06 1234 5678"},
    )
    created = client.post(f"{API}/initiatives", json=body, headers=broker)
    assert created.status_code == 201, created.text
    initiative = created.json()
    assert created.headers["Location"] == f"{API}/initiatives/{initiative['id']}"
    for key in ("municipalityCode", "title", "description", "problem", "targetGroup", "themes"):
        assert initiative[key] == body[key], key
    assert initiative["areaCodes"] == ["BU0363TA01"]
    assert initiative["stage"] == "starting"
    assert initiative["needs"] == [
        {"kind": "space", "description": "Een stuk grond voor vijf jaar"},
        {"kind": "volunteers", "description": ""},
    ]
    assert initiative["initiator"] == body["initiator"]
    assert initiative["createdAt"] and initiative["updatedAt"]
    assert client.get(created.headers["Location"], headers=broker).json() == initiative

    listing = client.get(f"{API}/initiatives", headers=broker).json()
    assert [i["id"] for i in listing["items"]] == [initiative["id"]]
    assert listing["total"] == 1

    patched = client.patch(
        created.headers["Location"], json={"stage": "running", "themes": ["groen"]}, headers=broker
    )
    assert patched.status_code == 200, patched.text
    assert patched.json() == {
        **initiative,
        "stage": "running",
        "themes": ["groen"],
        "updatedAt": patched.json()["updatedAt"],
    }
    assert patched.json()["updatedAt"] >= initiative["updatedAt"]

    assert client.delete(created.headers["Location"], headers=broker).status_code == 204
    assert_problem(client.get(created.headers["Location"], headers=broker), 404)
    assert client.get(f"{API}/initiatives", headers=broker).json()["total"] == 0


def test_defaults(client: TestClient, broker: Headers, municipality) -> None:
    body = {
        "municipalityCode": "GM0363",
        "title": "Repair café",
        "initiator": {"name": "Rob", "email": "rob@example.org"},
    }
    initiative = client.post(f"{API}/initiatives", json=body, headers=broker).json()
    assert initiative["stage"] == "idea"
    assert initiative["needs"] == [] and initiative["themes"] == []
    assert initiative["initiator"]["phone"] is None


@pytest.fixture
def four(client: TestClient, admin: Headers, broker: Headers, municipality) -> dict[str, int]:
    client.post(f"{API}/municipalities", json=municipality_body(), headers=admin)
    bodies = {
        "moestuin": initiative_body(themes=["groen"], areaCodes=["BU0363TA01"], stage="idea"),
        "zonnedak": initiative_body(
            title="Zonnedak", themes=["energie", "groen"], areaCodes=["SD0363N"], stage="running"
        ),
        "huiskamer": initiative_body(title="Huiskamer", themes=["ontmoeting"], stage="running"),
        "rotterdam": initiative_body("GM0599", title="Havenfestival", themes=["groen"]),
    }
    ids = {}
    for key, body in bodies.items():
        response = client.post(f"{API}/initiatives", json=body, headers=broker)
        assert response.status_code == 201, response.text
        ids[key] = response.json()["id"]
    return ids


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({}, ["moestuin", "zonnedak", "huiskamer", "rotterdam"]),
        ({"municipalityCode": "GM0363"}, ["moestuin", "zonnedak", "huiskamer"]),
        ({"municipalityCode": "GM0599"}, ["rotterdam"]),
        ({"theme": "groen"}, ["moestuin", "zonnedak", "rotterdam"]),
        ({"theme": "groen", "municipalityCode": "GM0363"}, ["moestuin", "zonnedak"]),
        ({"areaCode": "SD0363N"}, ["zonnedak"]),
        ({"areaCode": "SD0363T"}, []),  # exact codes, no roll-up through the hierarchy
        ({"stage": "running"}, ["zonnedak", "huiskamer"]),
        ({"stage": "scaling"}, []),
        ({"stage": "running", "theme": "energie"}, ["zonnedak"]),
    ],
)
def test_filters(
    client: TestClient, broker: Headers, four: dict[str, int], params: dict, keys: list
) -> None:
    body = client.get(f"{API}/initiatives", params=params, headers=broker).json()
    assert [i["id"] for i in body["items"]] == sorted(four[key] for key in keys)
    assert body["total"] == len(keys)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"stage": "done"}, "stage"),
        ({"municipalityCode": "363"}, "municipalityCode"),
        ({"areaCode": "a b"}, "areaCode"),
        ({"theme": "x" * 81}, "theme"),
    ],
)
def test_bad_filters_are_400(client: TestClient, broker: Headers, params: dict, name: str) -> None:
    response = client.get(f"{API}/initiatives", params=params, headers=broker)
    assert_problem(response, 400, names=[name])


def test_unknown_municipality_is_400(client: TestClient, broker: Headers) -> None:
    response = client.post(f"{API}/initiatives", json=initiative_body("GM0001"), headers=broker)
    assert_problem(response, 400, names=["municipalityCode"])


def test_unknown_area_codes_are_400(client: TestClient, broker: Headers, municipality) -> None:
    body = initiative_body(areaCodes=["SD0363T", "GEEN", "OOK-NIET"])
    response = client.post(f"{API}/initiatives", json=body, headers=broker)
    assert_problem(response, 400, names=["areaCodes[1]", "areaCodes[2]"])
    created = client.post(f"{API}/initiatives", json=initiative_body(), headers=broker).json()
    patch = client.patch(
        f"{API}/initiatives/{created['id']}", json={"areaCodes": ["GEEN"]}, headers=broker
    )
    assert_problem(patch, 400, names=["areaCodes[0]"])
    assert client.get(f"{API}/initiatives", headers=broker).json()["total"] == 1


def test_a_patch_reports_a_wrong_area_code_and_a_wrong_contact_id_together(
    client: TestClient, broker: Headers, municipality
) -> None:
    created = client.post(f"{API}/initiatives", json=initiative_body(), headers=broker).json()
    before = client.get(f"{API}/initiatives/{created['id']}", headers=broker).json()
    body = {"areaCodes": ["GEEN"], "knownContactIds": [municipality.contacts["annelies"], 999_999]}
    for method in ("post", "patch"):
        # As POST does: every problem, not only the first check's.
        response = (
            client.post(f"{API}/initiatives", json=initiative_body(**body), headers=broker)
            if method == "post"
            else client.patch(f"{API}/initiatives/{created['id']}", json=body, headers=broker)
        )
        assert_problem(response, 400, names=["areaCodes[0]", "knownContactIds[1]"])
    after = client.get(f"{API}/initiatives/{created['id']}", headers=broker).json()
    assert after == before  # nothing of the rejected PATCH was kept


def test_invalid_fields_are_all_listed(client: TestClient, broker: Headers, municipality) -> None:
    body = initiative_body(
        stage="finished",
        needs=[{"kind": "money"}, {"kind": "space", "extra": 1}],
        initiator={"name": "", "email": "nope"},
        title="x" * 201,
    )
    response = client.post(f"{API}/initiatives", json=body, headers=broker)
    assert_problem(
        response,
        400,
        names=[
            "title",
            "stage",
            "needs[0].kind",
            "needs[1].extra",
            "initiator.name",
            "initiator.email",
        ],
    )


def test_null_for_a_required_field_is_400(
    client: TestClient, broker: Headers, municipality
) -> None:
    created = client.post(f"{API}/initiatives", json=initiative_body(), headers=broker).json()
    response = client.patch(
        f"{API}/initiatives/{created['id']}",
        json={"title": None, "stage": None, "initiator": None},
        headers=broker,
    )
    assert_problem(response, 400, names=["title", "stage", "initiator"])


def test_unknown_initiative_is_404(client: TestClient, broker: Headers) -> None:
    assert_problem(client.get(f"{API}/initiatives/777", headers=broker), 404)
    assert_problem(client.patch(f"{API}/initiatives/777", json={}, headers=broker), 404)
    assert_problem(client.delete(f"{API}/initiatives/777", headers=broker), 404)
