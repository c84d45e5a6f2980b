from fastapi import APIRouter, status

from api.deps import AdminDep, SessionDep
from api.services.imports import confine_import, import_directory
from schemas import ImportDocument, ImportResult

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post(
    "",
    response_model=ImportResult,
    status_code=status.HTTP_201_CREATED,
    summary="Load a staff directory in one transaction (admin)",
    description="All or nothing: every record is checked first and every bad record is named "
    "in `invalidParams`. Municipalities and areas are upserted by code; units and contacts are "
    "created and refer to each other by the document's own `key`s; a contact may instead name "
    "an existing unit by `unitId`, so a large directory can be loaded in batches (up to "
    "`WEGWIJS_MAX_IMPORT_BODY_BYTES`, 64 MiB, per request).",
)
def create_import(document: ImportDocument, session: SessionDep, principal: AdminDep):
    confine_import(session=session, document=document, principal=principal)
    return import_directory(session=session, document=document)
