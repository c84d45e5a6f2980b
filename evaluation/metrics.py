"""Loading labelled sets, three rankers (the engine and two keyword baselines) and the metrics.

A labelled set names a directory in the import format (``"directory"``, relative to the
repository root or to the set), may add the contacts of another municipality
(``"otherMunicipality"``) and lists cases. A case is either a registered initiative
(``"initiative"``: title, description, problem, target group, themes, areas, needs; kind
``long``) or a question as a resident types it into the page (``"question"``: the body of
``POST /api/v1/matches``; kind ``short``), with graded judgments: 2 for a key contact, 1 for a
useful one, -1 for an embarrassing one (a broker would never send anyone to them for this);
every contact not judged counts as 0.

Metrics, per case, then averaged over the cases:

- nDCG@5: gains 2/1/0 (an embarrassing contact gains 0), discount ``1 / log2(rank + 1)``, the
  ideal DCG from the judgments;
- Recall@5: the share of the case's grade-2 contacts in the top 5 (cases without a grade-2
  contact are left out of this average);
- MRR: ``1 / rank`` of the first contact with grade ≥ 1 within the top 10, else 0;
- key@3: whether a grade-2 contact is in the top 3 (cases without one are left out);
- clean@3: whether nobody embarrassing is in the top 3: judged -1, or someone the service
  must never suggest (unavailable, without consent, closed to initiatives, with capacity 0,
  in another municipality);
- bad@5: the share of the top-5 places held by someone who should not be suggested at all:
  the hard rules of clean@3, or tied to areas none of which is the initiative's area, an
  ancestor or a descendant of it (citywide contacts, without areas, are never out of area).

Everything is deterministic: ties are broken by contact key and nothing is sampled.
"""

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from matching import (
    AreaProfile,
    ContactProfile,
    Directory,
    InitiativeProfile,
    Vocabulary,
    Weights,
    default_vocabulary,
    rank,
)
from matching.documents import contact_profile as to_contact_profile
from matching.documents import initiative_profile as to_initiative_profile
from matching.documents import unit_profile as to_unit_profile
from matching.index import area_ancestors

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "evaluation" / "labelled_set.json"
# Every labelled set in the repository, in the order they are reported: our own long
# initiatives, then the sets written blind (by people who never saw the engine).
LABELLED_SETS = (
    DEFAULT_SET,
    ROOT / "evaluation" / "short_questions_amsterdam.json",
    ROOT / "evaluation" / "city_set_havenstad.json",
    ROOT / "evaluation" / "village_set_dijkland.json",
)
K = 5  # the cut-off of nDCG, Recall and bad
TOP = 3  # the cut-off of key@3 and clean@3: what a resident reads first
DEPTH = 10  # how deep MRR looks, and how many places each system returns
EMBARRASSING = -1
GRADES = (EMBARRASSING, 0, 1, 2)

Ranker = Callable[["Case"], list[str]]


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Contact:
    key: str
    municipality: str
    profile: ContactProfile  # as the engine sees it
    text: str  # lower-cased plain text for the keyword baselines
    available: bool
    consented: bool
    areas: tuple[str, ...]  # the areas served: the contact's own, else the unit's; () citywide

    @property
    def listable(self) -> bool:
        """Whether the API would hand this contact to the engine at all (within its
        municipality)."""
        return self.available and self.consented


@dataclass(frozen=True)
class Case:
    id: str
    municipality: str
    initiative: InitiativeProfile
    query: str  # the baselines' query: the initiative's text, themes and need descriptions
    judgments: dict[str, int]
    rationale: str = ""
    kind: str = "long"  # long: a registered initiative; short: a question typed into the page
    tags: tuple[str, ...] = ()


@dataclass
class Dataset:
    cases: list[Case]
    contacts: dict[str, Contact]  # in file order: the directory's, then the other municipality's
    areas: dict[str, AreaProfile]
    area_municipality: dict[str, str]
    ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    municipality_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ancestors = {code: area_ancestors(code, self.areas) for code in self.areas}

    def areas_of(self, municipality: str) -> list[AreaProfile]:
        return [a for a in self.areas.values() if self.area_municipality[a.code] == municipality]

    def must_not_suggest(self, key: str, case: Case) -> list[str]:
        """Why the service must never suggest a contact for a case, whatever the subject."""
        contact = self.contacts[key]
        profile = contact.profile
        reasons = []
        if not contact.available:
            reasons.append("unavailable")
        if not contact.consented:
            reasons.append("no consent")
        if not profile.open_to_initiatives:
            reasons.append("closed to initiatives")
        if profile.capacity_per_month <= 0:
            reasons.append("no capacity")
        if contact.municipality != case.municipality:
            reasons.append("other municipality")
        return reasons

    def bad_reasons(self, key: str, case: Case) -> list[str]:
        """Why a contact should not be among a case's suggestions; empty when it may be."""
        reasons = self.must_not_suggest(key, case)
        if not self.area_related(self.contacts[key].areas, case.initiative.area_codes):
            reasons.append("other area")
        return reasons

    def embarrassing(self, key: str, case: Case) -> bool:
        """Judged embarrassing for this case, or never to be suggested at all."""
        return case.judgments.get(key, 0) == EMBARRASSING or bool(self.must_not_suggest(key, case))

    def area_related(self, served: Sequence[str], asked: Sequence[str]) -> bool:
        """True when no area is asked, the contact is citywide, or one served area is an asked
        area, an ancestor of one or a descendant of one."""
        if not asked or not served:
            return True
        near = set(asked).union(*(self.ancestors.get(a, ()) for a in asked))
        return any(
            code in near or any(a in self.ancestors.get(code, ()) for a in asked) for code in served
        )


def _words(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _resolve(path: str, labelled_set: Path) -> Path:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate
    for base in (ROOT, labelled_set.parent):
        if (base / candidate).exists():
            return base / candidate
    raise FileNotFoundError(f"directory {path!r} not found under {ROOT} or {labelled_set.parent}")


def _read_document(
    document: Mapping,
    *,
    contacts: dict[str, Contact],
    areas: dict[str, AreaProfile],
    area_municipality: dict[str, str],
    municipality_names: dict[str, str],
) -> None:
    """Add the areas and contacts of one import-format document."""
    municipalities = [m["code"] for m in document.get("municipalities", [])]
    municipality_names.update(
        {m["code"]: m["name"] for m in document.get("municipalities", []) if m.get("name")}
    )
    default = municipalities[0] if len(municipalities) == 1 else None

    def municipality_of(item: Mapping, what: str) -> str:
        code = item.get("municipalityCode") or default
        if not code:
            raise ValueError(f"{what} has no municipalityCode and the document has several")
        return code

    for area in document.get("areas", []):
        areas[area["code"]] = AreaProfile(
            area["code"], area["name"], area.get("parentCode"), tuple(area.get("aliases") or ())
        )
        area_municipality[area["code"]] = municipality_of(area, f"area {area['code']}")
    units = {unit["key"]: unit for unit in document.get("units", [])}
    for item in document.get("contacts", []):
        key = item["key"]
        if key in contacts:
            raise ValueError(f"contact key {key!r} occurs twice")
        unit = units[item["unitKey"]]
        unit_profile = to_unit_profile(unit)
        profile = to_contact_profile(item, unit_profile)
        networks = profile.networks
        text = _words(
            item.get("name"),
            profile.job_title,
            profile.expertise,
            *(t.replace("-", " ") for t in profile.themes),
            unit_profile.name,
            unit_profile.description,
            *(n.name for n in networks),
        ).lower()
        contacts[key] = Contact(
            key=key,
            municipality=item.get("municipalityCode")
            or municipality_of(unit, f"unit {unit['key']}"),
            profile=profile,
            text=text,
            available=bool(item.get("available", True)),
            consented=item.get("consentAt") is not None,
            areas=profile.area_codes or unit_profile.area_codes,
        )


def _case(raw: Mapping) -> Case:
    """A case from its ``initiative`` (as registered; joined the way the API joins it) or its
    ``question`` (as ``POST /api/v1/matches`` takes it)."""
    if "question" in raw:
        initiative, kind = raw["question"], raw.get("kind", "short")
    else:
        initiative, kind = raw["initiative"], raw.get("kind", "long")
    profile = to_initiative_profile(initiative)
    query = _words(
        profile.text,
        *(t.replace("-", " ") for t in profile.themes),
        *(n.description for n in profile.needs),
    )
    return Case(
        id=raw["id"],
        municipality=initiative["municipalityCode"],
        initiative=profile,
        query=query,
        judgments={key: int(grade) for key, grade in raw.get("judgments", {}).items()},
        rationale=raw.get("rationale", ""),
        kind=kind,
        tags=tuple(raw.get("tags") or ()),
    )


def load_dataset(path: Path | str = DEFAULT_SET) -> Dataset:
    """Read a labelled set, its directory and the other municipality's contacts."""
    path = Path(path)
    labelled = json.loads(path.read_text(encoding="utf-8"))
    directory = json.loads(_resolve(labelled["directory"], path).read_text(encoding="utf-8"))
    contacts: dict[str, Contact] = {}
    areas: dict[str, AreaProfile] = {}
    area_municipality: dict[str, str] = {}
    names: dict[str, str] = {}
    for document in (directory, labelled.get("otherMunicipality") or {}):
        _read_document(
            document,
            contacts=contacts,
            areas=areas,
            area_municipality=area_municipality,
            municipality_names=names,
        )
    cases = [_case(raw) for raw in labelled["cases"]]
    for case in cases:
        unknown = sorted(set(case.judgments) - set(contacts))
        if unknown:
            raise ValueError(f"case {case.id} judges unknown contacts: {', '.join(unknown)}")
        wrong = sorted(k for k, g in case.judgments.items() if g not in GRADES)
        if wrong:
            raise ValueError(f"case {case.id}: grades must be -1, 0, 1 or 2 ({', '.join(wrong)})")
    return Dataset(
        cases=cases,
        contacts=contacts,
        areas=areas,
        area_municipality=area_municipality,
        municipality_names=names,
    )


# --------------------------------------------------------------------------------------------
# Systems


class EngineRanker:
    """The engine as the API will call it: one Directory per municipality, built once from the
    contacts of that municipality who are available and consented."""

    def __init__(
        self,
        data: Dataset,
        *,
        vocabulary: Vocabulary | None = None,
        weights: Weights = Weights(),
    ) -> None:
        self.weights = weights
        vocabulary = vocabulary or default_vocabulary()
        self.directories: dict[str, Directory] = {}
        for municipality in sorted({case.municipality for case in data.cases}):
            listable = [
                c.profile
                for c in data.contacts.values()
                if c.municipality == municipality and c.listable
            ]
            name = data.municipality_names.get(municipality)
            self.directories[municipality] = Directory.build(
                listable,
                data.areas_of(municipality),
                vocabulary,
                place_names=[name] if name else [],
            )

    def __call__(self, case: Case) -> list[str]:
        directory = self.directories[case.municipality]
        # The top 5 exactly as the API returns them (the re-rank depends on the limit), then
        # places 6-10 from a longer list, for MRR.
        top = [m.key for m in rank(case.initiative, directory, weights=self.weights, limit=K)]
        longer = rank(case.initiative, directory, weights=self.weights, limit=DEPTH)
        return top + [m.key for m in longer if m.key not in top][: DEPTH - len(top)]


TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


class BM25Ranker:
    """Okapi BM25 (k1 1.2, b 0.75, idf ``ln(1 + (N - df + 0.5) / (df + 0.5))``) over every
    contact in the file, both municipalities, listable or not; no stemming, no stop words."""

    def __init__(self, data: Dataset, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.keys = list(data.contacts)
        self.docs = [Counter(tokens(data.contacts[k].text)) for k in self.keys]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.average = sum(self.lengths) / len(self.lengths) if self.lengths else 1.0
        df = Counter(term for doc in self.docs for term in doc)
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: str) -> dict[str, float]:
        terms = set(tokens(query)) & self.idf.keys()
        scores: dict[str, float] = {}
        for key, doc, length in zip(self.keys, self.docs, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self.average)
            score = sum(
                self.idf[t] * doc[t] * (self.k1 + 1) / (doc[t] + norm) for t in terms if t in doc
            )
            if score > 0:
                scores[key] = score
        return scores

    def __call__(self, case: Case) -> list[str]:
        return top_keys(self.scores(case.query))


class FuzzyRanker:
    """rapidfuzz ``token_set_ratio(query, contact text)`` over the same contacts and texts."""

    def __init__(self, data: Dataset) -> None:
        self.texts = {key: contact.text for key, contact in data.contacts.items()}

    def __call__(self, case: Case) -> list[str]:
        query = case.query.lower()
        return top_keys({k: fuzz.token_set_ratio(query, t) for k, t in self.texts.items()})


def top_keys(scores: Mapping[str, float], depth: int = DEPTH) -> list[str]:
    """The best ``depth`` keys with a positive score, ties broken by key."""
    ranked = sorted((item for item in scores.items() if item[1] > 0), key=lambda i: (-i[1], i[0]))
    return [key for key, _ in ranked[:depth]]


def systems(data: Dataset) -> dict[str, Ranker]:
    return {"engine": EngineRanker(data), "bm25": BM25Ranker(data), "fuzzy": FuzzyRanker(data)}


# --------------------------------------------------------------------------------------------
# Metrics


def dcg(gains: Iterable[float]) -> float:
    """``Σ_i gain_i / log2(i + 1)`` with ranks i from 1."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg(ranking: Sequence[str], judgments: Mapping[str, int], k: int = K) -> float:
    """DCG of the top k over the DCG of the ideal top k from the judgments (0 if nothing is
    relevant)."""
    gains = {key: max(grade, 0) for key, grade in judgments.items()}  # embarrassing gains 0
    ideal = dcg(sorted(gains.values(), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    return dcg(gains.get(key, 0) for key in ranking[:k]) / ideal


def recall(
    ranking: Sequence[str], judgments: Mapping[str, int], k: int = K, grade: int = 2
) -> float | None:
    """Share of the contacts graded ``grade`` or higher that are in the top k; None if none
    is."""
    wanted = {key for key, g in judgments.items() if g >= grade}
    if not wanted:
        return None
    return len(wanted.intersection(ranking[:k])) / len(wanted)


def reciprocal_rank(
    ranking: Sequence[str], judgments: Mapping[str, int], depth: int = DEPTH, grade: int = 1
) -> float:
    """``1 / rank`` of the first contact graded ``grade`` or higher within ``depth``, else 0."""
    for position, key in enumerate(ranking[:depth], start=1):
        if judgments.get(key, 0) >= grade:
            return 1.0 / position
    return 0.0


def bad_share(ranking: Sequence[str], is_bad: Callable[[str], bool], k: int = K) -> float:
    """Share of the (filled) top-k places held by a contact ``is_bad`` rejects; 0 if empty."""
    top = ranking[:k]
    return sum(1 for key in top if is_bad(key)) / len(top) if top else 0.0


def key_in_top(ranking: Sequence[str], judgments: Mapping[str, int], k: int = TOP) -> float | None:
    """1 when a grade-2 contact is in the top k, else 0; None when the case has none."""
    if not any(g >= 2 for g in judgments.values()):
        return None
    return 1.0 if any(judgments.get(key, 0) >= 2 for key in ranking[:k]) else 0.0


def clean_top(
    ranking: Sequence[str], is_embarrassing: Callable[[str], bool], k: int = TOP
) -> float:
    """1 when nobody in the top k is embarrassing, else 0."""
    return 0.0 if any(is_embarrassing(key) for key in ranking[:k]) else 1.0


def mean(values: Iterable[float | None]) -> float:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else 0.0


# --------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    kind: str
    ranking: list[str]
    ndcg: float
    recall: float | None
    reciprocal_rank: float
    key_top: float | None
    clean_top: float
    bad: float


METRICS = ("nDCG@5", "Recall@5", "MRR", "key@3", "clean@3", "bad@5")


def summarise(cases: Sequence[CaseResult]) -> dict[str, float]:
    return {
        "nDCG@5": mean(c.ndcg for c in cases),
        "Recall@5": mean(c.recall for c in cases),
        "MRR": mean(c.reciprocal_rank for c in cases),
        "key@3": mean(c.key_top for c in cases),
        "clean@3": mean(c.clean_top for c in cases),
        "bad@5": mean(c.bad for c in cases),
    }


@dataclass
class SystemResult:
    name: str
    cases: list[CaseResult]

    @property
    def metrics(self) -> dict[str, float]:
        return summarise(self.cases)

    def by_kind(self) -> dict[str, dict[str, float]]:
        """The metrics per kind of case (long initiatives, short questions), in that order."""
        kinds = sorted({c.kind for c in self.cases}, key=lambda k: (k != "long", k))
        return {kind: summarise([c for c in self.cases if c.kind == kind]) for kind in kinds}


def evaluate(data: Dataset, rankers: Mapping[str, Ranker]) -> dict[str, SystemResult]:
    results: dict[str, SystemResult] = {}
    for name, ranker in rankers.items():
        rows = []
        for case in data.cases:
            ranking = ranker(case)
            rows.append(
                CaseResult(
                    case_id=case.id,
                    kind=case.kind,
                    ranking=ranking,
                    ndcg=ndcg(ranking, case.judgments),
                    recall=recall(ranking, case.judgments),
                    reciprocal_rank=reciprocal_rank(ranking, case.judgments),
                    key_top=key_in_top(ranking, case.judgments),
                    clean_top=clean_top(ranking, lambda key, c=case: data.embarrassing(key, c)),
                    bad=bad_share(ranking, lambda key, c=case: bool(data.bad_reasons(key, c))),
                )
            )
        results[name] = SystemResult(name, rows)
    return results


def format_table(results: Mapping[str, SystemResult]) -> str:
    """One row per system and kind of case."""
    lines = ["system  kind   cases" + "".join(f"{c:>10}" for c in METRICS)]
    for name, result in results.items():
        for kind, metrics in result.by_kind().items():
            count = sum(1 for c in result.cases if c.kind == kind)
            lines.append(
                f"{name:<8}{kind:<7}{count:>5}" + "".join(f"{metrics[c]:>10.3f}" for c in METRICS)
            )
    return "\n".join(lines)


def format_case_lines(data: Dataset, results: Mapping[str, SystemResult]) -> list[str]:
    """Per case: every system's nDCG@5, then the engine's top 5 as ``key(grade)``, with ``!``
    after a contact that should not be suggested."""
    lines = []
    names = list(results)
    for index, case in enumerate(data.cases):
        scores = "  ".join(f"{n} {results[n].cases[index].ndcg:.3f}" for n in names)
        top = results[names[0]].cases[index].ranking[:K]
        shown = " ".join(
            f"{key}({case.judgments.get(key, 0)}){'!' if data.bad_reasons(key, case) else ''}"
            for key in top
        )
        lines.append(f"{case.id:<6} {scores}  | {names[0]} top 5: {shown}")
    return lines


def as_json(data: Dataset, results: Mapping[str, SystemResult]) -> dict:
    return {
        "cases": len(data.cases),
        "contacts": len(data.contacts),
        "systems": {
            name: {"all": result.metrics, **result.by_kind()} for name, result in results.items()
        },
        "perCase": {
            name: {
                c.case_id: {
                    "kind": c.kind,
                    "nDCG@5": c.ndcg,
                    "Recall@5": c.recall,
                    "RR": c.reciprocal_rank,
                    "key@3": c.key_top,
                    "clean@3": c.clean_top,
                    "bad@5": c.bad,
                    "ranking": c.ranking,
                }
                for c in result.cases
            }
            for name, result in results.items()
        },
    }
