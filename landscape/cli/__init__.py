"""Command line: ``landscape SUBCOMMAND`` (also ``python -m landscape``).

Every subcommand takes the problem the same way (``--dataset NAME`` | ``--data FILE`` |
``--sigma 3,2,1``, plus ``--widths``), prints a table for people and, with ``--json PATH``
(``-`` for standard output), writes machine-readable output. Modules:
:mod:`~landscape.cli.arguments` (shared options), :mod:`~landscape.cli.output` (tables and
JSON), :mod:`~landscape.cli.commands` (the subcommands).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from ..flow import FLOW_METHODS
from ..problem.criticality import CRITICAL_TOL
from ..signed import FRUSTRATION_METHODS, NETWORK_NULL_MODELS
from .arguments import (NULL_SAMPLES, UsageError, add_graph_options, add_network_options,
                        add_output_options, add_problem_arguments)
from .estimates import add_max_classes_option, add_memory_option
from .forecast import add_forecast_parser
from .commands import (cmd_catalog, cmd_classify, cmd_flow, cmd_frustration, cmd_graph,
                       cmd_report)

__all__ = ["build_parser", "exit_status", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``landscape`` parser with its six subcommands."""
    parser = argparse.ArgumentParser(
        prog="landscape",
        description="Exact maps of the loss landscape of deep linear neural networks.")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    flow = sub.add_parser("flow", help="integrate the gradient flow from a start and report "
                                       "its plateaus")
    add_problem_arguments(flow)
    flow.add_argument("--weights", type=Path, metavar="FILE.npz",
                      help="start from these weights (arrays W1..Wh) instead of a random one")
    add_network_options(flow)
    flow.add_argument("--init-scale", type=float, default=0.05,
                      help="scale of the random start in the weight unit "
                           "(sigma_1/||Sxx||^(1/2))^(1/h) of a learnt layer (default 0.05: near "
                           "the origin)")
    flow.add_argument("--seed", type=int, default=0)
    flow.add_argument("--t-max", type=float, default=1e9,
                      help="longest flow, in the time unit 1/(sigma_1^(2-2/h) ||Sxx||^(1/h)) "
                           "(default 1e9); the output's times are the flow's own")
    flow.add_argument("--method", default="auto", choices=FLOW_METHODS,
                      help="solve_ivp method, 'auto' or 'gd'")
    flow.add_argument("--step", type=float,
                      help="step size for --method gd, in the time unit (as --t-max)")
    flow.add_argument("--end-to-end", action="store_true",
                      help="integrate the end-to-end map alone (exact from 0-balanced starts, "
                           "docs/theory.md §7): the random start is balanced, --weights must be")
    flow.add_argument("-o", "--output", type=Path, metavar="FILE.npz",
                      help="write the final weights here")
    flow.add_argument("--json", metavar="PATH", help="write JSON here ('-': standard output)")
    flow.set_defaults(run=cmd_flow)

    catalog = sub.add_parser("catalog", help="enumerate the critical classes and their values")
    add_problem_arguments(catalog)
    catalog.add_argument("-o", "--output", type=Path, metavar="FILE.json",
                         help="save the catalog here (and FILE.npz beside it)")
    catalog.add_argument("--curvature", action="store_true",
                         help="also record Hessian inertia, orbit and centre dimensions")
    add_memory_option(catalog)
    add_output_options(catalog)
    catalog.set_defaults(run=cmd_catalog)

    classify_ = sub.add_parser("classify", help="Hessian inertia, orbit, centre and both kinds "
                                                "of every class, or of your own network")
    classify_.add_argument("catalog", nargs="?", type=Path, metavar="CATALOG.json",
                           help="a saved catalog (instead of the problem options)")
    add_problem_arguments(classify_)
    classify_.add_argument("--weights", type=Path, metavar="FILE.npz",
                           help="classify this critical point (arrays W1..Wh)")
    add_network_options(classify_)
    classify_.add_argument("--method", choices=("auto", "dense", "matrix_free"), default="auto",
                           help="how the Hessian inertia is computed")
    classify_.add_argument("--max-eigenpairs", type=int, default=512, metavar="K",
                           help="widest subspace of the matrix-free solver (default: "
                                "%(default)s)")
    classify_.add_argument("--critical-tol", type=float,
                           help=f"with --weights: largest relative gradient norm of a critical "
                                f"point (default {CRITICAL_TOL:g}; a trained network may need "
                                f"1e-5)")
    add_output_options(classify_)
    classify_.set_defaults(run=cmd_classify)

    graph = sub.add_parser("graph", help="find the saddle connections by perturbed integration")
    add_problem_arguments(graph)
    add_graph_options(graph)
    graph.add_argument("--n-jobs", type=int,
                       help="joblib processes for the blocks and saddles (default: serial; "
                            "-1: every core)")
    graph.add_argument("--checkpoint", type=Path, metavar="FILE.json",
                       help="store finished saddles here; a rerun resumes from them")
    graph.add_argument("--out", type=Path, default=Path("saddle_graph"), metavar="DIR",
                       help="write saddle_graph.graphml, .json and .png into this directory, "
                            "replaced as a whole (default: ./saddle_graph); it must be new, "
                            "empty or an earlier graph output")
    add_max_classes_option(graph)
    add_output_options(graph)
    graph.set_defaults(run=cmd_graph)

    frus = sub.add_parser("frustration", help="frustration of the network's signed graph: a "
                                              "weights file, or every critical class")
    add_problem_arguments(frus)
    frus.add_argument("--weights", type=Path, metavar="FILE.npz", help="the network (W1..Wh)")
    add_network_options(frus)
    frus.add_argument("--method", choices=FRUSTRATION_METHODS, default="auto")
    frus.add_argument("--restarts", type=int, default=20, help="greedy restarts")
    frus.add_argument("--seed", type=int, default=0)
    frus.add_argument("--null", choices=NETWORK_NULL_MODELS, help="compare with this null "
                      "model ('initialisation': the untrained network, PyTorch's default)")
    frus.add_argument("--samples", type=int, help="with --null: null-model samples (default "
                                                  f"{NULL_SAMPLES})")
    frus.add_argument("--model", type=Path, metavar="FILE.onnx",
                      help="a real network (ONNX; a torch module is passed in Python: "
                           "ls.signed_network(model, input_shape)), layer by layer")
    frus.add_argument("--input-shape", metavar="C,H,W",
                      help="the --model input's shape without the batch axis")
    frus.add_argument("--n-jobs", type=int, help="joblib processes for the null samples")
    frus.add_argument("--figure", type=Path, metavar="FILE.png",
                      help="with --model: per-layer frustration against the null band, and "
                           "near-monotonicity against the null's")
    frus.add_argument("--inputs", type=Path, metavar="FILE.npz",
                      help="with --model: the near-monotonicity inputs, an array X of shape "
                           "(N, *input-shape)")
    frus.add_argument("--monotonicity-inputs", type=int, metavar="N",
                      help="with --model and no --inputs: near-monotonicity at N standard "
                           "Gaussian inputs drawn with --seed (default 16; 0: none)")
    add_output_options(frus)
    frus.set_defaults(run=cmd_frustration)

    report = sub.add_parser("report", help="the whole map: catalog, graph, flows, figures and "
                                           "report.html (default: linnerud, widths 3,2,2,3)")
    add_problem_arguments(report)
    add_graph_options(report)
    add_max_classes_option(report)
    report.add_argument("--out", type=Path, default=Path("report"), metavar="DIR",
                        help="output directory (default: ./report)")
    report.add_argument("--n-jobs", type=int,
                        help="joblib processes for the saddle graph and the flows (default: "
                             "serial; -1: every core)")
    report.add_argument("--quiet", action="store_true", help="no progress bars or step lines")
    report.set_defaults(run=cmd_report)

    add_forecast_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run ``landscape`` with ``argv`` (default: the process's); the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # SIGTERM ends a run the way Ctrl-C does: pending work cancelled, worker processes
    # stopped, no partial file left
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _load_numerics()
        status = args.run(args)
        sys.stdout.flush()  # a closed pipe is reported here, not at interpreter exit
        return status
    except KeyboardInterrupt:
        parser.exit(130, "landscape: interrupted; no partial file was written\n")
    except BrokenPipeError:
        _detach_stdout()
        parser.exit(1, f"landscape {args.command}: error: the reader of the output closed "
                       f"it before everything was written (broken pipe)\n")
    except Exception as exc:
        if _interrupted(exc):  # e.g. a module's initialisation cut short by the signal
            parser.exit(130, "landscape: interrupted; no partial file was written\n")
        status = exit_status(exc)
        if status is None:  # not a failure the command line knows: the traceback is the report
            raise
        parser.exit(status, f"landscape {args.command}: error: "
                            f"{exc or type(exc).__name__}\n")
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_status(exc: BaseException) -> int | None:
    """The exit status of a command that raised ``exc``: 2 for a bad argument, 1 for a failure
    at run time, ``None`` for anything else (a bug: shown with its traceback).

    A bad argument is a :class:`~landscape.cli.arguments.UsageError` or a ``ValueError`` /
    ``TypeError`` raised by the library's own checks of its input. Failures at run time are
    the rest: the system's (``OSError``: a full disk, a closed pipe, a read-only directory
    met during the work; ``MemoryError``), the library's (``RuntimeError``, arithmetic) and a
    ``ValueError`` / ``TypeError`` raised inside a dependency while the work runs.
    """
    if isinstance(exc, (OSError, MemoryError, RuntimeError, ArithmeticError)):
        return 1
    if isinstance(exc, UsageError):
        return 2
    if isinstance(exc, (ValueError, TypeError)):
        return 2 if _raised_by_library(exc) else 1
    return None


def _raised_by_library(exc: BaseException) -> bool:
    """Whether the innermost Python frame of ``exc``'s traceback is the library's."""
    tb = exc.__traceback__
    if tb is None:
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    return module == "landscape" or module.startswith("landscape.")


def _detach_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's last flush of a
    closed pipe raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _load_numerics() -> None:
    """Import the compiled numerical modules the commands use, before the work starts: the
    library imports them where they are used (a light ``import landscape``), and a signal
    that cut one's initialisation short mid-run would leave the interpreter unable to exit
    cleanly."""
    import networkx  # noqa: F401
    import scipy.integrate  # noqa: F401
    import scipy.optimize  # noqa: F401
    import scipy.sparse  # noqa: F401


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while handling an interrupt (its cause or context chain
    holds a ``KeyboardInterrupt``): an import the signal cut short fails with ``ImportError:
    initialization failed``."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
