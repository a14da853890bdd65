"""A photo as portrait feeds crop it (4:5, 3:4) is among a popular photo's variant views, so
a screenshot of such a feed counts towards the photo's popularity."""

from __future__ import annotations

from PIL import Image
from skimage import data

from models.banks.hashes import bank_hashes
from models.banks.index import BankIndex
from models.hashing.matcher import query_hashes
from models.networks.variants import VARIANT_RULES, accepted, feed_views, variant_views


def _centre(img: Image.Image, ratio: float) -> Image.Image:
    w, h = img.size
    cw = round(h * ratio)
    return img.crop(((w - cw) // 2, 0, (w - cw) // 2 + cw, h))


def test_feed_crops_of_a_landscape_photo_are_views_and_match() -> None:
    photo = Image.fromarray(data.coffee())  # 600 x 400
    names = [v.view for v in feed_views(photo)]
    assert names == ["feed-4x5", "feed-3x4"]
    views = variant_views(photo)
    assert {"feed-4x5", "feed-3x4"} <= {v.view for v in views} and len(views) > len(names)
    index, bank_only = BankIndex(), BankIndex()
    index.add(1, views)
    bank_only.add(1, bank_hashes(photo))
    for ratio in (4 / 5, 3 / 4):
        cropped = query_hashes(_centre(photo, ratio).resize((320, round(320 / ratio))))
        assert accepted(index, VARIANT_RULES, cropped), ratio
        assert not accepted(bank_only, VARIANT_RULES, cropped), ratio  # the bank's views miss it


def test_a_photo_already_in_the_frame_has_no_feed_crop_of_that_ratio() -> None:
    photo = _centre(Image.fromarray(data.coffee()), 4 / 5)
    assert [v.view for v in feed_views(photo)] == ["feed-3x4"]  # 4:5 is the photo itself
    assert feed_views(_centre(Image.fromarray(data.coffee()), 3 / 4).crop((0, 0, 300, 390))) \
        == []
