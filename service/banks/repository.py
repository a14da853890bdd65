"""All SQL of the banks domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from models.banks.hashes import BankHash
from service.banks.tables import Bank, BankChange, BankEntry, BankHashRow, BankSubscription
from service.listings.tables import ListingPhoto

LOAD_BATCH = 5000


def bank_named(session: Session, name: str) -> Bank | None:
    return session.scalar(select(Bank).where(Bank.name == name))


def own_bank_of(session: Session, platform_id: str) -> Bank | None:
    return session.scalar(select(Bank).where(Bank.kind == "platform",
                                             Bank.owner_platform_id == platform_id))


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def log_change(session: Session, entry_id: int, op: str) -> None:
    session.add(BankChange(entry_id=entry_id, op=op))


def entries_of_item(session: Session, review_item_id: int) -> list[BankEntry]:
    return list(session.scalars(select(BankEntry).where(
        BankEntry.review_item_id == review_item_id, BankEntry.source == "decision")))


def add_hashes(session: Session, entry_id: int, hashes: Sequence[BankHash]) -> None:
    rows = []
    for h in hashes:
        if h.pdq is not None:
            rows.append(BankHashRow(entry_id=entry_id, view=h.view, signal_type="pdq",
                                    value=h.pdq.hex(), quality=h.quality))
        if h.phash is not None:
            rows.append(BankHashRow(entry_id=entry_id, view=h.view, signal_type="phash",
                                    value=h.phash.hex(), quality=h.quality))
    session.add_all(rows)


def _hashes(rows: Iterable[BankHashRow]) -> list[BankHash]:
    """Signal rows of one entry -> stored views (a view's PDQ and pHash merged)."""
    views: dict[str, dict[str, bytes | int | None]] = {}
    for r in rows:
        v = views.setdefault(r.view, {"phash": None, "pdq": None, "quality": None})
        v[r.signal_type] = bytes.fromhex(r.value)
        if r.signal_type == "pdq":
            v["quality"] = r.quality
    return [BankHash(name, v["phash"], v["pdq"], v["quality"])  # type: ignore[arg-type]
            for name, v in views.items()]


def live_entries(session: Session, entry_ids: Iterable[int]) -> dict[int, tuple[int, list[BankHash]]]:
    """entry id -> (bank id, stored views) of those given that are live (not withdrawn)."""
    ids = list(entry_ids)
    if not ids:
        return {}
    banks: dict[int, int] = dict(session.execute(select(BankEntry.id, BankEntry.bank_id).where(
        BankEntry.id.in_(ids), BankEntry.removed_at.is_(None))).all())
    rows: dict[int, list[BankHashRow]] = {}
    stmt = select(BankHashRow).where(BankHashRow.entry_id.in_(list(banks)))
    for row in session.scalars(stmt.order_by(BankHashRow.id)):
        rows.setdefault(row.entry_id, []).append(row)
    return {int(e): (int(b), _hashes(rows.get(e, []))) for e, b in banks.items()}


def iter_live(session: Session) -> Iterator[tuple[int, int, list[BankHash]]]:
    """Every live entry (entry id, bank id, stored views), streamed in entry order."""
    stmt = (select(BankHashRow, BankEntry.bank_id)
            .join(BankEntry, BankEntry.id == BankHashRow.entry_id)
            .where(BankEntry.removed_at.is_(None))
            .order_by(BankHashRow.entry_id, BankHashRow.id))
    current: tuple[int, int] | None = None
    batch: list[BankHashRow] = []
    for row, bank_id in session.execute(stmt.execution_options(yield_per=LOAD_BATCH)):
        if current is None or row.entry_id != current[0]:
            if current is not None:
                yield current[0], current[1], _hashes(batch)
            current, batch = (row.entry_id, bank_id), []
        batch.append(row)
    if current is not None:
        yield current[0], current[1], _hashes(batch)


def last_change(session: Session) -> int:
    return int(session.scalar(select(func.max(BankChange.seq))) or 0)


def changes_after(session: Session, seq: int) -> list[tuple[int, int, str]]:
    stmt = (select(BankChange.seq, BankChange.entry_id, BankChange.op)
            .where(BankChange.seq > seq).order_by(BankChange.seq))
    return [(int(s), int(e), str(o)) for s, e, o in session.execute(stmt)]


def visibility(session: Session) -> tuple[dict[str, int], dict[str, set[int]]]:
    """(platform id -> its own bank's id, platform id -> shared banks it subscribes to)."""
    own = {str(p): int(b) for b, p in session.execute(
        select(Bank.id, Bank.owner_platform_id).where(Bank.kind == "platform"))}
    subscribed: dict[str, set[int]] = {}
    stmt = (select(BankSubscription.platform_id, BankSubscription.bank_id)
            .join(Bank, Bank.id == BankSubscription.bank_id).where(Bank.shared.is_(True)))
    for platform_id, bank_id in session.execute(stmt):
        subscribed.setdefault(str(platform_id), set()).add(int(bank_id))
    return own, subscribed


def entries_by_id(session: Session, entry_ids: Iterable[int]) -> dict[int, tuple[BankEntry, str]]:
    """entry id -> (entry, its bank's name)."""
    stmt = (select(BankEntry, Bank.name).join(Bank, Bank.id == BankEntry.bank_id)
            .where(BankEntry.id.in_(list(entry_ids))))
    return {e.id: (e, str(name)) for e, name in session.execute(stmt)}


def live_count(session: Session, bank_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(BankEntry).where(
        BankEntry.bank_id == bank_id, BankEntry.removed_at.is_(None))) or 0)


def subscription(session: Session, platform_id: str, bank_id: int) -> BankSubscription | None:
    return session.scalar(select(BankSubscription).where(
        BankSubscription.platform_id == platform_id, BankSubscription.bank_id == bank_id))


def visible_banks(session: Session, platform_id: str | None) -> list[tuple[Bank, bool, int]]:
    """(bank, subscribed, live entries) of the banks a caller may see: all for an admin
    (None), else the platform's own, the shared ones and those it subscribes to."""
    counts = (select(BankEntry.bank_id, func.count().label("n"))
              .where(BankEntry.removed_at.is_(None)).group_by(BankEntry.bank_id).subquery())
    subs = select(BankSubscription.bank_id).where(BankSubscription.platform_id == platform_id)
    stmt = (select(Bank, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.bank_id == Bank.id).order_by(Bank.name))
    if platform_id is not None:
        stmt = stmt.where(or_(Bank.owner_platform_id == platform_id, Bank.shared.is_(True),
                              Bank.id.in_(subs)))
    subscribed = set(session.scalars(subs)) if platform_id is not None else set()
    return [(b, b.id in subscribed, int(n)) for b, n in session.execute(stmt)]


def export_rows(session: Session, bank_id: int, signal_type: str
                ) -> list[tuple[BankHashRow, BankEntry]]:
    stmt = (select(BankHashRow, BankEntry).join(BankEntry, BankEntry.id == BankHashRow.entry_id)
            .where(BankEntry.bank_id == bank_id, BankEntry.removed_at.is_(None),
                   BankHashRow.signal_type == signal_type)
            .order_by(BankHashRow.id))
    return [(h, e) for h, e in session.execute(stmt)]


def entries_by_ref(session: Session, bank_id: int, refs: Iterable[str]) -> dict[str, BankEntry]:
    wanted = list(refs)
    out: dict[str, BankEntry] = {}
    for start in range(0, len(wanted), 500):
        stmt = select(BankEntry).where(BankEntry.bank_id == bank_id,
                                       BankEntry.ref.in_(wanted[start:start + 500]))
        out.update((e.ref, e) for e in session.scalars(stmt))
    return out


def existing_signals(session: Session, entry_ids: Iterable[int]) -> set[tuple[int, str, str, str]]:
    """(entry id, view, signal type, value) already stored for those entries."""
    ids = list(entry_ids)
    out: set[tuple[int, str, str, str]] = set()
    for start in range(0, len(ids), 500):
        stmt = select(BankHashRow.entry_id, BankHashRow.view, BankHashRow.signal_type,
                      BankHashRow.value).where(BankHashRow.entry_id.in_(ids[start:start + 500]))
        out.update((int(e), str(v), str(t), str(x)) for e, v, t, x in session.execute(stmt))
    return out


def withdraw(session: Session, entry_ids: Sequence[int], now: dt.datetime) -> None:
    session.execute(update(BankEntry).where(BankEntry.id.in_(list(entry_ids)))
                    .values(removed_at=now))


def listing_photos(session: Session, listing_pk: int, content_hash: str) -> list[ListingPhoto]:
    """The stored photos of one listing version (the listings domain keeps them for review)."""
    stmt = (select(ListingPhoto).where(ListingPhoto.listing_pk == listing_pk,
                                       ListingPhoto.content_hash == content_hash)
            .order_by(ListingPhoto.photo_index))
    return list(session.scalars(stmt))


def add_subscription(session: Session, platform_id: str, bank_id: int) -> None:
    add(session, BankSubscription(platform_id=platform_id, bank_id=bank_id))
