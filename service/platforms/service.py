"""Which decision thresholds a platform's listings are scored with, and their admin changes.

Order of precedence: what an admin set through the API (stored in the database), else the
platform's entry in TRUST_PLATFORM_RISK_THRESHOLDS, else the model's defaults. Scoring reads
the effective pair through the app's cache (a few seconds); a change deletes that entry, so
it applies at once in every process while Redis is up, and within CACHE_SECONDS where the
cache is per process (no Redis, or Redis down). No restart.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy.orm import Session

from models.risk import RiskThresholds
from service.core.state import CoreState
from service.kit.cache import Cache
from service.kit.db import utcnow
from service.kit.settings import Settings
from service.platforms import repository
from service.platforms.schemas import ThresholdChangeOut, ThresholdsIn, ThresholdsOut
from service.platforms.tables import PlatformThresholdChange, PlatformThresholds

log = logging.getLogger("trustd.platforms")
CACHE_SECONDS = 5
HISTORY_SHOWN = 20


def env_thresholds(settings: Settings, platform_id: str) -> RiskThresholds:
    """The environment's thresholds for the platform (TRUST_PLATFORM_RISK_THRESHOLDS), else
    the model's defaults."""
    custom = settings.platform_risk_thresholds.get(platform_id)
    if not custom:
        return RiskThresholds()
    defaults = RiskThresholds()
    return RiskThresholds(review=custom.get("review", defaults.review),
                          block=custom.get("block", defaults.block))


def _cache_key(platform_id: str) -> str:
    return f"platform-thresholds:{platform_id}"


def effective(state: CoreState, platform_id: str) -> RiskThresholds:
    """The thresholds a listing of this platform is scored with now."""
    raw = state.cache.get(_cache_key(platform_id))
    if raw is None:
        with state.session_factory() as session:
            row = repository.get(session, platform_id)
            stored = {"review": row.review, "block": row.block} if row is not None else None
        raw = json.dumps(stored).encode()
        state.cache.set(_cache_key(platform_id), raw, CACHE_SECONDS)
    stored = json.loads(raw)
    if stored is None:
        return env_thresholds(state.settings, platform_id)
    return RiskThresholds(review=stored["review"], block=stored["block"])


def describe(session: Session, settings: Settings, platform_id: str) -> ThresholdsOut:
    row = repository.get(session, platform_id)
    history = [ThresholdChangeOut(action=c.action, review=c.review, block=c.block,
                                  previous_review=c.previous_review,
                                  previous_block=c.previous_block, actor=c.actor_name,
                                  changed_at=c.changed_at)
               for c in repository.changes(session, platform_id, HISTORY_SHOWN)]
    if row is not None:
        return ThresholdsOut(platform_id=platform_id, review=row.review, block=row.block,
                             source="api", updated_at=row.updated_at,
                             updated_by=row.updated_by, changes=history)
    env = env_thresholds(settings, platform_id)
    source = "environment" if platform_id in settings.platform_risk_thresholds else "default"
    return ThresholdsOut(platform_id=platform_id, review=env.review, block=env.block,
                         source=source, changes=history)


def _record(session: Session, platform_id: str, action: str, new: ThresholdsIn | None,
            before: RiskThresholds, actor_key_id: int, actor_name: str,
            now: dt.datetime) -> None:
    repository.record_change(session, PlatformThresholdChange(
        platform_id=platform_id, action=action,
        review=new.review if new else None, block=new.block if new else None,
        previous_review=before.review, previous_block=before.block,
        actor_key_id=actor_key_id, actor_name=actor_name, changed_at=now))
    log.info("platform thresholds changed", extra={"fields": {
        "platform": platform_id, "action": action, "actor_key_id": actor_key_id,
        "review": new.review if new else None, "block": new.block if new else None,
        "previous_review": before.review, "previous_block": before.block}})


def _current(session: Session, settings: Settings, platform_id: str) -> RiskThresholds:
    row = repository.get(session, platform_id)
    if row is not None:
        return RiskThresholds(review=row.review, block=row.block)
    return env_thresholds(settings, platform_id)


def set_thresholds(session: Session, cache: Cache, settings: Settings, platform_id: str,
                   new: ThresholdsIn, actor_key_id: int, actor_name: str) -> ThresholdsOut:
    now = utcnow()
    before = _current(session, settings, platform_id)
    row = repository.get(session, platform_id)
    if row is None:
        row = PlatformThresholds(platform_id=platform_id, review=new.review, block=new.block,
                                 updated_at=now, updated_by=actor_name)
    else:
        row.review, row.block, row.updated_at, row.updated_by = (new.review, new.block, now,
                                                                 actor_name)
    repository.save(session, row)
    _record(session, platform_id, "set", new, before, actor_key_id, actor_name, now)
    session.commit()
    cache.delete(_cache_key(platform_id))
    return describe(session, settings, platform_id)


def reset_thresholds(session: Session, cache: Cache, settings: Settings, platform_id: str,
                     actor_key_id: int, actor_name: str) -> ThresholdsOut:
    """Back to the environment's thresholds (or the defaults)."""
    row = repository.get(session, platform_id)
    if row is not None:
        before = RiskThresholds(review=row.review, block=row.block)
        repository.remove(session, row)
        _record(session, platform_id, "reset", None, before, actor_key_id, actor_name,
                utcnow())
        session.commit()
        cache.delete(_cache_key(platform_id))
    return describe(session, settings, platform_id)
