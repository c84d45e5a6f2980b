"""HTTP routes, one module per domain noun. Thin: parse, resolve dependencies, call a service."""

from fastapi import Response
from pydantic import BaseModel


def as_json(model: BaseModel) -> Response:
    """The answer serialised once, by pydantic's own encoder, to the same bytes FastAPI's
    response_model path makes (camelCase, compact, UTF-8), without validating the model again
    and encoding it twice: for the match routes, the busiest there are (issue 15). The route
    keeps its ``response_model`` for the OpenAPI document."""
    return Response(model.model_dump_json(by_alias=True), media_type="application/json")
