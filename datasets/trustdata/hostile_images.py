"""Hostile image files, generated in code: what an attacker or a broken client sends.

Each ``Hostile`` says what a server must answer: ``legit`` files are real images a user
may send (a 2xx wherever images are taken); the others must be refused with a 4xx and one
of ``codes``. ``strip`` files are valid images no matching stage can analyse: refused
where the image is the request's whole point (catalog upload, matching), skipped and
flagged inside a listing. ``either`` files are damaged in ways decoders legitimately
tolerate (any answer but a 5xx). ``stored_prefix``: a file carrying bytes after its own
end (a polyglot), stored without them.

Used by tests/resilience and benchmarks/bench_hostile_images.py. ``corpus(heavy=False)``
leaves out the few 6000x6000 files that take most of the time to build and decode.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

TOO_LARGE = frozenset({"image_too_many_pixels", "image_too_large", "request_too_many_pixels"})
UNSUPPORTED = frozenset({"unsupported_image_format"})
CORRUPT = frozenset({"image_corrupt", "image_truncated"})
SMALL = frozenset({"image_too_small", "image_corrupt"})
STRIP = frozenset({"image_aspect_ratio"})


@dataclass(frozen=True)
class Hostile:
    name: str
    data: bytes
    legit: bool = False
    codes: frozenset[str] = frozenset()  # accepted error codes when not legit
    strip: bool = False
    either: bool = False
    stored_prefix: int | None = None  # how many leading bytes are the image itself


def photo(size: tuple[int, int] = (320, 240), seed: int = 0) -> Image.Image:
    """A photo-like RGB image: smooth shapes and some texture, so every stage has work."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([128 + 100 * np.sin(x / (17 + seed) + c) * np.cos(y / 23 + 2 * c)
                     for c in (0.0, 1.0, 2.0)], axis=-1)
    base += rng.normal(0, 12, base.shape)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")


def _save(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def _png(width: int, height: int, idat: bytes, depth: int = 8, colour: int = 2,
         extra: bytes = b"", end: bool = True) -> bytes:
    head = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
    return (b"\x89PNG\r\n\x1a\n" + head + extra + _chunk(b"IDAT", idat)
            + (_chunk(b"IEND", b"") if end else b""))


def flat_png(width: int, height: int) -> bytes:
    """A flat RGB PNG, its rows compressed as the stream they are (a few KB for 36 MP)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x80\x40\x20" * width
    parts = [compressor.compress(row) for _ in range(height)]
    return _png(width, height, b"".join(parts) + compressor.flush())


def _png_bomb(width: int, height: int) -> bytes:
    return _png(width, height, zlib.compress(b"\x00" * 4096))


def _gif_bomb() -> bytes:
    # Logical screen 65535x65535, one 1x1 image: the canvas is what a decoder allocates.
    return (b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0)
            + b"\x02\x02\x4c\x01\x00\x3b")


def _webp_bomb() -> bytes:
    # VP8X header declaring a 16384x16384 canvas, followed by a tiny real bitstream.
    small = _save(Image.new("RGB", (16, 16), (10, 20, 30)), "WEBP", lossless=True)
    vp8l = small[12:]
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + \
        (16383).to_bytes(3, "little") + (16383).to_bytes(3, "little")
    body = b"WEBP" + vp8x + vp8l
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _jpeg_sof_claims(width: int, height: int) -> bytes:
    real = _save(photo((64, 64)), "JPEG", quality=80)
    at = real.index(b"\xff\xc0")
    return real[:at + 5] + struct.pack(">HH", height, width) + real[at + 9:]


def _tiff_bomb() -> bytes:
    """A TIFF header declaring 60000x60000 pixels over one tiny strip."""
    tags = [(256, 4, 1, 60_000), (257, 4, 1, 60_000), (258, 3, 1, 8), (259, 3, 1, 1),
            (262, 3, 1, 1), (273, 4, 1, 8 + 2 + 12 * 9 + 4), (277, 3, 1, 1),
            (278, 4, 1, 60_000), (279, 4, 1, 16)]
    ifd = struct.pack("<H", len(tags)) + b"".join(
        struct.pack("<HHII", tag, kind, count, value) for tag, kind, count, value in tags)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\x00" * 16


def _truncated_jpeg_6000(with_end: bool) -> bytes:
    """A 6000x6000 JPEG header over its first 48 KB (the issue's file)."""
    rng = np.random.default_rng(1)
    small = Image.fromarray(rng.integers(0, 255, (375, 375, 3), dtype=np.uint8))
    full = _save(small.resize((6000, 6000), Image.Resampling.NEAREST), "JPEG", quality=70)
    return full[:48_000] + (b"\xff\xd9" if with_end else b"")


def _exif(orientation: int | None = None, junk: int = 0, loop: bool = False) -> bytes:
    """A minimal little-endian EXIF block (APP1 payload)."""
    entries = []
    if orientation is not None:
        entries.append(struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0))
    if loop:  # an IFD whose next-IFD offset points back at itself
        ifd = struct.pack("<H", len(entries)) + b"".join(entries) + struct.pack("<I", 8)
    else:
        ifd = struct.pack("<H", len(entries)) + b"".join(entries) + struct.pack("<I", 0)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * junk


def _with_app1(jpeg: bytes, payload: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def _many_segments(jpeg: bytes, count: int) -> bytes:
    seg = b"\xff\xe5" + struct.pack(">H", 66) + b"x" * 64
    return jpeg[:2] + seg * count + jpeg[2:]


def _with_comment(jpeg: bytes, text: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def _zip() -> bytes:
    import zipfile
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


def _animated_gif(frames: int, size: tuple[int, int] = (64, 64)) -> bytes:
    images = [photo(size, seed=i % 7).convert("P") for i in range(frames)]
    return _save(images[0], "GIF", save_all=True, append_images=images[1:], duration=20)


def _animated(fmt: str, frames: int = 4) -> bytes:
    images = [photo((96, 96), seed=i) for i in range(frames)]
    return _save(images[0], fmt, save_all=True, append_images=images[1:], duration=50)


def _mode(mode: str, size: tuple[int, int] = (160, 120)) -> Image.Image:
    return photo(size).convert(mode)


def _sixteen_bit_gray() -> bytes:
    arr = (np.linspace(0, 65535, 160 * 120).reshape(120, 160)).astype(">u2").tobytes()
    rows = b"".join(b"\x00" + arr[r * 320:(r + 1) * 320] for r in range(120))
    return _png(160, 120, zlib.compress(rows), depth=16, colour=0)


def _sixteen_bit_rgb() -> bytes:
    raw = (np.linspace(0, 65535, 64 * 64 * 3).reshape(64, 64, 3)).astype(">u2").tobytes()
    rows = b"".join(b"\x00" + raw[r * 64 * 6:(r + 1) * 64 * 6] for r in range(64))
    return _png(64, 64, zlib.compress(rows), depth=16, colour=2)


def _palette_out_of_range() -> bytes:
    rows = b"".join(b"\x00" + bytes([200]) * 64 for _ in range(64))  # index 200 of 2 colours
    plte = _chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")
    return _png(64, 64, zlib.compress(rows), depth=8, colour=3, extra=plte)


def _palette_trns() -> bytes:
    img = photo((96, 96)).convert("P")
    return _save(img, "PNG", transparency=0)


def _ztxt_bomb() -> bytes:
    text = _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * 50_000_000, 9))
    rows = b"".join(b"\x00" + b"\x80" * 64 * 3 for _ in range(64))
    return _png(64, 64, zlib.compress(rows), extra=text)


def _bad_crc() -> bytes:
    good = _save(photo((64, 64)), "PNG")
    return good[:29] + bytes([good[29] ^ 0xFF]) + good[30:]  # IHDR's CRC


def _builders() -> list[tuple[str, Callable[[], Hostile]]]:
    jpeg = _save(photo(), "JPEG", quality=85)
    png = _save(photo(), "PNG")
    gif = _save(photo().convert("P"), "GIF")
    webp = _save(photo(), "WEBP", quality=80)
    zip_bytes = _zip()

    def ok(name: str, data: bytes, **kw: object) -> tuple[str, Callable[[], Hostile]]:
        return name, lambda: Hostile(name, data, legit=True, **kw)  # type: ignore[arg-type]

    def bad(name: str, make: Callable[[], bytes], codes: frozenset[str],
            **kw: object) -> tuple[str, Callable[[], Hostile]]:
        return name, lambda: Hostile(name, make(), codes=codes, **kw)  # type: ignore[arg-type]

    def strip(name: str, make: Callable[[], bytes]) -> tuple[str, Callable[[], Hostile]]:
        return name, lambda: Hostile(name, make(), codes=STRIP, strip=True)

    def either(name: str, make: Callable[[], bytes]) -> tuple[str, Callable[[], Hostile]]:
        return name, lambda: Hostile(name, make(), either=True)

    return [
        # decompression bombs and sizes
        bad("png_bomb_50000", lambda: _png_bomb(50_000, 50_000), TOO_LARGE),
        bad("png_just_over_limit", lambda: _png_bomb(6400, 6400), TOO_LARGE),
        bad("gif_bomb_canvas", _gif_bomb, TOO_LARGE | CORRUPT),
        bad("webp_bomb_canvas", _webp_bomb, TOO_LARGE | CORRUPT),
        bad("tiff_bomb", _tiff_bomb, UNSUPPORTED),
        bad("jpeg_sof_claims_65000", lambda: _jpeg_sof_claims(65_000, 65_000), TOO_LARGE),
        bad("png_ztxt_bomb", _ztxt_bomb, CORRUPT | TOO_LARGE),
        ok("png_flat_2000", flat_png(2000, 2000)),
        ("png_flat_6000", lambda: Hostile("png_flat_6000", flat_png(6000, 6000), legit=True)),
        # strips
        strip("png_strip_20000x16", lambda: flat_png(20_000, 16)),
        strip("jpeg_strip_40000x16", lambda: _save(photo((40_000, 16)), "JPEG", quality=80)),
        strip("png_strip_16x20000", lambda: flat_png(16, 20_000)),
        strip("webp_strip_16000x16", lambda: _save(photo((16_000, 16)), "WEBP")),
        strip("gif_strip_20000x16", lambda: _save(photo((20_000, 16)).convert("P"), "GIF")),
        strip("png_strip_2000x40", lambda: flat_png(2000, 40)),
        ok("png_wide_but_fine_320x16", _save(photo((320, 16)), "PNG")),
        # truncated and corrupt
        bad("jpeg_truncated", lambda: jpeg[: len(jpeg) // 2], CORRUPT),
        bad("jpeg_6000_truncated_48k_closed", lambda: _truncated_jpeg_6000(True), CORRUPT),
        bad("jpeg_6000_truncated_48k", lambda: _truncated_jpeg_6000(False), CORRUPT),
        bad("png_truncated", lambda: png[: len(png) // 2], CORRUPT),
        bad("gif_truncated", lambda: gif[: len(gif) // 2], CORRUPT),
        bad("webp_truncated", lambda: webp[: len(webp) // 2], CORRUPT),
        bad("jpeg_header_only", lambda: jpeg[:200], CORRUPT),
        bad("png_bad_ihdr_crc", _bad_crc, CORRUPT),
        bad("png_magic_then_garbage", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, CORRUPT),
        bad("jpeg_magic_then_zeros", lambda: b"\xff\xd8\xff" + b"\x00" * 500, CORRUPT),
        bad("png_magic_then_html", lambda: b"\x89PNG\r\n\x1a\n<html><script>x</script>",
            CORRUPT),
        either("jpeg_garbage_in_scan",
               lambda: jpeg[:600] + bytes(range(1, 255)) * 8 + jpeg[600 + 254 * 8:]),
        either("png_without_iend", lambda: png[:-12]),
        # not an image we take
        bad("text", lambda: b"hello, I am not an image", UNSUPPORTED),
        bad("html", lambda: b"<!doctype html><script>alert(1)</script>", UNSUPPORTED),
        bad("svg", lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="99999" '
                           b'height="99999"><script>alert(1)</script></svg>', UNSUPPORTED),
        bad("pdf", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", UNSUPPORTED),
        bad("bmp", lambda: _save(photo(), "BMP"), UNSUPPORTED),
        bad("tiff", lambda: _save(photo(), "TIFF"), UNSUPPORTED),
        bad("ico", lambda: _save(photo((64, 64)), "ICO"), UNSUPPORTED),
        bad("heic_claim", lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
                                  + b"\x00" * 200, UNSUPPORTED),
        bad("avif_claim", lambda: b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
                                  + b"\x00" * 200, UNSUPPORTED),
        bad("jpeg2000", lambda: _save(photo((64, 64)), "JPEG2000"), UNSUPPORTED),
        bad("psd_magic", lambda: b"8BPS\x00\x01" + b"\x00" * 200, UNSUPPORTED),
        bad("zip", lambda: zip_bytes, UNSUPPORTED),
        bad("riff_wave", lambda: b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40, UNSUPPORTED),
        bad("one_byte", lambda: b"\xff", UNSUPPORTED),
        bad("empty", lambda: b"", frozenset({"image_empty", "invalid_base64"})),
        # zero and tiny sizes
        bad("png_zero_width", lambda: _png(0, 16, zlib.compress(b"")), SMALL | CORRUPT),
        bad("gif_zero_size", lambda: b"GIF89a\x00\x00\x00\x00\x00\x00\x00\x3b", SMALL | CORRUPT),
        bad("png_1x1", lambda: _save(Image.new("RGB", (1, 1)), "PNG"), SMALL),
        bad("jpeg_15x15", lambda: _save(photo((15, 15)), "JPEG"), SMALL),
        ok("png_16x16", _save(photo((16, 16)), "PNG")),
        # EXIF
        ok("jpeg_huge_exif", _with_app1(jpeg, _exif(junk=60_000))),
        ok("jpeg_exif_orientation_6", _with_app1(jpeg, _exif(orientation=6))),
        ok("jpeg_exif_orientation_99", _with_app1(jpeg, _exif(orientation=99))),
        ok("jpeg_exif_ifd_loop", _with_app1(jpeg, _exif(orientation=3, loop=True))),
        ok("jpeg_exif_garbage", _with_app1(jpeg, b"Exif\x00\x00" + bytes(range(256)) * 4)),
        ok("jpeg_500_app_segments", _many_segments(jpeg, 500)),
        # colour modes and depths
        ok("jpeg_cmyk", _save(_mode("CMYK"), "JPEG")),
        ok("jpeg_gray", _save(_mode("L"), "JPEG")),
        ok("jpeg_progressive", _save(photo(), "JPEG", progressive=True)),
        ok("jpeg_subsampling_444", _save(photo(), "JPEG", subsampling=0)),
        ok("png_16bit_gray", _sixteen_bit_gray()),
        ok("png_16bit_rgb", _sixteen_bit_rgb()),
        ok("png_gray_alpha", _save(_mode("LA"), "PNG")),
        ok("png_rgba_transparent", _save(Image.new("RGBA", (96, 96), (0, 0, 0, 0)), "PNG")),
        ok("png_palette", _save(_mode("P"), "PNG")),
        ok("png_palette_trns", _palette_trns()),
        either("png_palette_index_out_of_range", _palette_out_of_range),
        ok("png_1bit", _save(_mode("1"), "PNG")),
        ok("png_optimized", _save(photo(), "PNG", optimize=True)),
        ok("gif_animated", _animated("GIF")),
        ok("gif_1000_frames", _animated_gif(1000, (32, 32))),
        ok("png_animated_apng", _animated("PNG")),
        ok("webp_lossless", _save(photo(), "WEBP", lossless=True)),
        ok("webp_alpha", _save(photo().convert("RGBA"), "WEBP")),
        ok("webp_animated", _animated("WEBP")),
        # polyglots and trailing bytes: stored without what follows the image
        ok("jpeg_then_zip", jpeg + zip_bytes, stored_prefix=len(jpeg)),
        ok("png_then_html", png + b"<html><script>alert(1)</script></html>",
           stored_prefix=len(png)),
        ok("gif_then_script", gif + b"/*GIFAR*/alert(1)", stored_prefix=len(gif)),
        ok("webp_then_zip", webp + zip_bytes, stored_prefix=len(webp)),
        ok("jpeg_twice", jpeg + jpeg, stored_prefix=len(jpeg)),
        ok("jpeg_html_comment", _with_comment(jpeg, b"<html><script>alert(1)</script>")),
    ]


HEAVY = frozenset({"png_flat_6000"})


def corpus(heavy: bool = True) -> list[Hostile]:
    """Every kind, built now (a few seconds; the 6000x6000 ones most of it)."""
    return [make() for name, make in _builders() if heavy or name not in HEAVY]
