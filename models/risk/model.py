"""The aggregation model: a sign-constrained, calibrated logistic model over risk features.

Weights live in safetensors, everything else in config.json. Because the model is linear in
log-odds, each feature's contribution is exactly `coef * (x - baseline)`, and the
contributions plus the baseline log-odds add up to the listing's log-odds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from models.risk.features import (
    COMPATIBLE_FEATURE_SETS,
    FEATURE_INDEX,
    FEATURE_SET_VERSION,
    FEATURES,
)

DEFAULT_ARTIFACT_DIR = Path(__file__).resolve().parent.parent / "artifacts" / "risk-v3"
WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
# What load_model notes about where an artifact came from; not part of what save writes.
_LOAD_NOTES = ("artifact_feature_set", "features_without_weight")


class ArtifactMismatchError(ValueError):
    """The artifact was trained for another feature set or breaks its sign constraints."""


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _exact_sum(intercept: float, terms: np.ndarray) -> float:
    """intercept + sum(terms), correctly rounded. A BLAS dot product sums in the order its
    CPU kernel chooses, so the same artifact gave logits a unit in the last place apart on
    machines with and without AVX-512; an exactly rounded sum is the same everywhere."""
    return math.fsum([intercept, *terms.tolist()])


@dataclass(frozen=True)
class RiskModel:
    version: str
    coef: np.ndarray  # (n_features,), log-odds per unit of feature
    intercept: float
    baseline: np.ndarray  # reference feature vector contributions are measured from
    metadata: dict[str, Any]

    @property
    def base_logit(self) -> float:
        return _exact_sum(self.intercept, self.coef * self.baseline)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.coef * (x - self.baseline), dtype=np.float64)

    def logit(self, x: np.ndarray) -> float:
        return _exact_sum(self.intercept, self.coef * x)

    def predict(self, x: np.ndarray) -> float:
        return sigmoid(self.logit(x))

    def predict_batch(self, matrix: np.ndarray) -> np.ndarray:
        z = self.intercept + matrix @ self.coef
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        save_file(
            {
                "coef": self.coef.astype(np.float64),
                "intercept": np.array([self.intercept], dtype=np.float64),
                "baseline": self.baseline.astype(np.float64),
            },
            str(directory / WEIGHTS_FILE),
            metadata={"version": self.version, "feature_set": FEATURE_SET_VERSION},
        )
        config = {
            **{k: v for k, v in self.metadata.items() if k not in _LOAD_NOTES},
            "version": self.version,
            "feature_set_version": FEATURE_SET_VERSION,
            "link": "logistic",
            "contribution_units": "log-odds",
            "features": [
                {"name": f.name, "sign": f.sign, "reason": f.reason} for f in FEATURES
            ],
        }
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def _by_name(values: np.ndarray, names: list[str]) -> np.ndarray:
    """An artifact's per-feature vector laid out in today's feature order; features the
    artifact never knew are 0 (no weight, and 0 is every feature's clean reference)."""
    out = np.zeros(len(FEATURES), dtype=np.float64)
    for name, value in zip(names, values, strict=True):
        out[FEATURE_INDEX[name]] = value
    return out


def load_model(directory: Path = DEFAULT_ARTIFACT_DIR) -> RiskModel:
    """Loads an artifact of today's feature set or of an older compatible one (risk-v1 and
    risk-v2 are kept as baselines): weights are matched to features by name, so an older
    artifact scores exactly as it did, and gives no weight to the features added since."""
    config = json.loads((directory / CONFIG_FILE).read_text())
    feature_set = config.get("feature_set_version")
    if feature_set not in COMPATIBLE_FEATURE_SETS:
        raise ArtifactMismatchError(
            f"artifact feature set {feature_set!r}, code expects {FEATURE_SET_VERSION!r} "
            f"or one of {sorted(COMPATIBLE_FEATURE_SETS)}"
        )
    names = [f["name"] for f in config["features"]]
    unknown = [n for n in names if n not in FEATURE_INDEX]
    if unknown or len(set(names)) != len(names):
        raise ArtifactMismatchError(
            f"artifact feature names differ from the code's: unknown {unknown}"
            if unknown else "artifact names a feature twice")
    if feature_set == FEATURE_SET_VERSION and names != [f.name for f in FEATURES]:
        raise ArtifactMismatchError("artifact feature names differ from the code's")
    declared = {f["name"]: f.get("sign") for f in config["features"]}
    if any(declared[n] != FEATURES[FEATURE_INDEX[n]].sign for n in names):
        raise ArtifactMismatchError("artifact declares other signs than the code's features")
    tensors = load_file(str(directory / WEIGHTS_FILE))
    coef = _by_name(tensors["coef"].astype(np.float64), names)
    signs = np.array([f.sign for f in FEATURES], dtype=np.float64)
    if np.any(coef * signs < 0):
        raise ArtifactMismatchError("artifact weights break the features' sign constraints")
    metadata = {k: v for k, v in config.items()
                if k not in ("version", "feature_set_version", "features", "link",
                             "contribution_units")}
    metadata["artifact_feature_set"] = feature_set
    metadata["features_without_weight"] = [f.name for f in FEATURES if f.name not in names]
    return RiskModel(
        version=str(config["version"]),
        coef=coef,
        intercept=float(tensors["intercept"][0]),
        baseline=_by_name(tensors["baseline"].astype(np.float64), names),
        metadata=metadata,
    )
