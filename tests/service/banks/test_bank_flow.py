"""Known-counterfeit bank end to end through the API, on SQLite and PostgreSQL: a counterfeit
removal banks the listing's non-catalog photos, reposts of them are flagged with the
decision as evidence, an overturned appeal takes them out again, and a bank is seen only by
its platform unless it is shared and subscribed to."""

from __future__ import annotations

from sqlalchemy import select

from service.banks.runtime import BankRuntime
from service.banks.tables import BankEntry, BankHashRow


def _entries(session_factory) -> list[BankEntry]:
    with session_factory() as session:
        return list(session.scalars(select(BankEntry).order_by(BankEntry.id)))


def test_removal_banks_only_the_photos_that_matched_no_catalog_photo(banked, session_factory):
    [entry] = _entries(session_factory)
    assert (entry.photo_index, entry.source, entry.removed_at) == (0, "decision", None)
    assert entry.review_item_id == banked["review_item_id"]
    assert entry.listing_id == "L-fake"
    with session_factory() as session:
        kinds = set(session.scalars(select(BankHashRow.signal_type)
                                    .where(BankHashRow.entry_id == entry.id)))
        views = session.scalar(select(BankHashRow.view).where(BankHashRow.entry_id == entry.id))
    assert kinds == {"pdq", "phash"}
    assert views  # the catalog's enrollment views, e.g. full-id


def test_cropped_and_screenshot_reposts_carry_the_decision_as_evidence(banked, score, reposts,
                                                                       session_factory):
    [entry] = _entries(session_factory)
    for n, repost in enumerate((reposts.cropped, reposts.screenshot)):
        found = score([reposts.other_product, repost], f"L-repost-{n}")["image_check"]
        [match] = found["bank_matches"]
        assert match["photo_index"] == 1
        assert match["entry_id"] == entry.id
        assert match["bank"] == "shop-a"
        assert match["review_item_id"] == banked["review_item_id"]
        assert match["decided_at"].startswith(entry.decided_at.isoformat()[:19])
        assert 0.5 <= match["confidence"] <= 1.0


def test_a_different_product_and_the_official_photo_match_no_bank_entry(banked, score, reposts,
                                                                        official_photo):
    found = score([reposts.other_product, official_photo], "L-honest")["image_check"]
    assert found["bank_matches"] == []


def test_an_overturned_appeal_withdraws_the_entries(client, api_keys, banked, score, reposts,
                                                    session_factory, make_settings):
    item = banked["review_item_id"]
    appealed = client.post("/v1/listings/L-fake/appeal", json={"reason": "receipt"},
                           headers=api_keys.platform)
    assert appealed.status_code == 200
    from service.auth.service import Role, create_key
    with session_factory() as session:
        other = create_key(session, Role.moderator, "second-moderator")
        session.commit()
    second = {"Authorization": f"Bearer {other.secret}"}
    assert client.post(f"/v1/review/items/{item}/claim", headers=second).status_code == 200
    overturned = client.post(f"/v1/review/items/{item}/decision", headers=second,
                             json={"decision": "approve", "reason_codes": ["receipt_verified"]})
    assert overturned.status_code == 200
    [entry] = _entries(session_factory)
    assert entry.removed_at is not None
    assert score([reposts.cropped], "L-after-appeal")["image_check"]["bank_matches"] == []


def test_an_unshared_bank_is_its_platforms_alone_until_shared_and_subscribed(
        client, api_keys, banked, score, reposts):
    other = api_keys.other_platform
    assert score([reposts.cropped], "L-b1", headers=other)["image_check"]["bank_matches"] == []
    # shop-b cannot subscribe to a bank that is not shared, nor see it
    refused = client.put("/v1/banks/shop-a/subscription", json={"subscribed": True}, headers=other)
    assert refused.status_code == 404
    assert [b["name"] for b in client.get("/v1/banks", headers=other).json()["banks"]] == []
    assert client.put("/v1/banks/shop-a/sharing", json={"shared": True},
                      headers=other).status_code == 404  # not its bank
    shared = client.put("/v1/banks/shop-a/sharing", json={"shared": True},
                        headers=api_keys.platform)
    assert shared.status_code == 200 and shared.json()["shared"] is True
    assert score([reposts.cropped], "L-b2", headers=other)["image_check"]["bank_matches"] == []
    subscribed = client.put("/v1/banks/shop-a/subscription", json={"subscribed": True}, headers=other)
    assert subscribed.status_code == 200 and subscribed.json()["subscribed"] is True
    [match] = score([reposts.cropped], "L-b3", headers=other)["image_check"]["bank_matches"]
    assert match["bank"] == "shop-a"
    client.put("/v1/banks/shop-a/sharing", json={"shared": False}, headers=api_keys.platform)
    assert score([reposts.cropped], "L-b4", headers=other)["image_check"]["bank_matches"] == []
    ended = client.put("/v1/banks/shop-a/subscription", json={"subscribed": False}, headers=other)
    assert ended.status_code == 200 and ended.json()["subscribed"] is False
    assert client.put("/v1/banks/shop-a/subscription", json={"subscribed": True},
                      headers=other).status_code == 404  # unshared: not there for shop-b


def test_an_entry_another_process_banked_is_seen_without_a_restart(
        score, official_photo, reposts, remove_as_counterfeit, session_factory):
    elsewhere = BankRuntime()  # another worker's index, loaded before the decision
    with session_factory() as session:
        elsewhere.load(session)
    flagged = score([reposts.original, official_photo], "L-fake")
    remove_as_counterfeit(flagged["review_item_id"])
    regions = _regions(reposts.cropped)
    assert elsewhere.lookup("shop-a", regions) == []
    with session_factory() as session:
        assert elsewhere.sync(session) == 1
    [match] = elsewhere.lookup("shop-a", regions)
    assert match.entry_id == _entries(session_factory)[0].id


def test_supplier_signals_off_looks_no_bank_up(make_settings, database_url, reposts,
                                              official_photo, score, banked, client):
    client.app.state.trust.settings.supplier_signals_enabled = False
    try:
        assert score([reposts.cropped], "L-off")["image_check"]["bank_matches"] == []
    finally:
        client.app.state.trust.settings.supplier_signals_enabled = True


def _regions(data: bytes):
    from models.hashing.decode import decode_for_matching
    from models.hashing.matcher import query_hashes
    return {0: query_hashes(decode_for_matching(data))}


def test_decided_again_the_entries_follow_the_version_then_decided(
        client, api_keys, banked, session_factory):
    """A deep check found the banked photo in the catalog after all (a new assessment of the
    listing, which reopened the item): removed again, that photo leaves the bank."""
    from service.auth.service import Role, create_key
    from service.listings.tables import ListingAssessment
    from service.review.tables import ReviewItem

    item_id = banked["review_item_id"]
    assert client.post("/v1/listings/L-fake/appeal", json={},
                       headers=api_keys.platform).status_code == 200
    with session_factory() as session:
        item = session.get(ReviewItem, item_id)
        assessment = session.get(ListingAssessment, item.assessment_id)
        result = dict(assessment.result)
        result["image_matches"] = [*result["image_matches"], {**result["image_matches"][0],
                                                              "photo_index": 0}]
        assessment.result = result
        other = create_key(session, Role.moderator, "second-moderator")
        session.commit()
    second = {"Authorization": f"Bearer {other.secret}"}
    assert client.post(f"/v1/review/items/{item_id}/claim", headers=second).status_code == 200
    assert client.post(f"/v1/review/items/{item_id}/decision", headers=second, json={
        "decision": "remove", "reason_codes": ["counterfeit"]}).status_code == 200
    [entry] = _entries(session_factory)
    assert entry.removed_at is not None
