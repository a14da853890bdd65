"""Where on a listing photo its catalog match lies, from the stored match evidence.

A match's method is `<kind>:<region>`: the keypoint stage (`orb:box:x0,y0,x1,y1`) gives the
catalog photo's frame mapped into the photo's pixels as decoded for that stage; the hash stage
names the recovered region that matched (`full`, `trim`, `cell-3`, `photo`, ...), which is
recovered again here from the photo exactly as the matcher did (models/hashing). Boxes are
fractions of the photo's width and height, so the page can draw them at any size.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from threading import Lock
from typing import Any

from PIL import Image

from models.hashing.decode import decode_for_matching, request_draft
from models.hashing.matcher import recover_query
from service.console.schemas import Box, PhotoView
from service.matching.service import gate_side

_ROTATED = (5, 6, 7, 8)  # EXIF orientations that swap width and height
_MEMO_SIZE = 2048


class BoxMemo:
    """Boxes already worked out, by (photo sha256, method): a photo's regions do not change."""

    def __init__(self, size: int = _MEMO_SIZE) -> None:
        self._items: OrderedDict[tuple[str, str], Box | None] = OrderedDict()
        self._size, self._lock = size, Lock()

    def get_or(self, key: tuple[str, str], compute: Any) -> Box | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        box = compute()
        with self._lock:
            self._items[key] = box
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return box


def _local_frame(data: bytes) -> tuple[int, int]:
    """The photo's size as the keypoint stage decoded it (JPEG draft, EXIF orientation)."""
    with Image.open(io.BytesIO(data)) as img:
        request_draft(img, gate_side(True))
        width, height = img.size
        orientation = img.getexif().get(0x0112, 1)
    return (height, width) if orientation in _ROTATED else (width, height)


def region_box(data: bytes, method: str) -> Box | None:
    kind, _, region = method.partition(":")
    if region == "full":
        return Box(0.0, 0.0, 1.0, 1.0)
    if kind == "orb" and region.startswith("box:"):
        try:
            x0, y0, x1, y1 = (float(v) for v in region[4:].split(","))
        except ValueError:
            return None
        width, height = _local_frame(data)
        return _clipped(x0 / width, y0 / height, x1 / width, y1 / height)
    recovered = recover_query(decode_for_matching(data))
    width, height = recovered.gray.size
    for r in recovered.regions:
        if r.name == region:
            x0, y0, x1, y1 = r.box
            return _clipped(x0 / width, y0 / height, x1 / width, y1 / height)
    return None


def _clipped(x0: float, y0: float, x1: float, y1: float) -> Box:
    x0, y0 = min(max(x0, 0.0), 1.0), min(max(y0, 0.0), 1.0)
    x1, y1 = min(max(x1, x0), 1.0), min(max(y1, y0), 1.0)
    return Box(x0, y0, x1 - x0, y1 - y0)


def photo_views(result: dict[str, Any], photos: dict[int, tuple[str, bytes]],
                memo: BoxMemo) -> list[PhotoView]:
    """One view per photo of the assessment: its best match and where it lies, or unmatched,
    or pending (a deep check has yet to run the keypoint stage on it)."""
    check = result.get("image_check") or {}
    pending = set(check.get("pending_photos", [])) if check.get("status") == "pending" else set()
    best: dict[int, dict[str, Any]] = {}
    for m in result.get("image_matches", []):
        index = int(m["photo_index"])
        if index not in best or m["confidence"] > best[index]["confidence"]:
            best[index] = m
    views = []
    for index in range(int(result.get("photos_checked", 0))):
        m = best.get(index)
        if m is None:
            views.append(PhotoView(index, "pending" if index in pending else "unmatched"))
            continue
        method = str(m.get("method", ""))
        kind, _, region = method.partition(":")
        box = None
        if index in photos:
            sha, data = photos[index]
            box = memo.get_or((sha, method), lambda d=data, me=method: region_box(d, me))
        views.append(PhotoView(
            index, "matched", catalog_image_id=int(m["catalog_image_id"]), brand=m.get("brand"),
            product_id=m.get("product_id"), stage="local" if kind == "orb" else "hash",
            kind=kind, region="box" if region.startswith("box:") else region,
            confidence=float(m["confidence"]), box=box))
    return views
