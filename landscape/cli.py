"""Command line: ``landscape SUBCOMMAND`` (also ``python -m landscape``).

Every subcommand takes the problem the same way (``--dataset NAME`` | ``--data FILE`` |
``--sigma 3,2,1``, plus ``--widths``), prints a table for people and, with ``--json PATH``
(``-`` for standard output), writes machine-readable output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .data import DATASETS, DataSpectrum, load_dataset
from .datafiles import atomic_write, load_data_file, load_weights_file, save_weights_file
from .flow import gradient_flow, plateaus
from .model import Landscape

__all__ = ["main", "build_parser"]


class UsageError(ValueError):
    """A bad command-line argument; printed as ``landscape: error: ...`` with exit code 2."""


def _int_list(text: str, name: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"{name} must be comma-separated integers like 4,5,5,3, "
                         f"got {text!r}") from None
    return values


def _float_list(text: str, name: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"{name} must be comma-separated numbers like 3,2,1, "
                         f"got {text!r}") from None
    return values


def add_problem_arguments(parser: argparse.ArgumentParser) -> None:
    """The problem options shared by every subcommand."""
    group = parser.add_argument_group("problem (one of --dataset, --data, --sigma)")
    source = group.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=DATASETS,
                        help="a bundled scikit-learn data set (default: linnerud)")
    source.add_argument("--data", type=Path, metavar="FILE",
                        help=".npz with arrays X and Y, or .csv with a header row")
    source.add_argument("--sigma", metavar="S1,S2,...",
                        help="singular values of a reduced problem, e.g. 3,2,1")
    group.add_argument("--widths", metavar="D0,...,DH",
                       help="layer widths d_x,...,d_y (default: d_x,2,...,d_y for a data set; "
                            "required with --sigma)")
    group.add_argument("--x-cols", metavar="A,B,...", help="CSV input columns (default: all "
                                                            "but --y-cols)")
    group.add_argument("--y-cols", metavar="A,B,...", help="CSV target columns")
    group.add_argument("--whiten", action="store_true",
                       help="work in reduced (whitened, aligned) coordinates")
    group.add_argument("--no-center", action="store_true", help="do not centre the data")


def build_problem(args) -> Landscape:
    """The :class:`Landscape` the problem options describe."""
    center = not args.no_center
    if args.sigma is not None:
        sigma = _float_list(args.sigma, "--sigma")
        if args.widths is None:
            raise UsageError("--widths is required with --sigma (e.g. --widths 3,3,3)")
        widths = _int_list(args.widths, "--widths")
        spec = DataSpectrum.from_singular_values(sigma, d_x=widths[0], d_y=widths[-1])
    else:
        if args.data is not None:
            X, Y = load_data_file(args.data, x_cols=_names(args.x_cols),
                                  y_cols=_names(args.y_cols))
            name = args.data.name
        else:
            name = args.dataset or "linnerud"
            X, Y = load_dataset(name)
        spec = DataSpectrum.from_data(X, Y, center=center, whiten=args.whiten, name=name)
        widths = (_int_list(args.widths, "--widths") if args.widths
                  else (spec.d_x, 2, spec.d_y))
    return Landscape(spec, widths)


def _names(text):
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def write_json(target: str, payload: dict) -> None:
    """Write ``payload`` as JSON to ``target`` (``-``: standard output), atomically."""
    text = json.dumps(payload, indent=2, allow_nan=False)
    if target == "-":
        print(text)
        return
    atomic_write(target, lambda tmp: Path(tmp).write_text(text + "\n"))


def print_table(rows: list[dict], *, file=None) -> None:
    """Print dict rows as an aligned text table."""
    file = file or sys.stdout
    if not rows:
        print("(no rows)", file=file)
        return
    columns = list(rows[0])
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[k]) for r in cells)) for k, c in enumerate(columns)]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths)), file=file)
    for r in cells:
        print("  ".join(v.rjust(w) for v, w in zip(r, widths)), file=file)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, tuple):
        return "{" + ",".join(map(str, value)) + "}"
    return str(value)


# ---------------------------------------------------------------------- subcommands
def cmd_flow(args) -> int:
    land = build_problem(args)
    if args.weights is not None:
        weights0 = land.check(load_weights_file(args.weights), "--weights")
    else:
        weights0 = land.random_weights(scale=args.init_scale, rng=args.seed)
    result = gradient_flow(land, weights0, t_max=args.t_max, method=args.method,
                           step=args.step)
    found = plateaus(result, land)
    rows = [{"t_start": p.t_start, "t_end": p.t_end, "plateau_loss": p.loss} for p in found]
    payload = {
        "widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
        "status": result.status.value, "message": result.message,
        "coordinates": result.coordinates, "method": result.method,
        "t_final": float(result.t[-1]), "loss_final": float(result.loss[-1]),
        "max_invariant_drift": float(result.invariant_drift.max()), "plateaus": rows,
    }
    if args.json != "-":
        print(repr(result))
        print_table(rows)
    if args.json:
        write_json(args.json, payload)
    if args.output is not None:
        save_weights_file(args.output, result.weights)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="landscape",
        description="Exact maps of the loss landscape of deep linear neural networks.")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    flow = sub.add_parser("flow", help="integrate the gradient flow from a start and report "
                                       "its plateaus")
    add_problem_arguments(flow)
    flow.add_argument("--weights", type=Path, metavar="FILE.npz",
                      help="start from these weights (arrays W1..Wh) instead of a random one")
    flow.add_argument("--init-scale", type=float, default=0.05,
                      help="scale of the random start (default 0.05: near the origin)")
    flow.add_argument("--seed", type=int, default=0)
    flow.add_argument("--t-max", type=float, default=1e9)
    flow.add_argument("--method", default="auto", help="solve_ivp method, 'auto' or 'gd'")
    flow.add_argument("--step", type=float, help="step size for --method gd")
    flow.add_argument("-o", "--output", type=Path, metavar="FILE.npz",
                      help="write the final weights here")
    flow.add_argument("--json", metavar="PATH", help="write JSON here ('-': standard output)")
    flow.set_defaults(run=cmd_flow)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError) as exc:
        parser.exit(2, f"landscape {args.command}: error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, "landscape: interrupted; no partial file was written\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
