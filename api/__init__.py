"""Wegwijs HTTP service: FastAPI app, routes, dependencies, settings, persistence and CLI."""

API_VERSION = "1.0.0"
