"""Directory sync (POST /imports with mode sync): the stored directory follows an HR feed.

Records are found by externalId (else by email or unit name), the feed's fields are updated,
the civil servant's own fields never, people and empty units missing from the feed are
withdrawn (never deleted), and the same feed twice changes nothing at all.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.services.matching import loaded_directories
from schemas import AuditEntry, Contact, DirectoryChange, Municipality, Unit
from tests.helpers import (
    API,
    INITIATOR_EMAIL,
    assert_problem,
    contact_body,
    directory,
    initiative_body,
)

Headers = dict[str, str]
CODE = "GM0363"


def feed() -> dict[str, Any]:
    """The test directory as an HR system exports it: every unit and person with its number."""
    document = directory()
    for unit in document["units"]:
        unit["externalId"] = f"ORG-{unit['key']}"
    for contact in document["contacts"]:
        contact["externalId"] = f"HR-{contact['key']}"
    return document


def sync(client: TestClient, admin: Headers, document: dict, **options: Any) -> dict:
    response = client.post(
        f"{API}/imports", json={**document, "mode": "sync", **options}, headers=admin
    )
    expected = 200 if options.get("dryRun") else 201
    assert response.status_code == expected, response.text
    return response.json()


def person(document: dict, key: str) -> dict:
    return next(c for c in document["contacts"] if c["key"] == key)


def counts(result: dict, kind: str) -> dict[str, int]:
    return result["changes"][kind]["counts"]


def state(engine: Engine) -> dict[str, Any]:
    """Everything a sync could change, as stored."""
    with Session(engine) as session:
        return {
            "contacts": [
                tuple(row)
                for row in session.execute(select(Contact.__table__).order_by(Contact.id)).all()
            ],
            "units": [
                tuple(row) for row in session.execute(select(Unit.__table__).order_by(Unit.id))
            ],
            "version": session.execute(
                select(Municipality.directory_version).where(Municipality.code == CODE)
            ).scalar_one(),
            "changes": session.execute(select(func.count()).select_from(DirectoryChange)).scalar(),
            "audit": session.execute(select(func.count()).select_from(AuditEntry)).scalar(),
        }


@pytest.fixture
def synced(client: TestClient, admin: Headers) -> dict:
    """The feed taken in once, into an empty database: everything created."""
    result = sync(client, admin, feed())
    assert counts(result, "contacts") == {
        "created": 6,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
    }
    assert counts(result, "units")["created"] == 4
    return result


def test_a_first_sync_creates_everything_with_its_external_id(
    client: TestClient, admin: Headers, synced: dict
) -> None:
    annelies = synced["contacts"]["annelies"]
    stored = client.get(f"{API}/contacts/{annelies}", headers=admin).json()
    assert stored["externalId"] == "HR-annelies"
    assert stored["withdrawnAt"] is None
    unit = client.get(f"{API}/units/{synced['units']['wonen']}").json()
    assert unit["externalId"] == "ORG-wonen"
    created = synced["changes"]["contacts"]["created"]
    assert {(c["key"], c["id"], c["externalId"]) for c in created} == {
        (key, synced["contacts"][key], f"HR-{key}") for key in synced["contacts"]
    }
    assert synced["mode"] == "sync" and synced["dryRun"] is False


def test_the_same_feed_twice_changes_nothing(
    client: TestClient, admin: Headers, broker: Headers, synced: dict, engine: Engine
) -> None:
    # The matcher holds an index of the municipality, as a running worker does.
    asked = client.post(f"{API}/matches", json={"municipalityCode": CODE, "text": "wooncoöperatie"})
    assert asked.status_code == 200
    version, index = loaded_directories()[CODE]
    before = state(engine)

    again = sync(client, admin, feed())

    assert counts(again, "contacts") == {
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "withdrawn": 0,
    }
    assert counts(again, "units") == {"created": 0, "updated": 0, "unchanged": 4, "withdrawn": 0}
    assert {c["id"] for c in again["changes"]["contacts"]["unchanged"]} == set(
        synced["contacts"].values()
    )
    assert again["contacts"] == synced["contacts"] and again["units"] == synced["units"]
    # Not a row, not updatedAt, not the directory version, not the index, not the audit log.
    assert state(engine) == before
    client.post(f"{API}/matches", json={"municipalityCode": CODE, "text": "wooncoöperatie"})
    assert loaded_directories()[CODE] == (version, index)


def test_the_feed_updates_its_fields_and_never_the_civil_servants_own(
    client: TestClient, admin: Headers, synced: dict, make_key
) -> None:
    annelies = synced["contacts"]["annelies"]
    own = make_key("contact", str(annelies))
    mine = {
        "expertise": "Eigen tekst over wooncoöperaties.",
        "openToInitiatives": False,
        "capacityPerMonth": 9,
        "publicProfile": False,
        "languages": ["nl", "pl"],
        "consentAt": "2026-03-01T10:00:00Z",
    }
    assert client.patch(f"{API}/contacts/{annelies}", json=mine, headers=own).status_code == 200
    before = {
        c["id"]: c
        for c in client.get(f"{API}/contacts?pageSize=100", headers=admin).json()["items"]
    }

    document = feed()
    record = person(document, "annelies")
    record.update(
        jobTitle="Senior beleidsadviseur wonen",
        phone="+31 20 555 0202",
        # The feed's view of what is hers to say: ignored.
        expertise="HR-tekst",
        openToInitiatives=True,
        capacityPerMonth=1,
        publicProfile=True,
        languages=["nl"],
        consentAt="2020-01-01T00:00:00Z",
        available=False,
    )
    result = sync(client, admin, document)

    [updated] = result["changes"]["contacts"]["updated"]
    assert updated == {
        "key": "annelies",
        "id": annelies,
        "externalId": "HR-annelies",
        "fields": ["jobTitle", "phone"],
    }
    assert counts(result, "contacts")["unchanged"] == 5
    after = client.get(f"{API}/contacts/{annelies}", headers=admin).json()
    assert after["jobTitle"] == "Senior beleidsadviseur wonen"
    assert after["phone"] == "+31 20 555 0202"
    for field, value in mine.items():
        expected = before[annelies][field]
        assert after[field] == expected, field
        assert expected == value or field == "consentAt"
    assert after["available"] is True
    assert after["updatedAt"] > before[annelies]["updatedAt"]
    # The others were not touched at all.
    for other_id, other in before.items():
        if other_id != annelies:
            assert client.get(f"{API}/contacts/{other_id}", headers=admin).json() == other


def test_a_field_the_feed_leaves_out_is_kept(
    client: TestClient, admin: Headers, synced: dict
) -> None:
    document = feed()
    del person(document, "annelies")["phone"]  # an export without phone numbers
    del person(document, "annelies")["themes"]
    result = sync(client, admin, document)
    assert counts(result, "contacts")["updated"] == 0
    stored = client.get(f"{API}/contacts/{synced['contacts']['annelies']}", headers=admin)
    assert stored.json()["phone"] == "+31 20 555 0101"
    assert stored.json()["themes"] == ["wonen", "energie"]
    # An explicit null clears it.
    person(document, "annelies")["phone"] = None
    result = sync(client, admin, document)
    assert result["changes"]["contacts"]["updated"][0]["fields"] == ["phone"]


def test_people_missing_from_the_feed_are_withdrawn_never_deleted(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    initiator: Headers,
    make_key,
    synced: dict,
) -> None:
    eva = synced["contacts"]["eva"]
    initiative = client.post(
        f"{API}/initiatives",
        json=initiative_body(title="Zonnedaken in Noord", areaCodes=["SD0363N"]),
        headers=initiator,
    ).json()
    introduction = client.post(
        f"{API}/introductions",
        json={"initiativeId": initiative["id"], "contactId": eva},
        headers=initiator,
    )
    assert introduction.status_code == 201, introduction.text
    document = feed()
    document["contacts"] = [c for c in document["contacts"] if c["key"] != "eva"]

    result = sync(client, admin, document)

    assert result["changes"]["contacts"]["withdrawn"] == [
        {"key": None, "id": eva, "externalId": "HR-eva", "fields": []}
    ]
    stored = client.get(f"{API}/contacts/{eva}", headers=admin).json()
    assert stored["available"] is False and stored["withdrawnAt"] is not None
    # Unlisted: gone for everyone but staff and themself.
    colleague = make_key("contact", str(synced["contacts"]["annelies"]))
    for who in (initiator, colleague):
        assert_problem(client.get(f"{API}/contacts/{eva}", headers=who), 404)
        listed = client.get(f"{API}/contacts?pageSize=100", headers=who).json()["items"]
        assert eva not in {c["id"] for c in listed}
    assert client.get(f"{API}/contacts/{eva}", headers=make_key("contact", str(eva))).is_success
    asked = client.post(
        f"{API}/matches",
        json={"municipalityCode": CODE, "text": "energiecoöperatie zonnedaken", "limit": 50},
    ).json()
    assert eva not in {item["contact"]["id"] for item in asked["items"]}
    # Their introduction, its history and the record itself stay.
    kept = client.get(f"{API}/introductions/{introduction.json()['id']}", headers=broker)
    assert kept.status_code == 200 and kept.json()["contact"]["id"] == eva
    again = client.post(
        f"{API}/introductions",
        json={"initiativeId": initiative["id"], "contactId": eva},
        headers=broker,
    )
    assert_problem(again, 409)

    # Back in the next feed: restored.
    result = sync(client, admin, feed())
    [restored] = result["changes"]["contacts"]["updated"]
    assert restored["id"] == eva and restored["fields"] == ["available", "withdrawnAt"]
    stored = client.get(f"{API}/contacts/{eva}", headers=admin).json()
    assert stored["available"] is True and stored["withdrawnAt"] is None
    assert client.get(f"{API}/contacts/{eva}", headers=initiator).status_code == 200


def test_units_missing_from_the_feed_are_withdrawn_when_nobody_is_left(
    client: TestClient, admin: Headers, synced: dict
) -> None:
    units = synced["units"]
    document = feed()
    # The area team goes with its people; Cluster Ruimte goes from the feed but keeps Eva.
    document["units"] = [u for u in document["units"] if u["key"] not in ("gebied-zo", "ruimte")]
    # Annelies still "knows" Bram, who left: the knows of someone stored is hers, not the
    # feed's, so it stops nothing.
    document["contacts"] = [
        c for c in document["contacts"] if c["unitKey"] not in ("gebied-zo", "ruimte")
    ]
    eva = person(feed(), "eva")
    document["contacts"].append({**eva, "unitKey": None, "unitId": units["ruimte"]})
    del document["contacts"][-1]["unitKey"]

    result = sync(client, admin, document)

    assert [u["id"] for u in result["changes"]["units"]["withdrawn"]] == [units["gebied-zo"]]
    assert {c["id"] for c in result["changes"]["contacts"]["withdrawn"]} == {
        synced["contacts"]["bram"],
        synced["contacts"]["fatima"],
    }
    gone = client.get(f"{API}/units/{units['gebied-zo']}").json()
    assert gone["withdrawnAt"] is not None  # never deleted
    listed = {u["id"] for u in client.get(f"{API}/units?pageSize=100").json()["items"]}
    assert units["gebied-zo"] not in listed and units["ruimte"] in listed

    def tree_ids(nodes: list[dict]) -> set[int]:
        return {n["id"] for n in nodes} | {i for n in nodes for i in tree_ids(n["children"])}

    tree = client.get(f"{API}/units/tree?municipalityCode={CODE}").json()
    assert units["gebied-zo"] not in tree_ids(tree["units"])
    assert units["ruimte"] in tree_ids(tree["units"])
    # A parent stays while one of its units does; back in the feed, the unit returns.
    result = sync(client, admin, feed())
    restored = {u["id"]: u["fields"] for u in result["changes"]["units"]["updated"]}
    assert restored == {units["gebied-zo"]: ["withdrawnAt"]}
    assert client.get(f"{API}/units/{units['gebied-zo']}").json()["withdrawnAt"] is None


def test_a_dry_run_says_what_would_change_and_writes_nothing(
    client: TestClient, admin: Headers, synced: dict, engine: Engine
) -> None:
    document = feed()
    person(document, "bram")["jobTitle"] = "Wijkregisseur"
    person(document, "bram")["email"] = "B.Jansen@amsterdam.example"
    document["contacts"] = [c for c in document["contacts"] if c["key"] != "chantal"]
    document["contacts"].append(
        {
            "key": "gijs",
            "externalId": "HR-gijs",
            "unitKey": "wonen",
            "name": "Gijs de Groot",
            "jobTitle": "Woonconsulent",
            "email": "g.degroot@amsterdam.example",
        }
    )
    document["units"].append(
        {
            "key": "nieuw",
            "externalId": "ORG-nieuw",
            "municipalityCode": CODE,
            "name": "Team Nieuw",
            "kind": "team",
            "parentKey": "ruimte",
        }
    )
    before = state(engine)

    result = sync(client, admin, document, dryRun=True)

    assert result["dryRun"] is True
    contacts = result["changes"]["contacts"]
    assert contacts["counts"] == {"created": 1, "updated": 1, "unchanged": 4, "withdrawn": 1}
    assert contacts["created"] == [
        {"key": "gijs", "id": None, "externalId": "HR-gijs", "fields": []}
    ]
    assert contacts["updated"] == [
        {
            "key": "bram",
            "id": synced["contacts"]["bram"],
            "externalId": "HR-bram",
            "fields": ["email", "jobTitle"],
        }
    ]
    assert [c["id"] for c in contacts["withdrawn"]] == [synced["contacts"]["chantal"]]
    assert result["changes"]["units"]["created"] == [
        {"key": "nieuw", "id": None, "externalId": "ORG-nieuw", "fields": []}
    ]
    assert (
        "gijs" not in result["contacts"]
        and result["contacts"]["bram"] == (synced["contacts"]["bram"])
    )
    assert state(engine) == before
    # The real thing does what the dry run said.
    done = sync(client, admin, document)
    assert done["changes"]["contacts"]["counts"] == contacts["counts"]
    assert done["changes"]["contacts"]["updated"] == contacts["updated"]
    assert done["changes"]["contacts"]["created"][0]["id"] == done["contacts"]["gijs"]


def test_an_add_mode_dry_run_checks_and_reports_creations(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    response = client.post(f"{API}/imports", json={**directory(), "dryRun": True}, headers=admin)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["mode"] == "add"
    assert result["changes"]["contacts"]["counts"]["created"] == 6
    assert result["contacts"] == {}
    assert client.get(f"{API}/contacts", headers=admin).json()["total"] == 0
    assert client.get(f"{API}/municipalities").json()["total"] == 0
    bad = directory()
    bad["contacts"][0]["unitKey"] = "nergens"
    assert_problem(
        client.post(f"{API}/imports", json={**bad, "dryRun": True}, headers=admin),
        400,
        names=["contacts[0].unitKey", "contacts[1].knows[0]"],
    )


def test_a_directory_without_external_ids_is_found_by_email_and_name(
    client: TestClient, admin: Headers, municipality
) -> None:
    """A directory imported before HR numbers existed: the first sync finds everyone by email
    (any case) and every unit by its name, and gives them the feed's numbers."""
    document = feed()
    person(document, "annelies")["email"] = "A.DeVries@Amsterdam.example"
    result = sync(client, admin, document)

    contacts = result["changes"]["contacts"]
    assert contacts["counts"] == {"created": 0, "updated": 6, "unchanged": 0, "withdrawn": 0}
    assert result["contacts"] == municipality.contacts
    assert result["units"] == municipality.units
    fields = {c["key"]: c["fields"] for c in contacts["updated"]}
    assert fields["bram"] == ["externalId"]
    assert fields["annelies"] == ["email", "externalId"]
    annelies = client.get(
        f"{API}/contacts/{municipality.contacts['annelies']}", headers=admin
    ).json()
    assert annelies["externalId"] == "HR-annelies"
    assert client.get(f"{API}/units/{municipality.units['wonen']}").json()["externalId"] == (
        "ORG-wonen"
    )
    # Without externalIds a later feed still finds them by email (and the email's case is
    # the feed's to change).
    plain = directory()
    again = sync(client, admin, plain)
    assert again["changes"]["contacts"]["counts"]["unchanged"] == 5
    assert [(c["key"], c["fields"]) for c in again["changes"]["contacts"]["updated"]] == [
        ("annelies", ["email"])
    ]


def test_an_external_id_is_the_match_even_when_the_email_changes(
    client: TestClient, admin: Headers, synced: dict
) -> None:
    document = feed()
    person(document, "bram")["email"] = "bram.jansen@amsterdam.example"
    result = sync(client, admin, document)
    [updated] = result["changes"]["contacts"]["updated"]
    assert (updated["id"], updated["fields"]) == (synced["contacts"]["bram"], ["email"])
    assert counts(result, "contacts")["created"] == 0


def test_a_sync_names_records_that_fit_several_or_the_same_stored_record(
    client: TestClient, admin: Headers, broker: Headers, synced: dict
) -> None:
    # Two records of the document claim one stored person.
    document = feed()
    copy = {**person(document, "bram"), "key": "bram-2", "externalId": None}
    document["contacts"].append(copy)
    assert_problem(
        client.post(f"{API}/imports", json={**document, "mode": "sync"}, headers=admin),
        400,
        names=["contacts[6]"],
    )
    # A duplicate externalId in the document.
    document = feed()
    person(document, "bram")["externalId"] = "HR-annelies"
    assert_problem(
        client.post(f"{API}/imports", json={**document, "mode": "sync"}, headers=admin),
        400,
        names=["contacts[1].externalId"],
    )
    # Two stored people without a number share an email: the record fits both.
    for name in ("Twee", "Drie"):
        body = contact_body(synced["units"]["wonen"], name=name, email="gedeeld@amsterdam.example")
        assert client.post(f"{API}/contacts", json=body, headers=broker).status_code == 201
    document = feed()
    document["contacts"].append(
        {
            "key": "gedeeld",
            "unitKey": "wonen",
            "name": "Gedeeld",
            "jobTitle": "Adviseur",
            "email": "gedeeld@amsterdam.example",
        }
    )
    body = assert_problem(
        client.post(f"{API}/imports", json={**document, "mode": "sync"}, headers=admin),
        400,
        names=["contacts[6].email"],
    )
    assert "externalId" in body["invalidParams"][0]["reason"]


def test_add_mode_refuses_an_external_id_that_is_stored(
    client: TestClient, admin: Headers, synced: dict
) -> None:
    document = feed()
    body = assert_problem(
        client.post(f"{API}/imports", json=document, headers=admin),
        400,
        names=[f"contacts[{i}].externalId" for i in range(6)]
        + [f"units[{i}].externalId" for i in range(4)],
    )
    assert "mode sync" in body["invalidParams"][0]["reason"]


def test_a_sync_touches_only_the_municipalities_of_its_units(
    client: TestClient, admin: Headers, synced: dict
) -> None:
    other = {
        "municipalities": [{"code": "GM0599", "name": "Rotterdam"}],
        "units": [{"key": "r", "municipalityCode": "GM0599", "name": "Team R", "kind": "team"}],
        "contacts": [
            {"key": "r1", "unitKey": "r", "name": "R", "jobTitle": "X", "email": "r@r.example"}
        ],
    }
    assert client.post(f"{API}/imports", json=other, headers=admin).status_code == 201
    result = sync(client, admin, feed())
    assert counts(result, "contacts")["withdrawn"] == 0
    assert counts(result, "units")["withdrawn"] == 0
    # A document without units is the directory of no municipality: it withdraws nobody.
    result = sync(client, admin, {"municipalities": [{"code": CODE, "name": "Amsterdam"}]})
    assert counts(result, "contacts") == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "withdrawn": 0,
    }


def test_the_index_takes_a_sync_as_the_contacts_that_changed(
    client: TestClient, admin: Headers, synced: dict, engine: Engine
) -> None:
    question = {"municipalityCode": CODE, "text": "ukelele voor bewoners", "limit": 5}
    assert client.post(f"{API}/matches", json=question).json()["items"] == []
    _version, index = loaded_directories()[CODE]
    with Session(engine) as session:
        last = session.execute(select(func.max(DirectoryChange.id))).scalar()
    document = feed()
    person(document, "chantal")["jobTitle"] = "Ukelele-docent voor bewoners"

    sync(client, admin, document)

    with Session(engine) as session:
        rows = session.execute(
            select(DirectoryChange.contact_id, DirectoryChange.rebuild).where(
                DirectoryChange.id > last
            )
        ).all()
    assert rows == [(synced["contacts"]["chantal"], False)]
    found = client.post(f"{API}/matches", json=question).json()["items"]
    assert [item["contact"]["id"] for item in found] == [synced["contacts"]["chantal"]]
    assert loaded_directories()[CODE][1] is index  # brought up to date, not built anew


def test_a_sync_is_in_the_audit_log(
    client: TestClient, admin: Headers, make_key, engine: Engine
) -> None:
    municipal_admin = make_key("admin", "hr-koppeling", municipality_codes=[CODE])
    first = client.post(
        f"{API}/imports", json={**feed(), "mode": "sync"}, headers=municipal_admin
    ).json()
    document = feed()
    person(document, "bram")["jobTitle"] = "Wijkregisseur"
    document["contacts"] = [c for c in document["contacts"] if c["key"] != "eva"]
    client.post(f"{API}/imports", json={**document, "mode": "sync"}, headers=municipal_admin)
    entries = client.get(f"{API}/audit-log?pageSize=100&objectType=contact", headers=admin).json()[
        "items"
    ]
    made = {(e["action"], e["objectId"]) for e in entries if e["actorRole"] == "admin"}
    ids = first["contacts"]
    assert {("create", i) for i in ids.values()} <= made
    assert ("update", ids["bram"]) in made and ("update", ids["eva"]) in made
    assert ("update", ids["annelies"]) not in made  # unchanged: nothing to log
    assert {e["actorKeyId"] for e in entries} == {entries[0]["actorKeyId"]} != {None}


def test_external_ids_through_the_api(
    client: TestClient, admin: Headers, broker: Headers, synced: dict, make_key
) -> None:
    wonen = synced["units"]["wonen"]
    taken = contact_body(wonen, externalId="HR-annelies", email="x@amsterdam.example")
    assert_problem(client.post(f"{API}/contacts", json=taken, headers=broker), 409)
    fresh = client.post(
        f"{API}/contacts", json=contact_body(wonen, externalId="HR-nieuw"), headers=broker
    )
    assert fresh.status_code == 201 and fresh.json()["externalId"] == "HR-nieuw"
    bram = synced["contacts"]["bram"]
    assert_problem(
        client.patch(f"{API}/contacts/{bram}", json={"externalId": "HR-nieuw"}, headers=broker),
        409,
    )
    cleared = client.patch(f"{API}/contacts/{bram}", json={"externalId": None}, headers=broker)
    assert cleared.status_code == 200 and cleared.json()["externalId"] is None
    # A civil servant keeps their own profile, not the HR system's number.
    own = make_key("contact", str(synced["contacts"]["annelies"]))
    assert_problem(
        client.patch(
            f"{API}/contacts/{synced['contacts']['annelies']}",
            json={"externalId": "HR-zelf"},
            headers=own,
        ),
        403,
    )
    # Not shown to those who see a profile only.
    profile = client.get(
        f"{API}/contacts/{synced['contacts']['annelies']}",
        headers=make_key("initiator", INITIATOR_EMAIL),
    ).json()
    assert "externalId" not in profile
    # Units: unique per municipality too; another municipality may use the same number.
    unit = {"municipalityCode": CODE, "name": "X", "kind": "team", "externalId": "ORG-wonen"}
    assert_problem(client.post(f"{API}/units", json=unit, headers=broker), 409)
    assert client.post(
        f"{API}/municipalities", json={"code": "GM0599", "name": "Rotterdam"}, headers=admin
    ).is_success
    elsewhere = client.post(
        f"{API}/units", json={**unit, "municipalityCode": "GM0599"}, headers=broker
    )
    assert elsewhere.status_code == 201, elsewhere.text


def test_knows_counts_only_for_the_people_a_sync_creates(
    client: TestClient, admin: Headers, synced: dict
) -> None:
    annelies = synced["contacts"]["annelies"]
    document = feed()
    person(document, "annelies")["knows"] = ["eva"]  # ignored: she keeps her own list
    document["contacts"].append(
        {
            "key": "gijs",
            "externalId": "HR-gijs",
            "unitKey": "wonen",
            "name": "Gijs",
            "jobTitle": "Woonconsulent",
            "email": "gijs@amsterdam.example",
            "knows": ["annelies", "nobody"],
        }
    )
    body = assert_problem(
        client.post(f"{API}/imports", json={**document, "mode": "sync"}, headers=admin),
        400,
        names=["contacts[6].knows[1]"],
    )
    assert "nobody" in body["invalidParams"][0]["reason"]
    document["contacts"][-1]["knows"] = ["annelies"]
    result = sync(client, admin, document)
    gijs = client.get(f"{API}/contacts/{result['contacts']['gijs']}", headers=admin).json()
    assert gijs["knows"] == [annelies]
    stored = client.get(f"{API}/contacts/{annelies}", headers=admin).json()
    assert stored["knows"] == [synced["contacts"]["bram"]]


def test_a_sync_that_withdraws_too_many_at_once_is_refused(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    """A truncated HR export must not unlist most of a municipality overnight."""
    document = feed()
    template = person(document, "chantal")
    document["contacts"] += [
        {
            **template,
            "key": f"p{n}",
            "externalId": f"HR-p{n}",
            "name": f"Collega {n}",
            "email": f"collega{n}@amsterdam.example",
        }
        for n in range(14)
    ]
    sync(client, admin, document)  # 20 people
    truncated = {**document, "contacts": document["contacts"][:6]}  # 14 missing: 70 %
    before = state(engine)
    refused = client.post(f"{API}/imports", json={**truncated, "mode": "sync"}, headers=admin)
    body = assert_problem(refused, 409)
    assert "14 of the 20 people of GM0363" in body["detail"]
    assert "allowMassWithdrawal" in body["detail"]
    assert state(engine) == before
    # A dry run says what it would do, without refusing.
    dry = sync(client, admin, truncated, dryRun=True)
    assert counts(dry, "contacts")["withdrawn"] == 14
    # Said so: taken in.
    done = sync(client, admin, truncated, allowMassWithdrawal=True)
    assert counts(done, "contacts")["withdrawn"] == 14
    # Ten or fewer is never a mass withdrawal, whatever the share: 5 of 6.
    sync(client, admin, truncated)
    alone = sync(client, admin, {**truncated, "contacts": truncated["contacts"][:1]})
    assert counts(alone, "contacts")["withdrawn"] == 5
