"""rank(): area hierarchy, needs, named partners, coverage re-rank, readiness and the shape of
every Match."""

import pytest

from matching import (
    ContactProfile,
    Directory,
    InitiativeProfile,
    Match,
    Need,
    NetworkLink,
    UnitProfile,
    Weights,
    default_vocabulary,
    rank,
    signals,
)
from matching.rank import score_contact
from tests.matching.municipality import (
    BY_KEY,
    INDISCHE_BUURT,
    JAVAPLEIN,
    SUMATRA,
    WEST,
    build,
    contact,
)

W = Weights()


def place(fit: float) -> float:
    return W.area_floor + (1 - W.area_floor) * fit


def readiness(is_open: bool, capacity: float) -> float:
    return (W.openness_floor + (1 - W.openness_floor) * is_open) * (
        W.capacity_floor + (1 - W.capacity_floor) * capacity
    )


def keys(matches: list[Match]) -> list[str]:
    return [m.key for m in matches]


def by_key(matches: list[Match]) -> dict[str, Match]:
    return {m.key: m for m in matches}


def reason(match: Match, signal: str):
    (found,) = [r for r in match.reasons if r.signal == signal]
    return found


def score_one(initiative: InitiativeProfile, directory: Directory, key: str) -> Match:
    """One contact's full score and reasons, whether or not ``rank`` would show them."""
    query = directory.analyse_initiative(initiative)
    contacts = list(directory.live_contacts())
    bm25 = {c.profile.key: directory.bm25_for(c, query.terms, query.term_weights) for c in contacts}
    return score_contact(
        query,
        directory.contact(key),
        directory,
        weights=W,
        bm25=bm25[key],
        best_bm25=max(bm25.values()),
    )


# --- area hierarchy ----------------------------------------------------------------------------

GROEN = UnitProfile("groen", "Groen en openbare ruimte", "team", "Beheer van het openbaar groen.")


def gardener(key: str, *areas: str) -> ContactProfile:
    return ContactProfile(
        key,
        "Adviseur openbare ruimte en groen",
        GROEN,
        themes=("openbare-ruimte-en-groen",),
        area_codes=areas,
        expertise="Buurtmoestuinen, geveltuinen, boomspiegels en groen zelfbeheer.",
    )


MOESTUIN = InitiativeProfile(
    "Wij willen een buurtmoestuin beginnen op het Javaplein", area_codes=(JAVAPLEIN,)
)


def test_the_wijk_outranks_another_stadsdeel_and_citywide_sits_between() -> None:
    directory = build([gardener("west", WEST), gardener("stad"), gardener("wijk", INDISCHE_BUURT)])
    matches = rank(MOESTUIN, directory)
    # A broker does not send the resident to the colleague bound to another stadsdeel while
    # someone who works there, or citywide, knows the subject.
    assert keys(matches) == ["wijk", "stad"]
    found = by_key(matches)
    assert reason(found["wijk"], "area").value == signals.WIDER_AREA
    assert reason(found["stad"], "area").value == signals.CITYWIDE
    # Identical profiles: the scores differ by the place factor alone.
    top = found["wijk"].score / place(signals.WIDER_AREA)
    assert found["stad"].score == pytest.approx(top * place(signals.CITYWIDE), abs=2e-4)
    west = score_one(MOESTUIN, directory, "west")
    assert reason(west, "area").value == signals.ELSEWHERE
    assert west.score == pytest.approx(top * place(signals.ELSEWHERE), abs=2e-4)
    # When nobody else knows the subject, the colleague elsewhere is still better than nobody.
    (only,) = rank(MOESTUIN, build([gardener("west", WEST)]))
    assert only.key == "west"


def test_the_buurt_itself_beats_its_wijk_and_a_sibling_buurt_is_elsewhere() -> None:
    directory = build(
        [
            gardener("sumatra", SUMATRA),
            gardener("wijk", INDISCHE_BUURT),
            gardener("java", JAVAPLEIN),
        ]
    )
    matches = rank(MOESTUIN, directory)
    assert keys(matches) == ["java", "wijk"]
    assert reason(matches[0], "area").detail == "Werkt in Javaplein, waar uw initiatief is."
    assert reason(matches[1], "area").detail == (
        "Werkt in heel Indische Buurt, waar Javaplein bij hoort."
    )
    sumatra = score_one(MOESTUIN, directory, "sumatra")
    assert reason(sumatra, "area").value == 0.0
    assert reason(sumatra, "area").detail == (
        "Werkt vooral in Sumatraplantsoen, niet in Javaplein."
    )


def test_without_an_area_a_citywide_role_beats_a_local_one() -> None:
    directory = build([gardener("wijk", INDISCHE_BUURT), gardener("stad")])
    matches = rank(InitiativeProfile("Wij willen een buurtmoestuin beginnen"), directory)
    assert keys(matches) == ["stad", "wijk"]
    assert [reason(m, "area").value for m in matches] == [1.0, 0.75]


# --- needs -----------------------------------------------------------------------------------


def test_a_space_need_puts_the_vastgoed_adviser_above_those_without_space(
    town: Directory,
) -> None:
    initiative = InitiativeProfile(
        "Onze naaiclub voor vrouwen uit de buurt zoekt een thuisbasis", needs=(Need("space"),)
    )
    matches = rank(initiative, town, limit=10)
    vastgoed = by_key(matches)["vastgoed"]
    assert vastgoed.needs_covered == ("space",)
    assert reason(vastgoed, "need").value == 1.0
    assert reason(vastgoed, "need").detail == "Kan helpen met een plek."
    others = [m for m in matches if m.key != "vastgoed"]
    assert all(m.signals["need"] < vastgoed.signals["need"] for m in others)
    # Everyone who cannot help with space ranks below the vastgoed adviser.
    position = keys(matches).index("vastgoed")
    assert all("space" in m.needs_covered for m in matches[:position])


def test_space_need_beats_an_otherwise_similar_contact_without_it() -> None:
    unit = UnitProfile("sociaal", "Sociaal domein", "team")
    vastgoed = ContactProfile(
        "vastgoed",
        "Adviseur maatschappelijk vastgoed",
        unit,
        themes=("sociale-cohesie",),
        expertise="Leegstaande panden en buurthuizen voor bewonersgroepen.",
    )
    twin = ContactProfile(
        "cohesie",
        "Adviseur sociale cohesie",
        unit,
        themes=("sociale-cohesie",),
        expertise="Buurtactiviteiten en ontmoeting voor bewonersgroepen.",
    )
    directory = build([vastgoed, twin])
    text = "Een naaiclub voor bewonersgroepen"
    # The words alone favour the colleague a little ...
    assert keys(rank(InitiativeProfile(text), directory)) == ["cohesie", "vastgoed"]
    # ... the need for space decides: the colleague who cannot help with it comes after the
    # one who can, if at all.
    matches = rank(InitiativeProfile(text, needs=(Need("space"),)), directory)
    assert keys(matches)[0] == "vastgoed"
    assert matches[0].signals["need"] > 0.9
    assert matches[0].needs_covered == ("space",)
    cohesie = score_one(InitiativeProfile(text, needs=(Need("space"),)), directory, "cohesie")
    assert cohesie.signals["need"] == 0.0
    assert cohesie.needs_covered == ()
    assert reason(cohesie, "need").detail == "Voor een plek kunt u beter bij iemand anders terecht."


def test_a_funding_need_puts_the_subsidy_adviser_first(town: Directory) -> None:
    initiative = InitiativeProfile(
        "Wij willen een buurtfeest op het plein organiseren",
        area_codes=(JAVAPLEIN,),
        needs=(Need("funding"),),
    )
    matches = rank(initiative, town)
    # The subsidy adviser is the one who covers the need, first or right after the area's
    # own first contact (a gebiedsmakelaar is where a local initiative may always start).
    subsidie = keys(matches).index("subsidie")
    assert all(m.signals["local"] == 1.0 for m in matches[:subsidie])
    assert subsidie <= 1
    assert matches[subsidie].needs_covered == ("funding",)
    assert reason(matches[subsidie], "need").detail == "Kan helpen met geld."
    assert all("funding" not in m.needs_covered for m in matches if m.key != "subsidie")


# --- network and named partners ----------------------------------------------------------------


@pytest.mark.parametrize(
    "initiative",
    [
        InitiativeProfile(
            "Wij willen de binnentuinen van onze flat vergroenen",
            needs=(Need("partnership", "Samenwerken met woningcorporatie Ymere"),),
        ),
        InitiativeProfile("De binnentuin vergroenen, met Ymere", needs=(Need("network"),)),
        InitiativeProfile("De binnentuin vergroenen met Ymerre"),  # a typo in the name
    ],
)
def test_a_named_partner_in_the_network_gives_network_one_and_a_reason_naming_it(
    town: Directory, initiative: InitiativeProfile
) -> None:
    matches = rank(initiative, town, limit=10)
    found = by_key(matches)
    wonen = found["wonen"]
    assert wonen.signals["network"] == 1.0
    network = reason(wonen, "network")
    assert network.value == 1.0
    assert network.detail == "Kent Woningcorporatie Ymere."
    assert matches[0].key == "wonen"
    # Nobody else knows Ymere or any other housing partner.
    for match in matches:
        if match.key != "wonen":
            assert match.signals["network"] == 0.0
            assert "Ymere" not in reason(match, "network").detail


def test_the_named_partner_lifts_a_contact_above_its_twin_without_the_link() -> None:
    with_link = contact("wonen", key="met-ymere")
    without = contact(
        "wonen", key="zonder", networks=(NetworkLink("Huurdersvereniging Zuid", "community"),)
    )
    initiative = InitiativeProfile(
        "Geveltuinen in onze straat", needs=(Need("partnership", "Met Ymere samenwerken"),)
    )
    directory = build([without, with_link])
    matches = rank(initiative, directory)
    assert keys(matches)[0] == "met-ymere"
    assert matches[0].signals["network"] == 1.0
    zonder = score_one(initiative, directory, "zonder")
    assert zonder.signals["network"] == 0.0
    assert zonder.score < matches[0].score
    assert reason(zonder, "network").detail == (
        "Heeft geen contacten bij de organisaties die u zoekt."
    )


def test_a_partner_kind_counts_without_a_name() -> None:
    corporation = contact(
        "wonen", key="corporatie", networks=(NetworkLink("Stadgenoot", "housing"),)
    )
    initiative = InitiativeProfile("Samenwerken met een woningcorporatie voor de binnentuin")
    (match,) = rank(initiative, build([corporation]))
    assert match.signals["network"] == 1.0  # |{housing} ∩ {housing}| / |{housing}|
    assert reason(match, "network").detail == "Heeft contacten bij woningcorporaties."


def test_no_network_reason_when_no_partners_are_asked(town: Directory) -> None:
    for match in rank(InitiativeProfile("Zonnepanelen op het dak"), town):
        assert "network" not in {r.signal for r in match.reasons}


# --- coverage-aware re-rank --------------------------------------------------------------------

SUBSIDIES = UnitProfile("subsidies", "Subsidies", "team", "Geld voor bewonersinitiatieven.")
FUNDERS = [
    ContactProfile(
        f"subsidie-{n}",
        "Subsidieadviseur bewonersinitiatieven",
        SUBSIDIES,
        themes=("sociale-cohesie",),
        expertise="Bewonersbudget, initiatievenfonds, cofinanciering en fondsenwerving.",
        capacity_per_month=n + 2,
    )
    for n in range(1, 5)
]
SPACE = contact(
    "vastgoed",
    expertise="Verhuur van zalen, lokalen en leegstaande panden voor bewonersinitiatieven.",
)
PERMIT = contact("vergunning")
STREET_PARTY = InitiativeProfile(
    "Een buurtfeest voor alle bewoners van onze straat.",
    themes=("sociale-cohesie",),
    area_codes=(JAVAPLEIN,),
    needs=(
        Need("funding", "Subsidie uit het bewonersbudget"),
        Need("space", "Een zaal voor als het regent"),
        Need("permit", "Een vergunning voor het feest"),
    ),
)


def covered(matches: list[Match]) -> set[str]:
    return {kind for m in matches for kind in m.needs_covered}


def test_the_top_three_together_cover_all_three_needs() -> None:
    directory = build([*FUNDERS, SPACE, PERMIT])
    pure = rank(STREET_PARTY, directory, limit=3, weights=Weights(novelty=0, redundancy=0))
    # By score alone the top three repeat the funders' profile and miss the permit ...
    assert sum(key.startswith("subsidie-") for key in keys(pure)) >= 2
    assert "permit" not in covered(pure)

    # ... together they cover every need asked.
    matches = rank(STREET_PARTY, directory, limit=3)
    assert covered(matches) == {"funding", "space", "permit"}
    assert sum(key.startswith("subsidie-") for key in keys(matches)) == 1
    assert matches[0].key == pure[0].key  # the best match still leads


def test_pure_score_order_without_novelty_and_redundancy() -> None:
    directory = build([*FUNDERS, SPACE, PERMIT])
    pure = rank(STREET_PARTY, directory, limit=10, weights=Weights(novelty=0, redundancy=0))
    assert len(pure) == 6
    scores = [m.score for m in pure]
    assert scores == sorted(scores, reverse=True)
    # Equal scores are broken by key: deterministic.
    funders = [key for key in keys(pure) if key.startswith("subsidie-")]
    assert funders == ["subsidie-1", "subsidie-2", "subsidie-3", "subsidie-4"]
    assert len({m.score for m in pure if m.key in funders}) == 1


def test_redundancy_alone_spreads_the_picks_over_units() -> None:
    directory = build([*FUNDERS, SPACE, PERMIT])
    matches = rank(STREET_PARTY, directory, limit=3, weights=Weights(novelty=0, redundancy=1))
    assert sum(key.startswith("subsidie-") for key in keys(matches)) == 1


# --- readiness -------------------------------------------------------------------------------

KOFFIE = InitiativeProfile("Een koffieochtend voor eenzame ouderen in de buurt")


def twins() -> Directory:
    return build(
        [
            contact("eenzaamheid", key="dicht", open_to_initiatives=False),
            contact("eenzaamheid", key="vol", capacity_per_month=3, open_introductions=3),
            contact("eenzaamheid", key="open"),
        ]
    )


def test_closed_and_full_contacts_are_left_out_while_an_open_one_fits() -> None:
    # A broker never sends a resident to someone who takes no initiatives or has no room
    # this month while someone who can help now fits.
    assert keys(rank(KOFFIE, twins())) == ["open"]
    # When nobody reachable fits, they are shown, lowered by readiness.
    matches = rank(
        KOFFIE,
        build(
            [
                contact("eenzaamheid", key="dicht", open_to_initiatives=False),
                contact("eenzaamheid", key="vol", capacity_per_month=3, open_introductions=3),
            ]
        ),
    )
    assert keys(matches) == ["dicht", "vol"]
    found = by_key(matches)
    relevance = found["dicht"].signals["relevance"]
    assert found["dicht"].score == pytest.approx(relevance * readiness(False, 1.0), abs=1e-4)
    assert found["vol"].score == pytest.approx(relevance * readiness(True, 0.0), abs=1e-4)
    assert reason(found["dicht"], "openness").value == 0.0
    assert reason(found["dicht"], "openness").detail == "Neemt nu geen nieuwe initiatieven aan."
    assert reason(found["vol"], "capacity").value == 0.0
    assert reason(found["vol"], "capacity").detail == (
        "Heeft deze maand geen tijd meer voor nieuwe kennismakingen."
    )
    assert reason(by_key(rank(KOFFIE, twins()))["open"], "capacity").detail == (
        "Heeft deze maand nog tijd voor 4 kennismakingen."
    )


def test_capacity_left_overrides_the_profile() -> None:
    directory = twins()
    plain = by_key(rank(KOFFIE, directory))
    # open has no room left, vol has: vol is the one to suggest, as open was.
    emptied = by_key(rank(KOFFIE, directory, capacity_left={"open": 0, "vol": 5}))
    assert list(emptied) == ["vol"]
    assert emptied["vol"].score == pytest.approx(plain["open"].score, abs=1e-4)
    assert reason(emptied["vol"], "capacity").detail == (
        "Heeft deze maand nog tijd voor 5 kennismakingen."
    )
    one = by_key(rank(KOFFIE, directory, capacity_left={"open": 1}))["open"]
    assert reason(one, "capacity").value == 0.5
    assert one.score == pytest.approx(plain["open"].score * readiness(True, 0.5), abs=1e-4)
    assert reason(one, "capacity").detail == "Heeft deze maand nog tijd voor 1 kennismaking."
    # Nobody with room: everyone who fits is shown, the full lowered by the capacity floor.
    nobody = by_key(rank(KOFFIE, directory, capacity_left={"open": 0}))
    assert set(nobody) == {"open", "dicht", "vol"}
    assert nobody["open"].score == pytest.approx(
        plain["open"].score * readiness(True, 0.0), abs=1e-4
    )
    # Keys the directory does not know change nothing.
    assert by_key(rank(KOFFIE, directory, capacity_left={"niemand": 0})) == plain


# --- the shape of every Match ------------------------------------------------------------------

INITIATIVES = [
    InitiativeProfile("Wij willen hangjongeren op het plein een plek geven"),
    InitiativeProfile(
        "Geldzorgen in onze buurt: een inloop met vrijwilligers",
        area_codes=(JAVAPLEIN,),
        needs=(Need("funding"), Need("volunteers", "Mensen die willen helpen")),
    ),
    InitiativeProfile("Zonnepanelen op de daken van de flat, samen met Ymere", stage="idea"),
    InitiativeProfile(
        "Een buurtmoestuin", themes=("openbare-ruimte-en-groen",), area_codes=(WEST,)
    ),
    InitiativeProfile("eenzaamheid", needs=(Need("other", "iets anders"),)),
]


@pytest.mark.parametrize("initiative", INITIATIVES)
def test_every_match_explains_itself(town: Directory, initiative: InitiativeProfile) -> None:
    matches = rank(initiative, town, limit=10)
    assert matches
    expected = {"text", "theme", "area", "openness", "capacity"}
    # Needs ticked, and needs the text states ("een plek geven"): both are asked.
    needs = set(town.analyse_initiative(initiative).needs) - {"other"}
    for match in matches:
        signals = [r.signal for r in match.reasons]
        assert len(signals) == len(set(signals))
        assert expected <= set(signals)
        if needs:
            assert "need" in signals
        assert 0.0 <= match.score <= 1.0
        for r in match.reasons:
            assert 0.0 <= r.value <= 1.0, r
            assert r.weight > 0, r
            assert r.detail.strip() and r.detail == r.detail.strip(), r
            assert r.detail[0].isupper() and r.detail.endswith("."), r
        for signal in expected:
            assert reason(match, signal).value == pytest.approx(match.signals[signal], abs=1e-3)
        assert set(match.needs_covered) <= needs


def test_matched_terms_are_the_initiators_own_words(town: Directory) -> None:
    matches = rank(InitiativeProfile("Zonnepaneel op het dak van ons buurthuis"), town)
    energie = by_key(matches)["energie"]
    assert "zonnepaneel" in energie.matched_terms
    assert "zonnepaneel" in reason(energie, "text").detail


def test_results_are_distinct_and_limited(town: Directory) -> None:
    initiative = INITIATIVES[1]
    for limit in (1, 2, 3, 5, 50):
        matches = rank(initiative, town, limit=limit)
        assert len(matches) <= limit
        assert len(keys(matches)) == len(set(keys(matches)))
    # The limit when enough fit.
    assert len(rank(initiative, town, limit=3)) == min(3, len(rank(initiative, town, limit=50)))
    assert keys(rank(initiative, town, limit=1)) == keys(rank(initiative, town, limit=5))[:1]


def test_rank_is_deterministic(town: Directory) -> None:
    for initiative in INITIATIVES:
        assert rank(initiative, town) == rank(initiative, town)


def test_empty_directory_and_zero_limit_give_nothing(town: Directory) -> None:
    empty = Directory.build([], [], default_vocabulary())
    assert rank(INITIATIVES[0], empty) == []
    assert rank(INITIATIVES[0], town, limit=0) == []
    assert rank(INITIATIVES[0], town, limit=-3) == []


def test_an_initiative_that_shares_nothing_finds_nobody(town: Directory) -> None:
    assert rank(InitiativeProfile("qwerty azerty"), town) == []
    assert rank(InitiativeProfile(""), town) == []


def test_the_town_is_a_realistic_fixture() -> None:
    assert 8 <= len(BY_KEY) <= 12
