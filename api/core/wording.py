"""Counts in English sentences: "1 municipality", "2 municipalities", "a, b and c"."""

from collections.abc import Sequence


def quantity(count: int, singular: str, plural: str | None = None) -> str:
    """The count with its noun in the right number: ``quantity(1, "row")`` is ``"1 row"``,
    ``quantity(2, "municipality", "municipalities")`` is ``"2 municipalities"``. Without a
    plural the noun takes an ``s``."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def enumeration(items: Sequence[str]) -> str:
    """``["a"]`` → ``"a"``, ``["a", "b", "c"]`` → ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
