"""The bundled demo (api/cli/demo.py): the directory, its initiatives, and the broker's desk of
one of them: a pinned contact and the municipality's official answer."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.cli.demo import load_demo
from tests.helpers import API

Headers = dict[str, str]


def test_the_demo_shows_a_pinned_contact_and_an_official_answer(
    client: TestClient, admin: Headers, engine: Engine
) -> None:
    with Session(engine) as session:
        assert load_demo(session=session) is True
    initiatives = client.get(f"{API}/initiatives?pageSize=100", headers=admin).json()["items"]
    assert len(initiatives) == 28
    answered = [i for i in initiatives if i["response"] is not None]
    assert len(answered) == 1
    [cafe] = answered
    assert cafe["title"] == "Geldzorgen-café Van der Pek"
    assert cafe["response"]["status"] == "in_progress"
    assert "gebiedsadviseur" in cafe["response"]["text"]

    overrides = client.get(f"{API}/initiatives/{cafe['id']}/match-overrides", headers=admin).json()[
        "items"
    ]
    assert [o["action"] for o in overrides] == ["pin"]
    pinned = client.get(f"{API}/contacts/{overrides[0]['contactId']}", headers=admin).json()
    assert pinned["jobTitle"] == "Beleidsadviseur Schuldhulpverlening"
    first = client.get(f"{API}/initiatives/{cafe['id']}/matches", headers=admin).json()["items"][0]
    assert first["contact"]["id"] == pinned["id"]
    assert first["reasons"][0]["detail"] == "Aanbevolen door de gemeente."
    history = client.get(f"{API}/initiatives/{cafe['id']}/history", headers=admin).json()
    assert [e["kind"] for e in history] == ["override_created", "response_changed"]
    # The report counts it: one correction, one answer.
    report = client.get(f"{API}/insights/gaps?municipalityCode=GM0363", headers=admin).json()
    assert report["rankingCorrections"]["corrected"] == 1
    assert report["answers"]["answered"] == 1
