"""The role matrix: every role against every endpoint family, and what each role may see."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import (
    API,
    INITIATOR_EMAIL,
    OTHER_EMAIL,
    PERSONAL_CONTACT_FIELDS,
    area_body,
    assert_problem,
    contact_body,
    contact_record,
    initiative_body,
    municipality_body,
    unit_body,
)

Headers = dict[str, str]
ROLES = ("anonymous", "admin", "broker", "contact", "initiator", "portal")
EVERYONE = frozenset(ROLES)
# A portal key may do what anonymous callers may, and no more.
KEYED = EVERYONE - {"anonymous", "portal"}
STAFF = frozenset({"admin", "broker"})
ADMIN = frozenset({"admin"})


@dataclass
class World:
    """What a case may need: the client, an admin, and the imported municipality's ids."""

    client: TestClient
    admin: Headers
    ids: Any

    def create(self, collection: str, body: dict) -> str:
        response = self.client.post(f"{API}/{collection}", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return response.headers["Location"]

    def introduction_to_bram(self) -> str:
        """An introduction, asked by staff, for someone else's initiative to Bram (so neither
        the test's contact key, Annelies, nor its initiator is a party to it)."""
        initiative_id = int(self.others_initiative().rsplit("/", 1)[1])
        body = {"initiativeId": initiative_id, "contactId": self.ids.contacts["bram"]}
        return self.create("introductions", body)

    def others_initiative(self) -> str:
        """An initiative of someone else than the test's initiator."""
        body = initiative_body(initiator={"name": "Buurvrouw", "email": OTHER_EMAIL})
        return self.create("initiatives", body)

    def own_initiative(self) -> str:
        """An initiative of the test's initiator."""
        return self.create("initiatives", initiative_body(title="Eigen plan"))

    def desk(self, initiative: str, path: str, body: dict) -> str:
        """Something on the broker's desk of an initiative, made by the admin token."""
        return self.create(initiative.removeprefix(f"{API}/") + "/" + path, body)

    def pin(self) -> dict:
        return {"contactId": self.ids.contacts["annelies"], "action": "pin", "reason": "Kent ze"}


@dataclass
class Case:
    name: str
    method: str
    path: Callable[[World], str]
    ok: int
    allowed: frozenset[str]
    body: Callable[[World], Any] | None = None
    # Denials other than the usual 401 (anonymous) / 403 (a key without the role).
    denied: dict[str, int] = field(default_factory=dict)

    def expected(self, role: str) -> int:
        if role in self.allowed:
            return self.ok
        return self.denied.get(role, 401 if role == "anonymous" else 403)


HOOK = {"url": "https://portaal.example/hooks", "municipalityCodes": ["GM0363"]}


def _contact(key: str) -> Callable[[World], str]:
    return lambda w: f"{API}/contacts/{w.ids.contacts[key]}"


CASES = [
    # The organisation map is public.
    Case("municipalities list", "GET", lambda w: f"{API}/municipalities", 200, EVERYONE),
    Case("municipalities get", "GET", lambda w: f"{API}/municipalities/GM0363", 200, EVERYONE),
    Case(
        "municipalities create",
        "POST",
        lambda w: f"{API}/municipalities",
        201,
        ADMIN,
        body=lambda w: municipality_body(),
    ),
    Case(
        "municipalities update",
        "PATCH",
        lambda w: f"{API}/municipalities/GM0363",
        200,
        ADMIN,
        body=lambda w: {"name": "Mokum"},
    ),
    Case(
        "municipalities delete",
        "DELETE",
        lambda w: w.create("municipalities", municipality_body()),
        204,
        ADMIN,
    ),
    Case("areas list", "GET", lambda w: f"{API}/areas", 200, EVERYONE),
    Case("areas get", "GET", lambda w: f"{API}/areas/SD0363T", 200, EVERYONE),
    Case(
        "areas create",
        "POST",
        lambda w: f"{API}/areas",
        201,
        ADMIN,
        body=lambda w: area_body("SD0363W", "GM0363"),
    ),
    Case(
        "areas update",
        "PATCH",
        lambda w: f"{API}/areas/SD0363T",
        200,
        ADMIN,
        body=lambda w: {"name": "Zuid-Oost"},
    ),
    Case(
        "areas delete",
        "DELETE",
        lambda w: w.create("areas", area_body("SD0363W", "GM0363")),
        204,
        ADMIN,
    ),
    Case("units list", "GET", lambda w: f"{API}/units", 200, EVERYONE),
    Case("units get", "GET", lambda w: f"{API}/units/{w.ids.units['wonen']}", 200, EVERYONE),
    Case("units tree", "GET", lambda w: f"{API}/units/tree?municipalityCode=GM0363", 200, EVERYONE),
    Case("units create", "POST", lambda w: f"{API}/units", 201, STAFF, body=lambda w: unit_body()),
    Case(
        "units update",
        "PATCH",
        lambda w: f"{API}/units/{w.ids.units['wonen']}",
        200,
        STAFF,
        body=lambda w: {"description": "Wonen en bouwen"},
    ),
    Case("units delete", "DELETE", lambda w: w.create("units", unit_body()), 204, STAFF),
    # Anything about people needs a key.
    Case("contacts list", "GET", lambda w: f"{API}/contacts", 200, KEYED),
    Case("contacts get", "GET", _contact("bram"), 200, KEYED),
    Case(
        "contacts create",
        "POST",
        lambda w: f"{API}/contacts",
        201,
        STAFF,
        body=lambda w: contact_body(w.ids.units["ruimte"]),
    ),
    Case(
        "contacts update another",
        "PATCH",
        _contact("bram"),
        200,
        STAFF,
        body=lambda w: {"jobTitle": "Wijkregisseur"},
    ),
    Case("contacts delete", "DELETE", _contact("bram"), 204, STAFF),
    Case("initiatives list", "GET", lambda w: f"{API}/initiatives", 200, KEYED),
    Case(
        "initiatives get another's",
        "GET",
        lambda w: w.others_initiative(),
        200,
        STAFF | {"contact"},
        denied={"initiator": 404},
    ),
    Case(
        "initiatives create",
        "POST",
        lambda w: f"{API}/initiatives",
        201,
        STAFF | {"initiator"},
        body=lambda w: initiative_body(),
    ),
    Case(
        "initiatives update another's",
        "PATCH",
        lambda w: w.others_initiative(),
        200,
        STAFF,
        body=lambda w: {"stage": "running"},
        denied={"initiator": 404},
    ),
    Case(
        "initiatives delete another's",
        "DELETE",
        lambda w: w.others_initiative(),
        204,
        STAFF,
        denied={"initiator": 404},
    ),
    # Matching: anyone may ask; an initiative's matches follow who may read it.
    Case(
        "matches ask",
        "POST",
        lambda w: f"{API}/matches",
        200,
        EVERYONE,
        body=lambda w: {"municipalityCode": "GM0363", "text": "Een taalcafé voor nieuwkomers"},
    ),
    Case(
        "initiatives matches of another's",
        "GET",
        lambda w: w.others_initiative() + "/matches",
        200,
        STAFF | {"contact"},
        denied={"initiator": 404},
    ),
    Case(
        "contacts initiatives of another",
        "GET",
        lambda w: _contact("bram")(w) + "/initiatives",
        200,
        STAFF,
    ),
    # The broker's desk: overrides, notes and the answer are for staff, on any initiative;
    # the initiator sees the history of the answer to their own initiative.
    Case(
        "initiatives match-overrides create",
        "POST",
        lambda w: w.own_initiative() + "/match-overrides",
        201,
        STAFF,
        body=lambda w: w.pin(),
    ),
    Case(
        "initiatives match-overrides list",
        "GET",
        lambda w: w.own_initiative() + "/match-overrides",
        200,
        STAFF,
    ),
    Case(
        "initiatives match-overrides end",
        "DELETE",
        lambda w: w.desk(w.own_initiative(), "match-overrides", w.pin()),
        204,
        STAFF,
    ),
    Case(
        "initiatives notes create",
        "POST",
        lambda w: w.own_initiative() + "/notes",
        201,
        STAFF,
        body=lambda w: {"text": "Sprak al met het stadsdeel."},
    ),
    Case("initiatives notes list", "GET", lambda w: w.own_initiative() + "/notes", 200, STAFF),
    Case(
        "initiatives notes delete (the admin's)",
        "DELETE",
        lambda w: w.desk(w.own_initiative(), "notes", {"text": "Notitie van de beheerder."}),
        204,
        ADMIN,
    ),
    Case(
        "initiatives response set",
        "PUT",
        lambda w: w.own_initiative() + "/response",
        200,
        STAFF,
        body=lambda w: {"status": "received", "text": "We hebben uw plan ontvangen."},
    ),
    Case(
        "initiatives history own",
        "GET",
        lambda w: w.own_initiative() + "/history",
        200,
        STAFF | {"initiator"},
    ),
    Case(
        "initiatives history of another's",
        "GET",
        lambda w: w.others_initiative() + "/history",
        200,
        STAFF,
        denied={"initiator": 404},
    ),
    # Broken connections: for brokers and admins.
    Case(
        "insights gaps", "GET", lambda w: f"{API}/insights/gaps?municipalityCode=GM0363", 200, STAFF
    ),
    Case(
        "insights gaps csv",
        "GET",
        lambda w: f"{API}/insights/gaps/csv?municipalityCode=GM0363",
        200,
        STAFF,
    ),
    Case("themes list", "GET", lambda w: f"{API}/themes", 200, EVERYONE),
    Case(
        "themes set",
        "PUT",
        lambda w: f"{API}/themes/GM0363",
        200,
        STAFF,
        body=lambda w: {"terms": {"jeugd": ["tienerwerk"]}},
    ),
    # Introductions: only their parties and staff see them; others get 404, not 403.
    Case("introductions list", "GET", lambda w: f"{API}/introductions", 200, KEYED),
    Case(
        "introductions create for another's initiative",
        "POST",
        lambda w: f"{API}/introductions",
        201,
        STAFF,
        body=lambda w: {
            "initiativeId": int(w.others_initiative().rsplit("/", 1)[1]),
            "contactId": w.ids.contacts["bram"],
        },
        denied={"contact": 400, "initiator": 400},
    ),
    Case(
        "introductions get another's",
        "GET",
        lambda w: w.introduction_to_bram(),
        200,
        STAFF,
        denied={"contact": 404, "initiator": 404},
    ),
    Case(
        "introductions update another's",
        "PATCH",
        lambda w: w.introduction_to_bram(),
        200,
        STAFF,
        body=lambda w: {"status": "cancelled"},
        denied={"contact": 404, "initiator": 404},
    ),
    Case(
        "introductions history of another's",
        "GET",
        lambda w: w.introduction_to_bram() + "/history",
        200,
        STAFF,
        denied={"contact": 404, "initiator": 404},
    ),
    Case(
        "imports create",
        "POST",
        lambda w: f"{API}/imports",
        201,
        ADMIN,
        body=lambda w: {"municipalities": [municipality_body()]},
    ),
    Case(
        "api-keys create",
        "POST",
        lambda w: f"{API}/api-keys",
        201,
        ADMIN,
        body=lambda w: {"role": "broker", "municipalityCodes": ["GM0363"]},
    ),
    Case("api-keys list", "GET", lambda w: f"{API}/api-keys", 200, ADMIN),
    Case(
        "api-keys revoke",
        "DELETE",
        lambda w: (
            f"{API}/api-keys/"
            + str(
                w.client.post(
                    f"{API}/api-keys",
                    json={"role": "broker", "municipalityCodes": ["GM0363"]},
                    headers=w.admin,
                ).json()["id"]
            )
        ),
        204,
        ADMIN,
    ),
    # Webhooks are for portals set up by staff.
    Case(
        "webhooks create",
        "POST",
        lambda w: f"{API}/webhooks",
        201,
        STAFF,
        body=lambda w: HOOK,
    ),
    Case("webhooks list", "GET", lambda w: f"{API}/webhooks", 200, STAFF),
    Case(
        "webhooks get",
        "GET",
        lambda w: w.create("webhooks", HOOK),
        200,
        STAFF,
    ),
    Case(
        "webhooks update",
        "PATCH",
        lambda w: w.create("webhooks", HOOK),
        200,
        STAFF,
        body=lambda w: {"active": False},
    ),
    Case(
        "webhooks delete",
        "DELETE",
        lambda w: w.create("webhooks", HOOK),
        204,
        STAFF,
    ),
    Case(
        "webhooks deliveries",
        "GET",
        lambda w: w.create("webhooks", HOOK) + "/deliveries",
        200,
        STAFF,
    ),
    # Privacy (AVG): export and erasure by the person themself or an admin; the audit log.
    Case(
        "contacts export of another", "GET", lambda w: _contact("bram")(w) + "/export", 200, ADMIN
    ),
    Case(
        "contacts export own",
        "GET",
        lambda w: _contact("annelies")(w) + "/export",
        200,
        ADMIN | {"contact"},
    ),
    Case(
        "contacts erasure of another",
        "POST",
        lambda w: _contact("bram")(w) + "/erasure",
        204,
        ADMIN,
    ),
    Case(
        "contacts erasure own",
        "POST",
        lambda w: _contact("annelies")(w) + "/erasure",
        204,
        ADMIN | {"contact"},
    ),
    Case(
        "initiatives erasure of another's",
        "POST",
        lambda w: w.others_initiative() + "/erasure",
        204,
        ADMIN,
        denied={"initiator": 404},
    ),
    Case(
        "initiatives erasure own",
        "POST",
        lambda w: w.create("initiatives", initiative_body()) + "/erasure",
        204,
        ADMIN | {"initiator"},
    ),
    Case(
        "api-keys rotation",
        "POST",
        lambda w: (
            f"{API}/api-keys/"
            + str(
                w.client.post(
                    f"{API}/api-keys",
                    json={"role": "broker", "municipalityCodes": ["GM0363"]},
                    headers=w.admin,
                ).json()["id"]
            )
            + "/rotation"
        ),
        201,
        ADMIN,
        body=lambda w: {"graceSeconds": 60},
    ),
    Case("audit-log list", "GET", lambda w: f"{API}/audit-log", 200, ADMIN),
    # Anyone may ask for a sign-in link; the same answer for every address.
    Case(
        "sign-in-links request",
        "POST",
        lambda w: f"{API}/sign-in-links",
        202,
        EVERYONE,
        body=lambda w: {"email": "iemand@example.org"},
    ),
    # A token from a mail is the credential, whoever sends it: a wrong one is a 400 for all.
    Case(
        "sessions with an unknown token",
        "POST",
        lambda w: f"{API}/sessions",
        400,
        EVERYONE,
        body=lambda w: {"token": "onbekend"},
    ),
    Case(
        "introduction-responses preview with an unknown token",
        "POST",
        lambda w: f"{API}/introduction-responses/preview",
        400,
        EVERYONE,
        body=lambda w: {"token": "onbekend"},
    ),
    Case(
        "introduction-responses answer with an unknown token",
        "POST",
        lambda w: f"{API}/introduction-responses",
        400,
        EVERYONE,
        body=lambda w: {"token": "onbekend", "status": "declined"},
    ),
    Case("mail-deliveries list", "GET", lambda w: f"{API}/mail-deliveries", 200, ADMIN),
    Case("health", "GET", lambda w: "/health", 200, EVERYONE),
    Case("ready", "GET", lambda w: "/ready", 200, EVERYONE),
    Case("openapi", "GET", lambda w: f"{API}/openapi.json", 200, EVERYONE),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_role_matrix(
    client: TestClient,
    admin: Headers,
    municipality,
    role_headers: dict[str, Headers],
    case: Case,
    role: str,
) -> None:
    world = World(client=client, admin=admin, ids=municipality)
    if role == "initiator":
        # An initiator of this municipality: one with an initiative here.
        world.create("initiatives", initiative_body(title="Eigen plan"))
    path = case.path(world)
    body = case.body(world) if case.body else None
    before = client.get(path, headers=admin) if case.method in ("PATCH", "DELETE") else None

    response = client.request(case.method, path, json=body, headers=role_headers[role])

    expected = case.expected(role)
    if expected >= 400:
        assert_problem(response, expected)
        if before is not None:
            # A refused change changed nothing.
            assert client.get(path, headers=admin).json() == before.json()
    else:
        assert response.status_code == expected, response.text


def test_the_matrix_covers_every_operation(client: TestClient) -> None:
    """A new endpoint must be added to the matrix above (read from the OpenAPI document)."""
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    operations = {
        (method.upper(), path.removeprefix(API + "/").strip("/").split("/")[0])
        for path, item in paths.items()
        for method in item
        if method in ("get", "post", "patch", "put", "delete")
    }
    families = {(c.method, c.name.split()[0]) for c in CASES}
    assert operations - families == set()


# What each role may see of the civil servants.


def _initiative_here(client: TestClient, role_headers: dict[str, Headers]) -> None:
    """The test initiator registers an initiative in GM0363, so sees its civil servants."""
    own = client.post(
        f"{API}/initiatives", json=initiative_body(), headers=role_headers["initiator"]
    )
    assert own.status_code == 201, own.text


def _by_id(items: list[dict]) -> dict[int, dict]:
    return {item["id"]: item for item in items}


@pytest.mark.parametrize("viewer", ["initiator", "contact"])
def test_others_see_listed_contacts_without_personal_data(
    client: TestClient, municipality, role_headers: dict[str, Headers], viewer: str
) -> None:
    _initiative_here(client, role_headers)
    response = client.get(f"{API}/contacts", headers=role_headers[viewer])
    assert response.status_code == 200
    items = _by_id(response.json()["items"])
    ids = municipality.contacts
    # Dirk gave no consent: nobody but staff and Dirk sees him.
    assert municipality.contacts["dirk"] not in items
    assert response.json()["total"] == 5
    me = ids["annelies"] if viewer == "contact" else None
    for contact_id, item in items.items():
        if contact_id == me:
            continue
        assert not PERSONAL_CONTACT_FIELDS & set(item), item
        assert "capacityPerMonth" not in item
    # Bram has no public profile: no name. The others' names are shown.
    assert items[ids["bram"]]["name"] is None
    assert items[ids["eva"]]["name"] == "Eva Mulder"
    for key, contact_id in ids.items():
        if contact_id != me:
            assert contact_record(key)["email"] not in response.text
    assert "Bram Jansen" not in response.text


@pytest.mark.parametrize("viewer", ["initiator", "contact"])
def test_others_get_one_contact_without_personal_data(
    client: TestClient, municipality, role_headers: dict[str, Headers], viewer: str
) -> None:
    _initiative_here(client, role_headers)
    headers = role_headers[viewer]
    bram = client.get(f"{API}/contacts/{municipality.contacts['bram']}", headers=headers)
    assert bram.status_code == 200
    assert bram.json()["name"] is None
    assert not PERSONAL_CONTACT_FIELDS & set(bram.json())
    assert bram.json()["jobTitle"] == "Gebiedsmakelaar"
    eva = client.get(f"{API}/contacts/{municipality.contacts['eva']}", headers=headers).json()
    assert eva["name"] == "Eva Mulder"
    assert not PERSONAL_CONTACT_FIELDS & set(eva)
    dirk = client.get(f"{API}/contacts/{municipality.contacts['dirk']}", headers=headers)
    assert_problem(dirk, 404)


@pytest.mark.parametrize("viewer", ["admin", "broker"])
def test_staff_see_everything(
    client: TestClient, municipality, role_headers: dict[str, Headers], viewer: str
) -> None:
    listing = client.get(f"{API}/contacts", headers=role_headers[viewer]).json()
    assert listing["total"] == 6
    items = _by_id(listing["items"])
    bram = items[municipality.contacts["bram"]]
    assert bram["name"] == "Bram Jansen"
    assert bram["email"] == "b.jansen@amsterdam.example"
    assert set(bram) >= PERSONAL_CONTACT_FIELDS
    dirk = client.get(
        f"{API}/contacts/{municipality.contacts['dirk']}", headers=role_headers[viewer]
    )
    assert dirk.json()["consentAt"] is None
    assert dirk.json()["email"] == "d.visser@amsterdam.example"


def test_searching_does_not_reveal_hidden_names(
    client: TestClient, municipality, role_headers: dict[str, Headers]
) -> None:
    def found(role: str, q: str) -> list[int]:
        response = client.get(f"{API}/contacts", params={"q": q}, headers=role_headers[role])
        return [item["id"] for item in response.json()["items"]]

    _initiative_here(client, role_headers)
    bram, dirk = municipality.contacts["bram"], municipality.contacts["dirk"]
    assert found("initiator", "Jansen") == []
    assert found("contact", "Jansen") == []
    assert found("broker", "Jansen") == [bram]
    # Unconsented contacts stay hidden from searches and filters too.
    assert found("initiator", "Visser") == []
    assert found("broker", "Visser") == [dirk]
    theme = client.get(
        f"{API}/contacts", params={"theme": "wonen"}, headers=role_headers["initiator"]
    ).json()
    assert [item["id"] for item in theme["items"]] == [municipality.contacts["annelies"]]


def test_anonymous_reads_the_map_but_nothing_personal(client: TestClient, municipality) -> None:
    units = client.get(f"{API}/units").json()
    assert units["total"] == 4
    # A unit's public channel is public.
    wonen = client.get(f"{API}/units/{municipality.units['wonen']}").json()
    assert wonen["email"] == "wonen@amsterdam.example"
    for path in (
        "/contacts",
        f"/contacts/{municipality.contacts['eva']}",
        "/initiatives",
        "/api-keys",
    ):
        response = client.get(f"{API}{path}")
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "amsterdam.example" not in response.text


def test_a_contact_sees_and_updates_its_own_record(
    client: TestClient, municipality, contact_key: Headers
) -> None:
    me = f"{API}/contacts/{municipality.contacts['annelies']}"
    own = client.get(me, headers=contact_key).json()
    assert own["email"] == "a.devries@amsterdam.example"
    assert own["phone"] == "+31 20 555 0101"
    assert own["knows"] == [municipality.contacts["bram"]]
    assert own["consentAt"] is not None

    patched = client.patch(
        me, json={"expertise": "Wooncoöperaties.", "available": False}, headers=contact_key
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["expertise"] == "Wooncoöperaties."
    assert patched.json()["available"] is False
    unchanged = {k: v for k, v in own.items() if k not in ("expertise", "available", "updatedAt")}
    assert {k: patched.json()[k] for k in unchanged} == unchanged

    # In its own list entry too, the contact sees its full record.
    items = _by_id(client.get(f"{API}/contacts", headers=contact_key).json()["items"])
    assert items[municipality.contacts["annelies"]]["email"] == "a.devries@amsterdam.example"


def test_a_contact_cannot_change_another(
    client: TestClient, broker: Headers, municipality, contact_key: Headers
) -> None:
    bram = f"{API}/contacts/{municipality.contacts['bram']}"
    before = client.get(bram, headers=broker).json()
    assert_problem(client.patch(bram, json={"jobTitle": "Ex"}, headers=contact_key), 403)
    assert_problem(client.delete(bram, headers=contact_key), 403)
    assert client.get(bram, headers=broker).json() == before


def test_a_contact_cannot_move_itself_to_another_unit(
    client: TestClient, broker: Headers, municipality, contact_key: Headers
) -> None:
    me = f"{API}/contacts/{municipality.contacts['annelies']}"
    moved = client.patch(me, json={"unitId": municipality.units["ruimte"]}, headers=contact_key)
    assert_problem(moved, 403)
    assert client.get(me, headers=broker).json()["unitId"] == municipality.units["wonen"]
    # Sending its current unit is no move.
    same = client.patch(me, json={"unitId": municipality.units["wonen"]}, headers=contact_key)
    assert same.status_code == 200
    # Nor may a contact create or remove records.
    assert_problem(client.delete(me, headers=contact_key), 403)


def test_an_unconsented_contact_still_sees_itself(
    client: TestClient, make_key, municipality
) -> None:
    dirk_id = municipality.contacts["dirk"]
    dirk = make_key("contact", str(dirk_id))
    own = client.get(f"{API}/contacts/{dirk_id}", headers=dirk)
    assert own.status_code == 200
    assert own.json()["email"] == "d.visser@amsterdam.example"
    consent = client.patch(
        f"{API}/contacts/{dirk_id}", json={"consentAt": "2026-02-01T10:00:00Z"}, headers=dirk
    )
    assert consent.status_code == 200
    assert consent.json()["consentAt"] == "2026-02-01T10:00:00Z"


# Initiatives: initiators see only their own; civil servants see no initiator data.


def test_initiators_work_only_with_their_own_initiatives(
    client: TestClient, broker: Headers, initiator: Headers, municipality
) -> None:
    mine = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    assert mine.status_code == 201, mine.text
    assert mine.json()["initiator"]["email"] == INITIATOR_EMAIL
    theirs = client.post(
        f"{API}/initiatives",
        json=initiative_body(title="Ander plan", initiator={"name": "B", "email": OTHER_EMAIL}),
        headers=broker,
    ).json()

    listing = client.get(f"{API}/initiatives", headers=initiator).json()
    assert [i["id"] for i in listing["items"]] == [mine.json()["id"]]
    assert listing["total"] == 1
    assert OTHER_EMAIL not in str(listing)

    other = f"{API}/initiatives/{theirs['id']}"
    assert_problem(client.get(other, headers=initiator), 404)
    assert_problem(client.patch(other, json={"title": "Gekaapt"}, headers=initiator), 404)
    assert_problem(client.delete(other, headers=initiator), 404)
    assert client.get(other, headers=broker).json()["title"] == "Ander plan"

    own = mine.headers["Location"]
    assert client.get(own, headers=initiator).json()["initiator"]["email"] == INITIATOR_EMAIL
    patched = client.patch(own, json={"stage": "starting"}, headers=initiator)
    assert patched.status_code == 200
    assert patched.json()["stage"] == "starting"
    assert client.delete(own, headers=initiator).status_code == 204


def test_initiators_act_only_in_their_own_name(
    client: TestClient, broker: Headers, initiator: Headers, municipality
) -> None:
    body = initiative_body(initiator={"name": "Namens", "email": OTHER_EMAIL})
    assert_problem(client.post(f"{API}/initiatives", json=body, headers=initiator), 403)
    own = client.post(f"{API}/initiatives", json=initiative_body(), headers=initiator)
    hijack = client.patch(
        own.headers["Location"],
        json={"initiator": {"name": "X", "email": OTHER_EMAIL}},
        headers=initiator,
    )
    assert_problem(hijack, 403)
    assert client.get(f"{API}/initiatives", headers=broker).json()["total"] == 1


def test_initiator_email_matches_in_any_case(
    client: TestClient, initiator: Headers, municipality
) -> None:
    shouting = {"name": "Ilse", "email": INITIATOR_EMAIL.upper()}
    created = client.post(
        f"{API}/initiatives", json=initiative_body(initiator=shouting), headers=initiator
    )
    assert created.status_code == 201, created.text
    assert client.get(created.headers["Location"], headers=initiator).status_code == 200
    assert client.get(f"{API}/initiatives", headers=initiator).json()["total"] == 1


def test_contacts_see_initiatives_without_the_initiators_data(
    client: TestClient, broker: Headers, contact_key: Headers, municipality
) -> None:
    phone = "06 9876 5432"
    body = initiative_body(
        initiator={"name": "Ilse Initiatief", "email": OTHER_EMAIL, "phone": phone}
    )
    created = client.post(f"{API}/initiatives", json=body, headers=broker)
    listing = client.get(f"{API}/initiatives", headers=contact_key)
    assert listing.status_code == 200
    assert listing.json()["total"] == 1
    one = client.get(created.headers["Location"], headers=contact_key)
    assert one.json()["title"] == body["title"]
    for response in (listing, one):
        assert "initiator" not in response.text
        assert OTHER_EMAIL not in response.text
        assert phone not in response.text
        assert "Ilse Initiatief" not in response.text
    assert_problem(
        client.post(f"{API}/initiatives", json=initiative_body(), headers=contact_key), 403
    )
