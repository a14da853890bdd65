"""The supplier-network evaluation as Markdown: both runs side by side."""

from __future__ import annotations

from typing import Any

NAMES = {"network_aware": "network-aware", "baseline": "baseline (per listing)"}
TARGET_AFTER_3 = 0.90
TARGET_WRONGLY_LINKED = 0.005
STEP_LABELS = {"0": "before the first removal", "1": "after the 1st removal",
               "3": "after the 3rd removal", "10": "after the 10th removal"}


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _row(label: str, cells: list[str]) -> str:
    return f"| {label} | " + " | ".join(cells) + " |"


def _table(runs: dict[str, Any], rows: list[tuple[str, Any]]) -> list[str]:
    out = ["| | " + " | ".join(NAMES[n] for n in runs) + " |",
           "|---|" + "---:|" * len(runs)]
    out += [_row(label, [cell(run) for run in runs.values()]) for label, cell in rows]
    return out


def _after(key: str) -> Any:
    def cell(run: dict[str, Any]) -> str:
        p = run["after_removals"]["pooled"][key]
        if not p["suppliers"]:
            return "no supplier reached it"
        return f"{_pct(p['share'])} ({p['flagged']}/{p['later']}, {p['suppliers']} suppliers)"
    return cell


def _wrongly_linked(run: dict[str, Any]) -> str:
    h = run["honest"]
    if h["wrongly_linked"] is None:
        return "not available"
    return f"{_pct(h['wrongly_linked_share'])} ({h['wrongly_linked']}/{h['sellers']})"


def _repost(scope: str, field: str) -> Any:
    def cell(run: dict[str, Any]) -> str:
        r = run["decision_to_repost"][scope]
        value = r[field]
        if field == "first_repost_flagged":
            return _pct(value)
        if field == "flagged_eventually":
            return f"{value}/{r['removals_with_reposts']}"
        return "n/a" if value is None else str(value)
    return cell


def _linked_any(run: dict[str, Any]) -> str:
    h = run["honest"]
    if h.get("linked_any") is None:
        return "not available"
    return f"{_pct(h['linked_any_share'])} ({h['linked_any']}/{h['sellers']})"


def _linked_to_honest(run: dict[str, Any]) -> str:
    value = run["honest"]["linked_to_honest"]
    return "not available" if value is None else str(value)


def _honest_flagged(run: dict[str, Any]) -> str:
    h = run["honest"]
    return f"{_pct(h['listings_flagged_share'])} ({h['listings_flagged']}/{h['listings']})"


def _agents_linked(run: dict[str, Any]) -> str:
    a = run["agent_links"]
    if a["share"] is None:
        return "not available"
    return f"{_pct(a['share'])} ({a['linked_within_supplier']}/{a['sellers']})"


def _moderation(run: dict[str, Any]) -> str:
    m = run["moderator"]
    return f"{m['reviewed']} ({m['removed']} / {m['approved']} / {m['wrong']})"


def _responses(run: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(run["network_responses"].items()))


HONEST_ROWS: list[tuple[str, Any]] = [
    ("honest sellers linked to anyone (any link of an honest seller is wrong)", _linked_any),
    ("honest sellers linked to a seller of another kind", _wrongly_linked),
    ("honest sellers linked to another honest seller", _linked_to_honest),
    ("honest listings reaching review or block", _honest_flagged),
    ("counterfeit sellers linked within their supplier", _agents_linked)]
RUN_ROWS: list[tuple[str, Any]] = [
    ("moderator reviews (removed / approved / wrong)", _moderation),
    ("API errors", lambda r: str(r["errors"])),
    ("seller network responses", _responses),
    ("wall time", lambda r: f"{r['seconds']} s")]


def _targets(runs: dict[str, Any]) -> list[str]:
    aware = runs["network_aware"]
    after3 = aware["after_removals"]["pooled"]["3"]["share"]
    wrong = aware["honest"].get("linked_any_share")
    def verdict(ok: bool | None) -> str:
        return "not measurable" if ok is None else ("met" if ok else "not met")
    return [
        f"- After 3 confirmed removals >= 90 % of a supplier's later listings reach review or "
        f"block: {_pct(after3)} pooled, **{verdict(None if after3 is None else after3 >= TARGET_AFTER_3)}**.",
        f"- Honest sellers wrongly linked <= 0.5 %: linked to anyone {_linked_any(aware)}, "
        f"**{verdict(None if wrong is None else wrong <= TARGET_WRONGLY_LINKED)}** (to a "
        f"seller of another kind: {_wrongly_linked(aware)})."]


def _per_supplier(runs: dict[str, Any]) -> list[str]:
    names = list(runs)
    out = ["| supplier | listings | " + " | ".join(
        f"removals, {NAMES[n]} | after 3rd, {NAMES[n]}" for n in names) + " |",
        "|---|---:|" + "---:|---:|" * len(names)]
    suppliers = runs[names[0]]["after_removals"]["per_supplier"]
    for supplier, first in suppliers.items():
        cells = []
        for n in names:
            row = runs[n]["after_removals"]["per_supplier"][supplier]
            three = row["3"]
            cells += [str(row["removals"]), "n/a" if not three["reached"] else
                      f"{_pct(three['share'])} ({three['flagged']}/{three['later']})"]
        out.append(f"| {supplier} | {first['listings']} | " + " | ".join(cells) + " |")
    return out


def _kinds(runs: dict[str, Any]) -> list[tuple[str, Any]]:
    kinds = sorted({k for run in runs.values() for k in run["by_kind"]["kinds"]})
    rows: list[tuple[str, Any]] = []
    for kind in kinds:
        def cell(run: dict[str, Any], kind: str = kind) -> str:
            c = run["by_kind"]["kinds"].get(kind, {})
            return (f"{_pct(c.get('flagged_share'))} ({c.get('flagged', 0)}/{c.get('scored', 0)}"
                    f", {c.get('block', 0)} block)")
        rows.append((f"review or block, {kind} listings", cell))
    counted = [(f"listings with reason `{code}`", code)
               for code in ("known_counterfeit_photo", "linked_to_confirmed_counterfeit")]
    counted += [("listings with `image_check.bank_matches`", "with_bank_match"),
                ("listings with `linked_sellers`", "with_linked_sellers")]
    for label, key in counted:
        def count(run: dict[str, Any], key: str = key) -> str:
            per_kind = run["by_kind"]["kinds"]
            return f"{sum(c.get(key, 0) for c in per_kind.values())} (" + ", ".join(
                f"{kind} {c.get(key, 0)}" for kind, c in sorted(per_kind.items())) + ")"
        rows.append((label, count))
    rows += [("precision of review or block (fakes)", lambda r: _pct(r["by_kind"]["precision"])),
             ("recall of review or block (fakes)", lambda r: _pct(r["by_kind"]["recall"]))]
    return rows


def render_report(results: dict[str, Any]) -> str:
    runs = results["runs"]
    net, mod = results["network"], results["moderator"]
    aware = runs["network_aware"]
    lines = [
        "# Supplier networks: network-aware scoring against per-listing scoring", "",
        "Generated by training/evaluate_supplier_network.py; both runs in one sitting, same "
        "data, same moderator policy and seed, each on a fresh database.", "",
        "```", results.get("command", ""), "```", "",
        f"Network: sellers {net['sellers']}, listings {net['listings']} ({net['photos']} "
        f"photos), {net['catalog_products']} catalog products; stock photos shared by "
        f"{net['stock_sharers']} sellers (link cap "
        f"{results['network_config']['link_cap']}); at most "
        f"{net['max_sellers_per_fake_photo']} sellers per supplier photo. Edits: "
        + ", ".join(f"{k} {v}" for k, v in sorted(net["edits"].items())) + ".", "",
        f"Moderator: the first {mod['reviews_per_day']} queue items at the end of each "
        f"simulated day, decided by the ground truth with a {_pct(mod['error_rate'])} error "
        f"rate (seed {mod['seed']}).", ""]
    if results.get("identical_runs"):
        lines += ["**The two runs are identical**, listing for listing and decision for "
                  "decision: this build's scoring does not use the supplier signals yet.", ""]
    if aware["honest"]["network"] != "available":
        lines += ["**Seller network: not available.** `GET /v1/sellers/{id}/network` gave "
                  f"no answer usable for every seller (responses: {aware['network_responses']}); "
                  "the linked-seller figures below say so.", ""]
    lines += ["## Targets (network-aware run)", "", *_targets(runs), "",
              "## A supplier's later listings reaching review or block", "",
              *_table(runs, [(label, _after(k)) for k, label in STEP_LABELS.items()]), "",
              "Per supplier:", "", *_per_supplier(runs), "",
              "## Honest sellers", "",
              *_table(runs, HONEST_ROWS), "",
              "## From a removal to the first flagged repost", "",
              "Reposts are the supplier's later listings showing one of the removed listing's "
              "own photos (same photos) or any of the supplier's photos (any photo).", ""]
    rows: list[tuple[str, Any]] = []
    for scope in ("same_photos", "any_photo"):
        label = scope.replace("_", " ")
        rows += [(f"{label}: removals flagged on a later repost", _repost(scope, "flagged_eventually")),
                 (f"{label}: first repost already flagged", _repost(scope, "first_repost_flagged")),
                 (f"{label}: median reposts until flagged", _repost(scope, "median_listings")),
                 (f"{label}: median simulated hours", _repost(scope, "median_hours"))]
    lines += [*_table(runs, rows), "", "## For reference: by seller kind", "",
              *_table(runs, _kinds(runs)), "", "## Runs", "",
              "The network-aware run goes first: its wall time includes loading the models.", "",
              *_table(runs, RUN_ROWS), ""]
    return "\n".join(lines)
