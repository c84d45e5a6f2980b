"""The HTTP shell: the FastAPI app, its middleware, error handlers, request dependencies,
OpenAPI document, ETags, rate limits and the web page. Routes (``api.routes``) sit beside it;
services (``api.services``) never import it."""
