"""Writing and reading a generated supplier network (see build.py for the layout)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Network:
    root: Path
    world: dict[str, Any]
    listings: list[dict[str, Any]]
    manifest: dict[str, Any]

    def photo_bytes(self, file: str) -> bytes:
        return (self.root / file).read_bytes()

    def sellers(self) -> dict[str, dict[str, Any]]:
        return {s["seller_id"]: s for s in self.world["sellers"]}


def write_network(out: Path, world: dict[str, Any], listings: list[dict[str, Any]],
                  manifest: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "world.json").write_text(json.dumps(world, ensure_ascii=False, indent=1))
    with (out / "timeline.jsonl").open("w", encoding="utf-8") as fh:
        for listing in listings:
            fh.write(json.dumps(listing, ensure_ascii=False, sort_keys=True) + "\n")
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))


def load_network(root: Path) -> Network:
    if not (root / "timeline.jsonl").exists():
        raise FileNotFoundError(f"no supplier network at {root}: build one with "
                                f"python -P -m trustdata.supplynet.build --out {root}")
    with (root / "timeline.jsonl").open(encoding="utf-8") as fh:
        listings = [json.loads(line) for line in fh if line.strip()]
    return Network(root, json.loads((root / "world.json").read_text()), listings,
                   json.loads((root / "manifest.json").read_text()))
