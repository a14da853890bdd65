"""The in-process photo group index: a group recorded through one process is found by
another (two apps on one database, as two workers), by a restarted one, and by a sync that
comes back for a group committed out of id order."""

from __future__ import annotations

import base64
import random
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from service.app.factory import create_app
from service.kit.db import utcnow
from service.networks.runtime import PhotoGroupIndex
from service.networks.tables import NetworkGroup, NetworkPrint
from tests.service.networks.conftest import linked_ids, repost


def send(client: TestClient, headers: dict[str, str], seller: str, listing: str,
         images: list[bytes]) -> None:
    body = {"listing_id": listing, "seller_id": seller, "caption": "", "price": 300,
            "currency": "CNY", "images": [{"data": base64.b64encode(b).decode()}
                                          for b in images]}
    answer = client.post("/v1/listings/score", json=body, headers=headers)
    assert answer.status_code == 200, answer.text


def groups_of(client: TestClient, *listings: str) -> set[Any]:
    with client.app.state.trust.session_factory() as session:  # type: ignore[attr-defined]
        return set(session.scalars(select(NetworkPrint.group_id).where(
            NetworkPrint.listing_id.in_(listings), NetworkPrint.kind == "photo")))


def test_a_group_recorded_through_one_process_is_found_by_another(
        client, settings, api_keys, network) -> None:
    with TestClient(create_app(settings, load_in_background=False)) as worker_b:
        assert len(worker_b.app.state.trust.networks.get()) == 0  # type: ignore[attr-defined]
        send(client, api_keys.platform, "agent-1", "A1", [repost(7)])  # worker A's group
        send(worker_b, api_keys.platform, "agent-2", "B1", [repost(7, crop=0.02, quality=55)])
        assert len(groups_of(client, "A1", "B1")) == 1
        assert linked_ids(network("agent-1")) == {"agent-2"}
        # and back: a group worker B started is found by worker A
        send(worker_b, api_keys.platform, "agent-3", "C1", [repost(9)])
        send(client, api_keys.platform, "agent-4", "D1", [repost(9, quality=60)])
        assert len(groups_of(client, "C1", "D1")) == 1
        assert linked_ids(network("agent-4")) == {"agent-3"}


def test_a_restarted_app_loads_the_groups(client, settings, api_keys, network) -> None:
    send(client, api_keys.platform, "agent-1", "A1", [repost(11), repost(12)])
    send(client, api_keys.other_platform, "agent-9", "Z1", [repost(13)])
    with TestClient(create_app(settings, load_in_background=False)) as restarted:
        index: PhotoGroupIndex = restarted.app.state.trust.networks.get()  # type: ignore
        assert len(index) == 3 and set(index.platforms) == {"shop-a", "shop-b"}
        send(restarted, api_keys.platform, "agent-2", "B1", [repost(12, quality=55)])
    assert len(groups_of(client, "A1", "B1")) == 2  # B1's photo joined A1's second group
    assert linked_ids(network("agent-2")) == {"agent-1"}


def _group(session_factory, group_id: int, phash: bytes, platform: str = "shop-a") -> None:
    with session_factory() as session:
        session.execute(insert(NetworkGroup), [{
            "id": group_id, "platform_id": platform, "kind": "photo",
            "code": bytes(32) + phash, "sellers": 1, "catalog": False,
            "created_at": utcnow()}])
        session.commit()


def test_a_group_committed_below_the_newest_id_is_picked_up(session_factory) -> None:
    """PostgreSQL hands out ids before commit: id 5 may commit after id 6 was read."""
    codes = {i: random.Random(i).randbytes(8) for i in (4, 5, 6)}
    _group(session_factory, 4, codes[4])
    index = PhotoGroupIndex(session_factory)
    index.sync()
    _group(session_factory, 6, codes[6])
    index.sync()
    assert index.seq == 6 and 5 in index.gaps and 4 not in index.gaps  # 1-3: never used
    assert index.search("shop-a", [codes[5]]) == [set()]
    _group(session_factory, 5, codes[5])
    index.sync()
    assert 5 not in index.gaps
    assert index.search("shop-a", [codes[4], codes[5], codes[6]]) == [{4}, {5}, {6}]
    assert index.search("shop-b", [codes[4]]) == [set()]
    index.sync()  # nothing new: nothing applied twice
    assert len(index) == 3
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NetworkGroup)) == 3


def test_search_finds_every_group_within_the_radius_and_no_other(session_factory) -> None:
    rng = np.random.default_rng(3)
    stored = rng.integers(0, 2**63, size=6000, dtype=np.int64).astype(np.uint64)
    query = int(stored[17])
    near = [query ^ (1 << b) ^ (1 << (b + 20)) ^ (1 << (b + 40)) for b in range(7)]  # d = 3
    far = [query ^ sum(1 << (9 * k) for k in range(7)) ^ (1 << 63)]  # d = 8
    values = [int(v) for v in stored] + near + far
    with session_factory() as session:
        session.execute(insert(NetworkGroup), [{
            "id": i + 1, "platform_id": "shop-a", "kind": "photo",
            "code": bytes(32) + v.to_bytes(8, "big"), "sellers": 1, "catalog": False,
            "created_at": utcnow()} for i, v in enumerate(values)])
        session.commit()
        index = PhotoGroupIndex.loaded(session)
    found = index.search("shop-a", [query.to_bytes(8, "big")])[0]
    expected = {i + 1 for i, v in enumerate(values) if (v ^ query).bit_count() <= 7}
    assert found == expected and {18} | set(range(6001, 6008)) <= found
    assert 6008 not in found
