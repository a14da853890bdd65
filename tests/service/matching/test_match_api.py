"""POST /v1/images/match against the real databases, through the catalog API."""

from __future__ import annotations

import base64
import io
import threading

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from service.app.factory import create_app
from service.matching import repository

EDIT_NAMES = ("grid9", "mirror", "rotate", "screenshot", "collage", "centre_crop60")


def jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def match(client: TestClient, headers: dict[str, str], *images: Image.Image) -> list[dict]:
    files = [("files", (f"q{i}.jpg", jpeg(img), "image/jpeg")) for i, img in enumerate(images)]
    response = client.post("/v1/images/match", headers=headers, files=files)
    assert response.status_code == 200, response.text
    return response.json()["results"]


@pytest.mark.parametrize("edit", EDIT_NAMES)
def test_edited_reposts_match_the_enrolled_image(client, api_keys, enrol, genuine, others,
                                                 edits, edit: str) -> None:
    product_id, image_id = enrol(genuine[0], brand="Maison Verdier")
    enrol(genuine[1], brand="Other House")
    query = edits[edit](genuine[0], others)
    [result] = match(client, api_keys.platform, query)
    best = result["best"]
    assert best is not None, edit
    assert (best["product_id"], best["image_id"], best["brand"]) == (product_id, image_id,
                                                                     "Maison Verdier")
    assert result["matches"][0] == best
    assert best["hash_kind"] in {"phash", "dhash", "pdq", "orb"}
    assert 0 < best["confidence"] <= 1 and best["distance"] >= 0 and best["region"]
    if edit == "grid9" and best["hash_kind"] != "orb":
        assert best["region"].startswith("cell-")
    if edit == "grid9" and best["hash_kind"] == "orb":
        # The verified box is one cell of the 3x3 grid.
        x0, y0, x1, y1 = map(int, best["region"].removeprefix("box:").split(","))
        assert 0.25 * query.width < x1 - x0 < 0.42 * query.width
        assert 0.25 * query.height < y1 - y0 < 0.42 * query.height


def test_results_in_request_order_and_distractors_match_nothing(client, api_keys, enrol,
                                                                 genuine, others) -> None:
    _, astronaut_id = enrol(genuine[0])
    _, coffee_id = enrol(genuine[1])
    results = match(client, api_keys.admin, genuine[1], others[0], genuine[0], others[1])
    assert [r["best"]["image_id"] if r["best"] else None for r in results] == [
        coffee_id, None, astronaut_id, None]
    assert results[1] == {"matches": [], "best": None}


def test_json_base64_images(client, api_keys, enrol, genuine) -> None:
    _, image_id = enrol(genuine[1])
    body = {"images": [{"data": base64.b64encode(jpeg(genuine[1])).decode()}]}
    response = client.post("/v1/images/match", headers=api_keys.platform, json=body)
    assert response.status_code == 200
    assert response.json()["results"][0]["best"]["image_id"] == image_id


def test_index_follows_enroll_and_delete_without_restart(client, api_keys, enrol,
                                                         genuine) -> None:
    assert match(client, api_keys.platform, genuine[0])[0]["best"] is None
    product_id, image_id = enrol(genuine[0])
    assert match(client, api_keys.platform, genuine[0])[0]["best"]["image_id"] == image_id
    assert client.delete(f"/v1/catalog/images/{image_id}",
                         headers=api_keys.admin).status_code == 204
    assert match(client, api_keys.platform, genuine[0])[0]["best"] is None
    _, again = enrol(genuine[0])
    assert match(client, api_keys.platform, genuine[0])[0]["best"]["image_id"] == again
    # Deleting the product removes its images' hashes too.
    products = client.get("/v1/catalog/products", headers=api_keys.admin).json()["items"]
    assert product_id in {p["id"] for p in products}  # the first product is among those deleted
    for p in products:
        assert client.delete(f"/v1/catalog/products/{p['id']}",
                             headers=api_keys.admin).status_code == 204
    assert match(client, api_keys.platform, genuine[0])[0]["best"] is None


def test_a_restarted_app_builds_the_index_from_the_database(client, api_keys, enrol, genuine,
                                                            settings) -> None:
    _, image_id = enrol(genuine[1])
    with TestClient(create_app(settings, load_in_background=False)) as fresh:
        ready = fresh.get("/health/ready").json()
        assert ready["checks"]["matching"] == "ok"
        assert match(fresh, api_keys.platform, genuine[1])[0]["best"]["image_id"] == image_id


def test_another_process_change_is_seen(client, api_keys, enrol, genuine, settings) -> None:
    """A second app (another worker) sees the first one's enrollment via the change log."""
    second_settings = settings.model_copy(update={"matching_sync_seconds": 0.0})
    with TestClient(create_app(second_settings, load_in_background=False)) as worker_b:
        assert match(worker_b, api_keys.platform, genuine[0])[0]["best"] is None
        _, image_id = enrol(genuine[0])  # through worker A
        assert match(worker_b, api_keys.platform, genuine[0])[0]["best"]["image_id"] == image_id


def test_not_ready_until_the_index_is_loaded(client, api_keys, genuine) -> None:
    state = client.app.state.trust
    index = state.matching.unset()
    try:
        response = client.post("/v1/images/match", headers=api_keys.platform,
                               files=[("files", ("a.jpg", jpeg(genuine[0]), "image/jpeg"))])
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "matching_not_ready"
    finally:
        state.matching.set(index)


@pytest.mark.parametrize(("payload", "status", "code"), [
    ([("files", ("a.jpg", b"not an image at all", "image/jpeg"))], 415,
     "unsupported_image_format"),
    ([("files", ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg"))], 422,
     "image_corrupt"),
    ([("files", ("a.jpg", b"", "image/jpeg"))], 422, "image_empty"),
])
def test_bad_images_are_4xx(client, api_keys, payload, status: int, code: str) -> None:
    response = client.post("/v1/images/match", headers=api_keys.platform, files=payload)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_ten_images_are_refused(client, api_keys, genuine) -> None:
    files = [("files", (f"{i}.jpg", jpeg(genuine[0].resize((64, 64))), "image/jpeg"))
             for i in range(10)]
    response = client.post("/v1/images/match", headers=api_keys.platform, files=files)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_images"


def test_roles(client, api_keys, genuine) -> None:
    files = [("files", ("a.jpg", jpeg(genuine[0]), "image/jpeg"))]
    assert client.post("/v1/images/match", files=files).status_code == 401
    assert client.post("/v1/images/match", headers=api_keys.moderator,
                       files=files).status_code == 403


def test_hash_stage_only_on_request(client, api_keys, enrol, genuine, others, edits) -> None:
    _, image_id = enrol(genuine[0])
    tile = edits["collage"](genuine[0], others)
    [both] = match(client, api_keys.platform, tile)
    assert both["best"]["image_id"] == image_id
    assert both["best"]["hash_kind"] == "orb"  # only the keypoint stage finds this tile
    files = [("files", (f"q{i}.jpg", jpeg(img), "image/jpeg"))
             for i, img in enumerate((tile, genuine[0]))]
    response = client.post("/v1/images/match", params={"stages": "hash"}, files=files,
                           headers=api_keys.platform)
    assert response.status_code == 200, response.text
    quick, exact = response.json()["results"]
    assert quick == {"matches": [], "best": None}
    assert exact["best"]["image_id"] == image_id
    assert exact["best"]["hash_kind"] in {"phash", "dhash", "pdq"}
    bad = client.post("/v1/images/match", params={"stages": "fast"}, files=files,
                      headers=api_keys.platform)
    assert bad.status_code == 422


def test_descriptor_index_follows_enrol_and_delete_across_workers(
        client, api_keys, enrol, genuine, settings) -> None:
    """The ANN index of another worker sees an enrolment and a deletion through the change
    log, and its view descriptors are stored with the hashes."""
    second_settings = settings.model_copy(update={"matching_sync_seconds": 0.0})
    with TestClient(create_app(second_settings, load_in_background=False)) as worker_b:
        index_b = worker_b.app.state.trust.matching.get()
        _, image_id = enrol(genuine[0])  # through worker A
        assert image_id not in index_b.matcher.descriptors  # until B syncs (on its next match)
        assert match(worker_b, api_keys.platform, genuine[0])[0]["best"]["image_id"] == image_id
        assert image_id in index_b.matcher.descriptors
        with worker_b.app.state.trust.session_factory() as session:
            stored = repository.descriptors_of(session, [image_id])[image_id]
        assert stored.shape == (3, 256)
        assert index_b.matcher.descriptors.search(stored[:1], 1)[0][0] == image_id
        assert client.delete(f"/v1/catalog/images/{image_id}",
                             headers=api_keys.admin).status_code == 204
        assert match(worker_b, api_keys.platform, genuine[0])[0]["best"] is None
        assert image_id not in index_b.matcher.descriptors


def test_an_uploads_photos_analysed_on_threads_are_stored_under_their_own_ids(
        client, api_keys, genuine, others, monkeypatch) -> None:
    from service.catalog.hooks import CATALOG_IMAGE_HOOKS
    from service.matching import service as matching_service

    [hook] = [h for h in CATALOG_IMAGE_HOOKS if isinstance(h, matching_service.MatchingCatalogHook)]
    monkeypatch.setattr(hook, "threads", 2)
    real, seen = matching_service.analyse_catalog, set()

    def recording(image: Image.Image) -> object:
        seen.add(threading.current_thread().name)
        return real(image)

    monkeypatch.setattr(matching_service, "analyse_catalog", recording)
    product = client.post("/v1/catalog/products", headers=api_keys.admin, json={
        "brand": "Maison Verdier", "name": "threaded upload", "list_price": 100,
        "currency": "USD"}).json()
    photos = [genuine[0], others[2], genuine[1], others[3]]
    uploaded = client.post(f"/v1/catalog/products/{product['id']}/images", headers=api_keys.admin,
                           files=[("files", (f"p{i}.jpg", jpeg(p), "image/jpeg"))
                                  for i, p in enumerate(photos)])
    assert uploaded.status_code == 201, uploaded.text
    ids = [image["id"] for image in uploaded.json()["images"]]
    assert len(seen) == 2 and all(n.startswith("catalog-analysis") for n in seen)
    # Each photo finds its own id: evidence written out of upload order would name another.
    results = match(client, api_keys.platform, *photos)
    assert [r["best"]["image_id"] if r["best"] else None for r in results] == ids
