"""Content negotiation in one place: which media type an answer takes, and 406 when the
caller's ``Accept`` allows none of an operation's.

Every operation answers JSON unless its ``response_class`` says otherwise (the gaps report's
CSV operation); it may offer more by declaring it in its OpenAPI ``responses`` (the gaps
report offers ``text/csv`` besides JSON), so the document and the check cannot drift apart.
Errors are problem+json whatever ``Accept`` says (RFC 9110 lets an error ignore it). A
missing ``Accept``, ``*/*``, ``application/json`` and ``application/problem+json`` all get
JSON.
"""

from fastapi import Request

from api.core.exceptions import NotAcceptable

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


def quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type``: the most specific matching range counts
    (RFC 9110 §12.5.1), so ``text/csv;q=0, */*`` refuses CSV."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for part in accept.split(","):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range.lower())
        if specificity is None or specificity < best[0]:
            continue
        value = 1.0
        for parameter in parameters:
            name, _, number = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    value = min(1.0, max(0.0, float(number)))
                except ValueError:
                    value = 0.0
        if specificity > best[0] or value > best[1]:
            best = (specificity, value)
    return best[1]


def offered_media_types(request: Request) -> list[str]:
    """The route's own media type first (its ``response_class``: JSON unless it says
    otherwise), then what it declares for its success answers."""
    route = request.scope.get("route")
    response_class = getattr(route, "response_class", None)
    # FastAPI wraps the app-wide default (JSONResponse) in a placeholder.
    response_class = getattr(response_class, "value", response_class)
    media_type = getattr(response_class, "media_type", None)
    offered = [media_type if media_type and media_type != PROBLEM_JSON else JSON]
    for status, response in (getattr(route, "responses", None) or {}).items():
        if str(status).startswith("2"):
            offered += [kind for kind in response.get("content", {}) if kind not in offered]
    return offered


def preferred_media_type(accept: str | None, offered: list[str]) -> str | None:
    """The offered type the caller likes best (the first offered on a tie: JSON); None when it
    accepts none of them. No ``Accept`` accepts anything."""
    if not accept or not accept.strip():
        return offered[0]
    # A JSON client may name the problem type it expects instead: it reads our JSON as well.
    scores = [
        max(quality(accept, kind), quality(accept, PROBLEM_JSON) if kind == JSON else 0.0)
        for kind in offered
    ]
    best = max(scores)
    return offered[scores.index(best)] if best > 0 else None


async def negotiate(request: Request) -> str:  # no I/O: no threadpool hop
    """Dependency of every ``/api/v1`` operation: the media type to answer with, or 406."""
    offered = offered_media_types(request)
    chosen = preferred_media_type(request.headers.get("accept"), offered)
    if chosen is None:
        raise NotAcceptable(
            "Accept allows none of the media types this operation answers with: "
            + ", ".join(offered)
            + "."
        )
    request.state.media_type = chosen
    return chosen
