"""The exact flow of one mode: the closed form of docs/theory.md §1 for a balanced scalar chain.

A single mode learnt by a balanced chain of ``h`` equal weights ``a`` follows
``da/dt = a^{h-1} (sigma - a^h)`` (Saxe, McClelland & Ganguli, ICLR 2014); its time to go
from ``a0`` to ``a`` is a Gauss hypergeometric function, inverted by root finding.
"""

from __future__ import annotations

import numpy as np

from .._base.validation import check_int, check_positive

__all__ = ["one_mode_time", "one_mode_weight"]


#: Terms of the series of 2F1(1, b; b+1; z) about z = 1 (for 1 - z <= 1/2: error < 2^-60).
_NEAR_ONE_TERMS = 64


def _check_one_mode(a0, sigma, h):
    sigma = check_positive(sigma, "sigma")
    h = check_int(h, "h", minimum=1)
    top = sigma ** (1.0 / h)
    a0 = check_positive(a0, "a0")
    if a0 >= top:
        raise ValueError(f"a0 must lie in (0, sigma^(1/h)) = (0, {top:.6g}), got {a0}")
    return a0, sigma, h, top


def _antiderivative(z, w, sigma, h):
    """``F(u)`` with ``F'(u) = 1 / (h u^{2-2/h} (sigma - u))``, at ``u = sigma z``, ``w = 1 - z``.

    ``w`` is passed separately so that callers compute it without cancellation. Near
    ``z = 1``, ``2F1(1, b; b+1; z)`` is the degenerate case ``c = a + b`` of the connection
    formula (Abramowitz & Stegun 15.3.10), summed directly:
    ``b sum_n (b)_n / n! [psi(n+1) - psi(b+n) - ln w] w^n``.
    """
    if h == 2:
        return np.log(z / w) / (2.0 * sigma)
    from scipy import special  # imported where used: ``import landscape`` stays light

    b = 2.0 / h - 1.0
    if z < 0.5:
        hyp = special.hyp2f1(1.0, b, b + 1.0, z)
    else:
        n = np.arange(_NEAR_ONE_TERMS)
        weights = special.poch(b, n) / special.factorial(n) * w ** n
        hyp = b * np.sum(weights * (special.digamma(n + 1) - special.digamma(b + n) - np.log(w)))
    return (sigma * z) ** b * hyp / (sigma * b * h)


def _fraction_learnt(a, top, h):
    """``z = (a / top)^h`` and ``w = 1 - z``, the latter without cancellation near ``top``."""
    return (a / top) ** h, -np.expm1(h * np.log1p((a - top) / top))


def one_mode_time(a, *, a0: float, sigma: float, h: int) -> float:
    """Time for the balanced one-mode flow ``da/dt = a^{h-1} (sigma - a^h)`` to go from ``a0`` to ``a``.

    ``t = int_{a0}^{a} dx / (x^{h-1} (sigma - x^h))``, in closed form through ``u = a^h``:
    ``t = F(a^h) - F(a0^h)`` with ``F(u) = u^b 2F1(1, b; b+1; u/sigma) / (h b sigma)``,
    ``b = 2/h - 1`` (and ``F(u) = ln(u / (sigma - u)) / (2 sigma)`` for ``h = 2``, Saxe et al.
    ICLR 2014). For ``h >= 3`` leaving a small ``a0`` takes about ``1/((h-2) sigma a0^{h-2})``.

    Examples
    --------
    >>> round(one_mode_time(0.5, a0=0.25, sigma=1.0, h=1), 12) == round(float(np.log(0.75 / 0.5)), 12)
    True
    """
    a0, sigma, h, top = _check_one_mode(a0, sigma, h)
    a = check_positive(a, "a")
    if a >= top:
        raise ValueError(f"a must lie in (0, sigma^(1/h)) = (0, {top:.6g}), got {a}")
    return float(_antiderivative(*_fraction_learnt(a, top, h), sigma, h)
                 - _antiderivative(*_fraction_learnt(a0, top, h), sigma, h))


def one_mode_weight(t, *, a0: float, sigma: float, h: int) -> float:
    """The weight ``a(t)`` of the balanced one-mode flow started at ``a0``: inverse of :func:`one_mode_time`.

    Examples
    --------
    For ``h = 2`` the product ``u = a^2`` follows the logistic curve of Saxe, McClelland &
    Ganguli (ICLR 2014), ``u(t) = sigma / (1 + (sigma / u0 - 1) e^{-2 sigma t})``.

    >>> import numpy as np
    >>> a = one_mode_weight(1.5, a0=0.1, sigma=2.0, h=2)
    >>> bool(np.isclose(a ** 2, 2.0 / (1 + (2.0 / 0.01 - 1) * np.exp(-2 * 2.0 * 1.5))))
    True
    """
    a0, sigma, h, top = _check_one_mode(a0, sigma, h)
    t = float(t)
    if t < 0 or not np.isfinite(t):
        raise ValueError(f"t must be finite and >= 0, got {t}")
    if t == 0:
        return a0
    f0 = _antiderivative(*_fraction_learnt(a0, top, h), sigma, h)

    def gap(log_ratio):  # w = 1 - u/sigma = exp(-log_ratio) parametrises u in (0, sigma)
        return _antiderivative(-np.expm1(-log_ratio), np.exp(-log_ratio), sigma, h) - f0 - t

    lo = -np.log1p(-(a0 / top) ** h)
    # Beyond x = 40, 1 - u/sigma < 5e-18: a(t) equals top in double precision.
    cap = max(lo, 40.0)
    hi = min(lo + 1.0, cap)
    while gap(hi) < 0:
        if hi >= cap:
            return top
        hi = min(lo + 2 * (hi - lo), cap)
    from scipy import optimize  # imported where used: ``import landscape`` stays light

    x = optimize.brentq(gap, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    return float((sigma * -np.expm1(-x)) ** (1.0 / h))
