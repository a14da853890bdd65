"""A bank as an exchanged hash list (models/banks/exchange.py: ThreatExchange / HMA formats).

Export writes one signal per stored view and signal type of every live entry: the hash,
the tag ``counterfeit``, and metadata that is the decision's, never the listing's or a
seller's: the bank, the entry's ``ref``, the view, PDQ's quality, when it was decided and
the review item. Import groups signals into entries by their ``entry`` metadata (a signal
without one is an entry of its own) and a view's pHash and PDQ by ``view``, so a list this
service exported is banked again view for view and matches the same reposts. An imported
signal keeps its tags and metadata as read, so exporting it again gives the same bytes; a
list imported twice adds nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from models.banks.exchange import ExchangeFormatError, ExchangeSignal, read_signals, write_signals
from models.banks.hashes import SIGNAL_TYPES
from service.auth.service import Principal, Role
from service.banks import repository
from service.banks.schemas import ImportOut
from service.banks.service import bank_for, own_bank, watch_commit
from service.banks.tables import Bank, BankEntry, BankHashRow
from service.kit.errors import Conflict, Forbidden, Unprocessable

TAGS = ("counterfeit",)
BATCH = 1000


def _meta(bank: Bank, entry: BankEntry, row: BankHashRow) -> dict[str, str]:
    meta = {"bank": bank.name, "entry": entry.ref, "view": row.view}
    if row.signal_type == "pdq" and row.quality is not None:
        meta["quality"] = str(row.quality)
    if entry.decided_at is not None:
        meta["decided_at"] = entry.decided_at.isoformat()
    if entry.review_item_id is not None:
        meta["review_item_id"] = str(entry.review_item_id)
    return meta


def export_bank(session: Session, name: str, signal_type: str, principal: Principal) -> bytes:
    if signal_type not in SIGNAL_TYPES:
        raise Unprocessable(f"signal_type must be one of {', '.join(SIGNAL_TYPES)}",
                            code="bad_signal_type")
    bank = bank_for(session, name, principal)
    signals = []
    for row, entry in repository.export_rows(session, bank.id, signal_type):
        if row.meta is not None:
            signals.append(ExchangeSignal(row.signal_type, row.value, tuple(row.tags or ()),
                                          dict(row.meta)))
        else:
            signals.append(ExchangeSignal(row.signal_type, row.value, TAGS,
                                          _meta(bank, entry, row)))
    return write_signals(signals)


def _target(session: Session, name: str, principal: Principal) -> Bank:
    """Where an import goes: any bank for an admin (an imported list is created), the
    platform's own bank for its platform key."""
    if principal.role is not Role.admin:
        bank = own_bank(session, principal.platform_id, create=True) \
            if principal.platform_id else None
        if bank is None or bank.name != name:
            raise Forbidden("a platform key imports into its own bank only (named by its "
                            "platform id)", code="not_bank_owner")
        return bank
    existing = repository.bank_named(session, name)
    if existing is not None:
        return existing
    bank = Bank(name=name, owner_platform_id=None, kind="imported", shared=False)
    repository.add(session, bank)
    return bank


def _decided(meta: dict[str, str]) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(meta.get("decided_at", ""))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _quality(signal: ExchangeSignal) -> int | None:
    raw = signal.meta.get("quality")
    return int(raw) if signal.signal_type == "pdq" and raw is not None else None


def import_bank(session: Session, name: str, data: bytes, principal: Principal,
                now: dt.datetime, progress: Callable[[int], None] | None = None) -> ImportOut:
    """Bank every signal of the list (nothing at all when the list cannot be read)."""
    try:
        signals = read_signals(data)
    except ExchangeFormatError as exc:
        raise Unprocessable(f"the hash list cannot be read: {exc}", code="bad_hash_list",
                            line=exc.line) from exc
    except ValueError as exc:
        raise Unprocessable(f"the hash list cannot be read: {exc}", code="bad_hash_list") from exc
    bank = _target(session, name, principal)
    grouped: dict[str, list[ExchangeSignal]] = {}
    for s in signals:
        grouped.setdefault(s.meta.get("entry") or f"{s.signal_type}:{s.value}", []).append(s)
    added_entries = added_signals = known_signals = 0
    refs = list(grouped)
    for start in range(0, len(refs), BATCH):
        chunk = refs[start:start + BATCH]
        entries = repository.entries_by_ref(session, bank.id, chunk)
        if any(e.source != "import" for e in entries.values()):
            raise Conflict("the list names entries this bank enrolled from decisions",
                           code="entry_ref_taken")
        for ref in chunk:
            if ref not in entries:
                first = grouped[ref][0]
                entries[ref] = BankEntry(bank_id=bank.id, ref=ref, source="import",
                                         decided_at=_decided(first.meta), created_at=now)
                session.add(entries[ref])
                added_entries += 1
        session.flush()
        known = repository.existing_signals(session, [e.id for e in entries.values()])
        for ref in chunk:
            entry = entries[ref]
            fresh = 0
            for s in grouped[ref]:
                view = s.meta.get("view") or "full"
                if (entry.id, view, s.signal_type, s.value) in known:
                    known_signals += 1
                    continue
                session.add(BankHashRow(entry_id=entry.id, view=view, signal_type=s.signal_type,
                                        value=s.value, quality=_quality(s), tags=list(s.tags),
                                        meta=dict(s.meta)))
                fresh += 1
            added_signals += fresh
            if fresh or entry.removed_at is not None:
                entry.removed_at = None
                repository.log_change(session, entry.id, "add")
        session.flush()
        if progress is not None:
            progress(sum(len(grouped[r]) for r in chunk))
    watch_commit(session)
    session.commit()
    return ImportOut(bank=bank.name, signals_read=len(signals), entries_added=added_entries,
                     signals_added=added_signals, signals_known=known_signals)
