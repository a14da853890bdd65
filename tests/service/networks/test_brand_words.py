"""A caption is weighed by what it travels with: posted beside a catalog photo by most of
its sellers, it is the brand's words and links nobody (models/networks/strength.brand_words).
A photo the deep check finds in the catalog later marks its listing's caption too (real
SQLite, prints built by hand)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

import service.app.factory  # noqa: F401  (every domain's tables, for create_all)
from models.networks.prints import PhotoPrint
from service.kit.db import Base
from service.networks.recording import CAPTION, PhotoPost, record
from service.networks.repository import beside_catalog, mark_catalog, popularity
from service.networks.service import rare_groups
from service.networks.tables import NetworkPrint

NOW = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
CAPTION_TEXT = "正品 Vellora 链条包 授权店发货 专柜小票齐全 可查验 全国联保"


def _photo(seed: int) -> PhotoPrint:
    rng = np.random.default_rng(seed)
    return PhotoPrint(rng.bytes(32), rng.bytes(8), 90)


def _caption_group(session: Session) -> int:
    found = set(session.scalars(select(NetworkPrint.group_id).where(
        NetworkPrint.kind == CAPTION)))
    assert len(found) == 1, found
    group = found.pop()
    assert group is not None
    return int(group)


def test_a_caption_most_sellers_post_beside_the_catalog_links_nobody() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with sessionmaker(engine)() as session:
        # store-1 posts it beside a catalog photo, store-2 beside its own photo only
        record(session, "p", "store-1", "S1", [PhotoPost(0, _photo(1), True),
                                               PhotoPost(1, _photo(2), False)],
               CAPTION_TEXT, NOW)
        record(session, "p", "store-2", "S2", [PhotoPost(0, _photo(3), False)],
               CAPTION_TEXT, NOW)
        session.commit()
        group = _caption_group(session)
        assert beside_catalog(session, [group]) == {group: 1}
        assert group in rare_groups(session, [group], cap=50)  # one of two: still rare
        # the deep check finds store-2's photo in the catalog: its caption was beside one
        mark_catalog(session, "p", "S2", [0])
        session.commit()
        marked = session.scalars(select(NetworkPrint.catalog).where(
            NetworkPrint.listing_id == "S2", NetworkPrint.kind == CAPTION)).all()
        assert marked and all(marked)
        assert beside_catalog(session, [group]) == {group: 2}
        assert group not in rare_groups(session, [group], cap=50)
        record(session, "p", "agent-1", "A1", [PhotoPost(0, _photo(4), False)],
               CAPTION_TEXT, NOW)
        record(session, "p", "agent-2", "A2", [PhotoPost(0, _photo(5), False)],
               CAPTION_TEXT, NOW)
        session.commit()
        assert popularity(session, [group])[group].sellers == 4
        assert group in rare_groups(session, [group], cap=50)  # two of four: not most
