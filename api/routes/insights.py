from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.http.deps import SessionDep, SettingsDep, StaffDep, confine_to
from api.services import insights as service
from schemas.base import MUNICIPALITY_CODE
from schemas.insight import GapReport

router = APIRouter(prefix="/insights", tags=["insights"])

CSV = "text/csv"
JSON = "application/json"


def _quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type``: the most specific matching range counts
    (RFC 9110 §12.5.1), so ``text/csv;q=0, */*`` refuses CSV."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for part in accept.split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range.lower())
        if specificity is None or specificity < best[0]:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(1.0, max(0.0, float(value)))
                except ValueError:
                    quality = 0.0
        if specificity > best[0] or quality > best[1]:
            best = (specificity, quality)
    return best[1]


def wants_csv(accept: str | None) -> bool:
    """CSV only when the client prefers it to JSON; JSON otherwise, also when it accepts
    neither (RFC 9110 lets a server disregard Accept rather than answer 406)."""
    if not accept:
        return False
    return _quality(accept, CSV) > _quality(accept, JSON)


@router.get(
    "/gaps",
    response_model=GapReport,
    summary="Broken connections: gaps, stalled introductions, overloaded contacts (broker)",
    description="For one municipality: initiatives whose best match scores below "
    "`gapScoreThreshold` (0.40), counted per theme, need kind and area; introductions declined "
    "or unanswered for `stalledIntroductionDays` (14), per unit; and civil servants at capacity "
    "or in the top three of more initiatives than they can take. No initiator's personal data. "
    "Send `Accept: text/csv` for the same report as a CSV download, one row per line with its "
    "`section`.",
    responses={
        200: {
            "description": "The report: JSON, or CSV when the client asks for text/csv.",
            "content": {
                CSV: {
                    "schema": {"type": "string"},
                    "example": "section,key,label,unit,initiatives,gaps,declined,unanswered,"
                    "status,initiativeId,contactId,daysWaiting,openIntroductions,"
                    "capacityPerMonth,topMatches,score,detail\r\n"
                    "theme,jeugd,Jeugd,,4,1,,,,,,,,,,,12: Speeltuin\r\n",
                }
            },
            "headers": {
                "Content-Disposition": {
                    "description": "With text/csv: "
                    "attachment; filename=gaps-{municipalityCode}.csv",
                    "schema": {"type": "string"},
                },
                "Vary": {
                    "description": "Always `Accept`: the media type follows it.",
                    "schema": {"type": "string"},
                },
            },
        }
    },
)
def gap_report(
    session: SessionDep,
    settings: SettingsDep,
    principal: StaffDep,
    response: Response,
    municipality_code: Annotated[str, Query(alias="municipalityCode", pattern=MUNICIPALITY_CODE)],
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
):
    confine_to(session, principal, municipality_code)
    report = service.gap_report(
        session=session,
        settings=settings,
        principal=principal,
        municipality_code=municipality_code,
    )
    if wants_csv(accept):
        return Response(
            content=service.gap_report_csv(report),
            media_type=f"{CSV}; charset=utf-8",
            headers={
                "Content-Disposition": f"attachment; filename=gaps-{municipality_code}.csv",
                "Vary": "Accept",
            },
        )
    response.headers["Vary"] = "Accept"
    return report
