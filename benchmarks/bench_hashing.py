"""Hashing + region recovery per query image, decode included, on one core.

    PYTHONSAFEPATH=1 .venv/bin/python -m benchmarks bench_hashing

For an 800x800 JPEG: the matcher's query path (JPEG draft-mode decode to the 400-pixel
working size, region recovery, pHash + dHash + PDQ of every region) next to the naive
baseline `imagehash.phash(Image.open(...))` and to the same query path with a full decode.
Target: p50 < 15 ms for a plain photo.

Second table: the local-feature stage on the same images (ORB keypoints at the query's
working size; exact kNN over every descriptor of a 100-image catalog, ratio test and RANSAC
fits), next to the hash stage (draft decode + recovery + hashing) measured in the same run.
"""

from __future__ import annotations

import io
import random
import statistics
import time
from collections.abc import Callable
from functools import partial

import cv2
import faiss
import imagehash
from PIL import Image
from skimage import data
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from models.hashing.decode import decode_for_matching
from models.hashing.local import catalog_features, query_features
from models.hashing.local_index import LocalIndex
from models.hashing.matcher import query_hashes
from models.hashing.views import work_image

RUNS = 40
SIDE = 800
LOCAL_CATALOG = 100


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").resize((SIDE, SIDE), Image.Resampling.BICUBIC).save(out, "JPEG", quality=88)
    return out.getvalue()


def _time(fn: Callable[[], object]) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    samples.sort()
    return statistics.median(samples), samples[int(0.9 * (len(samples) - 1))]


def _full_decode(raw: bytes) -> Image.Image:
    with Image.open(io.BytesIO(raw)) as img:
        return work_image(img.convert("RGB"))


def _naive(raw: bytes) -> object:
    return imagehash.phash(Image.open(io.BytesIO(raw)))


def _ours_full_decode(raw: bytes) -> object:
    return query_hashes(_full_decode(raw))


def _ours(raw: bytes) -> object:
    return query_hashes(decode_for_matching(raw, "JPEG"))


def main() -> None:
    fillers = [product_shot(s, 300) for s in range(40, 50)]
    photo = Image.fromarray(data.astronaut())
    images = {
        "photo": _jpeg(photo),
        "nine-grid": _jpeg(layouts.grid(photo, random.Random(0), fillers, 3)),
        "screenshot": _jpeg(layouts.app_screenshot(photo, random.Random(0))),
    }
    print("| 800x800 JPEG | naive phash ms (p50) | ours full decode ms (p50) "
          "| ours draft decode ms (p50 / p90) | regions | ours / naive |")
    print("|---|---|---|---|---|---|")
    for name, raw in images.items():
        naive, _ = _time(partial(_naive, raw))
        full, _ = _time(partial(_ours_full_decode, raw))
        ours, ours90 = _time(partial(_ours, raw))
        regions = len(query_hashes(decode_for_matching(raw, "JPEG")))
        print(f"| {name} | {naive:.2f} | {full:.2f} | {ours:.2f} / {ours90:.2f} | {regions} "
              f"| {ours / naive:.1f}x |")
    print(f"\n{RUNS} runs each, one process; the naive baseline hashes one whole image with one "
          "kind, ours hashes every recovered region with three kinds.\n")
    _local_table(images, photo)


def _local_table(images: dict[str, bytes], photo: Image.Image) -> None:
    cv2.setNumThreads(1)
    faiss.omp_set_num_threads(1)
    index = LocalIndex()
    index.enroll(0, catalog_features(photo))
    for i in range(1, LOCAL_CATALOG):
        index.enroll(i, catalog_features(product_shot(7000 + i, 640)))
    print(f"| 800x800 JPEG | hash stage ms (p50) | keypoints ms (p50) | verify vs "
          f"{LOCAL_CATALOG} images ms (p50) | local stage / hash stage |")
    print("|---|---|---|---|---|")
    for name, raw in images.items():
        hashed, _ = _time(partial(_ours, raw))
        image = decode_for_matching(raw, "JPEG", side=SIDE)
        keypoints, _ = _time(partial(query_features, image))
        features, scale = query_features(image)
        verify, _ = _time(partial(index.verify, features, scale))
        print(f"| {name} | {hashed:.2f} | {keypoints:.2f} | {verify:.2f} | "
              f"{(keypoints + verify) / hashed:.1f}x |")
    print(f"\n{index.descriptor_count} catalog descriptors; one thread for OpenCV and faiss.")


if __name__ == "__main__":
    main()
