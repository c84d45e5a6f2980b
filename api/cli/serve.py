"""Running the service: ``serve`` (checks the address, migrates, loads the demo, starts
uvicorn), ``db upgrade`` and ``demo load``."""

import errno
import os
import shutil
import socket
from typing import Annotated

import typer
from sqlmodel import Session

from api.cli.common import (
    EXIT_ADDRESS,
    EXIT_NOT_STARTED,
    database,
    fail,
    warn,
)
from api.core.settings import get_settings

# uvicorn's own exit code when its server does not start (a port taken after our check, a
# failing start-up): ours would read it as "database not reachable".
UVICORN_STARTUP_FAILURE = 3


def _bind_error(host: str, port: int) -> OSError | None:
    """Try the bind uvicorn will make (every address ``host`` resolves to, SO_REUSEADDR) and
    let go at once: the error it would meet, or None. Raises ``socket.gaierror`` for a host
    that does not resolve."""
    for family, kind, protocol, _, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                return error
    return None


def _listen_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host:port`` now, in one line; None when it can."""
    try:
        error = _bind_error(host, port)
    except socket.gaierror as unknown:
        return f"--host {host} is not a known address ({unknown.strerror}); try --host 127.0.0.1."
    if error is None:
        return None
    if error.errno == errno.EADDRINUSE:
        free = next(
            (p for p in range(port + 1, min(port + 21, 65536)) if _bind_error(host, p) is None),
            port + 1,
        )
        return f"port {port} is in use; try --port {free}."
    if error.errno == errno.EACCES:
        return f"port {port} needs administrator rights on this machine; try --port 8000."
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"{host} is not an address of this machine; try --host 127.0.0.1 (this machine "
            "only) or --host 0.0.0.0 (every network)."
        )
    return f"cannot listen on {host}:{port}: {error.strerror or error}."


def _check_address(host: str, port: int) -> None:
    problem = _listen_problem(host, port)
    if problem is not None:
        raise fail(problem, EXIT_ADDRESS)


def _demo_outcome(session: Session) -> str:
    """Load the demo into an empty database; say in one line what happened either way."""
    from api.cli.demo import demo_is_loaded, load_demo

    if load_demo(session=session):
        return "Loaded the demo data."
    if demo_is_loaded(session=session):
        return "Demo already loaded; nothing changed."
    return (
        "The database already has other data, so the demo was not loaded; nothing changed "
        "(`wegwijs demo load --force` adds it anyway)."
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    demo: Annotated[
        bool, typer.Option(help="Load the demo data if the database is empty.")
    ] = False,
    migrate: Annotated[
        bool,
        typer.Option(
            help="Bring the schema to the latest migration first (safe with many processes "
            "at once). --no-migrate: for deployments that run `wegwijs db upgrade` as a step "
            "of their own."
        ),
    ] = True,
) -> None:
    """Bring the schema to the latest migration (unless --no-migrate), then serve the API.

    A port that is in use ends the command before anything else (exit code 4). Logs are text
    on a terminal and JSON lines otherwise (WEGWIJS_LOG_FORMAT chooses).
    """
    import uvicorn

    # Before the database is touched: a taken port is the commonest reason not to start.
    _check_address(host, port)
    settings = get_settings()
    if migrate or demo:
        with database(migrate=migrate) as session:
            if demo:
                typer.echo(_demo_outcome(session))
        _check_address(host, port)  # loading the demo takes a while: someone may have taken it
    if workers > 1 and settings.rate_limit_enabled and not settings.rate_limit_redis_url:
        warn(
            f"{workers} workers without WEGWIJS_RATE_LIMIT_REDIS_URL: each worker counts the "
            f"rate limits on its own, so a caller gets up to {workers} times the configured "
            "limits. Set WEGWIJS_RATE_LIMIT_REDIS_URL (redis://host:6379/0) to share them."
        )
    if "public_url" not in settings.model_fields_set and settings.smtp_url is not None:
        # Links in mails lead here unless the deployment says where people open Wegwijs
        # (the workers read it from the environment they inherit).
        os.environ["WEGWIJS_PUBLIC_URL"] = f"http://{host}:{port}"
        get_settings.cache_clear()
    typer.echo(f"Wegwijs on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    from api.core.logs import uvicorn_log_config
    from api.core.metrics import prepare_multiprocess_dir

    # Several workers share their metrics through files (prometheus_client multiprocess mode).
    metrics_dir = prepare_multiprocess_dir(workers)
    try:
        uvicorn.run(
            "api.main:app",
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level.lower(),
            # Our JSON (or text) lines; uvicorn's access log is replaced by wegwijs.request.
            log_config=uvicorn_log_config(level=settings.log_level, log_format=settings.log_format),
            access_log=False,
            proxy_headers=True,
        )
    except SystemExit as stopped:
        if stopped.code != UVICORN_STARTUP_FAILURE:
            raise
        # The port was taken after our check, or the app failed to start (its log says why).
        _check_address(host, port)
        raise fail(
            "The server stopped while starting; the log above says why.", EXIT_NOT_STARTED
        ) from None
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Bundled demo data.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending Alembic migration."""
    with database():
        pass
    typer.echo("Database schema is up to date.")


@demo_app.command("load")
def demo_load(
    force: Annotated[bool, typer.Option(help="Load even if the database has data.")] = False,
) -> None:
    """Load the bundled demo municipality, its civil servants and initiatives."""
    from api.cli.demo import load_demo

    with database() as session:
        if force:
            load_demo(session=session, only_if_empty=False)
            message = "Loaded the demo data."
        else:
            message = _demo_outcome(session)
    typer.echo(message)
