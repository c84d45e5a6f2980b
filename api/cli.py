"""The ``wegwijs`` command: serve, migrate, load data, issue keys."""

import json
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError
from sqlmodel import Session

from api.errors import InvalidInput, invalid_params_from
from api.persistence import create_db_engine, upgrade_database
from api.settings import get_settings
from schemas import ApiKeyCreate, ImportDocument, Role

app = typer.Typer(help="Wegwijs: wie moet ik hebben bij de gemeente?", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Bundled demo data.", no_args_is_help=True)
token_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(token_app, name="token")


def _session() -> Session:
    return Session(create_db_engine(get_settings()), expire_on_commit=False)


def _print_problems(problems: list) -> None:
    for problem in problems[:50]:
        typer.echo(f"  {problem.name}: {problem.reason}", err=True)
    if len(problems) > 50:
        typer.echo(f"  … and {len(problems) - 50} more", err=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    demo: Annotated[
        bool, typer.Option(help="Load the demo data if the database is empty.")
    ] = False,
) -> None:
    """Bring the schema to the latest migration, then serve the API."""
    settings = get_settings()
    upgrade_database(settings)
    if demo:
        with _session() as session:
            from api.demo import load_demo

            if load_demo(session=session):
                typer.echo("Loaded the demo data.")
    typer.echo(f"Wegwijs on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending Alembic migration."""
    upgrade_database(get_settings())
    typer.echo("Database schema is up to date.")


@demo_app.command("load")
def demo_load(
    force: Annotated[bool, typer.Option(help="Load even if the database has data.")] = False,
) -> None:
    """Load the bundled demo municipality, its civil servants and initiatives."""
    from api.demo import load_demo

    upgrade_database(get_settings())
    with _session() as session:
        loaded = load_demo(session=session, only_if_empty=not force)
    typer.echo("Loaded the demo data." if loaded else "The database has data; nothing loaded.")


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import a directory document (the same JSON as POST /api/v1/imports), all or nothing."""
    from api.services.imports import import_directory

    try:
        document = ImportDocument.model_validate_json(file.read_bytes())
    except ValidationError as error:
        problems = invalid_params_from(error.errors())
        typer.echo(f"{file}: {len(problems)} problem(s); nothing was stored.", err=True)
        _print_problems(problems)
        raise typer.Exit(2) from None
    upgrade_database(get_settings())
    with _session() as session:
        try:
            result = import_directory(session=session, document=document)
        except InvalidInput as error:
            typer.echo(f"{file}: {error.detail}", err=True)
            _print_problems(error.invalid_params)
            raise typer.Exit(2) from None
    typer.echo(
        f"Imported {result.municipalities} municipalities, {result.areas} areas, "
        f"{len(result.units)} units and {len(result.contacts)} contacts."
    )


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="admin, broker, contact or initiator.")],
    subject: Annotated[
        str | None, typer.Option(help="Contact id (contact) or email (initiator).")
    ] = None,
) -> None:
    """Issue a new API key and print its secret once."""
    from api.services.api_keys import create_api_key

    upgrade_database(get_settings())
    with _session() as session:
        try:
            created = create_api_key(
                session=session, key_in=ApiKeyCreate(role=role, subject=subject)
            )
        except InvalidInput as error:
            _print_problems(error.invalid_params)
            raise typer.Exit(2) from None
    typer.echo(created.token)
    typer.echo(
        json.dumps({"id": created.id, "role": created.role, "subject": created.subject}),
        err=True,
    )


def main() -> None:
    app()
