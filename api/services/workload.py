"""How many introductions each contact has open: the capacity every match, a unit's overview
and the gaps report weigh. Its own module because matching, units and insights need it and
introductions (which sends mail through notifications, which matches) must not be their
dependency."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, func, select

from api.core.settings import Settings
from schemas import OPEN_STATUSES, Contact, Introduction
from schemas.columns import utc_now

_OPEN_PER_CONTACT_IN_MUNICIPALITY = (
    select(Introduction.contact_id, func.count())
    .join(Contact, Contact.id == Introduction.contact_id)
    .where(Introduction.status.in_(OPEN_STATUSES))
    .where(Introduction.created_at >= bindparam("since"))
    .where(Contact.municipality_code == bindparam("code"))
    .group_by(Introduction.contact_id)
)


def open_introduction_counts(
    session: Session,
    *,
    settings: Settings,
    contact_ids: Sequence[int] | None = None,
    municipality_code: str | None = None,
) -> dict[int, int]:
    """Open introductions (requested or accepted, recent) per contact, in one query."""
    since = utc_now() - timedelta(days=settings.introduction_window_days)
    if contact_ids is None and municipality_code is not None:
        # Every match asks this: a statement built once (building one costs more than
        # running it), executed on the connection (the ORM layer would double the cost).
        rows = session.connection().execute(
            _OPEN_PER_CONTACT_IN_MUNICIPALITY, {"since": since, "code": municipality_code}
        )
        return dict(rows.all())
    query = (
        select(Introduction.contact_id, func.count())
        .where(Introduction.status.in_(OPEN_STATUSES))
        .where(Introduction.created_at >= since)
        .group_by(Introduction.contact_id)
    )
    if contact_ids is not None:
        query = query.where(Introduction.contact_id.in_(contact_ids))
    if municipality_code is not None:
        query = query.join(Contact, Contact.id == Introduction.contact_id).where(
            Contact.municipality_code == municipality_code
        )
    return dict(session.exec(query).all())
