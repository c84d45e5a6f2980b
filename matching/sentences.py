"""Every sentence the engine says to a resident, in one place and one voice: plain Dutch at B1
level, no scoring words, "kennismaking" for an introduction, "de gemeente" for the whole
municipality (a city or a village). A reason says what is true of the person; it never
contradicts another reason of the same person.

Themes are named in a word or two ("geldzorgen" for "Armoede en schulden"); lists whose items
contain "en" themselves (places such as "Bos en Lommer") are joined with semicolons, so no
clause ever has two of them.
"""

from collections.abc import Mapping, Sequence

from matching import signals
from matching.model import AreaProfile, TrackRecord
from matching.vocabulary import Vocabulary

ENGLISH_NOTE = (
    "U schreef in het Engels. We lezen uw vraag en leggen in het Nederlands uit waarom we "
    "deze mensen kozen. (You wrote in English: we read your question in English and explain "
    "our choice in Dutch.)"
)


def join(items: Sequence[str]) -> str:
    """``a, b en c``; ``a; b; c`` when an item has an "en" of its own (a place such as "Bos
    en Lommer"), so no clause ever has two."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    if any(" en " in f" {i} " for i in items):
        return "; ".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def theme_label(vocabulary: Vocabulary, slug: str) -> str:
    """A theme in a sentence, in a word or two ("geldzorgen", "buitenruimte")."""
    theme = vocabulary.themes.get(slug)
    return theme.short if theme else slug.replace("-", " ")


def need_phrase(vocabulary: Vocabulary, kind: str) -> str:
    """A need in a sentence: "een plek", "een vergunning", "geld"."""
    need = vocabulary.needs.get(kind)
    return need[1] if need else kind


def text_detail(words: Sequence[str]) -> str:
    if not words:
        return "Uw woorden staan niet letterlijk in het profiel van deze persoon."
    return "Uw woorden passen bij het werk van deze persoon: " + ", ".join(words[:5]) + "."


def theme_detail(labels: Sequence[str]) -> str:
    if not labels:
        return "Werkt aan andere onderwerpen dan die van uw vraag."
    return "Werkt aan " + join(labels) + "."


def need_detail(covered: Sequence[str], missing: Sequence[str]) -> str:
    """``covered`` and ``missing`` as phrases ("een plek")."""
    if covered and missing:
        return f"Kan helpen met {join(covered)}. Voor {join(missing)} is iemand anders beter."
    if covered:
        return f"Kan helpen met {join(covered)}."
    return f"Voor {join(missing)} kunt u beter bij iemand anders terecht."


def network_detail(named: Sequence[str], reached: Sequence[str]) -> str:
    if named:
        return "Kent " + join(sorted(set(named))) + "."
    if reached:
        return "Heeft contacten bij " + join(reached) + "."
    return "Heeft geen contacten bij de organisaties die u zoekt."


def area_detail(
    *,
    asked: Sequence[str],
    served: Sequence[str],
    fit: float,
    via: str | None,
    known: bool,
    areas: Mapping[str, AreaProfile],
) -> str:
    """Where the person works, said from where the initiative is."""

    def name(code: str | None) -> str:
        area = areas.get(code) if code else None
        return area.name if area else (code or "")

    here = join([name(code) for code in asked[:3]])
    if not asked:
        if not served:
            return "Werkt voor de hele gemeente."
        return "Werkt in " + join([name(c) for c in served[:3]]) + "."
    if known and fit > 0:
        return f"Kent {name(via)} goed."
    if fit == signals.SAME_AREA:
        return f"Werkt in {name(via)}, waar uw initiatief is."
    if fit == signals.WIDER_AREA:
        return f"Werkt in heel {name(via)}, waar {here} bij hoort."
    if fit == signals.NARROWER_AREA and served:
        return f"Werkt in {name(via)}, een deel van {here}."
    if not served:
        return f"Werkt voor de hele gemeente, dus ook voor {here}."
    return "Werkt vooral in " + join([name(c) for c in served[:3]]) + f", niet in {here}."


def local_detail(area_name: str) -> str:
    return f"Is het eerste aanspreekpunt voor initiatieven in {area_name}."


def language_detail(speaks: float) -> str:
    if speaks:
        return "Spreekt Engels. (Speaks English.)"
    return "Spreekt volgens het profiel geen Engels. (Does not speak English, says the profile.)"


def openness_detail(is_open: float) -> str:
    if is_open:
        return "Staat open voor nieuwe initiatieven."
    return "Neemt nu geen nieuwe initiatieven aan."


def capacity_detail(left: int) -> str:
    if left <= 0:
        return "Heeft deze maand geen tijd meer voor nieuwe kennismakingen."
    return f"Heeft deze maand nog tijd voor {left} kennismaking{'en' if left != 1 else ''}."


def experience_detail(
    record: TrackRecord, themes: Mapping[str, float], vocabulary: Vocabulary
) -> str:
    done = record.helpful + record.not_helpful
    if done <= 0:
        return "Heeft nog geen kennismakingen afgerond."
    sentence = (
        f"{_count(record.helpful)} van de {_count(done)} afgeronde kennismakingen met deze "
        "persoon hielpen."
    )
    # The theme this initiative leans on most, if there is evidence about it.
    for slug in sorted(themes, key=lambda t: -themes[t]):
        good, bad = record.by_theme.get(slug, (0.0, 0.0))
        if good + bad >= 1:
            label = theme_label(vocabulary, slug)
            return sentence + f" Over {label}: {_count(good)} van de {_count(good + bad)}."
    return sentence


def understanding_notes(
    *,
    language: str,
    areas_read: Sequence[str],
    places_written: Sequence[str],
    ambiguous_places: Sequence[str],
    needs_read: Sequence[str],
    themes_read: Sequence[str],
    vocabulary: Vocabulary,
) -> tuple[str, ...]:
    """What the engine read from the resident's words, said back to them."""
    notes = []
    if language == "en":
        notes.append(ENGLISH_NOTE)
    if areas_read:
        notes.append(f"U noemde {join(places_written)}. We zoeken vooral mensen die daar werken.")
    for place in ambiguous_places:
        notes.append(
            f"U noemde {place}. Die naam hoort bij meer dan één gebied. Kies het gebied in de "
            "lijst als u wilt dat we daar zoeken."
        )
    if themes_read:
        notes.append(
            "Uw vraag gaat over " + join([theme_label(vocabulary, t) for t in themes_read]) + "."
        )
    if needs_read:
        notes.append("U noemt: " + join([need_phrase(vocabulary, k) for k in needs_read]) + ".")
    return tuple(notes)


def _count(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 0.05 else f"{value:.1f}"
