"""A broker steers one initiative's matches: a pinned contact comes first with "Aanbevolen door
de gemeente", an excluded one never appears; refused pins say why; every change is audited
and in the initiative's history; the broker's reason stays with staff."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import API, INITIATOR_EMAIL, assert_problem, contact_body, initiative_body

Headers = dict[str, str]
REASON = "Kent deze groep al jaren, wat het profiel ook zegt"
PINNED = {"signal": "pinned", "value": 1.0, "weight": 0.0, "detail": "Aanbevolen door de gemeente."}
# Three people fit this one (the engine shows only those who fit the subject).
BROAD = initiative_body(
    title="Jongeren doen mee",
    description="Jongeren en participatie in de wijk, wonen en energie",
)
HOUSING = initiative_body(
    title="Wooncoöperatie Amsterdamse Poort",
    description="Wij willen met buren een wooncoöperatie beginnen, collectief opdrachtgeverschap.",
    areaCodes=["BU0363TA01"],
)


@pytest.fixture
def initiative(client: TestClient, initiator: Headers, municipality) -> dict:
    response = client.post(f"{API}/initiatives", json=HOUSING, headers=initiator)
    assert response.status_code == 201, response.text
    return response.json()


def matches(client: TestClient, initiative: dict, headers: Headers, limit: int = 5) -> list[dict]:
    response = client.get(
        f"{API}/initiatives/{initiative['id']}/matches?limit={limit}", headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def ids(items: list[dict]) -> list[int]:
    return [item["contact"]["id"] for item in items]


def steer(
    client: TestClient, initiative: dict, headers: Headers, contact_id: int, action: str
) -> Any:
    return client.post(
        f"{API}/initiatives/{initiative['id']}/match-overrides",
        json={"contactId": contact_id, "action": action, "reason": REASON},
        headers=headers,
    )


def test_a_pinned_contact_comes_first_with_the_municipalitys_recommendation(
    client: TestClient, broker: Headers, initiator: Headers, initiative: dict, municipality
) -> None:
    chantal = municipality.contacts["chantal"]
    before = matches(client, initiative, initiator)
    assert before and chantal not in ids(before)  # the engine does not see her here

    pinned = steer(client, initiative, broker, chantal, "pin")
    assert pinned.status_code == 201, pinned.text
    body = pinned.json()
    assert (body["contactId"], body["action"], body["reason"]) == (chantal, "pin", REASON)
    assert body["endedAt"] is None and body["createdByRole"] == "broker"
    assert pinned.headers["Location"].endswith(f"/match-overrides/{body['id']}")

    after = matches(client, initiative, initiator)
    assert ids(after)[0] == chantal
    assert after[0]["reasons"][0] == PINNED
    assert after[0]["rank"] == 1
    # Her own fit, as the engine scores it, stays visible behind the recommendation.
    assert {r["signal"] for r in after[0]["reasons"][1:]} >= {"text", "theme", "area"}
    # Then the engine's own order, without her.
    assert ids(after)[1:] == [i for i in ids(before) if i != chantal][: len(after) - 1]
    assert [item["rank"] for item in after] == list(range(1, len(after) + 1))
    assert all(r["signal"] != "pinned" for item in after[1:] for r in item["reasons"])


def test_a_pin_moves_someone_the_engine_ranks_lower_to_the_top(
    client: TestClient, broker: Headers, initiator: Headers, municipality
) -> None:
    initiative = client.post(f"{API}/initiatives", json=BROAD, headers=initiator).json()
    before = matches(client, initiative, initiator, limit=50)
    assert len(before) >= 3
    second = before[1]
    assert steer(client, initiative, broker, second["contact"]["id"], "pin").status_code == 201
    after = matches(client, initiative, initiator, limit=50)
    assert after[0]["contact"] == second["contact"]
    assert after[0]["score"] == second["score"]
    assert after[0]["reasons"] == [PINNED, *second["reasons"]]
    assert ids(after)[1:] == [i for i in ids(before) if i != second["contact"]["id"]]


def test_an_excluded_contact_never_appears_not_even_as_a_warm_path(
    client: TestClient, broker: Headers, initiator: Headers, municipality
) -> None:
    annelies, bram = municipality.contacts["annelies"], municipality.contacts["bram"]
    # The initiative knows Bram, who knows Annelies: she comes with a warm path via him.
    initiative = client.post(
        f"{API}/initiatives",
        json={**HOUSING, "knownContactIds": [bram], "needs": [{"kind": "network"}]},
        headers=initiator,
    ).json()
    before = matches(client, initiative, initiator, limit=50)
    top = next(item for item in before if item["contact"]["id"] == annelies)
    assert [c["id"] for c in top["introduceVia"]] == [bram]

    assert steer(client, initiative, broker, bram, "exclude").status_code == 201
    for who in (initiator, broker):
        after = matches(client, initiative, who, limit=50)
        assert bram not in ids(after)
        assert all(bram not in [c["id"] for c in item["introduceVia"]] for item in after)
        annelies_now = next(item for item in after if item["contact"]["id"] == annelies)
        assert annelies_now["introduceVia"] == []
    assert ids(after) == [i for i in ids(before) if i != bram]

    # The limit still holds people: the next in line fills the place.
    broad = client.post(f"{API}/initiatives", json=BROAD, headers=initiator).json()
    top_two = ids(matches(client, broad, initiator, limit=2))
    assert steer(client, broad, broker, top_two[0], "exclude").status_code == 201
    assert ids(matches(client, broad, initiator, limit=2))[0] == top_two[1]
    assert len(matches(client, broad, initiator, limit=2)) == 2
    assert top_two[0] not in ids(matches(client, broad, initiator, limit=50))


def test_ending_an_override_gives_the_engine_back_its_ranking(
    client: TestClient, broker: Headers, initiator: Headers, initiative: dict, municipality
) -> None:
    before = matches(client, initiative, initiator)
    made = steer(client, initiative, broker, municipality.contacts["chantal"], "pin").json()
    path = f"{API}/initiatives/{initiative['id']}/match-overrides"
    assert client.delete(f"{path}/{made['id']}", headers=broker).status_code == 204
    assert matches(client, initiative, initiator) == before
    listed = client.get(path, headers=broker).json()
    assert listed["total"] == 1
    assert listed["items"][0]["endedAt"] is not None
    # Ending it again changes nothing; a stranger's id is a 404.
    assert client.delete(f"{path}/{made['id']}", headers=broker).status_code == 204
    assert_problem(client.delete(f"{path}/999", headers=broker), 404)
    history = client.get(f"{API}/initiatives/{initiative['id']}/history", headers=broker).json()
    assert [e["kind"] for e in history] == ["override_created", "override_ended"]
    # A new pin of the same person may follow the ended one.
    assert steer(client, initiative, broker, made["contactId"], "exclude").status_code == 201


def test_a_pin_that_cannot_be_is_refused_with_the_reason(
    client: TestClient, broker: Headers, admin: Headers, initiative: dict, municipality
) -> None:
    contacts = municipality.contacts
    body = assert_problem(steer(client, initiative, broker, contacts["dirk"], "pin"), 409)
    assert "consent" in body["detail"]
    client.patch(f"{API}/contacts/{contacts['eva']}", json={"available": False}, headers=broker)
    body = assert_problem(steer(client, initiative, broker, contacts["eva"], "pin"), 409)
    assert "not available" in body["detail"]
    client.patch(
        f"{API}/contacts/{contacts['fatima']}", json={"openToInitiatives": False}, headers=broker
    )
    body = assert_problem(steer(client, initiative, broker, contacts["fatima"], "pin"), 409)
    assert "not open to initiatives" in body["detail"]
    # Excluding them is fine: keeping someone out needs no consent.
    assert steer(client, initiative, broker, contacts["eva"], "exclude").status_code == 201
    # One standing override per person.
    assert steer(client, initiative, broker, contacts["chantal"], "pin").status_code == 201
    body = assert_problem(steer(client, initiative, broker, contacts["chantal"], "exclude"), 409)
    assert "already pinned" in body["detail"]
    assert_problem(steer(client, initiative, broker, 9999, "pin"), 400, names=["contactId"])
    bad = client.post(
        f"{API}/initiatives/{initiative['id']}/match-overrides",
        json={"contactId": contacts["chantal"], "action": "promote", "reason": ""},
        headers=broker,
    )
    assert_problem(bad, 400, names=["action", "reason"])
    # A withdrawn person (gone from the HR feed) is refused too.
    document = {
        "mode": "sync",
        "units": [{"key": "w", "municipalityCode": "GM0363", "name": "Afdeling Wonen",
                   "kind": "department"}],
        "contacts": [],
    }  # fmt: skip
    client.post(f"{API}/imports", json=document, headers=admin)
    body = assert_problem(steer(client, initiative, broker, contacts["annelies"], "pin"), 409)
    assert "withdrawn" in body["detail"]


def test_another_municipalitys_contact_is_refused(
    client: TestClient, admin: Headers, make_key, initiative: dict
) -> None:
    rotterdam = {
        "municipalities": [{"code": "GM0599", "name": "Rotterdam"}],
        "units": [{"key": "r", "municipalityCode": "GM0599", "name": "Team R", "kind": "team"}],
        "contacts": [
            {"key": "r1", "unitKey": "r", "name": "Rien", "jobTitle": "Wijkregisseur",
             "email": "rien@rotterdam.example", "consentAt": "2026-01-01T00:00:00Z"}
        ],
    }  # fmt: skip
    rien = client.post(f"{API}/imports", json=rotterdam, headers=admin).json()["contacts"]["r1"]
    # A broker of Amsterdam only: Rien is unknown to them (nothing revealed).
    amsterdam = make_key("broker", "a", municipality_codes=["GM0363"])
    body = assert_problem(
        steer(client, initiative, amsterdam, rien, "pin"), 400, names=["contactId"]
    )
    assert "GM0599" not in body["invalidParams"][0]["reason"]
    # A broker of both: told why.
    both = make_key("broker", "ab", municipality_codes=["GM0363", "GM0599"])
    body = assert_problem(steer(client, initiative, both, rien, "pin"), 400, names=["contactId"])
    assert "GM0599" in body["invalidParams"][0]["reason"]
    assert_problem(steer(client, initiative, both, rien, "exclude"), 400, names=["contactId"])


def test_a_pinned_contact_who_becomes_unavailable_drops_out_until_back(
    client: TestClient, broker: Headers, initiator: Headers, initiative: dict, municipality
) -> None:
    chantal = municipality.contacts["chantal"]
    steer(client, initiative, broker, chantal, "pin")
    client.patch(f"{API}/contacts/{chantal}", json={"available": False}, headers=broker)
    assert chantal not in ids(matches(client, initiative, initiator, limit=50))
    client.patch(f"{API}/contacts/{chantal}", json={"available": True}, headers=broker)
    assert ids(matches(client, initiative, initiator))[0] == chantal


def test_every_change_is_audited_and_in_the_history_without_the_reason(
    client: TestClient, admin: Headers, make_key, initiative: dict, municipality
) -> None:
    created = client.post(
        f"{API}/api-keys",
        json={"role": "broker", "subject": "makelaar", "municipalityCodes": ["GM0363"]},
        headers=admin,
    ).json()
    broker = {"Authorization": f"Bearer {created['token']}"}
    pin = steer(client, initiative, broker, municipality.contacts["chantal"], "pin").json()
    out = steer(client, initiative, broker, municipality.contacts["bram"], "exclude").json()
    assert pin["createdByKeyId"] == created["id"]
    path = f"{API}/initiatives/{initiative['id']}/match-overrides/{out['id']}"
    assert client.delete(path, headers=broker).status_code == 204

    entries = client.get(
        f"{API}/audit-log", params={"objectType": "match_override"}, headers=admin
    ).json()["items"]
    assert [(e["action"], e["objectId"], e["actorKeyId"]) for e in reversed(entries)] == [
        ("create", pin["id"], created["id"]),
        ("create", out["id"], created["id"]),
        ("delete", out["id"], created["id"]),
    ]
    response = client.get(f"{API}/initiatives/{initiative['id']}/history", headers=broker)
    history = response.json()
    assert [(e["kind"], e["contactId"], e["action"], e["overrideId"]) for e in history] == [
        ("override_created", municipality.contacts["chantal"], "pin", pin["id"]),
        ("override_created", municipality.contacts["bram"], "exclude", out["id"]),
        ("override_ended", municipality.contacts["bram"], "exclude", out["id"]),
    ]
    assert {(e["actorRole"], e["actorKeyId"]) for e in history} == {("broker", created["id"])}
    assert REASON not in response.text
    # The initiator's history of their initiative shows the answer only, not the steering.
    initiator = make_key("initiator", INITIATOR_EMAIL)
    assert (
        client.get(f"{API}/initiatives/{initiative['id']}/history", headers=initiator).json() == []
    )


def test_the_reason_is_for_staff_only(
    client: TestClient,
    broker: Headers,
    initiator: Headers,
    contact_key: Headers,
    portal: Headers,
    initiative: dict,
    municipality,
) -> None:
    steer(client, initiative, broker, municipality.contacts["chantal"], "pin")
    path = f"{API}/initiatives/{initiative['id']}"
    for who in (initiator, contact_key):
        for url in (f"{path}/matches", path, f"{API}/initiatives", f"{API}/introductions"):
            response = client.get(url, headers=who)
            assert REASON not in response.text
        assert_problem(client.get(f"{path}/match-overrides", headers=who), 403)
        assert_problem(steer(client, initiative, who, municipality.contacts["eva"], "pin"), 403)
    assert_problem(client.get(f"{path}/match-overrides", headers=portal), 403)
    assert_problem(client.get(f"{path}/match-overrides"), 401)
    assert REASON not in client.get(f"{path}/matches", headers=broker).text
    assert REASON in client.get(f"{path}/match-overrides", headers=broker).text


def test_an_initiative_with_a_desk_can_still_be_removed(
    client: TestClient, broker: Headers, initiative: dict, municipality
) -> None:
    steer(client, initiative, broker, municipality.contacts["chantal"], "pin")
    path = f"{API}/initiatives/{initiative['id']}"
    client.post(f"{path}/notes", json={"text": "Notitie"}, headers=broker)
    client.put(f"{path}/response", json={"status": "received"}, headers=broker)
    assert client.delete(path, headers=broker).status_code == 204
    assert_problem(client.get(path, headers=broker), 404)


def test_a_removed_contact_takes_their_overrides_along(
    client: TestClient, broker: Headers, initiator: Headers, initiative: dict, municipality
) -> None:
    made = client.post(
        f"{API}/contacts",
        json=contact_body(municipality.units["wonen"], themes=["wonen"]),
        headers=broker,
    ).json()
    assert steer(client, initiative, broker, made["id"], "pin").status_code == 201
    assert client.delete(f"{API}/contacts/{made['id']}", headers=broker).status_code == 204
    listed = client.get(
        f"{API}/initiatives/{initiative['id']}/match-overrides", headers=broker
    ).json()
    assert listed["total"] == 0
    assert made["id"] not in ids(matches(client, initiative, initiator))
