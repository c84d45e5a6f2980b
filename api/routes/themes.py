from typing import Annotated

from fastapi import APIRouter, Path

from api.http.deps import MunicipalityFilter, SessionDep, StaffDep, confine_to
from api.services import themes as service
from schemas import ThemePublic, ThemeTermsUpdate
from schemas.base import MUNICIPALITY_CODE

router = APIRouter(prefix="/themes", tags=["themes"])


@router.get(
    "",
    response_model=list[ThemePublic],
    summary="The theme vocabulary",
    description="The social-domain themes the matcher knows, aligned with the national TOOI "
    "themes, with the policy and everyday words for each. With `municipalityCode`, also that "
    "municipality's own terms.",
    operation_id="listThemes",
)
def list_themes(session: SessionDep, municipality_code: MunicipalityFilter = None):
    return service.list_themes(session=session, municipality_code=municipality_code)


@router.put(
    "/{municipalityCode}",
    response_model=list[ThemePublic],
    summary="Set a municipality's own theme terms (broker)",
    operation_id="replaceThemeTerms",
)
def replace_theme_terms(
    municipality_code: Annotated[str, Path(alias="municipalityCode", pattern=MUNICIPALITY_CODE)],
    terms_in: ThemeTermsUpdate,
    session: SessionDep,
    principal: StaffDep,
):
    confine_to(session, principal, municipality_code)
    return service.replace_theme_terms(
        session=session, municipality_code=municipality_code, terms_in=terms_in
    )
