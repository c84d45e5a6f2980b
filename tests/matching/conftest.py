"""The engine's tests need no database: switch off the API suite's autouse table cleaner."""

from collections.abc import Iterator

import pytest

from matching import Directory
from tests.matching.municipality import directory


@pytest.fixture(autouse=True)
def _clean_database() -> Iterator[None]:
    """Overrides ``tests/conftest.py``'s fixture of the same name, which needs a database."""
    yield


@pytest.fixture(scope="session")
def town() -> Directory:
    """The tiny municipality's directory (built once; a Directory is immutable)."""
    return directory()
