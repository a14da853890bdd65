"""Every body the listing scorer sends as plain JSON is exactly a `ScoreOut`.

The scoring route answers with pre-rendered JSON (the stored re-score path sends the stored
assessment without validating it again), so its declared response model is not applied by
the framework: this checks it. Each body must validate, and dumping the validated model must
give the same JSON back (no missing, extra or re-typed field).
"""

from __future__ import annotations

from typing import Any

from service.listings.schemas import ScoreOut


def exactly_a_score_out(body: dict[str, Any]) -> ScoreOut:
    model = ScoreOut.model_validate(body)
    assert model.model_dump(mode="json") == body
    return model


def test_fresh_stored_pending_and_rechecked_bodies_are_score_outs(client, api_keys, official,
                                                                   score, photo):
    bodies = []
    flagged = score([photo(7), official.photo, photo(8)], price=2_400, seller_id="unknown-shop")
    bodies.append(flagged.json())  # fresh, flagged, deep check pending
    assert bodies[-1]["image_check"]["status"] == "pending"
    client.app.state.trust.deep_checks.get().drain()  # type: ignore[attr-defined]
    again = score([photo(7), official.photo, photo(8)], price=2_400, seller_id="unknown-shop")
    bodies.append(again.json())  # stored, after the deep check completed it
    assert bodies[-1]["stored"] is True
    assert bodies[-1]["image_check"]["status"] == "complete"
    allowed = score([official.photo], listing_id="L-2", seller_id="authorized-shop")
    bodies.append(allowed.json())  # fresh, allowed, hash stage only
    waited = score([photo(9)], listing_id="L-3", wait="deep", caption="")
    bodies.append(waited.json())  # fresh, both stages in the request, no caption
    fetched = client.get("/v1/listings/L-1", headers=api_keys.platform)
    bodies.append(fetched.json())  # GET, through the declared response model
    for response in (flagged, again, allowed, waited, fetched):
        assert response.status_code == 200, response.text
    models = [exactly_a_score_out(body) for body in bodies]
    assert models[0].review_item_id is not None
    assert models[0].image_check.deep_check_id is not None
    assert models[2].decision == "allow"
    assert models[3].image_check.stages == ["hash", "local"]
