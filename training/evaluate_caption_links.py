"""Caption links on the frozen hand-written seller set: do honest strangers get linked by
what they write, and are a supplier's resellers linked by the captions they copy?

Commands (from the repo root)::

    python -P -m training.evaluate_caption_links \
        --data datasets/trustdata/sellerlinks/frozen --report reports/networks

Every post of the set (datasets/trustdata/sellerlinks/frozen/README.md: honest sellers
writing on their own, and suppliers whose resellers repost their captions edited by hand)
is recorded, captions only, through `service.networks.record` on an in-memory SQLite
database, all on one platform, in file order; then every seller's network is read with
`service.networks.service.seller_network` (the link cap 50: nothing in a set this size is
common). Two rules side by side over the same recorded groups:

* one shared rare print (a caption or one of its passages) links two sellers (the rule
  until 7b0756c, which recorded the whole caption only);
* the served rule (models/networks/strength.is_link): a caption is weak evidence, and
  WEAK_TO_LINK of them are needed.

Figures: honest sellers linked to anyone (any link of theirs is wrong: they wrote
independently), network sellers linked within their own network and across networks, and
per post how many reposts have a fingerprint and are near-identical to the supplier's
original of the same product (models/networks/captions.same_caption).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

import service.app.factory  # noqa: F401  (every domain's tables, for create_all)
from models.networks.captions import CaptionPrint, caption_print, caption_prints, same_caption
from service.kit.db import Base
from service.networks.service import rare_groups, record, seller_network
from service.networks.tables import NetworkMember

PLATFORM = "frozen-links"
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CAP = 50


@dataclass(frozen=True)
class Post:
    id: str
    seller: str
    text: str
    network: str | None  # None: an honest seller
    product: str | None
    role: str  # honest, supplier or agent
    file: str


def load_posts(root: Path) -> list[Post]:
    posts = []
    for path in sorted(root.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            posts.append(Post(row["id"], row["seller"], row["text"], row.get("network"),
                              row.get("product"), row.get("role", "honest"), path.stem))
    return posts


def _shared_rare(session: Session) -> dict[tuple[str, str], int]:
    """Rare caption groups each pair of sellers shares, both ways."""
    members: dict[int, set[str]] = defaultdict(set)
    for group_id, seller in session.execute(select(NetworkMember.group_id,
                                                   NetworkMember.seller_id)):
        members[int(group_id)].add(str(seller))
    rare = rare_groups(session, sorted(members), CAP)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for group_id in rare:
        for a in members[group_id]:
            for b in members[group_id] - {a}:
                shared[(a, b)] += 1
    return shared


def _linked_share(sellers: list[str], linked: dict[str, set[str]],
                  wanted: Callable[[str, str], bool]) -> dict[str, Any]:
    hit = [s for s in sellers if any(wanted(s, o) for o in linked.get(s, set()))]
    return {"n": len(hit), "of": len(sellers)}


def link_figures(posts: list[Post]) -> dict[str, Any]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    role = {p.seller: p.role for p in posts}
    network = {p.seller: p.network for p in posts}
    with sessionmaker(engine)() as session:
        for i, post in enumerate(tqdm(posts, desc="record", unit="post")):
            record(session, PLATFORM, post.seller, post.id, [], post.text,
                   START + dt.timedelta(minutes=i))
            session.commit()
        shared = _shared_rare(session)
        served = {s: {link.seller_id for link in
                      seller_network(session, PLATFORM, s, CAP).linked}
                  for s in sorted(role)}
    one_caption: dict[str, set[str]] = defaultdict(set)
    for (a, b), n in shared.items():
        if n >= 1:
            one_caption[a].add(b)
    honest = sorted(s for s, r in role.items() if r == "honest")
    in_networks = sorted(s for s, r in role.items() if r != "honest")
    out: dict[str, Any] = {}
    for name, linked in (("one_caption", one_caption), ("served", served)):
        out[name] = {
            "honest_linked_to_anyone": _linked_share(honest, linked, lambda s, o: True),
            "honest_linked_to_a_network": _linked_share(
                honest, linked, lambda s, o: role[o] != "honest"),
            "network_sellers_linked_within": _linked_share(
                in_networks, linked, lambda s, o: network[o] == network[s]),
            "network_sellers_linked_across": _linked_share(
                in_networks, linked, lambda s, o: network[o] != network[s]),
        }
    out["posts"] = _post_figures(posts)
    return out


def _shares_print(a: list[CaptionPrint], b: list[CaptionPrint]) -> bool:
    return any(same_caption(x.signature, y.signature) is not None for x in a for y in b)


def _post_figures(posts: list[Post]) -> dict[str, Any]:
    whole = {p.id: [f] if (f := caption_print(p.text)) is not None else [] for p in posts}
    recorded = {p.id: caption_prints(p.text) for p in posts}
    originals = {(p.network, p.product): p for p in posts if p.role == "supplier"}
    reposts = [p for p in posts if p.role == "agent"]
    honest = [p for p in posts if p.role == "honest"]
    out: dict[str, Any] = {
        "posts": len(posts),
        "honest_posts_with_fingerprint": {"n": sum(bool(whole[p.id]) for p in honest),
                                          "of": len(honest)},
        "reposts_with_fingerprint": {"n": sum(bool(whole[p.id]) for p in reposts),
                                     "of": len(reposts)},
    }
    for name, prints in (("whole_caption", whole), ("recorded", recorded)):
        matched = sum(_shares_print(prints[p.id], prints[originals[(p.network, p.product)].id])
                      for p in reposts)
        pairs = same = 0
        for i, one in enumerate(honest):
            for other in honest[i + 1:]:
                if one.seller != other.seller:
                    pairs += 1
                    same += _shares_print(prints[one.id], prints[other.id])
        out[name] = {"reposts_sharing_a_print_with_their_original": {"n": matched,
                                                                     "of": len(reposts)},
                     "honest_pairs_sharing_a_print": {"n": same, "of": pairs}}
    return out


def _cell(f: dict[str, int]) -> str:
    return f"{100 * f['n'] / max(1, f['of']):.1f} % ({f['n']}/{f['of']})"


def render(figures: dict[str, Any], data: Path) -> str:
    rows = [("honest sellers linked to anyone (target: none)", "honest_linked_to_anyone"),
            ("honest sellers linked to a supplier or reseller", "honest_linked_to_a_network"),
            ("suppliers and resellers linked within their network",
             "network_sellers_linked_within"),
            ("suppliers and resellers linked to another network", "network_sellers_linked_across")]
    posts = figures["posts"]
    lines = [
        "# Caption links on the frozen hand-written seller set",
        "",
        "Generated by training/evaluate_caption_links.py; captions only (no photos), every "
        f"post recorded on one platform, link cap {CAP}.",
        "",
        "```",
        f"python -P -m training.evaluate_caption_links --data {data} --report reports/networks",
        "```",
        "",
        "| | one shared print links (a caption or passage) | served rule (`is_link`) |",
        "|---|---:|---:|",
        *[f"| {label} | {_cell(figures['one_caption'][key])} | "
          f"{_cell(figures['served'][key])} |" for label, key in rows],
        "",
        f"Posts: {posts['posts']}. Captions long enough to say who wrote them: honest "
        f"posts {_cell(posts['honest_posts_with_fingerprint'])}, reposts "
        f"{_cell(posts['reposts_with_fingerprint'])}.",
        "",
        "| prints compared | reposts near-identical to the supplier's original of the same "
        "product | pairs of honest posts by different sellers near-identical |",
        "|---|---:|---:|",
        *[f"| {label} | {_cell(posts[key]['reposts_sharing_a_print_with_their_original'])} "
          f"| {_cell(posts[key]['honest_pairs_sharing_a_print'])} |"
          for label, key in (("the whole caption", "whole_caption"),
                             ("as recorded (the whole caption and its passages)",
                              "recorded"))],
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("datasets/trustdata/sellerlinks/frozen"))
    ap.add_argument("--report", type=Path, help="write caption-links.md and .json here")
    args = ap.parse_args(argv)
    figures = link_figures(load_posts(args.data))
    text = render(figures, args.data)
    print(text)
    if args.report is not None:
        args.report.mkdir(parents=True, exist_ok=True)
        (args.report / "caption-links.md").write_text(text, encoding="utf-8")
        (args.report / "caption-links.json").write_text(json.dumps(figures, indent=1))
    return figures


if __name__ == "__main__":
    main()
