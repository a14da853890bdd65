"""A strip photo (20000x16, 40000x16) in a listing never changes the verdict on its other
photos: it is skipped and flagged, the others still go through the hash stage, the inline
keypoint stage and the deep check, and the deep check completes."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from sqlalchemy import select

from service.listings import deep_check
from service.listings import service as listings_service
from service.listings.runtime import thresholds_for
from service.listings.schemas import ListingFields
from service.listings.tables import ListingDeepCheck, ListingDeepCheckPhoto


def _crop70(photo: bytes) -> bytes:
    img = Image.open(io.BytesIO(photo)).convert("RGB")
    w, h = img.size
    out = io.BytesIO()
    img.crop((int(w * .15), int(h * .15), int(w * .85), int(h * .85))).save(out, "JPEG",
                                                                              quality=90)
    return out.getvalue()


def _strip(width: int, fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, 16), (190, 40, 40)).save(out, fmt)
    return out.getvalue()


STRIPS = [pytest.param(_strip(20_000, "PNG"), id="png-20000x16"),
          pytest.param(_strip(40_000, "JPEG"), id="jpeg-40000x16")]


def _verdict(body: dict) -> tuple:
    return (body["risk"], body["decision"],
            sorted((m["photo_index"], m["product_id"]) for m in body["image_matches"]))


@pytest.mark.parametrize("strip", STRIPS)
def test_wait_deep_verdict_is_the_same_with_a_strip(official, score, strip: bytes) -> None:
    crop = _crop70(official.photo)
    alone = score([crop], listing_id="L-alone", wait="deep")
    assert alone.status_code == 200, alone.text
    assert [m["product_id"] for m in alone.json()["image_matches"]] == [official.product_id]
    # The strip first: the crop keeps its own index, and so do its matches.
    both = score([strip, crop], listing_id="L-strip", wait="deep")
    assert both.status_code == 200, both.text
    body = both.json()
    assert body["image_check"]["status"] == "complete"
    assert [(s["photo_index"], s["code"]) for s in body["image_check"]["skipped_photos"]] == \
        [(0, "image_aspect_ratio")]
    assert body["photos_checked"] == 1
    a, b = _verdict(alone.json()), _verdict(body)
    assert (a[0], a[1]) == (b[0], b[1])
    assert b[2] == [(1, official.product_id)]


@pytest.mark.parametrize("strip", STRIPS)
def test_deep_check_completes_and_agrees_with_a_strip(client, official, score,
                                                      strip: bytes) -> None:
    crop = _crop70(official.photo)
    finals = []
    for listing_id, images in (("L-a", [crop]), ("L-b", [crop, strip])):
        first = score(images, listing_id=listing_id)
        assert first.status_code == 200, first.text
        client.app.state.trust.deep_checks.get().drain()
        final = score(images, listing_id=listing_id)  # the newest assessment of this content
        assert final.json()["image_check"]["status"] == "complete", final.text
        finals.append(final.json())
    with client.app.state.trust.session_factory() as session:
        assert set(session.scalars(select(ListingDeepCheck.status))) <= {"done"}
    assert _verdict(finals[0])[:2] == _verdict(finals[1])[:2]
    assert [m["product_id"] for m in finals[1]["image_matches"]] == [official.product_id]
    assert finals[1]["image_check"]["skipped_photos"][0]["photo_index"] == 1


def test_only_a_strip_is_scored_without_matching(score) -> None:
    response = score([_strip(20_000, "PNG")], listing_id="L-only")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["photos_checked"] == 0
    assert "matching_unavailable" in {r["code"] for r in body["reasons"]}


def test_a_strip_is_refused_where_it_is_the_whole_request(client, api_keys, official) -> None:
    for strip in (_strip(20_000, "PNG"), _strip(40_000, "JPEG")):
        match = client.post("/v1/images/match", headers=api_keys.platform,
                            files=[("files", ("s.png", strip, "image/png"))])
        assert match.status_code == 422, match.text
        assert match.json()["error"]["code"] == "image_aspect_ratio"
        upload = client.post(f"/v1/catalog/products/{official.product_id}/images",
                             headers=api_keys.admin,
                             files=[("files", ("s.png", strip, "image/png"))])
        assert upload.status_code == 422, upload.text
        assert upload.json()["error"]["code"] == "image_aspect_ratio"


def test_a_stored_strip_does_not_fail_a_deep_check(client, official, photo) -> None:
    """A check whose photos include a strip (stored before strips were skipped at the
    request) completes with the other photos checked."""
    state = client.app.state.trust
    fields = ListingFields(listing_id="legacy", seller_id="s-1", price=2_400, currency="CNY")
    body = listings_service.score(state, state.listings.get(), "shop-a", fields, [photo(5)],
                                  thresholds_for(state.settings, "shop-a"),
                                  time.perf_counter(), deep_backend="inprocess").body
    check_id = body["image_check"]["deep_check_id"]
    assert check_id is not None
    strip = _strip(20_000, "PNG")
    with state.session_factory() as session:
        session.add(ListingDeepCheckPhoto(check_id=check_id, photo_index=1, sha256="0" * 64,
                                          data=strip))
        session.commit()
    assert deep_check.run(state, state.listings.get(), check_id) == "no_new_matches"
