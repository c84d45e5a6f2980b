"""Shared test helpers: problem assertions, Link parsing and request bodies."""

import copy
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from api import API_VERSION

Headers = dict[str, str]


@dataclass(frozen=True)
class ImportedMunicipality:
    """Ids of the imported test municipality (see ``tests.helpers.DIRECTORY``)."""

    code: str
    units: dict[str, int]
    contacts: dict[str, int]


API = "/api/v1"
PROBLEM_JSON = "application/problem+json"
INITIATOR_EMAIL = "initiatiefnemer@example.org"
OTHER_EMAIL = "buurvrouw@example.org"

# Fields of a contact that only staff and the contact themself may see.
PERSONAL_CONTACT_FIELDS = {"email", "phone", "consentAt", "knows"}


def assert_problem(response: Any, status: int, *, names: list[str] | None = None) -> dict:
    """The response is an RFC 9457 problem with this status; ``names`` are the exact
    invalidParams names (in any order) when given."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["API-Version"] == API_VERSION
    body = response.json()
    assert body["status"] == status
    for field in ("type", "title", "detail"):
        assert isinstance(body[field], str) and body[field], field
    if names is not None:
        assert sorted(p["name"] for p in body["invalidParams"]) == sorted(names), body
        assert all(p["reason"] for p in body["invalidParams"])
    return body


def invalid_names(response: Any) -> set[str]:
    assert response.status_code == 400, response.text
    return {p["name"] for p in response.json()["invalidParams"]}


def links(response: Any) -> dict[str, dict[str, str]]:
    """RFC 8288 ``Link`` header → ``{rel: {query parameter: value}}`` (plus ``path``)."""
    found = {}
    for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', response.headers["Link"]):
        parts = urlsplit(url)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        found[rel] = {"path": parts.path, **query}
    return found


def municipality_body(code: str = "GM0599", name: str = "Rotterdam") -> dict:
    return {"code": code, "name": name}


def area_body(code: str, municipality_code: str = "GM0599", **fields: Any) -> dict:
    return {
        "code": code,
        "name": fields.pop("name", f"Gebied {code}"),
        "municipalityCode": municipality_code,
        **fields,
    }


def unit_body(municipality_code: str = "GM0363", **fields: Any) -> dict:
    return {
        "municipalityCode": municipality_code,
        "name": fields.pop("name", "Team Buurtinitiatieven"),
        "kind": fields.pop("kind", "team"),
        **fields,
    }


def contact_body(unit_id: int, **fields: Any) -> dict:
    return {
        "unitId": unit_id,
        "name": fields.pop("name", "Sanne Smit"),
        "jobTitle": fields.pop("jobTitle", "Gebiedsadviseur"),
        "email": fields.pop("email", "s.smit@amsterdam.example"),
        "consentAt": fields.pop("consentAt", "2026-01-15T09:00:00Z"),
        **fields,
    }


def initiative_body(municipality_code: str = "GM0363", **fields: Any) -> dict:
    return {
        "municipalityCode": municipality_code,
        "title": fields.pop("title", "Buurtmoestuin Bijlmer"),
        "description": fields.pop("description", "Een moestuin op een braakliggend veld."),
        "initiator": fields.pop("initiator", {"name": "Ilse Initiatief", "email": INITIATOR_EMAIL}),
        **fields,
    }


# A small municipality: GM0363 with stadsdeel > wijk > buurt, a unit tree and six contacts.
# annelies: phone, public, knows bram  | bram: not public | dirk: no consent
DIRECTORY: dict[str, list[dict]] = {
    "municipalities": [{"code": "GM0363", "name": "Amsterdam"}],
    "areas": [
        {"code": "SD0363T", "name": "Zuidoost", "municipalityCode": "GM0363", "kind": "stadsdeel"},
        {"code": "SD0363N", "name": "Noord", "municipalityCode": "GM0363", "kind": "stadsdeel"},
        {
            "code": "WK0363TA",
            "name": "Bijlmer-Centrum",
            "municipalityCode": "GM0363",
            "kind": "wijk",
            "parentCode": "SD0363T",
        },
        {
            "code": "BU0363TA01",
            "name": "Amsterdamse Poort",
            "municipalityCode": "GM0363",
            "kind": "buurt",
            "parentCode": "WK0363TA",
        },
    ],
    "units": [
        {
            "key": "sociaal",
            "municipalityCode": "GM0363",
            "name": "Cluster Sociaal",
            "kind": "cluster",
        },
        {
            "key": "wonen",
            "parentKey": "sociaal",
            "municipalityCode": "GM0363",
            "name": "Afdeling Wonen",
            "kind": "department",
            "themes": ["wonen"],
            "email": "wonen@amsterdam.example",
        },
        {
            "key": "gebied-zo",
            "parentKey": "sociaal",
            "municipalityCode": "GM0363",
            "name": "Gebiedsteam Zuidoost",
            "kind": "area_team",
            "areaCodes": ["SD0363T"],
        },
        {
            "key": "ruimte",
            "municipalityCode": "GM0363",
            "name": "Cluster Ruimte",
            "kind": "cluster",
        },
    ],
    "contacts": [
        {
            "key": "annelies",
            "unitKey": "wonen",
            "name": "Annelies de Vries",
            "jobTitle": "Beleidsadviseur wonen",
            "email": "a.devries@amsterdam.example",
            "phone": "+31 20 555 0101",
            "themes": ["wonen", "energie"],
            "areaCodes": ["SD0363T"],
            "expertise": "Wooncoöperaties en collectief particulier opdrachtgeverschap.",
            "networks": [{"name": "Woningcorporatie Ymere", "kind": "housing"}],
            "knows": ["bram"],
            "consentAt": "2026-01-10T08:00:00Z",
            "publicProfile": True,
        },
        {
            "key": "bram",
            "unitKey": "gebied-zo",
            "name": "Bram Jansen",
            "jobTitle": "Gebiedsmakelaar",
            "email": "b.jansen@amsterdam.example",
            "themes": ["participatie"],
            "areaCodes": ["BU0363TA01"],
            "knows": ["annelies", "fatima"],
            "consentAt": "2026-01-11T08:00:00Z",
            "publicProfile": False,
        },
        {
            "key": "chantal",
            "unitKey": "sociaal",
            "name": "Chantal Bakker",
            "jobTitle": "Subsidieadviseur",
            "email": "c.bakker@amsterdam.example",
            "themes": ["subsidie"],
            "consentAt": "2026-01-12T08:00:00Z",
            "publicProfile": True,
        },
        {
            "key": "dirk",
            "unitKey": "wonen",
            "name": "Dirk Visser",
            "jobTitle": "Woonconsulent",
            "email": "d.visser@amsterdam.example",
            "themes": ["wonen"],
            "publicProfile": True,
        },
        {
            "key": "eva",
            "unitKey": "ruimte",
            "name": "Eva Mulder",
            "jobTitle": "Programmamanager duurzaamheid",
            "email": "e.mulder@amsterdam.example",
            "themes": ["energie"],
            "areaCodes": ["SD0363N"],
            "expertise": "Energiecoöperaties en zonnedaken.",
            "consentAt": "2026-01-13T08:00:00Z",
            "publicProfile": True,
        },
        {
            "key": "fatima",
            "unitKey": "gebied-zo",
            "name": "Fatima El Amrani",
            "jobTitle": "Jongerenwerker",
            "email": "f.elamrani@amsterdam.example",
            "themes": ["jeugd"],
            "areaCodes": ["WK0363TA"],
            "languages": ["nl", "ar"],
            "consentAt": "2026-01-14T08:00:00Z",
            "publicProfile": True,
        },
    ],
}


def directory() -> dict[str, list[dict]]:
    """A fresh copy of the directory document, safe to modify."""
    return copy.deepcopy(DIRECTORY)


def contact_record(key: str) -> dict:
    return next(c for c in DIRECTORY["contacts"] if c["key"] == key)
