"""Source images for the copy-detection dev set.

Two families, both hermetic (nothing is downloaded):

* real photos that ship inside installed packages (scikit-image, scikit-learn and
  matplotlib sample data), cut into non-overlapping tiles so that one photo yields several
  distinct sources that share style but no pixels: realistic hard negatives;
* procedurally generated product shots (studio background, a product silhouette with
  shading, a brand label, a shadow), the kind of photo a brand catalog holds. Products on
  plain backgrounds look alike to perceptual hashes, which is exactly what the
  precision-at-1.0 requirement must survive.
"""

from __future__ import annotations

import glob
import io
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Synthetic samples, one of the stereo pair and the homogeneous textures (brick, grass,
# gravel: any two tiles of one look alike at hash scale) are left out.
_SKIMAGE_PHOTOS = (
    "astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png",
    "color.png", "hubble_deep_field.jpg", "ihc.png", "moon.png",
    "motorcycle_left.png", "page.png", "retina.jpg", "rocket.jpg", "text.png",
    "microaneurysms.png", "cell.png",
)
_KEEP_WHOLE = frozenset({"retina"})


@dataclass(frozen=True)
class SourceImage:
    """One genuine photo: a stable name and its pixels (RGB)."""

    name: str
    image: Image.Image


def _package_photo_paths() -> list[str]:
    import matplotlib
    import skimage
    import sklearn.datasets

    skdir = os.path.join(os.path.dirname(skimage.__file__), "data")
    paths = [os.path.join(skdir, n) for n in _SKIMAGE_PHOTOS]
    paths += sorted(glob.glob(os.path.join(os.path.dirname(sklearn.datasets.__file__),
                                           "images", "*.jpg")))
    mpl = os.path.join(matplotlib.get_data_path(), "sample_data")
    paths += [os.path.join(mpl, "grace_hopper.jpg"),
              os.path.join(mpl, "Minduka_Present_Blue_Pack.png")]
    return [p for p in paths if os.path.exists(p)]


def package_photos(min_tile: int = 200) -> list[SourceImage]:
    """Real photos from installed packages, each cut into non-overlapping tiles.

    A photo whose short side is at least ``2 * min_tile`` is cut into a 2x2 (or 2x1) set of
    tiles; smaller ones are kept whole.
    """
    out: list[SourceImage] = []
    for path in _package_photo_paths():
        stem = os.path.splitext(os.path.basename(path))[0]
        with Image.open(path) as im:
            img = im.convert("RGB")
        w, h = img.size
        # The retina is mirror-symmetric: its quadrants are mirror images of each other.
        whole = stem in _KEEP_WHOLE
        cols = 2 if w >= 2 * min_tile and not whole else 1
        rows = 2 if h >= 2 * min_tile and not whole else 1
        tw, th = w // cols, h // rows
        for r in range(rows):
            for c in range(cols):
                tile = img.crop((c * tw, r * th, (c + 1) * tw, (r + 1) * th))
                out.append(SourceImage(f"photo-{stem}-{r}{c}", tile))
    return out


def _font_paths() -> list[str]:
    import augly

    fonts = os.path.join(os.path.dirname(augly.__file__), "assets", "fonts")
    keep = ("Montserrat-Bold", "Raleway-Black", "OpenSans-Bold", "PlayfairDisplay-Bold",
            "Ubuntu-B", "Titillium-Bold", "SourceSansPro-Black", "Lobster_1.3",
            "IBMPlexSerif-Bold", "Chunkfive", "Quicksand-Bold", "LeagueSpartan-Bold")
    return [p for k in keep if os.path.exists(p := os.path.join(fonts, k + ".ttf"))]


def load_font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    paths = _font_paths()
    if not paths:
        return ImageFont.load_default()
    return ImageFont.truetype(rng.choice(paths), size)


_SYLLABLES = ("ka", "lo", "mi", "ve", "ra", "zo", "tu", "ne", "shi", "por", "lan", "dor",
              "via", "gen", "qua", "ber", "ox", "ly", "mon", "tik")


def brand_word(rng: random.Random) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return word.upper() if rng.random() < 0.6 else word.capitalize()


def _rand_colour(rng: random.Random, lo: int = 0, hi: int = 255) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def _background(rng: random.Random, size: int) -> Image.Image:
    kind = rng.choice(("white", "white", "grey_gradient", "colour", "texture"))
    if kind == "white":
        return Image.new("RGB", (size, size), (rng.randint(240, 255),) * 3)
    y = np.linspace(0.0, 1.0, size)[:, None, None]
    if kind == "grey_gradient":
        top, bottom = rng.randint(200, 250), rng.randint(150, 230)
        arr = np.broadcast_to(top + (bottom - top) * y, (size, size, 3))
    elif kind == "colour":
        a, b = np.array(_rand_colour(rng, 80, 255)), np.array(_rand_colour(rng, 80, 255))
        arr = np.broadcast_to(a + (b - a) * y, (size, size, 3))
    else:
        nprng = np.random.default_rng(rng.getrandbits(32))
        noise = nprng.normal(0, 1, (size // 16, size // 16, 3))
        base = np.array(_rand_colour(rng, 90, 220), dtype=float)
        smooth = Image.fromarray(((noise + 3) * 40).clip(0, 255).astype(np.uint8)).resize(
            (size, size), Image.Resampling.BICUBIC)
        arr = base + np.asarray(smooth, dtype=np.float64) * (100.0 / 255.0)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _shade(mask: Image.Image, colour: tuple[int, int, int], rng: random.Random) -> Image.Image:
    """Colour a product mask with a left-to-right lighting ramp so it reads as 3D."""
    w, h = mask.size
    x = np.linspace(-1.0, 1.0, w)[None, :, None]
    light = 1.0 + rng.uniform(0.15, 0.4) * np.cos((x - rng.uniform(-0.5, 0.5)) * 1.6) - 0.25
    arr = np.clip(np.array(colour, dtype=float)[None, None, :] * light, 0, 255)
    return Image.fromarray(np.broadcast_to(arr, (h, w, 3)).astype(np.uint8))


def _product_mask(rng: random.Random, w: int, h: int) -> Image.Image:
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    kind = rng.choice(("bottle", "box", "bag", "shoe", "watch", "jar", "tube"))
    if kind == "bottle":
        neck = w // 3
        d.rounded_rectangle((0, h // 3, w - 1, h - 1), radius=w // 5, fill=255)
        d.rectangle(((w - neck) // 2, h // 10, (w + neck) // 2, h // 3 + 5), fill=255)
        d.rectangle(((w - neck) // 2 - 4, 0, (w + neck) // 2 + 4, h // 10), fill=255)
    elif kind == "box":
        dx = rng.randint(w // 8, w // 4)
        d.polygon([(0, dx), (w - dx, dx), (w - dx, h - 1), (0, h - 1)], fill=255)
        d.polygon([(0, dx), (dx, 0), (w - 1, 0), (w - dx, dx)], fill=200)
        d.polygon([(w - dx, dx), (w - 1, 0), (w - 1, h - dx), (w - dx, h - 1)], fill=160)
    elif kind == "bag":
        d.polygon([(w // 8, h // 3), (7 * w // 8, h // 3), (w - 1, h - 1), (0, h - 1)], fill=255)
        d.arc((w // 4, 0, 3 * w // 4, 2 * h // 3), 180, 360, fill=255, width=max(4, w // 25))
    elif kind == "shoe":
        d.ellipse((0, h // 2, w - 1, h - 1), fill=255)
        d.rounded_rectangle((0, h // 4, w // 2, 3 * h // 4 + 10), radius=w // 8, fill=255)
        d.rectangle((0, 7 * h // 8, w - 1, h - 1), fill=235)
    elif kind == "watch":
        d.rectangle((w // 3, 0, 2 * w // 3, h - 1), fill=180)
        r = min(w, h) // 2 - 2
        d.ellipse((w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r), fill=255)
        d.ellipse((w // 2 - r // 2, h // 2 - r // 2, w // 2 + r // 2, h // 2 + r // 2),
                  fill=120)
    elif kind == "jar":
        d.rounded_rectangle((0, h // 5, w - 1, h - 1), radius=w // 6, fill=255)
        d.rectangle((w // 10, 0, 9 * w // 10, h // 5 + 4), fill=210)
    else:
        d.polygon([(w // 4, 0), (3 * w // 4, 0), (w - 1, h - 1), (0, h - 1)], fill=255)
    return mask


def product_shot(seed: int, size: int = 640) -> Image.Image:
    """One procedurally generated catalog photo, fully determined by ``seed``."""
    rng = random.Random(seed)
    canvas = _background(rng, size)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        pw = rng.randint(size // 5, size // 2)
        ph = int(pw * rng.uniform(0.8, 2.2))
        ph = min(ph, int(size * 0.85))
        x = rng.randint(size // 20, size - pw - size // 20)
        y = rng.randint(size // 20, size - ph - size // 20)
        mask = _product_mask(rng, pw, ph)
        shadow = Image.new("L", (size, size), 0)
        ImageDraw.Draw(shadow).ellipse((x - pw // 8, y + ph - ph // 12, x + pw + pw // 8,
                                        y + ph + ph // 10), fill=rng.randint(60, 140))
        shadow = shadow.filter(ImageFilter.GaussianBlur(size / 60))
        canvas.paste((40, 40, 40), (0, 0), shadow)
        body = _shade(mask, _rand_colour(rng), rng)
        label = ImageDraw.Draw(body)
        font = load_font(rng, max(10, pw // rng.randint(4, 7)))
        text = brand_word(rng)
        tw = label.textlength(text, font=font)
        label.text(((pw - tw) / 2, ph * rng.uniform(0.4, 0.65)), text, font=font,
                   fill=_rand_colour(rng))
        if rng.random() < 0.5:
            stripe_y = int(ph * rng.uniform(0.3, 0.8))
            label.rectangle((0, stripe_y, pw, stripe_y + max(3, ph // 25)),
                            fill=_rand_colour(rng))
        canvas.paste(body, (x, y), mask)
    if rng.random() < 0.5:
        d = ImageDraw.Draw(canvas)
        font = load_font(rng, size // rng.randint(12, 20))
        d.text((size * rng.uniform(0.03, 0.5), size * rng.uniform(0.02, 0.9)), brand_word(rng),
               font=font, fill=_rand_colour(rng, 0, 120))
    return canvas


def product_shots(start_seed: int, count: int, size: int = 640) -> Iterator[SourceImage]:
    for seed in range(start_seed, start_seed + count):
        yield SourceImage(f"product-{seed}", product_shot(seed, size))


# Seeds of the distractor products enrolled beside a split's catalog to measure matching at
# catalog scale, far from every split's own product seeds (1e6 * (split seed + 1) onwards).
DISTRACTOR_SEED = 90_000_000


def distractor_jpeg(index: int) -> bytes:
    """The ``index``-th distractor product shot as a catalog upload (JPEG, quality 92)."""
    buffer = io.BytesIO()
    product_shot(DISTRACTOR_SEED + index).convert("RGB").save(buffer, "JPEG", quality=92)
    return buffer.getvalue()
