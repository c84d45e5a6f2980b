from sqlmodel import Session, delete, select

from api.core.exceptions import InvalidInput, NotFound
from api.services.common import require_municipality, touch_directory
from matching import default_vocabulary
from matching.text import normalise
from schemas import Municipality, ThemePublic, ThemeTerm, ThemeTermsUpdate
from schemas.base import InvalidParam


def list_themes(*, session: Session, municipality_code: str | None) -> list[ThemePublic]:
    local: dict[str, list[str]] = {}
    if municipality_code:
        require_municipality(session, municipality_code, field="municipalityCode")
        for row in session.exec(
            select(ThemeTerm)
            .where(ThemeTerm.municipality_code == municipality_code)
            .order_by(ThemeTerm.id)
        ):
            local.setdefault(row.theme, []).append(row.term)
    return [
        ThemePublic(
            slug=theme.slug,
            label=theme.label,
            label_en=theme.label_en,
            tooi={"uri": theme.tooi_uri, "label": theme.tooi_label},
            terms=list(theme.terms),
            local_terms=local.get(theme.slug, []),
            related=list(theme.related),
        )
        for theme in default_vocabulary().themes.values()
    ]


def replace_theme_terms(
    *, session: Session, municipality_code: str, terms_in: ThemeTermsUpdate
) -> list[ThemePublic]:
    if session.get(Municipality, municipality_code) is None:
        raise NotFound(f"No municipality with code {municipality_code}.")
    known = default_vocabulary().themes
    problems = [
        InvalidParam(name=f"terms.{slug}", reason="Unknown theme; see GET /themes.")
        for slug in terms_in.terms
        if slug not in known
    ]
    if problems:
        raise InvalidInput(problems)
    session.exec(delete(ThemeTerm).where(ThemeTerm.municipality_code == municipality_code))
    for slug, terms in terms_in.terms.items():
        # Stored as typed (lower case), once each; the matcher normalises further.
        for term in dict.fromkeys(t.strip().lower() for t in terms if normalise(t)):
            session.add(ThemeTerm(municipality_code=municipality_code, theme=slug, term=term))
    touch_directory(session, municipality_code)
    session.commit()
    return list_themes(session=session, municipality_code=municipality_code)
