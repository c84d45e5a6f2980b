"""Logging: one JSON object per line (or plain text), each carrying the request id.

Nothing personal is ever logged: the request log line has the method, the route *template*
(``/api/v1/contacts/{id}``), the status and the duration, never a path with ids, a query
string, a header or a body. The Authorization header, emails, phone numbers and the free
text of initiatives and questions therefore never reach a log.
"""

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

# The id of the request being handled, for every log record made while handling it.
REQUEST_ID: ContextVar[str | None] = ContextVar("wegwijs_request_id", default=None)
# An incoming X-Request-Id is kept only when it is this safe: no spaces, quotes or control
# characters that could forge log lines or headers, and short.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Fields the request log line adds to a record (``extra=``), in this order.
REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms")

LogFormat = Literal["json", "text"]
# The setting: "auto" (the default) is text for a person at a terminal, JSON lines otherwise.
LogFormatSetting = Literal["auto", "json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def request_id_from(incoming: str | None) -> str:
    """The caller's ``X-Request-Id`` when it is a safe token, else a new uuid4 (hex)."""
    if incoming is not None and _SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...}``, one object per line."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        entry: dict[str, Any] = {
            "time": time.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        for name in REQUEST_FIELDS[1:]:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` (``-`` outside a request), for the text format."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get() or "-"
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (like logging's last resort), so
    output captured or redirected after start-up still receives the logs."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def resolve_log_format(setting: LogFormatSetting, stream: TextIO | None = None) -> LogFormat:
    """The format to write: the setting when it names one; for "auto", text when the logs go
    to a terminal (``stream``, by default stderr, where they are written), else JSON lines
    for a log collector, a file or a pipe."""
    if setting != "auto":
        return setting
    stream = sys.stderr if stream is None else stream
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return "json"


def formatter_for(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(*, level: str, log_format: LogFormatSetting) -> None:
    """One handler of ours on the root logger (replacing the one a previous app installed,
    and keeping anyone else's, such as pytest's)."""
    log_format = resolve_log_format(log_format)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        root.addHandler(handler)
    handler.setFormatter(formatter_for(log_format))
    root.setLevel(level)


def uvicorn_log_config(*, level: str, log_format: LogFormatSetting) -> dict[str, Any]:
    """``log_config`` for uvicorn: its own messages go through our handler and format; its
    access log is off, because ours (``wegwijs.request``) replaces it without the client
    address, the raw path or the query string."""
    log_format = resolve_log_format(log_format)
    formatter = (
        {"()": "api.core.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"wegwijs": formatter},
        "handlers": {"wegwijs": {"()": "api.core.logs.StderrHandler", "formatter": "wegwijs"}},
        "root": {"level": level, "handlers": ["wegwijs"]},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
