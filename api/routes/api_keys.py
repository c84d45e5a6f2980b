from fastapi import APIRouter, Request, Response, status

from api.http.deps import AdminDep, IdPath, PagingDep, SessionDep
from api.routes.paging import page_of
from api.services import api_keys as service
from schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    ApiKeyRotation,
    Page,
)

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key (admin)",
    description="The secret `token` is in this response only; store it now. `expiresAt` "
    "(at most two years ahead) makes the key stop working then, like a revoked one. "
    "`municipalityCodes` confines the key: broker and portal keys name at least one; an "
    "admin key without any is a national admin. An admin for some municipalities issues keys "
    "for those only (403 otherwise), and no initiator or national admin keys.",
    operation_id="createApiKey",
)
def create_api_key(
    key_in: ApiKeyCreate, response: Response, session: SessionDep, principal: AdminDep
):
    created = service.create_api_key(session=session, key_in=key_in, principal=principal)
    response.headers["Location"] = f"/api/v1/api-keys/{created.id}"
    return created


@router.get(
    "",
    response_model=Page[ApiKeyPublic],
    summary="List API keys, without secrets (admin)",
    description="A national admin sees every key; an admin for some municipalities the keys "
    "that act only within those.",
    operation_id="listApiKeys",
)
def list_api_keys(
    request: Request,
    response: Response,
    session: SessionDep,
    paging: PagingDep,
    principal: AdminDep,
):
    items, total = service.list_api_keys(session=session, paging=paging, principal=principal)
    return page_of(request, response, paging, items, total)


@router.delete(
    "/{id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key (admin)",
    operation_id="revokeApiKey",
)
def revoke_api_key(id: IdPath, session: SessionDep, principal: AdminDep) -> None:
    service.revoke_api_key(session=session, key_id=id, principal=principal)


@router.post(
    "/{id}/rotation",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Rotate an API key (admin)",
    description="Issues a new key with the same role and subject (its `token` shown in this "
    "response only) and revokes the old one now, or lets it expire after `graceSeconds` "
    "(at most a day) so clients can switch over. A revoked or expired key is a 409.",
    operation_id="rotateApiKey",
)
def rotate_api_key(
    id: IdPath,
    response: Response,
    session: SessionDep,
    principal: AdminDep,
    rotation: ApiKeyRotation | None = None,
):
    created = service.rotate_api_key(
        session=session, key_id=id, rotation=rotation or ApiKeyRotation(), principal=principal
    )
    response.headers["Location"] = f"/api/v1/api-keys/{created.id}"
    return created
