"""Repost layouts sellers build around a catalog photo: grids, collages, app screenshots.

Each generator takes the photo, a seeded ``random.Random`` and (for grids and collages)
filler photos that are never enrolled, and returns the composed image.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from PIL import Image, ImageDraw

from trustdata.copydetect.sources import brand_word, load_font


def fill_crop(img: Image.Image, w: int, h: int) -> Image.Image:
    """Scale to cover a w x h box and centre-crop: what grid and collage apps do."""
    scale = max(w / img.width, h / img.height)
    nw, nh = max(w, round(img.width * scale)), max(h, round(img.height * scale))
    big = img.resize((nw, nh), Image.Resampling.BICUBIC)
    left, top = (nw - w) // 2, (nh - h) // 2
    return big.crop((left, top, left + w, top + h))


def fit_inside(img: Image.Image, w: int, h: int) -> Image.Image:
    scale = min(w / img.width, h / img.height)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                      Image.Resampling.BICUBIC)


def _gutter_colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.choice(((255, 255, 255), (255, 255, 255), (0, 0, 0), (240, 240, 240)))


def grid(img: Image.Image, rng: random.Random, fillers: Sequence[Image.Image],
         n: int) -> Image.Image:
    """An n x n grid of square cells (the nine-photo post) with the photo in one cell."""
    side = rng.choice((600, 720, 900, 1080))
    gap = rng.choice((0, 2, 4, 6, 10))
    cell = (side - gap * (n - 1)) // n
    canvas = Image.new("RGB", (cell * n + gap * (n - 1),) * 2, _gutter_colour(rng))
    target = rng.randrange(n * n)
    picks = rng.sample(list(fillers), n * n - 1)
    for i in range(n * n):
        photo = img if i == target else picks.pop()
        r, c = divmod(i, n)
        canvas.paste(fill_crop(photo, cell, cell), (c * (cell + gap), r * (cell + gap)))
    return canvas


def collage(img: Image.Image, rng: random.Random, fillers: Sequence[Image.Image]) -> Image.Image:
    """An irregular collage: cells of unequal size from a few common app layouts."""
    w = rng.choice((720, 900, 1080))
    h = int(w * rng.choice((1.0, 1.0, 1.25, 0.75)))
    gap = rng.choice((0, 4, 8))
    layout = rng.choice(("big_left", "big_top", "three_cols", "mosaic"))
    boxes: list[tuple[int, int, int, int]]
    if layout == "big_left":
        sx = int(w * rng.uniform(0.55, 0.66))
        boxes = [(0, 0, sx, h), (sx + gap, 0, w, h // 2), (sx + gap, h // 2 + gap, w, h)]
    elif layout == "big_top":
        sy = int(h * rng.uniform(0.55, 0.66))
        t = (w - 2 * gap) // 3
        boxes = [(0, 0, w, sy)] + [(i * (t + gap), sy + gap, i * (t + gap) + t, h)
                                   for i in range(3)]
    elif layout == "three_cols":
        t = (w - 2 * gap) // 3
        boxes = [(i * (t + gap), 0, i * (t + gap) + t, h) for i in range(3)]
    else:
        sx, sy = int(w * rng.uniform(0.4, 0.6)), int(h * rng.uniform(0.4, 0.6))
        boxes = [(0, 0, sx, sy), (sx + gap, 0, w, sy // 2), (sx + gap, sy // 2 + gap, w, sy),
                 (0, sy + gap, w // 3, h), (w // 3 + gap, sy + gap, w, h)]
    canvas = Image.new("RGB", (w, h), _gutter_colour(rng))
    # The genuine photo goes in one of the larger cells: a reposter features the product.
    order = sorted(range(len(boxes)), key=lambda i: -(boxes[i][2] - boxes[i][0])
                   * (boxes[i][3] - boxes[i][1]))
    target = order[rng.randrange(min(2, len(order)))]
    picks = rng.sample(list(fillers), len(boxes) - 1)
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        photo = img if i == target else picks.pop()
        canvas.paste(fill_crop(photo, x1 - x0, y1 - y0), (x0, y0))
    return canvas


def _theme(rng: random.Random) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    if rng.random() < 0.7:
        return (rng.randint(245, 255),) * 3, (rng.randint(10, 60),) * 3
    return (rng.randint(0, 30),) * 3, (rng.randint(200, 245),) * 3


def app_screenshot(img: Image.Image, rng: random.Random) -> Image.Image:
    """A phone screenshot of a social post showing the photo, with the app's chrome."""
    w = rng.choice((720, 750, 828, 1080))
    h = int(w * rng.uniform(1.78, 2.17))
    bg, fg = _theme(rng)
    accent = (rng.randint(0, 255), rng.randint(60, 200), rng.randint(60, 255))
    canvas = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(canvas)
    small, body = load_font(rng, w // 28), load_font(rng, w // 22)
    y = int(w * 0.06)
    d.text((w * 0.05, y * 0.2), f"{rng.randint(7, 23)}:{rng.randint(10, 59)}", font=small,
           fill=fg)
    d.rectangle((0, y, w, y + int(w * 0.12)), fill=accent if rng.random() < 0.4 else bg)
    d.text((w * 0.35, y + w * 0.03), brand_word(rng), font=body, fill=fg)
    y += int(w * 0.14)
    avatar = int(w * 0.1)
    d.ellipse((w * 0.04, y, w * 0.04 + avatar, y + avatar), fill=accent)
    d.text((w * 0.17, y + avatar * 0.2), brand_word(rng).lower() + "_shop", font=body, fill=fg)
    y += avatar + int(w * 0.03)
    margin = rng.choice((0, 0, int(w * 0.04), int(w * 0.08)))
    box_w = w - 2 * margin
    if rng.random() < 0.5:
        photo = fit_inside(img, box_w, int(box_w * 1.4))
    else:
        photo = fill_crop(img, box_w, int(box_w * rng.choice((1.0, 1.25))))
    canvas.paste(photo, (margin + (box_w - photo.width) // 2, y))
    y += photo.height + int(w * 0.03)
    for i in range(4):
        x = w * 0.04 + i * w * 0.1
        d.ellipse((x, y, x + w * 0.06, y + w * 0.06), outline=fg, width=3)
    y += int(w * 0.09)
    for _ in range(rng.randint(2, 4)):
        line = " ".join(brand_word(rng).lower() for _ in range(rng.randint(3, 6)))
        d.text((w * 0.04, y), line, font=small, fill=fg)
        y += int(w * 0.05)
    d.text((w * 0.04, y), f"¥{rng.randint(39, 999)}", font=body, fill=(220, 30, 30))
    tab = int(w * 0.13)
    d.rectangle((0, h - tab, w, h), fill=bg)
    d.line((0, h - tab, w, h - tab), fill=fg, width=1)
    for i in range(5):
        x = w * (0.08 + i * 0.2)
        d.rectangle((x, h - tab * 0.75, x + w * 0.06, h - tab * 0.35), outline=fg, width=3)
    scale = rng.uniform(0.45, 0.8)
    return canvas.resize((int(w * scale), int(h * scale)), Image.Resampling.BILINEAR)


def template_screenshot(img: Image.Image, rng: random.Random) -> Image.Image:
    """augly's web/mobile screenshot templates with the photo letterboxed into them."""
    from augly.image import functional as augly_f

    template = rng.choice(("web.png", "mobile.png"))
    import os

    import augly

    path = os.path.join(os.path.dirname(augly.__file__), "assets", "screenshot_templates",
                        template)
    out: Image.Image = augly_f.overlay_onto_screenshot(img, template_filepath=path,
                                                       resize_src_to_match_template=False)
    return out.convert("RGB")
