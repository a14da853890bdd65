"""All SQL for feedback and confirmed counterfeits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, case, func, select
from sqlalchemy.orm import Session

from service.sellers.tables import ConfirmedCounterfeit, SellerFeedback


@dataclass(frozen=True)
class BuyerSnapshot:
    first_seen: dt.datetime | None
    orders_other: int
    sellers_other: int


def find_by_order(session: Session, platform_id: str, order_id: str) -> SellerFeedback | None:
    return session.scalar(
        select(SellerFeedback).where(SellerFeedback.platform_id == platform_id, SellerFeedback.order_id == order_id)
    )


_f = SellerFeedback
_other_seller = _f.seller_id != bindparam("seller_id")
# One round trip for the whole snapshot; built once, executed with fresh parameters.
_SNAPSHOT = select(
    func.min(_f.created_at),
    func.count(case((_other_seller, 1))),
    func.count(func.distinct(case((_other_seller, _f.seller_id)))),
).where(_f.buyer_key == bindparam("buyer_key"), _f.created_at < bindparam("before"))


def buyer_snapshot(session: Session, buyer_key: str, seller_id: str, before: dt.datetime) -> BuyerSnapshot:
    """The buyer's feedback history strictly before `before`; counts exclude `seller_id`."""
    params = {"buyer_key": buyer_key, "seller_id": seller_id, "before": before}
    first_seen, orders, sellers = session.execute(_SNAPSHOT, params).one()
    if isinstance(first_seen, str):  # SQLite returns aggregates of dates as text
        first_seen = dt.datetime.fromisoformat(first_seen)
    if first_seen is not None and first_seen.tzinfo is None:
        first_seen = first_seen.replace(tzinfo=dt.UTC)
    return BuyerSnapshot(first_seen, int(orders), int(sellers))


def add(session: Session, row: SellerFeedback | ConfirmedCounterfeit) -> None:
    session.add(row)
    session.flush()


def reputation_rows(session: Session, seller_id: str) -> list[Row[Any]]:
    """Only the columns the reputation model reads: cheaper than whole ORM objects."""
    f = SellerFeedback
    query = select(
        f.buyer_key,
        f.rating,
        f.created_at,
        f.verified_order,
        f.as_described,
        f.counterfeit_suspected,
        f.order_value,
        f.currency,
        f.buyer_first_seen,
        f.buyer_orders_other,
        f.buyer_sellers_other,
        f.buyer_account_created,
    ).where(f.seller_id == seller_id)
    return list(session.execute(query))


def page_of_feedback(session: Session, seller_id: str, limit: int, after_id: int | None) -> list[SellerFeedback]:
    query = select(SellerFeedback).where(SellerFeedback.seller_id == seller_id)
    if after_id is not None:
        query = query.where(SellerFeedback.id > after_id)
    return list(session.scalars(query.order_by(SellerFeedback.id).limit(limit)))


def confirmed_of_seller(session: Session, seller_id: str) -> list[ConfirmedCounterfeit]:
    query = select(ConfirmedCounterfeit).where(ConfirmedCounterfeit.seller_id == seller_id)
    return list(session.scalars(query.order_by(ConfirmedCounterfeit.id)))


def find_confirmed(session: Session, seller_id: str, reference: str) -> ConfirmedCounterfeit | None:
    return session.scalar(
        select(ConfirmedCounterfeit).where(
            ConfirmedCounterfeit.seller_id == seller_id,
            ConfirmedCounterfeit.reference == reference,
        )
    )


def delete_confirmed(session: Session, row: ConfirmedCounterfeit) -> None:
    session.delete(row)
    session.flush()


def confirmed_counts(session: Session, platform_id: str, seller_ids: list[str]) -> dict[str, int]:
    """Confirmed counterfeits per seller, those the platform's own decisions confirmed."""
    if not seller_ids:
        return {}
    c = ConfirmedCounterfeit
    query = (
        select(c.seller_id, func.count())
        .where(c.platform_id == platform_id, c.seller_id.in_(sorted(set(seller_ids))))
        .group_by(c.seller_id)
    )
    return {seller: int(n) for seller, n in session.execute(query)}
