"""Store what a risk artifact scores on a few fixed listings, so a test can check that the
committed files (and the code that loads them) still reproduce the model.

    python -P -m training.risk_reference_scores --artifact models/artifacts/risk-v3 \
        --fixture tests/models/risk/data/reference_listings.json

The fixture's listings are trustdata listing records; each run replaces the scores stored
under the artifact's version (risk, log-odds, decision) and records the commit it ran at.
The older baselines' scores (risk-v1, risk-v2) were stored by the code that trained them,
before the network features existed: today's code must give them exactly the same.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

from trustdata.listings.io import to_signals

from models.risk import load_model, score_listing

DEFAULT_FIXTURE = Path("tests/models/risk/data/reference_listings.json")


def _commit() -> str:
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True, check=False)
    return found.stdout.strip() or "unknown"


def store(artifact: Path, fixture: Path) -> dict[str, Any]:
    data = json.loads(fixture.read_text(encoding="utf-8"))
    model = load_model(artifact)
    scored = [score_listing(to_signals(record), model) for record in data["listings"]]
    entry = {"computed_at_commit": _commit(),
             "scores": [{"risk": a.risk, "logit": a.logit, "decision": a.decision}
                        for a in scored]}
    data["scores"][model.version] = entry
    fixture.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", type=Path, action="append", required=True)
    parser.add_argument("--fixture", type=Path, default=DEFAULT_FIXTURE)
    args = parser.parse_args()
    data = json.loads(args.fixture.read_text(encoding="utf-8"))
    for artifact in args.artifact:
        entry = store(artifact, args.fixture)
        print(f"{artifact}: stored {len(data['listings'])} reference scores "
              f"(commit {entry['computed_at_commit']})")
        for record, score in zip(data["listings"], entry["scores"], strict=True):
            print(f"  {score['risk']:.4f} {score['decision']:6s} {record['name']}")


if __name__ == "__main__":
    main()
