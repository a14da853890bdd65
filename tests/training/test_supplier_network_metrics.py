"""Supplier-network figures from a replay record and the ground truth (no server)."""

from __future__ import annotations

from training.supplier_network_metrics import (
    after_removals,
    by_kind,
    decision_to_repost,
    honest_sellers,
    run_metrics,
)
from training.supplier_network_replay import ModeratorPolicy


def listing(listing_id: str, t: float, seller: str, kind: str, supplier: str | None,
            sources: tuple[str, ...]) -> dict:
    photo_kind = "fake" if supplier else "own"
    return {"listing_id": listing_id, "t_hours": t, "seller_id": seller, "seller_kind": kind,
            "supplier_id": supplier,
            "photos": [{"source": s, "kind": photo_kind, "edit": "none"} for s in sources]}


# Supplier S0: agents a1, a2 post photos f1/f2; honest h1, h2 post their own photos.
TRUTH = [
    listing("L1", 1, "a1", "agent", "S0", ("f1",)),
    listing("L2", 2, "a2", "agent", "S0", ("f2",)),
    listing("L3", 3, "h1", "honest", None, ("o1",)),
    listing("L4", 30, "a1", "agent", "S0", ("f2",)),
    listing("L5", 31, "a2", "agent", "S0", ("f1",)),
    listing("L6", 40, "a2", "agent", "S0", ("f1",)),
    listing("L7", 41, "h2", "honest", None, ("o2",)),
]
SELLERS = {"a1": {"kind": "agent", "supplier_id": "S0"},
           "a2": {"kind": "agent", "supplier_id": "S0"},
           "h1": {"kind": "honest", "supplier_id": None},
           "h2": {"kind": "honest", "supplier_id": None}}


def run(flagged: set[str], linked: dict[str, list[str]] | None = None) -> dict:
    outcomes = {x["listing_id"]: {"decision": "review" if x["listing_id"] in flagged else "allow",
                                  "reasons": [], "bank_matches": 0, "linked_sellers": 0}
                for x in TRUTH}
    network = {"status": "available", "linked": linked, "responses": {"200": 4}} \
        if linked is not None else {"status": "not available", "linked": {},
                                    "responses": {"404 not_found": 4}}
    decisions = [{"listing_id": "L1", "decision": "remove", "t_hours": 24.0, "correct": True},
                 {"listing_id": "L3", "decision": "approve", "t_hours": 24.0, "correct": True}]
    return {"listings": outcomes, "decisions": decisions, "network": network, "errors": [],
            "seconds": 1.0}


def test_later_listings_are_counted_after_the_kth_removal() -> None:
    figures = after_removals(TRUTH, run({"L1", "L4", "L6"}))
    s0 = figures["per_supplier"]["S0"]
    assert s0["removals"] == 1
    assert s0["1"] == {"reached": True, "later": 3, "flagged": 2, "share": round(2 / 3, 4)}
    assert s0["3"]["reached"] is False and s0["3"]["share"] is None
    assert figures["pooled"]["1"] == {"suppliers": 1, "later": 3, "flagged": 2,
                                      "share": round(2 / 3, 4)}
    assert figures["pooled"]["3"]["suppliers"] == 0 and figures["pooled"]["3"]["share"] is None
    assert s0["0"]["later"] == 2  # L1 and L2 came before the removal at hour 24


def test_time_to_the_first_flagged_repost_of_the_removed_photos() -> None:
    figures = decision_to_repost(TRUTH, run({"L6"}))
    same = figures["same_photos"]  # L1 showed f1: its reposts are L5 (not flagged), L6
    assert same["flagged_eventually"] == 1 and same["median_listings"] == 2
    assert same["median_hours"] == 16.0 and same["first_repost_flagged"] == 0.0
    never = decision_to_repost(TRUTH, run(set()))["any_photo"]
    assert never["never_flagged"] == 1 and never["median_hours"] is None


def test_honest_sellers_wrongly_linked_needs_the_network_endpoint() -> None:
    unavailable = honest_sellers(TRUTH, SELLERS, run(set()))
    assert unavailable["network"] == "not available" and unavailable["wrongly_linked"] is None
    linked = honest_sellers(TRUTH, SELLERS, run({"L3"}, {"a1": ["a2"], "a2": ["a1", "h2"],
                                                         "h1": [], "h2": ["a2"]}))
    assert linked["wrongly_linked"] == 1 and linked["wrongly_linked_share"] == 0.5
    assert linked["linked_any"] == 1 and linked["linked_to_honest"] == 0
    assert linked["listings_flagged"] == 1 and linked["listings_flagged_share"] == 0.5
    # two honest sellers linked to each other: wrong too, though no other kind is involved
    pair = honest_sellers(TRUTH, SELLERS, run(set(), {"h1": ["h2"], "h2": ["h1"]}))
    assert pair["wrongly_linked"] == 0 and pair["linked_to_honest"] == 2
    assert pair["linked_any"] == 2 and pair["linked_any_share"] == 1.0


def test_precision_and_recall_by_kind() -> None:
    figures = by_kind(TRUTH, run({"L1", "L2", "L3"}))
    assert figures["kinds"]["agent"]["flagged"] == 2 and figures["kinds"]["honest"]["flagged"] == 1
    assert figures["precision"] == round(2 / 3, 4) and figures["recall"] == 0.4


def test_metrics_structure() -> None:
    figures = run_metrics(TRUTH, SELLERS, run({"L4"}))
    assert set(figures) >= {"after_removals", "decision_to_repost", "honest", "by_kind",
                            "moderator", "agent_links", "errors"}
    assert figures["moderator"] == {"reviewed": 2, "removed": 1, "approved": 1, "wrong": 0}


def test_the_moderator_errs_at_its_rate_and_the_same_way_every_run() -> None:
    policy = ModeratorPolicy(error_rate=0.05, seed=3)
    calls = [policy.decides_counterfeit(f"L{n}", True) for n in range(4_000)]
    assert calls == [policy.decides_counterfeit(f"L{n}", True) for n in range(4_000)]
    assert 0.04 < calls.count(False) / len(calls) < 0.06
    assert not any(ModeratorPolicy(error_rate=0.0).decides_counterfeit(f"L{n}", False)
                   for n in range(100))
