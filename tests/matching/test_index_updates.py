"""The index answers exactly what scoring every contact one by one answers, and stays so
through upserts, removals and compaction (no rebuild needed).

The reference (``brute_force``) is the plain definition: ``score_contact`` on every listed
contact with BM25 from ``bm25_for``, those that share something with the initiative, then
the same re-rank and warm paths. Data and questions are random (seeded), with the overlaps
and ties real directories have: few units, shared job titles, everyone in a handful of
areas.
"""

import random
import weakref
from dataclasses import replace

import pytest

from matching import (
    AreaProfile,
    ContactProfile,
    Directory,
    InitiativeProfile,
    Match,
    Need,
    NetworkLink,
    TrackRecord,
    UnitProfile,
    Weights,
    default_vocabulary,
    rank,
)
from matching.rank import (
    NO_RECORD,
    in_the_running,
    rerank,
    score_contact,
    shares_something,
    with_warm_paths,
)

VOCABULARY = default_vocabulary()
THEMES = sorted(VOCABULARY.themes)
NEEDS = sorted(VOCABULARY.needs)
PARTNER_KINDS = sorted(VOCABULARY.partner_kinds)
WORDS = (  # noqa: SIM905 - a word list reads best as text
    "armoede schulden jongeren ouderen eenzaamheid buurthuis moestuin zonnepanelen "
    "energiecoöperatie taalles nieuwkomers vrijwilligers sport voetbal cultuur theater "
    "subsidie vergunning evenement huisvesting woningcorporatie school onderwijs zorg "
    "mantelzorg wijkteam veiligheid groen speeltuin participatie ondernemers werkloosheid "
    "schuldhulpverlening jongerenwerk gezondheid bewegen voedselbank kringloop"
).split()
TITLES = (
    "Beleidsadviseur armoede",
    "Gebiedsmakelaar",
    "Wijkregisseur",
    "Accountmanager subsidies",
    "Jongerenwerker",
    "Programmamanager energietransitie",
    "Vergunningverlener evenementen",
    "Adviseur maatschappelijk vastgoed",
)
ORGANISATIONS = (
    ("Woonstichting De Key", "housing"),
    ("Stichting Buurtkracht", "community"),
    ("Oranje Fonds", "fund"),
    ("ROC van Amsterdam", "education"),
    ("Cordaan", "care_welfare"),
    ("Hogeschool Inholland", "research"),
    ("Ondernemersvereniging Oost", "business"),
)
AREAS = (
    AreaProfile("SD-A", "Noordoost"),
    AreaProfile("WK-A1", "Vogelbuurt", "SD-A"),
    AreaProfile("BU-A1", "Merelplein", "WK-A1"),
    AreaProfile("WK-A2", "Bloemenwijk", "SD-A"),
    AreaProfile("SD-B", "Zuidwest"),
    AreaProfile("WK-B1", "Havenkwartier", "SD-B"),
    AreaProfile("BU-B1", "Kadeplein", "WK-B1"),
)
AREA_CODES = [a.code for a in AREAS]


def random_units(rng: random.Random) -> list[UnitProfile]:
    kinds = ["team", "department", "area_team", "district", "programme"]
    return [
        UnitProfile(
            key=f"u{i}",
            name=f"{rng.choice(['Team', 'Afdeling', 'Programma'])} {rng.choice(WORDS)}",
            kind=rng.choice(kinds),
            description=" ".join(rng.sample(WORDS, 4)),
            themes=tuple(rng.sample(THEMES, rng.randint(0, 2))),
            area_codes=tuple(rng.sample(AREA_CODES, rng.randint(0, 1))),
        )
        for i in range(6)
    ]


def random_contact(
    rng: random.Random, key: str, units: list[UnitProfile], keys: int
) -> ContactProfile:
    return ContactProfile(
        key=key,
        job_title=rng.choice(TITLES),
        unit=rng.choice(units),
        themes=tuple(rng.sample(THEMES, rng.randint(0, 3))),
        area_codes=tuple(rng.sample(AREA_CODES, rng.choice([0, 0, 1, 2]))),
        expertise=" ".join(rng.choices(WORDS, k=rng.randint(0, 12))),
        networks=tuple(
            NetworkLink(*organisation)
            for organisation in rng.sample(ORGANISATIONS, rng.randint(0, 3))
        ),
        open_to_initiatives=rng.random() < 0.75,
        capacity_per_month=rng.randint(0, 5),
        open_introductions=rng.randint(0, 2),
        knows=tuple(str(rng.randrange(keys + 5)) for _ in range(rng.randint(0, 4))),
    )


def random_question(rng: random.Random) -> InitiativeProfile:
    words = rng.choices(WORDS, k=rng.randint(1, 14))
    if rng.random() < 0.3:
        words.append(rng.choice(ORGANISATIONS)[0])
    if rng.random() < 0.2:
        words.append("samenwerken met de woningcorporatie en scholen")
    return InitiativeProfile(
        text=" ".join(words),
        themes=tuple(rng.sample(THEMES, rng.randint(0, 2))),
        area_codes=tuple(rng.sample(AREA_CODES, rng.choice([0, 1, 1, 2]))),
        needs=tuple(Need(kind) for kind in rng.sample(NEEDS, rng.randint(0, 3))),
    )


def random_inputs(rng: random.Random, directory: Directory) -> dict:
    keys = sorted(directory.position)
    return {
        "capacity_left": {k: rng.randint(0, 3) for k in rng.sample(keys, min(5, len(keys)))},
        "track_records": {
            k: TrackRecord(
                helpful=rng.randint(0, 4),
                not_helpful=rng.randint(0, 4),
                by_theme={rng.choice(THEMES): (rng.randint(0, 2), rng.randint(0, 2))},
            )
            for k in rng.sample(keys, min(6, len(keys)))
        }
        if rng.random() < 0.7
        else None,
        "known": rng.sample(keys, min(rng.randint(0, 3), len(keys))),
        "limit": rng.choice([1, 3, 5, 10]),
    }


def brute_force(
    initiative: InitiativeProfile,
    directory: Directory,
    *,
    weights: Weights = Weights(),
    limit: int,
    capacity_left: dict[str, int],
    track_records: dict[str, TrackRecord] | None,
    known: list[str],
) -> list[Match]:
    """Every listed contact scored on its own: what ``rank`` must answer."""
    query = directory.analyse_initiative(initiative)
    contacts = list(directory.live_contacts())
    bm25 = {c.profile.key: directory.bm25_for(c, query.terms, query.term_weights) for c in contacts}
    best = max(bm25.values(), default=0.0)

    def score(contact, *, explain: bool) -> Match:
        key = contact.profile.key
        return score_contact(
            query,
            contact,
            directory,
            weights=weights,
            bm25=bm25[key],
            best_bm25=best,
            capacity_left=capacity_left.get(key),
            track_record=None if track_records is None else track_records.get(key, NO_RECORD),
            explain=explain,
        )

    scored = in_the_running(
        [m for m in (score(c, explain=False) for c in contacts) if shares_something(m, query)],
        query,
        weights,
    )
    chosen = rerank(scored, query, directory, weights=weights, limit=limit)
    explained = [score(directory.contact(m.key), explain=True) for m in chosen]
    return with_warm_paths(explained, directory, capacity_left=capacity_left, known=known)


def random_directory(rng: random.Random, size: int) -> tuple[Directory, list[UnitProfile]]:
    units = random_units(rng)
    contacts = [random_contact(rng, str(i), units, size) for i in range(size)]
    return Directory.build(contacts, AREAS, VOCABULARY), units


def assert_same_answers(rng: random.Random, directory: Directory, questions: int) -> None:
    for _ in range(questions):
        question = random_question(rng)
        inputs = random_inputs(rng, directory)
        expected = brute_force(question, directory, **inputs)
        assert rank(question, directory, **inputs) == expected, question
        # Not only equal as matches (key, score, reasons): the chains too.
        got = rank(question, directory, **inputs)
        assert [m.introduce_via for m in got] == [m.introduce_via for m in expected]


@pytest.mark.parametrize("seed", range(8))
def test_rank_equals_scoring_every_contact(seed: int) -> None:
    rng = random.Random(seed)
    directory, _units = random_directory(rng, rng.choice([3, 40, 400]))
    assert_same_answers(rng, directory, questions=25)


def test_ties_are_broken_as_the_reference_does() -> None:
    """Hundreds of identical profiles: only the rounding window and key order decide."""
    rng = random.Random(99)
    units = random_units(rng)
    template = random_contact(rng, "0", units, 1)
    template = replace(template, themes=("armoede-en-schulden",), expertise="armoede schulden")
    clones = [replace(template, key=str(i)) for i in range(300)]
    directory = Directory.build(clones, AREAS, VOCABULARY)
    question = InitiativeProfile("armoede en schulden", themes=("armoede-en-schulden",))
    inputs = {"capacity_left": {}, "track_records": None, "known": [], "limit": 5}
    got = rank(question, directory, **inputs)
    assert got == brute_force(question, directory, **inputs)
    assert [m.key for m in got] == ["0", "1", "10", "100", "101"]  # string order of keys


@pytest.mark.parametrize("seed", range(6))
def test_writes_keep_the_index_equal_to_a_fresh_build(seed: int) -> None:
    """Upserts (changed and new contacts) and removals, compaction included, leave an index
    that answers like one built from scratch on the same contacts (same analyzer)."""
    rng = random.Random(1000 + seed)
    size = 300
    directory, units = random_directory(rng, size)
    next_key = size
    for _ in range(rng.choice([50, 400])):  # 400 writes force a compaction on the way
        action = rng.random()
        keys = sorted(directory.position)
        if action < 0.45 and keys:
            directory.upsert(random_contact(rng, rng.choice(keys), units, size))
        elif action < 0.75:
            directory.upsert(random_contact(rng, str(next_key), units, size))
            next_key += 1
        elif keys:
            assert directory.remove(rng.choice(keys))
    live = list(directory.live_contacts())
    fresh = Directory.build(
        [c.profile for c in live], AREAS, VOCABULARY, analyzer=directory.analyzer
    )
    assert directory.size == fresh.size == len(live)
    assert directory.document_frequency == fresh.document_frequency
    assert directory.average_length == fresh.average_length
    assert sorted(directory.organisation_tokens) == sorted(fresh.organisation_tokens)
    for key in directory.position:
        assert directory.neighbours.get(key, ()) == fresh.neighbours.get(key, ())
    for _ in range(20):
        question = random_question(rng)
        inputs = random_inputs(rng, directory)
        assert rank(question, directory, **inputs) == rank(question, fresh, **inputs)
    assert_same_answers(rng, directory, questions=10)


def test_a_removed_contact_is_gone_and_an_update_is_found_by_its_new_words() -> None:
    rng = random.Random(7)
    directory, _units = random_directory(rng, 50)
    question = InitiativeProfile("klokkenluiders en beiaardiers")
    assert rank(question, directory) == []
    directory.upsert(
        replace(directory.contact("3").profile, expertise="klokkenluiders beiaardiers")
    )
    assert [m.key for m in rank(question, directory)] == ["3"]
    assert directory.size == 50
    assert directory.remove("3")
    assert not directory.remove("3")
    assert rank(question, directory) == []
    assert "3" not in directory.position and directory.size == 49
    assert all("3" not in directory.neighbours.get(k, ()) for k in directory.position)


def test_compaction_reuses_the_analysis_and_keeps_answers() -> None:
    rng = random.Random(11)
    directory, _units = random_directory(rng, 200)
    for key in [str(k) for k in range(0, 200, 2)]:
        directory.remove(key)
    assert directory.dead == 100 and directory.slots == 200  # below the threshold: kept
    kept = {key: directory.contact(key) for key in directory.position}
    directory.compact()
    assert directory.dead == 0 and directory.slots == directory.size == 100
    assert all(directory.contact(key) is features for key, features in kept.items())
    assert_same_answers(rng, directory, questions=10)


def test_enough_dead_slots_compact_on_their_own() -> None:
    rng = random.Random(12)
    directory, _units = random_directory(rng, 400)
    for key in [str(k) for k in range(300)]:
        directory.remove(key)
    # Compacted when the 256th slot died (a quarter of 400 were dead by then).
    assert directory.slots == 400 - 256 and directory.dead == 300 - 256
    assert directory.size == 100
    assert_same_answers(rng, directory, questions=5)


def test_a_misspelt_organisation_follows_the_networks_as_they_change() -> None:
    unit = UnitProfile("u", "Team Wonen", "team")
    directory = Directory.build(
        [
            ContactProfile(
                "1",
                "Adviseur wonen",
                unit,
                networks=(NetworkLink("Woonstichting Eigenhaard", "housing"),),
            )
        ],
        AREAS,
        VOCABULARY,
    )
    question = directory.analyse_initiative(InitiativeProfile("samen met eigenhard"))
    assert question.named_partners == {"eigenhaard": "eigenhard"}
    directory.remove("1")
    assert (
        directory.analyse_initiative(InitiativeProfile("samen met eigenhard")).named_partners == {}
    )
    directory.upsert(
        ContactProfile(
            "2",
            "Adviseur wonen",
            unit,
            networks=(NetworkLink("Woonstichting Eigenhaard", "housing"),),
        )
    )
    question = directory.analyse_initiative(InitiativeProfile("samen met eigenhard"))
    assert question.named_partners == {"eigenhaard": "eigenhard"}


def test_a_dropped_directory_is_freed_at_once() -> None:
    """A service may freeze its indexes out of the cyclic collector, so a directory must hold no
    reference cycle: a replaced index would otherwise stay in memory for good."""
    directory, _units = random_directory(random.Random(5), 50)
    directory.upsert(replace(directory.contact("1").profile, expertise="iets nieuws"))
    assert directory.neighbours.get("1", ()) is not None
    freed = weakref.ref(directory)
    del directory
    assert freed() is None
