"""A screenshot's letterboxed photo: its content regions (flat bands cut, side by side) are
found among a popular photo's variant views, where the hash stage's regions are not."""

from __future__ import annotations

import numpy as np
from PIL import Image
from skimage import data

from models.banks.index import BankIndex
from models.hashing.matcher import query_hashes
from models.networks.content import content_regions, trim_sides
from models.networks.variants import VARIANT_RULES, accepted, variant_views
from tests.support.screens import viewer_screenshot


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
