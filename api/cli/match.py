"""``wegwijs match``: ask who to contact for a question, as the API's matches do."""

import os
import sys
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from sqlmodel import Session, select

from api.cli.common import (
    EXIT_INVALID,
    database,
    err,
    out,
    warn,
)
from api.core.exceptions import InvalidInput, invalid_params_from
from api.core.settings import Settings
from schemas import NeedKind, Role
from schemas.base import InvalidParam

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
    from api.core.identity import ANONYMOUS, Principal
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
    with database(migrate=False) as session:
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
                warn(f"{code} is not an area of {question.municipality_code}: it matches no one.")
    vocabulary = default_vocabulary().themes
    for slug in question.themes:
        if slug not in vocabulary:
            warn(f"{slug!r} is not a theme slug (see GET /api/v1/themes).")


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
