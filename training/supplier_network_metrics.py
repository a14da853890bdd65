"""The supplier-network figures of one replay, from its record and the ground truth.

Pure functions over plain data (the timeline's listings and a replay's record as JSON), so
they are tested without a server.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any

FLAGGED = ("review", "block")
COUNTERFEIT_KINDS = ("supplier", "agent")
REMOVAL_STEPS = (1, 3, 10)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _flagged(run: dict[str, Any], listing_id: str) -> bool:
    outcome = run["listings"].get(listing_id)
    return outcome is not None and outcome["decision"] in FLAGGED


def _removals_by_supplier(truth: list[dict[str, Any]], run: dict[str, Any],
                          ) -> dict[str, list[dict[str, Any]]]:
    """Confirmed removals (remove + counterfeit) of each supplier's listings, in time order."""
    by_id = {listing["listing_id"]: listing for listing in truth}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for decision in run["decisions"]:
        listing = by_id[decision["listing_id"]]
        if decision["decision"] == "remove" and listing["supplier_id"]:
            out[listing["supplier_id"]].append(decision)
    for decisions in out.values():
        decisions.sort(key=lambda d: d["t_hours"])
    return out


def after_removals(truth: list[dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    """Per supplier and pooled: the share of its listings posted after its k-th confirmed
    removal that reached review or block, for k in REMOVAL_STEPS (and before the first)."""
    removals = _removals_by_supplier(truth, run)
    listings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for listing in truth:
        if listing["supplier_id"]:
            listings[listing["supplier_id"]].append(listing)
    per_supplier: dict[str, Any] = {}
    pooled: dict[str, list[int]] = {str(k): [0, 0, 0] for k in ("0", *REMOVAL_STEPS)}
    for supplier, own in sorted(listings.items()):
        times = [d["t_hours"] for d in removals.get(supplier, [])]
        row: dict[str, Any] = {"listings": len(own), "removals": len(times)}
        first = times[0] if times else float("inf")
        before = [x for x in own if x["t_hours"] <= first]
        steps = {"0": (before, True)}
        for k in REMOVAL_STEPS:
            reached = len(times) >= k
            steps[str(k)] = ([x for x in own if reached and x["t_hours"] > times[k - 1]], reached)
        for key, (chosen, reached) in steps.items():
            hits = sum(_flagged(run, x["listing_id"]) for x in chosen)
            row[key] = {"reached": reached, "later": len(chosen), "flagged": hits,
                        "share": _share(hits, len(chosen)) if reached else None}
            if reached:
                pooled[key][0] += 1
                pooled[key][1] += len(chosen)
                pooled[key][2] += hits
        per_supplier[supplier] = row
    return {"per_supplier": per_supplier,
            "pooled": {key: {"suppliers": s, "later": n, "flagged": f, "share": _share(f, n)}
                       for key, (s, n, f) in pooled.items()}}


def decision_to_repost(truth: list[dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    """From each confirmed removal to the first flagged later listing of that supplier that
    reposts one of the removed listing's own photos (`same_photos`) or any of the supplier's
    photos (`any_photo`): how many such reposts came until one was flagged, and the hours."""
    removals = _removals_by_supplier(truth, run)
    by_id = {listing["listing_id"]: listing for listing in truth}
    out: dict[str, Any] = {}
    for scope in ("same_photos", "any_photo"):
        listings_to, hours_to, never = [], [], 0
        for supplier, decisions in removals.items():
            for decision in decisions:
                removed = by_id[decision["listing_id"]]
                sources = {p["source"] for p in removed["photos"] if p["kind"] == "fake"}
                later = [x for x in truth if x["supplier_id"] == supplier
                         and x["t_hours"] > decision["t_hours"]
                         and any(p["kind"] == "fake" and (scope == "any_photo"
                                                          or p["source"] in sources)
                                 for p in x["photos"])]
                if not later:
                    continue
                hit = next((n for n, x in enumerate(later, 1)
                            if _flagged(run, x["listing_id"])), None)
                if hit is None:
                    never += 1
                    continue
                listings_to.append(hit)
                hours_to.append(later[hit - 1]["t_hours"] - decision["t_hours"])
        decided = len(listings_to) + never
        out[scope] = {
            "removals_with_reposts": decided, "flagged_eventually": len(listings_to),
            "never_flagged": never,
            "first_repost_flagged": _share(sum(n == 1 for n in listings_to), decided),
            "median_listings": statistics.median(listings_to) if listings_to else None,
            "median_hours": round(statistics.median(hours_to), 1) if hours_to else None}
    return out


def honest_sellers(truth: list[dict[str, Any]], sellers: dict[str, dict[str, Any]],
                   run: dict[str, Any]) -> dict[str, Any]:
    honest = sorted(s for s, info in sellers.items() if info["kind"] == "honest")
    listings = [x for x in truth if x["seller_kind"] == "honest"]
    flagged = sum(_flagged(run, x["listing_id"]) for x in listings)
    out: dict[str, Any] = {"sellers": len(honest), "listings": len(listings),
                           "listings_flagged": flagged,
                           "listings_flagged_share": _share(flagged, len(listings)),
                           "network": run["network"]["status"]}
    if run["network"]["status"] != "available":
        out.update(wrongly_linked=None, wrongly_linked_share=None, linked_to_honest=None,
                   linked_any=None, linked_any_share=None)
        return out
    linked = run["network"]["linked"]
    wrong = [s for s in honest if any(sellers[o]["kind"] != "honest" for o in linked.get(s, []))]
    to_honest = [s for s in honest if any(sellers[o]["kind"] == "honest"
                                          for o in linked.get(s, []))]
    # Honest sellers are independent in the simulation: any link of theirs is wrong.
    anyone = [s for s in honest if linked.get(s)]
    out.update(wrongly_linked=len(wrong), wrongly_linked_share=_share(len(wrong), len(honest)),
               linked_to_honest=len(to_honest), linked_any=len(anyone),
               linked_any_share=_share(len(anyone), len(honest)))
    return out


def agent_links(sellers: dict[str, dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    """For reference: counterfeit sellers linked to at least one seller of their own supplier."""
    fakes = sorted(s for s, info in sellers.items() if info["kind"] in COUNTERFEIT_KINDS)
    if run["network"]["status"] != "available":
        return {"sellers": len(fakes), "linked_within_supplier": None, "share": None}
    linked = run["network"]["linked"]
    hits = sum(any(sellers[o]["supplier_id"] == sellers[s]["supplier_id"]
                   for o in linked.get(s, [])) for s in fakes)
    return {"sellers": len(fakes), "linked_within_supplier": hits,
            "share": _share(hits, len(fakes))}


def by_kind(truth: list[dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    """For reference: review|block per seller kind, and its precision and recall for fakes."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for listing in truth:
        outcome = run["listings"].get(listing["listing_id"])
        c = counts[listing["seller_kind"]]
        c["listings"] += 1
        if outcome is not None:
            c["scored"] += 1
            c[outcome["decision"]] += 1
            c["flagged"] += outcome["decision"] in FLAGGED
            c["known_counterfeit_photo"] += "known_counterfeit_photo" in outcome["reasons"]
            c["linked_to_confirmed_counterfeit"] += \
                "linked_to_confirmed_counterfeit" in outcome["reasons"]
            c["with_bank_match"] += outcome["bank_matches"] > 0
            c["with_linked_sellers"] += outcome["linked_sellers"] > 0
    kinds = {kind: {**dict(c), "flagged_share": _share(c["flagged"], c["scored"])}
             for kind, c in sorted(counts.items())}
    tp = sum(counts[k]["flagged"] for k in COUNTERFEIT_KINDS)
    positives = sum(counts[k]["scored"] for k in COUNTERFEIT_KINDS)
    fp = sum(c["flagged"] for k, c in counts.items() if k not in COUNTERFEIT_KINDS)
    return {"kinds": kinds, "precision": _share(tp, tp + fp), "recall": _share(tp, positives)}


def moderator(run: dict[str, Any]) -> dict[str, Any]:
    decisions = run["decisions"]
    return {"reviewed": len(decisions),
            "removed": sum(d["decision"] == "remove" for d in decisions),
            "approved": sum(d["decision"] == "approve" for d in decisions),
            "wrong": sum(not d["correct"] for d in decisions)}


def run_metrics(truth: list[dict[str, Any]], sellers: dict[str, dict[str, Any]],
                run: dict[str, Any]) -> dict[str, Any]:
    return {"after_removals": after_removals(truth, run),
            "decision_to_repost": decision_to_repost(truth, run),
            "honest": honest_sellers(truth, sellers, run),
            "agent_links": agent_links(sellers, run),
            "by_kind": by_kind(truth, run), "moderator": moderator(run),
            "errors": len(run["errors"]), "seconds": run["seconds"],
            "network_responses": run["network"].get("responses", {})}
