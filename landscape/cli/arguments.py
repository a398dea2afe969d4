"""Command-line arguments shared by the subcommands: the problem, the output, the graph options.

Every subcommand takes the problem the same way (``--dataset NAME`` | ``--data FILE`` |
``--sigma 3,2,1``, plus ``--widths``); the saddle-graph options take their defaults and help
from :class:`landscape.connections.graph.GraphOptions`, so the command line and the Python
API share one set of defaults.
"""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from ..connections.graph import GRAPH_OPTION_HELP, GraphOptions
from ..problem.datafiles import load_data_file
from ..problem.network_files import NetworkFile, load_network_file
from ..problem.network import Landscape
from ..problem.spectrum import DATASETS, INPUT_SPACES, DataSpectrum, load_dataset

__all__ = ["NULL_SAMPLES", "UsageError", "add_graph_options", "add_network_options", "add_output_options",
           "add_problem_arguments", "build_problem", "float_list", "graph_options", "int_list",
           "read_network"]


#: ``landscape frustration --null``'s default number of samples (frustration_vs_null's).
NULL_SAMPLES = 100


class UsageError(ValueError):
    """A bad command-line argument; printed as ``landscape: error: ...`` with exit code 2."""


def _number_list(text: str, name: str, kind: type, example: str) -> tuple:
    try:
        return tuple(kind(v) for v in text.split(","))
    except ValueError:
        noun = "integers" if kind is int else "numbers"
        raise UsageError(f"{name} must be comma-separated {noun} like {example}, "
                         f"got {text!r}") from None


def int_list(text: str, name: str) -> tuple[int, ...]:
    return _number_list(text, name, int, "4,5,5,3")


def float_list(text: str, name: str) -> tuple[float, ...]:
    return _number_list(text, name, float, "3,2,1")


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
                       help="layer widths d_x,...,d_y (default: from the shapes of --weights, "
                            "else d_x,2,2,d_y for a data set; required with --sigma)")
    group.add_argument("--x-cols", metavar="A,B,...", help="CSV input columns (default: all "
                                                            "but --y-cols)")
    group.add_argument("--y-cols", metavar="A,B,...", help="CSV target columns")
    group.add_argument("--whiten", action="store_true",
                       help="work in reduced (whitened, aligned) coordinates")
    group.add_argument("--no-center", action="store_true", help="do not centre the data")
    group.add_argument("--input-space", choices=INPUT_SPACES, default="full",
                       help="'column_space': work on the column space of X (constant or "
                            "collinear columns, more inputs than samples); weights keep d_x "
                            "columns (default: full, a singular X^T X is refused)")


def build_problem(args, network: NetworkFile | None = None) -> Landscape:
    """The :class:`Landscape` the problem options describe; without ``--widths``, those of
    ``network`` (the ``--weights`` file, read once by the command) where given."""
    center = not args.no_center
    if args.sigma is not None:
        sigma = float_list(args.sigma, "--sigma")
        if args.widths is None:
            raise UsageError("--widths is required with --sigma (e.g. --widths 3,3,3)")
        widths = int_list(args.widths, "--widths")
        spec = DataSpectrum.from_singular_values(sigma, d_x=widths[0], d_y=widths[-1])
    else:
        if args.data is not None:
            X, Y = load_data_file(args.data, x_cols=_names(args.x_cols),
                                  y_cols=_names(args.y_cols))
            name = args.data.name
        else:
            name = args.dataset or "linnerud"
            X, Y = load_dataset(name)
        spec = DataSpectrum.from_data(X, Y, center=center, whiten=args.whiten, name=name,
                                      input_space=getattr(args, "input_space", "full"))
        if args.widths:
            widths = int_list(args.widths, "--widths")
        elif network is not None:
            widths = network.widths
        else:
            widths = (spec.d_x, 2, 2, spec.d_y)
    land = Landscape(spec, widths)
    land.check_weight_memory()  # every subcommand builds weights: refused before any work
    return land


def add_network_options(parser: argparse.ArgumentParser) -> None:
    """How to read the ``--weights`` file: the checkpoint's entry, the layers' order, gaps."""
    group = parser.add_argument_group("network file (--weights: .npz, .safetensors, .pt/.pth)")
    group.add_argument("--checkpoint-key", metavar="KEY",
                       help="the checkpoint's entry holding the model's state dict (default: "
                            "its one state dict of tensors)")
    group.add_argument("--layer-order", metavar="A,B,...",
                       help="layer names (or prefixes) in the order the network applies them, "
                            "for names that carry no order")
    group.add_argument("--gaps-are-linear", action="store_true",
                       help="accept parameter-free modules between layers (a gap in a "
                            "Sequential's indices) as linear (Dropout, Identity); refused by "
                            "default, as an activation makes the network nonlinear")


def read_network(path, args=None) -> NetworkFile:
    """:func:`~landscape.problem.network_files.load_network_file` with the options of
    :func:`add_network_options` in ``args``; a missing optional package reported as a usage
    error."""
    order = getattr(args, "layer_order", None)
    try:
        return load_network_file(path, key=getattr(args, "checkpoint_key", None),
                                 layer_order=None if order is None else _names(order),
                                 gaps_are_linear=getattr(args, "gaps_are_linear", False))
    except ImportError as exc:
        raise UsageError(str(exc)) from None


def _names(text):
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """``--json PATH`` and ``--quiet``."""
    parser.add_argument("--json", metavar="PATH", help="write JSON here ('-': standard output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or step lines")


def add_graph_options(parser: argparse.ArgumentParser) -> None:
    """One option per field of :class:`GraphOptions`, with its default shown in ``--help``."""
    group = parser.add_argument_group("saddle-graph probes")
    for field in fields(GraphOptions):
        group.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default),
                           default=field.default,
                           help=f"{GRAPH_OPTION_HELP[field.name]} (default: %(default)s)")


def graph_options(args) -> dict:
    """The graph options given on the command line, as keywords of ``saddle_graph``."""
    return {field.name: getattr(args, field.name) for field in fields(GraphOptions)}
