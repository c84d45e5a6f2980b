from fastapi import APIRouter

from api.http.deps import PrincipalDep, SessionDep, SettingsDep, confine_to
from api.routes import as_json
from api.services import matching as service
from schemas import MatchRequest, MatchResult, Role

router = APIRouter(prefix="/matches", tags=["matches"])


@router.post(
    "",
    response_model=MatchResult,
    summary="Wie moet ik hebben? Ask without registering",
    description="Ranks the civil servants for an initiative described in your own words. "
    "Nothing is stored. Open to anyone: names show only for contacts with a public profile, "
    "contact details never. A key that acts for municipalities (broker, portal, contact, a "
    "municipal admin) asks only about those (403 otherwise).",
    operation_id="findMatches",
)
def ask(
    question: MatchRequest, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
):
    # Anonymous callers and initiators see what anyone may see of any municipality; a key
    # with municipalities would see more there (staff see every name) and is held to them.
    if principal.role not in (None, Role.initiator):
        confine_to(session, principal, question.municipality_code)
    return as_json(
        service.match_question(
            session=session, question=question, principal=principal, settings=settings
        )
    )
