"""Batch scoring jobs and their items: the database, not the queue, is the record of work.

Each item is committed with its result as soon as it is scored, so a worker killed mid-job
leaves the finished items done and the rest pending; whoever runs the job next (the queue's
retry, or a resume) only scores what is still pending.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.kit.db import Base, BigId, UTCDateTime, utcnow


class BatchJob(Base):
    __tablename__ = "batch_jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # queued / running / done / failed
    backend: Mapped[str] = mapped_column(String(20))  # rq / inprocess
    total: Mapped[int]
    runs: Mapped[int] = mapped_column(default=0)  # >1 means it was retried or resumed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class BatchJobItem(Base):
    __tablename__ = "batch_job_items"
    __table_args__ = (Index("ix_batch_job_items_job_status", "job_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("batch_jobs.id", ondelete="CASCADE"))
    position: Mapped[int]
    listing_id: Mapped[str] = mapped_column(String(200))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending / done / failed
    # A runner holds an item while scoring it; an expired hold means the runner died.
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WorkerHeartbeat(Base):
    """A `trustd worker` process, as last seen: it writes its row every
    `worker_heartbeat_seconds`, in the database so that readiness can tell a deep-check
    backlog with no live worker even while Redis is down."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
