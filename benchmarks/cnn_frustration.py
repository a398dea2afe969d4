"""Frustration of an ImageNet-size CNN: the matrix-free greedy method on an EfficientNet-Lite0-
shaped network with random weights at 3x224x224 (docs/theory.md §6.1).

Targets (issue "Frustration of real networks"): greedy frustration under 5 minutes and 8 GB on
2 cores, with the time per sweep and the number of sweeps; the ratio of its time to one forward
pass of the network in torch; null samples per minute with ``n_jobs=2``. The network is
written here: EfficientNet-Lite0 (Tan & Le, 2019; the Lite variant has ReLU6 and no
squeeze-excitation: SiLU and Hardswish are not monotone and are refused), inverted residual
blocks with 3x3 and 5x5 depthwise convolutions and batch norm: 4.6 M weights (3.3 M in its
convolutions, 1.3 M in its classifier), 7.1 M nodes, 382 M edges at 3x224x224, the issue's
"about 5 M weights, 7 M nodes, 400 M edges". ``--network mobilenet_v2 --width W`` takes the
MobileNet-V2 shape instead (width 1: 3.5 M weights, 7.0 M nodes, 300 M edges). Figures are
printed; nothing is asserted on time.
Run: ``OMP_NUM_THREADS=1 python benchmarks/cnn_frustration.py [--quick] [--samples 2]``.
"""

import argparse
import resource
import time

import numpy as np
import torch
from torch import nn

import landscape as ls

# (expansion t, channels c, repeats n, stride s, depthwise kernel k) of MobileNet-V2
# (Sandler et al., 2018) and EfficientNet-Lite0 (Tan & Le, 2019)
SHAPES = {"mobilenet_v2": [(1, 16, 1, 1, 3), (6, 24, 2, 2, 3), (6, 32, 3, 2, 3),
                           (6, 64, 4, 2, 3), (6, 96, 3, 1, 3), (6, 160, 3, 2, 3),
                           (6, 320, 1, 1, 3)],
          "efficientnet_lite0": [(1, 16, 1, 1, 3), (6, 24, 2, 2, 3), (6, 40, 2, 2, 5),
                                 (6, 80, 3, 2, 3), (6, 112, 3, 1, 5), (6, 192, 4, 2, 5),
                                 (6, 320, 1, 1, 3)]}


def conv_bn(c_in, c_out, kernel, stride, groups=1, relu=True):
    layers = [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False),
              nn.BatchNorm2d(c_out)]
    return nn.Sequential(*layers, nn.ReLU6()) if relu else nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, c_in, c_out, stride, expansion, kernel):
        super().__init__()
        hidden = c_in * expansion
        layers = [conv_bn(c_in, hidden, 1, 1)] if expansion != 1 else []
        layers += [conv_bn(hidden, hidden, kernel, stride, groups=hidden),
                   conv_bn(hidden, c_out, 1, 1, relu=False)]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        return x + self.block(x) if self.residual else self.block(x)


class InvertedResidualNet(nn.Module):
    def __init__(self, shape="efficientnet_lite0", classes=1000, width=1.0):
        super().__init__()
        c = int(32 * width)
        layers = [conv_bn(3, c, 3, 2)]
        for t, channels, n, s, k in SHAPES[shape]:
            out = int(channels * width)
            for i in range(n):
                layers.append(InvertedResidual(c, out, s if i == 0 else 1, t, k))
                c = out
        layers.append(conv_bn(c, 1280, 1, 1))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(1280, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))


def randomised(model, seed):
    """Random weights and batch-norm statistics (a trained network's are not the identity)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
    return model.eval()


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a 112x112 input")
    parser.add_argument("--samples", type=int, default=2, help="null samples (n_jobs=2)")
    parser.add_argument("--network", choices=sorted(SHAPES), default="efficientnet_lite0")
    parser.add_argument("--width", type=float, default=1.0, help="width multiplier")
    args = parser.parse_args()
    size = 112 if args.quick else 224
    torch.manual_seed(0)
    model = randomised(InvertedResidualNet(args.network, width=args.width), 0)
    n_weights = sum(p.numel() for p in model.parameters() if p.dim() > 1)
    x = torch.randn(1, 3, size, size)
    with torch.no_grad():
        model(x)
        start = time.perf_counter()
        for _ in range(5):
            model(x)
        forward = (time.perf_counter() - start) / 5
    start = time.perf_counter()
    net = ls.signed_network(model, (3, size, size))
    read = time.perf_counter() - start
    print(f"{args.network} shape (width {args.width}), random weights, input 3x{size}x{size}: "
          f"{n_weights / 1e6:.2f} M weights, {net.n_nodes / 1e6:.2f} M nodes, "
          f"{net.n_edges / 1e6:.0f} M edges, {len(net.tensors)} tensors, {len(net.blocks)} blocks; read in {read:.1f} s")
    print(f"one torch forward pass (float32, batch 1): {forward * 1e3:.1f} ms; "
          f"torch threads {torch.get_num_threads()}")
    res = ls.frustration(net, method="greedy", seed=0)
    print(f"greedy frustration: {res.normalized:.4f} of the weight (upper bound), "
          f"{res.n_sweeps} sweeps of {res.sweep_seconds:.2f} s, total {res.seconds:.1f} s "
          f"({res.seconds / forward:.0f} forward passes); peak memory {peak_gb():.2f} GB; "
          f"proven lower bound {res.lower_bound / res.total_weight:.4f} of the weight")
    worst = np.argsort(-res.block_normalized())[:3]
    print("most frustrated layers: " + ", ".join(
        f"{res.block_names[k]} {res.block_normalized()[k]:.3f}" for k in worst))
    if args.samples:
        start = time.perf_counter()
        cmp = ls.frustration_vs_null(net, "sign_shuffle", samples=args.samples, seed=0,
                                     method="greedy", n_jobs=2, progress=False)
        nulls = time.perf_counter() - start - res.seconds  # the network's own solve is repeated
        print(f"null sign_shuffle, {args.samples} samples with n_jobs=2: "
              f"{60 * args.samples / max(nulls, 1e-9):.2f} samples per minute "
              f"(null mean {cmp.mean:.4f}, network {cmp.value:.4f})")


if __name__ == "__main__":
    main()
