"""Named repost edits, split into the issue's mild and hard families.

Every transform is ``fn(image, rng, fillers) -> image``: seeded by the caller so the same
seed rebuilds the same set, and given never-enrolled filler photos for layouts that mix
several photos.
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from augly.image import functional as augly_f
from PIL import Image, ImageDraw, ImageFilter

from trustdata.copydetect import layouts
from trustdata.copydetect.sources import brand_word, load_font

Transform = Callable[[Image.Image, random.Random, Sequence[Image.Image]], Image.Image]


@dataclass(frozen=True)
class NamedTransform:
    name: str
    family: str  # "mild" or "hard"
    fn: Transform


def _rgb(img: Image.Image) -> Image.Image:
    return img.convert("RGB") if img.mode != "RGB" else img


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    _rgb(img).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _emoji_paths() -> list[str]:
    import augly

    root = os.path.join(os.path.dirname(augly.__file__), "assets", "twemojis")
    out = []
    for folder in sorted(os.listdir(root)):
        sub = os.path.join(root, folder)
        if os.path.isdir(sub):
            out += [os.path.join(sub, f) for f in sorted(os.listdir(sub)) if f.endswith(".png")]
    return out


def recompress(img, rng, fillers):
    return _jpeg(img, rng.randint(15, 40))


def resize(img, rng, fillers):
    s = rng.uniform(0.3, 0.6) if rng.random() < 0.7 else rng.uniform(1.3, 2.0)
    return img.resize((max(16, int(img.width * s)), max(16, int(img.height * s))),
                      Image.Resampling.BILINEAR)


def overlay_emoji(img, rng, fillers):
    out = img
    for _ in range(rng.randint(1, 2)):
        out = augly_f.overlay_emoji(out, emoji_path=rng.choice(_emoji_paths()),
                                    emoji_size=rng.uniform(0.1, 0.2),
                                    x_pos=rng.uniform(0.0, 0.8), y_pos=rng.uniform(0.0, 0.8))
    return _rgb(out)


def overlay_text(img, rng, fillers):
    out = _rgb(img).copy()
    d = ImageDraw.Draw(out)
    for _ in range(rng.randint(1, 3)):
        font = load_font(rng, max(10, int(out.height * rng.uniform(0.05, 0.09))))
        text = rng.choice(("DM to order", "wechat: ", "100% real", "limited", "new in")) + \
            brand_word(rng)
        d.text((out.width * rng.uniform(0, 0.5), out.height * rng.uniform(0, 0.9)), text,
               font=font, fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
    return out


def banner(img, rng, fillers):
    """A price banner over the top or bottom of the photo, or appended below it."""
    out = _rgb(img).copy()
    bh = int(out.height * rng.uniform(0.1, 0.18))
    colour = rng.choice(((220, 20, 40), (250, 200, 0), (20, 20, 20), (255, 255, 255)))
    ink = (255, 255, 255) if sum(colour) < 400 else (200, 0, 0)
    if rng.random() < 0.3:
        grown = Image.new("RGB", (out.width, out.height + bh), colour)
        grown.paste(out, (0, 0))
        out, y0 = grown, out.height
    else:
        y0 = 0 if rng.random() < 0.5 else out.height - bh
        ImageDraw.Draw(out).rectangle((0, y0, out.width, y0 + bh), fill=colour)
    font = load_font(rng, max(10, int(bh * 0.6)))
    text = rng.choice(("SALE ¥", "ONLY $", "-70% ¥", "HOT ¥")) + str(rng.randint(49, 999))
    ImageDraw.Draw(out).text((out.width * 0.05, y0 + bh * 0.15), text, font=font, fill=ink)
    return out


def sticker(img, rng, fillers):
    out = _rgb(img).copy()
    d = ImageDraw.Draw(out)
    for _ in range(rng.randint(1, 3)):
        r = int(min(out.size) * rng.uniform(0.06, 0.11))
        x, y = rng.randint(0, out.width - 2 * r), rng.randint(0, out.height - 2 * r)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        if rng.random() < 0.5:
            d.ellipse((x, y, x + 2 * r, y + 2 * r), fill=colour, outline=(255, 255, 255),
                      width=3)
        else:
            d.regular_polygon((x + r, y + r, r), rng.choice((5, 6, 8)), fill=colour)
        d.text((x + r * 0.4, y + r * 0.6), rng.choice(("NEW", "HOT", "OK")),
               font=load_font(rng, max(8, r // 2)), fill=(255, 255, 255))
    return out


def colour(img, rng, fillers):
    return _rgb(augly_f.color_jitter(img, brightness_factor=rng.uniform(0.6, 1.4),
                                     contrast_factor=rng.uniform(0.6, 1.4),
                                     saturation_factor=rng.uniform(0.3, 1.8)))


def border_crop(img, rng, fillers):
    """Trim up to 10% of the width and height, unevenly between the two sides."""
    fx, fy = rng.uniform(0.05, 0.1), rng.uniform(0.05, 0.1)
    lx, ty = fx * rng.random(), fy * rng.random()
    w, h = img.size
    return img.crop((int(lx * w), int(ty * h), int(w - (fx - lx) * w), int(h - (fy - ty) * h)))


def padding(img, rng, fillers):
    c = rng.choice(((255, 255, 255), (0, 0, 0), (rng.randint(0, 255),) * 3))
    return _rgb(augly_f.pad(img, w_factor=rng.uniform(0.05, 0.3),
                            h_factor=rng.uniform(0.05, 0.3), color=c))


def noise(img, rng, fillers):
    return _rgb(augly_f.random_noise(img, var=rng.uniform(0.002, 0.02),
                                     seed=rng.randint(0, 2**31)))


def blur(img, rng, fillers):
    return _rgb(img).filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 3.0)))


def screenshot(img, rng, fillers):
    if rng.random() < 0.8:
        return layouts.app_screenshot(img, rng)
    return layouts.template_screenshot(img, rng)


def grid9(img, rng, fillers):
    return layouts.grid(img, rng, fillers, 3)


def grid4(img, rng, fillers):
    return layouts.grid(img, rng, fillers, 2)


def collage(img, rng, fillers):
    return layouts.collage(img, rng, fillers)


def centre_crop60(img, rng, fillers):
    f = rng.uniform(0.58, 0.62)
    w, h = img.size
    cx, cy = w * (0.5 + rng.uniform(-0.03, 0.03)), h * (0.5 + rng.uniform(-0.03, 0.03))
    return img.crop((int(cx - f * w / 2), int(cy - f * h / 2), int(cx + f * w / 2),
                     int(cy + f * h / 2)))


def corner_crop(img, rng, fillers):
    f = rng.uniform(0.6, 0.75)
    w, h = img.size
    cw, ch = int(w * f), int(h * f)
    x = 0 if rng.random() < 0.5 else w - cw
    y = 0 if rng.random() < 0.5 else h - ch
    return img.crop((x, y, x + cw, y + ch))


def mirror(img, rng, fillers):
    return _jpeg(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), rng.randint(60, 90))


def rotate(img, rng, fillers):
    angle = rng.uniform(3.0, 15.0) * rng.choice((-1, 1))
    return _rgb(augly_f.rotate(img, degrees=angle))


MILD: tuple[NamedTransform, ...] = tuple(
    NamedTransform(n, "mild", f) for n, f in (
        ("recompress", recompress), ("resize", resize), ("overlay_emoji", overlay_emoji),
        ("overlay_text", overlay_text), ("banner", banner), ("sticker", sticker),
        ("colour", colour), ("border_crop10", border_crop), ("padding", padding),
        ("noise", noise), ("blur", blur)))

HARD: tuple[NamedTransform, ...] = tuple(
    NamedTransform(n, "hard", f) for n, f in (
        ("screenshot", screenshot), ("grid9", grid9), ("grid4", grid4), ("collage", collage),
        ("centre_crop60", centre_crop60), ("corner_crop", corner_crop), ("mirror", mirror),
        ("rotate", rotate)))

ALL: tuple[NamedTransform, ...] = MILD + HARD
