"""Development secrets: created once, 0600, reused, permissions tightened."""

from __future__ import annotations

import stat

from service.kit.secret_store import load_or_create


def test_creates_owner_only_file_once_and_reuses_it(tmp_path):
    path = tmp_path / "sub" / "secret"
    calls = []

    def make():
        calls.append(1)
        return f"value-{len(calls)}"

    assert load_or_create(path, make) == "value-1"
    assert load_or_create(path, make) == "value-1"
    assert calls == [1]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret"]


def test_tightens_loose_permissions(tmp_path):
    path = tmp_path / "secret"
    path.write_text("kept")
    path.chmod(0o644)
    assert load_or_create(path, lambda: "new") == "kept"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
