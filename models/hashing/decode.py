"""Fast decode of already-validated image bytes to the working size the matcher uses.

The service validates untrusted bytes first (limits, formats, EXIF orientation); this only
saves time. JPEG "draft" mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale straight from
the DCT coefficients, a large saving for an 800x800 photo that is hashed at 400 pixels.
Orientation is applied after the draft so a rotated phone photo still comes out upright.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageOps

from models.hashing.views import WORK_SIDE, work_image


def decode_for_matching(data: bytes, image_format: str | None = None,
                        side: int = WORK_SIDE) -> Image.Image:
    """RGB image with long side <= ``side`` (never smaller than needed to reach it)."""
    with Image.open(io.BytesIO(data)) as img:
        if (image_format or img.format or "").upper() in ("JPEG", "JPG", "MPO"):
            # draft() picks the smallest DCT scale still at least the requested size.
            scale = side / max(img.size)
            if scale < 1:
                img.draft("RGB", (math.ceil(img.width * scale), math.ceil(img.height * scale)))
        img.load()
        upright = ImageOps.exif_transpose(img)
        rgb = upright.convert("RGB") if upright.mode != "RGB" else upright.copy()
    return work_image(rgb, side)
