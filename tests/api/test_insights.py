"""Broken connections: initiatives without a good match, stalled introductions, overloaded
contacts; JSON and CSV, and who may see them."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.http.negotiation import preferred_media_type
from api.services.insights import CSV_COLUMNS
from schemas import Introduction
from tests.helpers import API, INITIATOR_EMAIL, assert_problem, initiative_body

Headers = dict[str, str]
GAPS = f"{API}/insights/gaps"

# Annelies (wonen, Zuidoost) fits the first; Fatima (jeugd, Bijlmer-Centrum) the second;
# nobody in the test municipality does anything about angling or burial grounds.
WOONCOOP = initiative_body(
    title="Wooncoöperatie voor ouderen in de Bijlmer",
    description="Wij willen samen een wooncoöperatie opzetten.",
    themes=["wonen"],
    areaCodes=["BU0363TA01"],
    needs=[{"kind": "knowledge"}],
)
JONGEREN = initiative_body(
    title="Jongerenwerk in de Bijlmer",
    description="Een plek voor jongeren.",
    themes=["jeugd"],
    areaCodes=["WK0363TA"],
    needs=[{"kind": "space"}],
)
HENGELCLUB = initiative_body(
    title="Hengelclub aan de plas",
    description="Vissen en het water schoonhouden met buurtgenoten.",
    themes=["sport"],
    areaCodes=["SD0363N"],
    needs=[{"kind": "volunteers"}],
)
BEGRAAFPLAATS = initiative_body(
    title="Natuurbegraafplaats",
    description="Een natuurbegraafplaats voor de stad.",
    areaCodes=["SD0363N"],
    needs=[{"kind": "permit"}, {"kind": "volunteers"}],
)


def create(client: TestClient, headers: Headers, body: dict) -> dict:
    response = client.post(f"{API}/initiatives", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def report(client: TestClient, headers: Headers, code: str = "GM0363") -> dict:
    response = client.get(GAPS, params={"municipalityCode": code}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def introduce(client: TestClient, broker: Headers, initiative_id: int, contact_id: int) -> str:
    body = {"initiativeId": initiative_id, "contactId": contact_id}
    response = client.post(f"{API}/introductions", json=body, headers=broker)
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def set_status(client: TestClient, broker: Headers, url: str, status: str) -> None:
    response = client.patch(url, json={"status": status}, headers=broker)
    assert response.status_code == 200, response.text


def age(engine: Engine, url: str, days: int) -> None:
    """Pretend the introduction was requested ``days`` ago."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(Introduction)
            .where(Introduction.id == int(url.rsplit("/", 1)[1]))
            .values(created_at=datetime.now(UTC) - timedelta(days=days))
        )


def patch_contact(client: TestClient, broker: Headers, contact_id: int, **fields: Any) -> None:
    response = client.patch(f"{API}/contacts/{contact_id}", json=fields, headers=broker)
    assert response.status_code == 200, response.text


def group(groups: list[dict], key: str) -> tuple[int, int, list[int]]:
    found = next(g for g in groups if g["key"] == key)
    return found["initiatives"], found["gaps"], [i["id"] for i in found["gapInitiatives"]]


@pytest.fixture
def initiatives(client: TestClient, broker: Headers, municipality) -> dict[str, dict]:
    return {
        "wooncoop": create(client, broker, WOONCOOP),
        "jongeren": create(client, broker, JONGEREN),
        "hengelclub": create(client, broker, HENGELCLUB),
        "begraafplaats": create(client, broker, BEGRAAFPLAATS),
    }


def test_initiatives_without_a_good_match_are_gaps(
    client: TestClient, broker: Headers, initiatives: dict[str, dict]
) -> None:
    ids = {key: initiative["id"] for key, initiative in initiatives.items()}
    body = report(client, broker)
    assert body["municipalityCode"] == "GM0363"
    gaps = body["unmatchedInitiatives"]
    assert gaps["threshold"] == 0.4
    assert (gaps["initiatives"], gaps["gaps"]) == (4, 2)
    assert {item["id"] for item in gaps["items"]} == {ids["hengelclub"], ids["begraafplaats"]}
    scores = [item["bestScore"] for item in gaps["items"]]
    assert scores == sorted(scores) and all(0 <= score < 0.4 for score in scores)
    hengelclub = next(item for item in gaps["items"] if item["id"] == ids["hengelclub"])
    assert hengelclub["title"] == "Hengelclub aan de plas"
    assert hengelclub["themes"] == ["sport"]
    assert hengelclub["areaCodes"] == ["SD0363N"]
    assert hengelclub["needs"] == ["volunteers"]
    assert hengelclub["stage"] == "idea"

    # Both good initiatives really have a good match.
    for key in ("wooncoop", "jongeren"):
        matches = client.get(f"{API}/initiatives/{ids[key]}/matches", headers=broker).json()
        assert matches["items"][0]["score"] >= 0.4

    assert group(gaps["byTheme"], "sport") == (1, 1, [ids["hengelclub"]])
    assert group(gaps["byTheme"], "wonen") == (1, 0, [])
    assert group(gaps["byTheme"], "jeugd") == (1, 0, [])
    sport = next(g for g in gaps["byTheme"] if g["key"] == "sport")
    assert sport["label"] == "Sport en bewegen"
    assert group(gaps["byNeed"], "volunteers") == (
        2,
        2,
        [ids["hengelclub"], ids["begraafplaats"]],
    )
    assert group(gaps["byNeed"], "knowledge") == (1, 0, [])
    assert next(g for g in gaps["byNeed"] if g["key"] == "permit")["label"] == "vergunning"
    assert group(gaps["byArea"], "SD0363N") == (2, 2, [ids["hengelclub"], ids["begraafplaats"]])
    assert group(gaps["byArea"], "WK0363TA") == (1, 0, [])
    assert next(g for g in gaps["byArea"] if g["key"] == "SD0363N")["label"] == "Noord"
    # Most gaps first.
    assert gaps["byArea"][0]["key"] == "SD0363N"


def test_the_threshold_is_a_setting(
    client: TestClient,
    app: FastAPI,
    broker: Headers,
    initiatives: dict[str, dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(app.state.settings, "gap_score_threshold", 0.99)
    gaps = report(client, broker)["unmatchedInitiatives"]
    assert gaps["threshold"] == 0.99
    assert gaps["gaps"] == 4


def test_a_good_match_that_is_full_leaves_a_gap(
    client: TestClient, broker: Headers, municipality, initiatives: dict[str, dict]
) -> None:
    annelies = municipality.contacts["annelies"]
    wooncoop = initiatives["wooncoop"]["id"]
    patch_contact(client, broker, annelies, capacityPerMonth=1)
    before = report(client, broker)
    assert wooncoop not in {item["id"] for item in before["unmatchedInitiatives"]["items"]}
    assert before["overloadedContacts"]["items"] == []

    # Annelies's one slot this month goes to another initiative: the wooncoöperatie now has
    # nobody with room for it.
    other = create(client, broker, initiative_body(title="Woongroep", themes=["wonen"]))
    introduce(client, broker, other["id"], annelies)
    after = report(client, broker)
    gap = next(item for item in after["unmatchedInitiatives"]["items"] if item["id"] == wooncoop)
    assert gap["bestScore"] < 0.4
    assert group(after["unmatchedInitiatives"]["byTheme"], "wonen")[1] >= 1
    assert after["overloadedContacts"]["items"] == [
        {
            "id": annelies,
            "name": "Annelies de Vries",
            "jobTitle": "Beleidsadviseur wonen",
            "unit": {"id": municipality.units["wonen"], "name": "Afdeling Wonen"},
            "openIntroductions": 1,
            "capacityPerMonth": 1,
            "topMatches": 0,
            "reasons": ["at_capacity"],
        }
    ]


def test_a_contact_in_demand_is_overloaded(
    client: TestClient, broker: Headers, municipality
) -> None:
    fatima = municipality.contacts["fatima"]
    patch_contact(client, broker, fatima, capacityPerMonth=3)
    for number in range(2):
        create(client, broker, {**JONGEREN, "title": f"Jongerenwerk {number}"})
    assert report(client, broker)["overloadedContacts"]["items"] == []

    # A third youth initiative in her wijk: she is the best match for as many initiatives as
    # she can take in a month.
    create(client, broker, {**JONGEREN, "title": "Jongerenwerk 3"})
    overloaded = report(client, broker)["overloadedContacts"]
    assert (overloaded["topN"], overloaded["minTopMatches"]) == (3, 3)
    assert [(c["id"], c["topMatches"], c["reasons"]) for c in overloaded["items"]] == [
        (fatima, 3, ["in_demand"])
    ]
    assert overloaded["items"][0]["unit"]["name"] == "Gebiedsteam Zuidoost"
    assert overloaded["items"][0]["openIntroductions"] == 0
    # Room for more: no longer in demand.
    patch_contact(client, broker, fatima, capacityPerMonth=4)
    assert report(client, broker)["overloadedContacts"]["items"] == []


def test_declined_and_long_unanswered_introductions_stall(
    client: TestClient,
    engine: Engine,
    broker: Headers,
    municipality,
    initiatives: dict[str, dict],
) -> None:
    contacts, units = municipality.contacts, municipality.units
    wooncoop, jongeren = initiatives["wooncoop"]["id"], initiatives["jongeren"]["id"]
    waiting = introduce(client, broker, wooncoop, contacts["annelies"])
    recent = introduce(client, broker, jongeren, contacts["bram"])
    declined = introduce(client, broker, jongeren, contacts["fatima"])
    accepted = introduce(client, broker, wooncoop, contacts["eva"])
    set_status(client, broker, declined, "declined")
    set_status(client, broker, accepted, "accepted")
    assert [i["id"] for i in report(client, broker)["stalledIntroductions"]["items"]] == [
        int(declined.rsplit("/", 1)[1])
    ]

    age(engine, waiting, 15)
    age(engine, recent, 13)
    age(engine, accepted, 20)  # answered: not stalled, however old
    stalled = report(client, broker)["stalledIntroductions"]
    assert stalled["afterDays"] == 14
    items = stalled["items"]
    assert [(i["id"], i["status"], i["daysWaiting"]) for i in items] == [
        (int(waiting.rsplit("/", 1)[1]), "requested", 15),
        (int(declined.rsplit("/", 1)[1]), "declined", 0),
    ]
    assert items[0] == {
        **items[0],
        "initiativeId": wooncoop,
        "contactId": contacts["annelies"],
        "unit": {"id": units["wonen"], "name": "Afdeling Wonen"},
    }
    assert items[1]["unit"] == {"id": units["gebied-zo"], "name": "Gebiedsteam Zuidoost"}
    assert sorted(
        (u["unit"]["id"], u["declined"], u["unanswered"]) for u in stalled["byUnit"]
    ) == sorted([(units["wonen"], 0, 1), (units["gebied-zo"], 1, 0)])


def test_the_stall_period_is_a_setting(
    client: TestClient,
    app: FastAPI,
    engine: Engine,
    broker: Headers,
    municipality,
    initiatives: dict[str, dict],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = introduce(client, broker, initiatives["wooncoop"]["id"], municipality.contacts["eva"])
    age(engine, url, 4)
    assert report(client, broker)["stalledIntroductions"]["items"] == []
    monkeypatch.setattr(app.state.settings, "stalled_introduction_days", 3)
    stalled = report(client, broker)["stalledIntroductions"]
    assert stalled["afterDays"] == 3
    assert [(i["status"], i["daysWaiting"]) for i in stalled["items"]] == [("requested", 4)]


def read_csv(client: TestClient, headers: Headers, accept: str = "text/csv") -> list[dict]:
    response = client.get(
        GAPS, params={"municipalityCode": "GM0363"}, headers={**headers, "Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == "attachment; filename=gaps-GM0363.csv"
    assert response.headers["vary"] == "Accept"
    # RFC 4180: CRLF line ends.
    assert response.text.split("\n", 1)[0].endswith("\r")
    reader = csv.DictReader(io.StringIO(response.text, newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


def test_the_csv_holds_the_same_report(
    client: TestClient,
    engine: Engine,
    broker: Headers,
    municipality,
    initiatives: dict[str, dict],
) -> None:
    annelies = municipality.contacts["annelies"]
    patch_contact(client, broker, annelies, capacityPerMonth=1)
    url = introduce(client, broker, initiatives["jongeren"]["id"], annelies)
    age(engine, url, 20)
    declined = introduce(
        client, broker, initiatives["hengelclub"]["id"], municipality.contacts["eva"]
    )
    set_status(client, broker, declined, "declined")
    body = report(client, broker)
    rows = read_csv(client, broker)

    def section(name: str) -> list[dict]:
        return [row for row in rows if row["section"] == name]

    gaps = body["unmatchedInitiatives"]
    for name, groups in (
        ("theme", gaps["byTheme"]),
        ("need", gaps["byNeed"]),
        ("area", gaps["byArea"]),
    ):
        assert [
            (r["key"], r["label"], int(r["initiatives"]), int(r["gaps"])) for r in section(name)
        ] == [(g["key"], g["label"], g["initiatives"], g["gaps"]) for g in groups]
    volunteers = next(r for r in section("need") if r["key"] == "volunteers")
    for initiative in ("hengelclub", "begraafplaats"):
        assert initiatives[initiative]["title"] in volunteers["detail"]
    assert [
        (int(r["key"]), r["label"], float(r["score"])) for r in section("unmatched-initiative")
    ] == [(i["id"], i["title"], i["bestScore"]) for i in gaps["items"]]

    stalled = body["stalledIntroductions"]
    assert len(stalled["items"]) == 2
    assert [
        (
            int(r["key"]),
            r["status"],
            int(r["initiativeId"]),
            int(r["contactId"]),
            int(r["daysWaiting"]),
            r["unit"],
        )
        for r in section("stalled-introduction")
    ] == [
        (
            i["id"],
            i["status"],
            i["initiativeId"],
            i["contactId"],
            i["daysWaiting"],
            i["unit"]["name"],
        )
        for i in stalled["items"]
    ]
    assert [
        (int(r["key"]), r["label"], int(r["declined"]), int(r["unanswered"]))
        for r in section("stalled-unit")
    ] == [
        (u["unit"]["id"], u["unit"]["name"], u["declined"], u["unanswered"])
        for u in stalled["byUnit"]
    ]

    overloaded = body["overloadedContacts"]["items"]
    assert [c["id"] for c in overloaded] == [annelies]
    assert [
        (
            int(r["key"]),
            r["label"],
            r["detail"],
            r["unit"],
            r["status"],
            int(r["openIntroductions"]),
            int(r["capacityPerMonth"]),
            int(r["topMatches"]),
        )
        for r in section("overloaded-contact")
    ] == [
        (
            c["id"],
            c["name"],
            c["jobTitle"],
            c["unit"]["name"],
            " ".join(c["reasons"]),
            c["openIntroductions"],
            c["capacityPerMonth"],
            c["topMatches"],
        )
        for c in overloaded
    ]
    corrections = body["rankingCorrections"]["byTheme"]
    assert [
        (r["key"], r["label"], int(r["initiatives"]), int(r["corrected"]), r["detail"])
        for r in section("correction-theme")
    ] == [
        (t["key"], t["label"], t["initiatives"], t["corrected"], t["detail"]) for t in corrections
    ]
    answers = body["answers"]
    assert [(r["key"], int(r["initiatives"])) for r in section("answer-status")] == [
        *((a["status"], a["initiatives"]) for a in answers["byStatus"]),
        ("unanswered", answers["unanswered"]),
    ]
    sections = {row["section"] for row in rows}
    assert sections == {
        "theme",
        "need",
        "area",
        "unmatched-initiative",
        "stalled-introduction",
        "stalled-unit",
        "correction-theme",
        "answer-status",
        "answer-days",
        "overloaded-contact",
    }


def test_brokers_corrections_are_counted_per_theme(
    client: TestClient,
    broker: Headers,
    municipality,
    initiatives: dict[str, dict],
) -> None:
    annelies, bram = municipality.contacts["annelies"], municipality.contacts["bram"]
    second = create(client, broker, {**WOONCOOP, "title": "Tweede wooncoöperatie"})

    def steer(initiative: dict, contact_id: int, action: str) -> dict:
        response = client.post(
            f"{API}/initiatives/{initiative['id']}/match-overrides",
            json={"contactId": contact_id, "action": action, "reason": "Kent het veld"},
            headers=broker,
        )
        assert response.status_code == 201, response.text
        return response.json()

    lonely = create(
        client,
        broker,
        initiative_body(
            title="Koffie tegen eenzaamheid",
            description="Eenzame ouderen in de buurt: samen koffie drinken tegen eenzaamheid",
        ),
    )
    steer(initiatives["wooncoop"], bram, "pin")
    steer(second, bram, "pin")
    steer(lonely, municipality.contacts["chantal"], "pin")
    steer(second, annelies, "exclude")
    ended = steer(initiatives["jongeren"], annelies, "pin")
    client.delete(
        f"{API}/initiatives/{initiatives['jongeren']['id']}/match-overrides/{ended['id']}",
        headers=broker,
    )

    corrections = report(client, broker)["rankingCorrections"]
    assert (corrections["initiatives"], corrections["corrected"]) == (6, 3)
    assert (corrections["pins"], corrections["exclusions"]) == (3, 1)
    wonen = corrections["byTheme"][0]
    assert (wonen["key"], wonen["initiatives"], wonen["corrected"]) == ("wonen", 2, 2)
    assert (wonen["pins"], wonen["exclusions"]) == (2, 1)
    assert wonen["mostCommon"] == {
        "action": "pin",
        "contact": {"id": bram, "name": "Bram Jansen", "jobTitle": "Gebiedsmakelaar"},
        "initiatives": 2,
    }
    assert {i["id"] for i in wonen["correctedInitiatives"]} == {
        initiatives["wooncoop"]["id"],
        second["id"],
    }
    assert wonen["detail"] == (
        "Brokers corrected the ranking for 2 of 2 initiatives about Wonen; most often by "
        "pinning Bram Jansen (Gebiedsmakelaar)."
    )
    # An ended override no longer counts.
    jeugd = next(t for t in corrections["byTheme"] if t["key"] == "jeugd")
    assert (jeugd["corrected"], jeugd["mostCommon"]) == (0, None)
    # An initiative without themes of its own counts under what its text is about.
    alone = next(t for t in corrections["byTheme"] if t["key"] == "eenzaamheid")
    assert (alone["initiatives"], alone["corrected"]) == (1, 1)
    assert alone["mostCommon"]["contact"]["id"] == municipality.contacts["chantal"]


def test_csv_cells_never_run_as_formulas(client: TestClient, broker: Headers, municipality) -> None:
    title = '=HYPERLINK("https://evil.example","klik"), vissen'
    created = create(client, broker, {**HENGELCLUB, "title": title})
    assert report(client, broker)["unmatchedInitiatives"]["items"][0]["title"] == title
    row = next(r for r in read_csv(client, broker) if r["section"] == "unmatched-initiative")
    assert row["key"] == str(created["id"])
    assert row["label"] == "'" + title


JSON_OR_CSV = ["application/json", "text/csv"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("application/json", "application/json"),
        ("application/problem+json", "application/json"),
        ("*/*", "application/json"),
        ("text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("text/csv, application/json", "application/json"),
        ("text/csv;q=1, application/json;q=0.5", "text/csv"),
        ("application/json;q=0.9, text/csv", "text/csv"),
        ("text/csv;q=0.5, */*", "application/json"),
        ("text/csv;q=0, */*", "application/json"),
        ("text/*;q=0.2, text/csv;q=0.9, application/json;q=0.5", "text/csv"),
        ("application/xml", None),
        ("text/html", None),
        ("application/json;q=0, text/csv;q=0", None),
        ("text/csv;q=oops", None),
    ],
)
def test_content_negotiation(accept: str | None, chosen: str | None) -> None:
    assert preferred_media_type(accept, JSON_OR_CSV) == chosen


def test_json_is_the_default(client: TestClient, broker: Headers, municipality) -> None:
    for accept in ("application/json", "*/*", "application/problem+json", None):
        headers = {**broker, "Accept": accept} if accept else broker
        response = client.get(GAPS, params={"municipalityCode": "GM0363"}, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.headers["vary"] == "Accept"


def test_an_accept_that_allows_neither_json_nor_csv_is_406(
    client: TestClient, broker: Headers, municipality
) -> None:
    for accept in ("application/xml", "text/html", "application/json;q=0, text/csv;q=0"):
        response = client.get(
            GAPS, params={"municipalityCode": "GM0363"}, headers={**broker, "Accept": accept}
        )
        problem = assert_problem(response, 406)
        assert problem["type"].endswith("/problems/not-acceptable")
        assert "application/json, text/csv" in problem["detail"]
    # Any other operation offers JSON only: asking it for CSV is 406 too.
    areas = client.get(f"{API}/areas", headers={**broker, "Accept": "text/csv"})
    assert "application/json." in assert_problem(areas, 406)["detail"]
    assert client.get(f"{API}/areas", headers={**broker, "Accept": "*/*"}).status_code == 200


def test_no_initiator_data_in_either_form(
    client: TestClient, broker: Headers, initiatives: dict[str, dict]
) -> None:
    for accept in ("application/json", "text/csv"):
        response = client.get(
            GAPS, params={"municipalityCode": "GM0363"}, headers={**broker, "Accept": accept}
        )
        assert response.status_code == 200
        assert INITIATOR_EMAIL not in response.text
        assert "Ilse Initiatief" not in response.text
        assert "initiator" not in response.text.lower()


def test_only_brokers_and_admins(
    client: TestClient, municipality, role_headers: dict[str, Headers]
) -> None:
    params = {"municipalityCode": "GM0363"}
    assert_problem(client.get(GAPS, params=params), 401)
    assert_problem(client.get(GAPS, params=params, headers=role_headers["contact"]), 403)
    assert_problem(client.get(GAPS, params=params, headers=role_headers["initiator"]), 403)
    csv_headers = {**role_headers["initiator"], "Accept": "text/csv"}
    assert_problem(client.get(GAPS, params=params, headers=csv_headers), 403)
    for role in ("admin", "broker"):
        assert client.get(GAPS, params=params, headers=role_headers[role]).status_code == 200


def test_municipality_code_is_required_and_checked(
    client: TestClient, broker: Headers, municipality
) -> None:
    assert_problem(client.get(GAPS, headers=broker), 400, names=["municipalityCode"])
    assert_problem(
        client.get(GAPS, params={"municipalityCode": "Amsterdam"}, headers=broker),
        400,
        names=["municipalityCode"],
    )
    assert_problem(
        client.get(GAPS, params={"municipalityCode": "GM0001"}, headers=broker),
        400,
        names=["municipalityCode"],
    )
    # A municipality without anything yet has an empty report, not an error.
    empty = report(client, broker, "GM0363")
    assert empty["unmatchedInitiatives"]["initiatives"] == 0
    assert empty["stalledIntroductions"]["items"] == []
    assert empty["overloadedContacts"]["items"] == []


def test_the_csv_operation_answers_csv_only(
    client: TestClient, broker: Headers, municipality
) -> None:
    url = f"{GAPS}/csv"
    for accept in (None, "text/csv", "*/*", "text/*"):
        headers = {**broker, "Accept": accept} if accept else broker
        response = client.get(url, params={"municipalityCode": "GM0363"}, headers=headers)
        assert response.status_code == 200, (accept, response.text)
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.text.startswith("section,")
        assert response.headers["content-disposition"] == "attachment; filename=gaps-GM0363.csv"
    negotiated = client.get(
        GAPS, params={"municipalityCode": "GM0363"}, headers={**broker, "Accept": "text/csv"}
    )
    plain = client.get(url, params={"municipalityCode": "GM0363"}, headers=broker)
    assert plain.text == negotiated.text
    refused = client.get(
        url, params={"municipalityCode": "GM0363"}, headers={**broker, "Accept": "application/json"}
    )
    assert "text/csv." in assert_problem(refused, 406)["detail"]
    # Confined to the key's municipalities as the JSON report is.
    other = client.get(url, params={"municipalityCode": "GM0599"}, headers=broker)
    as_json = client.get(GAPS, params={"municipalityCode": "GM0599"}, headers=broker)
    assert other.status_code == as_json.status_code >= 400
