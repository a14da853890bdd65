"""The runtimes' own checks: a graph that does not compute the network is refused, and a
runtime that cannot be built falls back to the next one instead of failing the load."""

from __future__ import annotations

import torch

from models.descriptor import runtime


class Scaled(torch.nn.Module):
    def __init__(self, factor: float) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).mean(dim=(2, 3)) * self.factor


def test_an_exported_graph_computes_the_network() -> None:
    net = Scaled(1.0).eval()
    forward = runtime.exported(net, 16, threads=1)
    assert forward is not None
    x = torch.randn(3, 3, 16, 16)
    assert torch.allclose(forward(x), net(x), atol=1e-5)


def test_a_graph_that_disagrees_with_the_network_is_refused() -> None:
    net = Scaled(1.0).eval()
    graph = runtime.exported(net, 16, threads=1)
    assert graph is not None and runtime._agrees(graph, net, 16)
    doubled = Scaled(2.0).eval()
    doubled.load_state_dict(net.state_dict())
    assert not runtime._agrees(graph, doubled, 16)


def test_a_runtime_that_cannot_be_built_falls_back() -> None:
    class Untraceable(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # data-dependent Python: export and trace see zeros, the check does not
            if float(x.abs().sum()) > 0:
                return x.mean(dim=(2, 3))
            return -x.mean(dim=(2, 3))

    name, forward = runtime.build(Untraceable().eval(), 8, threads=1)
    assert name == "eager"
    x = -torch.ones(1, 3, 8, 8)
    assert torch.equal(forward(x), -torch.ones(1, 3))  # the mean, as the network computes
