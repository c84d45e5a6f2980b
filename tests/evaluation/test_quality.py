"""The engine against the labelled set, next to two keyword baselines, and the metrics on
rankings small enough to check by hand (a broken metric would make the comparison worthless).
"""

import json
import math
from pathlib import Path

import pytest

from evaluation import metrics
from evaluation.metrics import (
    BM25Ranker,
    EngineRanker,
    bad_share,
    dcg,
    load_dataset,
    mean,
    ndcg,
    recall,
    reciprocal_rank,
    top_keys,
)

MARGIN = 0.10


# --------------------------------------------------------------------------------------------
# The labelled set


@pytest.fixture(scope="module")
def labelled() -> metrics.Dataset:
    # The set ships with the repository: a missing file is a failure, never a skip.
    return load_dataset(metrics.DEFAULT_SET)


@pytest.fixture(scope="module")
def results(labelled: metrics.Dataset) -> dict[str, metrics.SystemResult]:
    return metrics.evaluate(labelled, metrics.systems(labelled))


@pytest.mark.parametrize("baseline", ["bm25", "fuzzy"])
def test_engine_beats_the_baseline_on_ndcg(
    results: dict[str, metrics.SystemResult], baseline: str
) -> None:
    engine = results["engine"].metrics["nDCG@5"]
    other = results[baseline].metrics["nDCG@5"]
    assert engine >= other + MARGIN, metrics.format_table(results)


def test_engine_never_suggests_an_unlistable_or_foreign_contact(
    labelled: metrics.Dataset, results: dict[str, metrics.SystemResult]
) -> None:
    for case, result in zip(labelled.cases, results["engine"].cases, strict=True):
        assert result.ranking, case.id
        for key in result.ranking[: metrics.DEPTH]:
            contact = labelled.contacts[key]
            assert contact.municipality == case.municipality, (case.id, key)
            assert contact.available, (case.id, key)
            assert contact.consented, (case.id, key)


def test_the_labelled_set_has_foreign_and_unlistable_contacts_to_avoid(
    labelled: metrics.Dataset,
) -> None:
    """Otherwise the test above would prove nothing."""
    municipalities = {c.municipality for c in labelled.contacts.values()}
    assert len(municipalities) >= 2
    assert any(not c.available for c in labelled.contacts.values())
    assert any(not c.consented for c in labelled.contacts.values())


# --------------------------------------------------------------------------------------------
# Metrics on hand-made rankings


def test_dcg_discounts_by_log2_of_rank_plus_one() -> None:
    assert dcg([]) == 0
    assert dcg([2]) == 2
    assert dcg([2, 0, 1]) == pytest.approx(2 + 0 / math.log2(3) + 1 / 2)


def test_ndcg_is_one_for_the_ideal_order_and_less_for_others() -> None:
    judgments = {"a": 2, "b": 1}
    assert ndcg(["a", "b", "x"], judgments) == pytest.approx(1.0)
    assert ndcg(["b", "a"], judgments) == pytest.approx(
        (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    )
    assert ndcg(["x", "a"], judgments) == pytest.approx((2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    assert ndcg(["x", "y"], judgments) == 0


def test_ndcg_looks_at_the_top_five_only_and_caps_the_ideal_at_five() -> None:
    assert ndcg(["q", "r", "s", "t", "u", "a"], {"a": 2}) == 0
    six_useful = {key: 1 for key in "abcdef"}
    assert ndcg(list("abcde"), six_useful) == pytest.approx(1.0)
    assert ndcg([], {"a": 2}) == 0
    assert ndcg(["a"], {}) == 0


def test_recall_counts_key_contacts_in_the_top_five() -> None:
    judgments = {"a": 2, "b": 2, "c": 1}
    assert recall(["c", "a", "x", "y", "z", "b"], judgments) == pytest.approx(0.5)
    assert recall(["a", "b"], judgments) == pytest.approx(1.0)
    assert recall(["c"], judgments) == 0
    assert recall(["c"], {"c": 1}) is None


def test_reciprocal_rank_of_the_first_useful_contact_within_ten() -> None:
    judgments = {"a": 1, "b": 2, "z": 0}
    assert reciprocal_rank(["z", "x", "a", "b"], judgments) == pytest.approx(1 / 3)
    assert reciprocal_rank(["b"], judgments) == 1.0
    assert reciprocal_rank([*"cdefghijkl", "a"], judgments) == 0
    assert reciprocal_rank([*"cdefghijk", "a"], judgments) == pytest.approx(1 / 10)


def test_bad_share_is_over_the_filled_top_five() -> None:
    bad = {"x", "y"}.__contains__
    assert bad_share(["a", "x", "b", "y", "c"], bad) == pytest.approx(0.4)
    assert bad_share(["a", "b", "c", "d", "e", "x", "y"], bad) == 0
    assert bad_share(["x", "a"], bad) == pytest.approx(0.5)
    assert bad_share([], bad) == 0


def test_mean_leaves_out_undefined_values() -> None:
    assert mean([1.0, None, 0.0]) == pytest.approx(0.5)
    assert mean([None]) == 0


def test_top_keys_breaks_ties_by_key_and_drops_zero_scores() -> None:
    assert top_keys({"b": 1.0, "a": 1.0, "c": 2.0, "d": 0.0}) == ["c", "a", "b"]
    assert top_keys({str(i): 1.0 for i in range(20)}, depth=3) == ["0", "1", "10"]


# --------------------------------------------------------------------------------------------
# Loading, bad contacts and the rankers on a tiny hand-made set


def _contact(key: str, unit: str = "u-noord", **overrides) -> dict:
    return {
        "key": key,
        "unitKey": unit,
        "name": key,
        "jobTitle": "Gebiedsmakelaar",
        "themes": ["sociale-cohesie"],
        "areaCodes": [],
        "expertise": "Helpt bewonersinitiatieven in de buurt.",
        "networks": [],
        "openToInitiatives": True,
        "capacityPerMonth": 4,
        "available": True,
        "consentAt": "2026-01-01T00:00:00Z",
    } | overrides


def _unit(key: str, municipality: str, areas: list[str]) -> dict:
    return {
        "key": key,
        "parentKey": None,
        "municipalityCode": municipality,
        "name": key,
        "kind": "area_team",
        "description": "",
        "themes": [],
        "areaCodes": areas,
    }


@pytest.fixture
def tiny(tmp_path: Path) -> metrics.Dataset:
    areas = [
        ("SD-N", None),
        ("WK-N1", "SD-N"),
        ("BU-N1a", "WK-N1"),
        ("WK-N2", "SD-N"),
        ("SD-Z", None),
        ("WK-Z1", "SD-Z"),
    ]
    directory = {
        "municipalities": [{"code": "GM1"}],
        "areas": [
            {"code": c, "name": c, "municipalityCode": "GM1", "parentCode": p} for c, p in areas
        ],
        "units": [_unit("u-noord", "GM1", ["SD-N"]), _unit("u-stad", "GM1", [])],
        "contacts": [
            _contact("citywide", "u-stad"),
            _contact("unit-area"),  # the unit's stadsdeel: an ancestor of the wijk
            _contact("same-wijk", areaCodes=["WK-N1"]),
            _contact("buurt-in-wijk", areaCodes=["BU-N1a"]),
            _contact("other-wijk", areaCodes=["WK-N2"]),
            _contact("other-stadsdeel", areaCodes=["WK-Z1", "SD-Z"]),
            _contact("unavailable", available=False),
            _contact("unconsented", consentAt=None),
            _contact("closed", openToInitiatives=False),
            _contact("full", capacityPerMonth=0),
            _contact(
                "fiets",
                "u-stad",
                jobTitle="Adviseur Fietsen",
                expertise="Fietsles en fietsroutes.",
            ),
        ],
    }
    other = {
        "municipalities": [{"code": "GM2"}],
        "areas": [{"code": "SD-R", "name": "SD-R", "parentCode": None}],
        "units": [_unit("r-unit", "GM2", [])],
        "contacts": [
            _contact("foreign", "r-unit", expertise="Fietsles voor vrouwen, fietsles in de wijk.")
        ],
    }
    (tmp_path / "directory.json").write_text(json.dumps(directory), encoding="utf-8")
    labelled = {
        "about": "tiny",
        "directory": str(tmp_path / "directory.json"),
        "otherMunicipality": other,
        "cases": [
            {
                "id": "t1",
                "initiative": {
                    "municipalityCode": "GM1",
                    "title": "Fietsles",
                    "description": "Fietsles voor vrouwen in de wijk.",
                    "problem": "",
                    "targetGroup": "",
                    "themes": ["sport"],
                    "areaCodes": ["WK-N1"],
                    "stage": "idea",
                    "needs": [{"kind": "space", "description": "Een schoolplein"}],
                },
                "judgments": {"fiets": 2, "same-wijk": 1},
                "rationale": "",
            }
        ],
    }
    path = tmp_path / "set.json"
    path.write_text(json.dumps(labelled), encoding="utf-8")
    return load_dataset(path)


def test_loading_reads_both_municipalities_and_the_case(tiny: metrics.Dataset) -> None:
    assert tiny.contacts["foreign"].municipality == "GM2"
    assert tiny.contacts["citywide"].municipality == "GM1"
    assert tiny.contacts["unit-area"].areas == ("SD-N",)
    assert tiny.ancestors["BU-N1a"] == ("WK-N1", "SD-N")
    (case,) = tiny.cases
    assert case.initiative.text == "Fietsles Fietsles voor vrouwen in de wijk."
    assert case.query.endswith("sport Een schoolplein")
    assert case.judgments == {"fiets": 2, "same-wijk": 1}


def test_bad_reasons_follow_the_hard_rules_and_the_area_tree(tiny: metrics.Dataset) -> None:
    (case,) = tiny.cases
    fine = ["citywide", "unit-area", "same-wijk", "buurt-in-wijk", "fiets"]
    assert {key: tiny.bad_reasons(key, case) for key in fine} == {key: [] for key in fine}
    assert tiny.bad_reasons("other-wijk", case) == ["other area"]
    assert tiny.bad_reasons("other-stadsdeel", case) == ["other area"]
    assert tiny.bad_reasons("unavailable", case) == ["unavailable"]
    assert tiny.bad_reasons("unconsented", case) == ["no consent"]
    assert tiny.bad_reasons("closed", case) == ["closed to initiatives"]
    assert tiny.bad_reasons("full", case) == ["no capacity"]
    assert tiny.bad_reasons("foreign", case) == ["other municipality"]


def test_the_engine_sees_only_listable_contacts_of_the_municipality(
    tiny: metrics.Dataset,
) -> None:
    engine = EngineRanker(tiny)
    keys = {c.profile.key for c in engine.directories["GM1"].contacts}
    assert keys == set(tiny.contacts) - {"unavailable", "unconsented", "foreign"}
    assert set(engine(tiny.cases[0])) <= keys


def test_bm25_searches_everyone_in_the_file(tiny: metrics.Dataset) -> None:
    ranking = BM25Ranker(tiny)(tiny.cases[0])
    # No filtering: the other municipality's contact, who says "fietsles" twice, comes first.
    assert ranking[:2] == ["foreign", "fiets"]
