"""A lone shared photo links two sellers only when they posted close copies of it: the
whole-photo rule joins two sellers' own shots of look-alike products posed alike (PDQ 26-56
apart on the simulated networks), which no stranger should be linked by
(models/networks/rules.py: CLOSE_COPY_PDQ). Real SQLite, prints built bit by bit."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

import service.app.factory  # noqa: F401  (every domain's tables, for create_all)
from models.networks.prints import PhotoPrint, close_copy, same_photo
from models.networks.rules import CLOSE_COPY_PDQ
from service.kit.db import Base
from service.networks.recording import PhotoPost, record
from service.networks.service import seller_network

NOW = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)


def _flip(code: bytes, bits: range) -> bytes:
    raw = np.unpackbits(np.frombuffer(code, dtype=np.uint8)).copy()
    raw[list(bits)] ^= 1
    return np.packbits(raw).tobytes()


def _linked(prints: dict[str, list[PhotoPrint]]) -> dict[str, set[str]]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with sessionmaker(engine)() as session:
        for seller, shots in prints.items():
            for n, shot in enumerate(shots):
                record(session, "p", seller, f"{seller}-{n}", [PhotoPost(0, shot, False)], "",
                       NOW)
        session.commit()
        return {seller: {link.seller_id for link in seller_network(session, "p", seller,
                                                                   50).linked}
                for seller in prints}


def test_look_alike_shots_the_photo_rule_joins_do_not_link_alone() -> None:
    rng = np.random.default_rng(7)
    base = PhotoPrint(rng.bytes(32), rng.bytes(8), 90)
    alike = PhotoPrint(_flip(base.pdq, range(40)), _flip(base.phash, range(4)), 90)
    copy = PhotoPrint(_flip(base.pdq, range(CLOSE_COPY_PDQ)), _flip(base.phash, range(2)), 90)
    assert same_photo(base.code, alike.code) == 40 and not close_copy(base.pdq, alike.pdq)
    assert close_copy(base.pdq, copy.pdq)
    assert _linked({"own-1": [base], "own-2": [alike]}) == {"own-1": set(), "own-2": set()}
    assert _linked({"agent-1": [base], "agent-2": [copy]}) == {"agent-1": {"agent-2"},
                                                               "agent-2": {"agent-1"}}


def test_loose_copies_still_count_as_weak_evidence() -> None:
    """A loose copy of a rare photo is two weak pieces (models/networks/strength.is_link):
    alone it does not link; two such photos, or one and a shared caption, do."""
    rng = np.random.default_rng(8)
    shots = [PhotoPrint(rng.bytes(32), rng.bytes(8), 90) for _ in range(2)]
    loose = [PhotoPrint(_flip(s.pdq, range(40)), _flip(s.phash, range(4)), 90) for s in shots]
    assert _linked({"a": shots[:1], "b": loose[:1]}) == {"a": set(), "b": set()}
    assert _linked({"a": shots, "b": loose}) == {"a": {"b"}, "b": {"a"}}
