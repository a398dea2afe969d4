"""``landscape frustration --model FILE.onnx --input-shape C,H,W``: the frustration of a real
network's signed graph (docs/theory.md §6.1), layer by layer, against a null model, and its
near-monotonicity along the order of its frustration switching.

A torch module cannot be read from a file without unpickling it; torch modules are passed in
Python (``ls.signed_network(model, input_shape)``) and, on the command line, as their ONNX
export (``torch.onnx.export``).
"""

from __future__ import annotations

import sys
import zipfile

import numpy as np

from .._base.files import atomic_write, check_file_target
from .._base.validation import check_seed
from ..plot.signed import plot_near_monotonicity, plot_network_frustration
from ..signed import frustration_vs_null, near_monotonicity, signed_network
from ..signed.active import checked_inputs
from ..signed.minimum import SolverOptions
from ..signed.network_solve import solve_network, sweep_estimate
from .arguments import UsageError, int_list
from .output import emit, print_table

__all__ = ["cmd_network_frustration"]

#: Sweeps a greedy descent typically takes, for the estimate printed before a run.
TYPICAL_SWEEPS = 20

#: Standard Gaussian inputs of the near-monotonicity test when ``--inputs`` is not given.
MONOTONICITY_INPUTS = 16

#: Perturbations per input of the near-monotonicity test.
PERTURBATIONS = 8


def _say(args):
    """Lines on standard error, unless ``--quiet``."""
    if args.quiet:
        return lambda line: None
    return lambda line: print(line, file=sys.stderr, flush=True)


def read_model(args):
    """The ``--model`` network, its input shape and the near-monotonicity inputs, every option
    checked before any work."""
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
    try:
        check_seed(args.seed, "--seed")
        for option in ("json", "figure"):
            target = getattr(args, option)
            if target is not None and target != "-":
                check_file_target(target, f"--{option}")
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    X = monotonicity_inputs(args, shape)
    return signed_network(str(args.model), shape), shape, X


def monotonicity_inputs(args, shape) -> np.ndarray | None:
    """The inputs ``X`` (``(N, *shape)``) of the near-monotonicity test, or None (off).

    ``--inputs FILE.npz``: its array ``X``. Otherwise ``--monotonicity-inputs N`` (default
    :data:`MONOTONICITY_INPUTS`; 0: no test) standard Gaussian inputs, drawn from the first
    child of ``--seed``'s generator (``np.random.default_rng(seed).spawn(1)[0]``), so that
    they are independent of the perturbations, which ``near_monotonicity`` draws from
    ``--seed`` itself.
    """
    count = args.monotonicity_inputs
    if args.inputs is not None:
        if count is not None:
            raise UsageError(f"give --inputs (the inputs) or --monotonicity-inputs (how many "
                             f"Gaussian ones), not both; got --monotonicity-inputs {count}")
        return _read_inputs(args.inputs, shape)
    count = MONOTONICITY_INPUTS if count is None else count
    if count < 0:
        raise UsageError(f"--monotonicity-inputs must be >= 0 (0: no near-monotonicity), got "
                         f"{count}")
    if count == 0:
        return None
    rng = np.random.default_rng(args.seed).spawn(1)[0]
    return rng.standard_normal((count,) + tuple(shape))


def _read_inputs(path, shape) -> np.ndarray:
    """The array ``X`` of the ``.npz`` file ``path``, of shape ``(N, *shape)``, read without
    unpickling."""
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise UsageError(f"--inputs must be an existing .npz archive holding an array X of "
                         f"shape (N, {', '.join(map(str, shape))}), got {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = sorted(archive.files)
            X = archive["X"] if "X" in names else None
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise UsageError(f"--inputs {path} must be a readable .npz archive of numeric arrays: "
                         f"{exc}") from None
    if X is None:
        raise UsageError(f"--inputs {path} must hold an array X, got arrays {names}")
    try:
        return checked_inputs(X, shape, "X")
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--inputs {path}: {exc}") from None


def _estimate(say, net, args, X) -> None:
    """The expected run time, from one measured sweep: the descents (the network's, the
    null's and, for near-monotonicity against the null, each null network's again) and the
    forward passes of near-monotonicity (about half a sweep each)."""
    sweep = sweep_estimate(net)
    jobs = max(1, args.n_jobs or 1)
    nulls = args.samples if args.null is not None else 0
    runs = 1 + nulls * (1 if X is None else 2)
    passes = 0 if X is None else len(X) * (1 + PERTURBATIONS) * (1 + nulls)
    seconds = (sweep * TYPICAL_SWEEPS * runs + 0.5 * sweep * passes) / jobs
    say(f"# one greedy sweep takes about {sweep:.3g} s; a descent typically {TYPICAL_SWEEPS} "
        f"sweeps: {runs} descent(s)" + ("" if X is None else
                                         f" and {passes} forward passes for near-monotonicity")
        + f", about {seconds:.0f} s")


def cmd_network_frustration(args) -> int:
    net, shape, X = read_model(args)
    options = SolverOptions.checked(True, False, args.method, args.restarts, 24, 60.0, True)
    say = _say(args)
    say(f"# {args.model.name}: {net.n_nodes} nodes, {net.n_edges} edges, {len(net.tensors)} "
        f"tensors, {len(net.blocks)} edge blocks")
    if args.method == "greedy" or net.n_edges > 1_000_000:
        _estimate(say, net, args, X)
    if args.null is None:
        result = solve_network(net, options, check_seed(args.seed), log=say)
        null = None
    else:
        null = frustration_vs_null(net, args.null, args.samples, method=args.method,
                                   restarts=args.restarts, seed=args.seed, n_jobs=args.n_jobs,
                                   progress=False if args.quiet else None)
        result = null.result
    mono = None
    if X is not None:
        say(f"# near-monotonicity along the frustration switching: {len(X)} inputs, "
            f"{PERTURBATIONS} perturbations each" + ("" if null is None else
                                                     f", against {args.samples} {args.null} "
                                                     f"null networks"))
        mono = near_monotonicity(str(args.model), X, shape, result=result,
                                 perturbations=PERTURBATIONS, seed=args.seed, null=args.null,
                                 samples=args.samples, n_jobs=args.n_jobs,
                                 progress=False if args.quiet else None)
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
    if mono is not None:
        payload["near_monotonicity"] = _monotonicity_record(args, mono)
    if args.json != "-":
        print(f"# frustration {result.value:.6g} of {result.total_weight:.6g} "
              f"(normalized {result.normalized:.4f}, {result.method}, "
              f"{'exact' if result.exact else 'upper bound'}); normalized = frustrated / total "
              f"weight of each layer" + ("" if null is None else
                                         f"; null {args.null}: mean {null.mean:.4f}, "
                                         f"std {null.std:.4f}, p = {null.p_value:.3g}"))
    emit(args, rows, payload)
    if mono is not None and args.json != "-":
        print(f"\n# near-monotonicity: the fraction of output changes with the sign the "
              f"switching predicts, under perturbations inside the input orthant (1: monotone)")
        print_table([_monotonicity_row(mono)])
    if args.figure is not None:
        _save_figure(args.figure, null if null is not None else result, mono)
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


def _monotonicity_record(args, mono) -> dict:
    """The JSON of a near-monotonicity result: its score, per input, and against the null."""
    record = {"inputs": "gaussian" if args.inputs is None else str(args.inputs),
              "n_inputs": int(mono.per_input.size), "epsilon": mono.epsilon,
              "perturbations": mono.perturbations, "score": mono.score,
              "per_input": mono.per_input.tolist()}
    if mono.null is not None:
        record["null"] = {"model": mono.null, "samples": int(mono.null_scores.size),
                          "scores": mono.null_scores.tolist(), "mean": mono.null_mean,
                          "std": mono.null_std, "z_score": mono.z_score,
                          "p_value": mono.p_value}
    return record


def _monotonicity_row(mono) -> dict:
    """The table's row of a near-monotonicity result."""
    row = {"measure": "near-monotonicity", "score": mono.score,
           "inputs": int(mono.per_input.size), "perturbations": mono.perturbations}
    if mono.null is not None:
        row.update(null_mean=mono.null_mean, null_std=mono.null_std,
                   z_score="-" if mono.z_score is None else mono.z_score,
                   p_value=mono.p_value)
    return row


def _save_figure(path, shown, mono) -> None:
    """Per-layer frustration against the null band and, beside it, near-monotonicity against
    the null's scores."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if mono is None:
        fig = plot_network_frustration(shown).figure
    else:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5),
                                          gridspec_kw={"width_ratios": (3, 1)})
        plot_network_frustration(shown, ax=left)
        plot_near_monotonicity(mono, ax=right)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
