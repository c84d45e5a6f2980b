"""Counts with their nouns in the right number (api/core/wording.py)."""

import pytest

from api.core.wording import enumeration, quantity


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 municipalities"), (1, "1 municipality"), (2, "2 municipalities")],
)
def test_an_irregular_plural(count: int, expected: str) -> None:
    assert quantity(count, "municipality", "municipalities") == expected


@pytest.mark.parametrize(("count", "expected"), [(0, "0 rows"), (1, "1 row"), (21, "21 rows")])
def test_a_regular_plural_takes_an_s(count: int, expected: str) -> None:
    assert quantity(count, "row") == expected


def test_a_verb_can_agree_too() -> None:
    assert quantity(1, "contact has", "contacts have") == "1 contact has"
    assert quantity(3, "contact has", "contacts have") == "3 contacts have"


@pytest.mark.parametrize(
    ("items", "expected"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_enumeration(items: list[str], expected: str) -> None:
    assert enumeration(items) == expected
