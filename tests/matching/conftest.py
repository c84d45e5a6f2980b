"""The engine's tests: a tiny municipality's directory, built once. No database, no app."""

import pytest

from matching import Directory
from tests.matching.municipality import directory


@pytest.fixture(scope="session")
def town() -> Directory:
    """The tiny municipality's directory (built once; a Directory is immutable)."""
    return directory()
