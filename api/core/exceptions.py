"""The domain's exceptions: what went wrong, in the terms of a problem type (status, title,
slug). Services raise them; ``api.http.error_handlers`` renders them as problem+json and the
command line prints them."""

import re
from collections.abc import Sequence
from typing import Any

from schemas.base import PATTERN_MEANINGS, InvalidParam


class DomainError(Exception):
    status = 500
    title = "Internal error"
    slug = "internal"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class InvalidInput(DomainError):
    status, title, slug = 400, "Invalid input", "invalid-input"

    def __init__(self, invalid_params: Sequence[InvalidParam], detail: str | None = None):
        super().__init__(detail or "The request has invalid parameters; see invalidParams.")
        self.invalid_params = list(invalid_params)

    @classmethod
    def field(cls, name: str, reason: str) -> "InvalidInput":
        return cls([InvalidParam(name=name, reason=reason)])


class Unauthorized(DomainError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str = "A valid API key is required (Authorization: Bearer …)."):
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class NotAcceptable(DomainError):
    status, title, slug = 406, "Not acceptable", "not-acceptable"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class PreconditionFailed(DomainError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class ServiceUnavailable(DomainError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


class TooManyRequests(DomainError):
    status, title, slug = 429, "Too many requests", "too-many-requests"


class TooManyOpenIntroductions(Conflict):
    """A limit of the domain (open requests per initiative): the initiative's state forbids
    another request until one is answered or cancelled, so a 409, not a rate limit's 429 (no
    clock to wait for). A problem type of its own tells it from the other conflicts."""

    title, slug = "Too many open introductions", "too-many-open-introductions"


class InvalidToken(InvalidInput):
    """A token from a link in a mail that cannot be used: unknown, expired or already used.
    A 400 whose problem type says which (``…/problems/token-expired``), so the page can tell
    the person what to do."""

    REASONS = {
        "unknown": "This link is unknown. Ask for a new one.",
        "expired": "This link has expired. Ask for a new one.",
        "used": "This link was already used. Ask for a new one.",
    }

    def __init__(self, why: str) -> None:
        reason = self.REASONS[why]
        super().__init__([InvalidParam(name="token", reason=reason)], detail=reason)
        self.slug = f"token-{why}"
        self.title = f"Token {why}"


def json_path(loc: Sequence[Any]) -> str:
    """``("body", "contacts", 0, "unitKey")`` → ``contacts[0].unitKey``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _reason(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":
        position = error.get("loc", ("", "?"))[-1]
        problem = error.get("ctx", {}).get("error", "")
        return f"The body is not valid JSON (at character {position}): {problem}."
    if error["type"] == "missing":
        return "Required."
    if error["type"] == "extra_forbidden":
        return "Unknown field."
    if error["type"] == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern")
        return PATTERN_MEANINGS.get(pattern, f"Must match the pattern {pattern}.")
    return str(error.get("msg", "Invalid value."))


# Pydantic's names for validator and union members in an error location; a client's own
# (unknown) field named "x[0]" is no such tag and must keep its name.
_SCHEMA_TAG = re.compile(
    r"^(function-(after|before|wrap|plain)|nullable|union|tagged-union|json-or-python"
    r"|lax-or-strict|chain|default|list|dict|set|frozenset|tuple)\[.*\]$"
)


def _is_schema_tag(part: object) -> bool:
    return isinstance(part, str) and _SCHEMA_TAG.match(part) is not None


def invalid_params_from(errors: Sequence[dict[str, Any]]) -> list[InvalidParam]:
    params = []
    for error in errors:
        if error["type"] == "json_invalid":
            params.append(InvalidParam(name="body", reason=_reason(error)))
            continue
        loc = list(error.get("loc", ()))
        # Drop the location kind ("body", "query", "path") and pydantic's union tags
        # ("function-after[...]") so the name is the field's JSON path.
        if loc and loc[0] in {"body", "query", "path", "header"}:
            loc = loc[1:]
        loc = [part for part in loc if not _is_schema_tag(part)]
        params.append(InvalidParam(name=json_path(loc), reason=_reason(error)))
    return params
