"""Read labelled captions: the built corpus, platform exports, moderation decisions.

All three use the record format documented in `trustdata.captions.records`:
JSONL (one object per line) or CSV (header row), with at least `text` and `label`
(moderation decisions may say `decision` instead of `label`) and a `source`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from trustdata.captions.records import CaptionRecord


def _rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                yield number, dict(row)
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError(f"{path}:{number}: expected a JSON object")
                yield number, data


def load_records(path: Path, default_source: str = "") -> list[CaptionRecord]:
    """Every record of a JSONL/CSV file; a malformed row raises with its line number."""
    records = []
    for number, data in _rows(path):
        try:
            records.append(CaptionRecord.from_json(data, default_source))
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
    return records


def load_split(corpus_dir: Path, split: str) -> list[CaptionRecord]:
    """One split written by `trustdata.captions.build`."""
    return load_records(corpus_dir / f"{split}.jsonl", default_source="synthetic")


def load_platform_export(path: Path, platform: str) -> list[CaptionRecord]:
    """Labelled captions a platform exported (JSONL or CSV), tagged `platform:<name>`."""
    records = load_records(path, default_source=f"platform:{platform}")
    for record in records:
        if not record.source.startswith("platform:"):
            record.source = f"platform:{platform}"
    return records


def load_moderation_decisions(path: Path) -> list[CaptionRecord]:
    """Moderator decisions recorded by the service: `text` + `decision`/`label`.

    Decisions other than a verdict (for example "escalate") carry no label and are skipped.
    """
    records = []
    for number, data in _rows(path):
        verdict = data.get("label", data.get("decision"))
        if str(verdict).strip().lower() in {"escalate", "skip", "pending", "none", ""}:
            continue
        try:
            record = CaptionRecord.from_json(data, default_source="moderation")
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
        record.source = "moderation"
        records.append(record)
    return records


HANDWRITTEN_PATH = Path(__file__).parent / "data" / "handwritten.jsonl"


def load_handwritten(path: Path = HANDWRITTEN_PATH) -> list[CaptionRecord]:
    """The small hand-written sanity set (evaluation only: never train or fit on it)."""
    return load_records(path, default_source="handwritten")
