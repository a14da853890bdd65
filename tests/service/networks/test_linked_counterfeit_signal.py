"""A listing reusing a rare photo of a seller with a confirmed counterfeit says so, while the
confirmation stands: it appears after the decision and goes when an appeal overturns it."""

from __future__ import annotations

from tests.service.networks.conftest import COUNTERFEIT, FAKE_CAPTION, linked_ids, repost

SUPPLIER_PHOTO = 81


def test_the_signal_follows_the_confirmation_and_its_appeal(client, api_keys, post, decide,
                                                             network, second_moderator) -> None:
    flagged = post("agent-1", "A1", [repost(SUPPLIER_PHOTO), repost(82)], caption=FAKE_CAPTION,
                   price=150)
    item_id = flagged["review_item_id"]
    assert item_id is not None, flagged["decision"]
    before = post("agent-2", "B1", [repost(SUPPLIER_PHOTO, crop=0.02, quality=60)],
                  caption="今日上新 自家仓库直发")
    assert before["linked_sellers"] == []  # linked, but nobody confirmed anything yet
    assert linked_ids(network("agent-2")) == {"agent-1"}

    decide(item_id, COUNTERFEIT)
    after = post("agent-2", "B2", [repost(SUPPLIER_PHOTO, quality=50)],
                 caption="今日上新 自家仓库直发 第二批")
    assert after["linked_sellers"] == [{"seller_id": "agent-1", "kind": "photo", "shared": 1,
                                        "confirmed_counterfeits": 1, "listing_id": "A1"}]
    stranger = post("stranger", "C1", [repost(83)], caption="今日上新 自家仓库直发 第三批")
    assert stranger["linked_sellers"] == []
    assert network("agent-2").json()["linked"][0]["confirmed_counterfeits"] == 1

    appealed = client.post("/v1/listings/A1/appeal", json={"reason": "genuine"},
                           headers=api_keys.platform)
    assert appealed.status_code == 200, appealed.text
    decide(item_id, {"decision": "approve", "reason_codes": [], "note": "overturned"},
           second_moderator)
    overturned = post("agent-2", "B3", [repost(SUPPLIER_PHOTO, quality=45)],
                      caption="今日上新 自家仓库直发 第四批")
    assert overturned["linked_sellers"] == []
    assert network("agent-2").json()["linked"][0]["confirmed_counterfeits"] == 0


def test_the_review_item_shows_the_network(client, api_keys, post, decide) -> None:
    first = post("agent-1", "A1", [repost(SUPPLIER_PHOTO)], caption=FAKE_CAPTION, price=150)
    decide(first["review_item_id"], COUNTERFEIT)
    second = post("agent-2", "B1", [repost(SUPPLIER_PHOTO, quality=55)], caption=FAKE_CAPTION,
                  price=150)
    assert second["review_item_id"] is not None
    item = client.get(f"/v1/review/items/{second['review_item_id']}",
                      headers=api_keys.moderator)
    assert item.status_code == 200, item.text
    linked = item.json()["network"]["linked"]
    assert [(n["seller_id"], n["kinds"], n["confirmed_counterfeits"]) for n in linked] == [
        ("agent-1", ["photo", "caption"], 1)]
    assert {e["other_listing_id"] for e in linked[0]["evidence"]} == {"A1"}
    assert item.json()["assessment"]["linked_sellers"][0]["seller_id"] == "agent-1"


OTHER_CAPTIONS = (
    "Fresh batch just landed, same workshop as last month, stitching checked one by one",
    "今日到货 小牛皮托特包 五金全钢 内里全皮 走线工整 拿货找我 一件代发")


def test_a_shared_caption_needs_more_in_common(post, decide) -> None:
    """A listing sharing only its caption with a confirmed seller is not linked to them
    until the two sellers have shared three rare captions."""
    first = post("agent-1", "A1", [repost(84)], caption=FAKE_CAPTION, price=150)
    assert first["review_item_id"] is not None, first["decision"]
    decide(first["review_item_id"], COUNTERFEIT)
    alone = post("agent-2", "B1", [repost(85)], caption=FAKE_CAPTION + " 🔥", price=150)
    assert alone["linked_sellers"] == []
    post("agent-1", "A2", [repost(86)], caption=OTHER_CAPTIONS[0], price=150)
    two = post("agent-2", "B2", [repost(87)], caption=OTHER_CAPTIONS[0] + " ✨", price=150)
    assert two["linked_sellers"] == []
    post("agent-1", "A3", [repost(88)], caption=OTHER_CAPTIONS[1], price=150)
    three = post("agent-2", "B3", [repost(89)], caption=OTHER_CAPTIONS[1] + " ✨", price=150)
    assert three["linked_sellers"] == [{"seller_id": "agent-1", "kind": "caption", "shared": 1,
                                        "confirmed_counterfeits": 1, "listing_id": "A3"}]
    assert any(r["code"] == "linked_to_confirmed_counterfeit" for r in three["reasons"])
