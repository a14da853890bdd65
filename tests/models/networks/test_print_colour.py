"""Prints carry a coarse colour layout: two products posed alike in different colours are
different photos, while filtered, recompressed copies of one photo stay the same photo."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance

from models.hashing.decode import decode_for_matching
from models.hashing.matcher import query_hashes
from models.networks.prints import (
    HASH_BYTES,
    PhotoPrint,
    coarse_colour,
    hue_distance,
    same_photo,
    whole_print,
)
from models.networks.rules import HUE_MAX_DEGREES


def _shot(fill: tuple[int, int, int]) -> Image.Image:
    """A product on a grey studio gradient; the pose is the same whatever the colour."""
    y = np.linspace(200, 150, 480)[:, None, None]
    img = Image.fromarray(np.repeat(np.repeat(y, 480, axis=1), 3, axis=2).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((150, 120, 250, 380), radius=30, fill=fill)
    draw.ellipse((180, 220, 350, 380), fill=fill)
    draw.rectangle((140, 360, 360, 400), fill=tuple(int(c * 0.8) for c in fill))
    return img


def _print(img: Image.Image, quality: int = 90) -> PhotoPrint:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    p = whole_print(query_hashes(decode_for_matching(buf.getvalue())))
    assert p is not None and p.usable and len(p.colour) == 48
    return p


def test_same_pose_in_another_colour_is_another_photo() -> None:
    teal, olive = _print(_shot((30, 120, 120))), _print(_shot((105, 100, 40)))
    hashes_only = same_photo(teal.code[:HASH_BYTES], olive.code[:HASH_BYTES])
    assert hashes_only is not None  # luma alone cannot tell them apart
    hue = hue_distance(teal.colour, olive.colour)
    assert hue is not None and hue > HUE_MAX_DEGREES
    assert same_photo(teal.code, olive.code) is None


def test_filtered_copies_stay_the_same_photo() -> None:
    original = _shot((30, 120, 120))
    base = _print(original)
    for edit in (lambda i: ImageEnhance.Color(i).enhance(0.4),
                 lambda i: ImageEnhance.Color(i).enhance(1.7),
                 lambda i: ImageEnhance.Brightness(i).enhance(0.7),
                 lambda i: ImageEnhance.Contrast(i).enhance(1.3)):
        copy = _print(edit(original), quality=70)
        assert same_photo(base.code, copy.code) is not None


def test_grey_photos_and_old_codes_are_compared_by_hashes_alone() -> None:
    grey = _print(_shot((90, 90, 90)))
    assert hue_distance(grey.colour, grey.colour) is None
    teal = _print(_shot((30, 120, 120)))
    assert same_photo(teal.code[:HASH_BYTES], _print(_shot((105, 100, 40))).code) is not None
    assert coarse_colour(b"") == b"" and coarse_colour(b"\x00" * 10) == b""
