"""Tenancy: one deployment, many municipalities. Keys act for their own municipalities only.

``test_every_operation_is_confined`` walks **every operation in the OpenAPI document** with a
key of each role for municipality A (GM0363) against the records of municipality B (GM0599),
and fails on any answer that reveals B's data or changes it. Every operation needs a rule in
``RULES``: a new endpoint without one fails ``test_every_operation_has_a_confinement_rule``
(and the walk), so it cannot be added without deciding how it is confined.

B's private data carries marker strings (``SECRET``) in every field a stranger must never see:
emails and phones, the hidden name, the initiative's text and initiator, the introduction's
message, the webhook's URL, the broker key's subject. After every call that is not a GET the
whole of B (as a national admin sees it) must be as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import API, INITIATOR_EMAIL, assert_problem, initiative_body

Headers = dict[str, str]
B = "GM0599"
SECRET = "GEHEIM"  # in every private marker below
B_EMAIL = f"{SECRET.lower()}-ambtenaar@rotterdam.example"
B_HIDDEN_NAME = f"Verborgen {SECRET} Rotterdammer"
B_PHONE = "+31 10 555 7777"
B_INITIATOR = f"{SECRET.lower()}-bewoner@rotterdam.example"
B_TITLE = f"Moestuin {SECRET} Feijenoord"
B_MESSAGE = f"Bericht {SECRET} voor Rotterdam"
B_HOOK = f"https://{SECRET.lower()}-portaal.example/hooks"
B_KEY_SUBJECT = f"makelaar-{SECRET.lower()}"
B_REASON = f"Reden {SECRET}: kent de moestuinders"
B_NOTE = f"Notitie {SECRET}: sprak al met de deelgemeente"
B_ANSWER = f"Antwoord {SECRET}: we zoeken een plek"
MARKERS = (SECRET, SECRET.lower(), B_PHONE)
GUESSED_TOKEN = "Gok" * 14

ROLES = ("anonymous", "admin", "broker", "portal", "contact", "initiator")


@dataclass
class Town:
    """Municipality B's records, made by a national admin."""

    unit: int
    unit_empty: int
    public_contact: int
    hidden_contact: int
    initiative: int
    introduction: int
    webhook: int
    key: int
    override: int
    note: int
    area: str = "SD0599A"


def _b_directory() -> dict:
    def contact(key: str, name: str, public: bool, **fields: Any) -> dict:
        return {
            "key": key,
            "unitKey": "wijk",
            "name": name,
            "jobTitle": "Wijkregisseur participatie",
            "email": f"{key}-{B_EMAIL}",
            "phone": B_PHONE,
            "themes": ["participatie-en-democratie", "openbare-ruimte-en-groen"],
            "expertise": "Bewoners die meedoen: moestuinen, buurtinitiatieven, participatie.",
            "consentAt": "2026-01-10T08:00:00Z",
            "publicProfile": public,
            **fields,
        }

    return {
        "municipalities": [{"code": B, "name": "Rotterdam"}],
        "areas": [{"code": "SD0599A", "name": "Feijenoord", "municipalityCode": B}],
        "units": [
            {"key": "wijk", "municipalityCode": B, "name": "Wijkteam Feijenoord", "kind": "team"},
            {"key": "leeg", "municipalityCode": B, "name": "Team Leeg", "kind": "team"},
        ],
        "contacts": [
            contact("open", "Openbare Rotterdammer", True),
            contact("verborgen", B_HIDDEN_NAME, False),
        ],
    }


@pytest.fixture
def town_b(client: TestClient, admin: Headers) -> Town:
    imported = client.post(f"{API}/imports", json=_b_directory(), headers=admin)
    assert imported.status_code == 201, imported.text
    ids = imported.json()
    body = initiative_body(
        B,
        title=B_TITLE,
        description=f"Een moestuin waar bewoners meedoen ({SECRET}).",
        initiator={"name": f"Bewoner {SECRET}", "email": B_INITIATOR, "phone": B_PHONE},
    )
    initiative = client.post(f"{API}/initiatives", json=body, headers=admin)
    assert initiative.status_code == 201, initiative.text
    # One nobody in B covers: a gap in B's broken-connections report.
    gap = initiative_body(
        B,
        title=f"Hengelclub {SECRET}",
        description="Een vijver om te vissen met de hengelclub.",
        initiator={"name": "Visser", "email": B_INITIATOR},
    )
    assert client.post(f"{API}/initiatives", json=gap, headers=admin).status_code == 201
    introduction = client.post(
        f"{API}/introductions",
        json={
            "initiativeId": initiative.json()["id"],
            "contactId": ids["contacts"]["verborgen"],
            "message": B_MESSAGE,
        },
        headers=admin,
    )
    assert introduction.status_code == 201, introduction.text
    hook = client.post(
        f"{API}/webhooks",
        json={"url": B_HOOK, "description": f"Portaal {SECRET}", "municipalityCodes": [B]},
        headers=admin,
    )
    assert hook.status_code == 201, hook.text
    key = client.post(
        f"{API}/api-keys",
        json={"role": "broker", "subject": B_KEY_SUBJECT, "municipalityCodes": [B]},
        headers=admin,
    )
    assert key.status_code == 201, key.text
    terms = client.put(
        f"{API}/themes/{B}", json={"terms": {"wonen": ["kadewoning"]}}, headers=admin
    )
    assert terms.status_code == 200, terms.text
    # The broker's desk of B's initiative: a pin, a note and an answer, each with a secret.
    desk = f"{API}/initiatives/{initiative.json()['id']}"
    override = client.post(
        f"{desk}/match-overrides",
        json={"contactId": ids["contacts"]["open"], "action": "pin", "reason": B_REASON},
        headers=admin,
    )
    assert override.status_code == 201, override.text
    note = client.post(f"{desk}/notes", json={"text": B_NOTE}, headers=admin)
    assert note.status_code == 201, note.text
    answer = {"status": "in_progress", "text": B_ANSWER}
    assert client.put(f"{desk}/response", json=answer, headers=admin).status_code == 200
    # Reads of B by the national admin: the audit log has entries about B's records.
    assert client.get(f"{API}/contacts/{ids['contacts']['verborgen']}", headers=admin)
    assert client.get(f"{desk}/notes", headers=admin).status_code == 200
    return Town(
        unit=ids["units"]["wijk"],
        unit_empty=ids["units"]["leeg"],
        public_contact=ids["contacts"]["open"],
        hidden_contact=ids["contacts"]["verborgen"],
        initiative=initiative.json()["id"],
        introduction=introduction.json()["id"],
        webhook=hook.json()["id"],
        key=key.json()["id"],
        override=override.json()["id"],
        note=note.json()["id"],
    )


@pytest.fixture
def keys_of_a(
    client: TestClient, admin: Headers, make_key: Callable[..., Headers], municipality
) -> dict[str, Headers]:
    """A key of every role for municipality A (GM0363), and no key for anonymous callers."""
    initiator = make_key("initiator", INITIATOR_EMAIL)
    own = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    assert own.status_code == 201, own.text  # the initiator's initiative is in A
    return {
        "anonymous": {},
        "admin": make_key("admin", municipality_codes=["GM0363"]),
        "broker": make_key("broker", "makelaar-a", municipality_codes=["GM0363"]),
        "portal": make_key("portal", "portaal-a", municipality_codes=["GM0363"]),
        "contact": make_key("contact", str(municipality.contacts["annelies"])),
        "initiator": initiator,
    }


# The rules: how each operation is aimed at B, and what kind of answer a key of A may get.
#   private: B's record or report: never a 2xx (404 for a record, 403 for a report)
#   list:    a collection: a 2xx without anything of B's
#   public:  the organisation map, open to all: a 2xx is fine, but never B's private data
#   write:   a change to B: never a 2xx, and B stays as it was
# ``may`` names roles for which a 2xx is legitimate (with the reason in a comment); those
# answers are still checked for B's private data.


@dataclass(frozen=True)
class Rule:
    kind: str
    path: Callable[[Town], str] = lambda b: ""
    body: Callable[[Town], Any] | None = None
    may: frozenset[str] = field(default_factory=frozenset)
    # Whether B's answer holds a marker (its history holds statuses only: any 2xx counts).
    marked: bool = True

    def target(self, template: str, b: Town) -> str:
        return self.path(b) or template


def _p(text: str) -> Callable[[Town], str]:
    return lambda b: API + text.format(b=b, B=B)


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/municipalities"): Rule("public", _p("/municipalities")),
    ("POST", "/municipalities"): Rule(
        "write", _p("/municipalities"), lambda b: {"code": B, "name": "Overgenomen"}
    ),
    ("GET", "/municipalities/{code}"): Rule("public", _p("/municipalities/{B}")),
    ("PATCH", "/municipalities/{code}"): Rule(
        "write", _p("/municipalities/{B}"), lambda b: {"name": "Gekaapt"}
    ),
    ("DELETE", "/municipalities/{code}"): Rule("write", _p("/municipalities/{B}")),
    ("GET", "/areas"): Rule("public", _p("/areas?municipalityCode={B}")),
    ("POST", "/areas"): Rule(
        "write",
        _p("/areas"),
        lambda b: {"code": "SD0599Z", "name": "Nieuw", "municipalityCode": B},
    ),
    ("GET", "/areas/{code}"): Rule("public", _p("/areas/{b.area}")),
    ("PATCH", "/areas/{code}"): Rule("write", _p("/areas/{b.area}"), lambda b: {"name": "Gekaapt"}),
    ("DELETE", "/areas/{code}"): Rule("write", _p("/areas/{b.area}")),
    ("GET", "/units"): Rule("public", _p("/units?municipalityCode={B}")),
    ("GET", "/units/tree"): Rule("public", _p("/units/tree?municipalityCode={B}")),
    ("POST", "/units"): Rule(
        "write",
        _p("/units"),
        lambda b: {"municipalityCode": B, "name": "Ingedrongen", "kind": "team"},
    ),
    ("GET", "/units/{id}"): Rule("public", _p("/units/{b.unit}")),
    ("PATCH", "/units/{id}"): Rule("write", _p("/units/{b.unit}"), lambda b: {"name": "Gekaapt"}),
    ("DELETE", "/units/{id}"): Rule("write", _p("/units/{b.unit_empty}")),
    # Any key may read listed contacts' profiles (no contact details, names only where
    # public): initiators (of any municipality) too; everyone else sees their own only.
    ("GET", "/contacts"): Rule("list", _p("/contacts?municipalityCode={B}&pageSize=100")),
    ("POST", "/contacts"): Rule(
        "write",
        _p("/contacts"),
        lambda b: {
            "unitId": b.unit,
            "name": "Ingedrongen",
            "jobTitle": "Spion",
            "email": "spion@example.org",
        },
    ),
    ("GET", "/contacts/{id}"): Rule("private", _p("/contacts/{b.hidden_contact}")),
    ("PATCH", "/contacts/{id}"): Rule(
        "write", _p("/contacts/{b.hidden_contact}"), lambda b: {"jobTitle": "Gekaapt"}
    ),
    ("DELETE", "/contacts/{id}"): Rule("write", _p("/contacts/{b.hidden_contact}")),
    ("GET", "/contacts/{id}/initiatives"): Rule(
        "private", _p("/contacts/{b.hidden_contact}/initiatives")
    ),
    ("GET", "/contacts/{id}/export"): Rule("private", _p("/contacts/{b.hidden_contact}/export")),
    ("POST", "/contacts/{id}/erasure"): Rule("write", _p("/contacts/{b.hidden_contact}/erasure")),
    ("GET", "/initiatives"): Rule("list", _p("/initiatives?municipalityCode={B}")),
    ("POST", "/initiatives"): Rule(
        "write",
        _p("/initiatives"),
        lambda b: initiative_body(B, title="Ingedrongen plan"),
        # An initiator registers an initiative wherever they live: their own, in B.
        may=frozenset({"initiator"}),
    ),
    ("GET", "/initiatives/{id}"): Rule("private", _p("/initiatives/{b.initiative}")),
    ("PATCH", "/initiatives/{id}"): Rule(
        "write", _p("/initiatives/{b.initiative}"), lambda b: {"title": "Gekaapt"}
    ),
    ("DELETE", "/initiatives/{id}"): Rule("write", _p("/initiatives/{b.initiative}")),
    ("GET", "/initiatives/{id}/matches"): Rule(
        "private", _p("/initiatives/{b.initiative}/matches")
    ),
    ("POST", "/initiatives/{id}/erasure"): Rule("write", _p("/initiatives/{b.initiative}/erasure")),
    # The broker's desk of B's initiative: B's own staff only.
    ("POST", "/initiatives/{id}/match-overrides"): Rule(
        "write",
        _p("/initiatives/{b.initiative}/match-overrides"),
        lambda b: {"contactId": b.public_contact, "action": "exclude", "reason": "Ingedrongen"},
    ),
    ("GET", "/initiatives/{id}/match-overrides"): Rule(
        "private", _p("/initiatives/{b.initiative}/match-overrides")
    ),
    ("DELETE", "/initiatives/{id}/match-overrides/{overrideId}"): Rule(
        "write", _p("/initiatives/{b.initiative}/match-overrides/{b.override}")
    ),
    ("POST", "/initiatives/{id}/notes"): Rule(
        "write", _p("/initiatives/{b.initiative}/notes"), lambda b: {"text": "Ingedrongen"}
    ),
    ("GET", "/initiatives/{id}/notes"): Rule("private", _p("/initiatives/{b.initiative}/notes")),
    ("DELETE", "/initiatives/{id}/notes/{noteId}"): Rule(
        "write", _p("/initiatives/{b.initiative}/notes/{b.note}")
    ),
    ("PUT", "/initiatives/{id}/response"): Rule(
        "write",
        _p("/initiatives/{b.initiative}/response"),
        lambda b: {"status": "declined", "text": "Gekaapt"},
    ),
    ("GET", "/initiatives/{id}/history"): Rule(
        "private", _p("/initiatives/{b.initiative}/history"), marked=False
    ),
    # Anyone may ask about any municipality and sees public names only; a key that acts for
    # municipalities (and would see more) is held to them.
    ("POST", "/matches"): Rule(
        "public",
        _p("/matches"),
        lambda b: {
            "municipalityCode": B,
            "text": "Bewoners willen meedoen: participatie en een moestuin in de wijk",
            "themes": ["participatie-en-democratie"],
            "limit": 50,
        },
    ),
    ("GET", "/introductions"): Rule("list", _p("/introductions?initiativeId={b.initiative}")),
    ("POST", "/introductions"): Rule(
        "write",
        _p("/introductions"),
        lambda b: {"initiativeId": b.initiative, "contactId": b.public_contact},
    ),
    ("GET", "/introductions/{id}"): Rule("private", _p("/introductions/{b.introduction}")),
    ("PATCH", "/introductions/{id}"): Rule(
        "write", _p("/introductions/{b.introduction}"), lambda b: {"status": "cancelled"}
    ),
    ("GET", "/introductions/{id}/history"): Rule(
        "private", _p("/introductions/{b.introduction}/history"), marked=False
    ),
    ("GET", "/insights/gaps"): Rule("private", _p("/insights/gaps?municipalityCode={B}")),
    ("GET", "/insights/gaps/csv"): Rule("private", _p("/insights/gaps/csv?municipalityCode={B}")),
    ("GET", "/themes"): Rule("public", _p("/themes?municipalityCode={B}")),
    ("PUT", "/themes/{municipalityCode}"): Rule(
        "write", _p("/themes/{B}"), lambda b: {"terms": {"jeugd": ["overgenomen"]}}
    ),
    ("POST", "/imports"): Rule(
        "write", _p("/imports"), lambda b: {"municipalities": [{"code": B, "name": "Gekaapt"}]}
    ),
    ("POST", "/api-keys"): Rule(
        "write", _p("/api-keys"), lambda b: {"role": "broker", "municipalityCodes": [B]}
    ),
    ("GET", "/api-keys"): Rule("list", _p("/api-keys?pageSize=100")),
    ("DELETE", "/api-keys/{id}"): Rule("write", _p("/api-keys/{b.key}")),
    ("POST", "/api-keys/{id}/rotation"): Rule(
        "write", _p("/api-keys/{b.key}/rotation"), lambda b: {"graceSeconds": 60}
    ),
    ("POST", "/webhooks"): Rule(
        "write",
        _p("/webhooks"),
        lambda b: {"url": "https://afluisteraar.example/hooks", "municipalityCodes": [B]},
    ),
    ("GET", "/webhooks"): Rule("list", _p("/webhooks?pageSize=100")),
    ("GET", "/webhooks/{id}"): Rule("private", _p("/webhooks/{b.webhook}")),
    ("PATCH", "/webhooks/{id}"): Rule(
        "write", _p("/webhooks/{b.webhook}"), lambda b: {"url": "https://afluisteraar.example/h"}
    ),
    ("DELETE", "/webhooks/{id}"): Rule("write", _p("/webhooks/{b.webhook}")),
    ("GET", "/webhooks/{id}/deliveries"): Rule(
        "private", _p("/webhooks/{b.webhook}/deliveries"), marked=False
    ),
    ("GET", "/audit-log"): Rule("list", _p("/audit-log?pageSize=100")),
    # Anyone may ask for a link to any address: the mail goes to that address only, and the
    # answer is the same for every address (so it shows nothing of B's civil servant).
    ("POST", "/sign-in-links"): Rule(
        "public", _p("/sign-in-links"), lambda b: {"email": f"verborgen-{B_EMAIL}"}
    ),
    # The tokens of mails are secrets only their addressee holds: a key of A has none of B's,
    # and a guess gets nothing (tests/api/test_introduction_responses.py: a token answers
    # only its own introduction).
    ("POST", "/sessions"): Rule("write", _p("/sessions"), lambda b: {"token": GUESSED_TOKEN}),
    ("POST", "/introduction-responses/preview"): Rule(
        "private", _p("/introduction-responses/preview"), lambda b: {"token": GUESSED_TOKEN}
    ),
    ("POST", "/introduction-responses"): Rule(
        "write",
        _p("/introduction-responses"),
        lambda b: {"token": GUESSED_TOKEN, "status": "accepted"},
    ),
    # B's mails (the request to B's civil servant, about B's initiative) are B's.
    ("GET", "/mail-deliveries"): Rule("list", _p("/mail-deliveries?pageSize=100")),
}


def _operations(client: TestClient) -> set[tuple[str, str]]:
    """Every operation of the OpenAPI document (its paths are relative to /api/v1)."""
    paths = client.app.openapi()["paths"]
    return {
        (method.upper(), path)
        for path, item in paths.items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_operation_has_a_confinement_rule(client: TestClient) -> None:
    """A new endpoint must be given a rule above (and so be walked) before it can ship."""
    operations = _operations(client)
    assert operations - set(RULES) == set(), "operations without a tenancy rule"
    assert set(RULES) - operations == set(), "rules for operations that no longer exist"


def _snapshot(client: TestClient, admin: Headers, b: Town) -> dict[str, Any]:
    """All of B as a national admin sees it (and every key: a new one for B shows here)."""
    paths = [
        f"/municipalities/{B}",
        f"/areas?municipalityCode={B}",
        f"/units?municipalityCode={B}&pageSize=100",
        f"/contacts?municipalityCode={B}&pageSize=100",
        f"/initiatives?municipalityCode={B}&pageSize=100",
        f"/introductions?initiativeId={b.initiative}",
        f"/introductions/{b.introduction}/history",
        f"/initiatives/{b.initiative}/match-overrides",
        f"/initiatives/{b.initiative}/notes",
        f"/initiatives/{b.initiative}/history",
        f"/themes?municipalityCode={B}",
        "/webhooks?pageSize=100",
        f"/webhooks/{b.webhook}/deliveries",
        "/api-keys?pageSize=100",
    ]
    return {path: client.get(API + path, headers=admin).json() for path in paths}


def _reveals(response: Any, b: Town) -> str | None:
    """Which of B's private data the answer shows, if any."""
    text = response.text
    for marker in MARKERS:
        if marker in text:
            return marker
    if response.request.url.path.endswith("/audit-log") and response.status_code == 200:
        # Entries about B's records (ids only, so no marker): who read B's people.
        b_records = {
            ("contact", b.hidden_contact),
            ("contact", b.public_contact),
            ("initiative", b.initiative),
            ("introduction", b.introduction),
            ("api_key", b.key),
            ("initiative_note", b.note),
            ("match_override", b.override),
        }
        for entry in response.json()["items"]:
            if (entry["objectType"], entry["objectId"]) in b_records:
                return f"audit entry {entry}"
    if (
        response.request.url.path.endswith("/api-keys")
        and response.status_code == 200
        and any(item["id"] == b.key for item in response.json()["items"])
    ):
        return "B's key"
    return None


def test_every_operation_is_confined(
    client: TestClient, admin: Headers, town_b: Town, keys_of_a: dict[str, Headers]
) -> None:
    b = town_b
    operations = sorted(_operations(client))
    missing = [operation for operation in operations if operation not in RULES]
    assert missing == [], "operations without a tenancy rule"
    baseline = _snapshot(client, admin, b)
    tried = 0
    problems: list[str] = []
    for method, template in operations:
        rule = RULES[(method, template)]
        path = rule.target(template, b)
        if method == "GET":
            # The control: a national admin does get B's record here (the probe is aimed
            # right), and where it is B's private data, sees the markers.
            control = client.get(path, headers=admin)
            assert control.status_code == 200, (method, template, control.text)
            if rule.kind in ("private", "list") and rule.marked:
                assert _reveals(control, b), (method, template, "control shows nothing of B")
        for role in ROLES:
            body = rule.body(b) if rule.body else None
            response = client.request(method, path, json=body, headers=keys_of_a[role])
            tried += 1
            label = f"{role} {method} {template} → {response.status_code}"
            assert response.status_code < 500, label + " " + response.text
            ok = 200 <= response.status_code < 300
            if ok and rule.kind in ("private", "write") and role not in rule.may:
                problems.append(f"{label}: a 2xx for B's record")
            if not ok:
                assert_problem(response, response.status_code)
            shown = _reveals(response, b)
            if shown:
                problems.append(f"{label}: reveals {shown}")
            if method != "GET":
                now = _snapshot(client, admin, b)
                if role in rule.may and ok:
                    baseline = now  # a legitimate change (see the rule)
                elif now != baseline:
                    problems.append(f"{label}: changed B")
                    baseline = now
    assert problems == []
    assert tried == len(operations) * len(ROLES)
    print(f"\ntenancy walk: {len(operations)} operations × {len(ROLES)} roles = {tried} calls")


# The rules in words, each on its own (the walk above finds any leak; these say the status).


def test_reads_of_another_municipalitys_records_are_404(
    client: TestClient, town_b: Town, keys_of_a: dict[str, Headers]
) -> None:
    for role in ("admin", "broker", "contact"):
        for path in (
            f"/contacts/{town_b.hidden_contact}",
            f"/contacts/{town_b.public_contact}",
            f"/initiatives/{town_b.initiative}",
            f"/introductions/{town_b.introduction}",
        ):
            assert_problem(client.get(API + path, headers=keys_of_a[role]), 404)
    for role in ("admin", "broker"):
        assert_problem(client.get(f"{API}/webhooks/{town_b.webhook}", headers=keys_of_a[role]), 404)
    assert_problem(client.delete(f"{API}/api-keys/{town_b.key}", headers=keys_of_a["admin"]), 404)


def test_writes_that_name_another_municipality_are_403(
    client: TestClient, town_b: Town, keys_of_a: dict[str, Headers]
) -> None:
    broker, admin_a = keys_of_a["broker"], keys_of_a["admin"]
    assert_problem(
        client.post(
            f"{API}/units",
            json={"municipalityCode": B, "name": "X", "kind": "team"},
            headers=broker,
        ),
        403,
    )
    assert_problem(
        client.patch(f"{API}/units/{town_b.unit}", json={"name": "X"}, headers=broker), 403
    )
    assert_problem(client.put(f"{API}/themes/{B}", json={"terms": {}}, headers=broker), 403)
    assert_problem(client.get(f"{API}/insights/gaps?municipalityCode={B}", headers=broker), 403)
    assert_problem(client.post(f"{API}/initiatives", json=initiative_body(B), headers=broker), 403)
    assert_problem(
        client.post(
            f"{API}/imports", json={"municipalities": [{"code": B, "name": "X"}]}, headers=admin_a
        ),
        403,
    )
    assert_problem(
        client.post(
            f"{API}/api-keys", json={"role": "broker", "municipalityCodes": [B]}, headers=admin_a
        ),
        403,
    )
    assert_problem(
        client.post(
            f"{API}/webhooks",
            json={"url": "https://x.example/h", "municipalityCodes": [B]},
            headers=broker,
        ),
        403,
    )


def test_lists_hold_only_the_keys_own_municipalities(
    client: TestClient, admin: Headers, town_b: Town, keys_of_a: dict[str, Headers]
) -> None:
    broker = keys_of_a["broker"]
    everyone = client.get(f"{API}/contacts?pageSize=100", headers=admin).json()
    assert {c["municipalityCode"] for c in everyone["items"]} == {"GM0363", B}
    own = client.get(f"{API}/contacts?pageSize=100", headers=broker).json()
    assert {c["municipalityCode"] for c in own["items"]} == {"GM0363"}
    assert own["total"] == 6
    initiatives = client.get(f"{API}/initiatives", headers=broker).json()
    assert {i["municipalityCode"] for i in initiatives["items"]} == {"GM0363"}
    assert client.get(f"{API}/webhooks", headers=broker).json()["total"] == 0
    assert client.get(f"{API}/webhooks", headers=admin).json()["total"] == 1


def test_only_a_national_admin_creates_municipalities_and_national_or_initiator_keys(
    client: TestClient, admin: Headers, keys_of_a: dict[str, Headers]
) -> None:
    admin_a = keys_of_a["admin"]
    assert_problem(
        client.post(f"{API}/municipalities", json={"code": "GM0014", "name": "G"}, headers=admin_a),
        403,
    )
    assert_problem(client.post(f"{API}/api-keys", json={"role": "admin"}, headers=admin_a), 403)
    assert_problem(
        client.post(
            f"{API}/api-keys", json={"role": "initiator", "subject": "a@b.example"}, headers=admin_a
        ),
        403,
    )
    # Within its own municipality a municipal admin issues keys, and sees them listed.
    made = client.post(
        f"{API}/api-keys",
        json={"role": "broker", "subject": "nieuw", "municipalityCodes": ["GM0363"]},
        headers=admin_a,
    )
    assert made.status_code == 201, made.text
    listed = client.get(f"{API}/api-keys?pageSize=100", headers=admin_a).json()["items"]
    assert made.json()["id"] in {key["id"] for key in listed}
    assert all(
        (key["municipalityCodes"] and set(key["municipalityCodes"]) <= {"GM0363"})
        or key["role"] == "contact"
        for key in listed
    )
    created = client.post(
        f"{API}/municipalities", json={"code": "GM0014", "name": "Groningen"}, headers=admin
    )
    assert created.status_code == 201


def test_broker_and_portal_keys_name_a_municipality(client: TestClient, admin: Headers) -> None:
    for role in ("broker", "portal"):
        assert_problem(
            client.post(f"{API}/api-keys", json={"role": role}, headers=admin),
            400,
            names=["municipalityCodes"],
        )
    assert_problem(
        client.post(
            f"{API}/api-keys",
            json={"role": "initiator", "subject": "a@b.example", "municipalityCodes": ["GM0363"]},
            headers=admin,
        ),
        400,
        names=["municipalityCodes"],
    )


def test_a_webhook_receives_only_its_municipalities_events(
    client: TestClient, admin: Headers, town_b: Town, keys_of_a: dict[str, Headers], engine
) -> None:
    from sqlmodel import Session, select

    from schemas import WebhookDelivery

    hook_a = client.post(
        f"{API}/webhooks", json={"url": "https://portaal-a.example/h"}, headers=keys_of_a["broker"]
    )
    assert hook_a.status_code == 201, hook_a.text
    assert hook_a.json()["municipalityCodes"] == ["GM0363"]
    # An event in B: B's subscription gets it, A's does not.
    changed = client.patch(
        f"{API}/introductions/{town_b.introduction}", json={"status": "cancelled"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    with Session(engine) as session:
        receivers = session.exec(
            select(WebhookDelivery.subscription_id, WebhookDelivery.event_type)
        ).all()
    assert hook_a.json()["id"] not in {subscription for subscription, _ in receivers}
    # B's answer (the fixture) and the cancellation (it subscribed after the request).
    assert sorted(receivers) == [
        (town_b.webhook, "initiative.response_changed"),
        (town_b.webhook, "introduction.status_changed"),
    ]
