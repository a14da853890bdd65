"""Serving side of the global copy-detection descriptor (models/artifacts/descriptor-v2).

``load_descriptor()`` reads the artifact once per process (config.json and
weights.safetensors; never a pickle) and ``Descriptor.describe`` turns PIL images into
(n, 256) float32 L2-normalised vectors: the photo squeezed to ``side`` x ``side`` (the whole
frame, no crop: a copy detector must not throw away what a crop keeps), scaled with the
artifact's mean and std, the trunk, GeM pooling, the whitening. The network runs in ONNX
Runtime where it builds and agrees with PyTorch, else as TorchScript, else eager
(models/descriptor/runtime.py): same descriptors, different cost.

Threads: ``torch.set_num_threads`` is process-wide, so nothing here changes it at import.
``describe`` runs on ``threads`` intra-op threads (1 by default: the service parallelises
over requests, not inside one photo): the ONNX Runtime session's own, or torch's, whose
previous setting comes back when the last concurrent call leaves.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file

from models.descriptor.network import DescriptorNet, fold_batchnorm, load_state
from models.descriptor.runtime import RUNTIMES, Forward, build

ARTIFACT_DIR = Path(__file__).resolve().parent.parent / "artifacts" / "descriptor-v2"
WEIGHTS_FILE = "weights.safetensors"
CONFIG_FILE = "config.json"
FIXTURES_FILE = "fixtures.safetensors"


@dataclass(frozen=True)
class DescriptorConfig:
    version: str
    side: int
    mean: tuple[float, float, float]  # per RGB channel, on 0..255 pixel values
    std: tuple[float, float, float]
    gem_p: float
    dims: int

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DescriptorConfig:
        mean = [float(v) for v in data["mean"]]  # type: ignore[attr-defined]
        std = [float(v) for v in data["std"]]  # type: ignore[attr-defined]
        return cls(str(data["version"]), int(data["side"]),  # type: ignore[call-overload]
                   (mean[0], mean[1], mean[2]), (std[0], std[1], std[2]),
                   float(data["gem_p"]), int(data["dims"]))  # type: ignore[arg-type, call-overload]

    def to_json(self) -> dict[str, object]:
        return {"version": self.version, "side": self.side, "mean": list(self.mean),
                "std": list(self.std), "gem_p": self.gem_p, "dims": self.dims}


class _ThreadPin:
    """Sets torch's intra-op threads while any ``describe`` runs; restores after the last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._saved = 0

    @contextmanager
    def pinned(self, threads: int) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._saved = torch.get_num_threads()
                if self._saved != threads:
                    torch.set_num_threads(threads)
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and torch.get_num_threads() != self._saved:
                    torch.set_num_threads(self._saved)


_PIN = _ThreadPin()


class Descriptor:
    """A loaded descriptor network; ``describe`` is safe to call from several threads."""

    def __init__(self, config: DescriptorConfig, net: DescriptorNet, threads: int = 1,
                 forward: Forward | None = None, runtime: str = "eager") -> None:
        self.config = config
        self.version = config.version
        self.dims = config.dims
        self.threads = threads
        self._net = net.eval()
        self._forward: Forward = forward if forward is not None else self._net
        self.runtime = runtime if forward is not None else "eager"
        self._mean = torch.tensor(config.mean, dtype=torch.float32).view(1, 3, 1, 1)
        self._std = torch.tensor(config.std, dtype=torch.float32).view(1, 3, 1, 1)

    @classmethod
    def load(cls, directory: Path = ARTIFACT_DIR, threads: int = 1,
             runtime: str = RUNTIMES[0]) -> Descriptor:
        """Read the artifact: batch norms folded, channels-last, run by ``runtime`` or the
        next one that builds (models/descriptor/runtime.py; "eager": the network itself)."""
        config = DescriptorConfig.from_json(json.loads((directory / CONFIG_FILE).read_text()))
        net = DescriptorNet(config.side, config.gem_p, config.dims)
        load_state(net, load_file(str(directory / WEIGHTS_FILE)))
        fold_batchnorm(net.backbone)
        net = net.eval().to(memory_format=torch.channels_last)
        for p in net.parameters():
            p.requires_grad_(False)
        with _PIN.pinned(threads):
            name, forward = build(net, config.side, threads, runtime)
        return cls(config, net, threads, forward, name)

    def pixels(self, image: Image.Image) -> np.ndarray:
        """The network's input for one image: (side, side, 3) uint8 RGB of the whole frame."""
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        side = self.config.side
        if rgb.size != (side, side):
            rgb = rgb.resize((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
        return np.asarray(rgb, dtype=np.uint8)

    def tensor(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """(n, 3, side, side) normalised float32 input, channels-last in memory."""
        batch = np.stack([self.pixels(im) for im in images])  # (n, h, w, 3)
        x = torch.from_numpy(batch).permute(0, 3, 1, 2).float()  # NHWC memory: channels-last
        return (x - self._mean) / self._std

    def describe(self, images: Sequence[Image.Image], batch_size: int = 16) -> np.ndarray:
        """(n, dims) float32 L2-normalised descriptors, one row per image, in order."""
        if not images:
            return np.zeros((0, self.dims), dtype=np.float32)
        out = []
        with _PIN.pinned(self.threads), torch.inference_mode():
            for begin in range(0, len(images), batch_size):
                x = self.tensor(images[begin:begin + batch_size])
                out.append(self._forward(x).numpy())
        return np.ascontiguousarray(np.concatenate(out), dtype=np.float32)

    def pooled(self, images: Sequence[Image.Image], batch_size: int = 16) -> np.ndarray:
        """(n, 1280) raw GeM vectors before the whitening (what the whitening is fitted on)."""
        out = []
        with _PIN.pinned(self.threads), torch.inference_mode():
            for begin in range(0, len(images), batch_size):
                out.append(self._net.pooled(self.tensor(images[begin:begin + batch_size])).numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 1280), np.float32)


_SERVED: list[tuple[Path, str]] = [(ARTIFACT_DIR, RUNTIMES[0])]


def serve_artifact(directory: Path, runtime: str = RUNTIMES[0]) -> None:
    """Make ``load_descriptor`` return the artifact in ``directory``, run by ``runtime``.

    For evaluators and benchmarks that compare descriptor versions or runtimes in one
    process tree; the service never calls it (stored evidence records the served version).
    """
    _SERVED[0] = (directory, runtime)
    load_descriptor.cache_clear()


@lru_cache(maxsize=1)
def load_descriptor() -> Descriptor:
    """The served descriptor, loaded once per process."""
    directory, runtime = _SERVED[0]
    return Descriptor.load(directory, runtime=runtime)


def fixture_images() -> list[Image.Image]:
    """Four small images drawn in code (no files, no randomness outside a fixed seed) whose
    descriptors the artifact stores in fixtures.safetensors: the test that the artifact
    loads and computes what it computed when it was built."""
    out = []
    yy, xx = np.mgrid[0:160, 0:200].astype(np.float32)
    # a smooth colour field
    field = np.stack([xx / 200 * 255, yy / 160 * 255, (xx + yy) / 360 * 255], axis=-1)
    out.append(Image.fromarray(field.astype(np.uint8)))
    # rings
    r = np.hypot(xx - 100, yy - 80)
    rings = ((np.sin(r / 6.0) + 1) * 127.5).astype(np.uint8)
    out.append(Image.fromarray(np.stack([rings, 255 - rings, rings // 2], axis=-1)))
    # a checkerboard with a bright disc
    board = (((xx // 20) + (yy // 20)) % 2 * 200 + 30).astype(np.uint8)
    board[(xx - 140) ** 2 + (yy - 60) ** 2 < 30 ** 2] = 250
    out.append(Image.fromarray(board).convert("RGB"))
    # seeded noise blocks
    rng = np.random.default_rng(20261205)
    blocks = rng.integers(0, 256, size=(8, 10, 3), dtype=np.uint8)
    out.append(Image.fromarray(blocks).resize((200, 160), Image.Resampling.NEAREST))
    return out
