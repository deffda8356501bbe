"""Targeting prevention as services do it: assessment with error, offers declined, and queues.

Each quarter an agency with prevention money in a duty domain d (docs/ODD.md 7.20):

1. sees need through assessment with error: observed need = need + sd_a * z_id, with z drawn
   for every citizen and domain every quarter from the targeting stream;
2. has places for T = min(A, S) treatments: A what its money buys (prevention and assessment
   cost each), S its slots this quarter (`prevention_slots_per_quarter`, residents, divided by
   the citizens' weight; S = A if not set);
3. lists citizens: first those waiting in its queue, in order of arrival, then new citizens
   whose observed need is in the prevention window (observed need in [prevention, crisis
   threshold)) and who are not in crisis this quarter (a citizen in crisis is met by the crisis
   response, even once it has stabilised them), highest observed first, as many as it expects
   to need (`offers_for`);
4. offers places down the list until T have been taken up: an offer is taken up when the
   citizen's take-up draw this quarter is below the domain's `take_up`; a declined offer costs
   its assessment and the citizen leaves. When the slots bind (S < A), the new citizens the
   money would have treated wait in the queue (about (A - T) / take_up of them), and leave it
   after `max_wait_quarters` or when they are in crisis while waiting.

With no error, unlimited slots and full take-up this is the silo targeting of earlier versions,
the citizens closest to crisis first and every offer taken, except that citizens in crisis this
quarter (stabilised back into the window by the acute response) are no longer referred.
"""

from __future__ import annotations

import math
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


def offers_for(treatments: int, take_up: float) -> int:
    """Offers to line up for `treatments` acceptances: the expected number, `treatments / take_up`,
    with four standard deviations to spare, so a service rarely runs out of people to offer to."""
    if treatments <= 0:
        return 0
    if take_up >= 1.0 or take_up <= 0.0:
        return treatments
    spare = 4.0 * math.sqrt(treatments * (1.0 - take_up)) + 4.0
    return math.ceil((treatments + spare) / take_up)


def offers_until(accepts: np.ndarray, places: int) -> int:
    """How many of the listed citizens are offered a place: in order, until `places` have accepted."""
    if places <= 0 or accepts.size == 0:
        return 0
    acceptances = np.flatnonzero(accepts)
    if acceptances.size < places:  # every listed citizen is offered, and places are left over
        return int(accepts.size)
    return int(acceptances[places - 1]) + 1  # up to the offer that fills the last place


def offers_affordable(accepts: np.ndarray, budget: float, offer_cost: float, treatment_cost: float) -> int:
    """How many of the listed are offered when every offer costs `offer_cost` (its assessment) and
    every acceptance `treatment_cost` too: in order, while the money lasts."""
    if accepts.size == 0:
        return 0
    spent = offer_cost * np.arange(1, accepts.size + 1) + treatment_cost * np.cumsum(accepts)
    return int(np.searchsorted(spent, budget * (1 + 1e-12), side="right"))


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


NOTHING = np.zeros(0, dtype=np.int64)
NO_REFERRALS = Referrals(NOTHING, NOTHING, NOTHING, 0, 0, 0)  # a quarter in which a service did not run


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
        queue, joined, crises_while_waiting, gave_up = self.leave_queue(crises_now, step)
        slots = self.slots_this_quarter(population.weight, affordable)
        places = max(0, min(affordable, slots))  # treatments this quarter: money and staff both bind
        new = self.new_referrals(
            population, row, error_sd, offers_for(affordable, take_up) - queue.size, queue, crises_now
        )
        if queue.size:  # the queue in order of arrival, then the new, highest first
            listed = np.concatenate([queue, new])
            since = np.concatenate([joined, np.full(new.size, step, dtype=np.int64)])
        else:
            listed, since = new, np.full(new.size, step, dtype=np.int64)
        accepts = takes_up(population, listed, take_up)
        offered_count = offers_until(accepts, places)
        offered, offered_since, accepted = listed[:offered_count], since[:offered_count], accepts[:offered_count]
        # new referrals the money would treat but the places cannot wait for a place; the queue
        # keeps those it did not reach, in order
        if slots < affordable:
            unreached_new = new[max(0, offered_count - queue.size) :]
            waiting_new = unreached_new[: offers_for(affordable - places, take_up)]
        else:
            waiting_new = NOTHING
        self.queue = np.concatenate([queue[offered_count:], waiting_new])
        self.joined = np.concatenate([joined[offered_count:], np.full(waiting_new.size, step, dtype=np.int64)])
        treated = offered[accepted]
        return Referrals(
            assessed=np.concatenate([offered, waiting_new]) if waiting_new.size else offered,
            treated=treated,
            waited_quarters=(step - offered_since)[accepted],
            declined=offered_count - treated.size,
            crises_while_waiting=crises_while_waiting,
            left_queue_unserved=gave_up,
        )

    def leave_queue(self, crises_now: np.ndarray, step: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        """(queue, joined) after those in crisis (who left for the crisis response) and those who
        waited longer than `max_wait` have left, with the counts of each."""
        if self.queue.size == 0:
            return self.queue, self.joined, 0, 0
        in_crisis = crises_now[self.queue]
        too_long = (step - self.joined) > self.max_wait
        crises_while_waiting = int(np.count_nonzero(in_crisis))
        gave_up = int(np.count_nonzero(too_long & ~in_crisis))
        keep = ~(in_crisis | too_long)
        return self.queue[keep], self.joined[keep], crises_while_waiting, gave_up

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
        window &= ~crises_now  # true need at or above the threshold is a crisis this quarter: never referred
        if already_waiting.size:
            window[already_waiting] = False
        eligible = np.flatnonzero(window)
        return eligible[highest_first(seen[eligible], at_most)]
