"""AVG/GDPR: a contact's export and erasure, initiators' erasure and retention, the audit log
of personal data, and a walk over every GET endpoint checking that no role sees more than it
may."""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

import schemas
from api.core.settings import Settings
from api.services.privacy import erase_expired_initiators
from schemas import AuditEntry, Initiative
from schemas.base import _as_utc
from tests.helpers import (
    API,
    DIRECTORY,
    INITIATOR_EMAIL,
    OTHER_EMAIL,
    assert_problem,
    contact_record,
    initiative_body,
)

Headers = dict[str, str]
ANNELIES = contact_record("annelies")
INITIATOR = {"name": "Ilse Initiatief", "email": INITIATOR_EMAIL, "phone": "06 3333 4444"}
NEIGHBOUR = {"name": "Buurvrouw Bep", "email": OTHER_EMAIL, "phone": "06 1111 2222"}


def database_text(engine: Engine) -> str:
    """Every row of every table, as text: what a search of the database would find."""
    parts = []
    with engine.connect() as connection:
        for table in schemas.metadata.sorted_tables:
            rows = connection.execute(table.select()).all()
            parts.append(f"{table.name}: {rows!r}")
    return "\n".join(parts)


def _id(location: str) -> int:
    return int(location.rsplit("/", 1)[1])


def _audit(engine: Engine) -> list[tuple[str, str, str, int]]:
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.actor_role, e.action, e.object_type, e.object_id) for e in entries]


@pytest.fixture
def accepted_introduction(
    client: TestClient, initiator: Headers, contact_key: Headers, municipality
) -> dict:
    """The test initiator's initiative, introduced to Annelies, accepted, with feedback from
    both sides; the initiative lists Annelies as known."""
    body = initiative_body(initiator=INITIATOR, knownContactIds=[municipality.contacts["annelies"]])
    initiative = client.post(f"{API}/initiatives", json=body, headers=initiator)
    assert initiative.status_code == 201, initiative.text
    created = client.post(
        f"{API}/introductions",
        json={
            "initiativeId": initiative.json()["id"],
            "contactId": municipality.contacts["annelies"],
            "message": "Mogen we eens langskomen bij Annelies?",
        },
        headers=initiator,
    )
    assert created.status_code == 201, created.text
    path = created.headers["Location"]
    accepted = client.patch(
        path, json={"status": "accepted", "feedback": "Graag, bel me maar."}, headers=contact_key
    )
    assert accepted.status_code == 200, accepted.text
    feedback = client.patch(
        path, json={"feedback": "Fijn gesprek met Annelies."}, headers=initiator
    )
    assert feedback.status_code == 200, feedback.text
    return {"initiative": initiative.json(), "introduction": feedback.json(), "path": path}


# Export.


def test_a_contact_exports_everything_held_about_them(
    client: TestClient, broker: Headers, contact_key: Headers, municipality, accepted_introduction
) -> None:
    annelies = municipality.contacts["annelies"]
    client.get(f"{API}/contacts/{annelies}", headers=broker)  # an audited read
    response = client.get(f"{API}/contacts/{annelies}/export", headers=contact_key)
    assert response.status_code == 200, response.text
    export = response.json()
    assert export["contact"]["email"] == ANNELIES["email"]
    assert export["contact"]["phone"] == ANNELIES["phone"]
    assert export["contact"]["knows"] == [municipality.contacts["bram"]]
    assert export["knownByContactIds"] == [municipality.contacts["bram"]]
    assert export["knownByInitiativeIds"] == [accepted_introduction["initiative"]["id"]]
    [introduction] = export["introductions"]
    assert introduction["message"] == "Mogen we eens langskomen bij Annelies?"
    assert introduction["contactFeedback"] == "Graag, bel me maar."
    assert introduction["initiatorFeedback"] == "Fijn gesprek met Annelies."
    assert introduction["status"] == "accepted"
    assert [key["role"] for key in export["apiKeys"]] == ["contact"]
    assert "token" not in export["apiKeys"][0]
    actions = [(e["actorRole"], e["action"]) for e in export["auditEntries"]]
    assert ("broker", "read") in actions
    assert actions[-1] == ("contact", "export")
    # Someone else's personal data is not theirs to export.
    for value in INITIATOR.values():
        assert value not in response.text
    # Only the contact themself and admins export.
    assert client.get(f"{API}/contacts/{annelies}/export", headers=broker).status_code == 403
    bram = municipality.contacts["bram"]
    assert client.get(f"{API}/contacts/{bram}/export", headers=contact_key).status_code == 403


# Erasure of a civil servant.


def test_erasing_a_contact_removes_their_data_everywhere_but_keeps_the_counts(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    contact_key: Headers,
    engine: Engine,
    municipality,
    accepted_introduction,
) -> None:
    annelies = municipality.contacts["annelies"]
    secrets = [
        ANNELIES["name"],
        ANNELIES["email"],
        ANNELIES["phone"],
        ANNELIES["expertise"],
        "Woningcorporatie Ymere",
        "Mogen we eens langskomen",
        "Graag, bel me maar.",
        "Fijn gesprek",
    ]
    assert all(secret in database_text(engine) for secret in secrets)
    before = client.get(f"{API}/introductions", headers=admin).json()

    response = client.post(f"{API}/contacts/{annelies}/erasure", headers=contact_key)
    assert response.status_code == 204, response.text

    text = database_text(engine)
    for secret in secrets:
        assert secret not in text, secret
    # Their key is revoked; they are gone for everyone, staff included.
    assert_problem(client.get(f"{API}/contacts", headers=contact_key), 401)
    assert_problem(client.get(f"{API}/contacts/{annelies}", headers=admin), 404)
    responses = [
        client.get(f"{API}/contacts?pageSize=100", headers=admin),
        client.get(f"{API}/contacts/{municipality.contacts['bram']}", headers=admin),
        client.get(f"{API}/initiatives", headers=admin),
        client.get(f"{API}/introductions", headers=admin),
        client.get(accepted_introduction["path"], headers=admin),
        client.get(f"{API}/insights/gaps?municipalityCode=GM0363", headers=admin),
        client.get(f"{API}/audit-log?pageSize=100", headers=admin),
        client.post(
            f"{API}/matches",
            json={"municipalityCode": "GM0363", "text": "wooncoöperatie energie"},
            headers=admin,
        ),
    ]
    for listing in responses:
        assert listing.status_code == 200, listing.text
        for secret in secrets:
            assert secret not in listing.text, (secret, listing.url)
    bram = client.get(f"{API}/contacts/{municipality.contacts['bram']}", headers=admin).json()
    assert annelies not in bram["knows"]
    initiative = client.get(
        f"{API}/initiatives/{accepted_introduction['initiative']['id']}", headers=admin
    ).json()
    assert initiative["knownContactIds"] == []
    # The anonymous introduction stays, with its status: counts add up as before.
    after = client.get(f"{API}/introductions", headers=admin).json()
    assert after["total"] == before["total"] == 1
    assert after["items"][0]["status"] == "accepted"
    assert after["items"][0]["message"] == ""
    assert after["items"][0]["contactFeedback"] is None
    # Idempotent: erasing again is a 204 that changes nothing.
    assert client.post(f"{API}/contacts/{annelies}/erasure", headers=admin).status_code == 204
    assert database_text(engine).count("erase") == text.count("erase")
    # Nobody can point at the erased contact again.
    bram_path = f"{API}/contacts/{municipality.contacts['bram']}"
    relink = client.patch(bram_path, json={"knows": [annelies]}, headers=broker)
    assert_problem(relink, 400, names=["knows[0]"])


def test_only_the_contact_and_admins_erase(
    client: TestClient, broker: Headers, contact_key: Headers, initiator: Headers, municipality
) -> None:
    own = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    assert own.status_code == 201  # an initiator of this municipality
    bram = f"{API}/contacts/{municipality.contacts['bram']}/erasure"
    assert_problem(client.post(bram, headers=broker), 403)
    assert_problem(client.post(bram, headers=contact_key), 403)
    assert_problem(client.post(bram, headers=initiator), 403)
    dirk = f"{API}/contacts/{municipality.contacts['dirk']}/erasure"
    assert_problem(client.post(dirk, headers=initiator), 404)  # unconsented: invisible
    assert_problem(client.post(f"{API}/contacts/99999/erasure", headers=broker), 404)
    assert (
        client.get(f"{API}/contacts/{municipality.contacts['bram']}", headers=broker).json()[
            "email"
        ]
        == contact_record("bram")["email"]
    )


# Initiators: erasure on request and after the retention period.


def test_an_initiator_erases_their_data(
    client: TestClient,
    admin: Headers,
    initiator: Headers,
    contact_key: Headers,
    engine: Engine,
    accepted_introduction,
) -> None:
    initiative_path = f"{API}/initiatives/{accepted_introduction['initiative']['id']}"
    assert client.post(initiative_path + "/erasure", headers=initiator).status_code == 204

    text = database_text(engine)
    for secret in [*INITIATOR.values(), "Mogen we eens langskomen", "Fijn gesprek"]:
        assert secret not in text, secret
    erased = client.get(initiative_path, headers=admin).json()
    assert erased["initiator"] == {"name": "", "email": "", "phone": None}
    assert erased["initiatorErasedAt"] is not None
    assert erased["title"] == accepted_introduction["initiative"]["title"]
    # Their key forgot them too (no initiative of theirs is left).
    assert_problem(client.get(initiative_path, headers=initiator), 401)
    # The contact's side no longer shows the initiator; the introduction still counts.
    seen = client.get(accepted_introduction["path"], headers=contact_key).json()
    assert seen["initiative"]["initiatorEmail"] == ""
    assert seen["status"] == "accepted"
    assert client.post(initiative_path + "/erasure", headers=admin).status_code == 204


def test_only_the_initiator_and_admins_erase_an_initiator(
    client: TestClient, broker: Headers, initiator: Headers, contact_key: Headers, municipality
) -> None:
    body = initiative_body(initiator=NEIGHBOUR)
    theirs = client.post(f"{API}/initiatives", json=body, headers=broker).headers["Location"]
    assert_problem(client.post(theirs + "/erasure", headers=initiator), 404)
    assert_problem(client.post(theirs + "/erasure", headers=broker), 403)
    assert_problem(client.post(theirs + "/erasure", headers=contact_key), 403)
    assert client.get(theirs, headers=broker).json()["initiator"]["email"] == OTHER_EMAIL


def test_closed_initiatives_lose_their_initiator_after_the_retention_period(
    client: TestClient,
    broker: Headers,
    engine: Engine,
    settings: Settings,
    municipality,
) -> None:
    closed = client.post(
        f"{API}/initiatives", json=initiative_body(initiator=NEIGHBOUR), headers=broker
    ).json()
    still_open = client.post(
        f"{API}/initiatives", json=initiative_body(initiator=INITIATOR), headers=broker
    ).json()
    reopened = client.post(
        f"{API}/initiatives", json=initiative_body(initiator=INITIATOR), headers=broker
    ).json()
    for initiative in (closed, reopened):
        path = f"{API}/initiatives/{initiative['id']}"
        response = client.patch(path, json={"stage": "closed"}, headers=broker)
        assert response.status_code == 200, response.text
        assert response.json()["closedAt"] is not None
    back = client.patch(
        f"{API}/initiatives/{reopened['id']}", json={"stage": "running"}, headers=broker
    )
    assert back.json()["closedAt"] is None

    with Session(engine, expire_on_commit=False) as session:
        closed_at = _as_utc(session.get(Initiative, closed["id"]).closed_at)
        days = settings.initiator_retention_days
        assert (
            erase_expired_initiators(session, closed_at + timedelta(days=days - 1), settings) == []
        )
        later = closed_at + timedelta(days=days, seconds=1)
        assert erase_expired_initiators(session, later, settings) == [closed["id"]]
        assert erase_expired_initiators(session, later, settings) == []  # once

    after = {
        item["id"]: item["initiator"]
        for item in client.get(f"{API}/initiatives", headers=broker).json()["items"]
    }
    assert after[closed["id"]] == {"name": "", "email": "", "phone": None}
    assert after[still_open["id"]]["email"] == INITIATOR_EMAIL
    assert after[reopened["id"]]["email"] == INITIATOR_EMAIL
    assert NEIGHBOUR["phone"] not in database_text(engine)
    assert ("system", "erase", "initiative", closed["id"]) in _audit(engine)


# The audit log.


def test_reads_and_changes_of_personal_data_are_audited(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    initiator: Headers,
    contact_key: Headers,
    engine: Engine,
    municipality,
    accepted_introduction,
) -> None:
    annelies = municipality.contacts["annelies"]
    bram = municipality.contacts["bram"]
    initiative_id = accepted_introduction["initiative"]["id"]
    introduction_id = accepted_introduction["introduction"]["id"]
    start = len(_audit(engine))

    client.get(f"{API}/contacts/{bram}", headers=broker)  # full record: audited
    client.get(f"{API}/contacts/{bram}", headers=initiator)  # profile only: not audited
    client.get(f"{API}/contacts/{annelies}", headers=contact_key)  # themself: audited
    client.patch(f"{API}/contacts/{bram}", json={"jobTitle": "Wijkregisseur"}, headers=broker)
    client.get(f"{API}/initiatives/{initiative_id}", headers=initiator)  # with initiator
    client.get(f"{API}/initiatives/{initiative_id}", headers=contact_key)  # without: not
    client.patch(f"{API}/initiatives/{initiative_id}", json={"stage": "running"}, headers=initiator)
    client.get(f"{API}/introductions/{introduction_id}", headers=contact_key)  # accepted: details
    client.get(f"{API}/contacts/{annelies}/export", headers=admin)
    client.delete(f"{API}/contacts/{municipality.contacts['eva']}", headers=broker)
    client.post(f"{API}/contacts/{bram}/erasure", headers=admin)
    client.post(f"{API}/initiatives/{initiative_id}/erasure", headers=admin)

    assert _audit(engine)[start:] == [
        ("broker", "read", "contact", bram),
        ("contact", "read", "contact", annelies),
        ("broker", "update", "contact", bram),
        ("initiator", "read", "initiative", initiative_id),
        ("initiator", "update", "initiative", initiative_id),
        ("contact", "read", "introduction", introduction_id),
        ("admin", "export", "contact", annelies),
        ("broker", "delete", "contact", municipality.contacts["eva"]),
        ("admin", "erase", "contact", bram),
        ("admin", "erase", "initiative", initiative_id),
    ]
    # Ids only: no personal data in the log.
    with engine.connect() as connection:
        rows = repr(connection.execute(AuditEntry.__table__.select()).all())
    assert "@" not in rows
    for record in DIRECTORY["contacts"]:
        assert record["name"] not in rows


def test_the_audit_log_is_paged_filtered_and_newest_first(
    client: TestClient, admin: Headers, make_key, municipality
) -> None:
    created = client.post(
        f"{API}/api-keys",
        json={"role": "broker", "subject": "auditor", "municipalityCodes": ["GM0363"]},
        headers=admin,
    ).json()
    auditor = {"Authorization": f"Bearer {created['token']}"}
    bram, chantal = municipality.contacts["bram"], municipality.contacts["chantal"]
    for contact_id in (bram, chantal, bram):
        assert client.get(f"{API}/contacts/{contact_id}", headers=auditor).status_code == 200

    page = client.get(f"{API}/audit-log", params={"actorKeyId": created["id"]}, headers=admin)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 3
    assert [e["objectId"] for e in body["items"]] == [bram, chantal, bram]  # newest first
    ids = [e["id"] for e in body["items"]]
    assert ids == sorted(ids, reverse=True)
    assert set(body["items"][0]) == {
        "id",
        "at",
        "actorRole",
        "actorKeyId",
        "action",
        "objectType",
        "objectId",
    }
    by_object = client.get(
        f"{API}/audit-log",
        params={"objectType": "contact", "objectId": bram, "action": "read", "actorRole": "broker"},
        headers=admin,
    ).json()
    assert by_object["total"] == 2
    small = client.get(f"{API}/audit-log", params={"pageSize": 1, "page": 2}, headers=admin)
    assert len(small.json()["items"]) == 1
    assert 'rel="next"' in small.headers["Link"]
    assert_problem(client.get(f"{API}/audit-log?objectType=secret", headers=admin), 400)
    assert_problem(client.get(f"{API}/audit-log", headers=auditor), 403)
    assert_problem(client.get(f"{API}/audit-log"), 401)


# The leak walk: every GET endpoint, every role, nothing shown that the role may not see.

NOTE = "Notitie GEHEIM: sprak al met het stadsdeel"
REASON = "Reden GEHEIM: collega met verlof tot maart"
ANSWER_MINE = "Antwoord aan Ilse: we helpen met een ruimte"
ANSWER_THEIRS = "Antwoord aan de buurvrouw: we verwijzen door"


@dataclass
class Walk:
    ids: object
    initiatives: dict[str, int]
    introductions: list[int]
    webhook: int
    tokens: list[str]


def _fill(walk: Walk, path: str) -> list[str]:
    """Concrete URLs for an OpenAPI GET path; every GET path needs a rule here."""
    contacts = sorted(walk.ids.contacts.values())
    initiatives = sorted(walk.initiatives.values())
    units = sorted(walk.ids.units.values())
    rules: dict[str, Callable[[], list[str]]] = {
        "/municipalities": lambda: ["/municipalities"],
        "/municipalities/{code}": lambda: ["/municipalities/GM0363"],
        "/areas": lambda: ["/areas?pageSize=100"],
        "/areas/{code}": lambda: [f"/areas/{c}" for c in ("SD0363T", "BU0363TA01")],
        "/units": lambda: ["/units?pageSize=100"],
        "/units/tree": lambda: ["/units/tree?municipalityCode=GM0363"],
        "/units/{id}": lambda: [f"/units/{i}" for i in units],
        "/contacts": lambda: ["/contacts?pageSize=100", "/contacts?q=Jansen"],
        "/contacts/{id}": lambda: [f"/contacts/{i}" for i in contacts],
        "/contacts/{id}/initiatives": lambda: [f"/contacts/{i}/initiatives" for i in contacts],
        "/contacts/{id}/export": lambda: [f"/contacts/{i}/export" for i in contacts],
        "/initiatives": lambda: ["/initiatives?pageSize=100"],
        "/initiatives/{id}": lambda: [f"/initiatives/{i}" for i in initiatives],
        "/initiatives/{id}/matches": lambda: [
            f"/initiatives/{i}/matches?limit=50" for i in initiatives
        ],
        "/initiatives/{id}/match-overrides": lambda: [
            f"/initiatives/{i}/match-overrides" for i in initiatives
        ],
        "/initiatives/{id}/notes": lambda: [f"/initiatives/{i}/notes" for i in initiatives],
        "/initiatives/{id}/history": lambda: [f"/initiatives/{i}/history" for i in initiatives],
        "/introductions": lambda: ["/introductions?pageSize=100"],
        "/introductions/{id}": lambda: [f"/introductions/{i}" for i in walk.introductions],
        "/introductions/{id}/history": lambda: [
            f"/introductions/{i}/history" for i in walk.introductions
        ],
        "/insights/gaps": lambda: ["/insights/gaps?municipalityCode=GM0363"],
        "/insights/gaps/csv": lambda: ["/insights/gaps/csv?municipalityCode=GM0363"],
        "/themes": lambda: ["/themes?municipalityCode=GM0363"],
        "/api-keys": lambda: ["/api-keys?pageSize=100"],
        "/webhooks": lambda: ["/webhooks"],
        "/webhooks/{id}": lambda: [f"/webhooks/{walk.webhook}"],
        "/webhooks/{id}/deliveries": lambda: [f"/webhooks/{walk.webhook}/deliveries"],
        "/audit-log": lambda: ["/audit-log?pageSize=100"],
        "/mail-deliveries": lambda: ["/mail-deliveries?pageSize=100"],
    }
    relative = path.removeprefix(API)
    assert relative in rules, f"GET {path} has no rule in the leak walk: add one"
    return [API + url for url in rules[relative]()]


def _forbidden(role: str) -> dict[str, str]:
    """What a role must never see: label → value."""
    secrets: dict[str, str] = {}
    if role in ("admin", "broker"):
        return secrets
    for record in DIRECTORY["contacts"]:
        if role == "contact" and record["key"] == "annelies":
            continue  # their own record
        secrets[f"{record['key']} email"] = record["email"]
        if "phone" in record:
            secrets[f"{record['key']} phone"] = record["phone"]
        if "consentAt" in record:
            secrets[f"{record['key']} consent"] = record["consentAt"]
        if not record.get("publicProfile") or "consentAt" not in record:
            secrets[f"{record['key']} name"] = record["name"]
    for label, value in NEIGHBOUR.items():
        secrets[f"neighbour initiator {label}"] = value
    if role != "initiator":
        for label, value in INITIATOR.items():
            secrets[f"initiator {label}"] = value
        secrets["the answer to the initiator"] = ANSWER_MINE
    # The broker's desk is for staff only; an answer only for its own initiator.
    secrets["a private note"] = NOTE
    secrets["a broker's reason"] = REASON
    secrets["the answer to the neighbour"] = ANSWER_THEIRS
    return secrets


@pytest.fixture
def walk(
    client: TestClient,
    admin: Headers,
    broker: Headers,
    initiator: Headers,
    municipality,
    role_headers: dict[str, Headers],
) -> Walk:
    annelies, bram = municipality.contacts["annelies"], municipality.contacts["bram"]
    theirs = client.post(
        f"{API}/initiatives",
        json=initiative_body(initiator=NEIGHBOUR, knownContactIds=[annelies]),
        headers=broker,
    ).json()["id"]
    mine = client.post(
        f"{API}/initiatives", json=initiative_body(initiator=INITIATOR), headers=initiator
    ).json()["id"]
    introductions = []
    # Requested, not accepted: neither side sees the other's details yet.
    for initiative_id, contact_id, headers in ((theirs, annelies, broker), (mine, bram, initiator)):
        response = client.post(
            f"{API}/introductions",
            json={"initiativeId": initiative_id, "contactId": contact_id, "message": "Hallo"},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        introductions.append(response.json()["id"])
    webhook = client.post(
        f"{API}/webhooks", json={"url": "https://portaal.example/hooks"}, headers=broker
    ).json()["id"]
    # The broker's desk: a pin with a reason, a note and an answer on each initiative.
    for initiative_id, answer in ((theirs, ANSWER_THEIRS), (mine, ANSWER_MINE)):
        for path, body in (
            ("match-overrides", {"contactId": annelies, "action": "pin", "reason": REASON}),
            ("notes", {"text": NOTE}),
        ):
            made = client.post(
                f"{API}/initiatives/{initiative_id}/{path}", json=body, headers=broker
            )
            assert made.status_code == 201, made.text
        answered = client.put(
            f"{API}/initiatives/{initiative_id}/response",
            json={"status": "in_progress", "text": answer},
            headers=broker,
        )
        assert answered.status_code == 200, answered.text
    tokens = [h["Authorization"].removeprefix("Bearer ") for h in role_headers.values() if h]
    return Walk(
        ids=municipality,
        initiatives={"theirs": theirs, "mine": mine},
        introductions=introductions,
        webhook=webhook,
        tokens=tokens,
    )


@pytest.mark.parametrize("role", ["anonymous", "initiator", "contact", "broker", "admin"])
def test_no_get_endpoint_leaks_personal_data(
    client: TestClient, role_headers: dict[str, Headers], walk: Walk, role: str
) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    get_paths = [path for path, item in paths.items() if "get" in item]
    assert len(get_paths) >= 20
    forbidden = _forbidden(role)
    never = {f"token {i}": t for i, t in enumerate(walk.tokens)}
    never |= {
        f"hash {i}": hashlib.sha256(t.encode()).hexdigest() for i, t in enumerate(walk.tokens)
    }
    seen_ok = 0
    for path in get_paths:
        for url in _fill(walk, path):
            response = client.get(url, headers=role_headers[role])
            assert response.status_code < 500, (url, response.text)
            seen_ok += response.status_code == 200
            for label, value in {**forbidden, **never}.items():
                assert value not in response.text, f"{role} sees {label} in GET {url}"
            if role not in ("admin", "broker"):
                # No email address at all but the caller's own and units' public channels.
                own = {"contact": ANNELIES["email"], "initiator": INITIATOR_EMAIL}.get(role)
                emails = set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.-]+", response.text))
                emails -= {own, "wonen@amsterdam.example"}
                assert not emails, (url, emails)
    assert seen_ok > 5


def test_the_purge_command_erases_expired_initiators(
    client: TestClient,
    broker: Headers,
    engine: Engine,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    municipality,
) -> None:
    import json

    from typer.testing import CliRunner

    from api.cli.main import app

    body = initiative_body(initiator=NEIGHBOUR, stage="closed")
    created = client.post(f"{API}/initiatives", json=body, headers=broker).json()
    assert created["closedAt"] is not None
    with Session(engine) as session:
        initiative = session.get(Initiative, created["id"])
        initiative.closed_at = _as_utc(initiative.closed_at) - timedelta(days=400)
        session.add(initiative)
        session.commit()

    monkeypatch.setenv("WEGWIJS_DATABASE_URL", database_url)
    monkeypatch.setenv("WEGWIJS_INITIATOR_RETENTION_DAYS", "365")
    result = CliRunner().invoke(app, ["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"erasedInitiatives": [created["id"]], "purgedMails": 0}
    assert OTHER_EMAIL not in database_text(engine)
