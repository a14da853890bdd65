"""Seller links alone on the small simulated network: recorded and read without the API."""

from __future__ import annotations

import json
from pathlib import Path

from trustdata.supplynet.build import build
from trustdata.supplynet.config import SMALL

from training.evaluate_network_links import main


def test_small_network_links_are_counted_per_kind(tmp_path: Path) -> None:
    data, out = tmp_path / "net", tmp_path / "links.json"
    build(data, SMALL)
    results = main(["--data", str(data), "--out", str(out)])
    figures = results[str(data)]
    assert figures["cap"] == SMALL.link_cap and figures["honest"] == SMALL.honest_sellers
    assert 0 <= figures["honest_linked_to_another_kind"] <= figures["honest_linked_to_anyone"]
    assert figures["honest_linked_to_anyone"] <= figures["honest"]
    # agents re-post their supplier's photos: some are linked within their supplier
    assert 0 < figures["linked_within_supplier"] <= figures["counterfeit_sellers"]
    assert json.loads(out.read_text()) == results
    assert (data / "region-hashes.json").exists()  # the second run reads the cache
    assert main(["--data", str(data)])[str(data)] == figures
