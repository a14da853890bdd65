"""Reading and writing listing records (JSON lines) and turning them into scorer inputs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from models.risk.signals import (
    BankMatch,
    CaptionSignal,
    CaptionSpan,
    ImageMatch,
    LinkedCounterfeit,
    ListingSignals,
    SellerLink,
    SellerSignal,
)

DEFAULT_DIR = Path("var/datasets/listings")
SPLITS = ("train", "test")


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_split(directory: Path, split: str) -> list[dict[str, Any]]:
    return list(read_jsonl(directory / f"{split}.jsonl"))


def _linked(linked: dict[str, Any] | None) -> LinkedCounterfeit | None:
    if linked is None:
        return None
    return LinkedCounterfeit(
        strength=float(linked["strength"]),
        links=tuple(
            SellerLink(seller=str(link["seller"]), kind=str(link["kind"]),
                       shared=int(link["shared"]),
                       confirmed_counterfeits=int(link["confirmed_counterfeits"]),
                       listing_id=link.get("listing_id"))
            for link in linked.get("links", [])
        ),
    )


def to_signals(record: dict[str, Any], network_signals: bool = True) -> ListingSignals:
    """The scorer's input for one record. Records written before the generator drew network
    signals have no `bank_matches` / `linked_counterfeit`: absent, as for a listing scored
    with supplier signals off (`network_signals=False` drops them from any record)."""
    caption = record.get("caption")
    seller = record.get("seller")
    return ListingSignals(
        matches=tuple(
            ImageMatch(
                product_id=m["product_id"],
                brand=m.get("brand"),
                confidence=float(m["confidence"]),
                catalog_image_id=m.get("catalog_image_id"),
                list_price=m.get("list_price"),
                list_currency=m.get("list_currency"),
                photo_index=m.get("photo_index"),
            )
            for m in record.get("matches", [])
        ),
        photos_checked=int(record.get("photos_checked", 0)),
        caption=None if caption is None else CaptionSignal(
            probability=float(caption["probability"]),
            spans=tuple(
                CaptionSpan(category=s["category"], term=s["term"],
                            start=s.get("start"), end=s.get("end"))
                for s in caption.get("spans", [])
            ),
        ),
        seller=None if seller is None else SellerSignal(
            score=float(seller["score"]),
            tier=str(seller["tier"]),
            confirmed_counterfeits=int(seller.get("confirmed_counterfeits", 0)),
            counterfeit_reports=int(seller.get("counterfeit_reports", 0)),
            feedback_count=int(seller.get("feedback_count", 0)),
        ),
        price=record.get("price"),
        currency=record.get("currency"),
        claimed_brand=record.get("claimed_brand"),
        seller_authorized_brands=frozenset(record.get("seller_authorized_brands", [])),
        bank_matches=tuple(
            BankMatch(
                entry_id=str(m["entry_id"]),
                confidence=float(m["confidence"]),
                bank=str(m["bank"]),
                photo_index=m.get("photo_index"),
                review_item_id=m.get("review_item_id"),
                decided_at=m.get("decided_at"),
            )
            for m in ((record.get("bank_matches") or []) if network_signals else [])
        ),
        linked_counterfeit=_linked(record.get("linked_counterfeit")) if network_signals
        else None,
    )
