"""Answering an introduction request from the links in its mail.

The links (``/kennismaking#<token>``) open a page that changes nothing: mail scanners and link
previews open every link in a mail. The page reads the request with ``preview`` (a POST, so the
token stays out of URLs and logs, that changes nothing) and asks; only ``respond`` changes the
status, through ``change_introduction``: the same rules, history, webhook events and mails as
``PATCH /introductions/{id}``, acting as the contact the mail was sent to. A token is bound to
one introduction and one contact, expires with the request's window, and works once.
"""

from sqlmodel import Session, select

from api.core.exceptions import Conflict, InvalidInput, InvalidToken
from api.core.identity import Principal
from api.core.settings import Settings
from api.services import introductions, mail
from api.services.mail_messages import need_label
from api.services.notifications import answer_before
from schemas import (
    Area,
    Contact,
    Initiative,
    Introduction,
    IntroductionPublic,
    IntroductionRequestPreview,
    IntroductionResponseCreate,
    IntroductionStatus,
    IntroductionUpdate,
    MailToken,
    Municipality,
    Role,
    TokenPurpose,
)


def _parties(session: Session, token: MailToken) -> tuple[Introduction, Contact, Principal]:
    introduction = session.get(Introduction, token.introduction_id or 0)
    contact = session.get(Contact, token.contact_id or 0)
    # The introduction's contact, still in the directory: otherwise the link is no one's.
    if (
        introduction is None
        or contact is None
        or introduction.contact_id != contact.id
        or contact.erased_at is not None
    ):
        raise InvalidToken("unknown")
    principal = Principal(
        role=Role.contact,
        subject=str(contact.id),
        municipality_codes=frozenset({contact.municipality_code}),
    )
    return introduction, contact, principal


def preview(*, session: Session, token: str, settings: Settings) -> IntroductionRequestPreview:
    """The request as the contact sees it before answering (no initiator's details yet)."""
    row = mail.take_token(session, token, TokenPurpose.introduction_response)
    introduction, contact, _ = _parties(session, row)
    initiative = session.get(Initiative, introduction.initiative_id)
    municipality = session.get(Municipality, initiative.municipality_code)
    names = dict(
        session.exec(
            select(Area.code, Area.name).where(Area.code.in_(initiative.area_codes or ["-"]))
        ).all()
    )
    return IntroductionRequestPreview.model_validate(
        {
            "introduction_id": introduction.id,
            "status": introduction.status,
            "message": introduction.message,
            "requested_at": introduction.created_at,
            "answer_before": answer_before(introduction, settings),
            "contact_job_title": contact.job_title,
            "initiative": {
                "title": initiative.title,
                "description": initiative.description,
                "needs": [
                    {
                        "kind": need.get("kind", "other"),
                        "label": need_label(need.get("kind", "other")),
                        "description": need.get("description", ""),
                    }
                    for need in initiative.needs
                ],
                "areas": [names.get(code, code) for code in initiative.area_codes],
                "municipality_name": municipality.name if municipality else "",
            },
        }
    )


def respond(
    *, session: Session, response_in: IntroductionResponseCreate, settings: Settings
) -> IntroductionPublic:
    """Accept or decline as the contact; the token is used in the same transaction as the
    change, so a refused change (409: the request was withdrawn meanwhile) uses nothing."""
    if response_in.reason is not None and response_in.status != IntroductionStatus.declined:
        raise InvalidInput.field("reason", "Only declining takes a reason.")
    row = mail.take_token(session, response_in.token, TokenPurpose.introduction_response)
    introduction, _, principal = _parties(session, row)
    if introduction.status != IntroductionStatus.requested:
        raise Conflict("This request was already answered or withdrawn.")
    mail.use_token(session, row)
    changed = introductions.change_introduction(
        session=session,
        introduction=introduction,
        change=IntroductionUpdate(status=response_in.status, reason=response_in.reason),
        principal=principal,
        settings=settings,
    )
    return introductions.present(session, changed, principal)
