"""Crisis events: how many times a citizen in crisis presents to services in a quarter.

A citizen whose need n in domain d is at or above the crisis threshold c_d has

    E = 1 + K,   K ~ Poisson(lambda),   lambda = repeat_rate_d * f_id * (n / c_d) ** severity_elasticity_d

crisis events that quarter (admissions, incidents, placements: what a unit cost prices). f_id is
the citizen's frailty in the domain, drawn once from Gamma(k_d, 1/k_d) (mean 1, variance 1/k_d)
and kept for life: a small k makes a few citizens generate most repeat events, as the
concentration rows of data/published_figures.csv show (persistent offenders, frequent A&E
attenders). Concentration is not imposed: it emerges from frailty, from need persisting above the
threshold quarter after quarter, and from the hazard rising with need (docs/ODD.md 7.18).

K is drawn by inverting the Poisson distribution function at a uniform drawn every quarter for
every citizen and domain from the events stream, whether or not the citizen is in crisis, so a
citizen in crisis under two policies run with one seed gets the same draw, and the same events
where its need is the same (common random numbers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.scenario.schema import Domain, Scenario

EVENT_DTYPE = np.uint16
MAX_EVENTS = 1000  # per citizen, domain and quarter: a cap, reached only by hazards far beyond any published pattern
LARGE_RATE = 500.0  # above this exp(-rate) nears underflow: such rates take scipy's quantile instead


def draw_frailty(scenario: Scenario, n_citizens: int, rng: np.random.Generator) -> np.ndarray:
    """Frailty [D, N] (float32): Gamma(k, 1/k) per domain with a frailty shape, 1 elsewhere."""
    frailty = np.ones((len(scenario.domains), n_citizens), dtype=np.float32)
    for row, domain in enumerate(scenario.domains.values()):
        shape = domain.events.frailty_shape
        if shape is not None:
            frailty[row] = rng.gamma(shape, 1.0 / shape, size=n_citizens)
    return frailty


def poisson_quantile(uniform: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """The Poisson(rate) quantile at `uniform`: the smallest k with P(K <= k) >= u, elementwise.

    The distribution function is accumulated term by term for the citizens not yet placed, so the
    work is the number of events drawn, not a table over every possible count. A rate above
    LARGE_RATE (where the first term would underflow) takes scipy's Poisson quantile.
    """
    large = rate > LARGE_RATE
    if large.any():
        from scipy.stats import poisson  # rare: imported only when needed (scipy.stats is slow to import)

        counts = np.zeros(uniform.shape, dtype=np.int64)
        counts[large] = poisson.ppf(uniform[large], rate[large]).astype(np.int64)
        counts[~large] = poisson_quantile(uniform[~large], rate[~large])
        return counts
    counts = np.zeros(uniform.shape, dtype=np.int64)
    term = np.exp(-rate.astype(np.float64))
    cumulative = term.copy()
    open_ = np.flatnonzero(uniform > cumulative)
    k = 0
    while open_.size and k < MAX_EVENTS:
        k += 1
        term[open_] *= rate[open_] / k
        cumulative[open_] += term[open_]
        counts[open_] = k
        open_ = open_[uniform[open_] > cumulative[open_]]
    return counts


def repeat_rate(need: np.ndarray, frailty: np.ndarray, repeat: float, threshold: float, elasticity: float) -> np.ndarray:
    """lambda of the module docstring, for citizens in crisis (need at or above the threshold)."""
    severity = need.astype(np.float64) / threshold
    return repeat * frailty * (severity if elasticity == 1.0 else severity**elasticity)


def crisis_events(
    need: np.ndarray, in_crisis: np.ndarray, frailty: np.ndarray, uniform: np.ndarray, domain: Domain, threshold: float
) -> np.ndarray:
    """Events [N] (uint16) of one domain this quarter: 1 + K for citizens in crisis, 0 elsewhere."""
    return crisis_events_by_domain([need], [in_crisis], [frailty], [uniform], [domain], [threshold])[0]


def crisis_events_by_domain(
    needs: Sequence[np.ndarray],
    in_crisis: Sequence[np.ndarray],
    frailty: Sequence[np.ndarray],
    uniforms: Sequence[np.ndarray],
    domains: Sequence[Domain],
    thresholds: Sequence[float],
) -> list[np.ndarray]:
    """Events [N] (uint16) of every domain this quarter, as `crisis_events` gives them domain by domain.

    The Poisson inversion is elementwise, so the citizens in crisis in every domain go through it
    together: the same counts, with one loop over k in a quarter rather than one per domain (at a
    small population most of a quarter's time is the number of numpy calls, not their size).
    """
    events = [mask.astype(EVENT_DTYPE) for mask in in_crisis]
    pending = []  # (row, citizens in crisis, their rates)
    for row, domain in enumerate(domains):
        settings = domain.events
        if settings.repeat_rate <= 0:
            continue
        citizens = np.flatnonzero(in_crisis[row])
        if citizens.size == 0:
            continue
        rate = repeat_rate(
            needs[row][citizens], frailty[row][citizens], settings.repeat_rate, thresholds[row], settings.severity_elasticity
        )
        pending.append((row, citizens, rate))
    if not pending:
        return events
    repeats = poisson_quantile(
        np.concatenate([uniforms[row][citizens] for row, citizens, _ in pending]),
        np.concatenate([rate for _, _, rate in pending]),
    )
    start = 0
    for row, citizens, _ in pending:
        stop = start + citizens.size
        events[row][citizens] += np.minimum(repeats[start:stop], MAX_EVENTS).astype(EVENT_DTYPE)
        start = stop
    return events
