"""Bank logic: enrolment on counterfeit removals, withdrawal when an appeal overturns one,
the lookup the listing scorer calls, and who shares with whom.

Enrolment (a review hook, inside `decide`'s transaction): a removal with reason
`counterfeit` banks the photos of the decided listing version that matched no catalog photo
(the assessment's `image_matches` say which did; `listing_photos` holds the bytes). An
official photo re-used by a counterfeiter stays an official photo: banking it would flag the
brand's authorised sellers. Any later decision on the item that is not such a removal (an
appeal approved) withdraws its entries; a new removal brings back those of the version then
decided.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from models.banks.hashes import bank_hashes
from models.hashing.decode import decode_for_matching
from models.hashing.matcher import HashSet
from service.auth.service import Principal, Role
from service.banks import repository
from service.banks.runtime import SHARING, BankRuntime, note_local_change
from service.banks.schemas import BankOut
from service.banks.tables import Bank, BankEntry
from service.core.state import Component, CoreState
from service.kit.errors import Conflict, Forbidden, NotFound
from service.listings import repository as listings_repo
from service.listings.schemas import BankMatchOut
from service.review.tables import ReviewItem

COUNTERFEIT_REASON = "counterfeit"
log = logging.getLogger("trustd.banks")


def _after_commit(_: Session) -> None:
    note_local_change()


def watch_commit(session: Session) -> None:
    """This process's index syncs at its next lookup once the session commits."""
    if not event.contains(session, "after_commit", _after_commit):
        event.listen(session, "after_commit", _after_commit)


def own_bank(session: Session, platform_id: str, create: bool) -> Bank | None:
    """The platform's own bank, created on first use: named by its platform id, unless an
    admin's imported list took that name first (then ``platform:<id>``)."""
    bank = repository.own_bank_of(session, platform_id)
    if bank is None and create:
        taken = repository.bank_named(session, platform_id) is not None
        bank = Bank(name=f"platform:{platform_id}" if taken else platform_id,
                    owner_platform_id=platform_id, kind="platform", shared=False)
        repository.add(session, bank)
    return bank


def unmatched_photos(result: dict[str, object]) -> set[int] | None:
    """Photo indexes of an assessment that matched no catalog photo and were analysed;
    None when the stored result cannot say."""
    matches = result.get("image_matches")
    if not isinstance(matches, list) or not all(
            isinstance(m, dict) and isinstance(m.get("photo_index"), int) for m in matches):
        return None  # which photo matched is unknown: banking any might bank an official one
    matched = {int(m["photo_index"]) for m in matches}
    check = result.get("image_check")
    skipped = {int(s["photo_index"]) for s in (check or {}).get("skipped_photos", [])
               if isinstance(s, dict)} if isinstance(check, dict) else set()
    checked = result.get("photos_checked")
    count = int(checked) + len(skipped) if isinstance(checked, int) else 0
    return set(range(count)) - matched - skipped


def enrol(session: Session, item: ReviewItem, now: dt.datetime) -> bool:
    """Bank the decided version's non-catalog photos; returns whether anything changed.

    Decided again (after an appeal, or after the listing changed or a deep check found a
    catalog photo and reopened the item), the entries follow the version decided now: its
    unmatched photos are banked (or brought back), any other entry of the item withdrawn.
    """
    assessment = listings_repo.get_assessment(session, item.assessment_id)
    unmatched = (unmatched_photos(assessment.result) if assessment is not None else None) or set()
    content = assessment.content_hash if assessment is not None else None
    changed = False
    known: set[int] = set()
    for entry in repository.entries_of_item(session, item.id):
        current = entry.content_hash == content and entry.photo_index in unmatched
        if current:
            known.add(int(entry.photo_index or 0))
        if current and entry.removed_at is not None:
            entry.removed_at, entry.decided_at = None, now
            repository.log_change(session, entry.id, "add")
            changed = True
        elif not current and entry.removed_at is None:
            entry.removed_at = now
            repository.log_change(session, entry.id, "remove")
            changed = True
    wanted = unmatched - known
    if assessment is None or not wanted:
        return changed
    bank = own_bank(session, item.platform_id, create=True)
    assert bank is not None
    for photo in repository.listing_photos(session, item.listing_pk, assessment.content_hash):
        if photo.photo_index not in wanted:
            continue
        try:
            hashes = bank_hashes(decode_for_matching(photo.data))
        except Exception:  # stored bytes were validated when scored; a bug must not block
            log.exception("banking a photo failed; it is not banked", extra={"fields": {
                "review_item_id": item.id, "photo_index": photo.photo_index}})
            continue
        if not hashes:
            continue
        entry = BankEntry(bank_id=bank.id, ref=f"pending:{item.id}:{photo.photo_index}",
                          source="decision", review_item_id=item.id, listing_id=item.listing_id,
                          content_hash=assessment.content_hash, photo_index=photo.photo_index,
                          decided_at=now, created_at=now)
        repository.add(session, entry)
        entry.ref = f"{bank.name}:{entry.id}"
        repository.add_hashes(session, entry.id, hashes)
        repository.log_change(session, entry.id, "add")
        changed = True
    return changed


def withdraw(session: Session, item: ReviewItem, now: dt.datetime) -> int:
    live = [e for e in repository.entries_of_item(session, item.id) if e.removed_at is None]
    if live:
        repository.withdraw(session, [e.id for e in live], now)
        for entry in live:
            repository.log_change(session, entry.id, "remove")
    return len(live)


class BankDecisionHook:
    """The review domain's decision hook (service/review/hooks.py)."""

    def decided(self, session: Session, item: ReviewItem, decision: str,
                reason_codes: list[str], now: dt.datetime) -> None:
        if decision == "remove" and COUNTERFEIT_REASON in reason_codes:
            changed = enrol(session, item, now)
        else:
            changed = bool(withdraw(session, item, now))
        if changed:
            watch_commit(session)


def build_runtime(state: CoreState) -> BankRuntime:
    runtime = BankRuntime()
    with state.session_factory() as session:
        runtime.load(session)
    return runtime


class BankLookupService:
    """The listing scorer's `BankLookup`: while the index loads (or if it failed to),
    listings are scored without bank matches."""

    def __init__(self, state: CoreState, slot: Component[BankRuntime]) -> None:
        self._state, self._slot = state, slot

    def lookup(self, session: Session, platform_id: str,
               regions: dict[int, list[HashSet]]) -> list[BankMatchOut]:
        if not self._slot.ready:
            return []
        runtime = self._slot.get()
        if runtime.needs_sync(self._state.settings.matching_sync_seconds):
            runtime.sync(session)
        found = runtime.lookup(platform_id, regions)
        if not found:
            return []
        entries = repository.entries_by_id(session, {m.entry_id for m in found})
        out = []
        for m in found:
            known = entries.get(m.entry_id)
            if known is None or known[0].removed_at is not None:  # withdrawn since the sync
                continue
            entry, bank = known
            out.append(BankMatchOut(
                photo_index=m.photo, entry_id=entry.id, bank=bank, confidence=m.confidence,
                review_item_id=entry.review_item_id,
                decided_at=entry.decided_at.isoformat() if entry.decided_at else None))
        return out


def bank_for(session: Session, name: str, principal: Principal) -> Bank:
    """The named bank, for its owner platform or an admin."""
    bank = repository.bank_named(session, name)
    if bank is None:
        raise NotFound(f"no bank {name!r}", code="bank_not_found")
    if principal.role is not Role.admin and bank.owner_platform_id != principal.platform_id:
        if bank.shared:
            raise Forbidden("only the bank's own platform (or an admin) may do this",
                            code="not_bank_owner")
        raise NotFound(f"no bank {name!r}", code="bank_not_found")
    return bank


def bank_out(bank: Bank, subscribed: bool, entries: int) -> BankOut:
    return BankOut(name=bank.name, kind=bank.kind, owner_platform_id=bank.owner_platform_id,
                   shared=bank.shared, subscribed=subscribed, entries=entries)


def list_banks(session: Session, principal: Principal) -> list[BankOut]:
    platform = None if principal.role is Role.admin else principal.platform_id
    return [bank_out(b, s, n) for b, s, n in repository.visible_banks(session, platform)]


def _describe(session: Session, bank: Bank, principal: Principal) -> BankOut:
    subscribed = principal.platform_id is not None and repository.subscription(
        session, principal.platform_id, bank.id) is not None
    return bank_out(bank, subscribed, repository.live_count(session, bank.id))


def set_sharing(session: Session, name: str, shared: bool, principal: Principal) -> BankOut:
    bank = bank_for(session, name, principal)
    if bank.shared != shared:
        bank.shared = shared
        repository.log_change(session, SHARING, "sharing")
        watch_commit(session)
        session.commit()
    return _describe(session, bank, principal)


def subscribe(session: Session, name: str, principal: Principal, on: bool) -> BankOut:
    """A platform looks its listings up in another platform's shared bank (or stops)."""
    if principal.platform_id is None:
        raise Forbidden("subscriptions belong to a platform: use a platform key",
                        code="platform_key_required")
    bank = repository.bank_named(session, name)
    current = repository.subscription(session, principal.platform_id, bank.id) \
        if bank is not None else None
    # an unshared bank is not there for others, except to end a subscription made earlier
    if bank is None or (not bank.shared and bank.owner_platform_id != principal.platform_id
                        and current is None):
        raise NotFound(f"no bank {name!r}", code="bank_not_found")
    if bank.owner_platform_id == principal.platform_id:
        raise Conflict("a platform's own bank is always looked up", code="own_bank")
    if on and not bank.shared:
        raise Conflict(f"bank {name!r} is not shared", code="bank_not_shared")
    if on and current is None:
        repository.add_subscription(session, principal.platform_id, bank.id)
    elif not on and current is not None:
        session.delete(current)
    if on != (current is not None):
        repository.log_change(session, SHARING, "sharing")
        watch_commit(session)
        session.commit()
    return _describe(session, bank, principal)

