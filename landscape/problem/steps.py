"""Flow time and training steps: how far one step of gradient descent moves along the flow.

The library's loss is ``L = 1/(2N) ||Y_c - X_c P^T||_F^2`` (half the summed squared error per
sample) and its gradient flow is ``dW/dt = -grad L(W)``. A training loop minimises a multiple
``c L`` of it instead (on the same centred data, without biases, or with biases once the
output bias sits at its best constant; the README's *Loss units*):

* torch's ``MSELoss()`` (``reduction="mean"``) and scikit-learn's ``mean_squared_error``
  average over all ``N d_y`` entries: ``mse = 1/(N d_y) ||.||^2 = (2 / d_y) L``, ``c = 2/d_y``;
* ``MSELoss(reduction="sum")``: ``||.||^2 = 2 N L``, ``c = 2N``;
* the library's own ``L``: ``c = 1``.

One step of gradient descent with learning rate ``lr`` on ``c L`` is
``W <- W - lr grad(c L)(W) = W - (c lr) grad L(W)``: exactly an explicit Euler step of the
flow of length ``tau = c lr``. After ``n`` steps the network is near the flow's point at time
``n tau`` (to first order in ``tau``, for ``tau`` below the stability bound ``2 / lambda_max``
of the Hessian), so an escape time ``t`` of the flow is ``t / tau`` steps. The mean over a
mini-batch of any size is an unbiased estimate of the mean over all samples, so a step of
stochastic gradient descent on ``MSELoss()`` moves ``tau = 2 lr / d_y`` of flow time in
expectation, whatever the batch size (an epoch of ``N / B`` batches moves ``(N / B) tau``);
with ``reduction="sum"`` the factor is ``2 B`` for a batch of ``B``, not ``2N``.

``tau`` is in the flow's own time, the ``t`` of :func:`landscape.gradient_flow` and
:func:`landscape.flow.plateaus`; divide by :func:`landscape.flow.units.time_unit` for the
estimator's time units.
"""

from __future__ import annotations

from .._base.validation import check_choice, check_positive

__all__: list[str] = []  # the public entry point is DataSpectrum.flow_time_per_step

#: The losses a step is taken on: torch's ``MSELoss()`` (mean over ``N d_y`` entries), its
#: ``reduction="sum"``, and the library's ``L``.
STEP_LOSSES = ("mse", "sum", "library")


def _flow_time_per_step(learning_rate, loss: str, d_y: int, n_samples: int | None) -> float:
    """``c lr`` with ``c = 2 / d_y`` (``"mse"``), ``2 N`` (``"sum"``) or ``1`` (``"library"``)."""
    learning_rate = check_positive(learning_rate, "learning_rate")
    check_choice(loss, "loss", STEP_LOSSES)
    if loss == "mse":
        return 2.0 * learning_rate / d_y
    if loss == "sum":
        if n_samples is None:
            raise ValueError("loss='sum' needs the number of samples N (a spectrum from "
                             "DataSpectrum.from_data), got a spectrum given by its singular "
                             "values: use loss='mse' or 'library'")
        return 2.0 * n_samples * learning_rate
    return learning_rate
