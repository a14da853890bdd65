"""Moderation decisions as labelled listings for training (`trustd export labels`).

    python -P -m service.review.export --out var/datasets/moderation/labels.jsonl

One JSON line per decided review item whose decision is a label (the caption's text
included, so `trustdata.captions.written --moderation FILE` can train the caption model on
moderators' decisions too): `approve` -> 0 (genuine),
`remove` with reason `counterfeit` -> 1. Other removals (spam, prohibited goods) say nothing
about counterfeiting and are left out. Records use the listing-set format of
`trustdata.listings` (the signals the scorer saw, rebuilt from the stored assessment), so
`training/train_risk.py` can train on them next to, or instead of, generated data.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from service.listings import repository as listings_repository
from service.listings.tables import ListingAssessment
from service.review import repository
from service.review.service import COUNTERFEIT_REASON
from service.review.tables import ReviewItem


def label_of(decision: str | None, reason_codes: list[str]) -> int | None:
    if decision == "approve":
        return 0
    if decision == "remove" and COUNTERFEIT_REASON in reason_codes:
        return 1
    return None


def record_from_assessment(item: ReviewItem, assessment: ListingAssessment,
                           label: int) -> dict[str, Any]:
    result = assessment.result
    price = result.get("price_check") or {}
    reasons = {r["code"]: r.get("evidence", {}) for r in result.get("reasons", [])}
    authorized = reasons.get("authorized_reseller", {}).get("brand")
    seller = result.get("seller") or {}
    caption = result.get("caption")
    return {
        "listing_id": item.listing_id, "seller_id": item.seller_id,
        "platform_id": item.platform_id, "split": "moderation", "label": label,
        "source": "moderation", "assessment_version": assessment.version,
        "price": price.get("price"), "currency": price.get("currency"),
        "photos_checked": result.get("photos_checked", len(result.get("image_matches", []))),
        "matches": [{
            "product_id": str(m["product_id"]), "brand": m["brand"],
            "confidence": m["confidence"], "catalog_image_id": str(m["catalog_image_id"]),
            "photo_index": m["photo_index"],
            "list_price": price.get("list_price") if m["product_id"] == price.get("product_id")
            else None,
            "list_currency": price.get("list_currency"),
        } for m in result.get("image_matches", [])],
        "caption": None if caption is None else {
            "text": caption.get("text", ""),
            "probability": caption["probability"],
            "spans": [{"category": s["category"], "term": s["term"], "start": s.get("start"),
                       "end": s.get("end")} for s in caption.get("spans", [])]},
        "seller": None if not seller.get("available") else {
            "score": seller["score"], "tier": seller["tier"],
            "confirmed_counterfeits": seller.get("confirmed_counterfeits", 0),
            "counterfeit_reports": seller.get("counterfeit_reports", 0),
            "feedback_count": seller.get("feedback_count", 0)},
        "seller_authorized_brands": [authorized] if authorized else [],
    }


def labelled_records(session: Session) -> Iterator[dict[str, Any]]:
    for item in repository.decided_items(session):
        last = repository.last_decision(session, item.id)
        label = label_of(item.decision, list(last.reason_codes) if last else [])
        assessment = listings_repository.get_assessment(session, item.assessment_id)
        if label is not None and assessment is not None:
            yield record_from_assessment(item, assessment, label)


def export_labels(session: Session, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with out.open("w", encoding="utf-8") as fh:
        for record in labelled_records(session):
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def main() -> None:
    from service.kit.db import create_db_engine, make_session_factory
    from service.kit.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("var/datasets/moderation/labels.jsonl"))
    args = parser.parse_args()
    engine = create_db_engine(get_settings().database_url)
    with make_session_factory(engine)() as session:
        count = export_labels(session, args.out)
    print(f"{count} labelled listings written to {args.out}")


if __name__ == "__main__":
    main()
