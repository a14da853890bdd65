"""The image gate against what the outside test found: strips, JPEGs whose data ran out,
bytes after an image's end, and decoded pixels bounded per request and per process."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from models.hashing.local import catalog_features, query_features
from service.app.factory import create_app
from service.images.budget import Overloaded, PixelBudget
from service.images.container import image_end
from service.images.gate import (
    DegenerateImage,
    ImageLimits,
    Probe,
    check_request_pixels,
    decode_image,
    probe,
)
from service.kit.errors import PayloadTooLarge, Unprocessable


def _save(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def _noise(w: int, h: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8))


@pytest.mark.parametrize(("size", "fmt"), [((20_000, 16), "PNG"), ((40_000, 16), "JPEG"),
                                           ((16, 20_000), "PNG")])
def test_strips_are_named_before_decoding(size: tuple[int, int], fmt: str) -> None:
    data = _save(Image.new("RGB", size, (200, 20, 20)), fmt)
    with pytest.raises(DegenerateImage) as refused:
        decode_image(data, ImageLimits())
    assert refused.value.code == "image_aspect_ratio"
    assert refused.value.status_code == 422
    decode_image(_save(Image.new("RGB", (320, 16)), "PNG"), ImageLimits())  # 20:1 is fine


@pytest.mark.parametrize("size", [(20_000, 16), (16, 20_000), (1024, 1), (3000, 40)])
def test_the_keypoint_stage_takes_any_frame(size: tuple[int, int]) -> None:
    # These made OpenCV's ORB pyramid assert; a strip simply has no keypoints.
    img = _noise(*size)
    features, _ = query_features(img)
    assert len(features) == 0
    assert len(catalog_features(img)) == 0


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_whose_data_ran_out_is_refused(progressive: bool) -> None:
    full = _save(_noise(375, 375).resize((6000, 6000)), "JPEG", quality=70,
                 progressive=progressive)
    for cut in (full[:48_000] + b"\xff\xd9", full[:48_000]):
        for side in (None, 1024):
            with pytest.raises(Unprocessable) as refused:
                decode_image(cut, ImageLimits(), draft_side=side)
            assert refused.value.code in {"image_truncated", "image_corrupt"}
    with pytest.raises(Unprocessable) as closed:
        decode_image(full[:48_000] + b"\xff\xd9", ImageLimits())
    assert closed.value.code == "image_truncated"


def test_a_photo_that_really_ends_in_mid_grey_is_kept() -> None:
    img = _noise(256, 256)
    img.paste((128, 128, 128), (0, 192, 256, 256))  # a flat #808080 bottom band
    data = _save(img, "JPEG", quality=90)
    decoded = decode_image(data, ImageLimits())
    assert np.asarray(decoded.image)[-1].min() == 128 == np.asarray(decoded.image)[-1].max()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_bytes_after_the_image_are_dropped(fmt: str) -> None:
    image = _save(_noise(64, 48).convert("P") if fmt == "GIF" else _noise(64, 48), fmt)
    assert image_end(image, fmt) == len(image)
    tail = b"PK\x03\x04<html><script>alert(1)</script>"
    decoded = decode_image(image + tail, ImageLimits())
    assert decoded.data == image
    assert decoded.byte_size == len(image)


def test_the_exif_thumbnail_does_not_end_a_jpeg_early() -> None:
    thumb = _save(_noise(32, 32), "JPEG")  # an EXIF block holding a whole JPEG
    exif = b"Exif\x00\x00" + thumb
    photo = _save(_noise(96, 96), "JPEG")
    data = photo[:2] + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + photo[2:]
    assert image_end(data, "JPEG") == len(data)


def test_reduced_decode_keeps_the_true_size() -> None:
    data = _save(Image.new("RGB", (3000, 2000), (10, 200, 30)), "PNG")
    decoded = decode_image(data, ImageLimits(), draft_side=400)
    assert (decoded.full_width, decoded.full_height) == (3000, 2000)
    assert max(decoded.image.size) < 800 and max(decoded.image.size) >= 400


def test_request_pixels_are_bounded_before_decoding() -> None:
    limits = ImageLimits(max_request_pixels=1_000_000)
    check_request_pixels([Probe("PNG", 1000, 1000)], limits)  # at the limit
    with pytest.raises(PayloadTooLarge) as refused:
        check_request_pixels([Probe("PNG", 1000, 1000), Probe("PNG", 10, 10)], limits)
    assert refused.value.code == "request_too_many_pixels"
    assert probe(_save(Image.new("RGB", (40, 30)), "PNG"), limits).pixels == 1200


def test_the_budget_waits_then_sheds() -> None:
    budget = PixelBudget(1000, wait_seconds=0.0)
    with budget.hold(600):
        with pytest.raises(Overloaded) as shed:
            with budget.hold(600):
                pass
        assert shed.value.status_code == 503
        assert shed.value.headers == {"Retry-After": "2"}
        with budget.hold(400):
            assert budget.used == 1000
    with budget.hold(5000):  # larger than the whole budget: runs, alone
        assert budget.used == 1000
    assert budget.used == 0 and budget.shed == 1

    waiting = PixelBudget(1000, wait_seconds=60.0)
    order: list[str] = []
    first_in, release = threading.Event(), threading.Event()

    def first() -> None:
        with waiting.hold(800):
            first_in.set()
            release.wait(60)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(60)
    threading.Timer(0.05, release.set).start()
    with waiting.hold(800):  # waits for the first to give its pixels back
        order.append("second in")
    thread.join(60)
    assert order == ["first done", "second in"]
    assert waiting.peak == 800


def test_a_request_beyond_the_budget_gets_503_with_retry_after(make_settings, database_url,
                                                               api_keys) -> None:
    settings = make_settings(database_url=database_url, decode_budget_pixels=1_000_000,
                             decode_wait_seconds=0.0)
    photo = _save(_noise(800, 800), "PNG")
    with TestClient(create_app(settings, load_in_background=False)) as client:
        budget = client.app.state.trust.image_limits.budget  # type: ignore[attr-defined]
        with budget.hold(budget.capacity):  # another request holds every pixel
            busy = client.post("/v1/images/match", headers=api_keys.platform,
                               files=[("files", ("p.png", photo, "image/png"))])
        assert busy.status_code == 503, busy.text
        assert busy.json()["error"]["code"] == "server_busy"
        assert busy.headers["retry-after"] == "2"
        assert client.post("/v1/images/match", headers=api_keys.platform,
                           files=[("files", ("p.png", photo, "image/png"))]).status_code == 200
        assert budget.used == 0


def test_every_response_says_nosniff(client: TestClient, api_keys) -> None:
    for response in (client.get("/health/live"), client.get("/v1/catalog/products"),
                     client.get("/nowhere"),
                     client.post("/v1/images/match", headers=api_keys.platform, json={})):
        assert response.headers["x-content-type-options"] == "nosniff", response.url
