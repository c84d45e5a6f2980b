"""One voice: every sentence the engine says, for a few hundred questions made from the
vocabulary, the demo's places and the need kinds, is plain Dutch without scoring words,
without a list that runs "en ... en" in one clause, and without two reasons of one person
that contradict each other."""

import itertools
import re

import pytest

from evaluation import metrics
from matching import Directory, InitiativeProfile, Match, Need, rank, understand
from matching.sentences import join
from matching.vocabulary import default_vocabulary

VOCABULARY = default_vocabulary()
# Words a resident should never have to read: scoring and policy jargon, and "introductie"
# where the page says "kennismaking".
JARGON = re.compile(
    r"\b(score|scores|signaal|signalen|gewicht|gewogen|neutraal|relevant\w*|match\w*|"
    r"introductie\w*|capaciteit|expertise|bm25|portefeuille|thema\w*|algoritme|"
    r"stakeholder\w*|respectievelijk)\b",
    re.IGNORECASE,
)
# Two "en"s in one clause: "openbare ruimte en groen en jeugd".
REPEATED_EN = re.compile(r"\ben\b[^,.;:()]*\ben\b")


@pytest.fixture(scope="module")
def demo() -> Directory:
    data = metrics.load_dataset(metrics.DEFAULT_SET)
    return metrics.EngineRanker(data).directories["GM0363"]


def questions(directory: Directory) -> list[InitiativeProfile]:
    """About three hundred questions: everyday terms of every theme, alone, with a place,
    with a need, and in English."""
    terms = [t for theme in VOCABULARY.themes.values() for t in theme.terms[::10][:7]]
    places = [a.name for a in list(directory.areas.values())[::5]]
    needs = list(VOCABULARY.needs)
    english = sorted(VOCABULARY.english)[::30]
    made = [InitiativeProfile(term) for term in terms]
    made += [
        InitiativeProfile(f"{term} in {place}")
        for term, place in zip(terms[::2], itertools.cycle(places), strict=False)
    ]
    made += [
        InitiativeProfile(f"wij willen iets met {term}", needs=(Need(kind),))
        for term, kind in zip(terms[1::3], itertools.cycle(needs), strict=False)
    ]
    made += [InitiativeProfile(f"I need help with {phrase} please") for phrase in english]
    return made


def contradictions(match: Match) -> list[str]:
    details = {r.signal: r.detail for r in match.reasons}
    found = []
    need = details.get("need", "")
    can = re.findall(r"Kan helpen met (.+?)\.", need)
    cannot = re.findall(r"Voor (.+?) (?:kunt u|is iemand)", need)
    if (
        can
        and cannot
        and set(re.split(r", en |, | en ", can[0])) & set(re.split(r", en |, | en ", cannot[0]))
    ):
        found.append(f"need: {need}")
    if "local" in details and details["area"].startswith("Werkt vooral in"):
        found.append(f"local and elsewhere: {details['local']} / {details['area']}")
    if match.matched_terms and details["text"].startswith("Uw woorden staan niet"):
        found.append(f"text: {details['text']} with {match.matched_terms}")
    if details.get("openness", "").startswith("Neemt nu geen") and match.signals["openness"]:
        found.append("openness")
    return found


def test_every_sentence_is_plain_dutch_in_one_voice(demo: Directory) -> None:
    asked = questions(demo)
    assert len(asked) >= 250
    problems = []
    said = 0
    for question in asked:
        sentences = list(understand(question, demo).notes)
        for match in rank(question, demo):
            sentences += [r.detail for r in match.reasons]
            problems += [f"{question.text!r}: {c}" for c in contradictions(match)]
        for sentence in sentences:
            said += 1
            dutch = sentence.split(" (")[0]  # an English note in brackets is allowed
            dutch = dutch.split(": ")[0] if dutch.startswith("Uw woorden") else dutch  # theirs
            if JARGON.search(dutch):
                problems.append(f"jargon: {sentence}")
            if REPEATED_EN.search(dutch):
                problems.append(f"en ... en: {sentence}")
            if not (sentence[:1].isupper() and sentence.endswith((".", ")"))):
                problems.append(f"not a sentence: {sentence!r}")
    assert said > 3000
    assert problems == []


def test_the_checks_above_can_fail() -> None:
    """The checks see what they are for (otherwise the test above would prove nothing)."""
    assert JARGON.search("Telt neutraal mee.")
    assert JARGON.search("Heeft ruimte voor 2 introducties.")
    assert REPEATED_EN.search("Werkt aan openbare ruimte en groen en jeugd.")
    assert not REPEATED_EN.search("Werkt aan " + join(["openbare ruimte en groen", "jeugd"]))


def test_lists_with_en_in_their_items_get_a_comma_before_the_last_en() -> None:
    assert join(["jeugd", "sport"]) == "jeugd en sport"
    assert join(["jeugd", "sport", "cultuur"]) == "jeugd, sport en cultuur"
    assert join(["Kolenkit", "Bos en Lommer"]) == "Kolenkit; Bos en Lommer"
    assert join(["Bos en Lommer"]) == "Bos en Lommer"
