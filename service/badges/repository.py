"""The badges domain's SQL: spending report-form tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.badges.tables import UsedFormToken


def spend_form_token(session: Session, token_id: str, expires_at: dt.datetime,
                     now: dt.datetime) -> bool:
    """Marks the token used, in the caller's transaction; False if it was used before.

    The row commits with the report it authorises (or not at all), and the primary key lets
    one of two concurrent posts of the same token through, on every process.
    """
    session.execute(delete(UsedFormToken).where(UsedFormToken.expires_at < now))
    session.add(UsedFormToken(token_id=token_id, expires_at=expires_at))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True
