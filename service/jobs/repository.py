"""All SQL for batch jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from service.jobs.tables import BatchJob, BatchJobItem, WorkerHeartbeat


def get_job(session: Session, job_id: str) -> BatchJob | None:
    return session.get(BatchJob, job_id)


def get_item(session: Session, item_id: int) -> BatchJobItem | None:
    return session.get(BatchJobItem, item_id)


def add_job(session: Session, job: BatchJob, items: list[BatchJobItem]) -> None:
    session.add(job)
    session.flush()
    session.add_all(items)


def next_item_id(session: Session, job_id: str, now: dt.datetime) -> int | None:
    query = (select(BatchJobItem.id)
             .where(BatchJobItem.job_id == job_id, BatchJobItem.status == "pending",
                    or_(BatchJobItem.locked_until.is_(None), BatchJobItem.locked_until < now))
             .order_by(BatchJobItem.position).limit(1))
    return session.scalar(query)


def hold_item(session: Session, item_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    result = session.execute(
        update(BatchJobItem)
        .where(BatchJobItem.id == item_id, BatchJobItem.status == "pending",
               or_(BatchJobItem.locked_until.is_(None), BatchJobItem.locked_until < now))
        .values(locked_until=until))
    return result.rowcount == 1  # type: ignore[attr-defined]


def counts(session: Session, job_id: str) -> dict[str, int]:
    rows = session.execute(select(BatchJobItem.status, func.count())
                           .where(BatchJobItem.job_id == job_id)
                           .group_by(BatchJobItem.status)).all()
    return {status: int(n) for status, n in rows}


def items_of(session: Session, job_id: str) -> list[BatchJobItem]:
    query = select(BatchJobItem).where(BatchJobItem.job_id == job_id)
    return list(session.scalars(query.order_by(BatchJobItem.position)))


def unfinished_jobs(session: Session, backend: str,
                    created_before: dt.datetime | None = None) -> list[str]:
    query = select(BatchJob.id).where(BatchJob.backend == backend,
                                      BatchJob.status.in_(("queued", "running")))
    if created_before is not None:
        query = query.where(BatchJob.created_at < created_before)
    return list(session.scalars(query.order_by(BatchJob.created_at)))


def beat(session: Session, name: str, started_at: dt.datetime, now: dt.datetime,
         forget_before: dt.datetime) -> None:
    """Records that worker `name` is alive; rows of workers gone long ago are deleted."""
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name, started_at=started_at, seen_at=now))
    else:
        row.seen_at = now
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < forget_before))


def last_worker_seen(session: Session, name_prefix: str = "") -> dt.datetime | None:
    """When a worker (whose name starts with `name_prefix`) was last seen."""
    query = select(func.max(WorkerHeartbeat.seen_at))
    if name_prefix:
        query = query.where(WorkerHeartbeat.name.startswith(name_prefix, autoescape=True))
    return session.scalar(query)
