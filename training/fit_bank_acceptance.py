"""Fit the known-counterfeit bank's acceptance rule (models/banks/acceptance.py) on
generated data: zero wrong matches on the calibration split, measured on a hold-out split.

Command (from the repo root; about two minutes on one core)::

    python -P -m training.fit_bank_acceptance \
        --config training/configs/bank-acceptance-v1.json \
        --out models/artifacts/bank-acceptance-v1

Data (trustdata.copydetect, seeded by the config): ``banked_products`` procedural product
photos stand for photos of fakes that moderators removed; each is banked exactly as the
service banks a listing photo (JPEG bytes, decoded for matching, models/banks/hashes.py).
Each is reposted once through every edit of ``repost_edits`` (crops, screenshots,
recompression, overlays...), and is a positive for its own entry only: a match to another
entry is a wrong match. ``negative_products`` other product photos, each unedited and
through ``negative_edits`` random edits, are honest photos that must match nothing. The
banked products and the negatives are split in halves by product: calibration and hold-out.
Every query is looked up in the whole bank through the service's own index
(models/banks/index.py), so the search radii are those served.

Fit (plain grid search, deterministic): ``pdq_max`` on the bank searched as a PDQ-only list
and ``phash_alone_max`` as a pHash-only list (how an imported list of one signal type
matches), each the largest value with no wrong calibration match; then, with them fixed,
the (``phash_max``, ``pdq_confirm_max``) of the grid with the most calibration positives
found and no wrong calibration match (ties: the smallest thresholds). The hold-out split is
scored once, with the chosen rule, as served and as a PDQ-only and a pHash-only list.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm
from trustdata.copydetect.sources import product_shot
from trustdata.copydetect.transforms import ALL

from models.banks.acceptance import BankRules, pair_confidence
from models.banks.hashes import BankHash, bank_hashes, lookup_regions
from models.banks.index import BankIndex, Pairs
from models.hashing.decode import decode_for_matching
from models.hashing.matcher import HashSet, query_hashes


@dataclass(frozen=True)
class Query:
    split: str  # calibration / holdout
    edit: str
    entry: int  # the banked entry it reposts; 0 for an honest photo
    regions: list[HashSet]


def _jpeg(image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def build(config: dict) -> tuple[dict[int, list[BankHash]], list[Query]]:
    rng = random.Random(config["seed"])
    edits = {t.name: t.fn for t in ALL}
    first = config["first_product_seed"]
    n_bank, n_neg = config["banked_products"], config["negative_products"]
    fillers = [product_shot(first + 10_000 + i) for i in range(6)]
    quality = config["jpeg_quality"]
    bank: dict[int, list[BankHash]] = {}
    queries: list[Query] = []

    def query(image, split: str, edit: str, entry: int) -> Query:
        data = _jpeg(image, quality)
        return Query(split, edit, entry, lookup_regions(query_hashes(decode_for_matching(data))))

    for i in tqdm(range(n_bank), desc="banked photos and reposts"):
        photo = product_shot(first + i)
        entry = i + 1
        bank[entry] = bank_hashes(decode_for_matching(_jpeg(photo, quality)))
        split = "calibration" if i % 2 == 0 else "holdout"
        for name in config["repost_edits"]:
            queries.append(query(edits[name](photo, rng, fillers), split, name, entry))
    for i in tqdm(range(n_neg), desc="honest photos"):
        photo = product_shot(first + 1000 + i)
        split = "calibration" if i % 2 == 0 else "holdout"
        queries.append(query(photo, split, "none", 0))
        for name in rng.sample(config["repost_edits"], config["negative_edits"]):
            queries.append(query(edits[name](photo, rng, fillers), split, name, 0))
    return bank, queries


def strip(bank: dict[int, list[BankHash]], keep: str) -> dict[int, list[BankHash]]:
    """The bank as an imported list of one signal type holds it."""
    return {e: [replace(h, phash=None) if keep == "pdq" else replace(h, pdq=None, quality=None)
                for h in hs] for e, hs in bank.items()}


def search_all(bank: dict[int, list[BankHash]], queries: list[Query]) -> tuple[Pairs, np.ndarray]:
    """Every query's candidate pairs in one Pairs, and each pair's query number."""
    index = BankIndex()
    index.add_many(list(bank.items()))
    parts, owner = [], []
    for n, q in enumerate(queries):
        found = index.search(q.regions)
        parts.append(found)
        owner.append(np.full(len(found.query), n, dtype=np.int64))
    cat = {f: np.concatenate([getattr(p, f) for p in parts]) for f in
           ("query", "entry", "row", "d_phash", "d_pdq")}
    return Pairs(**cat), np.concatenate(owner)


@dataclass(frozen=True)
class Outcome:
    found: int  # positives matched to their own entry
    positives: int
    wrong: int  # queries with an accepted match to an entry they do not repost
    queries: int


def outcome(accepted: np.ndarray, pairs: Pairs, owner: np.ndarray, queries: list[Query],
            members: np.ndarray) -> Outcome:
    truth = np.array([q.entry for q in queries])
    right = accepted & (pairs.entry == truth[owner])
    wrong = accepted & ~right
    in_split = members[owner]
    found = np.unique(owner[right & in_split])
    return Outcome(found=len(found), positives=int((truth[members] > 0).sum()),
                   wrong=len(np.unique(owner[wrong & in_split])), queries=int(members.sum()))


def _largest_clean(pairs: Pairs, owner: np.ndarray, queries: list[Query], calib: np.ndarray,
                   bounds: list[int], rules_of) -> int:
    """The largest threshold in ``bounds`` with no wrong calibration match."""
    best = bounds[0]
    for t in range(bounds[0], bounds[1] + 1):
        accepted = pair_confidence(pairs, rules_of(t)) > 0
        if outcome(accepted, pairs, owner, queries, calib).wrong == 0:
            best = t
    return best


def fit(searched: dict[str, tuple[Pairs, np.ndarray]], queries: list[Query], grid: dict,
        version: str) -> BankRules:
    calib = np.array([q.split == "calibration" for q in queries])
    pdq_max = _largest_clean(*searched["pdq"], queries, calib, grid["pdq_max"],
                             lambda t: BankRules(version, 0, 0, t, 0))
    alone = _largest_clean(*searched["phash"], queries, calib, grid["phash_alone_max"],
                           lambda t: BankRules(version, 0, 0, 0, t))
    pairs, owner = searched["both"]
    best: tuple[int, tuple[int, int]] | None = None
    lo_c, hi_c, step_c = grid["pdq_confirm_max"]
    for pm in range(grid["phash_max"][0], grid["phash_max"][1] + 1):
        for pc in range(lo_c, hi_c + 1, step_c):
            rules = BankRules(version, pm, pc, pdq_max, alone)
            o = outcome(pair_confidence(pairs, rules) > 0, pairs, owner, queries, calib)
            if o.wrong == 0 and (best is None or o.found > best[0]):
                best = (o.found, (pm, pc))
    if best is None:
        raise SystemExit(f"no rule on the grid is free of wrong matches with pdq_max {pdq_max} "
                         f"and phash_alone_max {alone}")
    return BankRules(version, best[1][0], best[1][1], pdq_max, alone)


def report(rules: BankRules, pairs: Pairs, owner: np.ndarray, queries: list[Query],
           split: str) -> dict:
    members = np.array([q.split == split for q in queries])
    accepted = pair_confidence(pairs, rules) > 0
    total = outcome(accepted, pairs, owner, queries, members)
    per_edit = {}
    for edit in sorted({q.edit for q in queries if q.entry}):
        chosen = members & np.array([q.edit == edit and q.entry > 0 for q in queries])
        o = outcome(accepted, pairs, owner, queries, chosen)
        per_edit[edit] = {"found": o.found, "positives": o.positives}
    honest = members & np.array([q.entry == 0 for q in queries])
    o_honest = outcome(accepted, pairs, owner, queries, honest)
    return {"recall": round(total.found / max(total.positives, 1), 4), "found": total.found,
            "positives": total.positives, "queries_with_wrong_match": total.wrong,
            "honest_photos": o_honest.queries, "honest_photos_matched": o_honest.wrong,
            "per_edit": per_edit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=Path("training/configs/bank-acceptance-v1.json"))
    parser.add_argument("--out", type=Path, default=Path("models/artifacts/bank-acceptance-v1"))
    args = parser.parse_args()
    config = json.loads(args.config.read_text())
    started = time.perf_counter()
    bank, queries = build(config)
    searched = {"both": search_all(bank, queries),
                "pdq": search_all(strip(bank, "pdq"), queries),
                "phash": search_all(strip(bank, "phash"), queries)}
    rules = fit(searched, queries, config["grid"], config["version"])
    metrics: dict[str, Any] = {
        "calibration": report(rules, *searched["both"], queries, "calibration"),
        "holdout": report(rules, *searched["both"], queries, "holdout"),
        "holdout_pdq_only_list": report(rules, *searched["pdq"], queries, "holdout"),
        "holdout_phash_only_list": report(rules, *searched["phash"], queries, "holdout")}
    metrics["bank_views_per_photo"] = round(float(np.mean([len(v) for v in bank.values()])), 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "config.json").write_text(json.dumps(
        {**rules.to_json(), "trained_with": config}, indent=1, sort_keys=True) + "\n")
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1, sort_keys=True) + "\n")
    print(json.dumps(rules.to_json()))
    for name in ("calibration", "holdout", "holdout_pdq_only_list", "holdout_phash_only_list"):
        m = metrics[name]
        print(f"{name:24s} recall {m['recall']:.3f} ({m['found']}/{m['positives']}), "
              f"wrong matches {m['queries_with_wrong_match']}, honest photos matched "
              f"{m['honest_photos_matched']}/{m['honest_photos']}")
    print("hold-out per edit:", {k: f"{v['found']}/{v['positives']}"
                                 for k, v in metrics["holdout"]["per_edit"].items()})
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
