"""Caption links on a small hand-made set: one shared sentence linked two strangers under the
old rule and does not under the served one; resellers copying three captions are linked
under both."""

from __future__ import annotations

import json
from pathlib import Path

from training.evaluate_caption_links import main

SENTENCE = "Selling my leather tote bag, used a few times, moving out of the city. 350 rmb"
ORIGINALS = ("新款小羊皮链条包 专柜品质 五金不掉色 配全套包装 支持验货 私聊拿货价",
             "Fresh batch just landed, same workshop as last month, stitching checked by hand",
             "今日到货 小牛皮托特包 五金全钢 内里全皮 走线工整 拿货找我 一件代发")


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")


def test_strangers_and_resellers(tmp_path: Path) -> None:
    _write(tmp_path / "honest.jsonl", [
        {"id": "h1", "seller": "h-1", "text": SENTENCE},
        {"id": "h2", "seller": "h-2", "text": SENTENCE.replace("350", "420")},
        {"id": "h3", "seller": "h-3", "text": "九成新 搬家出 200 同城自提 不议价 有小票 可验"}])
    rows = [{"id": f"s{i}", "network": "n1", "seller": "n1-sup", "role": "supplier",
             "product": f"p{i}", "text": text} for i, text in enumerate(ORIGINALS)]
    for agent in ("a1", "a2"):
        rows += [{"id": f"{agent}-{i}", "network": "n1", "seller": f"n1-{agent}",
                  "role": "agent", "product": f"p{i}", "text": f"{text} 🔥 V:{agent}shop"}
                 for i, text in enumerate(ORIGINALS)]
    _write(tmp_path / "networks.jsonl", rows)
    figures = main(["--data", str(tmp_path), "--report", str(tmp_path / "report")])
    before, served = figures["one_caption"], figures["served"]
    assert before["honest_linked_to_anyone"] == {"n": 2, "of": 3}
    assert served["honest_linked_to_anyone"] == {"n": 0, "of": 3}
    for rule in (before, served):
        assert rule["network_sellers_linked_within"] == {"n": 3, "of": 3}
        assert rule["network_sellers_linked_across"]["n"] == 0
        assert rule["honest_linked_to_a_network"]["n"] == 0
    posts = figures["posts"]
    for prints in ("whole_caption", "recorded"):
        assert posts[prints]["reposts_sharing_a_print_with_their_original"] == \
            {"n": 6, "of": 6}
        assert posts[prints]["honest_pairs_sharing_a_print"]["n"] == 1
    assert json.loads((tmp_path / "report" / "caption-links.json").read_text()) == figures
    assert "| honest sellers linked to anyone" in \
        (tmp_path / "report" / "caption-links.md").read_text()
