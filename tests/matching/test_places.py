"""Places in a resident's words: found as places, never as subject words (matching.places)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import AreaProfile
from matching.index import area_ancestors
from matching.places import SHORTENED, Gazetteer, _words_with_case, name_variants
from matching.text import tokenise

AREAS = [
    AreaProfile("SD-NW", "Nieuw-West"),
    AreaProfile("WK-GV", "Geuzenveld", "SD-NW"),
    AreaProfile("WK-OM", "Osdorp-Midden", "SD-NW"),
    AreaProfile("SD-C", "Centrum"),
    AreaProfile("WK-CW", "Centrum-West", "SD-C"),
    AreaProfile("SD-Z", "Zuid"),
    AreaProfile("WK-PIJP", "De Pijp", "SD-Z"),
    AreaProfile("BU-OP", "Oude Pijp", "WK-PIJP"),
    AreaProfile("SD-ZO", "Zuidoost"),
    AreaProfile("WK-BC", "Bijlmer-Centrum", "SD-ZO"),
    AreaProfile("WK-BO", "Bijlmer-Oost", "SD-ZO"),
    AreaProfile("WK-HR", "Holendrecht/Reigersbos", "SD-ZO"),
    AreaProfile("SD-O", "Oost"),
    AreaProfile("WK-IB", "Indische Buurt West", "SD-O"),
    AreaProfile("WK-SZ", "Spaarndammer- en Zeeheldenbuurt", "SD-O"),
    # One buurt name in two wijken: a real city has them.
    AreaProfile("BU-MW1", "Molenwijk", "WK-GV"),
    AreaProfile("BU-MW2", "Molenwijk", "WK-IB"),
    AreaProfile("SD-N", "Noord", aliases=("Amsterdam-Noord",)),
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    by_code = {a.code: a for a in AREAS}
    ancestors = {a.code: area_ancestors(a.code, by_code) for a in AREAS}
    return Gazetteer(
        AREAS,
        ancestors,
        other_names=("Amsterdam",),
        is_word=lambda word: word in {"pijpen", "molen"},
    )


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("eenzame ouderen in Nieuw-West, wekelijkse maaltijd", ("SD-NW",)),
        ("eenzame ouderen in nieuw west", ("SD-NW",)),
        ("in de Indische Buurt willen we een buurtfeest", ("WK-IB",)),  # without "West"
        ("bij ons in de Pijp", ("WK-PIJP",)),  # without its article
        ("wij wonen in Osdorp", ("WK-OM",)),  # without "Midden"
        ("de Zeeheldenbuurt", ("WK-SZ",)),  # one half of a shared suffix
        ("speeltuin in Reigersbos", ("WK-HR",)),  # one side of a slash
        ("hangjongeren in Amsterdam-Noord", ("SD-N",)),  # a given alias
        ("iets voor Geuzenvelt", ("WK-GV",)),  # misspelt
        ("in Geuzenveld, in Nieuw-West", ("WK-GV",)),  # the stadsdeel adds nothing
    ],
)
def test_names_and_the_ways_residents_write_them(
    gazetteer: Gazetteer, text: str, codes: tuple[str, ...]
) -> None:
    assert gazetteer.find(text).codes == codes


def test_the_words_of_a_place_are_not_subject_words(gazetteer: Gazetteer) -> None:
    text = "eenzame ouderen in Nieuw-West"
    words = tokenise(text)
    places = gazetteer.find(text)
    assert {words[i] for i in places.positions} == {"nieuw", "west"}
    assert "eenzame" not in {words[i] for i in places.positions}


def test_a_name_for_areas_side_by_side_means_them_together(gazetteer: Gazetteer) -> None:
    # "Bijlmer" is what is left of the names of both Bijlmer wijken, in one stadsdeel.
    assert set(gazetteer.find("een moestuin in de Bijlmer").codes) == {"WK-BC", "WK-BO"}


def test_an_ambiguous_name_is_no_area_unless_the_text_resolves_it(
    gazetteer: Gazetteer,
) -> None:
    alone = gazetteer.find("overlast in de Molenwijk")
    assert alone.codes == ()
    (mention,) = alone.ambiguous
    assert mention.written == "Molenwijk"
    assert set(mention.candidates) == {"BU-MW1", "BU-MW2"}
    # The wijk named beside it tells which.
    assert gazetteer.find("Molenwijk in Geuzenveld").codes == ("BU-MW1",)
    assert gazetteer.find("Molenwijk, Indische Buurt").codes == ("BU-MW2",)


@pytest.mark.parametrize(
    "text",
    [
        "het centrum van de stad is druk",  # an everyday word without a place's context
        "we lopen naar het noorden",  # another word altogether
        "de pijpen zijn kapot",  # a word of its own, not a misspelt place
        "een molen bij de dijk",
    ],
)
def test_everyday_words_are_no_places(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.find(text).codes == ()


@pytest.mark.parametrize(("text", "code"), [("ik woon in noord", "SD-N"), ("Zuid", "SD-Z")])
def test_an_everyday_word_is_a_place_after_in_or_with_a_capital(
    gazetteer: Gazetteer, text: str, code: str
) -> None:
    assert gazetteer.find(f"Hallo, {text}").codes == (code,)


def test_the_municipalitys_own_name_is_a_place_for_nobody(gazetteer: Gazetteer) -> None:
    places = gazetteer.find("eenzaamheid in Amsterdam")
    assert places.codes == ()
    assert len(places.positions) == 1


def test_strict_reading_takes_no_everyday_words_and_no_misspellings(
    gazetteer: Gazetteer,
) -> None:
    # A profile's text is no question: "Centrum-West" there must not also mean Centrum.
    assert gazetteer.find("Gebiedsmakelaar Centrum-West", strict=True).codes == ("WK-CW",)
    assert gazetteer.find("Kent Geuzenvelt", strict=True).codes == ()
    assert gazetteer.find("Werkt in Noord", strict=True).codes == ()


def test_name_variants() -> None:
    assert ("osdorp", SHORTENED) in name_variants("Osdorp-Midden")
    variants = {v for v, _ in name_variants("Nieuw-West")}
    assert "nieuw" not in variants and "west" not in variants  # never an everyday word
    assert {"Spaarndammerbuurt", "Zeeheldenbuurt"} <= {
        v for v, _ in name_variants("Spaarndammer- en Zeeheldenbuurt")
    }


@given(st.text(max_size=80))
def test_the_words_read_with_their_case_are_the_normalised_words(text: str) -> None:
    assert _words_with_case(text)[0] == tokenise(text)
