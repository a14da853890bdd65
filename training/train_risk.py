"""Train the listing risk model: sign-constrained logistic regression + Platt calibration.

Data preparation is separate (it only generates signals):

    python -P -m trustdata.listings.build --out var/datasets/listings --seed 20240611
    python -P -m training.train_risk --data var/datasets/listings --out models/artifacts/risk-v1
    python -P -m training.evaluate_risk --data var/datasets/listings \
        --artifact models/artifacts/risk-v1 --report reports/risk

The train split's sellers are divided (by a seeded shuffle of seller ids) into a fit part
and a calibration part; the test split (held-out sellers and brands) is never read here.
Every weight is bounded to its feature's declared sign, so e.g. a lower price can never make
a listing look safer, whatever the data says. Optional `--config file.json` overrides the
defaults of `TrainConfig`; the config used is saved next to the weights.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from tqdm import tqdm
from trustdata.listings.io import load_split, to_signals

from models.risk.features import FEATURES, feature_matrix
from models.risk.model import RiskModel


@dataclass(frozen=True)
class TrainConfig:
    version: str = "risk-v1"
    seed: int = 7
    l2: float = 1e-5  # on the mean log-loss; the intercept is not penalised
    calibration_share: float = 0.25  # share of train sellers kept for calibration


def _split_sellers(records: list[dict[str, Any]], share: float, seed: int) -> np.ndarray:
    sellers = sorted({r["seller_id"] for r in records})
    random.Random(seed).shuffle(sellers)
    held = set(sellers[: round(len(sellers) * share)])
    return np.array([r["seller_id"] in held for r in records])


def _loss_and_grad(params: np.ndarray, x: np.ndarray, y: np.ndarray,
                   l2: float) -> tuple[float, np.ndarray]:
    w, b = params[:-1], params[-1]
    z = x @ w + b
    # log(1 + e^z) - y z, computed stably
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w @ w)
    p = 1.0 / (1.0 + np.exp(-z))
    residual = (p - y) / len(y)
    grad = np.concatenate([x.T @ residual + l2 * w, [residual.sum()]])
    return loss, grad


def fit_sign_constrained(x: np.ndarray, y: np.ndarray, signs: list[int],
                         l2: float) -> tuple[np.ndarray, float]:
    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs]
    bounds.append((None, None))
    result = minimize(_loss_and_grad, np.zeros(x.shape[1] + 1), args=(x, y, l2), jac=True,
                      method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000})
    if not result.success:
        raise RuntimeError(f"optimiser failed: {result.message}")
    return result.x[:-1], float(result.x[-1])


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope (kept positive, so the ranking and the signs survive) and offset on log-odds."""
    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        a, c = params
        t = a * z + c
        p = 1.0 / (1.0 + np.exp(-t))
        value = float(np.mean(np.logaddexp(0.0, t) - y * t))
        r = (p - y) / len(y)
        return value, np.array([float(r @ z), float(r.sum())])
    result = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
                      bounds=[(1e-3, None), (None, None)])
    return float(result.x[0]), float(result.x[1])


def _operating_points(p: np.ndarray, y: np.ndarray) -> list[dict[str, float]]:
    """Share flagged, precision and recall at candidate thresholds (to pick the defaults)."""
    points = []
    for t in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98):
        flagged = p >= t
        points.append({
            "threshold": t,
            "flagged": float(flagged.mean()),
            "precision": float(y[flagged].mean()) if flagged.any() else float("nan"),
            "recall": float(y[flagged].sum() / max(y.sum(), 1.0)),
        })
    return points


def _metrics(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    return {"roc_auc": float(roc_auc_score(y, p)), "brier": float(brier_score_loss(y, p)),
            "log_loss": float(log_loss(y, p, labels=[0, 1])), "n": len(y),
            "positives": int(y.sum())}


def train(data: Path, out: Path, cfg: TrainConfig) -> dict[str, Any]:
    records = load_split(data, "train")
    x = feature_matrix([to_signals(r) for r in tqdm(records, desc="features")])
    y = np.array([r["label"] for r in records], dtype=np.float64)
    held = _split_sellers(records, cfg.calibration_share, cfg.seed)
    signs = [f.sign for f in FEATURES]
    coef, intercept = fit_sign_constrained(x[~held], y[~held], signs, cfg.l2)
    z_cal = x[held] @ coef + intercept
    a, c = fit_platt(z_cal, y[held])
    model = RiskModel(
        version=cfg.version,
        coef=a * coef,
        intercept=a * intercept + c,
        baseline=np.zeros(len(FEATURES)),
        metadata={
            "calibration": {"method": "platt", "slope": a, "offset": c,
                            "fitted_on": "train split, calibration sellers"},
            "labels": {"0": "legit", "1": "counterfeit"},
            "baseline": "all-zero features: every signal present, product identified and "
                        "offered at list price, nothing suspicious",
        },
    )
    model.save(out)
    p_raw = 1.0 / (1.0 + np.exp(-z_cal))
    p_cal = model.predict_batch(x[held])
    summary = {
        "fit": _metrics(model.predict_batch(x[~held]), y[~held]),
        "calibration_split_before_platt": _metrics(p_raw, y[held]),
        "calibration_split_after_platt": _metrics(p_cal, y[held]),
        "calibration_split_operating_points": _operating_points(p_cal, y[held]),
        "data": str(data),
    }
    (out / "training_config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    (out / "training_metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "labels.json").write_text(json.dumps(["legit", "counterfeit"]) + "\n")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("var/datasets/listings"))
    parser.add_argument("--out", type=Path, default=Path("models/artifacts/risk-v1"))
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args()
    cfg = TrainConfig(**json.loads(args.config.read_text())) if args.config else TrainConfig()
    summary = train(args.data, args.out, cfg)
    model_weights = json.loads((args.out / "config.json").read_text())["features"]
    print(f"trained {cfg.version} -> {args.out}")
    for split in ("fit", "calibration_split_before_platt", "calibration_split_after_platt"):
        m = summary[split]
        print(f"  {split:32s} auc={m['roc_auc']:.4f} brier={m['brier']:.4f} "
              f"logloss={m['log_loss']:.4f} n={m['n']}")
    print("  calibration split operating points (pick the defaults in models/thresholds.py):")
    for point in summary["calibration_split_operating_points"]:
        print("    t={threshold:.2f} flagged={flagged:.3f} precision={precision:.4f} "
              "recall={recall:.3f}".format(**point))
    print(f"  features: {len(model_weights)}")


if __name__ == "__main__":
    main()
