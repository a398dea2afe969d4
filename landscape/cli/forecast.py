"""``landscape forecast``: the plateaus a run from a small random start will rest on.

Prints one row per class on the forecast path (docs/theory.md §8): the class, its critical value, the
median exit time over random starts and its 10-90% band, in flow time and in the time unit
(:func:`landscape.flow.time_unit`); with ``--learning-rate``, in gradient-descent steps.
"""

from __future__ import annotations

import argparse
import math

from ..flow import flow_time, time_unit, weight_unit
from ..forecast import predict_training
from .arguments import add_output_options, add_problem_arguments, build_problem
from .output import emit

__all__ = ["add_forecast_parser"]


def add_forecast_parser(sub) -> argparse.ArgumentParser:
    """Register the ``forecast`` subcommand on the subparsers ``sub``."""
    parser = sub.add_parser("forecast", help="forecast the plateaus of training from random "
                                             "starts, without integrating the network")
    add_problem_arguments(parser)
    parser.add_argument("--init-scale", type=float, default=1e-2,
                        help="scale of the random starts in the weight unit "
                             "(sigma_1/||Sxx||^(1/2))^(1/h) (default 1e-2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--starts", type=int, default=32, help="random starts (default 32)")
    parser.add_argument("--learning-rate", type=float,
                        help="gradient descent's step, in the time unit: exit times in steps")
    add_output_options(parser)
    parser.set_defaults(run=cmd_forecast)
    return parser


def _number(value: float):
    return value if math.isfinite(value) else None


def cmd_forecast(args) -> int:
    """Run ``landscape forecast``."""
    land = build_problem(args)
    if args.init_scale is None or not args.init_scale > 0:
        raise ValueError(f"--init-scale must be > 0, got {args.init_scale}")
    eta = None if args.learning_rate is None else flow_time(land, args.learning_rate,
                                                            "--learning-rate")
    forecast = predict_training(land, init_scale=args.init_scale * weight_unit(land),
                                seed=args.seed, n_starts=args.starts, learning_rate=eta)
    unit = time_unit(land)
    rows = []
    for k, p in enumerate(forecast.plateaus):
        row = {"class": "{" + ",".join(str(i + 1) for i in p.subset) + "}",
               "value": round(p.value, 10), "t_exit": _number(p.t_exit),
               "t_exit_10%": _number(p.t_exit_band[0]), "t_exit_90%": _number(p.t_exit_band[1]),
               "t_exit/unit": _number(p.t_exit / unit)}
        if eta is not None:
            row["steps_exit"] = _number(float(forecast.steps_exit[k]))
        rows.append(row)
    payload = {"widths": list(land.widths), "init_scale": args.init_scale,
               "n_starts": forecast.n_starts, "trusted": forecast.trusted,
               "warnings": list(forecast.warnings), "time_unit": unit, "plateaus": rows}
    emit(args, rows, payload)
    return 0
