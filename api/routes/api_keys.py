from fastapi import APIRouter, Request, Response, status

from api.deps import AdminDep, IdPath, PagingDep, SessionDep
from api.routes.paging import page_of
from api.services import api_keys as service
from schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Page

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key (admin)",
    description="The secret `token` is in this response only; store it now.",
)
def create_api_key(key_in: ApiKeyCreate, response: Response, session: SessionDep, _: AdminDep):
    created = service.create_api_key(session=session, key_in=key_in)
    response.headers["Location"] = f"/api/v1/api-keys/{created.id}"
    return created


@router.get("", response_model=Page[ApiKeyPublic], summary="List API keys, without secrets (admin)")
def list_api_keys(
    request: Request, response: Response, session: SessionDep, paging: PagingDep, _: AdminDep
):
    items, total = service.list_api_keys(session=session, paging=paging)
    return page_of(request, response, paging, items, total)


@router.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key (admin)")
def revoke_api_key(id: IdPath, session: SessionDep, _: AdminDep) -> None:
    service.revoke_api_key(session=session, key_id=id)
