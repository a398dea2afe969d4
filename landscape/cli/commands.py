"""The subcommands: each reads its parsed arguments, does the work and prints or writes it."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .._base.validation import check_int
from .._base.files import (atomic_directory, atomic_write, check_directory_target,
                           check_file_target)
from ..connections import check_saddle_graph, saddle_graph, save_saddle_graph, subset_label
from ..critical import Catalog, enumerate_critical_points
from ..flow import (end_to_end_flow, gradient_flow, is_rank_minimum, flow_time,
                    narrow_widths, plateaus, weight_unit)
from ..geometry import classify
from ..problem.criticality import CRITICAL_TOL, check_critical_tol
from ..problem.network import Landscape
from ..problem.network_files import save_weights_file
from ..problem.learnt import learnt_modes
from ..plot.figures import saddle_graph_figure
from ..report import write_report
from ..signed import frustration, frustration_vs_null
from .arguments import NULL_SAMPLES, UsageError, build_problem, graph_options, read_network
from .estimates import check_catalog_size
from .network_frustration import cmd_network_frustration
from .output import emit, print_table, write_json

__all__ = ["cmd_catalog", "cmd_classify", "cmd_flow", "cmd_frustration", "cmd_graph",
           "cmd_report"]


def _weights_file(args):
    """The ``--weights`` network file, read once (``None`` without the option)."""
    return None if args.weights is None else read_network(args.weights, args)


def cmd_flow(args) -> int:
    if args.end_to_end and args.method == "gd":
        raise UsageError("--method gd is gradient descent on the weights; --end-to-end "
                         "integrates the flow of the end-to-end map: pick a solve_ivp method")
    check_destinations(args, "json", "output")
    network = _weights_file(args)
    _require_problem_with_weights(args)
    land = build_problem(args, network)
    _problem_header(args, land)
    if network is not None:
        start = _network_weights(args, land, network)
    else:
        start = land.random_weights(scale=args.init_scale * weight_unit(land), seed=args.seed)
        if args.end_to_end:  # its map: the flow of P needs no weights at the widths
            start = land.end_to_end(start)
    t_max = flow_time(land, args.t_max, "--t-max")
    if args.end_to_end:
        return _end_to_end_flow(args, land, start, t_max)
    result = gradient_flow(land, start, t_max=t_max, method=args.method,
                           step=None if args.step is None else flow_time(land, args.step,
                                                                         "--step"))
    rows = _plateau_rows(result, land)
    payload = {**_flow_payload(land, result), "max_invariant_drift":
               float(result.invariant_drift.max()), "plateaus": rows}
    if args.json != "-":
        print(repr(result))
    emit(args, rows, payload)
    if args.output is not None:
        save_weights_file(args.output, result.weights)
    return 0


def _plateau_rows(result, land) -> list[dict]:
    return [{"t_start": p.t_start, "t_end": p.t_end, "plateau_loss": p.loss}
            for p in plateaus(land, result)]


def _flow_payload(land, result) -> dict:
    """What every flow's JSON begins with: the problem and how the flow ended."""
    return {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
            "status": result.status.value, "message": result.message,
            "coordinates": result.coordinates, "method": result.method,
            "t_final": float(result.t[-1]), "loss_final": float(result.loss[-1])}


def _end_to_end_flow(args, land, start, t_max) -> int:
    """``landscape flow --end-to-end``: the flow of ``P`` alone from a balanced start (docs/theory.md §7)."""
    result = end_to_end_flow(land, start, t_max=t_max, method=args.method)
    rows = _plateau_rows(result, land)
    narrow = Landscape(land.spectrum, narrow_widths(land),  # the class is read off P alone
                       tie_tol=land.tie_tol)
    limit = learnt_modes(narrow, result.weights_at(-1, narrow.widths)).subset
    payload = {
        **_flow_payload(land, result), "end_to_end": True, "rank": result.start_rank,
        "final_rank": int(result.rank[-1]),
        "data_rank": land.m,
        "limit_class": list(limit),
        "minimum_on_rank_manifold": bool(result.success and is_rank_minimum(land, limit)),
        "max_manifold_drift": float(result.manifold_drift.max()), "plateaus": rows,
    }
    if args.json != "-":
        print(repr(result))
        print(_limit_line(limit, payload, land))
    emit(args, rows, payload)
    if args.output is not None:  # balanced weights at the widths: only where asked for
        save_weights_file(args.output, result.weights_at(-1, seed=args.seed))
    return 0


def _limit_line(limit, payload: dict, land) -> str:
    """What the end-to-end flow's limit is: its class and rank, and whether it minimises the
    loss among maps of its rank ``k = |S|``; a start of higher rank than the data's ``m``
    nonzero sigma is said to be one (rank-``k`` maps for ``k > m`` have no minimum of their
    own: the data allow rank ``m``)."""
    k = len(limit)
    verdict = "the" if payload["minimum_on_rank_manifold"] else "not the"
    line = f"limit: class {subset_label(limit)}, {verdict} minimum of the loss on rank-{k} maps"
    m = payload["data_rank"]
    if payload["rank"] > m:
        line += (f"; the start has rank {payload['rank']}, the data allow rank {m} "
                 f"(sigma_{m + 1} = {land.spectrum.sigma[m]:.3g})")
    if payload["final_rank"] != k:
        line += f"; numerical rank of P at t_final: {payload['final_rank']}"
    return line


def _require_problem_with_weights(args) -> None:
    """A ``--weights`` network is read on the problem it was trained on, never a default."""
    if args.weights is not None and not _problem_given(args):
        raise UsageError(f"--weights {str(args.weights)!r} needs the problem the network was "
                         f"trained on: give --dataset, --data or --sigma (no data set is "
                         f"assumed for a network)")


def _class_row(record: dict) -> dict:
    row = {"subset": subset_label(record["subset"]), "value": record["value"],
           "kind": record["kind"]}
    if record.get("inertia") is not None:
        row.update(inertia=tuple(record["inertia"]), n_orbit=record["n_orbit"],
                   centre_dim=record["centre_dim"], witness_kind=record["witness_kind"])
    return row


def _catalog_payload(catalog: Catalog, records: list[dict]) -> dict:
    land = catalog.land
    return {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
            "loss_offset": land.spectrum.loss_offset, "classes": records}


def _problem_header(args, land) -> None:
    """The problem above a table: sigma, m, the zero modes, L0 and the loss unit (``#`` lines;
    nothing when JSON goes to standard output)."""
    if args.json == "-":
        return
    spec = land.spectrum
    m = land.m
    zeros = ", ".join(f"sigma_{i + 1} = {s:.3g}" for i, s in enumerate(spec.sigma) if i >= m)
    sigma = ", ".join(f"{s:.6g}" for s in spec.sigma)
    print(f"# {spec.name}, widths {','.join(map(str, land.widths))}: sigma = ({sigma}); "
          f"m = {m} nonzero (zero modes: {zeros or 'none'}; tie_tol = {land.tie_tol:g} x sigma_1); "
          f"r* = {land.max_rank}; L0 = {spec.loss_offset:.10g}")
    if spec.dropped_inputs:
        print(f"# input space: column space of X, {spec.input_rank} of d_x = {spec.d_x} "
              f"directions ({spec.dropped_inputs} null directions dropped)")
    loss = ("L = 1/(2N) ||Y_c - X_c P^T||^2" if spec.n_samples is not None
            else "L = 1/2 ||Sigma - P||^2")
    print(f"# loss unit: {loss}; per-entry mean squared error (torch MSELoss, sklearn "
          f"mean_squared_error) = 2 L / d_y = L / {spec.d_y / 2:g}")


def cmd_catalog(args) -> int:
    check_destinations(args, "json", "output")
    land = build_problem(args)
    check_catalog_size(args, land)  # memory and time from the class count, before any work
    catalog = enumerate_critical_points(land, curvature=args.curvature,
                                        progress=False if args.quiet else None)
    if args.output is not None:
        catalog.save(args.output)
    records = catalog.records()
    rows = sorted((_class_row(r) for r in records), key=lambda r: r["value"])
    _problem_header(args, land)
    emit(args, rows, _catalog_payload(catalog, records))
    return 0


def _classification_record(found) -> dict:
    record = {"subset": list(found.subset), "value": found.value, "kind": found.kind.value,
              "witness_kind": found.witness_kind.value, "agree": found.agree,
              "disagreement": found.disagreement, "inertia": list(found.inertia),
              "n_orbit": found.n_orbit, "centre_dim": found.centre_dim,
              "min_eigenvalue": found.min_eigenvalue, "method": found.method}
    where = found.located
    if where is not None:
        # verdict: the kind, or "not_near_critical" for a network near no class (its loss,
        # gradient and distance beside the thresholds that decided it)
        record.update(verdict=found.verdict, kind_from=found.kind_from,
                      critical_value=where.value, loss=where.loss,
                      gradient_norm=where.gradient_norm, distance=where.distance,
                      near=where.near, near_gradient=where.near_gradient,
                      near_distance=where.near_distance, ambiguous=where.ambiguous)
    return record


def _network_weights(args, land, network):
    """The weights of the ``--weights`` ``network`` checked against ``land``; biases noted (they
    are the constant of an affine network, exact on centred data) or refused on uncentred
    data."""
    if network.has_biases:
        if args.no_center:
            raise UsageError(f"{args.weights.name} has biases: an affine network is the "
                             f"bias-free network plus a constant only on centred data; drop "
                             f"--no-center")
        if args.json != "-":
            print(f"# {args.weights.name}: biases of {sum(b is not None for b in network.biases)}"
                  f" layer(s) set aside (on centred data an affine network is the bias-free "
                  f"network plus a constant)")
    return land.check(network.weights, "--weights")


def cmd_classify(args) -> int:
    if args.critical_tol is not None and args.weights is None:
        raise UsageError(f"--critical-tol goes with --weights (the classes of a problem or a "
                         f"catalog are critical by construction), got --critical-tol "
                         f"{args.critical_tol:g} without --weights")
    critical_tol = check_critical_tol(
        CRITICAL_TOL if args.critical_tol is None else args.critical_tol, "--critical-tol")
    check_destinations(args, "json")
    network = _weights_file(args)
    if args.catalog is not None:
        if _problem_given(args):
            raise UsageError("give a CATALOG or a problem (--dataset/--data/--sigma), not both")
        catalog = Catalog.load(args.catalog)
        land = catalog.land
    else:
        _require_problem_with_weights(args)
        land = build_problem(args, network)
        catalog = None
    _problem_header(args, land)
    if network is not None:
        # not critical to --critical-tol: the kind of the class it is near (docs/theory.md §3)
        weights = _network_weights(args, land, network)
        found = [_classified(args, land, weights, critical_tol=critical_tol)]
    else:
        if catalog is None:
            catalog = enumerate_critical_points(land, progress=False if args.quiet else None)
        found = [_classified(args, land, point.weights) for point in catalog]
    records = sorted((_classification_record(c) for c in found), key=lambda r: r["value"])
    rows = [{"subset": subset_label(r["subset"]), "value": r["value"], "kind": r["kind"],
             "witness_kind": r["witness_kind"], "inertia": tuple(r["inertia"]),
             "n_orbit": r["n_orbit"], "centre_dim": r["centre_dim"]} for r in records]
    if args.weights is not None:
        rows[0].update({key: records[0][key] for key in ("verdict", "kind_from", "loss",
                                                         "gradient_norm", "distance", "near",
                                                         "ambiguous")})
        if args.json != "-":
            print(f"# the network: {found[0].located.verdict}")
    emit(args, rows, {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
                       "classifications": records})
    for record in records:
        if not record["agree"]:
            print(f"warning: {subset_label(record['subset'])}: {record['disagreement']}",
                  file=sys.stderr)
    return 0


def _classified(args, land, weights, **options):
    """``classify`` with the command's --method and --max-eigenpairs; the matrix-free solver's
    failure said in the command's options."""
    try:
        return classify(land, weights, method=args.method, max_eigenpairs=args.max_eigenpairs,
                        **options)
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}; on the command line: --max-eigenpairs above "
                           f"{args.max_eigenpairs} (about {3 * 8 * land.n_params / 2**20:.3g} "
                           f"MiB each), or --method dense (refused where its Hessian does not "
                           f"fit)") from None


def _problem_given(args) -> bool:
    return any(v is not None for v in (args.dataset, args.data, args.sigma))


#: What ``graph --out DIR`` holds: the directory is replaced whole, with these three files.
GRAPH_FILES = re.compile(r"saddle_graph\.(?:graphml|json|png)")


def check_destinations(args, *options: str) -> None:
    """Check, before any work, that the file options named (``"json"``, ``"output"``, ...)
    can be written: a usage error naming the option and the file otherwise."""
    for option in options:
        target = getattr(args, option, None)
        if target is not None and target != "-":
            try:
                check_file_target(target, f"--{option.replace('_', '-')}")
            except ValueError as exc:
                raise UsageError(str(exc)) from None


def _graph_destinations(args) -> Path:
    """The ``--out`` directory of ``graph``, checked with ``--json`` and ``--checkpoint``
    before the graph is computed."""
    try:
        out = check_directory_target(args.out, GRAPH_FILES, "--out")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    check_destinations(args, "json", "checkpoint")
    if args.checkpoint is not None:
        checkpoint = Path(os.path.realpath(args.checkpoint))
        if checkpoint.is_relative_to(out):
            raise UsageError(f"--checkpoint must be outside --out {str(args.out)!r}, which is "
                             f"replaced as a whole, got {str(args.checkpoint)!r}")
    return out


def cmd_graph(args) -> int:
    out = _graph_destinations(args)
    land = build_problem(args)
    _problem_header(args, land)
    graph = saddle_graph(land, n_jobs=args.n_jobs,
                         checkpoint=args.checkpoint, progress=False if args.quiet else None,
                         max_classes=args.max_classes, **graph_options(args))
    checks = check_saddle_graph(graph)

    def write(folder):
        stem = Path(folder) / "saddle_graph"
        for suffix in (".graphml", ".json"):
            save_saddle_graph(graph, stem.with_suffix(suffix))
        _save_graph_png(graph, stem.with_suffix(".png"))

    atomic_directory(out, write)  # the three files switch together
    edges = sorted(graph.edges(data=True))
    rows = [{"from": subset_label(a), "to": subset_label(b), "hop": d["hop"],
             **{k: d.get(k) for k in ("probability", "ci_low", "ci_high")},
             "loss_drop": d["loss_drop"]} for a, b, d in edges]
    payload_edges = [{**row, "from": list(a), "to": list(b)}
                     for row, (a, b, _) in zip(rows, edges)]
    emit(args, rows, {"widths": list(land.widths), "sigma": land.spectrum.sigma.tolist(),
                       "edges": payload_edges, "checks": checks.to_dict()})
    print(checks.summary, file=sys.stderr)
    return 0


def _save_graph_png(graph, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig = saddle_graph_figure(graph)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)


def _frustration_record(result) -> dict:
    return {"value": result.value, "normalized": result.normalized, "exact": result.exact,
            "lower_bound": result.lower_bound, "upper_bound": result.upper_bound,
            "method": result.method, "per_layer": result.per_layer.tolist()}


def cmd_frustration(args) -> int:
    if args.samples is not None and args.null is None:
        raise UsageError(f"--samples goes with --null (the null model's samples), got "
                         f"--samples {args.samples} without --null")
    args.samples = check_int(NULL_SAMPLES if args.samples is None else args.samples,
                             "--samples", minimum=1)
    if args.model is not None:
        return cmd_network_frustration(args)
    if any(value is not None for value in (args.figure, args.input_shape, args.inputs,
                                           args.monotonicity_inputs)):
        raise UsageError("--figure, --input-shape, --inputs and --monotonicity-inputs go with "
                         "--model")
    options = {"method": args.method, "restarts": args.restarts, "seed": args.seed}
    if args.weights is not None:
        network = _weights_file(args)
        weights = network.weights
        if _problem_given(args):
            weights = build_problem(args, network).check(weights, "--weights")
        null = None if args.null is None else frustration_vs_null(
            weights, args.null, args.samples, n_jobs=args.n_jobs, **options)
        result = frustration(weights, **options) if null is None else null.result
        payload = {"weights": str(args.weights), **_frustration_record(result)}
        rows = [{"network": args.weights.name, **{k: payload[k] for k in
                 ("value", "exact", "method", "normalized")}}]
        if null is not None:
            payload["null"] = {"model": args.null, "samples": args.samples,
                               "mean": null.mean, "std": null.std, "z_score": null.z_score,
                               "p_value": null.p_value}
            # like with like: the null's mean and spread are of the normalised frustration
            rows[0].update(null_mean=null.mean, null_std=null.std, z_score=null.z_score,
                           p_value=null.p_value)
    else:
        if args.null is not None:
            raise UsageError("--null needs --weights or --model (the network to compare)")
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
    emit(args, rows, payload)
    return 0


def cmd_report(args) -> int:
    land = build_problem(args)
    log = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    options = {**graph_options(args), "max_classes": args.max_classes}
    report = write_report(land, args.out, seed=args.seed, graph_options=options,
                          n_jobs=args.n_jobs, progress=False if args.quiet else None, log=log)
    if not args.quiet:
        print(f"report written to {report.files['html']}")
    return 0


