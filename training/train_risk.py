"""Train the listing risk model: sign-constrained logistic regression + Platt calibration.

Data preparation is separate (it only generates signals):

    python -P -m trustdata.listings.build --out var/datasets/listings-network --seed 20240611 \
        --caption-bank var/captions-context/oof_captions.jsonl
    python -P -m training.train_risk --data var/datasets/listings-network \
        --out models/artifacts/risk-v3 --config training/configs/risk-v3.json
    python -P -m training.evaluate_risk --data var/datasets/listings-network \
        --artifact models/artifacts/risk-v3 --compare models/artifacts/risk-v2 --report reports/risk

The train split's sellers are divided (by a seeded shuffle of seller ids) into a fit part
and a calibration part; the test split (held-out sellers and brands) is never read here.
Every weight is bounded to its feature's declared sign, so e.g. a lower price can never make
a listing look safer, whatever the data says. Optional `--config file.json` overrides the
defaults of `TrainConfig`; the config used is saved next to the weights.

`update_features` (risk-v3: the supplier-network features) are fitted as an update on top of
the calibrated per-listing model: first the other features are fitted and Platt-calibrated
exactly as before, then only these weights, with that model's log-odds as a fixed offset.
So a listing without those signals scores as the per-listing model scores it: their absence
is not taken as evidence of honesty (banks and links only know what moderators confirmed,
and scoring may run without them: TRUST_SUPPLIER_SIGNALS_ENABLED=false), while their presence
adds the log-odds the data supports.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from scipy.optimize import minimize
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from tqdm import tqdm
from trustdata.listings.io import load_split, to_signals

from models.risk.features import FEATURE_INDEX, FEATURES, feature_matrix
from models.risk.model import RiskModel


@dataclass(frozen=True)
class TrainConfig:
    version: str = "risk-v1"
    seed: int = 7
    l2: float = 1e-5  # on the mean log-loss; the intercept is not penalised
    calibration_share: float = 0.25  # share of train sellers kept for calibration
    update_features: tuple[str, ...] = ()  # fitted on top of the calibrated others

    def __post_init__(self) -> None:
        object.__setattr__(self, "update_features", tuple(self.update_features))
        unknown = [n for n in self.update_features if n not in FEATURE_INDEX]
        if unknown:
            raise ValueError(f"unknown update features {unknown}")


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


def _sign_bounds(signs: list[int]) -> list[tuple[float | None, float | None]]:
    return [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs]


def fit_sign_constrained(x: np.ndarray, y: np.ndarray, signs: list[int],
                         l2: float) -> tuple[np.ndarray, float]:
    bounds = [*_sign_bounds(signs), (None, None)]
    result = minimize(_loss_and_grad, np.zeros(x.shape[1] + 1), args=(x, y, l2), jac=True,
                      method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000})
    if not result.success:
        raise RuntimeError(f"optimiser failed: {result.message}")
    return result.x[:-1], float(result.x[-1])


def _update_loss_and_grad(w: np.ndarray, x: np.ndarray, y: np.ndarray, offset: np.ndarray,
                          l2: float) -> tuple[float, np.ndarray]:
    z = offset + x @ w
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w @ w)
    residual = (1.0 / (1.0 + np.exp(-z)) - y) / len(y)
    return loss, x.T @ residual + l2 * w


def fit_update(x: np.ndarray, y: np.ndarray, offset: np.ndarray, signs: list[int],
               l2: float) -> np.ndarray:
    """Sign-bounded weights of `x` added to fixed log-odds `offset` (no intercept)."""
    result = minimize(_update_loss_and_grad, np.zeros(x.shape[1]), args=(x, y, offset, l2),
                      jac=True, method="L-BFGS-B", bounds=_sign_bounds(signs),
                      options={"maxiter": 5000})
    if not result.success:
        raise RuntimeError(f"optimiser failed: {result.message}")
    return np.asarray(result.x, dtype=np.float64)


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
    update = [FEATURE_INDEX[name] for name in cfg.update_features]
    base = [i for i in range(len(FEATURES)) if i not in update]
    coef = np.zeros(len(FEATURES))
    coef[base], intercept = fit_sign_constrained(x[~held][:, base], y[~held],
                                                 [signs[i] for i in base], cfg.l2)
    z_cal = x[held][:, base] @ coef[base] + intercept
    a, c = fit_platt(z_cal, y[held])
    coef, intercept = a * coef, a * intercept + c
    if update:
        coef[update] = fit_update(x[~held][:, update], y[~held],
                                  x[~held] @ coef + intercept, [signs[i] for i in update],
                                  cfg.l2)
    update_note = {} if not update else {"update_features": {
        "features": list(cfg.update_features),
        "fitted_on": "train split, fit sellers, as an update on the calibrated per-listing "
                     "model (its log-odds a fixed offset): their absence changes no score"}}
    model = RiskModel(
        version=cfg.version,
        coef=coef,
        intercept=intercept,
        baseline=np.zeros(len(FEATURES)),
        metadata={
            **update_note,
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
    if update:
        # The per-listing model alone on the calibration sellers: what the update adds to.
        summary["calibration_split_without_update_features"] = _metrics(
            1.0 / (1.0 + np.exp(-(a * z_cal + c))), y[held])
    (out / "training_config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    (out / "training_metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    (out / "labels.json").write_text(json.dumps(["legit", "counterfeit"]) + "\n")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("var/datasets/listings-network"))
    parser.add_argument("--out", type=Path, default=Path("models/artifacts/risk-v3"))
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
    if cfg.update_features:
        m = summary["calibration_split_without_update_features"]
        print(f"  calibration split, per-listing model alone   auc={m['roc_auc']:.4f} "
              f"brier={m['brier']:.4f} logloss={m['log_loss']:.4f}")
        coef = load_file(str(args.out / "weights.safetensors"))["coef"]
        for name in cfg.update_features:
            print(f"  update weight {name}: {coef[FEATURE_INDEX[name]]:+.3f} log-odds")


if __name__ == "__main__":
    main()
