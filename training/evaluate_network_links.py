"""Seller links alone on simulated supplier networks: who gets linked to whom, in a minute.

Commands (from the repo root)::

    python -P -m trustdata.supplynet.build --out var/supplynet/default
    python -P -m training.evaluate_network_links --data var/supplynet/default
    python -P -m trustdata.supplynet.build --seed 22 --out var/supplynet/seed22
    python -P -m training.evaluate_network_links --data var/supplynet/default \
        var/supplynet/seed22 --out var/supplynet/links.json

Every listing of a network, in time order, is recorded through `service.networks.record` on
an in-memory SQLite database, as listing scoring records it: the hash stage's region
hashes of each photo decoded for matching (cached beside the network in
``region-hashes.json``), its enrolment views when a photo becomes popular, the caption.
Then every seller's network is read (`service.networks.service.seller_network`, the link
cap from the network's manifest).
There is no scoring, bank or moderator: a photo is a catalog photo when the ground truth
says it shows an official photo (the API replay, training/evaluate_supplier_network.py,
matches the catalog for real; it is the reference figure, this the quick one for iterating
on the linking rules).

Figures per network: honest sellers linked to anyone and to a seller of another kind (in
the simulation honest sellers are independent: any link of theirs is wrong), counterfeit
sellers linked to one of their own supplier's, and which evidence kinds link honest sellers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm
from trustdata.supplynet.io import Network, load_network

import service.app.factory  # noqa: F401  (every domain's tables, for create_all)
from models.hashing.decode import decode_for_matching
from models.hashing.matcher import HashSet, query_hashes
from models.networks.prints import whole_print
from service.kit.db import Base
from service.networks.runtime import PhotoGroupIndex
from service.networks.service import PhotoPost, Variants, record, seller_network

PLATFORM = "supplysim"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def region_hashes(network: Network) -> dict[str, list[HashSet]]:
    """Every listing photo's region hashes, computed once and cached beside the network."""
    cache = network.root / "region-hashes.json"
    stored: dict[str, list[list[Any]]] = json.loads(cache.read_text()) if cache.exists() else {}
    files = [p["file"] for x in network.listings for p in x["photos"]]
    todo = [f for f in dict.fromkeys(files) if f not in stored]
    for file in tqdm(todo, desc="region hashes", unit="photo", disable=not todo):
        sets = query_hashes(decode_for_matching(network.photo_bytes(file)))
        stored[file] = [[h.name, h.phash.hex(), h.dhash.hex(), h.pdq.hex(), h.quality,
                         h.colour.hex()] for h in sets]
    if todo:
        cache.write_text(json.dumps(stored))
    return {f: [HashSet(n, bytes.fromhex(p), bytes.fromhex(d), bytes.fromhex(q), k,
                        bytes.fromhex(c[0]) if c else b"") for n, p, d, q, k, *c in stored[f]]
            for f in files}


def _image(network: Network, files: list[str]) -> Callable[[int], Image.Image]:
    return lambda i: decode_for_matching(network.photo_bytes(files[i]))


def _record_all(session: Session, network: Network, hashes: dict[str, list[HashSet]],
                cap: int) -> None:
    for listing in tqdm(sorted(network.listings, key=lambda x: x["t_hours"]),
                        desc="record", unit="listing"):
        files = [p["file"] for p in listing["photos"]]
        regions = {i: hashes[f] for i, f in enumerate(files)}
        posts = [PhotoPost(i, whole_print(regions[i]), p["kind"] == "official")
                 for i, p in enumerate(listing["photos"])]
        # A fresh load per listing: what a process's index holds after its sync.
        index = PhotoGroupIndex.loaded(session)
        record(session, PLATFORM, listing["seller_id"], listing["listing_id"],
               [p for p in posts if p.print is not None], listing["caption"],
               START + dt.timedelta(hours=listing["t_hours"]), index,
               Variants(regions, _image(network, files), cap))
        session.commit()


def link_figures(network: Network, cap: int | None = None) -> dict[str, Any]:
    """Who is linked to whom once every listing is recorded."""
    cap = cap or int(network.manifest["config"]["link_cap"])
    hashes = region_hashes(network)
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    sellers = network.sellers()
    linked: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    posting = {x["seller_id"] for x in network.listings}
    with sessionmaker(engine)() as session:
        _record_all(session, network, hashes, cap)
        for seller_id in sellers:
            out = seller_network(session, PLATFORM, seller_id, cap) \
                if seller_id in posting else None
            linked[seller_id] = [] if out is None else \
                [(link.seller_id, tuple(link.kinds)) for link in out.linked]
    honest = [s for s, info in sellers.items() if info["kind"] == "honest"]
    fakes = [s for s, info in sellers.items() if info["kind"] != "honest"]
    evidence: Counter[str] = Counter()
    for s in honest:
        evidence.update({"+".join(kinds) for _, kinds in linked[s]})
    return {
        "cap": cap, "honest": len(honest),
        "honest_linked_to_anyone": sum(bool(linked[s]) for s in honest),
        "honest_linked_to_another_kind": sum(
            any(sellers[o]["kind"] != "honest" for o, _ in linked[s]) for s in honest),
        "honest_linked_by": dict(sorted(evidence.items())),
        "counterfeit_sellers": len(fakes),
        "linked_within_supplier": sum(
            any(sellers[o]["supplier_id"] == sellers[s]["supplier_id"] for o, _ in linked[s])
            for s in fakes)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, nargs="+", default=[Path("var/supplynet/default")])
    ap.add_argument("--cap", type=int, help="the link cap (default: the network's)")
    ap.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = ap.parse_args(argv)
    results = {str(root): link_figures(load_network(root), args.cap) for root in args.data}
    for root, figures in results.items():
        print(f"{root}: honest sellers linked to anyone {figures['honest_linked_to_anyone']}"
              f"/{figures['honest']}, to another kind "
              f"{figures['honest_linked_to_another_kind']}/{figures['honest']} (by "
              f"{figures['honest_linked_by']}); counterfeit sellers linked within their "
              f"supplier {figures['linked_within_supplier']}/{figures['counterfeit_sellers']}"
              f" (cap {figures['cap']})")
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1))
    return results


if __name__ == "__main__":
    main()
