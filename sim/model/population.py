"""Citizens as a struct of arrays: correlated initial needs and the per-step need dynamics.

Needs are stored domain-major, `needs[D, N]` (float32), so that everything done per domain
(thresholds, crisis response, prevention) reads one contiguous row. `needs_by_citizen` gives
the `[N, D]` view the design brief speaks of. The dynamics are linear before clipping:

    n[t+1] = clip(A @ n[t] + recovery * b + drift + sd * eps, 0, 1),   A = diag(1 - recovery) + C^T

where b is the citizen's baseline (its initial draw), C[s, t] is the cascade from source domain
s to target domain t and eps ~ N(0, 1). `recovery * b + drift` is the baseline pull (`pull`),
fixed per citizen: need relaxes towards the baseline, not towards 0, so every intervention's
effect decays. Interventions act between steps: after crisis detection the acute response
(`stabilise` in crises.py) removes `acute_effect` of the need of every citizen in crisis, and
prevention and pool packages remove their effect from the citizens they treat. See docs/ODD.md
7.1 and 7.4.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import special

from sim.model.events import EVENT_DTYPE, draw_frailty
from sim.model.households import draw_household_ids
from sim.scenario.schema import Scenario

NEED_DTYPE = np.float32


def cascade_matrix(scenario: Scenario) -> np.ndarray:
    """C[s, t]: extra need growth in target t per unit of need in source s, per step."""
    names = scenario.domain_names
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(names), len(names)), dtype=np.float64)
    for source, targets in scenario.population.cascades.items():
        for target, strength in targets.items():
            matrix[index[source], index[target]] = strength
    return matrix


def transition_matrix(scenario: Scenario) -> np.ndarray:
    """A = diag(1 - recovery) + C^T, so that the noiseless, unclipped step is n' = A n + drift."""
    recovery = np.array([d.recovery for d in scenario.domains.values()])
    return np.diag(1.0 - recovery) + cascade_matrix(scenario).T


QUANTILE_GRID = np.linspace(-8.5, 8.5, 4097)


@functools.lru_cache(maxsize=256)
def beta_quantile_of_normal(alpha: float, beta: float) -> np.ndarray:
    """Beta(alpha, beta) quantiles at Phi(QUANTILE_GRID): a lookup table for the copula (read-only).

    Interpolating in this table is O(N) and ~50x faster than calling the Beta quantile for a
    million citizens; the error is below 1e-5 in need (tests/model/test_population.py checks it).
    The table costs about 2.5 ms a domain whatever N, most of a small run's population draw, so
    it is kept for the next run of a sweep or calibration with the same marginals.
    """
    table = special.betaincinv(alpha, beta, special.ndtr(QUANTILE_GRID))
    table.flags.writeable = False
    return table


def draw_initial_needs(
    scenario: Scenario,
    n_citizens: int,
    rng: np.random.Generator,
    household: np.ndarray | None = None,
    household_rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Needs [D, N] from a Gaussian copula (equicorrelation rho) with Beta marginals.

    A shared latent factor makes needs co-occur, so that a small minority carries many needs at
    once, as the Total Place counts and the Troubled Families figures found. With households, a
    share h of that factor is the household's (households.py), so members' needs correlate too;
    the household factors come from `household_rng`, so households never re-draw the rest.
    """
    domains = list(scenario.domains.values())
    rho = scenario.population.copula_correlation
    settings = scenario.population.households
    shared = settings.correlation if settings is not None and household is not None else 0.0
    common = rng.standard_normal(n_citizens)
    if shared > 0:
        shared_factor = (household_rng or rng).standard_normal(household.max() + 1)[household]
        common = np.sqrt((rho - shared) / rho) * common + np.sqrt(shared / rho) * shared_factor
    needs = np.empty((len(domains), n_citizens), dtype=NEED_DTYPE)
    for row, domain in enumerate(domains):
        latent = np.sqrt(rho) * common + np.sqrt(1.0 - rho) * rng.standard_normal(n_citizens)
        alpha = domain.initial_mean * domain.initial_concentration
        beta = (1.0 - domain.initial_mean) * domain.initial_concentration
        needs[row] = np.interp(latent, QUANTILE_GRID, beta_quantile_of_normal(alpha, beta))
    return needs


class Population:
    """The citizens of a place: households, need state, thresholds, frailty, per-citizen history,
    and their dynamics.

    Each simulated citizen stands for `weight` real residents; money and counts reported at
    place scale multiply by it. `rng` (the population stream) spawns three children of its own:
    households, events (frailty and each quarter's event draws) and targeting (each quarter's
    assessment errors and take-up draws), so adding a mechanism never re-draws the others.
    """

    def __init__(self, scenario: Scenario, n_citizens: int, rng: np.random.Generator):
        domains = list(scenario.domains.values())
        self.rng = rng
        household_rng, self.event_rng, self.targeting_rng = rng.spawn(3)
        self.weight = scenario.place.population / n_citizens
        self.household = draw_household_ids(scenario.population.households, n_citizens, household_rng)
        self.needs = draw_initial_needs(scenario, n_citizens, rng, self.household, household_rng)
        self.transition = transition_matrix(scenario).astype(NEED_DTYPE)
        drift = np.array([d.drift for d in domains], dtype=NEED_DTYPE)[:, None]
        recovery = np.array([d.recovery for d in domains], dtype=NEED_DTYPE)[:, None]
        # recovery * b + drift is fixed per citizen: the part of a step that does not depend on n
        self.pull = recovery * self.needs + drift
        self.noise_sd = np.array([d.noise_sd for d in domains], dtype=NEED_DTYPE)[:, None]
        self.prevention_threshold = np.array([d.prevention_threshold for d in domains], dtype=NEED_DTYPE)
        self.crisis_threshold = np.array([d.crisis_threshold for d in domains], dtype=NEED_DTYPE)
        self.crisis_episodes = np.zeros(n_citizens, dtype=np.uint16)
        self.frailty = draw_frailty(scenario, n_citizens, self.event_rng)
        self.draws_events = any(d.events.repeat_rate > 0 for d in domains)
        self.draws_assessment_error = scenario.policy.pool.assessment_error_sd > 0 or any(
            a.assessment_error_sd > 0 for a in scenario.agencies.values()
        )
        self.draws_take_up = scenario.policy.pool.take_up < 1 or any(d.take_up < 1 for d in domains)
        # this quarter's draws, for every citizen whatever the policy (common random numbers), in every
        # scenario whose agencies or pool could use them: a scenario that sets no assessment error
        # and full take-up anywhere draws none
        self.event_draw = np.zeros(self.needs.shape, dtype=NEED_DTYPE)
        self.assessment_error = np.zeros(self.needs.shape, dtype=NEED_DTYPE)
        self.take_up_draw = np.zeros(n_citizens, dtype=NEED_DTYPE)
        # this year's crisis events and cost at full unit cost per citizen (households.py, concentration.py)
        self.events_this_year = np.zeros(self.needs.shape, dtype=EVENT_DTYPE)
        self.cost_this_year = np.zeros(n_citizens, dtype=np.float64)
        # which agencies a citizen's crisis reaches: an agency holding share s of a domain's duty
        # meets the crises of citizens whose draw is below s (the lead agency meets nearly all)
        self.contact_draw = rng.random(n_citizens, dtype=NEED_DTYPE)
        self._next = np.empty_like(self.needs)
        self._noise = np.empty_like(self.needs)

    @property
    def last_noise(self) -> np.ndarray:
        """[D, N] the shocks of the last `evolve` (sd-scaled): counterfactuals take the same ones."""
        return self._noise

    @property
    def size(self) -> int:
        return self.needs.shape[1]

    @property
    def needs_by_citizen(self) -> np.ndarray:
        """The `[N, D]` view of needs (no copy)."""
        return self.needs.T

    def evolve(self) -> None:
        """One quarter of drift, cascades, recovery towards the baseline and noise, clipped to [0, 1].

        The noise is drawn for every citizen and domain every step, whatever the policy, so two
        scenarios run with one seed face the same shocks (common random numbers).
        """
        np.matmul(self.transition, self.needs, out=self._next)
        self.rng.standard_normal(out=self._noise, dtype=NEED_DTYPE)
        self._noise *= self.noise_sd
        self._next += self._noise
        self._next += self.pull
        np.clip(self._next, 0.0, 1.0, out=self._next)
        self.needs, self._next = self._next, self.needs

    def draw_quarter(self) -> None:
        """This quarter's event, assessment-error and take-up draws, each from its own stream."""
        if self.draws_events:
            self.event_rng.random(out=self.event_draw, dtype=NEED_DTYPE)
        if self.draws_assessment_error:
            self.targeting_rng.standard_normal(out=self.assessment_error, dtype=NEED_DTYPE)
        if self.draws_take_up:
            self.targeting_rng.random(out=self.take_up_draw, dtype=NEED_DTYPE)

    def new_year(self) -> None:
        """Forget last year's events and costs."""
        self.events_this_year.fill(0)
        self.cost_this_year.fill(0.0)

    def crisis_mask(self, domain: int) -> np.ndarray:
        """Citizens in crisis in one domain: need at or above the crisis threshold."""
        return self.needs[domain] >= self.crisis_threshold[domain]

    def prevention_window(self, domain: int) -> np.ndarray:
        """Citizens in the prevention window of one domain: at risk, not yet in crisis."""
        row = self.needs[domain]
        return (row >= self.prevention_threshold[domain]) & (row < self.crisis_threshold[domain])

    def reduce_need(self, domain: int, citizens: np.ndarray, share: float) -> None:
        """Remove `share` of the need of `citizens` (indices or mask) in one domain.

        A mask is applied in place (`where=`), without gathering and scattering the citizens it selects.
        """
        row = self.needs[domain]
        factor = NEED_DTYPE(1.0 - share)
        if citizens.dtype == bool:
            np.multiply(row, factor, out=row, where=citizens)
        else:
            row[citizens] *= factor
