"""Moderation decisions exported as labelled listings the risk trainer can read."""

from __future__ import annotations

import base64

from trustdata.captions.written import load_moderation
from trustdata.listings.io import read_jsonl, to_signals

from models.risk.features import FEATURE_INDEX, extract_features
from service.kit.db import utcnow
from service.listings.tables import Listing, ListingAssessment
from service.review import service as review
from service.review.export import export_labels


def test_decisions_become_training_records(client, api_keys, session_factory, photo, tmp_path):
    created = client.post("/v1/catalog/products", headers=api_keys.admin, json={
        "brand": "Vellora", "name": "Bag", "list_price": 10_000, "currency": "CNY"}).json()
    official = photo(55)
    client.post(f"/v1/catalog/products/{created['id']}/images", headers=api_keys.admin,
                files=[("files", ("o.jpg", official, "image/jpeg"))])
    items = {}
    for listing_id, image, price in (("fake", official, 1_500), ("real", photo(56), 9_000),
                                     ("spam", photo(57), 8_000)):
        body = {"listing_id": listing_id, "seller_id": "s1", "price": price, "currency": "CNY",
                "caption": f"包 {listing_id}", "images": [{"data": base64.b64encode(image).decode()}]}
        # wait=deep: both matching stages now, no deep check re-scoring behind the test's back
        client.post("/v1/listings/score", json=body, headers=api_keys.platform,
                    params={"wait": "deep"})
    # Push every listing into the queue regardless of its score, to decide all three.
    with session_factory() as session:
        for listing in session.query(Listing).all():
            assessment = session.query(ListingAssessment).filter_by(listing_pk=listing.id).one()
            assessment.decision = "review"
            item = review.enqueue(session, listing, assessment, utcnow())
            assert item is not None
            items[listing.listing_id] = item.id
        session.commit()
    decisions = {"fake": ("remove", ["counterfeit"]), "real": ("approve", []),
                 "spam": ("remove", ["spam"])}
    for listing_id, (decision, codes) in decisions.items():
        item_id = items[listing_id]
        client.post(f"/v1/review/items/{item_id}/claim", headers=api_keys.moderator)
        client.post(f"/v1/review/items/{item_id}/decision", headers=api_keys.moderator,
                    json={"decision": decision, "reason_codes": codes})
    out = tmp_path / "labels.jsonl"
    with session_factory() as session:
        assert export_labels(session, out) == 2
    records = {r["listing_id"]: r for r in read_jsonl(out)}
    assert {k: r["label"] for k, r in records.items()} == {"fake": 1, "real": 0}
    assert records["fake"]["caption"]["text"] == "包 fake"
    assert {(r["text"], r["label"]) for r in load_moderation(out)} == {("包 fake", 1), ("包 real", 0)}
    fake = extract_features(to_signals(records["fake"])).values
    assert fake[FEATURE_INDEX["price_far_below_list"]] > 0
    assert fake[FEATURE_INDEX["official_photo_unauthorized_below_list"]] > 0
