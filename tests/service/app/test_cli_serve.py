"""`trustd serve --demo` as a newcomer runs it: migrate, seed, print keys once, serve."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from service.app.cli import main
from service.kit.settings import get_settings

TRUSTD = Path(sys.executable).with_name("trustd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_once(env: dict[str, str], cwd: Path) -> str:
    """Start `trustd serve --demo`, wait until ready, stop it; return what it printed."""
    port = free_port()
    proc = subprocess.Popen(
        [str(TRUSTD), "serve", "--demo", "--port", str(port)], cwd=cwd, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("server did not become ready")
        proc.terminate()
        return proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not TRUSTD.exists(), reason="trustd console script not installed in this venv")
def test_serve_demo_prints_keys_once_and_serves(tmp_path: Path) -> None:
    env = {**os.environ, "TRUST_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
           "TRUST_VAR_DIR": str(tmp_path / "var"), "TRUST_LOG_JSON": "false"}
    env.pop("TRUST_ADMIN_KEY", None)
    first = serve_once(env, tmp_path)
    assert "seeded 6 catalog products" in first
    keys = {ln.split()[0]: ln.split()[1] for ln in first.splitlines()
            if ln.strip().split(" ")[0] in {"admin", "platform", "moderator"}}
    assert set(keys) == {"admin", "platform", "moderator"}, first
    assert all(value.startswith("trk_") for value in keys.values())

    assert "moderator console: http://127.0.0.1:" in first
    sign_ins = dict(re.findall(r"user (demo-\S+)\s+password (\S+)", first))
    assert set(sign_ins) == {"demo-moderator", "demo-senior", "demo-admin"}, first

    second = serve_once(env, tmp_path)
    assert "First run" not in second and "seeded" not in second
    assert not any(password in second for password in sign_ins.values())
    assert not any(value in second for value in keys.values())

    # the printed key works against the seeded catalog
    port = free_port()
    proc = subprocess.Popen([str(TRUSTD), "serve", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/v1/catalog/products",
                                     headers={"Authorization": f"Bearer {keys['platform']}"})
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert response.status_code == 200
        assert len(response.json()["items"]) == 6
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_keys_cli_create_list_revoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUST_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        created = runner.invoke(main, ["keys", "create", "--role", "platform", "--name", "acme"])
        assert created.exit_code == 0, created.output
        secret = created.stdout.strip().splitlines()[-1]
        assert secret.startswith("trk_")
        listed = runner.invoke(main, ["keys", "list"])
        assert "acme" in listed.output and secret not in listed.output
        assert runner.invoke(main, ["keys", "revoke", "1"]).exit_code == 0
        assert "acme" not in runner.invoke(main, ["keys", "list"]).output
        assert "revoked" in runner.invoke(main, ["keys", "list", "--all"]).output
        bad_role = runner.invoke(main, ["keys", "create", "--role", "root", "--name", "x"])
        assert bad_role.exit_code != 0
    finally:
        get_settings.cache_clear()
