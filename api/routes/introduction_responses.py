from fastapi import APIRouter, status

from api.http.deps import SessionDep, SettingsDep
from api.services import introduction_responses as service
from schemas import (
    IntroductionPreviewRequest,
    IntroductionPublic,
    IntroductionRequestPreview,
    IntroductionResponseCreate,
)

router = APIRouter(prefix="/introduction-responses", tags=["introductions"])


@router.post(
    "/preview",
    response_model=IntroductionRequestPreview,
    status_code=status.HTTP_200_OK,
    summary="Read the request an answer link is about (changes nothing)",
    description="For the page behind the links in an introduction mail: the request as the "
    "contact sees it before answering. A POST so the token never sits in a URL; it changes "
    "nothing. A used, expired or unknown token is a 400 saying which.",
    operation_id="previewIntroductionResponse",
)
def preview_introduction_response(
    preview_in: IntroductionPreviewRequest, session: SessionDep, settings: SettingsDep
):
    return service.preview(session=session, token=preview_in.token, settings=settings)


@router.post(
    "",
    response_model=IntroductionPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Accept or decline an introduction with the token from its mail",
    description="Acts as the contact the mail was sent to, with the same rules and history as "
    "`PATCH /introductions/{id}`. The token works once and until the request's window closes; "
    "a used, expired or unknown token is a 400 saying which, an answered or withdrawn request "
    "a 409, and nothing changes.",
    operation_id="createIntroductionResponse",
)
def create_introduction_response(
    response_in: IntroductionResponseCreate, session: SessionDep, settings: SettingsDep
):
    return service.respond(session=session, response_in=response_in, settings=settings)
