"""The floor under the service's latency: a bare FastAPI app with one GET endpoint that
answers a pre-built JSON payload, served by uvicorn exactly as ``wegwijs serve`` serves the
service (same host, same worker count, uvicorn's defaults), so that service p50 / bare p50
says how much of a match is the matching and how much the HTTP stack.

    BENCH_BARE_PAYLOAD=/tmp/body.json uvicorn bare_app:app --app-dir bench --port 8001

``BENCH_BARE_PAYLOAD`` is the path of the bytes to answer (``bench/run.py`` passes a
captured ``GET /api/v1/initiatives/{id}/matches`` answer); without it the answer is ``{}``.
"""

import os
from pathlib import Path

from fastapi import FastAPI, Response

_path = os.environ.get("BENCH_BARE_PAYLOAD")
PAYLOAD = Path(_path).read_bytes() if _path else b"{}"

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/payload")
def payload() -> Response:
    """The same bytes every time (a plain function, run in the thread pool like the
    service's routes)."""
    return Response(content=PAYLOAD, media_type="application/json")


@app.get("/ready")
def ready() -> dict[str, str]:
    return {"status": "ready"}
