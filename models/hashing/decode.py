"""Fast decode of image bytes to the working sizes the two matching stages use.

JPEG "draft" mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale straight from the DCT
coefficients (every coefficient is still entropy-decoded, so damaged data is still caught):
a large saving for an 800x800 photo whose hashes are computed at 400 pixels. The hash stage
always sees an image decoded this way at ``WORK_SIDE`` (the service's image gate uses the
same ``request_draft``), the local stage one at up to ``LOCAL_QUERY_MAX_SIDE``; the
evaluator decodes exactly as the service does, so calibrated thresholds hold in production.
Orientation is applied after the draft so a rotated phone photo still comes out upright.
"""

from __future__ import annotations

import io
import math

from PIL import Image, ImageOps

from models.hashing.views import WORK_SIDE, work_image


def request_draft(img: Image.Image, side: int) -> None:
    """Ask a not-yet-loaded JPEG to decode at the smallest DCT scale whose long side >= side."""
    if (img.format or "").upper() not in ("JPEG", "MPO"):
        return
    scale = side / max(img.size)
    if scale < 1:
        img.draft("RGB", (math.ceil(img.width * scale), math.ceil(img.height * scale)))


def decode_for_matching(data: bytes, image_format: str | None = None,
                        side: int = WORK_SIDE) -> Image.Image:
    """RGB image with long side <= ``side`` (never smaller than needed to reach it)."""
    with Image.open(io.BytesIO(data)) as img:
        request_draft(img, side)
        img.load()
        upright = ImageOps.exif_transpose(img)
        rgb = upright.convert("RGB") if upright.mode != "RGB" else upright.copy()
    return work_image(rgb, side)
