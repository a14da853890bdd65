"""Cached enrolment evidence of generated distractor products: large catalogs for the scale
benchmarks and for calibrating match acceptance at scale.

Enrolling a photo costs about a tenth of a second on one core (hashes of every view, ORB
keypoints, three descriptors), so 10,000 distractors take minutes and 100,000 over an hour:
the evidence is computed once, in chunks of ``CHUNK``, and read back on later runs. Files
under ``var/bench/matching-scale/``: ``evidence-<hash/keypoint version>-<chunk>.npz`` (hash
sets as JSON text, offsets of each photo's ORB features), ``keypoints-<version>-<chunk>.npy``
(the ORB features' bytes, memory-mapped when read: a keypoint store on disk) and
``<descriptor version>-<chunk>.npy`` (the three view descriptors, float16), so a new
descriptor re-describes without re-hashing. Everything is a plain array: no pickles.

Distractors are numbered; a range starts at ``first`` (a multiple of ``CHUNK``). The
benchmarks use the range from 0; calibration uses ``CALIBRATION_FIRST`` .. + 4,999 and the
hold-out measured beside it the next 5,000 (``HOLDOUT_FIRST``), so no catalog photo a model
was fitted against is one it is measured against.
"""

from __future__ import annotations

import json
import multiprocessing.pool
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import BinaryIO

import cv2
import faiss
import numpy as np
from tqdm import tqdm
from trustdata.copydetect.sources import distractor_jpeg

from models.descriptor.model import ARTIFACT_DIR, serve_artifact
from models.hashing.analysis import EVIDENCE_VERSION, catalog_descriptors
from models.hashing.decode import decode_for_matching
from models.hashing.local import LocalFeatures, catalog_features
from models.hashing.matcher import HashSet, enrollment_hashes
from models.thresholds import LOCAL_CATALOG_SIDE

ROOT = Path("var/bench/matching-scale")
CHUNK = 1000
CALIBRATION_FIRST = 1_000_000
HOLDOUT_FIRST = 1_005_000
STAGES_VERSION = ".".join(EVIDENCE_VERSION.split(".")[:2])  # hashes and keypoints only


def init_worker(artifact: str) -> None:
    cv2.setNumThreads(1)
    faiss.omp_set_num_threads(1)
    import torch

    torch.set_num_threads(1)
    serve_artifact(ARTIFACT_DIR.parent / artifact)


def _image(index: int) -> object:
    return decode_for_matching(distractor_jpeg(index), side=LOCAL_CATALOG_SIDE)


def _stages(index: int, image: object = None) -> tuple[str, bytes]:
    image = _image(index) if image is None else image
    hashes = [{"name": h.name, "phash": h.phash.hex(), "dhash": h.dhash.hex(),
               "pdq": h.pdq.hex(), "quality": h.quality, "colour": h.colour.hex()}
              for h in enrollment_hashes(image)]  # type: ignore[arg-type]
    return json.dumps(hashes), catalog_features(image).to_bytes()  # type: ignore[arg-type]


def _describe(index: int) -> np.ndarray:
    return catalog_descriptors(_image(index))  # type: ignore[arg-type]


def _everything(index: int) -> tuple[str, bytes, np.ndarray]:
    """Both parts from one rendering of the photo (rendering costs a fifth of the rest)."""
    image = _image(index)
    return (*_stages(index, image), catalog_descriptors(image))  # type: ignore[arg-type]


def _stage_file(chunk: int) -> Path:
    return ROOT / f"evidence-{STAGES_VERSION}-{chunk}.npz"


def _keypoint_file(chunk: int) -> Path:
    return ROOT / f"keypoints-{STAGES_VERSION}-{chunk}.npy"


def _desc_file(version: str, chunk: int) -> Path:
    return ROOT / f"{version}-{chunk}.npy"


def _chunks(n: int, first: int) -> range:
    if first % CHUNK:
        raise ValueError(f"a distractor range starts at a multiple of {CHUNK}, not {first}")
    return range(first // CHUNK, (first + n + CHUNK - 1) // CHUNK)


def ensure(n: int, pool: multiprocessing.pool.Pool, artifact: str, first: int = 0) -> None:
    """Compute whatever of distractors ``first`` .. ``first + n - 1`` is not cached yet:
    chunks missing both parts in one pass, then the descriptors or stages still missing."""
    ROOT.mkdir(parents=True, exist_ok=True)
    chunks = _chunks(n, first)
    both = [c for c in chunks if not _desc_file(artifact, c).exists() and not _has_stages(c)]
    for c in tqdm(both, desc=f"distractors, {artifact} (chunks of 1,000)"):
        rows = pool.map(_everything, range(c * CHUNK, (c + 1) * CHUNK), chunksize=16)
        _save_stages(c, [(h, b) for h, b, _ in rows])
        _save_array(_desc_file(artifact, c), np.stack([d for *_, d in rows]).astype(np.float16))
    ensure_descriptors(n, pool, artifact, first)
    todo = [c for c in chunks if not _has_stages(c)]
    for c in tqdm(todo, desc="distractor hashes + keypoints (chunks of 1,000)"):
        _save_stages(c, pool.map(_stages, range(c * CHUNK, (c + 1) * CHUNK), chunksize=16))


def _has_stages(chunk: int) -> bool:
    return _stage_file(chunk).exists() and _keypoint_file(chunk).exists()


def _save(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """What ``write`` writes, at ``path`` whole or not at all: a run stopped mid-chunk
    leaves no file to trust."""
    part = path.with_name(path.name + ".part")
    with part.open("wb") as f:
        write(f)
    part.replace(path)


def _save_array(path: Path, array: np.ndarray) -> None:
    _save(path, lambda f: np.save(f, array))


def _save_stages(chunk: int, rows: list[tuple[str, bytes]]) -> None:
    blobs = [b for _, b in rows]
    offsets = np.cumsum([0] + [len(b) for b in blobs]).astype(np.int64)
    _save_array(_keypoint_file(chunk), np.frombuffer(b"".join(blobs), dtype=np.uint8))
    _save(_stage_file(chunk),
          lambda f: np.savez(f, hashes=np.array([h for h, _ in rows]), offsets=offsets))


def ensure_descriptors(n: int, pool: multiprocessing.pool.Pool, artifact: str,
                       first: int = 0) -> None:
    """The view descriptors alone (``pool`` serves ``artifact``: ``init_worker``)."""
    ROOT.mkdir(parents=True, exist_ok=True)
    chunks = _chunks(n, first)
    todo = [c for c in chunks if not _desc_file(artifact, c).exists()]
    for c in tqdm(todo, desc=f"distractor descriptors, {artifact} (chunks of 1,000)"):
        views = pool.map(_describe, range(c * CHUNK, (c + 1) * CHUNK), chunksize=16)
        _save_array(_desc_file(artifact, c), np.stack(views).astype(np.float16))


def descriptors(n: int, artifact: str, first: int = 0) -> np.ndarray:
    """(n, views, dims) float16 view descriptors of distractors ``first`` .. on."""
    chunks = [np.load(_desc_file(artifact, c)) for c in _chunks(n, first)]
    return np.concatenate(chunks)[:n] if chunks else np.zeros((0, 3, 256), np.float16)


def _hashset(d: dict[str, object]) -> HashSet:
    return HashSet(str(d["name"]), bytes.fromhex(str(d["phash"])),
                   bytes.fromhex(str(d["dhash"])), bytes.fromhex(str(d["pdq"])),
                   int(d["quality"]), bytes.fromhex(str(d["colour"])))  # type: ignore[call-overload]


def load(n: int, artifact: str, first: int = 0,
         ) -> Iterator[tuple[int, list[HashSet], LocalFeatures, np.ndarray]]:
    """(position in the range, hash sets, keypoints, view descriptors) of distractors
    ``first`` .. ``first + n - 1``."""
    for c in _chunks(n, first):
        stages = np.load(_stage_file(c))
        desc = np.load(_desc_file(artifact, c))
        local, offsets = np.load(_keypoint_file(c), mmap_mode="r"), stages["offsets"]
        for j, text in enumerate(stages["hashes"]):
            index = c * CHUNK + j - first
            if index >= n:
                return
            features = LocalFeatures.from_bytes(local[offsets[j]:offsets[j + 1]].tobytes())
            yield (index, [_hashset(d) for d in json.loads(str(text))], features,
                   desc[j].astype(np.float32))



class DiskKeypoints:
    """The cached distractors' keypoints as a ``KeypointSource``: read from the memory-mapped
    chunk files when the keypoint stage asks for a candidate, as the service reads its
    database. Image ids are ``first_id`` + position in the range from distractor ``first``."""

    def __init__(self, first_id: int, n: int, first: int = 0) -> None:
        self.first_id, self.n, self.first = first_id, n, first
        self._chunks: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _chunk(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        if c not in self._chunks:
            self._chunks[c] = (np.load(_keypoint_file(c), mmap_mode="r"),
                               np.load(_stage_file(c))["offsets"])
        return self._chunks[c]

    def load(self, image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        out = {}
        for image_id in image_ids:
            index = image_id - self.first_id
            if 0 <= index < self.n:
                index += self.first
                blob, offsets = self._chunk(index // CHUNK)
                j = index % CHUNK
                out[image_id] = LocalFeatures.from_bytes(blob[offsets[j]:offsets[j + 1]].tobytes())
        return out
