"""Wegwijs ranking engine: Python with NumPy (every contact scored at once on column arrays),
no database, no web framework, nothing of the service (checked by lint-imports).

directory = Directory.build(contacts, areas, default_vocabulary())
matches = rank(initiative, directory, weights=Weights(), limit=5)
"""

from matching.index import Directory
from matching.model import (
    AreaProfile,
    ContactProfile,
    InitiativeProfile,
    Match,
    Need,
    NetworkLink,
    Reason,
    TrackRecord,
    Understanding,
    UnitProfile,
    Weights,
)
from matching.paths import introduce_via
from matching.rank import rank, rank_initiatives, understand
from matching.vocabulary import Vocabulary, default_vocabulary

__all__ = [
    "AreaProfile",
    "ContactProfile",
    "Directory",
    "InitiativeProfile",
    "Match",
    "Need",
    "NetworkLink",
    "Reason",
    "TrackRecord",
    "Understanding",
    "UnitProfile",
    "Vocabulary",
    "Weights",
    "default_vocabulary",
    "introduce_via",
    "rank",
    "rank_initiatives",
    "understand",
]
