"""Where the keypoint stage's catalog keypoints live, and the bounded cache a worker keeps.

A catalog photo's ``LocalFeatures`` (1,000 ORB descriptors of the photo and its mirror,
their points, a 96 px thumbnail: ~49 KB) are needed only while the photo is a candidate of
a query (models/hashing/pipeline.py: the ``DESCRIPTOR_TOP_K`` nearest by global descriptor
plus the hash stage's finds, a few dozen photos). Every worker holding every photo's would
be ~4.9 GB each at 100,000 photos, so the service stores them once (the database's
``matching_features`` rows) and ``LocalIndex`` reads a query's candidates through a
``KeypointSource``, keeping the enrolled ids and a ``KeypointCache`` of
``LOCAL_CACHE_IMAGES`` photos. Training and benchmarks, which have no database, keep them
in memory (``ResidentKeypoints``).
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Collection, Iterable
from typing import Protocol

from models.hashing.local import LocalFeatures


class KeypointSource(Protocol):
    """Stored catalog keypoints, read by image id."""

    def load(self, image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        """The keypoints of those of ``image_ids`` that have any stored, in one read."""
        ...


class InSource(enum.Enum):
    """What ``LocalIndex.enroll`` takes for an image whose keypoints are in its source."""

    STORED = "stored"


IN_SOURCE = InSource.STORED


class ResidentKeypoints:
    """Keypoints held in memory: the source for training, benchmarks and tests."""

    def __init__(self, items: Iterable[tuple[int, LocalFeatures]] = ()) -> None:
        self._features = dict(items)

    def __len__(self) -> int:
        return len(self._features)

    def put(self, image_id: int, features: LocalFeatures) -> None:
        self._features[image_id] = features

    def drop(self, image_id: int) -> bool:
        return self._features.pop(image_id, None) is not None

    def load(self, image_ids: Collection[int]) -> dict[int, LocalFeatures]:
        return {i: f for i in image_ids if (f := self._features.get(i)) is not None}

    def values(self) -> Iterable[LocalFeatures]:
        return self._features.values()


class KeypointCache:
    """Least-recently-used keypoints of at most ``capacity`` images."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a keypoint cache holds at least one image")
        self.capacity = capacity
        self._items: OrderedDict[int, LocalFeatures] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, image_id: int) -> bool:
        return image_id in self._items

    def take(self, image_ids: Iterable[int]) -> tuple[dict[int, LocalFeatures], list[int]]:
        """The cached ones (now the most recently used) and the ids the cache lacks."""
        found: dict[int, LocalFeatures] = {}
        missing: list[int] = []
        for i in image_ids:
            features = self._items.get(i)
            if features is None:
                missing.append(i)
            else:
                self._items.move_to_end(i)
                found[i] = features
        return found, missing

    def put(self, image_id: int, features: LocalFeatures) -> None:
        self._items[image_id] = features
        self._items.move_to_end(image_id)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def drop(self, image_id: int) -> None:
        self._items.pop(image_id, None)

    def values(self) -> Iterable[LocalFeatures]:
        return self._items.values()
