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


from .catalog import Catalog
from .connections import check_saddle_graph, save_saddle_graph, saddle_graph, subset_label
from .critical import enumerate_critical_points
from .curvature import classify
from .problem.spectrum import DATASETS, DataSpectrum, load_dataset
from .problem.datafiles import atomic_write, load_data_file, load_weights_file, save_weights_file
from .flow import FLOW_METHODS, gradient_flow, plateaus
from .frustration import FRUSTRATION_METHODS, NULL_MODELS, frustration, frustration_vs_null
from .problem.network import Landscape
from .problem import CRITICAL_TOL
from .quotient import canonicalize
from .report import QUICK_GRAPH_OPTIONS, write_report

__all__ = ["main", "build_parser"]


class UsageError(ValueError):
    """A bad command-line argument; printed as ``landscape: error: ...`` with exit code 2."""


def _number_list(text: str, name: str, kind: type, example: str) -> tuple:
    try:
        return tuple(kind(v) for v in text.split(","))
    except ValueError:
        noun = "integers" if kind is int else "numbers"
        raise UsageError(f"{name} must be comma-separated {noun} like {example}, "
                         f"got {text!r}") from None


def _int_list(text: str, name: str) -> tuple[int, ...]:
    return _number_list(text, name, int, "4,5,5,3")


def _float_list(text: str, name: str) -> tuple[float, ...]:
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
                       help="layer widths d_x,...,d_y (default: d_x,2,2,d_y for a data set; "
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
                  else (spec.d_x, 2, 2, spec.d_y))
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
    return str(value)


# ---------------------------------------------------------------------- subcommands
def cmd_flow(args) -> int:
    land = build_problem(args)
    if args.weights is not None:
        weights0 = land.check(load_weights_file(args.weights), "--weights")
    else:
        weights0 = land.random_weights(scale=args.init_scale, seed=args.seed)
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


def _emit(args, rows: list[dict], payload: dict) -> None:
    """The table on standard output (unless JSON goes there), and the JSON if asked for."""
    if args.json != "-":
        print_table(rows)
    if args.json:
        write_json(args.json, payload)


def _class_row(record: dict) -> dict:
    row = {"subset": subset_label(record["subset"]), "value": record["value"],
           "kind": record["kind"]}
    if record.get("inertia") is not None:
        row.update(inertia=tuple(record["inertia"]), n_orbit=record["n_orbit"],
                   centre_dim=record["centre_dim"], witness_kind=record["witness_kind"])
    return row


def _catalog_payload(catalog: Catalog) -> dict:
    land = catalog.land
    return {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
            "loss_offset": land.spectrum.loss_offset, "classes": catalog.records()}


def cmd_catalog(args) -> int:
    land = build_problem(args)
    catalog = enumerate_critical_points(land, curvature=args.curvature,
                                        progress=False if args.quiet else None)
    if args.output is not None:
        catalog.save(args.output)
    rows = sorted((_class_row(r) for r in catalog.records()), key=lambda r: r["value"])
    _emit(args, rows, _catalog_payload(catalog))
    return 0


def _classification_record(found) -> dict:
    return {"subset": list(found.subset), "value": found.value, "kind": found.kind.value,
            "witness_kind": found.witness_kind.value, "agree": found.agree,
            "disagreement": found.disagreement, "inertia": list(found.inertia),
            "n_orbit": found.n_orbit, "centre_dim": found.centre_dim,
            "min_eigenvalue": found.min_eigenvalue, "method": found.method}


def cmd_classify(args) -> int:
    if args.catalog is not None:
        if _problem_given(args):
            raise UsageError("give a CATALOG or a problem (--dataset/--data/--sigma), not both")
        catalog = Catalog.load(args.catalog)
        land = catalog.land
    else:
        land = build_problem(args)
        catalog = None
    if args.weights is not None:
        weights = land.check(load_weights_file(args.weights), "--weights")
        # NotCriticalError (a ValueError) names the relative gradient norm
        canonicalize(land, weights, tol=args.critical_tol)
        found = [classify(land, weights, method=args.method, critical_tol=args.critical_tol)]
    else:
        if catalog is None:
            catalog = enumerate_critical_points(land, progress=False if args.quiet else None)
        found = [classify(land, point.weights, method=args.method) for point in catalog]
    records = sorted((_classification_record(c) for c in found), key=lambda r: r["value"])
    rows = [{"subset": subset_label(r["subset"]), "value": r["value"], "kind": r["kind"],
             "witness_kind": r["witness_kind"], "inertia": tuple(r["inertia"]),
             "n_orbit": r["n_orbit"], "centre_dim": r["centre_dim"]} for r in records]
    _emit(args, rows, {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
                       "classifications": records})
    for record in records:
        if not record["agree"]:
            print(f"warning: {subset_label(record['subset'])}: {record['disagreement']}",
                  file=sys.stderr)
    return 0


def _problem_given(args) -> bool:
    return any(v is not None for v in (args.dataset, args.data, args.sigma))


def _graph_options(args) -> dict:
    return {"radii": _float_list(args.radii, "--radii"), "probes": args.probes,
            "max_combinations": args.max_combinations, "t_max": args.t_max}


def cmd_graph(args) -> int:
    land = build_problem(args)
    catalog = enumerate_critical_points(land, progress=False)
    graph = saddle_graph(land, catalog=catalog, seed=args.seed, n_jobs=args.n_jobs,
                         checkpoint=args.checkpoint, progress=False if args.quiet else None,
                         **_graph_options(args))
    checks = check_saddle_graph(graph)
    stem = args.out / "saddle_graph"
    for suffix in (".graphml", ".json"):
        save_saddle_graph(graph, stem.with_suffix(suffix))
    _save_graph_png(graph, stem.with_suffix(".png"))
    edges = sorted(graph.edges(data=True))
    rows = [{"from": subset_label(a), "to": subset_label(b), "probes": d["probes"],
             "fraction": d["fraction"], "loss_drop": d["loss_drop"]} for a, b, d in edges]
    payload_edges = [{**row, "from": list(a), "to": list(b)} for row, (a, b, _) in zip(rows, edges)]
    _emit(args, rows, {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
                       "edges": payload_edges, "checks": checks.to_dict()})
    print(checks.summary, file=sys.stderr)
    return 0


def _save_graph_png(graph, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plot import plot_saddle_graph

    fig, ax = plt.subplots(figsize=(8, 6))
    plot_saddle_graph(graph, ax=ax)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)


def _frustration_record(result) -> dict:
    return {"value": result.value, "normalized": result.normalized, "exact": result.exact,
            "lower_bound": result.lower_bound, "upper_bound": result.upper_bound,
            "method": result.method, "per_layer": result.per_layer.tolist()}


def cmd_frustration(args) -> int:
    options = {"method": args.method, "restarts": args.restarts, "seed": args.seed}
    if args.weights is not None:
        weights = load_weights_file(args.weights)
        if _problem_given(args):
            weights = build_problem(args).check(weights, "--weights")
        result = frustration(weights, **options)
        payload = {"weights": str(args.weights), **_frustration_record(result)}
        rows = [{"network": args.weights.name, **{k: payload[k] for k in
                 ("value", "normalized", "exact", "method")}}]
        if args.null is not None:
            null = frustration_vs_null(weights, args.null, args.samples, **options)
            payload["null"] = {"model": args.null, "samples": args.samples,
                               "mean": null.mean, "std": null.std, "z_score": null.z_score,
                               "p_value": null.p_value}
            rows[0].update(null_mean=null.mean, z_score=null.z_score, p_value=null.p_value)
    else:
        if args.null is not None:
            raise UsageError("--null needs --weights (the network to compare)")
        land = build_problem(args)
        catalog = enumerate_critical_points(land, progress=False if args.quiet else None)
        records = [{"subset": list(point.subset), "critical_value": point.value,
                    **_frustration_record(frustration(point.weights, **options))}
                   for point in catalog]
        records.sort(key=lambda r: r["critical_value"])
        payload = {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
                   "representatives": records}
        rows = [{"subset": subset_label(r["subset"]), "critical_value": r["critical_value"],
                 "frustration": r["value"], "normalized": r["normalized"],
                 "exact": r["exact"]} for r in records]
    _emit(args, rows, payload)
    return 0


def cmd_report(args) -> int:
    land = build_problem(args)
    log = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    report = write_report(land, args.out, seed=args.seed, graph_options=_graph_options(args),
                          progress=False if args.quiet else None, log=log)
    if not args.quiet:
        print(f"report written to {report.files['html']}")
    return 0


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", help="write JSON here ('-': standard output)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars or step lines")


def _add_graph_options(parser: argparse.ArgumentParser) -> None:
    quick = QUICK_GRAPH_OPTIONS
    group = parser.add_argument_group("saddle-graph probes")
    group.add_argument("--radii", default=",".join(map(str, quick["radii"])),
                       metavar="R1,R2,...", help="step-off radii in units of sigma_1^(1/h)")
    group.add_argument("--probes", type=int, default=quick["probes"],
                       help="probes per escape direction, sign and radius")
    group.add_argument("--max-combinations", type=int, default=quick["max_combinations"],
                       help="random combinations of escape directions per saddle")
    group.add_argument("--t-max", type=float, default=1e6, help="time limit of each probe")
    group.add_argument("--seed", type=int, default=0)


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
    flow.add_argument("--method", default="auto", choices=FLOW_METHODS,
                      help="solve_ivp method, 'auto' or 'gd'")
    flow.add_argument("--step", type=float, help="step size for --method gd")
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
    _add_output_options(catalog)
    catalog.set_defaults(run=cmd_catalog)

    classify_ = sub.add_parser("classify", help="Hessian inertia, orbit, centre and both kinds "
                                                "of every class, or of your own network")
    classify_.add_argument("catalog", nargs="?", type=Path, metavar="CATALOG.json",
                           help="a saved catalog (instead of the problem options)")
    add_problem_arguments(classify_)
    classify_.add_argument("--weights", type=Path, metavar="FILE.npz",
                           help="classify this critical point (arrays W1..Wh)")
    classify_.add_argument("--method", choices=("auto", "dense", "matrix_free"), default="auto",
                           help="how the Hessian inertia is computed")
    classify_.add_argument("--critical-tol", type=float, default=CRITICAL_TOL,
                           help="largest relative gradient norm of a critical point (default "
                                "%(default)g; a trained network may need 1e-5)")
    _add_output_options(classify_)
    classify_.set_defaults(run=cmd_classify)

    graph = sub.add_parser("graph", help="find the saddle connections by perturbed integration")
    add_problem_arguments(graph)
    _add_graph_options(graph)
    graph.add_argument("--n-jobs", type=int, help="processes for the per-saddle work")
    graph.add_argument("--checkpoint", type=Path, metavar="FILE.json",
                       help="store finished saddles here; a rerun resumes from them")
    graph.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                       help="write saddle_graph.graphml, .json and .png here")
    _add_output_options(graph)
    graph.set_defaults(run=cmd_graph)

    frus = sub.add_parser("frustration", help="frustration of the network's signed graph: a "
                                              "weights file, or every critical class")
    add_problem_arguments(frus)
    frus.add_argument("--weights", type=Path, metavar="FILE.npz", help="the network (W1..Wh)")
    frus.add_argument("--method", choices=FRUSTRATION_METHODS, default="auto")
    frus.add_argument("--restarts", type=int, default=20, help="greedy restarts")
    frus.add_argument("--seed", type=int, default=0)
    frus.add_argument("--null", choices=NULL_MODELS, help="compare with this null model")
    frus.add_argument("--samples", type=int, default=100, help="null-model samples")
    _add_output_options(frus)
    frus.set_defaults(run=cmd_frustration)

    report = sub.add_parser("report", help="the whole map: catalog, graph, flows, figures and "
                                           "report.html (default: linnerud, widths 3,2,2,3)")
    add_problem_arguments(report)
    _add_graph_options(report)
    report.add_argument("--out", type=Path, default=Path("report"), metavar="DIR",
                        help="output directory (default: ./report)")
    report.add_argument("--quiet", action="store_true", help="no progress bars or step lines")
    report.set_defaults(run=cmd_report)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:
        parser.exit(2, f"landscape {args.command}: error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, "landscape: interrupted; no partial file was written\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
