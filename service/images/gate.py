"""The one gate every untrusted image passes through before any other code sees it.

Order matters: byte limit, then format sniffing from magic bytes, then the pixel count read
from the header (so a decompression bomb is refused before it is decoded), then the decode
itself, EXIF orientation, and finally normalisation of every colour mode to 8-bit RGB.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile, ImageOps

from models.hashing.decode import request_draft
from service.kit.errors import DomainError, PayloadTooLarge, Unprocessable, UnsupportedMediaType

ImageFile.LOAD_TRUNCATED_IMAGES = False
# Our own pixel limit is checked first; Pillow's guard stays on as a second line of defence.
Image.MAX_IMAGE_PIXELS = 200_000_000

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"WEBP", 8, "WEBP"),
)
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 16


@dataclass(frozen=True, eq=False)
class DecodedImage:
    data: bytes
    sha256: str
    format: str  # JPEG, PNG, WEBP or GIF
    width: int  # after EXIF orientation
    height: int
    image: Image.Image  # 8-bit RGB

    @property
    def byte_size(self) -> int:
        return len(self.data)


def sniff_format(data: bytes) -> str | None:
    for magic, offset, name in _MAGIC:
        if data[offset : offset + len(magic)] == magic and (name != "WEBP" or data[:4] == b"RIFF"):
            return name
    return None


def _error(cls: type[DomainError], index: int, code: str, what: str) -> DomainError:
    return cls(f"images[{index}]: {what}", code=code, index=index)


def decode_image(data: bytes, limits: ImageLimits, index: int = 0,
                 draft_side: int | None = None) -> DecodedImage:
    """Validate and decode one untrusted image, or raise a DomainError naming its index.

    ``draft_side``: a JPEG may be decoded at a reduced DCT scale whose long side is still at
    least this (all of its data is still decoded and checked); ``width``/``height`` then
    describe the reduced image. For callers that only analyse pixels, never store them.
    """
    if not data:
        raise _error(Unprocessable, index, "image_empty", "the image is empty")
    if len(data) > limits.max_bytes:
        raise _error(
            PayloadTooLarge, index, "image_too_large",
            f"{len(data)} bytes exceeds the limit of {limits.max_bytes} bytes",
        )
    fmt = sniff_format(data)
    if fmt is None:
        raise _error(
            UnsupportedMediaType, index, "unsupported_image_format",
            "not a JPEG, PNG, WebP or GIF image",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = img.size
            if width * height > limits.max_pixels:
                raise _error(
                    PayloadTooLarge, index, "image_too_many_pixels",
                    f"{width}x{height} pixels exceeds the limit of {limits.max_pixels} pixels",
                )
            if min(width, height) < limits.min_side:
                raise _error(
                    Unprocessable, index, "image_too_small",
                    f"{width}x{height} is below the minimum side of {limits.min_side} pixels",
                )
            img.seek(0)  # first frame of an animation
            if draft_side is not None:
                request_draft(img, draft_side)
            img.load()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _error(PayloadTooLarge, index, "image_too_many_pixels", str(exc)) from exc
    except Exception as exc:
        raise _error(
            Unprocessable, index, "image_corrupt", f"the {fmt} data cannot be decoded"
        ) from exc

    rgb = to_rgb(_apply_orientation(img))
    return DecodedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        width=rgb.width,
        height=rgb.height,
        image=rgb,
    )


def decode_images(blobs: list[bytes], limits: ImageLimits,
                  draft_side: int | None = None) -> list[DecodedImage]:
    """Decode all or nothing: the first bad image raises before anything is stored."""
    return [decode_image(blob, limits, index, draft_side) for index, blob in enumerate(blobs)]


def _apply_orientation(img: Image.Image) -> Image.Image:
    # In place: the default returns a full copy even when there is nothing to turn, which
    # was a third of a photo's decode cost.
    with contextlib.suppress(Exception):  # unreadable EXIF: the pixels as stored
        ImageOps.exif_transpose(img, in_place=True)
    return img


def to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode -> 8-bit RGB; transparency is composited onto white."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}:
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode != "F" and arr.max(initial=0) > 255 else 255.0
        if mode == "F":
            top = max(float(arr.max(initial=1.0)), 1.0)
        gray = np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8)
        return Image.fromarray(gray, mode="L").convert("RGB")
    has_alpha = mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        mode == "P" and "transparency" in img.info
    )
    if has_alpha:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")
