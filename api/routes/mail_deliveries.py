from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.http.deps import AdminDep, PagingDep, SessionDep
from api.routes.paging import page_of
from api.services import mail as service
from schemas import MailDeliveryPublic, MailKind, MailStatus, Page

router = APIRouter(prefix="/mail-deliveries", tags=["mail"])


@router.get(
    "",
    response_model=Page[MailDeliveryPublic],
    summary="Outgoing mails and what became of them, newest first (admin)",
    description="Never their bodies (those hold links and personal details, and are removed "
    "once a mail is sent or failed). A municipal admin sees the mails about its "
    "municipalities; sign-in mails to initiators belong to no municipality and are shown to "
    "national admins only. `status=failed` lists the ones that will not be sent.",
    operation_id="listMailDeliveries",
)
def list_mail_deliveries(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    principal: AdminDep,
    mail_status: Annotated[MailStatus | None, Query(alias="status")] = None,
    kind: MailKind | None = None,
):
    items, total = service.list_deliveries(
        session=session, principal=principal, paging=paging, status=mail_status, kind=kind
    )
    return page_of(request, response, paging, items, total)
