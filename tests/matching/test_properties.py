"""Properties: the text functions and rank() never raise on arbitrary input, return the
right types, and keep scores in [0, 1]. Inputs are any Unicode (surrogates included), empty
strings, and a 100 kB string as an explicit example."""

import re
import unicodedata
from functools import cache

from hypothesis import example, given, settings
from hypothesis import strategies as st

from matching import (
    Directory,
    InitiativeProfile,
    Match,
    Need,
    Reason,
    default_vocabulary,
    rank,
)
from matching.text import MIN_PART, Analyzer, normalise, tokenise
from tests.matching.municipality import AREAS, CONTACTS, build

PROPERTY = settings(max_examples=200, deadline=None)

ANY_CHAR = st.characters(exclude_categories=())  # every code point, surrogates too
ANY_TEXT = st.text(ANY_CHAR)
DUTCH_TEXT = st.text(
    st.sampled_from(list("aeioubcdfghjklmnprstvwzëïé -,.!'")), max_size=200
) | st.lists(
    st.sampled_from(["buurt", "huis", "moestuin", "jeugd", "werkloosheid", "de", "subsidie"]),
    max_size=12,
).map("".join)
TEXT = ANY_TEXT | DUTCH_TEXT

HUNDRED_KB = 100_000
LONG_TEXTS = [
    "a" * HUNDRED_KB,
    "buurthuis" * (HUNDRED_KB // 9),  # one endless compound of known parts
    "Zonnepanelen op het dak van het buurthuis! " * (HUNDRED_KB // 43),
    "ö" * HUNDRED_KB,
    "\U0001d401" * HUNDRED_KB,  # MATHEMATICAL BOLD CAPITAL B
]

_WORD_CHARS = re.compile(r"[a-z0-9]+")


@cache
def analyzer() -> Analyzer:
    return default_vocabulary().analyzer()


@cache
def town() -> Directory:
    return build(CONTACTS)


@cache
def empty_town() -> Directory:
    return Directory.build([], AREAS, default_vocabulary())


# --- normalise and tokenise ---------------------------------------------------------------


@PROPERTY
@given(TEXT)
@example("")
@example(LONG_TEXTS[0])
@example(LONG_TEXTS[3])
@example("\ud800 buurt \udfff")
def test_normalise_gives_lowercase_ascii_words_separated_by_single_spaces(text: str) -> None:
    result = normalise(text)
    assert isinstance(result, str)
    assert result == result.strip()
    assert "  " not in result
    assert all(_WORD_CHARS.fullmatch(word) for word in result.split(" ") if result)
    assert normalise(result) == result


@PROPERTY
@given(TEXT)
@example("𝕬")  # regression: styled capitals lost their letter ("𝐁uurthuis" → "uurthuis")
@example(
    "\U0001d401\U0001d42e\U0001d42e\U0001d42b\U0001d42d\U0001d421\U0001d42e\U0001d422\U0001d42c"
)
@example("№ 5 ℃")
def test_normalise_ignores_the_unicode_normal_form(text: str) -> None:
    """The same text typed as NFC, NFD or with compatibility characters (ligatures, full-width
    or styled letters) normalises the same."""
    expected = normalise(text)
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        assert normalise(unicodedata.normalize(form, text)) == expected, form


def test_styled_capitals_keep_their_letter() -> None:
    bold = (
        "\U0001d401\U0001d42e\U0001d42e\U0001d42b\U0001d42d\U0001d421\U0001d42e\U0001d422\U0001d42c"
    )
    assert normalise(bold) == "buurthuis"
    assert normalise("ＢＵＵＲＴＨＵＩＳ") == "buurthuis"


@PROPERTY
@given(TEXT)
@example("")
@example(LONG_TEXTS[0])
def test_tokenise_gives_the_words_of_normalise(text: str) -> None:
    tokens = tokenise(text)
    assert isinstance(tokens, list)
    assert tokens == normalise(text).split()
    assert all(isinstance(t, str) and _WORD_CHARS.fullmatch(t) for t in tokens)


# --- the analyzer ------------------------------------------------------------------------------


@PROPERTY
@given(TEXT, st.booleans())
@example("", True)
@example(LONG_TEXTS[0], True)  # regression: one 20,000-letter word took ~1 h to split
@example(LONG_TEXTS[1], True)
@example(LONG_TEXTS[2], True)
@example(LONG_TEXTS[4], False)
def test_terms_are_non_empty_strings(text: str, fix_typos: bool) -> None:
    terms = analyzer().terms(text, fix_typos=fix_typos)
    assert isinstance(terms, list)
    assert all(isinstance(t, str) and t for t in terms)
    words = analyzer().content_words(text)
    assert len(words) <= len(terms) <= 4 * len(words)


WORDS = (
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), max_size=40)
    | st.lists(
        st.sampled_from(
            ["buurt", "huis", "moestuin", "jeugd", "werkloosheid", "s", "en", "e", "thuis"]
        ),
        max_size=6,
    ).map("".join)
    | ANY_TEXT
)


@PROPERTY
@given(WORDS)
@example("")
@example("a" * 20_000)  # regression: quadratic in the word's length (hours)
@example("buurt" * 4_000)  # regression: recursion over 4,000 known parts
def test_split_compound_returns_known_parts_that_rebuild_the_word(word: str) -> None:
    parts = analyzer().split_compound(word)
    assert isinstance(parts, tuple)
    assert len(parts) in (0, 2, 3)
    if parts:
        assert all(isinstance(p, str) and len(p) >= MIN_PART for p in parts)
        assert all(analyzer().is_known(p) for p in parts)
        assert word.startswith(parts[0]) and word.endswith(parts[-1])
        # Only linking letters (-s-, -e-, -en-) may sit between the parts.
        assert len(word) - sum(map(len, parts)) <= 2 * (len(parts) - 1)


@PROPERTY
@given(WORDS)
@example("")
@example("a" * 20_000)
@example("duurzaamhied")
def test_correct_typo_returns_none_or_a_known_longer_word(word: str) -> None:
    fixed = analyzer().correct_typo(word)
    if len(word) < 5 or analyzer().is_known(word):
        assert fixed is None
    if fixed is not None:
        assert isinstance(fixed, str)
        assert fixed in analyzer().lexicon
        assert len(fixed) >= 5


# --- rank ------------------------------------------------------------------------------------

THEMES = st.sampled_from(sorted(default_vocabulary().themes)) | ANY_TEXT
NEED_KINDS = st.sampled_from(
    ["funding", "space", "permit", "knowledge", "network", "partnership", "other"]
) | st.text(max_size=10)
AREA_CODES = st.sampled_from([a.code for a in AREAS]) | st.text(max_size=10)
CONTACT_KEYS = st.sampled_from([c.key for c in CONTACTS]) | st.text(max_size=5)

INITIATIVES = st.builds(
    InitiativeProfile,
    text=TEXT,
    themes=st.lists(THEMES, max_size=3).map(tuple),
    area_codes=st.lists(AREA_CODES, max_size=3).map(tuple),
    needs=st.lists(st.builds(Need, kind=NEED_KINDS, description=TEXT), max_size=4).map(tuple),
    stage=st.none() | st.text(max_size=10),
)


def check_matches(matches: list[Match], limit: int) -> None:
    assert isinstance(matches, list)
    assert len(matches) <= max(limit, 0)
    assert len({m.key for m in matches}) == len(matches)
    for match in matches:
        assert isinstance(match, Match)
        assert 0.0 <= match.score <= 1.0, match
        assert match.reasons and all(isinstance(r, Reason) for r in match.reasons)
        for reason in match.reasons:
            assert 0.0 <= reason.value <= 1.0, reason
            assert isinstance(reason.detail, str) and reason.detail.strip(), reason
        for name, value in match.signals.items():
            assert 0.0 <= value <= 1.0, (name, value)


@PROPERTY
@given(
    INITIATIVES,
    st.integers(min_value=-2, max_value=12),
    st.none() | st.dictionaries(CONTACT_KEYS, st.integers(min_value=-5, max_value=10)),
)
@example(InitiativeProfile(""), 5, None)
@example(InitiativeProfile(LONG_TEXTS[0]), 5, None)
@example(InitiativeProfile(LONG_TEXTS[1], needs=(Need("space", LONG_TEXTS[2]),)), 5, None)
@example(InitiativeProfile(LONG_TEXTS[2], area_codes=("BU-JAVA",)), 12, None)
@example(  # regression: a negative capacity override made the score negative
    InitiativeProfile("", needs=(Need("funding"),)), 1, {"subsidie": -1}
)
def test_rank_never_raises_and_keeps_scores_in_range(
    initiative: InitiativeProfile, limit: int, capacity_left: dict[str, int] | None
) -> None:
    matches = rank(initiative, town(), limit=limit, capacity_left=capacity_left)
    check_matches(matches, limit)
    if limit <= 0:
        assert matches == []


@PROPERTY
@given(INITIATIVES)
def test_rank_on_an_empty_directory_is_empty(initiative: InitiativeProfile) -> None:
    assert rank(initiative, empty_town()) == []
