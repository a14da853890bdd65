"""A photo many sellers post counts as a known counterfeit only once two decisions banked it:
one wrong removal of a stock photo must not flag every seller who posts it (the link cap is
11 here, so a photo three sellers posted is widely posted)."""

from __future__ import annotations

import pytest

from service.listings.schemas import BankMatchOut
from service.listings.service import corroborated


@pytest.fixture
def settings(make_settings, database_url):
    return make_settings(database_url=database_url, network_rare_max_sellers=11)


def _bank_items(answer: dict) -> set[int]:
    return {m["review_item_id"] for m in answer["image_check"]["bank_matches"]}


def _codes(answer: dict) -> set[str]:
    return {r["code"] for r in answer["reasons"]}


def test_a_common_photo_needs_a_second_decision_a_rare_one_does_not(
        score, reposts, remove_as_counterfeit) -> None:
    posted = [score([reposts.original], f"C{i}") for i in range(1, 4)]  # three sellers
    assert all(p["review_item_id"] is not None for p in posted)
    remove_as_counterfeit(posted[0]["review_item_id"])
    alone = score([reposts.cropped], "C4")
    assert _bank_items(alone) == set()  # one decision on a common photo: not yet
    assert "known_counterfeit_photo" not in _codes(alone)
    remove_as_counterfeit(posted[1]["review_item_id"])
    twice = score([reposts.cropped], "C5")
    assert _bank_items(twice) == {posted[0]["review_item_id"], posted[1]["review_item_id"]}
    assert "known_counterfeit_photo" in _codes(twice)
    # a photo only one seller posted counts after its one decision
    rare = score([reposts.other_product], "R1")
    remove_as_counterfeit(rare["review_item_id"])
    assert _bank_items(score([reposts.other_product], "R2")) == {rare["review_item_id"]}


def _match(photo: int, item: int | None) -> BankMatchOut:
    return BankMatchOut(photo_index=photo, entry_id=100 + photo * 10 + (item or 0), bank="b",
                        confidence=0.9, review_item_id=item, decided_at=None)


def test_corroboration_counts_decisions_per_photo_and_trusts_imported_lists() -> None:
    matches = [_match(0, 7), _match(1, 7), _match(1, 8), _match(2, None)]
    kept = corroborated(matches, common_photos={0, 1, 2})
    assert [(m.photo_index, m.review_item_id) for m in kept] == [(1, 7), (1, 8), (2, None)]
    assert corroborated(matches, common_photos=set()) == matches
