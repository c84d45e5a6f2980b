"""Operations on a schedule or by hand: ``token create``, ``privacy purge`` and ``mail``
(send the outbox, reminders, the brokers' digest)."""

import json
from typing import Annotated

import typer
from pydantic import ValidationError

from api.cli.common import (
    EXIT_INVALID,
    database,
    fail,
    print_params,
    warn,
)
from api.core.exceptions import InvalidInput, invalid_params_from
from api.core.settings import Settings
from schemas import ApiKeyCreate, Role

token_app = typer.Typer(help="API keys.", no_args_is_help=True)
privacy_app = typer.Typer(help="Privacy (AVG): retention.", no_args_is_help=True)
mail_app = typer.Typer(
    help="Outgoing mail: send the outbox, reminders, the brokers' digest.", no_args_is_help=True
)


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
    from api.core.identity import Principal
    from api.services.api_keys import create_api_key

    try:
        key_in = ApiKeyCreate(role=role, subject=subject, municipality_codes=municipality or [])
    except ValidationError as error:
        print_params(invalid_params_from(error.errors()), 50)
        raise typer.Exit(EXIT_INVALID) from None
    # The command runs where the database is: it acts as a national admin.
    national = Principal(role=Role.admin, subject="wegwijs-cli")
    with database() as session:
        try:
            created = create_api_key(session=session, key_in=key_in, principal=national)
        except InvalidInput as error:
            print_params(error.invalid_params, 50)
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
    with database() as session:
        erased = erase_expired_initiators(session, utc_now(), settings)
        purged = purge_old(session, now=utc_now(), retention_days=settings.mail_retention_days)
    typer.echo(json.dumps({"erasedInitiatives": erased, "purgedMails": purged}))


@mail_app.command("send")
def mail_send() -> None:
    """Deliver the mail outbox once (what every `wegwijs serve` process does by itself): for
    deployments that run the service with WEGWIJS_MAIL_WORKER=false."""
    from api.services.mail_delivery import deliver_due

    settings = Settings()
    with database() as session:
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
    with database() as session:
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
        raise fail(
            "WEGWIJS_BROKER_EMAILS names no brokers (GM0363=a@example.org,b@example.org;…); "
            "nothing was sent."
        )
    missing = [code for code in codes if code not in settings.broker_emails]
    if missing:
        raise fail(f"WEGWIJS_BROKER_EMAILS names no brokers for {', '.join(missing)}.")
    with database() as session:
        written = send_digests(session=session, settings=settings, municipality_codes=codes or None)
    unknown = [code for code, count in written.items() if count == 0]
    for code in unknown:
        warn(f"No municipality {code} in the database: no digest for it.")
    typer.echo(json.dumps({"digests": written}))
