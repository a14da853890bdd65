"""The one image gate: every bad-image class gets the right status and names the image index."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from service.images.gate import ImageLimits, decode_image, decode_images
from service.kit.errors import DomainError

LIMITS = ImageLimits(max_bytes=2_000_000, max_pixels=4_000_000, min_side=16)


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature + IHDR claiming huge dimensions: a decompression bomb's header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    idat = zlib.compress(b"\x00" * 1024)
    idat_chunk = b"IDAT" + idat
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + crc
            + struct.pack(">I", len(idat)) + idat_chunk
            + struct.pack(">I", zlib.crc32(idat_chunk) & 0xFFFFFFFF))


def test_accepts_each_allowed_format(photo: Callable[..., bytes]) -> None:
    for fmt in ("JPEG", "PNG", "WEBP", "GIF"):
        decoded = decode_image(photo(1, fmt=fmt), LIMITS)
        assert decoded.format == fmt
        assert decoded.image.mode == "RGB"
        assert (decoded.width, decoded.height) == (320, 320)
        assert len(decoded.sha256) == 64


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (200, 100), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 100, 100))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    decoded = decode_image(encode(img, "JPEG", exif=exif.tobytes(), quality=95), LIMITS)
    assert (decoded.width, decoded.height) == (100, 200)
    top = np.asarray(decoded.image)[:80].mean(axis=(0, 1))
    assert top[2] > 200 and top[0] < 60  # the blue half is now on top


@pytest.mark.parametrize("mode", ["CMYK", "RGBA", "LA", "P", "L", "1", "I;16"])
def test_colour_modes_normalised_to_rgb(mode: str) -> None:
    base = Image.new("RGB", (64, 64), (200, 120, 40))
    if mode == "I;16":
        arr = np.full((64, 64), 40000, dtype=np.uint16)
        img = Image.fromarray(arr)
        data = encode(img, "PNG")
    elif mode in {"RGBA", "LA"}:
        img = base.convert(mode)
        img.putalpha(0)  # fully transparent: must come out white, not black
        data = encode(img, "PNG")
    elif mode == "CMYK":
        data = encode(base.convert("CMYK"), "JPEG")
    else:
        data = encode(base.convert(mode), "PNG")
    decoded = decode_image(data, LIMITS)
    assert decoded.image.mode == "RGB"
    pixel = decoded.image.getpixel((10, 10))
    if mode in {"RGBA", "LA"}:
        assert pixel == (255, 255, 255)
    if mode == "I;16":
        assert 150 < pixel[0] < 160  # 40000/65535 of full scale, not clipped to 255
    if mode == "CMYK":
        assert abs(pixel[0] - 200) < 12 and abs(pixel[2] - 40) < 12


def test_palette_with_transparency_and_gif_first_frame() -> None:
    palette = Image.new("P", (40, 40), 0)
    palette.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    palette.paste(1, (20, 0, 40, 40))  # right half red; left half index 0, transparent
    decoded = decode_image(encode(palette, "PNG", transparency=0), LIMITS)
    assert decoded.image.mode == "RGB"
    assert decoded.image.getpixel((5, 5)) == (255, 255, 255)  # onto white, not black
    assert decoded.image.getpixel((30, 5)) == (200, 30, 30)
    frames = [Image.new("RGB", (40, 40), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    decoded = decode_image(out.getvalue(), LIMITS)
    assert decoded.image.getpixel((5, 5))[0] > 200  # first frame (red), not the last


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "image_empty"),
        (b"BM" + b"\x00" * 100, 415, "unsupported_image_format"),
        (b"II*\x00" + b"\x00" * 100, 415, "unsupported_image_format"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415, "unsupported_image_format"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, 422, "image_corrupt"),
        (png_header_only(30_000, 30_000), 413, "image_too_many_pixels"),
        (png_header_only(8, 2000), 422, "image_too_small"),
        (b"\xff\xd8\xff" + b"\x00" * 2_000_001, 413, "image_too_large"),
    ],
    ids=["empty", "bmp", "tiff", "svg", "corrupt-jpeg", "bomb", "too-small", "too-many-bytes"],
)
def test_bad_images_rejected_with_status_and_index(data: bytes, status: int, code: str) -> None:
    with pytest.raises(DomainError) as info:
        decode_image(data, LIMITS, index=3)
    assert info.value.status_code == status
    assert info.value.code == code
    assert info.value.message.startswith("images[3]:")
    assert info.value.details["index"] == 3


def test_truncated_jpeg_is_corrupt(photo: Callable[..., bytes]) -> None:
    data = photo(2)
    with pytest.raises(DomainError) as info:
        decode_image(data[: len(data) // 2], LIMITS)
    assert (info.value.status_code, info.value.code) == (422, "image_corrupt")


def test_decode_all_or_nothing_reports_first_bad_index(photo: Callable[..., bytes]) -> None:
    with pytest.raises(DomainError) as info:
        decode_images([photo(1), photo(2), b"not an image"], LIMITS)
    assert info.value.details["index"] == 2
