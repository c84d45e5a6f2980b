"""What every ``wegwijs`` command shares: exit codes, the consoles, failing and warning, the
database session, and the progress display of long runs."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import Session

from api.core.persistence import create_db_engine, upgrade_database
from api.core.settings import Settings
from schemas.base import InvalidParam

EXIT_OK = 0
EXIT_INVALID = 1  # the input is well-formed for the shell but wrong: nothing was changed
EXIT_USAGE = 2  # the command line itself is wrong (typer/click's own code)
EXIT_DATABASE = 3  # the database cannot be reached or has no schema
EXIT_ADDRESS = 4  # serve: cannot listen on --host/--port (the port is in use, say)
EXIT_NOT_STARTED = 5  # serve: the server stopped while starting, for a reason in its log
EXIT_CODES = (
    "Exit codes: 0 success; 1 invalid input or data (bad rows, unknown municipality: nothing "
    "was changed); 2 usage error (unknown option, missing argument, value of the wrong type); "
    "3 the database is not reachable or has no schema; 4 serve cannot listen on --host/--port "
    "(the port is in use: try another --port); 5 serve stopped while starting (see its log)."
)

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class FileFormat(StrEnum):
    json = "json"
    csv = "csv"


def fail(message: str, code: int = EXIT_INVALID) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]Warning:[/] {escape(message)}", soft_wrap=True)


@contextmanager
def database(*, migrate: bool = True) -> Iterator[Session]:
    """A session on ``WEGWIJS_DATABASE_URL`` (read now, so each run sees its environment);
    an unreachable database ends the command with exit code 3."""
    settings = Settings()
    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    if (
        not migrate
        and url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
        and not Path(url.database).exists()
    ):  # a read-only command must not leave an empty database file behind
        raise fail(
            f"There is no database at {url.database}; create it with `wegwijs db upgrade` "
            "(or `wegwijs demo load`), or set WEGWIJS_DATABASE_URL.",
            EXIT_DATABASE,
        )
    try:
        if migrate:
            upgrade_database(settings)
        engine = create_db_engine(settings)
        try:
            with Session(engine, expire_on_commit=False) as session:
                yield session
        finally:
            engine.dispose()
    except (OperationalError, PoolTimeoutError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        hint = "" if migrate else " Run `wegwijs db upgrade` if the schema is missing."
        raise fail(
            f"The database {shown} is not reachable or not usable: {reason}.{hint}",
            EXIT_DATABASE,
        ) from None


def print_params(problems: list[InvalidParam], limit: int) -> None:
    for problem in problems[:limit]:
        err.print(f"  [bold]{escape(problem.name)}[/]: {escape(problem.reason)}", soft_wrap=True)
    if len(problems) > limit:
        err.print(f"  … and {len(problems) - limit} more", soft_wrap=True)


class Phases:
    """A progress display over an import's phases (reading, checking, writing), on stderr
    and only when it is a terminal; it also times each phase."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not enabled,
        )
        self.seconds: dict[str, float] = {}

    def __enter__(self) -> "Phases":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    @contextmanager
    def phase(self, name: str, total: int | None = None) -> Iterator[Any]:
        task = self.progress.add_task(name, total=total)
        started = time.perf_counter()

        def advance(completed: int) -> None:
            if completed % 500 == 0:
                self.progress.update(task, completed=completed)

        try:
            yield advance
        finally:
            self.seconds[name] = time.perf_counter() - started
            self.progress.update(task, total=total or 1, completed=total or 1)

    def summary(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items())
