"""The ``wegwijs`` command: serve, migrate, load and export the directory, match, issue keys.

Each group of commands lives in a module of its own (``serve``, ``directory``, ``match``,
``operations``); this one assembles them. Output meant for people goes through rich; results
go to stdout, problems, warnings and progress to stderr, and the exit code says what happened
(see ``EXIT_CODES`` in ``api.cli.common``).
"""

import typer

from api.cli.common import EXIT_CODES
from api.cli.directory import EXPORT_HELP, IMPORT_HELP, export_file, import_file
from api.cli.match import MATCH_HELP, match
from api.cli.operations import mail_app, privacy_app, token_app
from api.cli.serve import db_app, demo_app, serve

app = typer.Typer(
    help="Wegwijs: wie moet ik hebben bij de gemeente?",
    epilog=EXIT_CODES,
    no_args_is_help=True,
)
app.command()(serve)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.command("import", help=IMPORT_HELP)(import_file)
app.command("export", help=EXPORT_HELP)(export_file)
app.command(help=MATCH_HELP)(match)
app.add_typer(token_app, name="token")
app.add_typer(privacy_app, name="privacy")
app.add_typer(mail_app, name="mail")


def main() -> None:
    app()
