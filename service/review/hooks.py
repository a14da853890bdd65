"""Extension point: other domains react to moderators' decisions.

Hooks run inside `decide`'s transaction, for every decision but an escalation, so whatever
they write (e.g. the banks domain's entries) commits with the decision or not at all. The
review domain never names the domains that listen: the application registers them
(service/app/wiring.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from sqlalchemy.orm import Session

from service.review.tables import ReviewItem


class DecisionHook(Protocol):
    def decided(self, session: Session, item: ReviewItem, decision: str,
                reason_codes: list[str], now: dt.datetime) -> None: ...


DECISION_HOOKS: list[DecisionHook] = []


def register(hook: DecisionHook) -> None:
    """Adds `hook` once (by type): wiring may run more than once in a process."""
    if not any(type(h) is type(hook) for h in DECISION_HOOKS):
        DECISION_HOOKS.append(hook)
