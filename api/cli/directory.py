"""The directory on the command line: ``import`` (JSON or CSV, a full sync or a dry run) and
``export``."""

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    FileFormat,
    Phases,
    database,
    err,
    fail,
    out,
    print_params,
    warn,
)
from api.core.exceptions import Conflict, InvalidInput, invalid_params_from
from api.core.settings import Settings
from api.core.wording import enumeration, quantity
from schemas import ImportDocument
from schemas.base import InvalidParam

if TYPE_CHECKING:  # the CSV module loads the engine's vocabulary: only when a CSV is read
    from api.cli.csv_directory import CsvDirectory


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
    'servant; docs/cli.md, "Importing a staff directory (CSV)"). Every record is checked '
    "first, against the database too; when one is bad nothing is stored, every problem is "
    "counted and named (row and column for a CSV) and the exit code is 1.\n\n"
    "With --sync FILE is the whole directory of the municipalities it has units of (a nightly "
    "HR export): people and units are found by externalId (else by email and unit name), "
    "changed fields updated, new ones added, and people and empty units missing from FILE "
    'withdrawn, never deleted (docs/cli.md, "Directory sync"). It prints what was created, '
    "updated, unchanged and withdrawn; with --dry-run what would be, storing nothing."
)


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
    from api.services.imports import directory_problems
    from schemas import ImportMode

    mode = ImportMode.sync if sync else ImportMode.add

    kind = _file_format(file, file_format, "--format")
    csv_file: CsvDirectory | None = None
    with Phases(enabled=not quiet and err.is_terminal) as phases:
        data = file.read_bytes()
        if kind is FileFormat.csv:
            document, csv_file = _read_csv(file, data, encoding, phases, max_problems, dry_run)
        else:
            document = _read_json(file, data, phases, max_problems, dry_run)

        with database() as session:
            with phases.phase("Checking"):
                params = directory_problems(document, session, mode=mode)
            if params:
                _report_problems(file, params, csv_file, max_problems, dry_run)
                if csv_file is not None and any("Unknown municipality" in p.reason for p in params):
                    err.print(
                        "  A CSV carries no municipalities or areas: load them first "
                        "(a JSON import, the API or `wegwijs demo load`).",
                        soft_wrap=True,
                    )
                raise typer.Exit(EXIT_INVALID)
            if not quiet:
                _import_warnings(document, csv_file, max_problems, sync=sync)
            if sync:
                with phases.phase(
                    "Comparing" if dry_run else "Syncing", len(document.contacts)
                ) as advance:
                    result = _sync(
                        session,
                        document,
                        file=file,
                        csv_file=csv_file,
                        dry_run=dry_run,
                        advance=advance,
                        allow_mass_withdrawal=allow_mass_withdrawal,
                        max_problems=max_problems,
                    )
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
                    result = _write(session, document, max_problems)
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


def _read_csv(
    file: Path, data: bytes, encoding: str, phases: Phases, max_problems: int, dry_run: bool
) -> "tuple[ImportDocument, CsvDirectory]":
    """A staff CSV as an import document; its problems reported by row and column (exit 1)."""
    from api.cli.csv_directory import read_staff_csv

    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise fail(
            f"{file}: not {encoding} text (byte {error.start}); save it as UTF-8 or "
            "pass --encoding (cp1252 for older Excel exports)."
        ) from None
    except LookupError:
        raise fail(f"Unknown encoding {encoding!r}.", EXIT_USAGE) from None
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
    return document, csv_file


def _read_json(
    file: Path, data: bytes, phases: Phases, max_problems: int, dry_run: bool
) -> ImportDocument:
    """A JSON directory document; its problems reported by JSON path (exit 1)."""
    with phases.phase("Reading"):
        try:
            return ImportDocument.model_validate_json(data)
        except ValidationError as error:
            _report_problems(file, invalid_params_from(error.errors()), None, max_problems, dry_run)
            raise typer.Exit(EXIT_INVALID) from None


def _report_problems(
    file: Path,
    params: list[InvalidParam],
    csv_file: "CsvDirectory | None",
    max_problems: int,
    dry_run: bool,
) -> None:
    """The problems found in FILE: by row and column for a CSV, by JSON path otherwise."""
    if csv_file is not None:
        _report_csv(file, [csv_file.locate(p) for p in params], max_problems, dry_run)
        return
    err.print(
        f"[bold red]{escape(str(file))}: {quantity(len(params), 'problem')}; "
        f"{_nothing(dry_run)}[/]",
        soft_wrap=True,
    )
    print_params(params, max_problems)


def _sync(
    session: Session,
    document: ImportDocument,
    *,
    file: Path,
    csv_file: "CsvDirectory | None",
    dry_run: bool,
    advance: Callable[[int], None],
    allow_mass_withdrawal: bool,
    max_problems: int,
) -> Any:
    """``import --sync``: the stored directory follows FILE (or, with --dry-run, says how)."""
    from api.services.imports import import_directory
    from schemas import ImportMode

    try:
        return import_directory(
            session=session,
            document=document,
            mode=ImportMode.sync,
            dry_run=dry_run,
            on_contact=advance,
            max_withdrawn_share=None
            if allow_mass_withdrawal
            else Settings().sync_max_withdrawn_share,
        )
    except InvalidInput as error:  # found several, or the same, stored record
        session.rollback()
        _report_problems(file, error.invalid_params, csv_file, max_problems, dry_run)
        raise typer.Exit(EXIT_INVALID) from None
    except Conflict as error:  # too many withdrawn at once
        session.rollback()
        raise fail(str(error.detail)) from None
    except IntegrityError:
        session.rollback()
        raise fail(
            "The sync conflicts with a change made at the same time; nothing was stored. Try again."
        ) from None


def _write(session: Session, document: ImportDocument, max_problems: int) -> Any:
    """``import`` (add): FILE's records added to or updated in the stored directory."""
    from api.services.imports import import_directory

    try:
        return import_directory(session=session, document=document)
    except InvalidInput as error:  # the directory changed since the check
        session.rollback()
        err.print(f"[bold red]{escape(str(error.detail))}[/]", soft_wrap=True)
        print_params(error.invalid_params, max_problems)
        raise typer.Exit(EXIT_INVALID) from None
    except IntegrityError:
        session.rollback()
        raise fail(
            "The import conflicts with a change made at the same time; nothing "
            "was stored. Try again."
        ) from None


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
        warn(warning)
    if len(warnings) > limit:
        more = quantity(len(warnings) - limit, "more warning")
        err.print(f"  … and {more}", soft_wrap=True)


EXPORT_HELP = (
    "Write the directory out in the import format.\n\n"
    "Importing the output into an empty database gives the same directory (for a CSV: one "
    "that holds the municipality and its areas). The output holds personal data (emails, "
    "phones): a file written with -o is readable by its owner only."
)


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
    from api.cli.csv_directory import write_staff_csv
    from api.services.exports import export_directory

    kind = file_format or (
        _file_format(output, None, "--format") if output is not None else FileFormat.json
    )
    with database(migrate=False) as session:
        try:
            document = export_directory(session=session, municipality_code=municipality)
        except InvalidInput as error:
            raise fail(
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
