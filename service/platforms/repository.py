"""All SQL for platform thresholds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.platforms.tables import PlatformThresholdChange, PlatformThresholds


def get(session: Session, platform_id: str) -> PlatformThresholds | None:
    return session.get(PlatformThresholds, platform_id)


def save(session: Session, row: PlatformThresholds) -> None:
    session.add(row)
    session.flush()


def remove(session: Session, row: PlatformThresholds) -> None:
    session.delete(row)
    session.flush()


def record_change(session: Session, change: PlatformThresholdChange) -> None:
    session.add(change)
    session.flush()


def changes(session: Session, platform_id: str, limit: int) -> list[PlatformThresholdChange]:
    query = (select(PlatformThresholdChange)
             .where(PlatformThresholdChange.platform_id == platform_id)
             .order_by(PlatformThresholdChange.id.desc()).limit(limit))
    return list(session.scalars(query))
