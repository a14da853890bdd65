"""The served risk artifact (risk-v3): loads, keeps its constraints, generalises to fresh data."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file
from sklearn.metrics import roc_auc_score
from trustdata.listings.io import to_signals
from trustdata.listings.simulate import make_listings
from trustdata.listings.world import make_world

from models.risk import DEFAULT_ARTIFACT_DIR, load_model
from models.risk.features import FEATURES, feature_matrix
from models.risk.model import ArtifactMismatchError


def test_artifact_files_are_safetensors_and_json_only():
    names = {p.name for p in DEFAULT_ARTIFACT_DIR.iterdir()}
    assert {"weights.safetensors", "config.json", "MODEL_CARD.md", "training_config.json",
            "eval_metrics.json", "labels.json"} <= names
    assert not {n for n in names if n.endswith((".pkl", ".pickle", ".joblib", ".pt"))}


def test_weights_respect_declared_signs(risk_model):
    signs = np.array([f.sign for f in FEATURES])
    assert np.all(risk_model.coef * signs >= 0)
    assert np.all(risk_model.baseline == 0)


def test_stored_evaluation_meets_the_issue_targets():
    metrics = json.loads((DEFAULT_ARTIFACT_DIR / "eval_metrics.json").read_text())
    assert metrics["version"] == load_model().version
    assert metrics["model"]["roc_auc"] >= 0.97
    assert metrics["thresholds"]["block"]["precision"] >= 0.98


def test_fresh_world_with_another_seed_is_scored_well(risk_model):
    # A small market the model has never seen (another seed: other brands, other sellers).
    world = make_world(seed=99, n_brands=20, n_sellers=250)
    records = make_listings(world, seed=99)
    x = feature_matrix([to_signals(r) for r in records])
    y = np.array([r["label"] for r in records])
    p = risk_model.predict_batch(x)
    assert roc_auc_score(y, p) >= 0.95
    assert y[p >= 0.95].mean() >= 0.95


def test_tampered_sign_is_refused(tmp_path):
    shutil.copytree(DEFAULT_ARTIFACT_DIR, tmp_path / "risk")
    tensors = load_file(str(tmp_path / "risk" / "weights.safetensors"))
    first_positive = next(i for i, f in enumerate(FEATURES) if f.sign > 0)
    tensors["coef"][first_positive] = -1.0
    save_file(tensors, str(tmp_path / "risk" / "weights.safetensors"))
    with pytest.raises(ArtifactMismatchError, match="sign"):
        load_model(tmp_path / "risk")


def test_other_feature_set_is_refused(tmp_path):
    shutil.copytree(DEFAULT_ARTIFACT_DIR, tmp_path / "risk")
    config_path = tmp_path / "risk" / "config.json"
    config = json.loads(config_path.read_text())
    config["feature_set_version"] = "risk-features-0"
    config_path.write_text(json.dumps(config))
    with pytest.raises(ArtifactMismatchError, match="feature set"):
        load_model(tmp_path / "risk")
