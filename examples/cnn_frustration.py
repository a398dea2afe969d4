"""Frustration and near-monotonicity of a small ReLU CNN trained on scikit-learn's digits
(docs/theory.md §6.1; J. Wendin, E. G. Larsson, C. Altafini, *Computing frustration and
near-monotonicity in deep neural networks*, arXiv:2510.05286).

A convolutional network (3x3 convolutions, ReLU, max and average pooling, a linear read-out)
is trained with torch for a few epochs on the 8x8 digits. Before and after training, its
signed graph (convolutions unrolled into their multibanded maps, ``ls.signed_network``) is
compared with two null models: its kernels' signs shuffled within each layer
(``sign_shuffle``, weight sharing kept) and the same architecture at PyTorch's default
initialisation (``initialisation``). Its near-monotonicity (the fraction of output changes
whose sign the frustration switching predicts, for small perturbations inside the switching's
input orthant, ``ls.near_monotonicity``) is compared with that of sign-shuffled null networks
(``null="sign_shuffle"``: each evaluated as a function and scored along its own frustration
switching). The figure shows the per-layer frustration of the trained and the untrained network
against the sign-shuffle band, and the summary against the nulls.

Run ``python examples/cnn_frustration.py [--out DIR] [--samples K] [--epochs E]``; it writes
``cnn_frustration.png`` and ``cnn_frustration.json`` into DIR (default ``examples/figures``).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from torch import nn  # noqa: E402

import landscape as ls  # noqa: E402

SHAPE = (1, 8, 8)


def make_model() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
                         nn.Flatten(), nn.Linear(64, 10))


def train(model, X, y, epochs: int, seed: int) -> float:
    """Adam on the cross-entropy, mini-batches of 64; the training accuracy."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        for idx in torch.randperm(len(X), generator=g).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        return float((model(X).argmax(1) == y).float().mean())


def analyse(model, X_probe, samples: int, seed: int) -> dict:
    """Frustration against both nulls, near-monotonicity against the sign-shuffle null."""
    net = ls.signed_network(model, SHAPE)
    shuffle = ls.frustration_vs_null(net, "sign_shuffle", samples=samples, seed=seed)
    init = ls.frustration_vs_null(net, "initialisation", samples=samples, seed=seed)
    mono = ls.near_monotonicity(model, X_probe, SHAPE, result=shuffle.result, seed=seed,
                                null="sign_shuffle", samples=samples)
    return {"comparison": shuffle, "summary": {
        "frustration": shuffle.value, "exact": shuffle.result.exact,
        "sign_shuffle_mean": shuffle.mean, "sign_shuffle_std": shuffle.std,
        "sign_shuffle_p": shuffle.p_value, "initialisation_mean": init.mean,
        "initialisation_std": init.std, "near_monotonicity": mono.score,
        "null_near_monotonicity_mean": mono.null_mean,
        "null_near_monotonicity_std": mono.null_std,
        "null_near_monotonicity_p": mono.p_value}}


def figure(before: dict, after: dict, accuracy: float):
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.2))
    ls.plot_network_frustration(after["comparison"], ax=ax0, label="trained")
    ax0.plot(before["comparison"].result.block_normalized(), "s:", ms=3, color="C1",
             label="untrained")
    ax0.legend(fontsize=8)
    ax0.set_title("per-layer frustration, sign-shuffle band of the trained network", fontsize=9)
    names = ["frustration F/W", "near-monotonicity"]
    for i, (key, null_key) in enumerate([("frustration", "sign_shuffle_mean"),
                                         ("near_monotonicity", "null_near_monotonicity_mean")]):
        for j, (label, res) in enumerate([("untrained", before), ("trained", after)]):
            s = res["summary"]
            ax1.bar(i + 0.2 * j - 0.3, s[key], 0.18, color=f"C{1 - j}",
                    label=label if i == 0 else None)
            ax1.bar(i + 0.2 * j + 0.1, s[null_key], 0.18, color=f"C{1 - j}", alpha=0.35,
                    hatch="//", yerr=s[null_key.replace("mean", "std")], capsize=3,
                    label=f"{label}: sign-shuffle null (+- std)" if i == 0 else None)
        if i == 0:
            ax1.axhline(after["summary"]["initialisation_mean"], color="0.3", ls="--", lw=0.8,
                        label="initialisation null")
    ax1.set_xticks([0, 1], names)
    ax1.set_title(f"against the nulls (training accuracy {accuracy:.3f})", fontsize=9)
    ax1.legend(fontsize=7)
    fig.tight_layout()
    return fig


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "figures")
    parser.add_argument("--samples", type=int, default=8, help="null samples")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a small network: intra-op threads cost more than they save
    torch.manual_seed(args.seed)
    digits = load_digits()
    X = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(digits.target)
    model = make_model()
    before = analyse(model, X[:40].numpy(), args.samples, args.seed)
    accuracy = train(model, X, y, args.epochs, args.seed)
    after = analyse(model, X[:40].numpy(), args.samples, args.seed)
    for label, res in (("untrained", before), ("trained", after)):
        s = res["summary"]
        print(f"{label:9s}: frustration {s['frustration']:.4f} (sign-shuffle null "
              f"{s['sign_shuffle_mean']:.4f} +- {s['sign_shuffle_std']:.4f}, p = "
              f"{s['sign_shuffle_p']:.3g}; initialisation null {s['initialisation_mean']:.4f}); "
              f"near-monotonicity {s['near_monotonicity']:.3f} (null "
              f"{s['null_near_monotonicity_mean']:.3f} +- {s['null_near_monotonicity_std']:.3f}, "
              f"p = {s['null_near_monotonicity_p']:.3g})")
    args.out.mkdir(parents=True, exist_ok=True)
    fig = figure(before, after, accuracy)
    fig.savefig(args.out / "cnn_frustration.png", dpi=110)
    payload = {"accuracy": accuracy, "untrained": before["summary"],
               "trained": after["summary"]}
    fd, tmp = tempfile.mkstemp(dir=args.out, suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(payload, f, indent=2, allow_nan=False)
    os.replace(tmp, args.out / "cnn_frustration.json")


if __name__ == "__main__":
    main()
