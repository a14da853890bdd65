"""The supplier-network generator: deterministic for a seed, and its ground truth consistent."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image
from trustdata.supplynet.build import build
from trustdata.supplynet.config import SMALL, NetConfig, load_config
from trustdata.supplynet.io import load_network
from trustdata.supplynet.timeline import GRID_CELLS, make_timeline
from trustdata.supplynet.world import make_world


def generated(config: NetConfig) -> tuple[dict, list[dict]]:
    world = make_world(config)
    listings = make_timeline(world)
    return {"photos": {k: v.kind for k, v in world.photos.items()},
            "sellers": {s.seller_id: s for s in world.sellers},
            "catalog": world.catalog, "config": config}, listings


@pytest.fixture(scope="module")
def default() -> tuple[dict, list[dict]]:
    return generated(NetConfig())


@pytest.fixture(scope="module")
def small_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("supplynet") / "a"
    build(out, SMALL)
    return out


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def test_same_seed_same_network_byte_for_byte(small_build: Path, tmp_path: Path) -> None:
    build(tmp_path / "b", SMALL)
    first, second = digests(small_build), digests(tmp_path / "b")
    assert len(first) > 40 and first == second


def test_another_seed_another_network() -> None:
    _, a = generated(SMALL)
    _, b = generated(load_config(small=True, seed=SMALL.seed + 1))
    assert [x["caption"] for x in a] != [x["caption"] for x in b]


def test_default_size_is_meaningful(default: tuple[dict, list[dict]]) -> None:
    world, listings = default
    kinds = defaultdict(int)
    for seller in world["sellers"].values():
        kinds[seller.kind] += 1
    assert kinds["supplier"] == 8 and kinds["honest"] == 150
    assert 8 * 20 <= kinds["agent"] <= 8 * 40
    assert 2_000 <= len(listings) <= 3_000
    assert all(1 <= len(x["photos"]) <= 4 for x in listings)


def test_every_agent_belongs_to_its_recruiters_supplier(default: tuple[dict, list[dict]]) -> None:
    sellers = default[0]["sellers"]
    agents = [s for s in sellers.values() if s.kind == "agent"]
    assert agents
    for agent in agents:
        assert agent.supplier_id is not None
        parent = sellers[agent.parent]
        assert parent.kind in ("supplier", "agent") and parent.supplier_id == agent.supplier_id
        assert agent.depth == parent.depth + 1 and agent.join_day >= parent.join_day
    roots = [s for s in sellers.values() if s.kind == "supplier"]
    assert len({s.supplier_id for s in roots}) == len(roots)


def test_photos_are_posted_only_by_who_may_have_them(default: tuple[dict, list[dict]]) -> None:
    world, listings = default
    sellers, kinds = world["sellers"], world["photos"]
    fake_owner: dict[str, set[str]] = defaultdict(set)
    for listing in listings:
        seller = sellers[listing["seller_id"]]
        assert listing["seller_kind"] == seller.kind
        assert listing["supplier_id"] == seller.supplier_id
        for photo in listing["photos"]:
            assert kinds[photo["source"]] == photo["kind"]
            assert all(kinds[f] in ("fake", "official", "own") for f in photo.get("fillers", ()))
            if photo["edit"] == "grid9":
                assert len(photo["fillers"]) == GRID_CELLS - 1
            if photo["kind"] == "fake":
                fake_owner[photo["source"]].add(str(seller.supplier_id))
        if seller.kind == "honest":  # never a supplier's photo, not even in a grid cell
            assert not any(p["kind"] == "fake" for p in listing["photos"])
            assert not any(p.get("fillers") for p in listing["photos"])
        else:
            assert any(p["kind"] in ("fake", "official") for p in listing["photos"])
            assert all(p["kind"] != "stock" for p in listing["photos"])
    assert fake_owner and all(len(owners) == 1 for owners in fake_owner.values())


def test_stock_photos_are_shared_by_more_honest_sellers_than_the_cap(
        default: tuple[dict, list[dict]]) -> None:
    world, listings = default
    sharers: dict[str, set[str]] = defaultdict(set)
    for listing in listings:
        for photo in listing["photos"]:
            if photo["kind"] == "stock":
                sharers[photo["source"]].add(listing["seller_id"])
    assert len(sharers) == world["config"].stock_photos
    assert all(len(s) > world["config"].link_cap for s in sharers.values())
    assert all(world["sellers"][s].kind == "honest" for ids in sharers.values() for s in ids)


def test_official_photos_come_from_the_catalog_and_authorised_sellers_post_them(
        default: tuple[dict, list[dict]]) -> None:
    world, listings = default
    official = {p for product in world["catalog"] for p in product.photos}
    posted = {p["source"] for x in listings for p in x["photos"] if p["kind"] == "official"}
    assert posted and posted <= official
    authorised = {s for product in world["catalog"] for s in product.authorized_seller_ids}
    assert authorised and all(world["sellers"][s].kind == "honest" for s in authorised)
    posting = {x["seller_id"] for x in listings if any(p["kind"] == "official"
                                                       for p in x["photos"])}
    assert authorised <= posting


def test_timeline_is_in_time_order_with_unique_ids(default: tuple[dict, list[dict]]) -> None:
    listings = default[1]
    times = [x["t_hours"] for x in listings]
    assert times == sorted(times) and times[-1] < NetConfig().days * 24
    assert len({x["listing_id"] for x in listings}) == len(listings)
    files = [p["file"] for x in listings for p in x["photos"]]
    assert len(set(files)) == len(files)


def test_built_network_loads_with_its_photos_within_size(small_build: Path) -> None:
    network = load_network(small_build)
    assert network.listings and network.world["catalog"]
    for listing in network.listings:
        for photo in listing["photos"]:
            with Image.open(small_build / photo["file"]) as img:
                limit = SMALL.composite_side if photo["edit"] in ("screenshot", "grid9") \
                    else SMALL.photo_side
                assert max(img.size) <= limit
    for product in network.world["catalog"]:
        assert all((small_build / f).exists() for f in product["files"])
    manifest = json.loads((small_build / "manifest.json").read_text())
    assert manifest["config"]["seed"] == SMALL.seed
