"""All SQL for listings, their assessment versions and their deep checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from service.listings.tables import (
    Listing,
    ListingAssessment,
    ListingDeepCheck,
    ListingDeepCheckPhoto,
    ListingPhoto,
)


def find_listing(session: Session, platform_id: str, listing_id: str) -> Listing | None:
    return session.scalar(select(Listing).where(Listing.platform_id == platform_id,
                                                Listing.listing_id == listing_id))


def get_assessment(session: Session, assessment_id: int) -> ListingAssessment | None:
    return session.get(ListingAssessment, assessment_id)


def get_listing(session: Session, listing_pk: int) -> Listing | None:
    return session.get(Listing, listing_pk)


def get_check(session: Session, check_id: int) -> ListingDeepCheck | None:
    return session.get(ListingDeepCheck, check_id)


# The re-score path's one query, built once: the newest assessment of this content (a deep
# check may have added a newer version of the same content) with its listing's key, as
# plain columns (no ORM objects: this is most of what a stored re-score costs).
_STORED = (select(Listing.listing_id, Listing.seller_id, ListingAssessment.version,
                  ListingAssessment.result, ListingAssessment.created_at, Listing.id)
           .join(ListingAssessment, ListingAssessment.listing_pk == Listing.id)
           .where(Listing.platform_id == bindparam("platform_id"),
                  Listing.listing_id == bindparam("listing_id"),
                  ListingAssessment.content_hash == bindparam("content_hash"))
           .order_by(ListingAssessment.version.desc()).limit(1))


def stored_assessment(connection: Connection, platform_id: str, listing_id: str,
                      content_hash: str) -> Row[Any] | None:
    """(listing_id, seller_id, version, result, created_at, listing key) or None."""
    return connection.execute(_STORED, {"platform_id": platform_id, "listing_id": listing_id,
                                        "content_hash": content_hash}).first()


def latest_assessment(session: Session, listing_pk: int) -> ListingAssessment | None:
    query = (select(ListingAssessment).where(ListingAssessment.listing_pk == listing_pk)
             .order_by(ListingAssessment.version.desc()))
    return session.scalars(query).first()


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def _unheld(now: dt.datetime) -> ColumnElement[bool]:
    """A pending check no runner holds: never held, or its runner's hold has expired."""
    return and_(ListingDeepCheck.status == "pending",
                or_(ListingDeepCheck.locked_until.is_(None), ListingDeepCheck.locked_until < now))


def hold_check(session: Session, check_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    """Takes a pending deep check for one runner (counting the run); False when it is done,
    or held by a runner whose hold has not expired."""
    result = session.execute(
        update(ListingDeepCheck)
        .where(ListingDeepCheck.id == check_id, _unheld(now))
        .values(locked_until=until, runs=ListingDeepCheck.runs + 1))
    return result.rowcount == 1  # type: ignore[attr-defined]


def release_check(session: Session, check_id: int) -> None:
    session.execute(update(ListingDeepCheck).where(ListingDeepCheck.id == check_id,
                                                   ListingDeepCheck.status == "pending")
                    .values(locked_until=None))


def close_check(session: Session, check_id: int, status: str, outcome: str | None,
                now: dt.datetime, result_version: int | None = None,
                error: str | None = None) -> bool:
    """Pending -> done/failed exactly once, whoever finishes; the photo bytes go with it."""
    result = session.execute(
        update(ListingDeepCheck)
        .where(ListingDeepCheck.id == check_id, ListingDeepCheck.status == "pending")
        .values(status=status, outcome=outcome, result_version=result_version, error=error,
                locked_until=None, finished_at=now))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.execute(delete(ListingDeepCheckPhoto).where(ListingDeepCheckPhoto.check_id == check_id))
    return True


def check_photos(session: Session, check_id: int) -> list[ListingDeepCheckPhoto]:
    query = select(ListingDeepCheckPhoto).where(ListingDeepCheckPhoto.check_id == check_id)
    return list(session.scalars(query.order_by(ListingDeepCheckPhoto.photo_index)))


def unheld_checks(session: Session, backend: str, now: dt.datetime,
                  created_before: dt.datetime | None = None) -> list[int]:
    """Pending checks whose runner's hold is absent or expired (stored before
    `created_before`, when given)."""
    query = select(ListingDeepCheck.id).where(ListingDeepCheck.backend == backend, _unheld(now))
    if created_before is not None:
        query = query.where(ListingDeepCheck.created_at < created_before)
    return list(session.scalars(query.order_by(ListingDeepCheck.id)))


def backlog(session: Session) -> tuple[int, dt.datetime | None]:
    """How many deep checks are pending, and when the oldest of them was stored."""
    row = session.execute(select(func.count(), func.min(ListingDeepCheck.created_at))
                          .where(ListingDeepCheck.status == "pending")).one()
    return int(row[0]), row[1]


def unfinished_checks(session: Session, backend: str) -> list[int]:
    query = select(ListingDeepCheck.id).where(ListingDeepCheck.backend == backend,
                                              ListingDeepCheck.status == "pending")
    return list(session.scalars(query.order_by(ListingDeepCheck.id)))


def add_photos(session: Session, listing_pk: int, content_hash: str, blobs: list[bytes],
               shas: list[str]) -> None:
    """Keeps a flagged listing's photos for review (once per content version)."""
    known = session.scalar(select(ListingPhoto.id).where(
        ListingPhoto.listing_pk == listing_pk, ListingPhoto.content_hash == content_hash))
    if known is None:
        session.add_all(ListingPhoto(listing_pk=listing_pk, content_hash=content_hash,
                                     photo_index=i, sha256=sha, data=blob)
                        for i, (blob, sha) in enumerate(zip(blobs, shas, strict=True)))
        session.flush()


def get_photo(session: Session, listing_pk: int, content_hash: str,
              photo_index: int) -> ListingPhoto | None:
    return session.scalar(select(ListingPhoto).where(
        ListingPhoto.listing_pk == listing_pk, ListingPhoto.content_hash == content_hash,
        ListingPhoto.photo_index == photo_index))
