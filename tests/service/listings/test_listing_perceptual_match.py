"""The scorer finds official photos that were re-posted, not only byte-identical copies,
and cached per-photo results never outlive a catalog change."""

from __future__ import annotations

import io

from PIL import Image, ImageOps


def reposted(photo: bytes) -> bytes:
    """Mirrored, shrunk and recompressed: what a reseller's feed does to an official photo."""
    img = ImageOps.mirror(Image.open(io.BytesIO(photo)).convert("RGB")).resize((300, 300))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=70)
    return out.getvalue()


def reasons(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return {reason["code"] for reason in response.json()["reasons"]}


def test_reposted_official_photo_is_matched(official, score) -> None:
    response = score([reposted(official.photo)], price=2_400, seller_id="cheap-shop")
    assert "official_photo_unauthorized_seller" in reasons(response)
    assert [m["catalog_image_id"] for m in response.json()["image_matches"]] == [
        official.image_id]
    assert response.json()["decision"] in {"review", "block"}


def test_catalog_change_is_seen_despite_the_photo_cache(client, api_keys, photo, score) -> None:
    listing_photo = photo(202, size=400)
    before = score([listing_photo], listing_id="C-1", price=100)
    assert "official_photo_unauthorized_seller" not in reasons(before)

    product = client.post("/v1/catalog/products", headers=api_keys.admin, json={
        "brand": "Vellora", "name": "Later", "list_price": 12_000, "currency": "CNY"}).json()
    enrolled = client.post(f"/v1/catalog/products/{product['id']}/images", headers=api_keys.admin,
                           files=[("files", ("x.jpg", listing_photo, "image/jpeg"))])
    assert enrolled.status_code == 201

    after = score([listing_photo], listing_id="C-2", price=100)
    assert "official_photo_unauthorized_seller" in reasons(after)
