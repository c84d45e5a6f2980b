from fastapi import APIRouter, Response, status

from api.http.deps import AdminDep, SessionDep, SettingsDep
from api.services.imports import confine_import, import_directory
from schemas import ImportCreate, ImportResult

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post(
    "",
    response_model=ImportResult,
    status_code=status.HTTP_201_CREATED,
    summary="Load or sync a staff directory in one transaction (admin)",
    description="All or nothing: every record is checked first and every bad record is named "
    "in `invalidParams`. Municipalities and areas are upserted by code.\n\n"
    "`mode: add` (the default): units and contacts are created and refer to each other by the "
    "document's own `key`s; a contact may instead name an existing unit by `unitId`, so a "
    "large directory can be loaded in batches (up to `WEGWIJS_MAX_IMPORT_BODY_BYTES`, 64 MiB, "
    "per request).\n\n"
    "`mode: sync`: the document is the whole directory of each municipality it holds units "
    "of (a nightly HR export). Records are found by `externalId` (else a contact by email, a "
    "unit by name); the fields the feed owns (externalId, name, jobTitle, email, phone, "
    "themes, areaCodes, the unit; all of a unit) are updated where they differ; the fields a "
    "civil servant keeps up themself (openToInitiatives, capacityPerMonth, expertise, "
    "languages, networks, knows, available, consentAt, publicProfile) are set only for new "
    "people; people missing from the document, and units missing from it with nobody left, "
    "are withdrawn (unavailable and unlisted, never deleted). The same document twice "
    "changes nothing. A sync that would withdraw more than a quarter of a municipality's people "
    "(`WEGWIJS_SYNC_MAX_WITHDRAWN_SHARE`), and more than ten, is a 409 (a likely incomplete "
    "export) unless `allowMassWithdrawal: true`.\n\n"
    "`dryRun: true` answers 200 with what would change (`changes`: created, updated with the "
    "changed fields, unchanged, withdrawn) and stores nothing.",
    responses={
        200: {"description": "A dry run: what would change; nothing was stored."},
        409: {"description": "A sync that would withdraw too many people at once."},
    },
    operation_id="createImport",
)
def create_import(
    import_in: ImportCreate,
    session: SessionDep,
    principal: AdminDep,
    settings: SettingsDep,
    response: Response,
):
    confine_import(session=session, document=import_in, principal=principal)
    result = import_directory(
        session=session,
        document=import_in,
        mode=import_in.mode,
        dry_run=import_in.dry_run,
        principal=principal,
        max_withdrawn_share=(
            None if import_in.allow_mass_withdrawal else settings.sync_max_withdrawn_share
        ),
    )
    if result.dry_run:
        response.status_code = status.HTTP_200_OK
    return result
