"""What the mail and webhook outboxes share: a worker claiming a batch of due rows."""

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select


def claim_due(
    session: Session,
    model: Any,
    due: sa.ColumnElement[bool],
    *,
    token: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> None:
    """Mark at most ``limit`` of ``model``'s rows matching ``due`` as this worker's
    (``claim_token = token`` until ``now + lease``), oldest due first, and commit."""
    if not session.exec(select(sa.exists().where(due))).one():
        return  # the usual case, answered by a read: no write lock every poll
    candidates = (
        select(model.id)
        .where(due)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=model)
    )
    # Two statements in one transaction: the rows are locked by the first and stay locked
    # until the commit. (As one ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
    # LOCKED)``, PostgreSQL may run the subquery once per row it scans, and then claims far
    # more than n.) ``due`` again in the update: a row another worker claimed in between is
    # not taken twice, whatever the database's locking.
    ids = session.exec(candidates).all()
    if not ids:
        session.commit()
        return
    session.execute(
        sa.update(model)
        .where(model.id.in_(ids), due)
        .values(claim_token=token, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    session.commit()
