"""The training forecast as a section of :func:`landscape.write_report`'s page.

The report's small-start flow set against the forecast from the same start
(:func:`check_forecast`, docs/theory.md §8): one row per class of the observed path with its
value, the observed and the forecast exit time and their relative difference, and whether the
forecast can be trusted.
"""

from __future__ import annotations

import html

import numpy as np

from ..problem.network import Landscape
from .check import check_forecast

__all__ = ["forecast_section"]


def forecast_section(land: Landscape, start, result) -> str:
    """An HTML section: the plateaus of the run ``result`` from ``start``, forecast and observed.

    Parameters
    ----------
    land : Landscape
    start : sequence of ndarray
    result : FlowResult or EndToEndResult
        The run (a :class:`~landscape.flow.FlowResult` recorded with ``record_weights=True``).

    Returns
    -------
    str
        ``<h2>Training forecast</h2>``, a sentence and a table.
    """
    check = check_forecast(land, start, result)
    fc = check.forecast
    cells = []
    for row in check.rows():
        seen, said = row["t_exit_observed"], row["t_exit_forecast"]
        error = f"{abs(said / seen - 1):.2%}" if np.isfinite(seen) and np.isfinite(said) else ""
        cells.append([row["class"], f"{row['value']:.10g}", f"{seen:.6g}", f"{said:.6g}", error])
    head = "".join(f"<th>{h}</th>" for h in
                   ("S", "value", "exit observed", "exit forecast", "relative difference"))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in cells)
    note = (f"Forecast from the small start without integrating the network (reduced widths "
            f"{fc.reduced_widths}, docs/theory.md §8); "
            + ("same path as the run" if check.same_path else "a different path from the run")
            + ("" if fc.trusted else "; not trusted: " + "; ".join(fc.warnings)) + ".")
    return (f"<h2>Training forecast</h2><p>{html.escape(note)}</p>"
            f"<table><tr>{head}</tr>{body}</table>")
