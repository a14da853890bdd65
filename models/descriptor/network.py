"""The descriptor network: EfficientNet-Lite0 features, GeM pooling, whitening, L2 norm.

The backbone's code comes from the ``efficientnet-lite-pytorch`` package (Apache-2.0); its
weights are read from the artifact's safetensors file, never from the pickle the
ImageNet weights ship in (training/build_descriptor.py converts that once). Only the
convolutional trunk is used (``extract_features``: the final 1280-channel map after the
head convolution); the ImageNet classifier is dropped.

Generalised-mean pooling with p = 3 sits between average pooling (p = 1) and max pooling
(p -> inf): strong local activations weigh more than a flat background, which keeps a
product photo's descriptor about the product even when a banner or a border adds pixels.
The whitening (a centring and a 1280 -> 256 projection) decorrelates the pooled channels,
so no few bursty channels dominate the cosine, and cuts the dimensions the catalog index
stores.
"""

from __future__ import annotations

import torch
from efficientnet_lite_pytorch import EfficientNet
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

BACKBONE_NAME = "efficientnet-lite0"
FEATURE_CHANNELS = 1280
BACKBONE_PREFIX = "backbone."
WHITEN_MEAN = "whiten.mean"
WHITEN_PROJ = "whiten.proj"


def build_backbone(side: int) -> EfficientNet:
    """An untrained EfficientNet-Lite0 trunk for ``side`` x ``side`` inputs (eval mode)."""
    net = EfficientNet.from_name(BACKBONE_NAME, image_size=side)
    net._fc = nn.Identity()  # the ImageNet classifier is not part of the descriptor
    return net.eval()


# (convolution, batch norm) attribute pairs of the trunk and of each of its blocks
_TRUNK_PAIRS = (("_conv_stem", "_bn0"), ("_conv_head", "_bn1"))
_BLOCK_PAIRS = (("_expand_conv", "_bn0"), ("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2"))


def fold_batchnorm(net: nn.Module) -> None:
    """Fold every eval-mode batch norm into the convolution before it (in place).

    Same function, one pass over each feature map fewer: about a third faster on one core.
    Only for inference; the folded trunk no longer has the weights' original layout.
    """
    def fold(owner: nn.Module, conv_name: str, bn_name: str) -> None:
        conv, bn = getattr(owner, conv_name, None), getattr(owner, bn_name, None)
        if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
            setattr(owner, conv_name, fuse_conv_bn_eval(conv.eval(), bn.eval()))
            setattr(owner, bn_name, nn.Identity())

    for conv_name, bn_name in _TRUNK_PAIRS:
        fold(net, conv_name, bn_name)
    for block in getattr(net, "_blocks", []):
        for conv_name, bn_name in _BLOCK_PAIRS:
            fold(block, conv_name, bn_name)


def gem(features: torch.Tensor, p: float, eps: float = 1e-6) -> torch.Tensor:
    """Generalised-mean pooling of (n, c, h, w) features to (n, c)."""
    return features.clamp(min=eps).pow(p).mean(dim=(2, 3)).pow(1.0 / p)


class DescriptorNet(nn.Module):
    """Normalised pixels (n, 3, side, side) -> (n, dims) L2-normalised descriptors.

    ``whiten`` False returns the raw GeM vector (n, 1280), as the build script fits the
    whitening on.
    """

    mean: torch.Tensor
    proj: torch.Tensor

    def __init__(self, side: int, gem_p: float, dims: int) -> None:
        super().__init__()
        self.backbone = build_backbone(side)
        self.gem_p = float(gem_p)
        self.register_buffer("mean", torch.zeros(FEATURE_CHANNELS))
        self.register_buffer("proj", torch.zeros(dims, FEATURE_CHANNELS))

    def pooled(self, x: torch.Tensor) -> torch.Tensor:
        return gem(self.backbone.extract_features(x), self.gem_p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = (self.pooled(x) - self.mean) @ self.proj.T
        return nn.functional.normalize(v, dim=1)


def backbone_state(net: nn.Module) -> dict[str, torch.Tensor]:
    """The trunk's tensors under their artifact names (classifier excluded)."""
    return {BACKBONE_PREFIX + k: v for k, v in net.state_dict().items()
            if not k.startswith("_fc.") and not k.endswith("num_batches_tracked")}


def load_state(model: DescriptorNet, tensors: dict[str, torch.Tensor]) -> None:
    """Fill ``model`` from an artifact's tensors (float32 in memory whatever the storage)."""
    trunk = {k[len(BACKBONE_PREFIX):]: v.float() for k, v in tensors.items()
             if k.startswith(BACKBONE_PREFIX)}
    result = model.backbone.load_state_dict(trunk, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise ValueError(f"descriptor weights do not fit the network: missing "
                         f"{missing[:5]}, unexpected {result.unexpected_keys[:5]}")
    model.mean.copy_(tensors[WHITEN_MEAN].float())
    model.proj.copy_(tensors[WHITEN_PROJ].float())
