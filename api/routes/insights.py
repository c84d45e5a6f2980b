from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.http.deps import SessionDep, SettingsDep, StaffDep, confine_to
from api.services import insights as service
from schemas.base import MUNICIPALITY_CODE
from schemas.insight import GapReport

router = APIRouter(prefix="/insights", tags=["insights"])

CSV = "text/csv"
DESCRIPTION = (
    "For one municipality: initiatives whose best match scores below `gapScoreThreshold` "
    "(0.40), counted per theme, need kind and area; introductions declined or unanswered for "
    "`stalledIntroductionDays` (14), per unit; and civil servants at capacity or in the top "
    "three of more initiatives than they can take. No initiator's personal data."
)
CSV_EXAMPLE = (
    "section,key,label,unit,initiatives,gaps,declined,unanswered,status,initiativeId,contactId,"
    "daysWaiting,openIntroductions,capacityPerMonth,topMatches,score,detail\r\n"
    "theme,jeugd,Jeugd,,4,1,,,,,,,,,,,12: Speeltuin\r\n"
)
CSV_CONTENT = {CSV: {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}
DISPOSITION = {
    "description": "With text/csv: attachment; filename=gaps-{municipalityCode}.csv",
    "schema": {"type": "string"},
}
MunicipalityQuery = Annotated[str, Query(alias="municipalityCode", pattern=MUNICIPALITY_CODE)]


class CsvResponse(Response):
    """Declares ``text/csv`` as the media type of an operation (api/http/negotiation.py)."""

    media_type = CSV


def _csv(report: GapReport, municipality_code: str, vary: bool) -> Response:
    headers = {"Content-Disposition": f"attachment; filename=gaps-{municipality_code}.csv"}
    if vary:
        headers["Vary"] = "Accept"
    return Response(
        content=service.gap_report_csv(report),
        media_type=f"{CSV}; charset=utf-8",
        headers=headers,
    )


@router.get(
    "/gaps",
    response_model=GapReport,
    summary="Broken connections: gaps, stalled introductions, overloaded contacts (broker)",
    description=DESCRIPTION + " Send `Accept: text/csv` for the same report as a CSV download, "
    "one row per line with its `section` (or call `getGapReportCsv`); an `Accept` that allows "
    "neither JSON nor CSV gets 406.",
    responses={
        200: {
            "description": "The report: JSON, or CSV when the client asks for text/csv.",
            "content": CSV_CONTENT,
            "headers": {
                "Content-Disposition": DISPOSITION,
                "Vary": {
                    "description": "Always `Accept`: the media type follows it.",
                    "schema": {"type": "string"},
                },
            },
        }
    },
    operation_id="getGapReport",
)
def gap_report(
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    response: Response,
    request: Request,
    municipality_code: MunicipalityQuery,
):
    confine_to(session, principal, municipality_code)
    report = service.gap_report(
        session=session,
        settings=settings,
        principal=principal,
        municipality_code=municipality_code,
    )
    if request.state.media_type == CSV:  # chosen by api/http/negotiation.py
        return _csv(report, municipality_code, vary=True)
    response.headers["Vary"] = "Accept"
    return report


# The same report as CSV only: a generated client parses one media type per answer (the
# first declared: openapi-python-client), so the CSV needs an operation of its own to be read.
@router.get(
    "/gaps/csv",
    response_class=CsvResponse,
    summary="The broken-connections report as a CSV download (broker)",
    description=DESCRIPTION + " One row per line with its `section`; the same report as "
    "`getGapReport` with `Accept: text/csv`.",
    responses={
        200: {
            "description": "The report as CSV.",
            "content": CSV_CONTENT,
            "headers": {"Content-Disposition": DISPOSITION},
        }
    },
    operation_id="getGapReportCsv",
)
def gap_report_csv(
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    municipality_code: MunicipalityQuery,
) -> Response:
    confine_to(session, principal, municipality_code)
    report = service.gap_report(
        session=session,
        settings=settings,
        principal=principal,
        municipality_code=municipality_code,
    )
    return _csv(report, municipality_code, vary=False)
