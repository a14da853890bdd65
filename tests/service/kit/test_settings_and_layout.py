from __future__ import annotations

import importlib.util

import pytest
from pydantic import ValidationError

from service.kit.settings import Settings


def test_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUST_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("TRUST_MAX_IMAGE_BYTES", "1234")
    settings = Settings()
    assert settings.database_url == "sqlite:///x.db"
    assert settings.max_image_bytes == 1234
    assert settings.redis_url is None


def test_prod_refuses_a_weak_admin_key() -> None:
    with pytest.raises(ValidationError, match="too weak"):
        Settings(env="prod", admin_key="admin")  # type: ignore[arg-type]
    Settings(env="prod", admin_key="x" * 32)  # type: ignore[arg-type]


def test_admin_key_is_never_printed() -> None:
    settings = Settings(admin_key="super-secret-admin-key-value")  # type: ignore[arg-type]
    assert "super-secret-admin-key-value" not in repr(settings)


def test_datasets_folder_does_not_shadow_hugging_face() -> None:
    # datasets/ holds the `trustdata` package; a namespace `datasets` would fool transformers.
    spec = importlib.util.find_spec("datasets")
    assert spec is None or spec.origin not in (None, "namespace")
    assert importlib.util.find_spec("trustdata") is not None
