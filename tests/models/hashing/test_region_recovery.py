"""Query-side recovery on layouts generated in the test."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image
from trustdata.copydetect import layouts

from models.hashing.regions import grid_cells, photo_block, recover_regions, trim_box


def _gray(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("L"), dtype=np.float32)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union


def test_nine_grid_splits_into_its_cells(astronaut: Image.Image, coffee: Image.Image,
                                         products: list[Image.Image]) -> None:
    fillers = [coffee, *products[:8]]
    grid = layouts.grid(astronaut, random.Random(4), fillers, 3).resize((400, 400))
    cells = grid_cells(_gray(grid), (0, 0, 400, 400))
    assert len(cells) == 9
    for cell in cells:
        assert 0.8 < (cell[2] - cell[0]) / (400 / 3) < 1.2


def test_one_photo_is_not_split(astronaut: Image.Image) -> None:
    img = astronaut.resize((400, 400))
    assert grid_cells(_gray(img), (0, 0, 400, 400)) == []


def test_padding_is_trimmed(coffee: Image.Image) -> None:
    canvas = Image.new("RGB", (500, 400), (255, 255, 255))
    canvas.paste(coffee.resize((300, 200)), (120, 90))
    box = trim_box(_gray(canvas), (0, 0, 500, 400))
    assert _overlap(box, (120, 90, 420, 290)) > 0.95


def test_photo_is_found_inside_an_app_screenshot(astronaut: Image.Image) -> None:
    shot = layouts.app_screenshot(astronaut, random.Random(2))
    shot = shot.resize((round(shot.width * 400 / shot.height), 400))
    block = photo_block(_gray(shot))
    assert block is not None
    # The photo spans the screen's width and a good part of its height, not the chrome.
    assert block[2] - block[0] > 0.8 * shot.width
    assert 0.25 * shot.height < block[3] - block[1] < 0.8 * shot.height


def test_regions_are_named_and_unique(astronaut: Image.Image) -> None:
    regions = recover_regions(_gray(astronaut.resize((300, 300))))
    names = [r.name for r in regions]
    assert names[0] == "full"
    assert len(set(names)) == len(names)
    assert len({r.box for r in regions}) == len(regions)
