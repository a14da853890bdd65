"""Keypoints stay in the database: start-up reads none, a query reads its uncached
candidates, replicas follow enrolments, re-enrolments and deletions through the change log,
and results equal those of an index holding every keypoint."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image
from skimage import data
from sqlalchemy import Engine, delete, event
from sqlalchemy.orm import Session, sessionmaker
from trustdata.copydetect import layouts
from trustdata.copydetect.sources import product_shot

from models.hashing.analysis import CatalogEvidence, QueryEvidence, analyse_catalog, analyse_query
from service.catalog.tables import CatalogImage, Product
from service.kit.db import create_db_engine, make_session_factory
from service.matching import repository
from service.matching.keypoints import DatabaseKeypoints
from service.matching.runtime import MatchIndex


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    real = [Image.fromarray(f()) for f in (data.astronaut, data.coffee, data.chelsea)]
    return real + [product_shot(seed, size=480) for seed in range(1800, 1803)]


@pytest.fixture(scope="module")
def evidence(photos: list[Image.Image]) -> list[CatalogEvidence]:
    return [analyse_catalog(p) for p in photos]


def _crop(img: Image.Image) -> Image.Image:
    return img.crop((img.width // 5, img.height // 5, img.width * 4 // 5, img.height * 4 // 5))


def _keypoints_only(img: Image.Image) -> QueryEvidence:
    """A query the keypoint stage alone can match (no hashes)."""
    return analyse_query(None, img)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def _add(factory: sessionmaker[Session], evidence: CatalogEvidence) -> int:
    """A catalog image with its evidence and change-log row, as the catalog hook writes it."""
    with factory() as session:
        product = Product(brand="Maison Verdier", brand_key="maison verdier", name="item",
                          list_price=Decimal(100), currency="USD")
        session.add(product)
        session.flush()
        image = CatalogImage(product_id=product.id, sha256=uuid.uuid4().hex * 2, byte_size=1,
                             format="JPEG", width=1, height=1, data=b"-")
        session.add(image)
        session.flush()
        repository.add_evidence(session, image.id, evidence)
        session.commit()
        return image.id


def _restore(factory: sessionmaker[Session], image_id: int, evidence: CatalogEvidence) -> None:
    """New evidence under the same image id, as ``trustd matching reindex`` writes it."""
    with factory() as session:
        repository.remove_hashes(session, [image_id])
        repository.add_evidence(session, image_id, evidence)
        session.commit()


def _loaded(index: MatchIndex, factory: sessionmaker[Session]) -> MatchIndex:
    with factory() as session:
        index.load(session)
    return index


def _sync(index: MatchIndex, factory: sessionmaker[Session]) -> None:
    with factory() as session:
        index.sync(session)


def _matched(index: MatchIndex, query: QueryEvidence) -> set[int]:
    return {m.image_id for m in index.match([query])[0]}


def test_the_database_source_reads_only_the_requested_ids(
        engine: Engine, factory: sessionmaker[Session], evidence: list[CatalogEvidence]) -> None:
    ids = [_add(factory, e) for e in evidence[:4]]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement))
    source = DatabaseKeypoints(factory)
    assert source.load([]) == {} and statements == []
    got = source.load([ids[1], ids[3], max(ids) + 1000])
    assert set(got) == {ids[1], ids[3]}
    for image_id, want in ((ids[1], evidence[1].local), (ids[3], evidence[3].local)):
        f = got[image_id]
        assert np.array_equal(f.descriptors, want.descriptors)
        assert np.array_equal(f.points, want.points) and np.array_equal(f.pixels, want.pixels)
    reads = [s for s in statements if "matching_features" in s]
    assert len(reads) == 1 and "descriptors" not in reads[0].split("FROM")[0]


def test_start_up_reads_no_keypoints_and_matches_like_an_all_resident_index(
        factory: sessionmaker[Session], evidence: list[CatalogEvidence],
        photos: list[Image.Image]) -> None:
    for e in evidence:
        _add(factory, e)
    resident = _loaded(MatchIndex(), factory)
    stored = _loaded(MatchIndex.on_database(factory, cache_images=2), factory)
    assert stored.keypoints is not None and stored.keypoints.reads == 0
    assert stored.matcher.local.cached == 0 and len(stored.matcher.local) == len(evidence)
    fillers = [product_shot(seed, size=400) for seed in range(1900, 1908)]
    edits = [_crop(photos[0]), photos[1].transpose(Image.Transpose.FLIP_LEFT_RIGHT),
             layouts.grid(photos[4], random.Random(1), fillers, 3),
             layouts.collage(photos[2], random.Random(2), fillers), fillers[0]]
    matched = 0
    for img in edits:
        # described: candidates by descriptor; not described: the whole catalog, scanned
        for query in (analyse_query(img), analyse_query(img, describe=False)):
            expect = resident.match([query])
            assert stored.match([query]) == expect
            assert stored.matcher.local.cached <= 2
            matched += bool(expect[0])
    assert matched >= 6 and stored.keypoints.reads > 0


def test_queries_searched_on_several_threads_match_as_on_one_through_one_connection(
        engine: Engine, factory: sessionmaker[Session], evidence: list[CatalogEvidence],
        photos: list[Image.Image]) -> None:
    for e in evidence:
        _add(factory, e)
    resident = _loaded(MatchIndex(), factory)
    stored = _loaded(MatchIndex.on_database(factory, cache_images=2), factory)
    assert stored.keypoints is not None
    fillers = [product_shot(seed, size=400) for seed in range(1900, 1908)]
    edits = [_crop(photos[0]), photos[1].transpose(Image.Transpose.FLIP_LEFT_RIGHT),
             layouts.grid(photos[4], random.Random(1), fillers, 3),
             layouts.collage(photos[2], random.Random(2), fillers), _crop(photos[3]),
             fillers[0]]
    queries = [q for img in edits for q in (analyse_query(img), analyse_query(img,
                                                                              describe=False))]
    expect = resident.match(queries)
    checkouts: list[int] = []
    event.listen(engine, "checkout", lambda *_: checkouts.append(threading.get_ident()))
    for threads in (3, 1):
        checkouts.clear()
        reads = stored.keypoints.reads
        got = stored.match(queries, threads=threads)
        assert got == expect
        assert sum(bool(m) for m in got) >= 8
        # uncached candidates are read through the caller's connection: one checkout in
        # all, however many threads and reads (the cache holds 2 of 6 photos)
        assert stored.keypoints.reads > reads + 1 and len(checkouts) == 1, threads
        assert stored.matcher.local.cached <= 2


def test_a_catalog_that_fits_the_cache_is_read_once_at_start_up(
        factory: sessionmaker[Session], evidence: list[CatalogEvidence],
        photos: list[Image.Image]) -> None:
    ids = [_add(factory, e) for e in evidence[:3]]
    index = _loaded(MatchIndex.on_database(factory), factory)
    assert index.keypoints is not None and index.keypoints.reads == 1
    assert index.matcher.local.cached == 3
    assert _matched(index, analyse_query(_crop(photos[1]), describe=False)) == {ids[1]}
    assert index.keypoints.reads == 1


def test_replicas_follow_enrolment_re_enrolment_and_deletion(
        engine: Engine, factory: sessionmaker[Session], evidence: list[CatalogEvidence],
        photos: list[Image.Image]) -> None:
    _add(factory, evidence[1])
    a = _loaded(MatchIndex.on_database(factory), factory)
    b = _loaded(MatchIndex.on_database(factory), factory)
    astronaut, chelsea = _keypoints_only(_crop(photos[0])), _keypoints_only(_crop(photos[2]))
    image_id = _add(factory, evidence[0])  # through replica A's process
    _sync(a, factory)
    assert _matched(a, astronaut) == {image_id}
    assert image_id not in _matched(b, astronaut)  # until B syncs
    _sync(b, factory)
    assert _matched(b, astronaut) == {image_id}  # B now caches its keypoints
    _restore(factory, image_id, evidence[2])  # the same image id, other keypoints
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: statements.append(statement))
    _sync(b, factory)
    assert not any("matching_features.data" in s for s in statements)  # sync reads no blobs
    assert image_id not in _matched(b, astronaut)
    assert _matched(b, chelsea) == {image_id}
    with factory() as session:
        repository.remove_hashes(session, [image_id])
        session.execute(delete(CatalogImage).where(CatalogImage.id == image_id))
        session.commit()
    _sync(b, factory)
    assert image_id not in b.matcher.local
    assert image_id not in _matched(b, chelsea) | _matched(b, astronaut)


def test_a_match_takes_its_connection_before_waiting_for_the_lock(
        engine: Engine, factory: sessionmaker[Session], evidence: list[CatalogEvidence],
        photos: list[Image.Image]) -> None:
    """Threads waiting for the index's lock may hold every pooled connection; the thread
    holding the lock must never be the one waiting for the pool."""
    _add(factory, evidence[0])
    index = _loaded(MatchIndex.on_database(factory), factory)
    query = _keypoints_only(_crop(photos[0]))
    pool = engine.pool
    before = pool.checkedout()  # type: ignore[attr-defined]
    with index.lock:
        worker = threading.Thread(target=index.match, args=([query],))
        worker.start()
        deadline = time.monotonic() + 10
        while pool.checkedout() == before and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)
        assert pool.checkedout() == before + 1  # type: ignore[attr-defined]
        assert worker.is_alive()  # and it is waiting for the lock
    worker.join(10)
    assert not worker.is_alive() and pool.checkedout() == before  # type: ignore[attr-defined]
