"""Production start-up: every prod secret checked before serving, one message naming all
that are missing with the commands that make them; compose.yaml, .env.example and the
Dockerfile agree with the settings class."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from service.app.preflight import EXIT_CONFIG, env_name, generated_line, secret_problems
from service.kit.settings import Settings

REPO = Path(__file__).resolve().parents[3]
REQUIRED = [env_name(field) for field in Settings.PROD_SECRETS]


def _trustd(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUST_")}
    return subprocess.run([sys.executable, "-P", "-c", "from service.app.cli import main; main()",
                           *args], env={**clean, **env}, cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)


def test_serve_in_prod_names_every_missing_secret_and_exits(tmp_path: Path) -> None:
    weak = "x" * 10
    done = _trustd(["serve", "--port", "0"],
                   {"TRUST_ENV": "prod", "TRUST_WEBHOOK_SEAL_KEY": weak,
                    "TRUST_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}, tmp_path)
    assert done.returncode == EXIT_CONFIG, done.stderr[-2000:]
    for name in REQUIRED:
        assert name in done.stderr
    for command in Settings.PROD_SECRETS.values():
        assert command in done.stderr
    assert "not set" in done.stderr and "at least 32" in done.stderr
    assert weak not in done.stderr  # a refused value is never echoed
    assert not (tmp_path / "p.db").exists()  # nothing started: not even a migration


def test_generated_secrets_pass_the_check(tmp_path: Path) -> None:
    done = _trustd(["secrets", "generate"], {}, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sorted(line.split("=", 1)[0] for line in lines) == sorted(REQUIRED)
    env_file = tmp_path / ".env"
    env_file.write_text(done.stdout)
    # Read the way the server reads an env file (pydantic-settings, quotes and all).
    settings = Settings(_env_file=env_file, env="prod")  # type: ignore[call-arg]
    assert secret_problems(settings) == []
    again = _trustd(["secrets", "generate"], {}, tmp_path)
    assert set(again.stdout.splitlines()).isdisjoint(lines)  # fresh every time


def test_placeholders_and_outside_prod() -> None:
    example = Settings(_env_file=REPO / ".env.example", env="prod")  # type: ignore[call-arg]
    problems = {p.field: p.problem for p in secret_problems(example)}
    assert set(problems) == set(Settings.PROD_SECRETS)
    assert all("placeholder" in p for p in problems.values())
    assert secret_problems(Settings(env="dev")) == []
    assert generated_line("webhook-seal-key").startswith("TRUST_WEBHOOK_SEAL_KEY='")


def _compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def test_compose_runs_the_production_shape() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"api", "worker", "postgres", "redis"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    api, worker = services["api"], services["worker"]
    assert api["command"][:2] == ["trustd", "serve"]
    assert api["command"][api["command"].index("--workers") + 1] == "2"
    assert worker["command"] == ["trustd", "worker"]
    assert "/health/ready" in " ".join(api["healthcheck"]["test"])
    for service in (api, worker):
        env = service["environment"]
        assert env["TRUST_ENV"] == "prod"
        assert env["TRUST_DATABASE_URL"].startswith("postgresql://")
        assert env["TRUST_DATABASE_URL"].split("@")[1].startswith("postgres:")
        assert env["TRUST_REDIS_URL"].startswith("redis://redis:")
        assert service["env_file"], "secrets come from the env file"
        for name in REQUIRED:  # never written into compose.yaml itself
            assert name not in env
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert worker["depends_on"]["api"]["condition"] == "service_healthy"  # migrated first
    declared = set(compose["volumes"])
    used = {volume.split(":")[0] for service in services.values()
            for volume in service.get("volumes", [])}
    assert used <= declared and {"postgres-data", "redis-data", "trustd-data"} <= used


def test_every_prod_secret_is_passed_through_the_env_file() -> None:
    example = (REPO / ".env.example").read_text()
    passed = {line.split("=", 1)[0] for line in example.splitlines()
              if line and not line.startswith("#")}
    assert set(REQUIRED) <= passed
    assert "POSTGRES_PASSWORD" in passed  # compose interpolates it into the database URL
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=REPO, check=False)
    assert ignored.returncode == 0, ".env must be git-ignored"
    assert ".env" in (REPO / ".dockerignore").read_text().split()


def test_dockerfile_agrees_with_compose() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "TRUST_ENV=prod" in dockerfile
    assert "EXPOSE 8000" in dockerfile
    assert '"trustd", "serve"' in dockerfile  # the image's own command serves, as `api` does
    api = _compose()["services"]["api"]
    assert any(str(port).endswith(":8000") for port in api["ports"])
    assert api["volumes"][0].endswith(":/data") and "TRUST_VAR_DIR=/data" in dockerfile


def test_docker_compose_validates_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    version = subprocess.run([docker, "compose", "version"], capture_output=True,
                             check=False) if docker else None
    if version is None or version.returncode != 0:
        message = "docker compose is not installed here: `docker compose config` did NOT run"
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    env = {**os.environ, "TRUST_ENV_FILE": str(REPO / ".env.example")}
    done = subprocess.run([docker, "compose", "--env-file", str(REPO / ".env.example"),
                           "-f", str(REPO / "compose.yaml"), "config", "--quiet"],
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
