"""Enrolling a popular photo pairs it with a group one of whose prints matches its views,
though the group's representative (its first print) is too far from every view: a crop
first posted a little deeper than the others (real SQLite, prints built bit by bit)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

import service.app.factory  # noqa: F401  (every domain's tables, for create_all)
from models.banks.hashes import BankHash
from models.hashing.kinds import hamming
from models.networks.prints import PhotoPrint, same_photo
from models.networks.variants import VARIANT_RULES
from service.kit.db import Base
from service.networks.recording import PhotoPost, _enrol, record
from service.networks.repository import print_hashes
from service.networks.runtime import PhotoGroupIndex
from service.networks.tables import NetworkPrint

NOW = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)


def _flip(code: bytes, bits: range) -> bytes:
    raw = np.unpackbits(np.frombuffer(code, dtype=np.uint8)).copy()
    raw[list(bits)] ^= 1
    return np.packbits(raw).tobytes()


def _group(session: Session, listing: str) -> int:
    found = session.scalar(select(NetworkPrint.group_id).where(
        NetworkPrint.listing_id == listing))
    assert found is not None
    return int(found)


def test_a_group_is_paired_through_any_of_its_prints() -> None:
    rng = np.random.default_rng(5)
    phash, pdq = rng.bytes(8), rng.bytes(32)
    first = PhotoPrint(_flip(pdq, range(40)), _flip(phash, range(9)), 90)  # 9 bits off
    later = PhotoPrint(_flip(pdq, range(30)), _flip(phash, range(5)), 90)  # 5 bits off
    assert hamming(first.phash, phash) > VARIANT_RULES.phash_max
    assert same_photo(first.code, later.code) is not None  # one group
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with sessionmaker(engine)() as session:
        for seller, listing, p in (("a", "A1", first), ("b", "B1", later),
                                   ("s", "S1", PhotoPrint(pdq, phash, 90))):
            record(session, "p", seller, listing, [PhotoPost(0, p, False)], "", NOW)
        session.commit()
        crop, photo = _group(session, "A1"), _group(session, "S1")
        assert _group(session, "B1") == crop != photo
        index = PhotoGroupIndex.loaded(session)
        pairs = _enrol(session, index, "p", photo, [BankHash("full-id", phash, pdq, 90)])
        assert pairs == {(photo, crop)}
        # each group's first prints are read, however many it has
        rows = print_hashes(session, [crop, photo], per_group=1)
        assert [(g, ph) for g, _, ph in rows] == [(crop, first.phash), (photo, phash)]
