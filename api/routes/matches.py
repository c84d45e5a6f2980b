from fastapi import APIRouter

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.services import matching as service
from schemas import MatchRequest, MatchResult

router = APIRouter(prefix="/matches", tags=["matches"])


@router.post(
    "",
    response_model=MatchResult,
    summary="Wie moet ik hebben? Ask without registering",
    description="Ranks the civil servants for an initiative described in your own words. "
    "Nothing is stored. Open to anyone: names show only for contacts with a public profile, "
    "contact details never.",
)
def ask(
    question: MatchRequest, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
):
    return service.match_question(
        session=session, question=question, principal=principal, settings=settings
    )
