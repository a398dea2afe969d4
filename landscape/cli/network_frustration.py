"""``landscape frustration --model FILE.onnx --input-shape C,H,W``: the frustration of a real
network's signed graph (docs/theory.md §6.1), layer by layer, against a null model.

A torch module cannot be read from a file without unpickling it; torch modules are passed in
Python (``ls.signed_network(model, input_shape)``) and, on the command line, as their ONNX
export (``torch.onnx.export``).
"""

from __future__ import annotations

import sys

import numpy as np

from .._base.files import atomic_write
from ..plot.signed import plot_network_frustration
from ..signed import frustration_vs_null, signed_network
from ..signed.minimum import SolverOptions
from ..signed.network_solve import solve_network, sweep_estimate
from .arguments import UsageError, int_list
from .output import emit

__all__ = ["cmd_network_frustration"]

#: Sweeps a greedy descent typically takes, for the estimate printed before a run.
TYPICAL_SWEEPS = 20


def _say(args):
    """Lines on standard error, unless ``--quiet``."""
    if args.quiet:
        return lambda line: None
    return lambda line: print(line, file=sys.stderr, flush=True)


def read_model(args):
    """The ``--model`` network, checked before any work."""
    if args.weights is not None:
        raise UsageError("give --model (a network file) or --weights (dense layers), not both")
    if any(getattr(args, k) is not None for k in ("dataset", "data", "sigma")):
        raise UsageError("--model takes no problem (--dataset/--data/--sigma)")
    if args.input_shape is None:
        raise UsageError("--input-shape is required with --model (the input's shape without "
                         "the batch axis, e.g. 3,224,224)")
    if args.model.suffix.lower() in (".pt", ".pth"):
        raise UsageError(f"--model must be an ONNX file, got {args.model.name}: a torch module "
                         f"is not read from a file (that needs unpickling); pass it in Python, "
                         f"ls.frustration(ls.signed_network(model, input_shape)), or export it "
                         f"with torch.onnx.export")
    shape = int_list(args.input_shape, "--input-shape")
    return signed_network(str(args.model), shape), shape


def cmd_network_frustration(args) -> int:
    net, shape = read_model(args)
    options = SolverOptions.checked(True, False, args.method, args.restarts, 24, 60.0, True)
    say = _say(args)
    say(f"# {args.model.name}: {net.n_nodes} nodes, {net.n_edges} edges, {len(net.tensors)} "
        f"tensors, {len(net.blocks)} edge blocks")
    runs = 1 + (args.samples if args.null is not None else 0)
    if args.method == "greedy" or net.n_edges > 1_000_000:
        sweep = sweep_estimate(net)
        jobs = max(1, args.n_jobs or 1)
        say(f"# one greedy sweep takes about {sweep:.3g} s; a descent typically "
            f"{TYPICAL_SWEEPS} sweeps: about {sweep * TYPICAL_SWEEPS * runs / jobs:.0f} s for "
            f"{runs} network(s)")
    if args.null is None:
        result = solve_network(net, options, np.random.default_rng(args.seed), log=say)
        null = None
    else:
        null = frustration_vs_null(net, args.null, args.samples, method=args.method,
                                   restarts=args.restarts, seed=args.seed, n_jobs=args.n_jobs,
                                   progress=False if args.quiet else None)
        result = null.result
    rows = _rows(net, result, null)
    payload = {"model": str(args.model), "input_shape": list(shape), "n_nodes": net.n_nodes,
               "n_edges": net.n_edges, "value": result.value, "normalized": result.normalized,
               "exact": result.exact, "lower_bound": result.lower_bound,
               "upper_bound": result.upper_bound, "method": result.method,
               "n_sweeps": result.n_sweeps, "sweep_seconds": result.sweep_seconds,
               "seconds": result.seconds, "layers": rows}
    if null is not None:
        payload["null"] = {"model": args.null, "samples": args.samples, "mean": null.mean,
                           "std": null.std, "z_score": null.z_score, "p_value": null.p_value}
    if args.json != "-":
        print(f"# frustration {result.value:.6g} of {result.total_weight:.6g} "
              f"(normalized {result.normalized:.4f}, {result.method}, "
              f"{'exact' if result.exact else 'upper bound'}); normalized = frustrated / total "
              f"weight of each layer" + ("" if null is None else
                                         f"; null {args.null}: mean {null.mean:.4f}, "
                                         f"std {null.std:.4f}, p = {null.p_value:.3g}"))
    emit(args, rows, payload)
    if args.figure is not None:
        _save_figure(args.figure, null if null is not None else result)
    return 0


def _rows(net, result, null) -> list[dict]:
    """One row per edge block: its frustrated weight and normalised frustration, beside the
    null's normalised band (like with like)."""
    normalized = result.block_normalized()
    band = null.block_band() if null is not None else None
    rows = []
    for k, b in enumerate(net.blocks):
        row = {"layer": b.name, "kind": b.kind, "edges": b.n_edges,
               "frustration": float(result.per_layer[k]), "normalized": float(normalized[k])}
        if band is not None:
            row.update(null_mean=float(band[0][k]), null_std=float(band[1][k]))
        rows.append(row)
    return rows


def _save_figure(path, shown) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    ax = plot_network_frustration(shown)
    fig = ax.figure
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
