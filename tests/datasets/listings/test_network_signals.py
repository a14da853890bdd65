"""Supplier-network signals in the generated listings: bank matches and links to confirmed
sellers, drawn noisily, from their own random stream, loadable with or without them."""

from __future__ import annotations

import json
import random

from trustdata.listings.build import build
from trustdata.listings.io import load_split, to_signals
from trustdata.listings.networks import Network, link_strength, network_signals
from trustdata.listings.simulate import make_listings
from trustdata.listings.world import ARCHETYPES, Seller, make_world

NETWORK_KEYS = ("bank_matches", "linked_counterfeit")


def world_and_records(seed: int = 3, sellers: int = 600):
    world = make_world(seed, n_brands=20, n_sellers=sellers)
    return world, make_listings(world, seed)


def test_network_signals_change_no_other_field() -> None:
    world = make_world(3, n_brands=20, n_sellers=300)
    with_them = make_listings(world, 3)
    without = make_listings(world, 3, with_network_signals=False)
    assert all(not set(NETWORK_KEYS) & set(r) for r in without)
    assert [{k: v for k, v in r.items() if k not in NETWORK_KEYS} for r in with_them] == without
    assert any(r["bank_matches"] for r in with_them)
    assert any(r["linked_counterfeit"] for r in with_them)


def test_networks_hold_counterfeit_sellers_of_one_split() -> None:
    world = make_world(4, n_brands=20, n_sellers=1500)
    members = [s for s in world.sellers if s.network is not None]
    assert members
    assert all(ARCHETYPES[s.archetype][1] for s in members)
    for seller in members:
        assert world.networks[str(seller.network)].split == seller.split
    assert any(n.known_days == 0 for n in world.networks.values())
    assert any(n.known_days > 0 for n in world.networks.values())


def test_counterfeits_of_known_networks_carry_the_signals_honest_sellers_rarely_do() -> None:
    world, records = world_and_records(seed=4, sellers=1500)
    known = {s.seller_id for s in world.sellers
             if s.network is not None and world.networks[s.network].known_days > 0}
    agents = [r for r in records if r["seller_id"] in known and r["kind"] in
              ("counterfeit_overt", "counterfeit_evasive", "counterfeit_mixed")
              and r["photos_checked"] > 0]
    honest = [r for r in records if not ARCHETYPES[r["kind"]][1] and r["seller_id"] not in known]

    def share(rows, key):
        return sum(bool(r[key]) for r in rows) / len(rows)

    assert share(agents, "bank_matches") > 0.25
    assert share(agents, "linked_counterfeit") > 0.35
    # Rare, but present: the model must learn that a bank match can be wrong.
    assert 0.0 < share(honest, "bank_matches") < 0.02
    assert 0.0 < share(honest, "linked_counterfeit") < 0.03
    honest_strengths = [r["linked_counterfeit"]["strength"] for r in honest
                        if r["linked_counterfeit"]]
    agent_strengths = [r["linked_counterfeit"]["strength"] for r in agents
                       if r["linked_counterfeit"]]
    assert max(honest_strengths) < sorted(agent_strengths)[len(agent_strengths) // 2]


def test_coverage_grows_with_how_long_the_network_is_known() -> None:
    def banked(days: float) -> float:
        rng = random.Random(1)
        network = Network("n", "train", days)
        seller = Seller("s", "counterfeit_overt", "train", [], [], 10, 0.8, 5, True, 0, 0,
                        network="n")
        draws = [network_signals(rng, seller, network, "counterfeit_overt", 1, 4)
                 for _ in range(2000)]
        return sum(bool(d["bank_matches"]) for d in draws) / len(draws)

    unknown, fresh, old = banked(0.0), banked(10.0), banked(300.0)
    assert unknown < 0.02 < fresh < old
    assert old > 0.7


def test_signal_values_are_bounded_and_well_formed() -> None:
    _, records = world_and_records()
    for record in records:
        photos = record["photos_checked"]
        for match in record["bank_matches"]:
            assert 0.0 <= match["confidence"] <= 1.0
            assert 0 <= match["photo_index"] < photos
            assert (match["review_item_id"] is None) == (match["decided_at"] is None)
        linked = record["linked_counterfeit"]
        if linked is not None:
            assert 0.0 < linked["strength"] <= 1.0
            assert linked["strength"] == link_strength(linked["links"])
            assert all(link["confirmed_counterfeits"] >= 1 and link["shared"] >= 1
                       for link in linked["links"])
            if photos == 0:
                assert all(link["kind"] == "caption" for link in linked["links"])


def test_records_convert_with_and_without_their_network_signals() -> None:
    _, records = world_and_records()
    record = next(r for r in records if r["bank_matches"] and r["linked_counterfeit"])
    signals = to_signals(record)
    assert len(signals.bank_matches) == len(record["bank_matches"])
    assert signals.bank_matches[0].entry_id == record["bank_matches"][0]["entry_id"]
    assert signals.linked_counterfeit is not None
    assert signals.linked_counterfeit.strength == record["linked_counterfeit"]["strength"]
    stripped = to_signals(record, network_signals=False)
    assert stripped.bank_matches == () and stripped.linked_counterfeit is None
    # A record written before the generator drew network signals: absent signals.
    older = {k: v for k, v in record.items() if k not in NETWORK_KEYS}
    assert to_signals(older) == stripped


def test_build_reports_network_signals_or_leaves_them_out(tmp_path) -> None:
    manifest = build(tmp_path / "with", seed=11, n_sellers=300, n_brands=10)
    summary = manifest["train"]["network_signals"]
    assert summary["network_counterfeit_banked"] > summary["honest_banked"]
    assert json.loads((tmp_path / "with" / "manifest.json").read_text())["network_signals"]
    plain = build(tmp_path / "without", seed=11, n_sellers=300, n_brands=10,
                  network_signals=False)
    assert "network_signals" not in plain["train"]
    rows = load_split(tmp_path / "without", "train")
    assert rows and all(not set(NETWORK_KEYS) & set(r) for r in rows)


def test_false_links_belong_to_the_few_honest_sellers_a_stock_photo_links() -> None:
    world, records = world_and_records(seed=4, sellers=1500)
    sellers = {s.seller_id: s for s in world.sellers}
    honest = [s for s in world.sellers if not ARCHETYPES[s.archetype][1]]
    linked_sellers = {s.seller_id for s in honest if s.stock_photo_link}
    assert 0 < len(linked_sellers) / len(honest) < 0.03
    for record in records:
        if record["linked_counterfeit"] and not ARCHETYPES[record["archetype"]][1]:
            assert record["seller_id"] in linked_sellers
            assert sellers[record["seller_id"]].network is None
            # One shared photo with one seller: weak, whatever that seller's record.
            assert [link["shared"] for link in record["linked_counterfeit"]["links"]] == [1]
            assert record["linked_counterfeit"]["strength"] < 0.6
