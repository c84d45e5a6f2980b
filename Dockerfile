# Wegwijs API. Configure with WEGWIJS_* environment variables (see README); in production set
# WEGWIJS_DATABASE_URL to PostgreSQL, e.g. postgresql+psycopg://wegwijs:…@db:5432/wegwijs.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 wegwijs
WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY api ./api
COPY matching ./matching
COPY schemas ./schemas
COPY alembic ./alembic
COPY alembic.ini ./
# Editable install: the Alembic migrations stay beside the package, where `wegwijs` finds them.
RUN pip install -e . && mkdir -p /app/var && chown wegwijs:wegwijs /app/var

USER wegwijs
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["wegwijs", "serve", "--host", "0.0.0.0", "--port", "8000"]
