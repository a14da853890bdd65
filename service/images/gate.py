"""The one gate every untrusted image passes through before any other code sees it.

Order matters: byte limit, then format sniffing from magic bytes, then what the header
declares (pixel count, so a decompression bomb is refused before it is decoded; side and
aspect ratio, so a strip no stage can analyse is named before it is decoded), then the
decode itself under the process's pixel budget (budget.py), a check that a JPEG's data
did not run out (container.py), EXIF orientation, normalisation of every colour mode to
8-bit RGB, and a reduction to the size the caller's stages need. Bytes after the image's
own end (a polyglot's second file) are dropped: ``DecodedImage.data`` is what gets stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageFile, ImageOps

from models.hashing.decode import request_draft
from service.images.budget import PixelBudget
from service.images.container import image_end, scan_ran_out
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
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "I", "F"})  # Image.reduce's modes


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 16
    # Long side over short side: past this no matching stage can analyse the photo (a
    # 20000x16 strip is 400x0.3 pixels at the hash stage's size).
    max_aspect_ratio: float = 20.0
    max_request_pixels: int = 400_000_000  # declared pixels of all images of one request
    budget: PixelBudget | None = field(default=None, compare=False)  # None: unbounded


class DegenerateImage(Unprocessable):
    """A valid image no matching stage can analyse (a strip): a listing skips the photo."""

    code = "image_aspect_ratio"


@dataclass(frozen=True)
class Probe:
    """What an image's header declares, checked against the limits; nothing decoded."""

    format: str
    width: int
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True, eq=False)
class DecodedImage:
    data: bytes  # the image's own bytes (anything after its end marker dropped)
    sha256: str
    format: str  # JPEG, PNG, WEBP or GIF
    width: int  # after EXIF orientation
    height: int
    image: Image.Image  # 8-bit RGB
    full_width: int = 0  # the image's own size, after EXIF orientation (``width`` and
    full_height: int = 0  # ``height`` are smaller when it was decoded reduced)

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


def probe(data: bytes, limits: ImageLimits, index: int = 0) -> Probe:
    """Byte limit, format and the header's size, or a DomainError naming the index."""
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
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                width, height = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _error(PayloadTooLarge, index, "image_too_many_pixels", str(exc)) from exc
    except Exception as exc:
        raise _error(
            Unprocessable, index, "image_corrupt", f"the {fmt} data cannot be decoded"
        ) from exc
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
    if max(width, height) > limits.max_aspect_ratio * min(width, height):
        raise _error(
            DegenerateImage, index, "image_aspect_ratio",
            f"{width}x{height} is more than {limits.max_aspect_ratio:g} times as long as it "
            "is wide: too narrow to analyse",
        )
    return Probe(fmt, width, height)


def check_request_pixels(probes: Sequence[Probe], limits: ImageLimits) -> None:
    total = sum(p.pixels for p in probes)
    if total > limits.max_request_pixels:
        raise PayloadTooLarge(
            f"the images of this request declare {total} pixels together; at most "
            f"{limits.max_request_pixels} per request", code="request_too_many_pixels")


def decode_image(data: bytes, limits: ImageLimits, index: int = 0,
                 draft_side: int | None = None) -> DecodedImage:
    """Validate and decode one untrusted image, or raise a DomainError naming its index.

    ``draft_side``: the image may be decoded at a reduced scale whose long side is still at
    least this (a JPEG's DCT scale; other formats are reduced right after decoding, all of
    their data decoded and checked either way); ``width``/``height`` then describe the
    reduced image. For callers that only analyse pixels, never store them.
    """
    found = probe(data, limits, index)
    fmt = found.format
    data = data[:image_end(data, fmt)]
    budget = limits.budget
    try:
        img = Image.open(io.BytesIO(data), formats=[fmt])
        img.seek(0)  # first frame of an animation
        if draft_side is not None:
            request_draft(img, draft_side)
        decoded_pixels = img.width * img.height  # after the draft
        with budget.hold(decoded_pixels) if budget else contextlib.nullcontext():
            rgb, turned = _decode(img, data, fmt, draft_side, index)
    except DomainError:
        raise
    except Exception as exc:
        raise _error(
            Unprocessable, index, "image_corrupt", f"the {fmt} data cannot be decoded"
        ) from exc
    return DecodedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        format=fmt,
        width=rgb.width,
        height=rgb.height,
        image=rgb,
        full_width=found.height if turned else found.width,
        full_height=found.width if turned else found.height,
    )


def _decode(img: ImageFile.ImageFile, data: bytes, fmt: str, draft_side: int | None,
            index: int) -> tuple[Image.Image, bool]:
    """Decode (the budget held), check, orient, convert, and reduce to ``draft_side``;
    whether the orientation turned the image a quarter."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img.load()
    if fmt == "JPEG" and scan_ran_out(data, img, draft_side):
        raise _error(Unprocessable, index, "image_truncated",
                     "the JPEG data ends before the image does (truncated)")
    stored = img.size
    oriented: Image.Image = _apply_orientation(img)
    turned = oriented.size != stored
    if draft_side is not None and (factor := max(oriented.size) // draft_side) >= 2:
        # A box filter, like a JPEG's DCT scaling; before the mode conversion where the
        # mode allows it, so no full-size copy is ever made.
        if oriented.mode not in _REDUCIBLE:
            oriented = to_rgb(oriented)
        oriented = oriented.reduce(factor)
    return to_rgb(oriented), turned


def decode_images(blobs: list[bytes], limits: ImageLimits,
                  draft_side: int | None = None) -> list[DecodedImage]:
    """Decode all or nothing: the first bad image raises before anything is stored."""
    check_request_pixels([probe(blob, limits, index) for index, blob in enumerate(blobs)],
                         limits)
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
    if mode.startswith("I;16"):  # in integers: floats would take 8 bytes a pixel
        raw = np.asarray(img).astype(np.uint32)
        if raw.max(initial=0) > 255:
            raw = raw * 255 // 65535
        return Image.fromarray(raw.astype(np.uint8), mode="L").convert("RGB")
    if mode in {"I", "F"}:
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
