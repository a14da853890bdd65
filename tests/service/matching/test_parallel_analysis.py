"""A request's photos analysed on several threads: the same evidence in the same order as
one thread, each photo still guarded, and the request's context (its id in the logs) kept."""

from __future__ import annotations

import logging
import random
import threading

import numpy as np
import pytest
from PIL import Image
from trustdata.copydetect import layouts

from models.hashing.analysis import QueryEvidence, analyse_catalog
from models.hashing.matcher import Match
from service.images.gate import DecodedImage, ImageLimits, decode_images
from service.kit.observability import request_id_var
from service.matching import service as matching_service
from service.matching.runtime import MatchIndex
from tests.service.matching.conftest import jpeg


@pytest.fixture(scope="module")
def decoded(genuine: list[Image.Image], others: list[Image.Image]) -> list[DecodedImage]:
    photos = [genuine[0], layouts.grid(genuine[1], random.Random(3), others, 3),
              layouts.app_screenshot(genuine[0], random.Random(4)), others[0], others[1]]
    return decode_images([jpeg(p) for p in photos], ImageLimits(),
                         draft_side=matching_service.gate_side(True))


def test_threads_give_the_evidence_one_thread_gives_in_order(
        decoded: list[DecodedImage]) -> None:
    alone = matching_service.analyse_queries(decoded, threads=1)
    together = matching_service.analyse_queries(decoded, threads=3)
    assert len(alone) == len(together) == len(decoded)
    for a, b in zip(alone, together, strict=True):
        assert a.hashes == b.hashes
        assert a.local is not None and b.local is not None
        assert np.array_equal(a.local.descriptors, b.local.descriptors)
        assert a.descriptors is not None and b.descriptors is not None
        np.testing.assert_allclose(a.descriptors, b.descriptors, atol=1e-6)
    assert len(together[1].descriptors) > len(together[3].descriptors)  # the grid's cells


def _threads_used(decoded: list[DecodedImage], monkeypatch: pytest.MonkeyPatch,
                  **kwargs: object) -> set[str]:
    real = matching_service.query_evidence
    seen: set[str] = set()

    def recording(image: DecodedImage, **kw: object) -> object:
        seen.add(threading.current_thread().name)
        return real(image, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(matching_service, "query_evidence", recording)
    matching_service.analyse_queries(decoded, **kwargs)  # type: ignore[arg-type]
    return seen


def test_the_keypoint_stage_spreads_photos_over_threads(
        decoded: list[DecodedImage], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _threads_used(decoded, monkeypatch, threads=2)
    assert len(seen) == 2 and all(n.startswith("match-analysis") for n in seen)


def test_the_hash_stage_alone_stays_in_the_calling_thread(
        decoded: list[DecodedImage], monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _threads_used(decoded, monkeypatch, threads=4, local_stage=False)
    assert seen == {threading.current_thread().name}


def test_a_failing_photo_is_logged_with_the_request_id_and_the_others_analysed(
        decoded: list[DecodedImage], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    real = matching_service.query_evidence
    ids: list[str | None] = []

    def failing_for_one(image: DecodedImage, **kw: object) -> object:
        ids.append(request_id_var.get())
        if image is decoded[2]:
            raise ValueError("analysis failed")
        return real(image, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(matching_service, "query_evidence", failing_for_one)
    token = request_id_var.set("req-parallel-1")
    try:
        with caplog.at_level(logging.ERROR):
            out = matching_service.analyse_queries(decoded, threads=2)
    finally:
        request_id_var.reset(token)
    assert ids == ["req-parallel-1"] * len(decoded)
    assert out[2].local is None and out[2].hashes == []
    assert all(e.local is not None for i, e in enumerate(out) if i != 2)
    assert any("analysis failed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("local_stage", "threads_seen"), [(True, 2), (False, 1)])
def test_searches_spread_over_threads_only_with_keypoints(
        decoded: list[DecodedImage], genuine: list[Image.Image],
        monkeypatch: pytest.MonkeyPatch, local_stage: bool, threads_seen: int) -> None:
    index = MatchIndex()
    for image_id, photo in enumerate(genuine):
        e = analyse_catalog(photo)
        index.matcher.enroll(image_id, e.hashes, e.local, e.descriptors)
    queries = matching_service.analyse_queries(decoded, local_stage=local_stage)
    real = index.matcher.match
    seen: set[str] = set()

    def recording(query: QueryEvidence) -> list[Match]:
        seen.add(threading.current_thread().name)
        return real(query)

    monkeypatch.setattr(index.matcher, "match", recording)
    found = index.match(queries, threads=2)
    assert len(seen) == threads_seen
    assert found[0] and found[0][0].image_id == 0  # the catalog photo itself
