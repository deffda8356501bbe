"""Targeting prevention as services do it: assessment with error, offers declined, and queues.

Each quarter an agency with prevention money in a duty domain d (docs/ODD.md 7.20):

1. sees need through assessment with error: observed need = need + sd_a * z_id, with z drawn
   for every citizen and domain every quarter from the targeting stream;
2. refers as many citizens as its money buys (prevention and assessment cost each): first those
   waiting in its queue, in order of arrival, then new citizens whose observed need is in the
   prevention window (observed need in [prevention, crisis threshold), true need below the
   crisis threshold, and not in crisis this quarter: a citizen in crisis is met by the crisis
   response, even once it has stabilised them), highest observed first;
3. offers a place to as many as it has slots this quarter (`prevention_slots_per_quarter`,
   residents, divided by the citizens' weight; as many as it refers if not set); the rest wait,
   and leave the queue after `max_wait_quarters` or when they reach crisis while waiting;
4. an offer is taken up when the citizen's take-up draw this quarter is below the domain's
   `take_up`; a declined offer costs its assessment and the citizen leaves.

With no error, unlimited slots and full take-up this is the silo targeting of earlier versions,
the citizens closest to crisis first and every offer taken, except that citizens in crisis this
quarter (stabilised back into the window by the acute response) are no longer referred.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.population import Population


def observed_need(population: Population, row: int, error_sd: float) -> np.ndarray:
    """[N] need in one domain as an assessment sees it this quarter."""
    need = population.needs[row]
    if error_sd <= 0:
        return need
    return need + np.float32(error_sd) * population.assessment_error[row]


def observed_needs(population: Population, citizens: np.ndarray | None, error_sd: float) -> np.ndarray:
    """[D, k] every need of `citizens` (None: of everyone, without a copy when there is no error)
    as an assessment sees it this quarter."""
    if citizens is None:
        if error_sd <= 0:
            return population.needs
        return population.needs + np.float32(error_sd) * population.assessment_error
    needs = population.needs[:, citizens]
    if error_sd <= 0:
        return needs
    return needs + np.float32(error_sd) * population.assessment_error[:, citizens]


def highest_first(score: np.ndarray, at_most: int) -> np.ndarray:
    """Positions of the `at_most` largest scores, largest first (argpartition, then a sort of those only)."""
    if at_most <= 0:
        return np.arange(0)
    if score.size > at_most:
        top = np.argpartition(score, score.size - at_most)[score.size - at_most :]
    else:
        top = np.arange(score.size)
    return top[np.argsort(-score[top], kind="stable")]


def takes_up(population: Population, citizens: np.ndarray, take_up: float) -> np.ndarray:
    """[k] bool: which of `citizens` take up an offer made this quarter."""
    if take_up >= 1.0:
        return np.ones(citizens.size, dtype=bool)
    return population.take_up_draw[citizens] < take_up


@dataclass(frozen=True)
class Referrals:
    """One agency's prevention in one domain this quarter."""

    assessed: np.ndarray  # citizens contacted: new referrals and those offered from the queue
    treated: np.ndarray  # offered and taken up
    waited_quarters: np.ndarray  # per treated citizen: quarters spent in the queue (0 = at once)
    declined: int
    crises_while_waiting: int
    left_queue_unserved: int  # waited `max_wait_quarters` and gave up

    @property
    def offered(self) -> int:
        return self.treated.size + self.declined


class PreventionService:
    """One agency's prevention in one domain: its slots and its queue (citizen ids with the step they joined)."""

    def __init__(self, slots_per_quarter: float | None, max_wait_quarters: int):
        self.slots = slots_per_quarter
        self.max_wait = max_wait_quarters
        self.queue = np.zeros(0, dtype=np.int64)
        self.joined = np.zeros(0, dtype=np.int64)
        self.slot_credit = 0.0

    @property
    def waiting(self) -> int:
        return int(self.queue.size)

    def serve(
        self,
        population: Population,
        row: int,
        error_sd: float,
        take_up: float,
        affordable: int,
        step: int,
        crises_now: np.ndarray | None = None,
    ) -> Referrals:
        """Refer, offer and treat for this quarter (the module docstring's steps 1-4).

        `step` counts quarters (warm-up's too), so waits are measured in quarters spent waiting.
        `crises_now` marks the citizens in crisis this quarter (the crisis report's mask): prevention
        runs after the acute response has stabilised them, so their need alone may no longer show it.
        """
        if crises_now is None:
            crises_now = population.needs[row] >= population.crisis_threshold[row]
        in_crisis = crises_now[self.queue]
        too_long = (step - self.joined) > self.max_wait
        crises_while_waiting = int(in_crisis.sum())
        gave_up = int((too_long & ~in_crisis).sum())
        keep = ~(in_crisis | too_long)
        queue, joined = self.queue[keep], self.joined[keep]

        from_queue = min(queue.size, max(affordable, 0))
        new = self.new_referrals(population, row, error_sd, affordable - from_queue, queue, crises_now)
        referred = np.concatenate([queue[:from_queue], new])
        since = np.concatenate([joined[:from_queue], np.full(new.size, step, dtype=np.int64)])
        slots = min(referred.size, self.slots_this_quarter(population.weight, referred.size))
        offered, offered_since = referred[:slots], since[:slots]
        new_waiting = slice(max(0, slots - from_queue), None)
        # the queue keeps its order of arrival: those referred again but not offered, those not
        # referred again (money ran out), then this quarter's new referrals
        self.queue = np.concatenate([queue[min(slots, from_queue) :], new[new_waiting]])
        self.joined = np.concatenate([joined[min(slots, from_queue) :], since[from_queue:][new_waiting]])

        accepted = takes_up(population, offered, take_up)
        return Referrals(
            assessed=np.concatenate([offered, new[new_waiting]]),  # new referrals are assessed, waiting or not
            treated=offered[accepted],
            waited_quarters=(step - offered_since)[accepted],
            declined=int((~accepted).sum()),
            crises_while_waiting=crises_while_waiting,
            left_queue_unserved=gave_up,
        )

    def slots_this_quarter(self, weight: float, wanted: int) -> int:
        """Places this quarter in simulated citizens: `slots / weight`, its fraction carried to the
        next quarter so that small samples are not biased down by rounding (places unused this
        quarter are not carried: staff time does not keep)."""
        if self.slots is None:
            return wanted
        self.slot_credit += self.slots / weight
        places = int(self.slot_credit)
        self.slot_credit -= places
        return places

    def new_referrals(
        self,
        population: Population,
        row: int,
        error_sd: float,
        at_most: int,
        already_waiting: np.ndarray,
        crises_now: np.ndarray,
    ) -> np.ndarray:
        """Up to `at_most` citizens not yet waiting and not in crisis this quarter whose observed need
        is in the prevention window, highest first."""
        if at_most <= 0:
            return np.zeros(0, dtype=np.int64)
        seen = observed_need(population, row, error_sd)
        window = (seen >= population.prevention_threshold[row]) & (seen < population.crisis_threshold[row])
        window &= ~crises_now
        if error_sd > 0:
            window &= population.needs[row] < population.crisis_threshold[row]
        window[already_waiting] = False
        eligible = np.flatnonzero(window)
        return eligible[highest_first(seen[eligible], at_most)]
