"""Dutch text analysis: normalise, tokenise, stop words, stemming, compounds and typos."""

import pytest

from matching.text import (
    MAX_TEXT_CHARS,
    Analyzer,
    build_lexicon,
    normalise,
    stem,
    tokenise,
    undiminish,
)
from matching.vocabulary import default_vocabulary


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    """The analyzer the engine uses: the shipped vocabulary is its lexicon."""
    return default_vocabulary().analyzer()


# --- normalise and tokenise ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Buurthuis", "buurthuis"),
        ("JONGERENWERK", "jongerenwerk"),
        ("coöperatie", "cooperatie"),
        ("Café Één Reïntegratie", "cafe een reintegratie"),
        ("naïeve ideeën", "naieve ideeen"),
        ("huis-aan-huis, (buurt)!", "huis aan huis buurt"),
        ("65-plussers & 't Buurthuis", "65 plussers t buurthuis"),
        ("  veel   ruimte\t\nnodig  ", "veel ruimte nodig"),
        ("!?…—", ""),
        ("", ""),
    ],
)
def test_normalise_lowercases_strips_accents_and_punctuation(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_normalise_keeps_only_lowercase_ascii_words_and_single_spaces() -> None:
    result = normalise("Straße, ﬁets, Ĳsselmeer — ÅÄÖ; 2de kwartaal")
    assert result == "strasse fiets ijsselmeer aao 2de kwartaal"


def test_normalise_lowercases_styled_and_full_width_letters() -> None:
    assert normalise("\U0001d401\U0001d42e\U0001d42e\U0001d42b\U0001d42d") == "buurt"  # 𝐁𝐮𝐮𝐫𝐭
    assert normalise("ＢＵＵＲＴ") == "buurt"
    assert normalise("№ 5") == "no 5"


def test_normalise_cuts_very_long_text() -> None:
    assert len(normalise("a" * (MAX_TEXT_CHARS + 5_000))) == MAX_TEXT_CHARS


def test_tokenise_splits_on_anything_but_letters_and_digits() -> None:
    assert tokenise("Moestuin/buurttuin: 3x per week!") == [
        "moestuin",
        "buurttuin",
        "3x",
        "per",
        "week",
    ]
    assert tokenise("") == []


# --- stop words -----------------------------------------------------------------------------


def test_content_words_drop_stop_words_numbers_and_single_letters(analyzer: Analyzer) -> None:
    words = analyzer.content_words("Wij willen in de buurt een moestuin, 12 bakken en u helpt")
    assert words == ["buurt", "moestuin", "bakken", "helpt"]


def test_stop_words_are_normalised_like_the_text() -> None:
    analyzer = Analyzer(["Oké", "ÉN"], {})
    assert analyzer.content_words("OKE buurt en tuin") == ["buurt", "tuin"]


def test_terms_of_stop_words_only_are_empty(analyzer: Analyzer) -> None:
    assert analyzer.terms("de het een en van wij zijn ook nog") == []


# --- stemming ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ("zonnepanelen", "zonnepaneel"),
        ("eenzame", "eenzaamheid", "eenzaam"),
        ("buurten", "buurt"),
        ("vrijwilligers", "vrijwilliger"),
    ],
)
def test_stemming_conflates_word_forms(forms: tuple[str, ...]) -> None:
    assert len({stem(form) for form in forms}) == 1


@pytest.mark.parametrize(
    ("diminutive", "word"),
    [
        ("plekje", "plek"),  # -je
        ("zaaltje", "zaal"),  # -tje after l
        ("koffietje", "koffie"),  # -tje after a vowel
        ("kraampje", "kraam"),  # -pje after m
        ("mannetje", "man"),  # -etje after a doubled consonant
        ("plantjes", "plant"),  # plural; not plan + tjes
        ("moestuintje", "moestuin"),  # a compound no word list has
        ("geveltuintjes", "geveltuin"),
    ],
)
def test_a_diminutive_is_read_as_its_word(diminutive: str, word: str) -> None:
    assert undiminish(diminutive) == word
    assert stem(diminutive) == stem(word)


@pytest.mark.parametrize("word", ["meisje", "beetje", "kopje", "tasje", "hapje", "brug", "wijk"])
def test_words_of_their_own_are_no_diminutives(word: str) -> None:
    # More common than their base ("meisje", "beetje"), a base under four letters, or no
    # diminutive at all.
    assert undiminish(word) == word


def test_stemming_keeps_different_words_apart() -> None:
    assert stem("buurt") != stem("buur")
    assert stem("huis") != stem("thuis")
    assert stem("zonnepanelen") != stem("zon")


def test_terms_match_singular_and_plural(analyzer: Analyzer) -> None:
    assert analyzer.terms("Zonnepanelen") == analyzer.terms("zonnepaneel")
    assert analyzer.terms("eenzame ouderen") == [stem("eenzaamheid"), analyzer.stem("ouderen")]
    assert analyzer.terms("oudere") == analyzer.terms("ouderen")


# --- compound splitting ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compound", "parts"),
    [
        ("jeugdwerkloosheid", ("jeugd", "werkloosheid")),
        ("buurtmoestuin", ("buurt", "moestuin")),
        ("buurthuis", ("buurt", "huis")),
        ("bewonersbudget", ("bewoners", "budget")),
        ("tuinhuis", ("tuin", "huis")),
    ],
)
def test_split_compound_finds_known_parts(
    analyzer: Analyzer, compound: str, parts: tuple[str, ...]
) -> None:
    assert analyzer.split_compound(compound) == parts


def test_buurthuis_is_buurt_plus_huis_although_buur_plus_thuis_are_known(
    analyzer: Analyzer,
) -> None:
    # Both splits are made of known words; the more frequent parts must win.
    assert analyzer.is_known("buur") and analyzer.is_known("thuis")
    assert analyzer.split_compound("buurthuis") == ("buurt", "huis")


def test_split_prefers_the_more_frequent_parts() -> None:
    common_buurt = Analyzer([], {"buurt": 9, "huis": 9, "buur": 1, "thuis": 1})
    common_buur = Analyzer([], {"buurt": 1, "huis": 1, "buur": 9, "thuis": 9})
    assert common_buurt.split_compound("buurthuis") == ("buurt", "huis")
    assert common_buur.split_compound("buurthuis") == ("buur", "thuis")


@pytest.mark.parametrize(
    ("compound", "parts"),
    [
        ("veiligheidsbeleid", ("veiligheid", "beleid")),  # linking -s-
        ("ziekenhuis", ("ziek", "huis")),  # linking -en-
        ("boekenkast", ("boek", "kast")),  # linking -en-
    ],
)
def test_split_drops_linking_s_and_en(compound: str, parts: tuple[str, ...]) -> None:
    analyzer = Analyzer(
        [], {"veiligheid": 5, "beleid": 5, "ziek": 5, "huis": 5, "boek": 5, "kast": 5}
    )
    assert analyzer.split_compound(compound) == parts


def test_split_prefers_two_parts_and_allows_three() -> None:
    analyzer = Analyzer([], {"veiligheid": 5, "beleid": 5, "huis": 5, "veiligheidbeleid": 1})
    assert analyzer.split_compound("veiligheidbeleidhuis") == ("veiligheidbeleid", "huis")
    without_pair = Analyzer([], {"veiligheid": 5, "beleid": 5, "huis": 5})
    assert without_pair.split_compound("veiligheidbeleidhuis") == ("veiligheid", "beleid", "huis")


@pytest.mark.parametrize("word", ["buurtje", "tuin", "huis", "", "fietsen"])
def test_short_words_are_not_split(analyzer: Analyzer, word: str) -> None:
    assert analyzer.split_compound(word) == ()


@pytest.mark.parametrize("word", ["qwertyuiop", "buurtxyzqw", "xyzqwbuurt", "zzzzmoestuin"])
def test_unknown_words_are_not_split(analyzer: Analyzer, word: str) -> None:
    assert analyzer.split_compound(word) == ()


def test_very_long_words_are_not_split_but_still_indexed(analyzer: Analyzer) -> None:
    word = "buurthuis" * 6  # 54 letters of known parts
    assert analyzer.split_compound(word) == ()
    assert analyzer.terms(word) == [stem(word)]
    assert analyzer.split_compound("buurthuis" * 2) == ("buurthuis", "buurthuis")


def test_parts_need_at_least_four_letters() -> None:
    # ijs + baan + baan would be the only split, and "ijs" is too short to be a part.
    analyzer = Analyzer([], {"ijs": 9, "baan": 9})
    assert analyzer.split_compound("ijsbaanbaan") == ()
    assert Analyzer([], {"ijsje": 9, "baan": 9}).split_compound("ijsjebaan") == ("ijsje", "baan")


def test_terms_index_the_compound_and_its_parts(analyzer: Analyzer) -> None:
    assert analyzer.terms("jeugdwerkloosheid") == [
        stem("jeugdwerkloosheid"),
        stem("jeugd"),
        stem("werkloosheid"),
    ]


def test_terms_leave_out_parts_that_are_stop_words() -> None:
    analyzer = Analyzer(["zonder"], {"zonder": 5, "zorgen": 5})
    assert analyzer.split_compound("zonderzorgen") == ("zonder", "zorgen")
    assert analyzer.terms("zonderzorgen") == [stem("zonderzorgen"), stem("zorgen")]


# --- typo tolerance ------------------------------------------------------------------------


def test_correct_typo_finds_the_known_word(analyzer: Analyzer) -> None:
    assert not analyzer.is_known("duurzaamhied")
    assert analyzer.correct_typo("duurzaamhied") == "duurzaamheid"
    assert analyzer.correct_typo("jongerenwerkr") == "jongerenwerker"


@pytest.mark.parametrize("word", ["duurzaamheid", "moestuin", "buurthuizen", "zonnepanelen"])
def test_correct_typo_leaves_known_words_alone(analyzer: Analyzer, word: str) -> None:
    assert analyzer.correct_typo(word) is None


@pytest.mark.parametrize("word", ["huus", "tuim", "buut", "wijl"])
def test_correct_typo_leaves_short_words_alone(analyzer: Analyzer, word: str) -> None:
    assert analyzer.correct_typo(word) is None


def test_correct_typo_gives_up_on_words_that_resemble_nothing(analyzer: Analyzer) -> None:
    assert analyzer.correct_typo("xqzvwkpl") is None


def test_terms_fix_typos_only_when_asked(analyzer: Analyzer) -> None:
    assert analyzer.terms("duurzaamhied", fix_typos=True) == analyzer.terms("duurzaamheid")
    assert analyzer.terms("duurzaamhied") == [stem("duurzaamhied")]


# --- lexicon ---------------------------------------------------------------------------------


def test_build_lexicon_counts_frequent_words_of_four_letters_or_more() -> None:
    lexicon = build_lexicon(
        ["Buurt en buurthuis", "het buurthuis in de buurt", "buurt 2024 2024 tuin"]
    )
    assert lexicon == {"buurt": 3, "buurthuis": 2}


def test_build_lexicon_min_count_one_keeps_rare_words() -> None:
    assert build_lexicon(["moestuin ab 1234"], min_count=1) == {"moestuin": 1}


def test_analyzer_knows_words_by_their_stem() -> None:
    analyzer = Analyzer([], {"zonnepanelen": 2})
    assert analyzer.is_known("zonnepanelen")
    assert analyzer.is_known("zonnepaneel")
    assert not analyzer.is_known("windmolen")
