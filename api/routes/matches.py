from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from api.core.identity import Principal
from api.http.deps import BearerDep, SettingsDep, confine_to
from api.http.one_hop import in_one_hop
from api.routes import as_json
from api.services import matching as service
from schemas import MatchRequest, MatchResult, Role

# Checks the key and the rate limits itself, in its one threadpool hop (api/http/one_hop.py).
one_hop_router = APIRouter(prefix="/matches", tags=["matches"])


@one_hop_router.post(
    "",
    response_model=MatchResult,
    summary="Wie moet ik hebben? Ask without registering",
    description="Ranks the civil servants for an initiative described in your own words. "
    "Nothing is stored. Open to anyone: names show only for contacts with a public profile, "
    "contact details never. A key that acts for municipalities (broker, portal, contact, a "
    "municipal admin) asks only about those (403 otherwise).",
    operation_id="findMatches",
)
async def ask(
    question: MatchRequest, request: Request, credentials: BearerDep, settings: SettingsDep
) -> Response:
    def answer(session: Session, principal: Principal) -> Response:
        # Anonymous callers and initiators see what anyone may see of any municipality; a key
        # with municipalities would see more there (staff see every name) and is held to them.
        if principal.role not in (None, Role.initiator):
            confine_to(session, principal, question.municipality_code)
        return as_json(
            service.match_question(
                session=session, question=question, principal=principal, settings=settings
            )
        )

    return await in_one_hop(request, credentials, answer)
