"""The context's per-cell sums (models/hashing/local._cells) are the agreement loop's
per-cell energy and correlation, on any grid and any covered area."""

from __future__ import annotations

import numpy as np
import pytest

from models.hashing.local import _cells


def _loop(k: int, inside: np.ndarray, t: tuple[np.ndarray, np.ndarray],
          q: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    th, tw = inside.shape
    energy, corr = np.zeros((k, k)), np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            cell = (slice(i * th // k, (i + 1) * th // k), slice(j * tw // k, (j + 1) * tw // k))
            m = inside[cell]
            a = np.concatenate([t[0][cell][m], t[1][cell][m]]).astype(np.float64)
            b = np.concatenate([q[0][cell][m], q[1][cell][m]]).astype(np.float64)
            denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
            corr[i, j] = max(0.0, float((a * b).sum()) / denom) if denom > 0 else 0.0
            if m.mean() >= 0.9:
                energy[i, j] = float(np.sqrt(np.mean(a * a)))
    return energy, corr


@pytest.mark.parametrize(("k", "shape"), [(4, (96, 96)), (8, (96, 72)), (8, (61, 96))])
def test_cell_sums_match_the_loop(k: int, shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(k * 1000 + shape[1])
    t = (rng.normal(size=shape).astype(np.float32), rng.normal(size=shape).astype(np.float32))
    q = (t[0] + rng.normal(scale=0.7, size=shape).astype(np.float32),
         -t[1] * rng.uniform(0, 1, size=shape).astype(np.float32))
    inside = np.ones(shape, bool)
    inside[: shape[0] // 3, : shape[1] // 2] = False  # a crop: some cells uncovered
    inside[rng.uniform(size=shape) < 0.05] = False  # and a few stray pixels
    energy, corr = _cells(k, inside, t, q)
    want_energy, want_corr = _loop(k, inside, t, q)
    assert (energy > 0).sum() == (want_energy > 0).sum() < k * k
    np.testing.assert_allclose(energy, want_energy, rtol=1e-5, atol=1e-9)
    covered = want_energy > 0
    np.testing.assert_allclose(corr[covered], want_corr[covered], rtol=1e-5, atol=1e-9)
