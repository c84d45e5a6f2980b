"""Robustness: no text a resident can type breaks the text analysis or the ranking.

Families of awkward input, each also as a 100 kB example: combining marks, right-to-left
script with bidi controls, emoji with joiners and modifiers, control and format characters,
and any surrogate-free Unicode (what JSON from a browser can carry). ``normalise``, ``stem``,
``Analyzer``, ``Directory.analyse_initiative``, ``rank`` and ``rank_initiatives`` must not
raise, and every score, reason value and feature weight stays in [0, 1]. Sizes and example
counts are bounded and the runs derandomized, so the file is fast and deterministic.
"""

from collections import Counter
from functools import cache

from hypothesis import example, given, settings
from hypothesis import strategies as st

from matching import (
    Directory,
    InitiativeProfile,
    Need,
    TrackRecord,
    default_vocabulary,
    rank,
    rank_initiatives,
)
from matching.text import Analyzer, normalise, stem, tokenise
from tests.matching.municipality import CONTACTS, build
from tests.matching.test_properties import check_matches

ROBUST = settings(max_examples=60, deadline=None, derandomize=True, database=None)

HUNDRED_KB = 100_000

LETTERS = st.characters(min_codepoint=0x61, max_codepoint=0x7A)
COMBINING = st.text(
    st.one_of(LETTERS, st.characters(categories=["Mn", "Mc", "Me"], codec="utf-8")), max_size=80
)
RTL = st.text(
    st.one_of(
        st.characters(min_codepoint=0x0590, max_codepoint=0x06FF),  # Hebrew, Arabic
        st.sampled_from(["\u200e", "\u200f", "\u202a", "\u202b", "\u202e", "\u2066", "\u2069"]),
        st.just(" "),
    ),
    max_size=80,
)
EMOJI = st.text(
    st.one_of(
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
        st.sampled_from(["\u200d", "\ufe0f", "\U0001f3fb", "\U0001f1f3", "\U0001f1f1", "#", "*"]),
        LETTERS,
    ),
    max_size=60,
)
CONTROL = st.text(
    st.one_of(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"], codec="utf-8"), LETTERS),
    max_size=80,
)
ANY_UTF8 = st.text(st.characters(codec="utf-8"), max_size=200)
TEXT = st.one_of(ANY_UTF8, COMBINING, RTL, EMOJI, CONTROL)

LONG_TEXTS = [
    "e\u0301\u0308" * (HUNDRED_KB // 3),  # a letter buried under combining marks
    "\u0301" * HUNDRED_KB,  # combining marks with nothing to combine with
    "\u202e\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 " * (HUNDRED_KB // 13),
    "\U0001f469\u200d\U0001f469\u200d\U0001f467\U0001f3fd\ufe0f" * (HUNDRED_KB // 7),
    "\x00\x07\t\r\n\x1b\x7f\u0085\u2028\u2029\ufeff\u200b" * (HUNDRED_KB // 12),
    "",
]


@cache
def analyzer() -> Analyzer:
    return default_vocabulary().analyzer()


@cache
def town() -> Directory:
    return build(CONTACTS)


def with_long_texts(test):
    for text in LONG_TEXTS:
        test = example(text)(test)
    return test


# --- normalise, tokenise and stem ------------------------------------------------------------


@ROBUST
@given(TEXT)
@with_long_texts
def test_normalise_and_stem_accept_any_text(text: str) -> None:
    result = normalise(text)
    assert isinstance(result, str)
    assert result.isascii()
    for token in tokenise(text):
        stemmed = stem(token)
        assert isinstance(stemmed, str) and stemmed.isascii()
    # stem() on raw, unnormalised text (a caller that skips normalise) must not raise either.
    assert isinstance(stem(text[:200]), str)


# --- the analyzer ------------------------------------------------------------------------------


@ROBUST
@given(TEXT, st.booleans())
@example(LONG_TEXTS[0], True)
@example(LONG_TEXTS[1], False)
@example(LONG_TEXTS[2], True)
@example(LONG_TEXTS[3], True)
@example(LONG_TEXTS[4], True)
@example(LONG_TEXTS[5], True)
def test_analyzer_accepts_any_text(text: str, fix_typos: bool) -> None:
    terms = analyzer().terms(text, fix_typos=fix_typos)
    assert all(isinstance(term, str) and term for term in terms)
    for word in analyzer().content_words(text)[:50]:
        assert isinstance(analyzer().split_compound(word), tuple)
        fixed = analyzer().correct_typo(word)
        assert fixed is None or fixed in analyzer().lexicon


@ROBUST
@given(
    st.lists(TEXT, max_size=5),
    st.dictionaries(TEXT, st.integers(min_value=1, max_value=1000), max_size=5),
    TEXT,
)
def test_an_analyzer_built_from_odd_words_still_works(
    stopwords: list[str], lexicon: dict[str, int], text: str
) -> None:
    """Stop words and lexicon may themselves be odd text (a municipality's own vocabulary).
    Lexicon counts are word frequencies, so at least 1 (``build_lexicon`` keeps n >= 2)."""
    odd = Analyzer(stopwords, lexicon)
    terms = odd.terms(text, fix_typos=True)
    assert all(isinstance(term, str) and term for term in terms)
    for word in [*lexicon, *odd.content_words(text)][:20]:
        assert isinstance(odd.split_compound(word), tuple)
        odd.correct_typo(word)


# --- analyse_initiative, rank and rank_initiatives ---------------------------------------------

NEED_KINDS = st.sampled_from(["funding", "space", "permit", "knowledge", "network", "other"]) | TEXT
THEMES = st.sampled_from(sorted(default_vocabulary().themes)) | TEXT
INITIATIVES = st.builds(
    InitiativeProfile,
    text=TEXT,
    themes=st.lists(THEMES, max_size=3).map(tuple),
    area_codes=st.lists(st.sampled_from(["BU-JAVA", "SD-OOST"]) | TEXT, max_size=2).map(tuple),
    needs=st.lists(st.builds(Need, kind=NEED_KINDS, description=TEXT), max_size=3).map(tuple),
    stage=st.none() | TEXT,
)
LONG_INITIATIVES = [
    InitiativeProfile(text, themes=(text,), needs=(Need(text, text),)) for text in LONG_TEXTS
]
COUNTS = st.floats(min_value=0, max_value=1e6, allow_nan=False)
TRACK_RECORDS = st.dictionaries(
    st.sampled_from([c.key for c in CONTACTS]) | TEXT,
    st.builds(
        TrackRecord,
        helpful=COUNTS,
        not_helpful=COUNTS,
        by_theme=st.dictionaries(THEMES, st.tuples(COUNTS, COUNTS), max_size=2),
    ),
    max_size=4,
)


def with_long_initiatives(test):
    for initiative in LONG_INITIATIVES:
        test = example(initiative)(test)
    return test


@ROBUST
@given(INITIATIVES)
@with_long_initiatives
def test_analyse_initiative_accepts_any_text(initiative: InitiativeProfile) -> None:
    query = town().analyse_initiative(initiative)
    assert isinstance(query.terms, Counter)
    assert all(isinstance(term, str) and term and n > 0 for term, n in query.terms.items())
    assert all(0.0 <= value <= 1.0 for value in query.themes.values()), query.themes
    assert all(0.0 <= value <= 1.0 for value in query.needs.values()), query.needs
    assert query.areas == initiative.area_codes


@ROBUST
@given(
    INITIATIVES,
    st.none() | TRACK_RECORDS,
    st.lists(st.sampled_from([c.key for c in CONTACTS]) | TEXT, max_size=3).map(tuple),
)
@example(LONG_INITIATIVES[0], None, ())
@example(LONG_INITIATIVES[2], None, ())
@example(LONG_INITIATIVES[3], None, ())
@example(LONG_INITIATIVES[4], None, ())
def test_rank_accepts_any_text_and_keeps_scores_in_range(
    initiative: InitiativeProfile,
    track_records: dict[str, TrackRecord] | None,
    known: tuple[str, ...],
) -> None:
    matches = rank(initiative, town(), limit=10, track_records=track_records, known=known)
    check_matches(matches, 10)


@ROBUST
@given(st.lists(st.tuples(TEXT, INITIATIVES), max_size=4), st.sampled_from(CONTACTS))
@example([("lang", LONG_INITIATIVES[2]), ("leeg", LONG_INITIATIVES[-1])], CONTACTS[0])
def test_rank_initiatives_accepts_any_text(initiatives, contact) -> None:
    matches = rank_initiatives(contact.key, initiatives, town())
    assert len(matches) <= len(initiatives)
    for match in matches:
        assert 0.0 <= match.score <= 1.0, match
        assert all(0.0 <= reason.value <= 1.0 for reason in match.reasons), match
