from __future__ import annotations

import json
from pathlib import Path

import pytest
from trustdata.captions.loaders import (
    load_moderation_decisions,
    load_platform_export,
    load_records,
)
from trustdata.captions.records import detect_lang, parse_label


def test_platform_export_jsonl_and_csv(tmp_path: Path) -> None:
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"text": "高仿LV包 私聊", "label": "counterfeit"},
        {"text": "homemade jam", "label": 0, "source": "platform:shopA"},
    ]) + "\n", encoding="utf-8")
    csv_path = tmp_path / "export.csv"
    csv_path.write_text("text,label\n\"replica watch, DM me\",1\n自制辣椒酱,legitimate\n",
                        encoding="utf-8")
    for path in (jsonl, csv_path):
        records = load_platform_export(path, "shopA")
        assert [r.label for r in records] == [1, 0]
        assert {r.source for r in records} == {"platform:shopA"}


def test_bad_rows_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "label": 1}\n{"text": "x", "label": "maybe"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: unrecognised label"):
        load_records(path)
    path.write_text('{"label": 1}\n')
    with pytest.raises(ValueError, match="non-empty string 'text'"):
        load_records(path)


def test_moderation_decisions(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"text": "AAA replica", "decision": "block"},
        {"text": "fresh eggs", "decision": "allow"},
        {"text": "unclear", "decision": "escalate"},
    ]) + "\n")
    records = load_moderation_decisions(path)
    assert [(r.text, r.label, r.source) for r in records] == [
        ("AAA replica", 1, "moderation"), ("fresh eggs", 0, "moderation")]


@pytest.mark.parametrize(("value", "label"), [(True, 1), (0, 0), ("Fake", 1), (" approved ", 0)])
def test_label_spellings(value: object, label: int) -> None:
    assert parse_label(value) == label


def test_detect_lang() -> None:
    assert detect_lang("高仿包包") == "zh"
    assert detect_lang("replica bag") == "en"
    assert detect_lang("Gucci loafers 高仿 dm me") == "mixed"
