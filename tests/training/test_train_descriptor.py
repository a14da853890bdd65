"""The descriptor's contrastive training: the split network computes what the served one
does, the views are what they claim, and one training step moves positives together."""

from __future__ import annotations

import random

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file
from trustdata.copydetect.sources import product_shot

from models.descriptor.model import ARTIFACT_DIR, WEIGHTS_FILE, Descriptor
from models.descriptor.network import DescriptorNet, load_state
from training.prepare_descriptor_views import KINDS, make_view
from training.train_descriptor import Suffix, TrainConfig, koleo, pairs, prefix

BASE = ARTIFACT_DIR.parent / "descriptor-v1"


def _net() -> DescriptorNet:
    net = DescriptorNet(192, 3.0, 256)
    load_state(net, load_file(str(BASE / WEIGHTS_FILE)))
    return net.eval()


def test_frozen_prefix_then_trained_suffix_is_the_served_network() -> None:
    net = _net()
    x = torch.randn(3, 3, 192, 192)
    with torch.inference_mode():
        whole = net(x)
        split = Suffix(net, 11)(prefix(net, 11, x))
    assert torch.allclose(whole, split, atol=1e-5)


def test_views_of_every_kind_are_rgb_images_of_the_source() -> None:
    photo = product_shot(123, size=480)
    fillers = [product_shot(900 + i, size=320) for i in range(9)]
    rng = random.Random(1)
    descriptor = Descriptor.load(BASE)
    anchor = descriptor.describe([photo])[0]
    other = descriptor.describe([product_shot(456, size=480)])[0]
    for kind in KINDS:
        view = make_view(photo, kind, rng, fillers)
        assert isinstance(view, Image.Image) and view.mode == "RGB" and min(view.size) >= 8
        if kind in ("photo", "mild"):  # a mild view stays nearer its source than another
            v = descriptor.describe([view])[0]
            assert float(v @ anchor) > float(v @ other), kind


def test_pairs_are_two_different_views_of_one_source() -> None:
    source = np.repeat(np.arange(40), 5)
    by_source = [np.flatnonzero(source == g) for g in range(40)]
    photo = np.array([rows[0] for rows in by_source])
    cfg = TrainConfig(batch_sources=16)
    a, b = pairs(np.random.default_rng(0), by_source, photo, cfg)
    assert len(a) == len(b) == 16
    assert (source[a] == source[b]).all() and (a != b).all()
    assert len(set(source[a])) == 16  # one pair per source: the rest are negatives


def test_koleo_rewards_spread_descriptors() -> None:
    rng = torch.Generator().manual_seed(0)
    spread = torch.nn.functional.normalize(torch.randn(64, 16, generator=rng), dim=1)
    crowded = torch.nn.functional.normalize(
        torch.ones(64, 16) + 0.05 * torch.randn(64, 16, generator=rng), dim=1)
    assert koleo(spread) < koleo(crowded)  # the loss term is lower when spread out
