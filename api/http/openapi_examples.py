"""A working example for every request body (and its path parameters), on the bundled demo's
data (``wegwijs demo``: Amsterdam, GM0363), so Swagger UI's "Try it out" works as it comes.

Keyed by operationId; api/http/openapi.py puts them into the document.
``tests/api/test_openapi_contract.py`` sends every one to a demo database, in the document's
order.
Ids are the demo's: unit 5 is the debt-help team, contact 1 the area broker of Noord-West,
initiative 1 the "Geldzorgen-café Van der Pek".
"""

from typing import Any

QUESTION = (
    "Wij willen in de Van der Pekbuurt elke week een koffie-ochtend houden waar buren met "
    "geldzorgen binnen kunnen lopen met hun brieven. Wie kan ons helpen aan een ruimte?"
)
INITIATOR = {"name": "Sandra Koelewijn", "email": "sandra.koelewijn@example.org"}
LINK_CODE = "plak-hier-de-code-uit-de-link-in-de-mail"  # from a mail: no demo has one

EXAMPLES: dict[str, dict[str, Any]] = {
    "createMunicipality": {"body": {"code": "GM0599", "name": "Rotterdam"}},
    "updateMunicipality": {"path": {"code": "GM0363"}, "body": {"name": "Amsterdam"}},
    "createArea": {
        "body": {
            "municipalityCode": "GM0363",
            "code": "BU0363NA99",
            "name": "Van der Pekbuurt-Noord",
            "kind": "buurt",
            "parentCode": "WK0363NA",
            "aliases": ["Van der Pek-Noord"],
        }
    },
    "updateArea": {"path": {"code": "WK0363NA"}, "body": {"aliases": ["Van der Pekbuurt"]}},
    "createUnit": {
        "body": {
            "municipalityCode": "GM0363",
            "name": "Team Buurtkamers Noord",
            "kind": "team",
            "parentId": 1,
            "description": "Buurtkamers en ontmoetingsplekken in Noord.",
            "themes": ["sociale-cohesie"],
            "areaCodes": ["SD0363N"],
        }
    },
    "updateUnit": {"path": {"id": 5}, "body": {"phone": "+31 20 555 0500"}},
    "createContact": {
        "body": {
            "unitId": 5,
            "name": "Noor Bakker",
            "jobTitle": "Consulent Vroegsignalering",
            "email": "noor.bakker@amsterdam.example",
            "themes": ["armoede-en-schulden"],
            "areaCodes": ["SD0363N"],
            "expertise": "Helpt buurtinitiatieven om mensen met geldzorgen op tijd door te "
            "verwijzen naar schuldhulp.",
            "languages": ["nl", "en"],
            "capacityPerMonth": 3,
            "knows": [1],
        }
    },
    "updateContact": {"path": {"id": 1}, "body": {"capacityPerMonth": 6}},
    "createInitiative": {
        "body": {
            "municipalityCode": "GM0363",
            "title": "Koffie-ochtend voor buren met geldzorgen",
            "description": QUESTION,
            "themes": ["armoede-en-schulden"],
            "areaCodes": ["WK0363NA"],
            "stage": "idea",
            "needs": [{"kind": "space", "description": "Eén ochtend per week een ruimte"}],
            "initiator": INITIATOR,
        }
    },
    "updateInitiative": {"path": {"id": 1}, "body": {"stage": "running"}},
    "createMatchOverride": {
        "path": {"id": 2},
        "body": {
            "contactId": 1,
            "action": "pin",
            "reason": "Kent de jongerenwerkers rond het Waterlandplein.",
        },
    },
    "createNote": {
        "path": {"id": 1},
        "body": {"text": "Gebeld met Sandra: ze zoeken vooral een ruimte op dinsdagochtend."},
    },
    "setInitiativeResponse": {
        "path": {"id": 1},
        "body": {
            "status": "in_progress",
            "text": "We zoeken samen met de gebiedsmakelaar een ruimte in de buurt.",
        },
    },
    "createIntroduction": {
        "body": {
            "initiativeId": 1,
            "contactId": 1,
            "message": "Wij zoeken een ruimte voor een wekelijkse koffie-ochtend.",
        }
    },
    "updateIntroduction": {
        "path": {"id": 1},
        "body": {"status": "cancelled", "reason": "We hebben al een ruimte gevonden."},
    },
    "findMatches": {
        "body": {
            "municipalityCode": "GM0363",
            "text": QUESTION,
            "needs": [{"kind": "space"}],
            "limit": 5,
        }
    },
    "replaceThemeTerms": {
        "path": {"municipalityCode": "GM0363"},
        "body": {"terms": {"armoede-en-schulden": ["geldzorgen", "rekeningen"]}},
    },
    "createImport": {
        "body": {
            "dryRun": True,
            "areas": [
                {
                    "municipalityCode": "GM0363",
                    "code": "BU0363NA98",
                    "name": "Vogelbuurt-Zuid",
                    "kind": "buurt",
                    "parentCode": "WK0363NA",
                }
            ],
        }
    },
    "createApiKey": {
        "body": {"role": "broker", "subject": "makelaar-noord", "municipalityCodes": ["GM0363"]}
    },
    "rotateApiKey": {"path": {"id": 1}, "body": {"graceSeconds": 3600}},
    "createWebhook": {
        "body": {
            "url": "https://crm.amsterdam.example/wegwijs/events",
            "description": "Klantcontactsysteem",
            "events": ["introduction.status_changed"],
            "municipalityCodes": ["GM0363"],
        }
    },
    "updateWebhook": {"path": {"id": 1}, "body": {"active": False}},
    "createSignInLink": {"body": {"email": "lotte.verhoeven@amsterdam.example"}},
    "createSession": {"body": {"token": LINK_CODE}},
    "previewIntroductionResponse": {"body": {"token": LINK_CODE}},
    "createIntroductionResponse": {"body": {"token": LINK_CODE, "status": "accepted"}},
}
