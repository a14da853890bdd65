"""A small simulated supplier network replayed end to end through the API, twice."""

from __future__ import annotations

import json
from pathlib import Path

from trustdata.supplynet.build import build
from trustdata.supplynet.config import SMALL

from training.evaluate_supplier_network import main

NEW_REASONS = ("known_counterfeit_photo", "linked_to_confirmed_counterfeit")


def test_small_network_replays_through_the_api_and_reports_both_runs(tmp_path: Path) -> None:
    data, report = tmp_path / "net", tmp_path / "report"
    manifest = build(data, SMALL)
    listings = sum(manifest["listings"].values())
    assert 20 <= listings <= 80  # a few dozen

    results = main(["--data", str(data), "--report", str(report), "--reviews-per-day", "4"])

    assert set(results["runs"]) == {"network_aware", "baseline"}
    for name, run in results["runs"].items():
        assert run["errors"] == 0, name
        kinds = run["by_kind"]["kinds"]
        assert sum(k["scored"] for k in kinds.values()) == listings
        assert run["moderator"]["removed"] > 0 and run["moderator"]["reviewed"] <= 4 * SMALL.days
        assert set(run["after_removals"]["pooled"]) == {"0", "1", "3", "10"}
        assert set(run["after_removals"]["per_supplier"]) == {"S0", "S1"}
        honest = run["honest"]
        assert honest["sellers"] == SMALL.honest_sellers
        if honest["network"] == "available":
            assert isinstance(honest["wrongly_linked"], int)
        else:
            assert honest["wrongly_linked"] is None
        records = json.loads((data / f"records-{name}.json").read_text())
        assert len(records["listings"]) == listings
    assert isinstance(results["identical_runs"], bool)
    baseline = results["runs"]["baseline"]["by_kind"]["kinds"]
    assert not any(k.get(reason, 0) for k in baseline.values() for reason in NEW_REASONS)

    written = json.loads((report / "supplier-network.json").read_text())
    assert written["runs"] == json.loads(json.dumps(results["runs"]))
    text = (report / "supplier-network.md").read_text()
    assert "network-aware" in text and "baseline" in text and "--reviews-per-day 4" in text
    if results["runs"]["network_aware"]["honest"]["network"] != "available":
        assert "not available" in text
