"""The shipped vocabulary, a municipality's extra terms, and finding concepts in text."""

import json
from pathlib import Path

import pytest

from matching.text import stem, tokenise
from matching.vocabulary import ConceptMatcher, Vocabulary, default_vocabulary, theme_label

VOCABULARY = default_vocabulary()
ANALYZER = VOCABULARY.analyzer()
CONCEPTS = ConceptMatcher(VOCABULARY, ANALYZER)


def themes_in(text: str, concepts: ConceptMatcher = CONCEPTS, analyzer=ANALYZER) -> set[str]:
    return set(concepts.find(analyzer.terms(text))["theme"])


def test_every_theme_has_a_label_a_tooi_label_and_terms() -> None:
    assert len(VOCABULARY.themes) >= 15
    for slug, theme in VOCABULARY.themes.items():
        assert theme.slug == slug
        assert theme.label.strip(), slug
        assert theme.label_en.strip(), slug
        assert theme.tooi_label and theme.tooi_label.strip(), slug
        assert theme.tooi_uri and theme.tooi_uri.startswith(
            "https://identifier.overheid.nl/tooi/"
        ), slug
        assert len(theme.terms) >= 10, slug
        assert all(term.strip() for term in theme.terms), slug


def test_related_themes_exist_and_are_not_the_theme_itself() -> None:
    for slug, theme in VOCABULARY.themes.items():
        assert theme.related, slug
        assert slug not in theme.related
        assert set(theme.related) <= set(VOCABULARY.themes), slug


def test_needs_and_partner_kinds_have_labels_and_terms() -> None:
    for kind in ("funding", "space", "permit", "knowledge", "network", "partnership"):
        label, _sentence, terms = VOCABULARY.needs[kind]
        assert label.strip() and terms, kind
    for kind in ("housing", "education", "community", "care_welfare", "fund", "business"):
        label, terms = VOCABULARY.partner_kinds[kind]
        assert label.strip() and terms, kind


def test_stop_words_are_common_function_words() -> None:
    assert {"de", "het", "een", "en", "van", "wij"} <= set(VOCABULARY.stopwords)
    assert "buurt" not in VOCABULARY.stopwords


def test_default_vocabulary_is_loaded_once() -> None:
    assert default_vocabulary() is default_vocabulary()


def test_load_reads_a_vocabulary_file(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.json"
    path.write_text(
        json.dumps(
            {
                "themes": [
                    {"slug": "groen", "label": "Groen", "labelEn": "Green", "terms": ["moestuin"]}
                ],
                "needs": {"space": {"label": "ruimte", "terms": ["lokaal"]}},
                "partnerKinds": {"fund": {"label": "fondsen", "terms": ["fonds"]}},
                "stopwords": ["de"],
            }
        ),
        encoding="utf-8",
    )
    vocabulary = Vocabulary.load(path)
    theme = vocabulary.themes["groen"]
    assert (theme.label, theme.terms, theme.related) == ("Groen", ("moestuin",), ())
    assert theme.tooi_uri is None and theme.tooi_label is None
    assert vocabulary.needs["space"] == ("ruimte", "ruimte", ("lokaal",))
    assert vocabulary.partner_kinds["fund"] == ("fondsen", ("fonds",))
    assert vocabulary.stopwords == ("de",)


# --- a municipality's own terms --------------------------------------------------------------


def test_with_extra_terms_lets_the_matcher_find_the_theme_from_the_new_term() -> None:
    assert "armoede-en-schulden" not in themes_in("Wij helpen met de Rotterdampas")
    extended = VOCABULARY.with_extra_terms({"armoede-en-schulden": ["Rotterdampas"]})
    analyzer = extended.analyzer()
    concepts = ConceptMatcher(extended, analyzer)
    assert "armoede-en-schulden" in themes_in("Wij helpen met de Rotterdampas", concepts, analyzer)
    # The new term goes through the same analysis: other forms of it match too.
    assert "openbare-ruimte-en-groen" not in themes_in("stadsakkers", concepts, analyzer)
    extended = VOCABULARY.with_extra_terms({"openbare-ruimte-en-groen": ["stadsakker"]})
    analyzer = extended.analyzer()
    concepts = ConceptMatcher(extended, analyzer)
    assert "openbare-ruimte-en-groen" in themes_in("Twee stadsakkers", concepts, analyzer)


def test_with_extra_terms_returns_a_new_vocabulary_and_keeps_the_original() -> None:
    before = VOCABULARY.themes["armoede-en-schulden"].terms
    extended = VOCABULARY.with_extra_terms({"armoede-en-schulden": ["Rotterdampas", "armoede"]})
    assert extended is not VOCABULARY
    assert VOCABULARY.themes["armoede-en-schulden"].terms == before
    assert extended.themes["armoede-en-schulden"].terms == (*before, "Rotterdampas")
    assert extended.themes["jeugd"] == VOCABULARY.themes["jeugd"]
    assert extended.needs == VOCABULARY.needs
    assert extended.partner_kinds == VOCABULARY.partner_kinds
    assert extended.stopwords == VOCABULARY.stopwords


def test_with_extra_terms_ignores_unknown_themes() -> None:
    extended = VOCABULARY.with_extra_terms({"bestaat-niet": ["iets"]})
    assert set(extended.themes) == set(VOCABULARY.themes)


# --- everyday words reach policy themes -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("geldzorgen", "armoede-en-schulden"),
        ("hangjongeren", "jeugd"),
        ("nieuwkomers", "nieuwkomers-en-integratie"),
        ("zonnepanelen", "energie-en-duurzaamheid"),
        ("zonnepaneel", "energie-en-duurzaamheid"),
        ("eenzame ouderen", "eenzaamheid"),
        ("Wij hebben een buurtmoestuin", "openbare-ruimte-en-groen"),
        ("jeugdwerkloosheid", "werk-en-inkomen"),
    ],
)
def test_everyday_words_reach_policy_themes(text: str, theme: str) -> None:
    assert theme in themes_in(text)


def test_unrelated_text_reaches_no_theme() -> None:
    assert themes_in("qwerty azerty") == set()
    assert themes_in("") == set()


def test_multi_word_phrases_need_all_their_words() -> None:
    # "sociaal werker" is a zorg phrase; "sociaal" alone is not a zorg term.
    found = CONCEPTS.find(ANALYZER.terms("sociaal werker"))["theme"]
    assert f"{stem('sociaal')} {stem('werker')}" in found["zorg"]
    assert "zorg" not in CONCEPTS.find(ANALYZER.terms("sociaal"))["theme"]


def test_a_phrase_whose_meaning_is_in_its_stop_words_matches_only_word_for_word() -> None:
    # "oude mensen" would shrink to "oud", which fires on "de oude school"; "geen geld"
    # to "geld", which every funding question has.
    assert "eenzaamheid" in CONCEPTS.find_exact(tokenise("veel oude mensen hier"))["theme"]
    assert "eenzaamheid" not in CONCEPTS.find_exact(tokenise("de oude school"))["theme"]
    assert "eenzaamheid" not in CONCEPTS.find(ANALYZER.terms("de oude school"))["theme"]
    assert "armoede-en-schulden" in CONCEPTS.find_exact(tokenise("we hebben geen geld"))["theme"]


def test_concepts_find_needs_and_partner_kinds() -> None:
    found = CONCEPTS.find(ANALYZER.terms("Subsidie voor een lokaal, samen met woningcorporatie"))
    assert {"funding", "space"} <= set(found["need"])
    assert "housing" in found["partner"]


def test_matched_phrases_are_reported_as_stems() -> None:
    found = CONCEPTS.find(ANALYZER.terms("zonnepanelen"))
    assert found["theme"]["energie-en-duurzaamheid"] == [stem("zonnepanelen")]


def test_theme_label_falls_back_to_the_slug() -> None:
    assert theme_label(VOCABULARY, "jeugd") == "Jeugd"
    assert theme_label(VOCABULARY, "onbekend-thema") == "onbekend-thema"


# --- words the stemmer would conflate ----------------------------------------------------------

# Stems that two families (themes, need kinds) reach through different words, each reviewed:
# the words mean the same there.
REVIEWED_SHARED_STEMS = {
    "bejaard": "bejaard, bejaarden: the elderly (zorg, eenzaamheid)",
    "jogg": "jogg, joggen: running (gezondheid, sport)",
    "mentor": "mentor, mentoring: a mentor (jeugd, knowledge)",
    "ontmoet": "ontmoeten, ontmoeting: meeting (eenzaamheid, sociale-cohesie)",
    "oudere": "oudere, ouderen: the elderly (zorg, eenzaamheid)",
}


def test_every_stem_shared_across_families_is_reviewed() -> None:
    """The systematic check: every one-word term of every theme and need kind, stemmed as the
    engine stems it. Where two families reach one stem through different words, the words
    must mean the same (reviewed above) or be kept apart (``stemExceptions``)."""
    analyzer = VOCABULARY.analyzer()
    families: dict[str, set[tuple[str, str]]] = {}
    for slug, theme in VOCABULARY.themes.items():
        terms = [(slug, term) for term in theme.terms]
        for family, term in terms:
            words = tokenise(term)
            if len(words) == 1:
                families.setdefault(analyzer.stem(words[0]), set()).add((family, words[0]))
    for kind, (_label, _sentence, terms) in VOCABULARY.needs.items():
        for term in terms:
            words = tokenise(term)
            if len(words) == 1:
                families.setdefault(analyzer.stem(words[0]), set()).add((f"need:{kind}", words[0]))
    shared = {
        stem_
        for stem_, found in families.items()
        if len({w for _, w in found}) > 1 and len({f for f, _ in found}) > 1
    }
    assert shared == set(REVIEWED_SHARED_STEMS)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ouderen", "ouders"),  # the elderly, parents
        ("zorgen", "zorg"),  # worries, care
        ("werken", "werk"),  # to work (every profile says it), a job
        ("rekeningen", "rekenen"),  # bills, arithmetic
        ("openbare", "open"),  # public, open to
        ("weet", "wet"),  # knows, a law
        ("bereikbaarheid", "bereik"),  # accessibility, reach
        ("middelbare", "middelen"),  # secondary (school), means
        # Snowball shortens a long vowel (zoon -> zon) and so makes one word into another.
        # Found by stemming every Dutch word of Zipf 3.5 or more (wordfreq) and listing the
        # stems that are themselves another such word (131); kept apart where both can occur
        # in a question or a profile, the rest reviewed as harmless (function words, names,
        # English, the same word).
        ("zoon", "zon"),  # a son, the sun (zon op het dak)
        ("zoontje", "zonnig"),
        ("zonen", "zon"),
        ("taal", "tal"),  # a language, many ("tal van")
        ("les", "lees"),  # a lesson, to read
        ("lessen", "lezen"),
        ("baan", "ban"),  # a job, a ban
        ("boos", "bos"),  # angry, a wood
        ("leeg", "leg"),  # empty (leegstand), to lay
        ("laag", "lag"),  # low (laag inkomen), lay
        ("maatje", "mat"),  # a buddy, a mat
        ("raad", "rad"),  # a council, a wheel
        ("boom", "bom"),  # a tree, a bomb
        ("taak", "tak"),  # a task, a branch
        ("plaats", "plat"),  # a place, flat
    ],
)
def test_words_the_stemmer_would_conflate_are_kept_apart(one: str, other: str) -> None:
    analyzer = VOCABULARY.analyzer()
    assert analyzer.stem(one) != analyzer.stem(other)


@pytest.mark.parametrize(
    "forms",
    [
        ("zoon", "zoons", "zonen", "zoontje"),
        ("taal", "talen"),
        ("les", "lessen"),
        ("baan", "banen"),
        ("leeg", "lege"),
        ("maat", "maatje", "maatjes"),
        ("boom", "bomen"),
        ("taak", "taken"),
        ("plaats", "plaatsen"),
    ],
)
def test_words_kept_apart_keep_their_own_forms_together(forms: tuple[str, ...]) -> None:
    analyzer = VOCABULARY.analyzer()
    assert len({analyzer.stem(form) for form in forms}) == 1
