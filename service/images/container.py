"""Where an image file's own data ends, and whether a JPEG's scan data ran out.

Bytes after the end of an image (a ZIP or HTML appended to make a polyglot, a phone's
trailer) are no part of it: the gate keeps ``data[:end]``, so nothing stored or served back
carries them. A file whose structure runs out before its end marker is left to the decoder,
which refuses truncated PNG, GIF and WebP data itself.

A JPEG cut short and closed with an end marker (a 6000x6000 header over 48 KB) decodes
without an error: libjpeg warns, and leaves every block it had no data for at zero, a flat
(128, 128, 128). ``scan_ran_out`` tells that from a photo that really ends in that grey by
decoding again with filler bytes before the end marker: a complete scan ignores them, a
cut one decodes them into its missing blocks and changes.
"""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image

from models.hashing.decode import request_draft

_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # not stuffing, restart or fill
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})  # markers without a length field
_FILLER = bytes(range(1, 255)) * 16  # entropy-coded bytes, no 0xFF


def image_end(data: bytes, fmt: str) -> int:
    """Offset just past the image's end marker; ``len(data)`` when the structure runs out."""
    end = {"JPEG": _jpeg_end, "PNG": _png_end, "GIF": _gif_end, "WEBP": _webp_end}[fmt](data)
    return len(data) if end is None or end > len(data) else end


def _jpeg_end(data: bytes) -> int | None:
    i, n = 2, len(data)
    while i < n:
        while i < n and data[i] == 0xFF:  # fill bytes before a marker
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker == 0xD9:
            return i
        if marker in _STANDALONE:
            continue
        if i + 2 > n:
            return None
        i += int.from_bytes(data[i:i + 2], "big")
        if marker == 0xDA:  # entropy-coded data up to the next real marker
            found = _JPEG_MARKER.search(data, i)
            if found is None:
                return None
            i = found.start()
        elif i < n and data[i] != 0xFF:
            found = _JPEG_MARKER.search(data, i)  # garbage between segments: as libjpeg
            if found is None:
                return None
            i = found.start()
    return None


def _png_end(data: bytes) -> int | None:
    i, n = 8, len(data)
    while i + 8 <= n:
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        i += 12 + length
        if kind == b"IEND":
            return i
    return None


def _gif_end(data: bytes) -> int | None:
    n = len(data)
    if n < 13:
        return None
    i = 13
    if data[10] & 0x80:  # global colour table
        i += 3 << ((data[10] & 7) + 1)
    while i < n:
        block = data[i]
        if block == 0x3B:  # trailer
            return i + 1
        if block == 0x21:  # extension: label, then sub-blocks
            i += 2
        elif block == 0x2C:  # image: descriptor, local colour table, LZW code size
            if i + 10 > n:
                return None
            flags = data[i + 9]
            i += 10 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0) + 1
        else:
            return None
        while i < n:  # sub-blocks, ended by an empty one
            size = data[i]
            i += 1 + size
            if size == 0:
                break
    return None


def _webp_end(data: bytes) -> int | None:
    if len(data) < 12:
        return None
    size = int.from_bytes(data[4:8], "little")
    return 8 + size + (size & 1)


def scan_ran_out(data: bytes, decoded: Image.Image, draft_side: int | None) -> bool:
    """Whether a decoded JPEG's last rows are libjpeg's fill for data that ran out.

    ``data`` ends with the end marker (``image_end``); ``decoded`` is the image as decoded
    (before orientation), ``draft_side`` what it was drafted with, if anything.
    """
    last = np.asarray(decoded.crop((0, decoded.height - 1, decoded.width, decoded.height)))
    if last.size == 0 or not bool((last == 128).all()):
        return False
    if data[-2:] != b"\xff\xd9":
        return False
    with Image.open(io.BytesIO(data[:-2] + _FILLER + data[-2:]), formats=["JPEG"]) as again:
        if draft_side is not None:
            request_draft(again, draft_side)
        try:
            again.load()
        except Exception:
            return True
        if again.mode != decoded.mode or again.size != decoded.size:
            return True
        return not np.array_equal(np.asarray(again), np.asarray(decoded))
