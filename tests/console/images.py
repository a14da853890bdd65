"""Listing photos made in code from the demo catalog's drawn product shots: a collage with a
catalog photo in one tile, and an app screenshot around one."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from service.catalog.demo import product_photo


def _png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def collage(seeds: tuple[int, int, int, int], tile: int = 300, gap: int = 10) -> bytes:
    """A 2x2 grid, tiles in reading order (index 1 is the top-right tile)."""
    side = 2 * tile + gap
    grid = Image.new("RGB", (side, side), "white")
    for i, seed in enumerate(seeds):
        photo = Image.open(io.BytesIO(product_photo(seed))).resize((tile, tile))
        grid.paste(photo, ((i % 2) * (tile + gap), (i // 2) * (tile + gap)))
    return _png(grid)


def screenshot(seed: int) -> bytes:
    """The photo inside a phone app's frame: status bar, title, buttons under it."""
    frame = Image.new("RGB", (540, 1000), (245, 245, 245))
    draw = ImageDraw.Draw(frame)
    draw.rectangle((0, 0, 540, 60), fill=(30, 30, 30))
    draw.rectangle((0, 60, 540, 140), fill=(255, 255, 255))
    draw.text((20, 90), "Shop  >  Bags", fill=(20, 20, 20))
    frame.paste(Image.open(io.BytesIO(product_photo(seed))).resize((500, 500)), (20, 180))
    draw.rectangle((20, 720, 520, 790), fill=(230, 60, 60))
    draw.text((40, 745), "Buy now  $650", fill=(255, 255, 255))
    return _png(frame)


def photo(seed: int) -> bytes:
    return product_photo(seed)
