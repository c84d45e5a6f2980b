"""Shared page building: the body ``{items, page, pageSize, total}`` and an RFC 8288 Link."""

from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response

from api.core.paging import Paging


def link_header(request: Request, paging: Paging, total: int) -> str:
    last = max(1, -(-total // paging.page_size))
    pages = {"first": 1, "last": last}
    if paging.page > 1:
        pages["prev"] = min(paging.page - 1, last)
    if paging.page < last:
        pages["next"] = paging.page + 1
    links = [
        f'<{request.url.include_query_params(page=number, pageSize=paging.page_size)}>; rel="{rel}"'
        for rel, number in pages.items()
    ]
    return ", ".join(links)


def page_of(
    request: Request, response: Response, paging: Paging, items: Sequence[Any], total: int
) -> dict[str, Any]:
    response.headers["Link"] = link_header(request, paging, total)
    return {
        "items": list(items),
        "page": paging.page,
        "page_size": paging.page_size,
        "total": total,
    }
