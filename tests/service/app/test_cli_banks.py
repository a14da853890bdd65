"""`trustd banks import|export` round-trip a hash list through a database, and refuse a bad
list without banking anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.app.cli import main
from service.kit.settings import get_settings

PDQ = "ab" * 32
LIST = (f"signal_type,signal_str,collab,category,tags\npdq,{PDQ},,,counterfeit\n"
        f"phash,{'cd' * 8},,,counterfeit\n").encode()


def test_import_then_export_gives_the_list_back(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUST_DATABASE_URL", f"sqlite:///{tmp_path / 'banks.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    source = tmp_path / "list.csv"
    source.write_bytes(LIST)
    try:
        bad = tmp_path / "bad.csv"
        bad.write_bytes(b"pdq nothex\n")
        refused = runner.invoke(main, ["banks", "import", "brand-list", str(bad)])
        assert refused.exit_code != 0 and "line 1" in refused.output
        imported = runner.invoke(main, ["banks", "import", "brand-list", str(source)])
        assert imported.exit_code == 0, imported.output
        assert "2 signals read" in imported.output
        out = tmp_path / "out.pdq.csv"
        exported = runner.invoke(main, ["banks", "export", "brand-list", "--out", str(out)])
        assert exported.exit_code == 0, exported.output
        assert PDQ in out.read_text() and "cd" * 8 not in out.read_text()
        missing = runner.invoke(main, ["banks", "export", "nobody", "--out", str(out)])
        assert missing.exit_code != 0 and "no bank" in missing.output
    finally:
        get_settings.cache_clear()
