"""Directory.build (features and postings), bm25 and analyse_initiative."""

import math
from collections import Counter

import pytest

from matching import (
    AreaProfile,
    ContactProfile,
    Directory,
    InitiativeProfile,
    Need,
    NetworkLink,
    UnitProfile,
    default_vocabulary,
)
from matching.index import NEED_READ_ALONE, NEED_READ_BESIDE_TICKED, UNIT_THEME
from matching.text import stem
from tests.matching.municipality import (
    AREAS,
    CONTACTS,
    INDISCHE_BUURT,
    JAVAPLEIN,
    OOST,
    WEST,
)


def features(directory: Directory, key: str):
    return next(c for c in directory.contacts if c.profile.key == key)


# --- building ------------------------------------------------------------------------------


def test_build_prepares_every_contact(town: Directory) -> None:
    assert town.size == len(CONTACTS)
    assert [c.profile for c in town.contacts] == list(CONTACTS)
    assert town.average_length == pytest.approx(sum(c.length for c in town.contacts) / town.size)
    for c in town.contacts:
        assert c.length >= len(c.term_counts) > 0


def test_build_an_empty_directory() -> None:
    empty = Directory.build([], [], default_vocabulary())
    assert empty.size == 0
    assert empty.contacts == []
    assert empty.average_length == 1.0


def test_ancestors_follow_the_hierarchy_and_survive_cycles() -> None:
    areas = [
        AreaProfile("A", "A", "B"),
        AreaProfile("B", "B", "C"),
        AreaProfile("C", "C", "A"),  # a cycle in bad data
        AreaProfile("D", "D", "ONBEKEND"),  # a parent that is not in the directory
        AreaProfile("E", "E", "E"),  # its own parent
    ]
    directory = Directory.build([], areas, default_vocabulary())
    assert directory.ancestors["A"] == ("B", "C")
    assert directory.ancestors["C"] == ("A", "B")
    assert directory.ancestors["D"] == ()
    assert directory.ancestors["E"] == ()


def test_job_title_words_are_indexed_as_stems_with_compound_parts(town: Directory) -> None:
    vastgoed = features(town, "vastgoed")
    assert {
        stem("vastgoed"),
        stem("adviseur"),
        stem("maatschappelijk"),
    } <= vastgoed.term_counts.keys()
    groen = features(town, "groen")
    # "Buurtmoestuinen" is indexed whole and as buurt + moestuin.
    assert {stem("buurtmoestuinen"), stem("buurt"), stem("moestuin")} <= groen.term_counts.keys()


def test_postings_point_at_the_contacts_with_the_term(town: Directory) -> None:
    keys = {town.contacts[i].profile.key for i, _tf in town.postings[stem("vastgoed")]}
    assert keys == {"vastgoed"}
    for term, posting in town.postings.items():
        for index, tf in posting:
            assert term in town.contacts[index].term_counts
            assert tf >= 1


def test_own_words_count_more_than_shared_ones(town: Directory) -> None:
    # BM25F in whole numbers: the job title four times, the expertise twice, the unit's
    # text (which speaks for every colleague) once.
    ((index, tf),) = town.postings[stem("programmamanager")]
    assert town.contacts[index].profile.key == "jeugd"
    assert tf == 4
    jeugd = features(town, "jeugd")
    assert jeugd.term_counts[stem("hangjongeren")] == 2  # in the expertise
    assert jeugd.term_counts[stem("inkomen")] == 1  # in the unit's description


def test_contact_themes_own_unit_and_inferred() -> None:
    unit = UnitProfile("wonen", "Wonen", "department", themes=("wonen", "zorg"))
    person = ContactProfile(
        "p",
        "Beleidsadviseur",
        unit,
        themes=("zorg",),
        expertise="Hangjongeren",
    )
    (c,) = Directory.build([person], [], default_vocabulary()).contacts
    assert c.themes["zorg"] == 1.0  # own theme, although the unit has it too
    assert c.themes["wonen"] == UNIT_THEME  # the unit's theme: their colleagues' too
    # Spoken of once in the expertise: 0.7 · saturate(1 hit, scale 2).
    assert c.themes["jeugd"] == pytest.approx(0.7 * (1 - math.exp(-1 / 2)))


def test_capability_from_words_unit_kind_and_network(town: Directory) -> None:
    assert features(town, "vastgoed").capability["space"] >= 0.9
    assert features(town, "vergunning").capability["permit"] >= 0.9
    assert features(town, "subsidie").capability["funding"] >= 0.9
    # An area team answers space and network by its nature.
    plain = ContactProfile("x", "Medewerker", UnitProfile("t", "Team", "area_team"))
    fund = ContactProfile(
        "y",
        "Medewerker",
        UnitProfile("u", "Team", "team", area_codes=(OOST,)),
        networks=(
            NetworkLink("Stichting DOEN", "fund"),
            NetworkLink("Huurdersvereniging Zuid", "community"),
            NetworkLink("ROC", "education"),
        ),
    )
    one_link = ContactProfile(
        "z", "Medewerker", UnitProfile("v", "Team", "team"), networks=fund.networks[:1]
    )
    x, y, z = Directory.build([plain, fund, one_link], [], default_vocabulary()).contacts
    assert x.capability["space"] == pytest.approx(0.4)
    assert x.capability["network"] == pytest.approx(0.5)
    assert x.capability["scaling"] == pytest.approx(0.3)  # citywide
    assert y.capability["funding"] == pytest.approx(0.6)
    assert y.capability["volunteers"] == pytest.approx(0.3)
    # A wider network is a (weak) sign of reach: three links count more than one.
    assert 0 < z.capability["network"] < y.capability["network"] <= 1
    assert 0 < z.capability["partnership"] < y.capability["partnership"] <= 1
    assert "scaling" not in y.capability  # works in an area
    assert all(0 < v <= 1 for v in x.capability.values())


def test_a_need_is_answered_by_what_someone_does_not_by_a_word_in_passing() -> None:
    unit = UnitProfile("s", "Team Sociaal", "team")
    poverty = ContactProfile(
        "armoede",
        "Beleidsadviseur armoede",
        unit,
        expertise="Armoedebeleid voor mensen met weinig geld; werkt in de openbare ruimte.",
        # Knowing a fund is a network (kind "community" here), not a funding portfolio.
        networks=(NetworkLink("Oranje Fonds", "community"),),
    )
    money = ContactProfile("subsidie", "Subsidieadviseur", unit, expertise="Regelingen.")
    a, b = Directory.build([poverty, money], [], default_vocabulary()).contacts
    # "weinig geld" is poverty and "openbare ruimte" the street: no funding, no room.
    assert a.capability.get("funding", 0.0) == 0.0
    assert a.capability.get("space", 0.0) == 0.0
    # The job title names the service (one phrase: saturate(1, 1)).
    assert b.capability["funding"] == pytest.approx(1 - math.exp(-1))


def test_served_areas_are_the_contacts_or_else_the_units(town: Directory) -> None:
    assert features(town, "gebiedsmakelaar").areas == (INDISCHE_BUURT,)
    assert features(town, "groen").areas == (WEST,)
    assert features(town, "subsidie").areas == ()
    assert {town.contacts[i].profile.key for i in town.area_postings[INDISCHE_BUURT]} == {
        "gebiedsmakelaar"
    }


def test_organisation_tokens_skip_generic_words(town: Directory) -> None:
    assert features(town, "wonen").network_tokens["ymere"] == "Woningcorporatie Ymere"
    assert "woningcorporatie" not in features(town, "wonen").network_tokens
    assert features(town, "subsidie").network_tokens == {"oranje": "Oranje Fonds"}
    assert "ymere" in town.organisation_tokens
    assert town.organisation_tokens == sorted(town.organisation_tokens)


# --- bm25 --------------------------------------------------------------------------------------


def test_idf_is_higher_for_rarer_terms(town: Directory) -> None:
    assert town.idf(stem("vastgoed")) > town.idf(stem("adviseur"))
    assert town.idf("bestaatniet") == pytest.approx(math.log(1 + (town.size + 0.5) / 0.5))


def test_bm25_follows_the_formula() -> None:
    unit = UnitProfile("t", "Team", "team")
    directory = Directory.build(
        [
            ContactProfile("a", "Moestuinadviseur", unit, expertise="moestuin moestuin"),
            ContactProfile("b", "Jongerenwerker", unit, expertise="hangjongeren"),
        ],
        [],
        default_vocabulary(),
    )
    term = stem("moestuin")
    a = directory.contacts[0]
    tf = dict(directory.postings[term])[0]
    idf = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))
    norm = 1.2 * (1 - 0.75 + 0.75 * a.length / directory.average_length)
    expected = idf * tf * 2.2 / (tf + norm)
    assert directory.bm25(Counter({term: 1})) == {0: pytest.approx(expected)}
    # Query counts count, up to three.
    assert directory.bm25(Counter({term: 3}))[0] == pytest.approx(3 * expected)
    assert directory.bm25(Counter({term: 9}))[0] == pytest.approx(3 * expected)
    assert directory.bm25(Counter({"onbekend": 1})) == {}


def test_bm25_prefers_the_contact_whose_words_match(town: Directory) -> None:
    query = Counter(town.analyzer.terms("zonnepanelen en energiecoöperatie"))
    scores = town.bm25(query)
    best = max(scores, key=scores.__getitem__)
    assert town.contacts[best].profile.key == "energie"


# --- analyse_initiative ---------------------------------------------------------------------


def test_asked_themes_and_needs_count_fully(town: Directory) -> None:
    query = town.analyse_initiative(
        InitiativeProfile(
            "Een buurtfeest",
            themes=("sociale-cohesie",),
            needs=(Need("funding"), Need("space", "Een zaal"), Need("other", "iets anders")),
            area_codes=(JAVAPLEIN,),
        )
    )
    assert query.themes["sociale-cohesie"] == 1.0
    assert query.needs["funding"] == 1.0
    assert query.needs["space"] == 1.0
    assert "other" not in query.needs
    assert query.areas == (JAVAPLEIN,)
    # Need descriptions are part of the text.
    assert stem("zaal") in query.terms


def test_needs_the_text_states_count_less_than_ticked_ones(town: Directory) -> None:
    text = "Wij zoeken subsidie voor zonnepanelen"
    # Nothing ticked: a need the text states counts as asked (0.5 and up), below a tick.
    query = town.analyse_initiative(InitiativeProfile(text))
    assert query.needs["funding"] == NEED_READ_ALONE
    assert 0.5 <= query.needs["funding"] < 1.0
    assert query.needs_read == ("funding",)
    # Beside a ticked need it only breaks ties.
    ticked = town.analyse_initiative(InitiativeProfile(text, needs=(Need("space"),)))
    assert ticked.needs == {"space": 1.0, "funding": NEED_READ_BESIDE_TICKED}
    assert NEED_READ_BESIDE_TICKED < 0.5
    assert ticked.needs_read == ("funding",)
    assert 0 < query.themes["energie-en-duurzaamheid"] <= 0.8


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("We zoeken een plek voor onze naaiclub", "space"),
        ("Mag dat zomaar, een bankje op de stoep?", "permit"),
        ("We hebben wat startgeld nodig", "funding"),
        ("Do we need a permit for a street party?", "permit"),
    ],
)
def test_needs_stated_in_everyday_words_are_read(town: Directory, text: str, need: str) -> None:
    assert need in town.analyse_initiative(InitiativeProfile(text)).needs_read


def test_a_need_word_inside_a_theme_phrase_is_no_need(town: Directory) -> None:
    # "openbare ruimte" is the street, not a room.
    query = town.analyse_initiative(InitiativeProfile("Meer groen in de openbare ruimte"))
    assert "space" not in query.needs


def test_eenzame_ouderen_is_mostly_about_eenzaamheid(town: Directory) -> None:
    query = town.analyse_initiative(InitiativeProfile("Eenzame ouderen in onze straat"))
    assert max(query.themes, key=query.themes.__getitem__) == "eenzaamheid"


def test_typos_are_corrected_and_the_initiators_words_kept(town: Directory) -> None:
    query = town.analyse_initiative(InitiativeProfile("Duurzaamhied in de buurtmoestuin"))
    assert stem("duurzaamheid") in query.terms
    assert query.surface[stem("duurzaamheid")] == "duurzaamhied"
    assert {stem("buurt"), stem("moestuin")} <= set(query.terms)
    assert query.surface[stem("moestuin")] == "buurtmoestuin"


def test_named_partners_exact_and_with_a_typo(town: Directory) -> None:
    exact = town.analyse_initiative(InitiativeProfile("Wij willen samenwerken met Ymere"))
    assert exact.named_partners == {"ymere": "ymere"}
    assert "housing" in exact.partner_kinds
    typo = town.analyse_initiative(InitiativeProfile("Overleg met Ymerre"))
    assert typo.named_partners == {"ymere": "ymerre"}


def test_generic_organisation_words_name_no_partner(town: Directory) -> None:
    query = town.analyse_initiative(InitiativeProfile("Een woningcorporatie en een stichting"))
    assert query.named_partners == {}
    assert "housing" in query.partner_kinds


def test_generic_words_do_not_fuzzily_name_an_organisation() -> None:
    person = ContactProfile(
        "p",
        "Adviseur wonen",
        UnitProfile("t", "Team", "team"),
        networks=(NetworkLink("Amsterdamse Federatie van Woningcorporaties", "housing"),),
    )
    directory = Directory.build([person], [], default_vocabulary())
    assert {"amsterdamse", "woningcorporaties"} <= set(directory.organisation_tokens)
    # "amsterdam" and "woningcorporatie" are generic, though a letter away from those tokens.
    query = directory.analyse_initiative(InitiativeProfile("Een woningcorporatie in Amsterdam"))
    assert query.named_partners == {}
    query = directory.analyse_initiative(InitiativeProfile("Met de federatie"))
    assert query.named_partners == {"federatie": "federatie"}


def test_an_empty_initiative_has_no_features(town: Directory) -> None:
    query = town.analyse_initiative(InitiativeProfile(""))
    assert not query.terms and not query.themes and not query.needs
    assert query.named_partners == {} and query.partner_kinds == frozenset()


def test_an_areas_first_contact_is_the_way_in_not_any_colleague_there() -> None:
    team = UnitProfile("gt", "Gebiedsteam Oost", "area_team", area_codes=(OOST,))
    programme = UnitProfile("p", "Programma Wijkaanpak", "programme", area_codes=(OOST,))
    broker = ContactProfile(
        "makelaar",
        "Gebiedsmakelaar Oost",
        team,
        themes=("sociale-cohesie",),
        expertise="Eerste aanspreekpunt voor bewoners; verbindt initiatieven met de buurt.",
    )
    manager = ContactProfile(
        "manager",
        "Programmamanager Wijkaanpak Oost",
        programme,
        themes=("sociale-cohesie", "armoede-en-schulden"),
        expertise="Leidt het programma met corporaties, politie en scholen.",
    )
    citywide = ContactProfile(
        "stad",
        "Adviseur bewonersinitiatieven",
        UnitProfile("s", "Team Participatie", "team"),
        themes=("sociale-cohesie",),
        expertise="Eerste aanspreekpunt voor bewoners; verbindt initiatieven met de buurt.",
    )
    directory = Directory.build([broker, manager, citywide], AREAS, default_vocabulary())
    # Bound to the area, a broad theme first, and their own words say they are the way in.
    assert features(directory, "makelaar").broad
    # A programme's manager in the area with the same main theme is not the way in ...
    assert not features(directory, "manager").broad
    # ... and a citywide colleague is nobody's area's first contact.
    assert not features(directory, "stad").broad
