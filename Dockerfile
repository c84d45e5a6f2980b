# Wegwijs API, built in two stages:
#   build:   makes the wheel of this checkout (pip wheel; the Alembic migrations are inside it)
#   runtime: installs the production dependencies from requirements.lock (exact versions, every
#            file checked against its hash) and then the wheel without dependencies; no source
#            tree, no compiler, no editable install. Runs as an unprivileged user.
# Configure with WEGWIJS_* environment variables (see docs/operations.md and
# docs/configuration.md); in production set WEGWIJS_DATABASE_URL to PostgreSQL, e.g.
# postgresql+psycopg://wegwijs:…@db:5432/wegwijs, and WEGWIJS_RATE_LIMIT_REDIS_URL when running
# more than one worker or container.

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY api ./api
COPY matching ./matching
COPY schemas ./schemas
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.12-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --create-home --uid 10001 wegwijs
# The pinned, hashed production dependencies first: this layer changes only with the lock.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock && rm /tmp/requirements.lock
# Then Wegwijs itself, from the wheel built above (its dependencies are already there).
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/wegwijs-*.whl && rm -rf /tmp/wheels
# The working directory holds the embedded SQLite database (var/) when no PostgreSQL is set.
WORKDIR /home/wegwijs
USER wegwijs
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
# `serve` migrates first, under a lock (safe with many containers starting at once); where
# migrations are a separate deployment step, run `wegwijs db upgrade` there and add --no-migrate.
CMD ["wegwijs", "serve", "--host", "0.0.0.0", "--port", "8000"]
