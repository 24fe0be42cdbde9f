"""Tail probabilities of count distributions: Poisson and negative binomial (pure Python).

The negative binomial is parametrised by its mean ``mu`` and dispersion ``alpha``, with
variance ``mu + alpha * mu**2``; ``alpha = 0`` is the Poisson. Both tails are exact
(regularised incomplete gamma and beta functions, Numerical Recipes continued fractions).
"""

from __future__ import annotations

import math

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 10_000
# Below this dispersion the negative binomial is indistinguishable from the Poisson.
POISSON_BELOW = 1e-6


def _gamma_series(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) by its series (x < a + 1)."""
    term = 1.0 / a
    total = term
    ap = a
    for _ in range(_MAX_ITER):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_fraction(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) by its continued fraction (x >= a + 1)."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_p(a: float, x: float) -> float:
    """Regularised lower incomplete gamma function P(a, x)."""
    if x <= 0.0:
        return 0.0
    if x < a + 1.0:
        return _gamma_series(a, x)
    return 1.0 - _gamma_fraction(a, x)


def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    if x <= 0.0:
        return 1.0
    if x < a + 1.0:
        return 1.0 - _gamma_series(a, x)
    return _gamma_fraction(a, x)


def _beta_fraction(a: float, b: float, x: float) -> float:
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, _MAX_ITER):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < _TINY:
            d = _TINY
        c = 1.0 + aa / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def beta_i(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def poisson_sf(k: float, mu: float) -> float:
    """P(X >= k) for X ~ Poisson(mu); ``k`` is rounded up to a whole count."""
    n = math.ceil(k)
    if n <= 0:
        return 1.0
    if mu <= 0.0:
        return 0.0
    return gamma_p(float(n), mu)


def poisson_cdf(k: float, mu: float) -> float:
    """P(X <= k) for X ~ Poisson(mu); ``k`` is rounded down to a whole count."""
    n = math.floor(k)
    if n < 0:
        return 0.0
    if mu <= 0.0:
        return 1.0
    return gamma_q(float(n + 1), mu)


def nbinom_sf(k: float, mu: float, alpha: float) -> float:
    """P(X >= k) for a negative binomial with mean ``mu`` and variance ``mu + alpha mu^2``."""
    if alpha < POISSON_BELOW:
        return poisson_sf(k, mu)
    n = math.ceil(k)
    if n <= 0:
        return 1.0
    if mu <= 0.0:
        return 0.0
    r = 1.0 / alpha
    p = r / (r + mu)
    # P(X >= n) = 1 - I_p(r, n) = I_{1-p}(n, r)
    return beta_i(float(n), r, 1.0 - p)


def nbinom_cdf(k: float, mu: float, alpha: float) -> float:
    """P(X <= k) for a negative binomial with mean ``mu`` and variance ``mu + alpha mu^2``."""
    if alpha < POISSON_BELOW:
        return poisson_cdf(k, mu)
    n = math.floor(k)
    if n < 0:
        return 0.0
    if mu <= 0.0:
        return 1.0
    r = 1.0 / alpha
    p = r / (r + mu)
    return beta_i(r, float(n + 1), p)
