"""How the descriptor network runs: ONNX Runtime, TorchScript, or eager PyTorch.

The same weights, folded the same way, give the same descriptors in all three (cosine >=
0.9999 to eager on a check input, verified when each is built); what differs is the cost of
one photo on one core. ONNX Runtime fuses the trunk's convolution and clip pairs and runs
the depthwise convolutions with its own kernels: about 1.6 times as fast as the frozen
TorchScript graph on this network at 192 px, which itself is about 40 % faster than eager
(the trunk's 16 blocks cost Python overhead per call in eager).

The ONNX graph is exported from the loaded network at start-up (about a second), in memory:
the artifact keeps one copy of its weights, the safetensors file. A runtime that is missing
or fails its check falls back to the next one (``RUNTIMES`` order); ``Descriptor.runtime``
says which runs.
"""

from __future__ import annotations

import io
import warnings
from typing import Protocol

import numpy as np
import torch

RUNTIMES = ("onnx", "torchscript", "eager")
ONNX_OPSET = 17
CHECK_ATOL = 1e-4  # on L2-normalised outputs: far below what retrieval can see


class Forward(Protocol):
    """(n, 3, side, side) normalised float32 pixels -> (n, dims) descriptors."""

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...


def _check_input(side: int) -> torch.Tensor:
    """A fixed, textured input: zeros would pass a graph that ignores most of its weights."""
    g = torch.Generator().manual_seed(20261207)
    return torch.randn(2, 3, side, side, generator=g).contiguous(
        memory_format=torch.channels_last)


def _agrees(forward: Forward, net: torch.nn.Module, side: int) -> bool:
    x = _check_input(side)
    with torch.inference_mode():
        return bool(torch.allclose(forward(x), net(x), atol=CHECK_ATOL))


class OnnxForward:
    """The network exported to ONNX and run by an ONNX Runtime session (thread-safe)."""

    def __init__(self, model: bytes, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(model, options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        pixels = np.ascontiguousarray(x.numpy(), dtype=np.float32)
        return torch.from_numpy(self._session.run(None, {self._input: pixels})[0])


def exported(net: torch.nn.Module, side: int, threads: int) -> OnnxForward | None:
    """``net`` as an ONNX Runtime session, or None where onnxruntime or the export fails."""
    try:
        buffer = io.BytesIO()
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the TorchScript-based exporter is deprecated
            # the TorchScript-based exporter writes to a file object; the stubs say paths only
            torch.onnx.export(net, (torch.zeros(1, 3, side, side),), buffer,  # type: ignore[arg-type]
                              input_names=["pixels"], output_names=["descriptors"],
                              dynamic_axes={"pixels": {0: "n"}, "descriptors": {0: "n"}},
                              opset_version=ONNX_OPSET, dynamo=False)
        forward = OnnxForward(buffer.getvalue(), threads)
        return forward if _agrees(forward, net, side) else None
    except Exception:  # a missing or failing runtime only costs speed
        return None


def traced(net: torch.nn.Module, side: int) -> torch.nn.Module | None:
    """``net`` as a frozen TorchScript graph, or None where tracing fails.

    torch 2.x marks ``jit.trace`` deprecated; the warning is silenced here.
    """
    example = torch.zeros(2, 3, side, side).contiguous(memory_format=torch.channels_last)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            graph = torch.jit.freeze(torch.jit.trace(net, example))
        return graph if _agrees(graph, net, side) else None
    except Exception:  # any tracing failure only costs speed
        return None


def build(net: torch.nn.Module, side: int, threads: int,
          runtime: str = RUNTIMES[0]) -> tuple[str, Forward]:
    """The first runtime from ``runtime`` on (``RUNTIMES`` order) that builds and agrees
    with ``net``; eager ``net`` itself at the end."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown descriptor runtime {runtime!r}; one of {RUNTIMES}")
    for name in RUNTIMES[RUNTIMES.index(runtime):]:
        if name == "onnx" and (forward := exported(net, side, threads)) is not None:
            return name, forward
        if name == "torchscript" and (graph := traced(net, side)) is not None:
            return name, graph
    return "eager", net
