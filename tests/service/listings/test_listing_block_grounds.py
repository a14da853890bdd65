"""Through POST /v1/listings/score: wording alone never blocks an honest seller's own photos.

The seller's own photos match no catalog image, so the caption and its price are the only
evidence; a block needs more than words (models/risk/scoring.block_grounds)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("caption", [
    "Gucci Horsebit loafers, worn twice, bought at the Gucci boutique in Milan 2023, receipt "
    "and dust bag included",
    "奶奶八十大寿 全家福 香奶奶今天超开心 ❤️",
    "A货翡翠手镯 天然缅甸翡翠 带国检证书 可复检",
    "原单 香奶奶 加v 私聊",  # counterfeit-sounding, but no outright copy wording: review at most
])
def test_an_honest_post_with_a_brand_word_is_not_blocked(score, photo, caption) -> None:
    response = score([photo(41), photo(42)], caption=caption, price=None, currency=None,
                     listing_id=f"own-{abs(hash(caption)) % 10_000}")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["image_matches"] == []  # the seller's own photos
    assert data["decision"] != "block", data["reasons"]


def test_a_brand_at_a_tenth_of_its_genuine_price_is_evidence(score, photo) -> None:
    response = score([photo(43)], caption="劳力士绿水鬼 全新 自动机芯 包邮",
                     price=380, currency="CNY", listing_id="gap-1")
    assert response.status_code == 200, response.text
    language = next(r for r in response.json()["reasons"] if r["code"] == "counterfeit_language")
    gap = language["evidence"]["brand_price"]
    assert (gap["brand"], gap["category"], gap["currency"]) == ("Rolex", "watch", "CNY")
    assert gap["ratio"] < 0.05
