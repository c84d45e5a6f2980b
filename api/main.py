"""The ASGI entry point uvicorn imports (``api.main:app``); settings come from the environment."""

from api.http.app import create_app

app = create_app()
