"""Pixels for a simulated supplier network: originals, and each listing's edited copy.

Originals: official catalog photos are studio product shots (copydetect's generator); the
photos a supplier takes of its fakes, and the sellers' own photos, are product shots of
their own seeds as a phone takes them (colour cast, vignette, sensor noise), so none of them
is a photo of any catalog product; stock photos are whole sample photos that ship with
installed packages. Repost edits are copydetect's transforms, looked up by name.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from PIL import Image

from trustdata.copydetect.sources import package_photos, product_shot
from trustdata.copydetect.transforms import ALL
from trustdata.supplynet.world import PhotoSource

EDITS = {t.name: t.fn for t in ALL}
# Edits whose output is a bigger composition around the photo (kept at composite_side).
COMPOSITE_EDITS = frozenset({"screenshot", "grid9", "grid4", "collage"})
# Whole sample photos, in the order stock photos take them.
STOCK_PHOTOS = ("coffee", "chelsea", "rocket", "china", "flower", "motorcycle_left",
                "astronaut", "grace_hopper")


def phone_look(img: Image.Image, rng: random.Random) -> Image.Image:
    """What a phone camera does to a shot: a colour cast, a vignette, sensor noise."""
    arr = np.asarray(img.convert("RGB"), dtype=np.float64)
    h, w = arr.shape[:2]
    warm = rng.uniform(-0.06, 0.1)
    arr = arr * np.array([1 + warm, 1.0, 1 - warm]) * rng.uniform(0.85, 1.05)
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2)) / np.sqrt(2)
    arr *= (1 - rng.uniform(0.1, 0.3) * r**2)[:, :, None]
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(1.5, 4.5), arr.shape)
    return Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))


@lru_cache(maxsize=1)
def _stock_images() -> dict[str, Image.Image]:
    whole = {p.name.removeprefix("photo-").rsplit("-", 1)[0]: p.image
             for p in package_photos(min_tile=10**6)}
    return {str(k): whole[name] for k, name in enumerate(STOCK_PHOTOS) if name in whole}


def fit(img: Image.Image, side: int) -> Image.Image:
    """Scaled so the long side is `side` (down or up), as an upload pipeline stores it."""
    scale = side / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                      Image.Resampling.BICUBIC)


def render_original(source: PhotoSource, side: int) -> Image.Image:
    if source.kind == "stock":
        return fit(_stock_images()[str(source.stock_name)], side)
    shot = product_shot(source.seed, side)
    if source.kind == "official":
        return shot
    return phone_look(shot, random.Random(f"phone/{source.seed}"))


def render_edit(original: Image.Image, edit: str, rng: random.Random,
                fillers: Sequence[Image.Image], side: int, composite_side: int) -> Image.Image:
    """`original` as a seller reposts it; never larger than the sizes given."""
    out = original if edit == "none" else EDITS[edit](original, rng, fillers)
    limit = composite_side if edit in COMPOSITE_EDITS else side
    return fit(out, limit) if max(out.size) > limit else out.convert("RGB")


def jpeg(img: Image.Image, quality: int = 88) -> bytes:
    buffer = io.BytesIO()
    img.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
