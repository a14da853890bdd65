"""A screenshot's letterboxed photo: its content regions (flat bands cut, side by side) are
found among a popular photo's variant views, where the hash stage's regions are not; so is a
web page's pillarboxed photo, through the picture between its black bars."""

from __future__ import annotations

import numpy as np
from PIL import Image
from skimage import data
from trustdata.copydetect.sources import product_shot

from models.banks.index import BankIndex
from models.hashing.matcher import query_hashes
from models.networks.content import (
    BOXED,
    boxed_pictures,
    content_regions,
    screen_pictures,
    trim_sides,
)
from models.networks.variants import VARIANT_RULES, accepted, variant_views
from tests.support.screens import page_screenshot, viewer_screenshot


def test_trim_sides_cuts_bands_of_any_colour_on_each_side() -> None:
    gray = np.full((100, 120), 250.0, dtype=np.float32)
    gray[10:90, 5:115] = 0.0  # black bars ...
    rng = np.random.default_rng(0)
    gray[25:75, 5:115] = rng.uniform(0, 255, (50, 110))  # ... around a photo
    assert trim_sides(gray, (0, 0, 120, 100)) == (5, 25, 115, 75)
    flat = np.full((40, 40), 128.0, dtype=np.float32)
    assert trim_sides(flat, (0, 0, 40, 40))[2:] >= (24, 24)  # never below the smallest side


def test_letterboxed_photo_is_found_through_its_content_regions() -> None:
    photo = Image.fromarray(data.coffee())
    index = BankIndex()
    index.add(1, variant_views(photo))
    shot = viewer_screenshot(photo)
    assert not accepted(index, VARIANT_RULES, query_hashes(shot))  # the regions miss it
    content = content_regions(shot)
    assert content and all(h.name.endswith("-content") for h in content)
    assert accepted(index, VARIANT_RULES, content)


def test_a_photo_without_bands_has_no_content_regions_of_another_photo() -> None:
    other = Image.fromarray(data.astronaut())
    index = BankIndex()
    index.add(1, variant_views(Image.fromarray(data.coffee())))
    assert not accepted(index, VARIANT_RULES, content_regions(viewer_screenshot(other)))


def _pillarboxed() -> np.ndarray:
    gray = np.full((200, 300), 245.0, dtype=np.float32)
    gray[20:60, 10:290] = 120.0  # another block of the page
    gray[100:200, 60:240] = 0.0  # black bars, down to the bottom edge ...
    rng = np.random.default_rng(1)
    gray[100:200, 80:220] = rng.uniform(40, 255, (100, 140))  # ... either side of a photo
    return gray


def test_boxed_pictures_are_the_picture_between_two_bars_of_one_extent() -> None:
    gray = _pillarboxed()
    assert boxed_pictures(gray) == [(80, 100, 220, 200)]
    assert boxed_pictures(np.ascontiguousarray(gray.T)) == [(100, 80, 200, 220)]  # letterbox
    one_bar = gray.copy()
    one_bar[100:200, 220:240] = 245.0  # a dark block beside a photo is no frame
    assert boxed_pictures(one_bar) == []
    for photo in (data.coffee(), data.astronaut(), data.camera(), data.moon()):
        gray = np.asarray(Image.fromarray(photo).convert("L"), dtype=np.float32)
        assert boxed_pictures(gray) == []


def test_a_web_page_pillarboxed_photo_is_found_through_its_boxed_picture() -> None:
    for photo in (Image.fromarray(data.coffee()), Image.fromarray(data.rocket())):
        index = BankIndex()
        index.add(1, variant_views(photo))
        shot = page_screenshot(photo)
        assert not accepted(index, VARIANT_RULES, query_hashes(shot))
        content = content_regions(shot)
        found = {content[q].name for q, _ in accepted(index, VARIANT_RULES, content)}
        assert BOXED in found


def test_a_screenshots_picture_is_stored_and_a_product_shots_block_is_not() -> None:
    coffee = Image.fromarray(data.coffee())
    index = BankIndex()
    index.add(1, variant_views(coffee))
    for shot in (viewer_screenshot(coffee), page_screenshot(coffee)):
        pictures = screen_pictures(shot)
        assert accepted(index, VARIANT_RULES, pictures)  # the screen's picture is the photo
    assert BOXED in {p.name for p in screen_pictures(page_screenshot(coffee))}
    # products on plain backgrounds: a block is the product, with no page around it
    for seed in range(10):
        assert screen_pictures(product_shot(7_000_000 + seed, 800)) == [], seed
    assert screen_pictures(coffee) == []
