"""Evaluate network-aware scoring on a simulated supplier network, against today's
per-listing scoring in the same run (issue 21, deliverable 5).

Commands (from the repo root)::

    make train ONLY=supplynet  # builds var/supplynet/default, then this evaluation
    python -P -m trustdata.supplynet.build --out var/supplynet/default
    python -P -m training.evaluate_supplier_network --data var/supplynet/default \
        --report reports/networks
    # the few-dozen-listing network the tests replay:
    python -P -m trustdata.supplynet.build --small --out var/supplynet/small
    python -P -m training.evaluate_supplier_network --data var/supplynet/small \
        --report var/supplynet/small-report --reviews-per-day 4
    # the figures again from the last run's records, after a change to metrics or report:
    python -P -m training.evaluate_supplier_network --data var/supplynet/default \
        --report reports/networks --from-records

The network is replayed twice through the API (training/supplier_network_replay.py), each
time on a fresh database with the same data, moderator policy and seed:
`TRUST_SUPPLIER_SIGNALS_ENABLED=true` (network-aware: bank matches and links to confirmed
counterfeits are looked up) and `false` (the baseline: each listing judged alone). Figures
(training/supplier_network_metrics.py): the share of a supplier's later listings reaching
review or block after its first 1, 3 and 10 confirmed removals; honest sellers linked by
`GET /v1/sellers/{id}/network` to a seller of another kind ("not available" while that
endpoint answers 404 for every seller); time from a removal to the first flagged repost;
review|block by seller kind. Writes `<report>/supplier-network.md` and `.json`, and each
run's per-listing outcomes to `<data>/records-<run>.json`.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from trustdata.supplynet.io import Network, load_network

from training.supplier_network_metrics import run_metrics
from training.supplier_network_replay import ModeratorPolicy, replay
from training.supplier_network_report import render_report

# (name in the report, TRUST_SUPPLIER_SIGNALS_ENABLED)
RUNS = (("network_aware", True), ("baseline", False))


def evaluate(network: Network, policy: ModeratorPolicy, workdir: Path,
             records_dir: Path | None = None) -> dict[str, Any]:
    truth, sellers = network.listings, network.sellers()
    runs: dict[str, Any] = {}
    outcomes = []
    for name, enabled in RUNS:
        record = replay(network, enabled, workdir / name, policy, name).to_json()
        if records_dir is not None:
            (records_dir / f"records-{name}.json").write_text(json.dumps(record))
        runs[name] = {"signals_enabled": enabled, **run_metrics(truth, sellers, record)}
        outcomes.append((record["listings"], record["decisions"]))
    manifest = network.manifest
    return {"network": {k: manifest[k] for k in ("sellers", "listings", "photos", "edits",
                                                  "stock_sharers", "max_sellers_per_fake_photo",
                                                  "catalog_products")},
            "network_config": manifest["config"], "moderator": asdict(policy), "runs": runs,
            # every listing scored alike and every decision the same in both runs
            "identical_runs": all(o == outcomes[0] for o in outcomes)}


def summary_lines(results: dict[str, Any]) -> list[str]:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f} %"

    lines = []
    for name, run in results["runs"].items():
        pooled = run["after_removals"]["pooled"]
        honest = run["honest"]
        wrong = "not available" if honest["wrongly_linked"] is None else \
            f"{honest['linked_any']}/{honest['sellers']} (to another kind " \
            f"{honest['wrongly_linked']})"
        lines.append(
            f"{name:>13}: later listings flagged after 1/3/10 removals "
            + " / ".join(pct(pooled[k]["share"]) for k in ("1", "3", "10"))
            + f"; honest listings flagged {pct(honest['listings_flagged_share'])}; honest "
            f"sellers wrongly linked {wrong}; precision {pct(run['by_kind']['precision'])}, "
            f"recall {pct(run['by_kind']['recall'])}; {run['moderator']['reviewed']} reviews, "
            f"{run['errors']} API errors, {run['seconds']} s")
    return lines


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("var/supplynet/default"))
    ap.add_argument("--report", type=Path, default=Path("reports/networks"))
    ap.add_argument("--reviews-per-day", type=int, default=ModeratorPolicy.reviews_per_day)
    ap.add_argument("--error-rate", type=float, default=ModeratorPolicy.error_rate)
    ap.add_argument("--moderator-seed", type=int, default=ModeratorPolicy.seed)
    ap.add_argument("--workdir", type=Path, help="keep the runs' databases here")
    ap.add_argument("--from-records", action="store_true",
                    help="no replay: the figures again from the runs' records in --data and "
                         "the report's JSON (after a change to the metrics or the report)")
    args = ap.parse_args(argv)
    network = load_network(args.data)
    policy = ModeratorPolicy(args.reviews_per_day, args.error_rate, args.moderator_seed)
    if args.from_records:
        results = json.loads((args.report / "supplier-network.json").read_text())
        for name, _ in RUNS:
            record = json.loads((args.data / f"records-{name}.json").read_text())
            runs = results["runs"][name]
            runs.update(run_metrics(network.listings, network.sellers(), record))
    else:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="supplysim-"))
        try:
            results = evaluate(network, policy, workdir, records_dir=args.data)
        finally:
            if args.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)
        argv_used = sys.argv[1:] if argv is None else argv
        results["command"] = "python -P -m training.evaluate_supplier_network " + \
            shlex.join(argv_used)
    args.report.mkdir(parents=True, exist_ok=True)
    (args.report / "supplier-network.json").write_text(json.dumps(results, indent=1))
    (args.report / "supplier-network.md").write_text(render_report(results))
    print("\n".join(summary_lines(results)))
    print(f"report: {args.report / 'supplier-network.md'}")
    return results


if __name__ == "__main__":
    main()
