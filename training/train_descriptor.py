"""Train the global descriptor for copy detection (descriptor-v1 -> descriptor-v2).

    python -P -m training.prepare_descriptor_views --out var/descriptor/views
    python -P -m training.train_descriptor --views var/descriptor/views \
        --base models/artifacts/descriptor-v1 --out models/artifacts/descriptor-v2

(``--config file.json`` overrides fields of ``TrainConfig``; the config used is saved as
training_config.json beside the weights.) Seeded; runs on the CPU in about half an hour on two
cores (a GPU is used when one is present, the figures do not depend on it).

SSCD-style contrastive training, cut to what a CPU can do: the first ``cut`` blocks of the
ImageNet trunk stay frozen, so their output for every prepared view is computed once and
cached; the remaining blocks, the head convolution and the whitening projection are trained
with InfoNCE over pairs of views of one source (every other source in the batch a negative)
plus SSCD's entropy (KoLeo) regulariser, which spreads the descriptors over the sphere so
that unrelated products do not crowd together as the catalog grows. Batch norms keep their
ImageNet statistics (eval mode), so serving folds them as before. GeM pooling and the
artifact's format are unchanged: the served network reads descriptor-v2 exactly as v1.

Evaluated on build_descriptor's held-out set (photos held out by name, product shots of other
seeds, 300 distractors; whole query image), base and trained side by side -> metrics.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from models.descriptor.model import (
    CONFIG_FILE,
    FIXTURES_FILE,
    WEIGHTS_FILE,
    Descriptor,
    DescriptorConfig,
    fixture_images,
)
from models.descriptor.network import WHITEN_MEAN, WHITEN_PROJ, DescriptorNet, gem, load_state
from training.build_descriptor import BuildConfig, seed_all
from training.descriptor_card import trained_card
from training.descriptor_eval import held_out_eval


@dataclass(frozen=True)
class TrainConfig:
    version: str = "descriptor-v2"
    seed: int = 20261207
    cut: int = 12  # blocks [0, cut) frozen and cached; EfficientNet-Lite0 has 16
    steps: int = 300
    batch_sources: int = 96  # two views each
    lr: float = 2e-4
    proj_lr: float = 1e-3
    weight_decay: float = 1e-4
    temperature: float = 0.05
    entropy_weight: float = 10.0  # SSCD's KoLeo weight is 30 at 512 dims and larger batches
    photo_anchor_share: float = 0.5  # pairs whose first view is the catalog photo itself
    storage: str = "float16"
    threads: int = 2


class Suffix(nn.Module):
    """The trainable part: blocks [cut, 16), head convolution, GeM, whitening projection."""

    def __init__(self, net: DescriptorNet, cut: int) -> None:
        super().__init__()
        self.net = net
        self.cut = cut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bb = self.net.backbone
        for block in bb._blocks[self.cut:]:
            x = block(x)
        x = bb._swish(bb._bn1(bb._conv_head(x)))
        v = (gem(x, self.net.gem_p) - self.net.mean) @ self.net.proj.T
        return nn.functional.normalize(v, dim=1)


def prefix(net: DescriptorNet, cut: int, x: torch.Tensor) -> torch.Tensor:
    bb = net.backbone
    x = bb._swish(bb._bn0(bb._conv_stem(x)))
    for block in bb._blocks[:cut]:
        x = block(x)
    return x


def cached_prefix(net: DescriptorNet, cut: int, views: np.ndarray, device: str,
                  cache: Path) -> torch.Tensor:
    """The frozen blocks' output for every view, float16 on the CPU; saved to ``cache`` (the
    slow part on a CPU: a rerun with other training settings reads it back)."""
    if cache.exists():
        return torch.from_numpy(np.load(cache))
    mean = torch.tensor(127.0)
    out = []
    with torch.inference_mode():
        for begin in tqdm(range(0, len(views), 64), desc="frozen blocks"):
            x = torch.from_numpy(views[begin:begin + 64]).permute(0, 3, 1, 2).float()
            x = ((x - mean) / 128.0).to(device)
            out.append(prefix(net, cut, x).to("cpu", torch.float16))
    feats = torch.cat(out)
    np.save(cache, feats.numpy())
    return feats


def koleo(z: torch.Tensor) -> torch.Tensor:
    """Kozachenko-Leonenko entropy estimate (up to constants), to be maximised."""
    with torch.no_grad():
        sims = z @ z.T
        sims.fill_diagonal_(-2.0)
        nearest = sims.argmax(dim=1)
    dist = (z - z[nearest]).norm(dim=1)
    return -torch.log(dist + 1e-8).mean()


def pairs(rng: np.random.Generator, by_source: list[np.ndarray], photo_of: np.ndarray,
          cfg: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    groups = rng.choice(len(by_source), size=cfg.batch_sources, replace=False)
    first, second = [], []
    for g in groups:
        rows = by_source[g]
        if rng.random() < cfg.photo_anchor_share:
            a = int(photo_of[g])
            b = int(rng.choice(rows[rows != a]))
        else:
            a, b = (int(r) for r in rng.choice(rows, size=2, replace=False))
        first.append(a)
        second.append(b)
    return np.array(first), np.array(second)


def train(net: DescriptorNet, feats: torch.Tensor, source: np.ndarray, photo: np.ndarray,
          cfg: TrainConfig, device: str) -> list[dict[str, float]]:
    suffix = Suffix(net, cfg.cut).to(device)
    for p in net.parameters():
        p.requires_grad_(False)
    trunk = [p for b in net.backbone._blocks[cfg.cut:] for p in b.parameters()]
    trunk += [*net.backbone._conv_head.parameters(), *net.backbone._bn1.parameters()]
    for p in trunk:
        p.requires_grad_(True)
    proj = nn.Parameter(net.proj.detach().clone())
    del net.proj
    net.proj = proj
    opt = torch.optim.AdamW([{"params": trunk, "lr": cfg.lr},
                             {"params": [proj], "lr": cfg.proj_lr}],
                            weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[cfg.lr, cfg.proj_lr],
                                                total_steps=cfg.steps, pct_start=0.1)
    net.eval()  # batch norms keep their statistics; nothing here uses dropout
    by_source = [np.flatnonzero(source == g) for g in range(int(source.max()) + 1)]
    rng = np.random.default_rng(cfg.seed)
    log: list[dict[str, float]] = []
    bar = tqdm(range(cfg.steps), desc="contrastive steps")
    for step in bar:
        a, b = pairs(rng, by_source, photo, cfg)
        x = feats[np.concatenate([a, b])].to(device, torch.float32)
        z = suffix(x)
        n = len(a)
        logits = z @ z.T / cfg.temperature
        logits.fill_diagonal_(float("-inf"))
        target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(device)
        nce = nn.functional.cross_entropy(logits, target)
        ent = koleo(z)
        loss = nce + cfg.entropy_weight * ent / 100.0
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            acc = float((logits.argmax(dim=1) == target).float().mean())
        log.append({"step": step, "nce": round(nce.item(), 4), "koleo": round(ent.item(), 4),
                    "acc": round(acc, 4)})
        bar.set_postfix(nce=f"{nce.item():.3f}", acc=f"{acc:.2f}")
    net.proj = nn.Parameter(proj.detach().clone(), requires_grad=False)
    return log


def _stored(net: DescriptorNet, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    from models.descriptor.network import backbone_state

    tensors = {k: (v.to(dtype) if v.is_floating_point() else v).contiguous()
               for k, v in backbone_state(net.backbone).items()}
    tensors[WHITEN_MEAN] = net.mean.detach().float().contiguous()
    tensors[WHITEN_PROJ] = net.proj.detach().float().contiguous()
    return tensors


def speed_in_fresh_process(directory: Path) -> dict[str, float]:
    """One-thread timings of the stored artifact, taken in a new interpreter: after training,
    this process's thread pools make one-thread timings meaningless (100x off here)."""
    code = ("import json, sys; from pathlib import Path; "
            "from models.descriptor.model import Descriptor, fixture_images; "
            "from training.descriptor_eval import time_one; "
            "print(json.dumps(time_one(Descriptor.load(Path(sys.argv[1])), "
            "fixture_images()[0], 40)))")
    out = subprocess.run([sys.executable, "-P", "-c", code, str(directory)], check=True,
                         capture_output=True, text=True)
    speed: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return speed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--views", type=Path, default=Path("var/descriptor/views"))
    ap.add_argument("--base", type=Path, default=Path("models/artifacts/descriptor-v1"))
    ap.add_argument("--out", type=Path, default=Path("models/artifacts/descriptor-v2"))
    ap.add_argument("--config", type=Path, default=None)
    args = ap.parse_args()
    cfg = TrainConfig()
    if args.config is not None:
        cfg = replace(cfg, **json.loads(args.config.read_text()))
    seed_all(cfg.seed, cfg.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    started = time.perf_counter()

    base_config = DescriptorConfig.from_json(json.loads((args.base / CONFIG_FILE).read_text()))
    net = DescriptorNet(base_config.side, base_config.gem_p, base_config.dims)
    load_state(net, load_file(str(args.base / WEIGHTS_FILE)))
    net = net.to(device).eval()

    views = np.load(args.views / "views.npy", mmap_mode="r")
    meta = json.loads((args.views / "meta.json").read_text())
    source = np.array(meta["source"])
    kinds = meta["kind"]
    photo = np.zeros(int(source.max()) + 1, dtype=np.int64)
    for row, (g, k) in enumerate(zip(source, kinds, strict=True)):
        if k == "photo":
            photo[g] = row
    feats = cached_prefix(net, cfg.cut, views, device,
                          args.views / f"prefix-{base_config.version}-{cfg.cut}.npy")
    log = train(net, feats, source, photo, cfg, device)
    net = net.to("cpu").eval()

    dtype = {"float16": torch.float16, "float32": torch.float32}[cfg.storage]
    tensors = _stored(net, dtype)
    dconfig = replace(base_config, version=cfg.version)
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(args.out / WEIGHTS_FILE),
              metadata={"version": cfg.version, "format": "pt"})
    (args.out / CONFIG_FILE).write_text(json.dumps(dconfig.to_json(), indent=1) + "\n")
    (args.out / "training_config.json").write_text(json.dumps(
        {**asdict(cfg), "base": str(args.base), "views": meta["config"]}, indent=1) + "\n")

    served = Descriptor.load(args.out, threads=cfg.threads)
    base = Descriptor.load(args.base, threads=cfg.threads)
    save_file({"embeddings": torch.from_numpy(served.describe(fixture_images()))},
              str(args.out / FIXTURES_FILE), metadata={"version": cfg.version})
    evaluation = held_out_eval({base_config.version: base, cfg.version: served}, BuildConfig())
    speed = speed_in_fresh_process(args.out)
    size_mb = sum(p.stat().st_size for p in args.out.glob("*.safetensors")) / 1e6
    metrics: dict[str, object] = {
        "version": cfg.version, "base": base_config.version, "side": dconfig.side,
        "training_views": len(source), "training_sources": int(source.max()) + 1,
        "final_loss": log[-1], "evaluation": evaluation, "speed_one_thread": speed,
        "artifact_mb": round(size_mb, 2), "torch": torch.__version__,
        "train_seconds": round(time.perf_counter() - started),
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    (args.out / "loss.json").write_text(json.dumps(log[::10]) + "\n")
    (args.out / "README.md").write_text(trained_card(cfg, metrics, size_mb))
    for name, r in evaluation.items():
        print(f"{name:16s} mild@1 {r['mild_recall_at_1']:.3f} mild@10 {r['mild_recall_at_10']:.3f}"
              f" hard@1 {r['hard_recall_at_1']:.3f} hard@10 {r['hard_recall_at_10']:.3f}")
    print(f"done in {time.perf_counter() - started:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
