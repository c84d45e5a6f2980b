"""Rankings through the service path, compared with a snapshot taken before the match path was
rebuilt (issue 15): the same contacts in the same order with the same scores and warm paths,
for every labelled initiative and a sample of the short questions, before and after the
directory has open introductions and outcomes to learn from.

The snapshot is data, not an expectation written by hand: regenerate it only for a deliberate
ranking change, with ``WEGWIJS_WRITE_MATCH_SNAPSHOT=1`` on this test, and say why in the commit.
"""

import json
import os
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests.helpers import API, INITIATOR_EMAIL

Headers = dict[str, str]
ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(__file__).parent / "snapshots" / "match_rankings.json"
LABELLED = ROOT / "evaluation" / "labelled_set.json"
SHORT = ROOT / "evaluation" / "short_questions_amsterdam.json"
DEMO = ROOT / "api" / "demo" / "demo.json"
# Every fifth short question: each tag of the set is among them, and the test stays quick.
SHORT_SAMPLE = slice(0, None, 5)
LIMIT = 10


def _import(client: TestClient, admin: Headers, document: dict) -> dict[str, int]:
    document = {k: v for k, v in document.items() if k != "initiatives"}
    response = client.post(f"{API}/imports", json=document, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()["contacts"]


def _ranked(items: list[dict], key_of: dict[int, str]) -> list[list]:
    return [
        [
            key_of[item["contact"]["id"]],
            item["score"],
            [key_of[link["id"]] for link in item["introduceVia"]],
        ]
        for item in items
    ]


def _rankings(
    client: TestClient, headers: Headers, initiatives: dict[str, int], questions: list[dict], key_of
) -> dict[str, list]:
    result = {}
    for case_id, initiative_id in initiatives.items():
        response = client.get(
            f"{API}/initiatives/{initiative_id}/matches", params={"limit": LIMIT}, headers=headers
        )
        assert response.status_code == 200, response.text
        result[case_id] = _ranked(response.json()["items"], key_of)
    for case in questions:
        body = {**case["question"], "limit": LIMIT}
        response = client.post(f"{API}/matches", json=body, headers=headers)
        assert response.status_code == 200, response.text
        result[case["id"]] = _ranked(response.json()["items"], key_of)
    return result


def _introduce(client: TestClient, headers: Headers, initiative_id: int, contact_id: int) -> int:
    body = {"initiativeId": initiative_id, "contactId": contact_id, "message": "Graag kennismaken"}
    response = client.post(f"{API}/introductions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _change(client: TestClient, headers: Headers, introduction_id: int, **body: str) -> None:
    response = client.patch(f"{API}/introductions/{introduction_id}", json=body, headers=headers)
    assert response.status_code == 200, response.text


def test_rankings_match_the_snapshot(
    client: TestClient, admin: Headers, make_key: Callable[..., Headers]
) -> None:
    labelled = json.loads(LABELLED.read_text(encoding="utf-8"))
    contacts = _import(client, admin, json.loads(DEMO.read_text(encoding="utf-8")))
    contacts |= _import(client, admin, labelled["otherMunicipality"])
    key_of = {contact_id: key for key, contact_id in contacts.items()}
    broker = make_key("broker", "innovatiebureau")

    demo_keys = [c["key"] for c in json.loads(DEMO.read_text(encoding="utf-8"))["contacts"]]

    def known(n: int) -> list[int]:
        # Every third case says whom the initiators know already: warm paths to compare too.
        if n % 3:
            return []
        return [contacts[demo_keys[(n * 7 + j * 13) % len(demo_keys)]] for j in range(3)]

    initiatives = {}
    for n, case in enumerate(labelled["cases"]):
        body = {
            **case["initiative"],
            "initiator": {"name": "Ilse", "email": INITIATOR_EMAIL},
            "knownContactIds": known(n),
        }
        response = client.post(f"{API}/initiatives", json=body, headers=broker)
        assert response.status_code == 201, response.text
        initiatives[case["id"]] = response.json()["id"]
    questions = [
        {**case, "question": {**case["question"], "knownContactIds": known(n)}}
        for n, case in enumerate(
            json.loads(SHORT.read_text(encoding="utf-8"))["cases"][SHORT_SAMPLE]
        )
    ]

    before = _rankings(client, broker, initiatives, questions, key_of)

    # Give the engine something to learn from and some capacity to count: the top contacts of
    # the first initiatives introduced, some introductions completed with each outcome, one
    # left open (it fills a slot of that contact's capacity).
    outcomes = ["helpful", "not_helpful", "no_show", "helpful", None, "helpful", "not_helpful"]
    for (case_id, initiative_id), outcome in zip(initiatives.items(), outcomes, strict=False):
        contact = contacts[before[case_id][0][0]]
        introduction_id = _introduce(client, broker, initiative_id, contact)
        if outcome is not None:
            _change(client, broker, introduction_id, status="accepted")
            _change(client, broker, introduction_id, status="completed", outcome=outcome)
    after = _rankings(client, broker, initiatives, questions, key_of)

    produced = {"beforeOutcomes": before, "afterOutcomes": after}
    if os.environ.get("WEGWIJS_WRITE_MATCH_SNAPSHOT") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        # One line per case: a changed ranking shows as a changed line in the diff.
        lines = [
            "{",
            ",\n".join(
                f"{json.dumps(phase)}: {{\n"
                + ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in cases.items())
                + "\n}"
                for phase, cases in produced.items()
            ),
            "}",
        ]
        SNAPSHOT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert after != before  # the outcomes moved something: the second half tests learning
    for phase in ("beforeOutcomes", "afterOutcomes"):
        for case_id, ranking in expected[phase].items():
            assert produced[phase][case_id] == ranking, (phase, case_id)
    assert produced == expected
