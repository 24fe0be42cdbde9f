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


_SQRT2PI = math.sqrt(2.0 * math.pi)


def _normal_sf(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _lognormal_mix(k: int, mu: float, sigma2: float, upper: bool) -> float:
    """E[P(X >= k)] (``upper``) or E[P(X <= k)] for X ~ Poisson(mu * exp(s Z - s^2/2)).

    The Poisson tail is a smooth step in ``z`` centred where the rate reaches ``k``, about
    ``1 / (s sqrt(k))`` wide: integrated by Simpson's rule across the step; beyond it the
    tail is 1 or 0 and the normal's own tail is added exactly. Accurate to about 1e-5
    (absolute), which is below the resolution that matters for a decision.
    """
    s = math.sqrt(sigma2)
    target = max(k, 0.5)
    centre = (math.log(target / mu) + sigma2 / 2.0) / s
    width = 1.0 / (s * math.sqrt(target))
    lo = max(-9.0, centre - 10.0 * width)
    hi = min(9.0, centre + 10.0 * width)
    if hi <= lo:
        hi = lo + 1e-9
    steps = 32
    h = (hi - lo) / steps
    total = 0.0
    for i in range(steps + 1):
        z = lo + i * h
        rate = mu * math.exp(s * z - sigma2 / 2.0)
        tail = poisson_sf(k, rate) if upper else poisson_cdf(k, rate)
        weight = 1 if i in (0, steps) else (4 if i % 2 else 2)
        total += weight * tail * math.exp(-0.5 * z * z) / _SQRT2PI
    inside = total * h / 3.0
    # Beyond hi the rate is far above k: the upper tail is 1, the lower one 0; below lo the
    # reverse.
    return inside + (_normal_sf(hi) if upper else _normal_sf(-lo))


def lognormal_sf(k: float, mu: float, alpha: float) -> float:
    """P(X >= k) for a Poisson whose rate is log-normal around ``mu`` with variance ``alpha mu^2``.

    Same mean and variance as the negative binomial with dispersion ``alpha``, but the rate's
    multiplicative noise has a log-normal, not a gamma, tail: much heavier far out, as bursts
    of mentions are.
    """
    if alpha < POISSON_BELOW:
        return poisson_sf(k, mu)
    n = math.ceil(k)
    if n <= 0:
        return 1.0
    if mu <= 0.0:
        return 0.0
    return min(1.0, max(0.0, _lognormal_mix(n, mu, math.log1p(alpha), upper=True)))


def lognormal_cdf(k: float, mu: float, alpha: float) -> float:
    """P(X <= k) for the Poisson log-normal of :func:`lognormal_sf`."""
    if alpha < POISSON_BELOW:
        return poisson_cdf(k, mu)
    n = math.floor(k)
    if n < 0:
        return 0.0
    if mu <= 0.0:
        return 1.0
    return min(1.0, max(0.0, _lognormal_mix(n, mu, math.log1p(alpha), upper=False)))
