"""Guards before huge work and clear causes for bad input (issue: reliability).

Each refusal happens before any work, names the argument and says what to do instead; the
narrow-network kind used for wide layers is checked against the full network.
"""

import itertools

import numpy as np
import pytest

from landscape import (DataSpectrum, Landscape, count_classes, enumerate_critical_points,
                       load_data_file, witness_kind)
from landscape.critical.representatives import representative_kind
from landscape.problem.nearby import aligned_weights


def test_enumeration_of_a_billion_classes_is_refused_with_its_count():
    land = Landscape(DataSpectrum.from_singular_values(np.linspace(3, 1, 30)), (30, 30, 30))
    assert count_classes(land) == 2 ** 30
    with pytest.raises(ValueError, match=r"land has 1,073,741,824 critical classes, more than "
                                         r"max_classes = 16,777,216 .* GiB\); pass a larger "
                                         r"max_classes"):
        enumerate_critical_points(land)


def test_max_classes_lets_a_large_enumeration_through():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3))
    with pytest.raises(ValueError, match=r"more than max_classes = 7"):
        enumerate_critical_points(land, max_classes=7)
    assert len(enumerate_critical_points(land, max_classes=8)) == 8


def test_a_dense_hessian_beyond_memory_is_refused_before_allocation():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 10000, 10000, 3))
    weights = [np.zeros(s) for s in land.shapes]
    with pytest.raises(ValueError, match=r"dense Hessian of land must fit in MAX_DENSE_BYTES = "
                                         r"4 GiB, got 100,060,000 parameters .*use hvp"):
        land.hessian(weights)


@pytest.mark.parametrize("seed", range(12))
def test_the_kind_on_the_narrow_network_is_the_kind_of_the_full_one(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 5))
    h = int(rng.integers(2, 5))
    sigma = np.sort(rng.uniform(0.5, 3.0, m))[::-1]
    if seed % 3 == 0:
        sigma[1] = sigma[0]  # a tie
    widths = (m, *rng.integers(1, m + 3, h - 1).tolist(), m)
    land = Landscape(DataSpectrum.from_singular_values(sigma), widths)
    r = min(widths[1:-1])
    for k in range(min(r, m) + 1):
        for subset in itertools.combinations(range(m), k):
            full = witness_kind(land, aligned_weights(land, subset))
            assert representative_kind(land, subset, critical_tol=1e-6) is full


@pytest.mark.parametrize("sigma", [[1e200, 1.0], [1e-200]])
def test_singular_values_that_overflow_are_refused(sigma):
    with pytest.raises(ValueError, match=r"sigma_1 must lie in \[1e-150, 1e\+150\]"):
        DataSpectrum.from_singular_values(sigma)


def _csv(tmp_path, text, name="data.csv", mode="w"):
    path = tmp_path / name
    if mode == "w":
        path.write_text(text)
    else:
        path.write_bytes(text)
    return path


def test_csv_columns_used_as_input_and_target_are_refused(tmp_path):
    path = _csv(tmp_path, "x1,y1,y2\n1,2,3\n4,5,7\n")
    with pytest.raises(ValueError, match=r"x_cols and y_cols must not share columns, got "
                                         r"\['y1'\] in both"):
        load_data_file(path, x_cols=["x1", "y1"], y_cols=["y1", "y2"])


def test_a_duplicated_csv_header_is_named(tmp_path):
    path = _csv(tmp_path, "x,x,y\n1,2,3\n4,5,7\n")
    with pytest.raises(ValueError, match=r"must name each column once in its header, got "
                                         r"\['x'\] more than once"):
        load_data_file(path, y_cols=["y"])


def test_non_utf8_csv_is_named_with_the_file(tmp_path):
    path = _csv(tmp_path, b"x,y\n1,\xff\n", mode="wb")
    with pytest.raises(ValueError, match=r"data.csv must be UTF-8 text, got a byte 0xff"):
        load_data_file(path, y_cols=["y"])


def test_a_renamed_npy_and_a_text_file_are_named_as_such(tmp_path):
    npy = tmp_path / "weights.npz"
    with open(npy, "wb") as fh:
        np.save(fh, np.eye(2))
    with pytest.raises(ValueError, match=r"must be a .npz archive .*got a single .npy array"):
        load_data_file(npy)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"must be a .npz archive .*got not a zip archive"):
        load_data_file(text)


def test_an_estimator_too_wide_for_the_weight_space_flow_is_refused_before_work():
    from landscape import DeepLinearRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    Y = X @ rng.standard_normal((3, 2))
    with pytest.raises(ValueError, match=r"widths must give at most MAX_WEIGHT_SPACE_PARAMS = "
                                         r"2,000,000 weights .*got 5,000,000 .*balanced=True"):
        DeepLinearRegressor(widths=(10 ** 6,)).fit(X, Y)


# ---------------------------------------------------------------------- absurd sizes, starts
def test_weights_beyond_memory_are_refused_with_the_figure_and_the_way_out():
    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 10**9, 3))
    assert land.n_params == 6 * 10**9  # built: the closed forms need no weights
    assert land.critical_value((0,)) == pytest.approx(2.5)
    with pytest.raises(ValueError, match=r"6,000,000,000 parameters \(44\.7 GiB\); widths "
                                         r"\(3, 3, 3\) have the same critical classes"):
        land.random_weights(seed=0)
    narrow = Landscape(land.spectrum, (3, 3, 3))
    assert count_classes(narrow) == count_classes(land)


@pytest.mark.parametrize("argv", [["catalog", "--sigma", "3,2,1", "--widths", "3,1000000000,3"],
                                  ["flow", "--sigma", "3,2,1", "--widths", "3,1000000000,3"]])
def test_the_command_line_refuses_absurd_widths_before_work(argv, capsys):
    from landscape.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and "MAX_WEIGHT_BYTES" in capsys.readouterr().err


@pytest.mark.parametrize("seed, error", [(1.5, TypeError), ("1", TypeError), (-1, ValueError),
                                         (True, TypeError)])
def test_random_weights_checks_its_seed_like_every_function(seed, error):
    land = Landscape(DataSpectrum.from_singular_values([2.0, 1.0]), (2, 2, 2))
    with pytest.raises(error, match="seed must be"):
        land.random_weights(seed=seed)
    first, again = land.random_weights(seed=7), land.random_weights(seed=np.int64(7))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


@pytest.mark.parametrize("scale", [1e200, 1e120])
def test_a_flow_from_an_overflowing_start_is_refused_at_once(scale):
    from landscape import gradient_flow

    land = Landscape(DataSpectrum.from_singular_values([3.0, 2.0, 1.0]), (3, 3, 3))
    start = land.random_weights(scale=scale, seed=0)
    with pytest.raises(ValueError, match="weights0 must have a loss and a gradient finite"):
        gradient_flow(land, start)


def test_the_command_line_flow_from_a_huge_scale_exits_2(capsys):
    from landscape.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["flow", "--sigma", "3,2,1", "--widths", "3,3,3", "--init-scale", "1e300"])
    assert exit_.value.code == 2 and "finite in double precision" in capsys.readouterr().err


def test_an_integration_stops_at_the_first_non_finite_field():
    from landscape.flow.integration import solve_bounded

    def field(y):  # dy/dt = y, whose value overflows beyond |y| = 1e3
        return np.where(np.abs(y) < 1e3, y, np.inf)

    ts, ys, status, message, _ = solve_bounded(
        field, np.array([1.0]), 100.0, method="RK45", rtol=1e-10, atol=1e-12, times=None,
        converged=lambda y: 1.0, max_steps=10**6, goal="never")
    assert status.value == "failed" and "not finite" in message
    assert np.all(np.isfinite(ys)) and 1 < ys[-1, 0] < 1e3
    # the last finite state lies on the exact solution e^t
    assert ys[-1, 0] == pytest.approx(np.exp(ts[-1]), rel=1e-6)
