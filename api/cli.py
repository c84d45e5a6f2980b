"""The ``wegwijs`` command: serve, migrate, load and export the directory, match, issue keys.

Output meant for people goes through rich; results go to stdout, problems, warnings and
progress to stderr, and the exit code says what happened (see ``EXIT_CODES``).
"""

import errno
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
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
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import Session, select

from api.errors import Conflict, InvalidInput, invalid_params_from
from api.persistence import create_db_engine, upgrade_database
from api.settings import Settings, get_settings
from api.wording import enumeration, quantity
from schemas import ApiKeyCreate, ImportDocument, NeedKind, Role
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
# uvicorn's own exit code when its server does not start (a port taken after our check, a
# failing start-up): ours would read it as "database not reachable".
UVICORN_STARTUP_FAILURE = 3

app = typer.Typer(
    help="Wegwijs: wie moet ik hebben bij de gemeente?",
    epilog=EXIT_CODES,
    no_args_is_help=True,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Bundled demo data.", no_args_is_help=True)
token_app = typer.Typer(help="API keys.", no_args_is_help=True)
privacy_app = typer.Typer(help="Privacy (AVG): retention.", no_args_is_help=True)
mail_app = typer.Typer(
    help="Outgoing mail: send the outbox, reminders, the brokers' digest.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(token_app, name="token")
app.add_typer(privacy_app, name="privacy")
app.add_typer(mail_app, name="mail")

# Consoles write to whatever sys.stdout / sys.stderr are when they print.
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class FileFormat(StrEnum):
    json = "json"
    csv = "csv"


def _fail(message: str, code: int = EXIT_INVALID) -> typer.Exit:
    err.print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def _warn(message: str) -> None:
    err.print(f"[yellow]Warning:[/] {escape(message)}", soft_wrap=True)


@contextmanager
def _database(*, migrate: bool = True) -> Iterator[Session]:
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
        raise _fail(
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
        raise _fail(
            f"The database {shown} is not reachable or not usable: {reason}.{hint}",
            EXIT_DATABASE,
        ) from None


def _print_params(problems: list[InvalidParam], limit: int) -> None:
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
        raise _fail(problem, EXIT_ADDRESS)


def _demo_outcome(session: Session) -> str:
    """Load the demo into an empty database; say in one line what happened either way."""
    from api.demo import demo_is_loaded, load_demo

    if load_demo(session=session):
        return "Loaded the demo data."
    if demo_is_loaded(session=session):
        return "Demo already loaded; nothing changed."
    return (
        "The database already has other data, so the demo was not loaded; nothing changed "
        "(`wegwijs demo load --force` adds it anyway)."
    )


@app.command()
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
        with _database(migrate=migrate) as session:
            if demo:
                typer.echo(_demo_outcome(session))
        _check_address(host, port)  # loading the demo takes a while: someone may have taken it
    if workers > 1 and settings.rate_limit_enabled and not settings.rate_limit_redis_url:
        _warn(
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
    from api.logs import uvicorn_log_config
    from api.metrics import prepare_multiprocess_dir

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
        raise _fail(
            "The server stopped while starting; the log above says why.", EXIT_NOT_STARTED
        ) from None
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending Alembic migration."""
    with _database():
        pass
    typer.echo("Database schema is up to date.")


@demo_app.command("load")
def demo_load(
    force: Annotated[bool, typer.Option(help="Load even if the database has data.")] = False,
) -> None:
    """Load the bundled demo municipality, its civil servants and initiatives."""
    from api.demo import load_demo

    with _database() as session:
        if force:
            load_demo(session=session, only_if_empty=False)
            message = "Loaded the demo data."
        else:
            message = _demo_outcome(session)
    typer.echo(message)


def _file_format(file: Path, given: FileFormat | None, param: str) -> FileFormat:
    if given is not None:
        return given
    suffix = file.suffix.lower()
    if suffix == ".json":
        return FileFormat.json
    if suffix in {".csv", ".tsv", ".txt"}:
        return FileFormat.csv
    raise typer.BadParameter(
        f"cannot tell the format of {file.name!r} from its extension; pass --format json or "
        "--format csv.",
        param_hint=param,
    )


IMPORT_HELP = (
    "Import a staff directory, all or nothing: JSON or CSV.\n\n"
    "FILE is the JSON document of POST /api/v1/imports, or a staff CSV (one row per civil "
    'servant; README, "Importing a staff directory (CSV)"). Every record is checked '
    "first, against the database too; when one is bad nothing is stored, every problem is "
    "counted and named (row and column for a CSV) and the exit code is 1.\n\n"
    "With --sync FILE is the whole directory of the municipalities it has units of (a nightly "
    "HR export): people and units are found by externalId (else by email and unit name), "
    "changed fields updated, new ones added, and people and empty units missing from FILE "
    'withdrawn, never deleted (README, "Directory sync"). It prints what was created, '
    "updated, unchanged and withdrawn; with --dry-run what would be, storing nothing."
)


@app.command("import", help=IMPORT_HELP)
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
            help="A directory document (JSON, as POST /api/v1/imports) or a staff CSV.",
        ),
    ],
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="json or csv; by default from the file's extension."),
    ] = None,
    sync: Annotated[
        bool,
        typer.Option(
            "--sync",
            help="FILE is the whole directory of its municipalities: update, add and withdraw "
            "to follow it.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check everything, store nothing (with --sync: say what would change).",
        ),
    ] = False,
    allow_mass_withdrawal: Annotated[
        bool,
        typer.Option(
            "--allow-mass-withdrawal",
            help="With --sync: take FILE in even when it withdraws more than "
            "WEGWIJS_SYNC_MAX_WITHDRAWN_SHARE of a municipality's people.",
        ),
    ] = False,
    encoding: Annotated[
        str, typer.Option(help="Text encoding of a CSV file, e.g. cp1252 for old Excel.")
    ] = "utf-8-sig",
    max_problems: Annotated[
        int, typer.Option(min=1, help="Show at most this many problems (all are counted).")
    ] = 20,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress, warnings or summary.")
    ] = False,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the result as JSON (keys mapped to ids; what was created, updated, "
            "unchanged and withdrawn).",
        ),
    ] = False,
) -> None:
    from api.csv_directory import CsvDirectory, read_staff_csv
    from api.services.imports import directory_problems, import_directory
    from schemas import ImportMode

    mode = ImportMode.sync if sync else ImportMode.add

    kind = _file_format(file, file_format, "--format")
    csv_file: CsvDirectory | None = None
    with Phases(enabled=not quiet and err.is_terminal) as phases:
        data = file.read_bytes()
        if kind is FileFormat.csv:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise _fail(
                    f"{file}: not {encoding} text (byte {error.start}); save it as UTF-8 or "
                    "pass --encoding (cp1252 for older Excel exports)."
                ) from None
            except LookupError:
                raise _fail(f"Unknown encoding {encoding!r}.", EXIT_USAGE) from None
            with phases.phase("Reading", total=text.count("\n") + 1) as advance:
                csv_file = read_staff_csv(text, on_row=advance)
            problems = list(csv_file.problems)
            document = None
            if not any(p.row == 1 for p in problems):  # with a usable header
                with phases.phase("Validating"):
                    try:
                        document = ImportDocument.model_validate(csv_file.document)
                    except ValidationError as error:
                        errors = error.errors()
                        problems += [
                            csv_file.locate(param, e["type"])
                            for param, e in zip(invalid_params_from(errors), errors, strict=True)
                        ]
            if problems or document is None:
                _report_csv(file, problems, max_problems, dry_run)
                raise typer.Exit(EXIT_INVALID)
        else:
            with phases.phase("Reading"):
                try:
                    document = ImportDocument.model_validate_json(data)
                except ValidationError as error:
                    params = invalid_params_from(error.errors())
                    err.print(
                        f"[bold red]{escape(str(file))}: {quantity(len(params), 'problem')}; "
                        f"{_nothing(dry_run)}[/]",
                        soft_wrap=True,
                    )
                    _print_params(params, max_problems)
                    raise typer.Exit(EXIT_INVALID) from None

        with _database() as session:
            with phases.phase("Checking"):
                params = directory_problems(document, session, mode=mode)
            if params:
                if csv_file is not None:
                    _report_csv(file, [csv_file.locate(p) for p in params], max_problems, dry_run)
                    if any("Unknown municipality" in p.reason for p in params):
                        err.print(
                            "  A CSV carries no municipalities or areas: load them first "
                            "(a JSON import, the API or `wegwijs demo load`).",
                            soft_wrap=True,
                        )
                else:
                    err.print(
                        f"[bold red]{escape(str(file))}: {quantity(len(params), 'problem')}; "
                        f"{_nothing(dry_run)}[/]",
                        soft_wrap=True,
                    )
                    _print_params(params, max_problems)
                raise typer.Exit(EXIT_INVALID)
            if not quiet:
                _import_warnings(document, csv_file, max_problems, sync=sync)
            if sync:
                with phases.phase(
                    "Comparing" if dry_run else "Syncing", len(document.contacts)
                ) as advance:
                    try:
                        result = import_directory(
                            session=session,
                            document=document,
                            mode=mode,
                            dry_run=dry_run,
                            on_contact=advance,
                            max_withdrawn_share=None
                            if allow_mass_withdrawal
                            else Settings().sync_max_withdrawn_share,
                        )
                    except InvalidInput as error:  # found several, or the same, stored record
                        session.rollback()
                        params = error.invalid_params
                        if csv_file is not None:
                            located = [csv_file.locate(p) for p in params]
                            _report_csv(file, located, max_problems, dry_run)
                        else:
                            err.print(
                                f"[bold red]{escape(str(file))}: "
                                f"{quantity(len(params), 'problem')}; {_nothing(dry_run)}[/]",
                                soft_wrap=True,
                            )
                            _print_params(params, max_problems)
                        raise typer.Exit(EXIT_INVALID) from None
                    except Conflict as error:  # too many withdrawn at once
                        session.rollback()
                        raise _fail(str(error.detail)) from None
                    except IntegrityError:
                        session.rollback()
                        raise _fail(
                            "The sync conflicts with a change made at the same time; nothing "
                            "was stored. Try again."
                        ) from None
            elif dry_run:
                if not quiet and not json_output:  # with --json: the exit code says it all
                    out.print(
                        f"{file}: no problems in {quantity(len(document.units), 'unit')} and "
                        f"{quantity(len(document.contacts), 'contact')}; nothing was stored "
                        "(--dry-run).",
                        soft_wrap=True,
                    )
                return
            if not sync:
                with phases.phase("Writing"):
                    try:
                        result = import_directory(session=session, document=document)
                    except InvalidInput as error:  # the directory changed since the check
                        session.rollback()
                        err.print(f"[bold red]{escape(str(error.detail))}[/]", soft_wrap=True)
                        _print_params(error.invalid_params, max_problems)
                        raise typer.Exit(EXIT_INVALID) from None
                    except IntegrityError:
                        session.rollback()
                        raise _fail(
                            "The import conflicts with a change made at the same time; nothing "
                            "was stored. Try again."
                        ) from None
    if json_output:
        typer.echo(result.model_dump_json(by_alias=True, indent=2))
    elif sync and not quiet:
        _print_sync(file, result, max_problems, phases.summary())
    elif not quiet:
        counts = [quantity(len(result.units), "unit"), quantity(len(result.contacts), "contact")]
        if kind is FileFormat.json:
            counts[:0] = [
                quantity(result.municipalities, "municipality", "municipalities"),
                quantity(result.areas, "area"),
            ]
        out.print(
            f"Imported {enumeration(counts)} from {file} ({phases.summary()}).", soft_wrap=True
        )


def _print_sync(file: Path, result: Any, limit: int, timing: str) -> None:
    """What a sync did (or, dry, would do): counts per kind, then the records that changed."""
    verb = "Would sync" if result.dry_run else "Synced"
    out.print(f"{verb} {file} ({timing}):", soft_wrap=True)
    for kind in ("units", "contacts"):
        counts = getattr(result.changes, kind).counts
        out.print(
            f"  {kind}: {counts.created:,} created, {counts.updated:,} updated, "
            f"{counts.unchanged:,} unchanged, {counts.withdrawn:,} withdrawn",
            soft_wrap=True,
        )
    lines = []
    for kind, noun in (("units", "unit"), ("contacts", "contact")):
        changes = getattr(result.changes, kind)
        for heading, records in (
            ("created", changes.created),
            ("updated", changes.updated),
            ("withdrawn", changes.withdrawn),
        ):
            for record in records:
                name = f"{noun} {record.id}" if record.id is not None else f"{noun} {record.key}"
                number = f" ({record.external_id})" if record.external_id else ""
                fields = f": {', '.join(record.fields)}" if record.fields else ""
                lines.append(f"  {heading} {name}{number}{fields}")
    for line in lines[:limit]:
        out.print(escape(line), soft_wrap=True)
    if len(lines) > limit:
        out.print(
            f"  … and {len(lines) - limit} more (--max-problems to see more, --json for all)",
            soft_wrap=True,
        )
    if result.dry_run:
        out.print("Nothing was stored (--dry-run).", soft_wrap=True)


def _nothing(dry_run: bool) -> str:
    return "nothing was stored (--dry-run)." if dry_run else "nothing was stored."


def _report_csv(file: Path, problems: list, limit: int, dry_run: bool) -> None:
    problems = sorted(problems, key=lambda p: p.sort_key)
    rows = {p.row for p in problems if p.row is not None}
    err.print(
        f"[bold red]{escape(str(file))}: {quantity(len(problems), 'problem')} on "
        f"{quantity(len(rows), 'row')}; "
        f"{_nothing(dry_run)}[/]",
        soft_wrap=True,
    )
    for problem in problems[:limit]:
        err.print(
            f"  [bold]{escape(problem.where())}[/]: {escape(problem.message())}",
            soft_wrap=True,
        )
    if len(problems) > limit:
        err.print(
            f"  … and {len(problems) - limit} more (--max-problems to see more)", soft_wrap=True
        )


def _import_warnings(
    document: ImportDocument, csv_file: Any, limit: int, *, sync: bool = False
) -> None:
    warnings: list[str] = []
    if csv_file is not None:
        warnings += [str(w) for w in csv_file.warnings]
    else:
        from matching import default_vocabulary

        known = default_vocabulary().themes
        unknown = sorted(
            {t for record in (*document.units, *document.contacts) for t in record.themes}
            - set(known)
        )
        warnings += [
            f"Theme {theme!r} is not in the vocabulary (GET /api/v1/themes): stored as a "
            "theme of the municipality's own."
            for theme in unknown
        ]
    # In a sync, consent is the civil servant's own: the file's says nothing about anyone stored.
    without_consent = 0 if sync else sum(1 for c in document.contacts if c.consent_at is None)
    if without_consent:
        warnings.append(
            f"{quantity(without_consent, 'contact has', 'contacts have')} no consentAt: stored, "
            "but never matched or shown until they consent."
        )
    for warning in warnings[:limit]:
        _warn(warning)
    if len(warnings) > limit:
        more = quantity(len(warnings) - limit, "more warning")
        err.print(f"  … and {more}", soft_wrap=True)


EXPORT_HELP = (
    "Write the directory out in the import format.\n\n"
    "Importing the output into an empty database gives the same directory (for a CSV: one "
    "that holds the municipality and its areas). The output holds personal data (emails, "
    "phones): a file written with -o is readable by its owner only."
)


@app.command("export", help=EXPORT_HELP)
def export_file(
    municipality: Annotated[
        str | None,
        typer.Option("--municipality", "-m", help="Only this municipality (CBS code)."),
    ] = None,
    file_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--format", help="json (everything) or csv (units and contacts); default from -o."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout."),
    ] = None,
) -> None:
    from api.csv_directory import write_staff_csv
    from api.services.exports import export_directory

    kind = file_format or (
        _file_format(output, None, "--format") if output is not None else FileFormat.json
    )
    with _database(migrate=False) as session:
        try:
            document = export_directory(session=session, municipality_code=municipality)
        except InvalidInput as error:
            raise _fail(
                "; ".join(f"--municipality: {p.reason}" for p in error.invalid_params)
            ) from None
    if kind is FileFormat.csv:
        text = write_staff_csv(document)
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write_private(output, text)
    counts = [quantity(len(document["units"]), "unit")]
    counts.append(quantity(len(document["contacts"]), "contact"))
    if kind is FileFormat.json:
        counts[:0] = [
            quantity(len(document["municipalities"]), "municipality", "municipalities"),
            quantity(len(document["areas"]), "area"),
        ]
    where = f" to {output}" if output else ""
    err.print(f"Exported {enumeration(counts)}{where}.", soft_wrap=True)
    if kind is FileFormat.csv and document["areas"]:
        err.print(
            "The CSV has no municipalities or areas: import them before it (export them "
            "with --format json).",
            soft_wrap=True,
        )


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only (personal data)."""
    path = path.resolve()
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Request fields as the match command's options name them.
MATCH_OPTIONS = {
    "municipalityCode": "--municipality",
    "text": "TEXT",
    "themes": "--theme",
    "areaCodes": "--area",
    "needs": "--need",
    "knownContactIds": "--known",
    "limit": "--limit",
}


def _option_name(param: InvalidParam) -> str:
    head, _, _ = param.name.partition("[")
    head = head.split(".")[0]
    position = param.name[len(head) :]
    return MATCH_OPTIONS.get(head, param.name) + position


MATCH_HELP = (
    "Wie moet ik hebben? Rank the civil servants for an initiative, with the reasons.\n\n"
    "The same service as POST /api/v1/matches, so the answer is the API's (--json prints it "
    "as the API does). The command runs where the database is, so it acts as a broker and "
    "shows every listed contact's name; --public shows what an initiator would see. Nothing "
    "is stored."
)


@app.command(help=MATCH_HELP)
def match(
    text: Annotated[
        str,
        typer.Argument(
            metavar="TEXT", help="The initiative in the initiator's own words ('-': stdin)."
        ),
    ],
    municipality: Annotated[
        str, typer.Option("--municipality", "-m", help="CBS municipality code, e.g. GM0363.")
    ],
    theme: Annotated[
        list[str] | None, typer.Option("--theme", "-t", help="Theme slug (repeatable).")
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", "-a", help="Area code (repeatable).")
    ] = None,
    need: Annotated[
        list[NeedKind] | None, typer.Option("--need", "-n", help="Need kind (repeatable).")
    ] = None,
    known: Annotated[
        list[int] | None,
        typer.Option("--known", help="Id of a contact the initiators know (warm paths)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=50, help="How many to show.")] = 5,
    public: Annotated[
        bool,
        typer.Option("--public", help="Show what anyone sees: names of public profiles only."),
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the API's answer (POST /matches) as JSON.")
    ] = False,
) -> None:
    from api.deps import ANONYMOUS, Principal
    from api.services.matching import match_question
    from schemas import MatchRequest, Municipality

    if text == "-":
        text = sys.stdin.read()
    try:
        question = MatchRequest.model_validate(
            {
                "municipalityCode": municipality,
                "text": text,
                "themes": theme or [],
                "areaCodes": area or [],
                "needs": [{"kind": kind} for kind in need or []],
                "knownContactIds": known or [],
                "limit": limit,
            }
        )
    except ValidationError as error:
        for param in invalid_params_from(error.errors()):
            err.print(
                f"[bold red]Error:[/] {escape(_option_name(param))}: {escape(param.reason)}",
                soft_wrap=True,
            )
        raise typer.Exit(EXIT_INVALID) from None

    principal = ANONYMOUS if public else Principal(role=Role.broker, subject="wegwijs-cli")
    with _database(migrate=False) as session:
        try:
            result = match_question(
                session=session, question=question, principal=principal, settings=Settings()
            )
        except InvalidInput as error:
            for param in error.invalid_params:
                err.print(
                    f"[bold red]Error:[/] {escape(_option_name(param))}: {escape(param.reason)}",
                    soft_wrap=True,
                )
            raise typer.Exit(EXIT_INVALID) from None
        name = session.get(Municipality, question.municipality_code).name
        _match_warnings(session, question)

    if json_output:
        typer.echo(result.model_dump_json(by_alias=True, indent=2))
        return
    if not result.items:
        err.print(
            f"No listed civil servant of {name} fits this question (exit code 0: an empty "
            "answer is an answer).",
            soft_wrap=True,
        )
        return
    _print_matches(result, name, question.text)


def _match_warnings(session: Session, question: Any) -> None:
    """Typos in areas and themes do not fail a match (the API accepts them too), but they
    match nothing: say so."""
    from matching import default_vocabulary
    from schemas import Area

    if question.area_codes:
        known = set(
            session.exec(
                select(Area.code).where(
                    Area.code.in_(question.area_codes),
                    Area.municipality_code == question.municipality_code,
                )
            ).all()
        )
        for code in question.area_codes:
            if code not in known:
                _warn(f"{code} is not an area of {question.municipality_code}: it matches no one.")
    vocabulary = default_vocabulary().themes
    for slug in question.themes:
        if slug not in vocabulary:
            _warn(f"{slug!r} is not a theme slug (see GET /api/v1/themes).")


def _print_matches(result: Any, municipality_name: str, text: str) -> None:
    """A ranked table; the reasons in a column of their own when the terminal is wide,
    else under the table. Piped output is laid out 120 wide unless COLUMNS says otherwise."""
    console = out
    if not out.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(highlight=False, width=120)
    wide = console.width >= 110
    question = " ".join(text.split())
    if len(question) > 70:
        question = question[:67] + "…"
    table = Table(
        title=f"Wie moet ik hebben? {municipality_name}: “{question}”",
        title_justify="left",
        show_lines=True,
        expand=True,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Contact", ratio=3)
    table.add_column("Unit", ratio=2)
    table.add_column("Needs covered")
    if wide:
        table.add_column("Why", ratio=6, min_width=40)
    for item in result.items:
        contact = Text()
        if item.contact.name:
            contact.append(item.contact.name, style="bold")
        else:
            contact.append("(name not public)", style="dim italic")
        contact.append(f"\n{item.contact.job_title}")
        contact.append(f"\nid {item.contact.id}", style="dim")
        if item.introduce_via:
            chain = " → ".join(p.name or f"{p.job_title} (id {p.id})" for p in item.introduce_via)
            contact.append(f"\nvia {chain}", style="cyan")
        unit = Text(item.contact.unit.name)
        unit.append(f"\n{item.contact.unit.kind}", style="dim")
        cells = [
            str(item.rank),
            f"{item.score:.2f}",
            contact,
            unit,
            "\n".join(item.needs_covered) or "–",
        ]
        table.add_row(*cells, *([_reasons(item)] if wide else []))
    console.print(table)
    if not wide:
        for item in result.items:
            who = item.contact.name or item.contact.job_title
            console.print(Text(f"\n{item.rank}. {who}", style="bold"))
            console.print(_reasons(item, indent="   "))


def _reasons(item: Any, indent: str = "") -> Text:
    """The reasons' Dutch sentences, one per line; a signal that did not count is dimmed."""
    why = Text()
    for position, reason in enumerate(item.reasons):
        if position:
            why.append("\n")
        why.append(f"{indent}• ", style="dim")
        why.append(reason.detail, style="" if reason.value > 0 else "dim")
    return why


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="admin, broker, portal, contact or initiator.")],
    subject: Annotated[
        str | None, typer.Option(help="Contact id (contact) or email (initiator).")
    ] = None,
    municipality: Annotated[
        list[str] | None,
        typer.Option(
            "--municipality",
            "-m",
            help="A municipality the key acts for (repeatable; broker and portal keys need "
            "one). An admin key without any is a national admin.",
        ),
    ] = None,
) -> None:
    """Issue a new API key and print its secret once."""
    from api.deps import Principal
    from api.services.api_keys import create_api_key

    try:
        key_in = ApiKeyCreate(role=role, subject=subject, municipality_codes=municipality or [])
    except ValidationError as error:
        _print_params(invalid_params_from(error.errors()), 50)
        raise typer.Exit(EXIT_INVALID) from None
    # The command runs where the database is: it acts as a national admin.
    national = Principal(role=Role.admin, subject="wegwijs-cli")
    with _database() as session:
        try:
            created = create_api_key(session=session, key_in=key_in, principal=national)
        except InvalidInput as error:
            _print_params(error.invalid_params, 50)
            raise typer.Exit(EXIT_INVALID) from None
    typer.echo(created.token)
    typer.echo(
        json.dumps(
            {
                "id": created.id,
                "role": created.role,
                "subject": created.subject,
                "municipalityCodes": created.municipality_codes,
            }
        ),
        err=True,
    )


@privacy_app.command("purge")
def privacy_purge() -> None:
    """Erase the initiator data of initiatives closed longer than
    WEGWIJS_INITIATOR_RETENTION_DAYS ago, and the log of mails older than
    WEGWIJS_MAIL_RETENTION_DAYS; run it daily (cron)."""
    from api.services.mail import purge_old
    from api.services.privacy import erase_expired_initiators
    from schemas.columns import utc_now

    settings = Settings()
    with _database() as session:
        erased = erase_expired_initiators(session, utc_now(), settings)
        purged = purge_old(session, now=utc_now(), retention_days=settings.mail_retention_days)
    typer.echo(json.dumps({"erasedInitiatives": erased, "purgedMails": purged}))


@mail_app.command("send")
def mail_send() -> None:
    """Deliver the mail outbox once (what every `wegwijs serve` process does by itself): for
    deployments that run the service with WEGWIJS_MAIL_WORKER=false."""
    from api.services.mail_delivery import deliver_due

    settings = Settings()
    with _database() as session:
        engine = session.get_bind()
        attempted = 0
        for _ in range(1000):
            done = deliver_due(engine=engine, settings=settings)
            attempted += done
            if done < settings.mail_batch_size:
                break
    typer.echo(json.dumps({"attempted": attempted}))


@mail_app.command("reminders")
def mail_reminders() -> None:
    """Remind civil servants, once, of requests still open after
    WEGWIJS_INTRODUCTION_REMINDER_DAYS. The mail worker of `wegwijs serve` does this every
    WEGWIJS_REMINDER_INTERVAL_SECONDS; this command is for deployments without it (cron).
    Safe to run at the same time as the workers: each reminder goes once."""
    from api.services.notifications import send_reminders

    settings = Settings()
    with _database() as session:
        sent = send_reminders(engine=session.get_bind(), settings=settings)
    typer.echo(json.dumps({"reminders": sent}))


@mail_app.command("digest")
def mail_digest(
    municipality: Annotated[
        list[str] | None,
        typer.Option(
            "--municipality",
            "-m",
            help="Only this municipality (repeatable); default: every one in "
            "WEGWIJS_BROKER_EMAILS.",
        ),
    ] = None,
) -> None:
    """Send each municipality's brokers (WEGWIJS_BROKER_EMAILS) the week's broken
    connections: stalled introductions, unmatched initiatives, overloaded civil servants.
    For a weekly cron, e.g. `0 7 * * 1 wegwijs mail digest`."""
    from api.services.notifications import send_digests

    settings = Settings()
    codes = [code.upper() for code in municipality or []]
    if not settings.broker_emails:
        raise _fail(
            "WEGWIJS_BROKER_EMAILS names no brokers (GM0363=a@example.org,b@example.org;…); "
            "nothing was sent."
        )
    missing = [code for code in codes if code not in settings.broker_emails]
    if missing:
        raise _fail(f"WEGWIJS_BROKER_EMAILS names no brokers for {', '.join(missing)}.")
    with _database() as session:
        written = send_digests(session=session, settings=settings, municipality_codes=codes or None)
    unknown = [code for code, count in written.items() if count == 0]
    for code in unknown:
        _warn(f"No municipality {code} in the database: no digest for it.")
    typer.echo(json.dumps({"digests": written}))


def main() -> None:
    app()
