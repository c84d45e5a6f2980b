"""The one adapter from import-format records to the engine's profiles (service, bench and
evaluation all use it): the API's defaults for what a record leaves out, knows as keys."""

from matching.documents import Shared, contact_profile, initiative_profile, unit_profile

UNIT = {"key": "u1", "name": "Wonen", "kind": "department"}


def test_a_contact_that_says_little_gets_the_apis_defaults() -> None:
    profile = contact_profile({"key": 7, "jobTitle": "Adviseur"}, unit_profile(UNIT))
    assert profile.key == "7"
    assert (profile.capacity_per_month, profile.open_to_initiatives) == (4, True)
    assert profile.languages == ("nl",)
    assert profile.themes == profile.area_codes == profile.knows == profile.networks == ()
    assert profile.expertise == "" and profile.unit.description == ""


def test_knows_and_keys_are_text_and_shared_objects_are_reused() -> None:
    shared = Shared()
    record = {
        "jobTitle": "Adviseur",
        "knows": [3, "c-b"],
        "languages": [],
        "networks": [{"name": "Ymere", "kind": "housing"}],
        "openToInitiatives": False,
        "capacityPerMonth": 0,
    }
    one = contact_profile(record, unit_profile(UNIT), key="1", shared=shared)
    two = contact_profile(record, unit_profile(UNIT), key="2", shared=shared)
    assert one.knows == ("3", "c-b")
    assert one.languages == ()  # said: none known
    assert (one.open_to_initiatives, one.capacity_per_month) == (False, 0)
    assert one.networks[0] is two.networks[0]


def test_an_initiative_joins_its_texts_and_a_question_keeps_its_own() -> None:
    initiative = initiative_profile(
        {
            "title": " Moestuin ",
            "description": "",
            "problem": None,
            "targetGroup": "buren",
            "needs": [{"kind": "space"}],
            "stage": "idea",
        }
    )
    assert initiative.text == "Moestuin buren"
    assert initiative.needs[0].description == "" and initiative.stage == "idea"
    assert initiative_profile({"text": "koffie in de Pijp"}).text == "koffie in de Pijp"
