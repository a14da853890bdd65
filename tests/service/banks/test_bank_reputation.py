"""A repost of a banked photo by another seller: flagged with the first decision as its
evidence, and once a moderator removes it too, that seller's badge says `warning` at once
(issue 21: every confirmed counterfeit counts many times)."""

from __future__ import annotations

import time


def _message(client, seller_id: str) -> str:
    response = client.get(f"/v1/sellers/{seller_id}/badge.json")
    assert response.status_code == 200, response.text
    return str(response.json()["message"])


def test_a_banked_photos_repost_is_flagged_and_its_removal_warns_the_reposter_at_once(
        client, banked, score, reposts, remove_as_counterfeit) -> None:
    # An honest caption and a plausible price: alone, nothing here would be suspicious.
    repost = score([reposts.cropped], "L-agent", caption="全新 自用闲置 可小刀", price=2_800)
    reasons = {r["code"]: r for r in repost["reasons"]}
    assert "known_counterfeit_photo" in reasons, repost["reasons"]
    evidence = reasons["known_counterfeit_photo"]["evidence"]
    assert evidence["review_item_id"] == str(banked["review_item_id"])  # ids are text in reasons
    assert repost["level"] in ("review", "block") or repost["decision"] in ("review", "block")
    assert repost["review_item_id"] is not None  # in a moderator's queue

    seller = "seller-L-agent"
    assert _message(client, seller) != "warning"
    decided = time.monotonic()
    remove_as_counterfeit(repost["review_item_id"])
    assert _message(client, seller) == "warning"
    page = client.get(f"/s/{seller}")
    assert page.status_code == 200
    assert "warning" in page.text.lower() or "警告" in page.text
    assert time.monotonic() - decided < 60  # the badge follows the decision, not a cache TTL


def test_with_supplier_signals_off_the_same_repost_is_judged_alone(client, banked, score,
                                                                    reposts) -> None:
    """The baseline the supplier-network evaluation compares with."""
    client.app.state.trust.settings.supplier_signals_enabled = False
    try:
        alone = score([reposts.cropped], "L-alone", caption="全新 自用闲置 可小刀", price=2_800)
    finally:
        client.app.state.trust.settings.supplier_signals_enabled = True
    assert "known_counterfeit_photo" not in {r["code"] for r in alone["reasons"]}
    assert alone["image_check"]["bank_matches"] == []
