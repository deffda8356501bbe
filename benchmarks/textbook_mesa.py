"""placesim's silo services written the way Mesa tutorials teach: one `mesa.Agent` per citizen.

This is a reference for students and the benchmark's comparator, not part of the product. It runs
the same place as placesim (a `Scenario` from `sim.scenario.load_scenario`) with the same
mechanics, but each citizen is a Python object that steps itself, agencies are agents that loop
over citizens through `AgentSet` verbs (`select`, `sort`, `do`, `shuffle_do`), money is plain
numbers in each agency's pockets, and all randomness comes from Mesa's `model.rng`. Comparing it
with placesim shows what holding citizens as arrays buys (benchmarks/run.py) and checks that the
arrays compute the same model (tests/benchmarks/test_textbook_agrees.py).

Each citizen is born into a household (sizes drawn from `population.households.size_shares`,
households filled one after another, the last cut to fit), draws its baseline needs from a
Gaussian copula with Beta marginals, `z_d = sqrt(rho - h) own + sqrt(h) household + sqrt(1 - rho)
eps_d` (rho the copula correlation, h the household's share, `household` one draw per household),
so a household's members share h of their latent need, and draws its frailty in each domain with
a `frailty_shape` k from Gamma(k, 1/k) (mean 1), kept for life.

What it models, each quarter, in placesim's order:

1. the year (its first quarter): the budget changes by `settlement.path` or `budget_growth`,
   in-year spending controls lift, capacity moves towards `(1 + headroom)` x the mean demand of
   the last four quarters (lags, rates, floor and step size as capacity.py; no growth for a body
   that ended last year under controls; the exit cost falls due), and the fixed base is planned
   as what the budget leaves after expected capacity, crisis and assessment costs and the
   contingency, between `fixed_base_floor_share` of its settled size and that size;
2. income: a quarter of the budget; the fixed base is paid first (less `fixed_base_cuttable_share`
   of it under controls), the ring-fenced share of the rest goes into the ring-fenced lines, the
   remainder is flexible; then the fixed cost `(1 - v) K` of each capacity line, from its acute
   line first, and any exit cost due;
3. needs: every citizen evolves its own needs,
   `n <- clip(A @ n + recovery * baseline + drift + noise_sd * eps, 0, 1)`,
   with `A = diag(1 - recovery) + C^T` (C the cascades) and `baseline` its initial needs; it
   also draws what assessments will see of it this quarter (an error per domain) and whether it
   would take up an offer of help (one draw for all its offers);
4. crises: a citizen whose need n reaches the crisis threshold c is in crisis and has
   `1 + Poisson(repeat_rate x frailty x (n / c) ^ severity_elasticity)` crisis events, drawn by
   the citizen itself, with its own frailty in that domain; demand is
   `unit_cost / reference_severity x events x n x weight`, shared by statutory duty. A
   demand-led domain (benefits) is paid by the centre as it arises; elsewhere an agency pays
   `v min(D, K)` plus `(D - K)+` spot plus `p (D - K)+` premium, as statutory payments: acute
   line, flexible money down to the floor of its budget rule, reserves, then support from the
   centre (`control_total`) or rationing (`balanced`, `cash_limited`). Running out starts
   controls. The lead agency (largest share) meets every crisis there, another duty-holder with
   share s those whose contact draw is below s;
5. the acute response removes `acute_effect` of the need of every crisis served: where the lead
   agency rationed a share of its bill, that share of the domain's cost (need x events), least
   costly crises first, is not served;
6. prevention: each agency, in the scenario's order, spends its prevention lines plus
   `min(prevention_share x flexible income, discretionary money - the largest of its last four
   quarters' assessment bills)` (discretionary: flexible money above 0, nothing under controls)
   in each of its own domains, as a caseworker would, on the A treatments that buys (prevention
   and assessment cost each; with A = 0 the queue is still kept up): a citizen waiting in its
   queue for that domain leaves it if in crisis there this quarter or after waiting more than
   `max_wait_quarters` (quarters of warm-up count); its places this quarter are
   `prevention_slots_per_quarter` / weight, the fraction carried to the next quarter (A if not
   set), and it treats at most T = min(A, places); it lists the queue in order of arrival, then
   citizens not waiting and not in crisis this quarter whose need as its assessment sees it
   (need + `assessment_error_sd` x the citizen's error) is in the prevention window, highest
   seen first, as many as A acceptances need (`offers_for`); it offers places down the list
   until T are taken up (a citizen takes one up when its take-up draw is below the domain's
   `take_up`, else it declines and goes); when places are fewer than A, the new citizens it did
   not reach that the money would have treated (`offers_for(A - T)` of them) join the back of
   the queue. It pays for those treated;
7. assessments: each agency pays one assessment per citizen it met (crises it met, offers it
   made, and citizens who joined its queues); a citizen met by k agencies costs k assessments, of
   which k - 1 are booked as duplicated (waste), unless the policy has integrated case
   management;
8. the year end (its last quarter): unspent ring-fenced lines go back to the centre (unless
   carried forward), a yearly instalment of the support owed to the centre (the debt when last
   increased over `repayment_years`) is repaid from any surplus, and the rest of the
   surplus follows the agency's savings rule (clawback, retain to a reserve cap, reinvest);
   and in each domain the share of the year's crisis events made by the 9% of its users (citizens
   with any event that year) with most is reported.

Before step 1, `warmup_steps` quarters run steps 2-7 under `run.warmup_policy` (else the
scenario's policy), as placesim does: capacity follows demand (every crisis is paid at full cost,
as a committed payment, and none is rationed), no capacity cost is charged, and after each
quarter the fixed base is set to the budget less four times the mean need-related spend of the
last (up to) four quarters and the contingency. Controls started in a warm-up quarter are lifted
at the start of the next. At its end each capacity line is sized to `(1 + headroom)` x its mean
demand of the last four quarters and the fixed base is reduced by the headroom's fixed cost.
Then the books open afresh under the scenario's own policy (empty pockets, opening reserves, no
controls, nothing owed), and counting starts; the prevention queues carry over.

The yearly settlement is in because it changes outcomes within three years: in placesim at 1500
citizens, capacity moved at the start of year 2 or 3 in 19 of 20 seeds, and with the year end
left out (`close_year` a no-op) needs and crises differed in every seed, because the year-end
sweep of flexible surpluses changes the money that prevention and rationing depend on.
Rationing is in because it happens at flat budgets: placesim left statutory demand unmet in 19
of those 20 runs. (Each of these moves the outcomes run for run by less than their spread over
seeds: see tests/benchmarks/test_textbook_agrees.py for what its test can and cannot see.)

What it leaves out, on purpose:

- the pool: this model is silo only. It refuses a scenario whose `policy.pool.rule` is not
  `silo`; there are no pool contributions, packages or gain-share (warm-up runs none either);
- learning: collaboration tendency and trust change only what agencies pay into a pool, so in
  the silo regime they do not change any outcome reported here, and they are not modelled;
- the ledger: pockets are plain numbers on each agency, and spend is tallied per step instead of
  booked as double-entry flows, so conservation is not proved here (placesim's ledger does it);
  section 114 notices, idle capacity, utilisation, reserves and the other money measures are not
  reported, though the controls and reserves behind them are modelled;
- the behaviour measures that act only with a pool or change only collaboration: silo targets,
  members' observed savings, business-case claims and deadweight counterfactuals are not
  modelled; of the yearly statistics only one is reported, the share of a year's events made by
  the 9% of users with most (`concentration`, category `top_9pct_users_event_share`), not the
  other concentration statistics or families with multiple problems;
- numbers: needs are float64 (placesim: float32) and initial needs use the exact Beta quantile
  (placesim: a lookup table accurate to 1e-5). Random draws differ from placesim's, so the two
  engines agree in distribution over seeds, not run for run.

Run it (from the repository root):

    .venv/bin/python -m benchmarks.textbook_mesa --citizens 2000 --steps 12 --seed 1
"""

from __future__ import annotations

import argparse
import math
from collections import Counter, defaultdict, deque
from pathlib import Path

import mesa
from mesa.agent import AgentSet
import numpy as np
import pandas as pd
from scipy import special

from sim.model.outputs import ACUTE_CATEGORIES
from sim.scenario import load_scenario
from sim.scenario.schema import BudgetRule, Capacity, Policy, PoolRule, SavingsRule, Scenario

STEPS_PER_YEAR = 4
DEMAND_MEMORY_QUARTERS = 4
SPEND_CATEGORIES = (
    "fixed_cost", *ACUTE_CATEGORIES, "decommissioning", "prevention", "assessment", "duplicated_assessment",
)  # fmt: skip
DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "total_place_pilot.yaml"
# kinds of payment (placesim's budget_rules.py): committed is always paid, statutory may be
# rationed, discretionary comes only from flexible money above 0 and never under controls
COMMITTED, STATUTORY, DISCRETIONARY = "committed", "statutory", "discretionary"


class Household:
    """People who live together: they share one draw of the copula's common factor."""

    def __init__(self, shared_factor: float):
        self.shared_factor = shared_factor


class Citizen(mesa.Agent):
    """One resident standing for `model.weight` real people, with a household, a need and a
    frailty in every domain."""

    model: TextbookPlace

    def __init__(self, model: TextbookPlace, household: Household):
        super().__init__(model)
        self.household = household
        self.baseline = self.draw_baseline_needs()
        self.needs = self.baseline.copy()
        # recovery pulls needs back towards the baseline: this part of a step never changes
        self.pull = model.recovery * self.baseline + model.drift
        # a duty-holder that is not a domain's lead, with share s, meets this citizen's crises there if this draw < s
        self.contact_draw = self.rng.random()
        self.frailty = np.array([1.0 if k is None else self.rng.gamma(k, 1.0 / k) for k in model.frailty_shape])
        domains = len(self.needs)
        self.in_crisis = np.zeros(domains, dtype=bool)
        self.events = np.zeros(domains, dtype=np.int64)  # crisis events this quarter
        self.events_this_year = np.zeros(domains, dtype=np.int64)  # reset when a year opens
        self.assessment_error = np.zeros(domains)  # what an assessment sees this quarter: need + sd x error
        self.take_up_draw = 0.0  # this quarter: takes up an offer in a domain whose take_up is above it

    def draw_baseline_needs(self) -> np.ndarray:
        """Correlated needs from a Gaussian copula with Beta marginals (as placesim's population).

        A factor shared by all domains makes needs co-occur: a few citizens carry many needs; part
        of it is the household's, so members' needs go together too.
        """
        model = self.model
        rho, shared = model.copula_correlation, model.household_correlation
        common = np.sqrt(rho - shared) * self.rng.standard_normal() + np.sqrt(shared) * self.household.shared_factor
        own = self.rng.standard_normal(len(model.domain_names))
        latent = common + np.sqrt(1.0 - rho) * own
        return special.betaincinv(model.beta_alpha, model.beta_beta, special.ndtr(latent))

    def step(self) -> None:
        """One quarter of cascades, recovery towards the baseline, drift and noise; then crisis and
        its events, and this quarter's assessment errors and take-up draw."""
        model = self.model
        noise = model.noise_sd * self.rng.standard_normal(len(self.needs))
        self.needs = (model.transition @ self.needs + self.pull + noise).clip(0.0, 1.0)
        self.in_crisis = self.needs >= model.crisis_threshold
        self.events = self.draw_events()
        self.events_this_year += self.events
        self.assessment_error = self.rng.standard_normal(len(self.needs))
        self.take_up_draw = self.rng.random()

    def draw_events(self) -> np.ndarray:
        """Crisis events per domain: 1 + Poisson(repeat_rate x frailty x (need / threshold)^elasticity)
        where in crisis, 0 elsewhere."""
        model = self.model
        events = self.in_crisis.astype(np.int64)
        crises = np.flatnonzero(self.in_crisis & (model.repeat_rate > 0))
        if crises.size:
            severity = self.needs[crises] / model.crisis_threshold[crises]
            rate = model.repeat_rate[crises] * self.frailty[crises] * severity ** model.severity_elasticity[crises]
            events[crises] += self.rng.poisson(rate)
        return events

    def new_year(self) -> None:
        """Forget last year's events."""
        self.events_this_year[:] = 0

    def receive_acute_response(self, domain: int) -> None:
        """The acute response removes `acute_effect` of the need in crisis."""
        self.needs[domain] *= 1.0 - self.model.acute_effect[domain]

    def seen_need(self, domain: int, error_sd: float) -> float:
        """Its need in `domain` as an assessment with error `error_sd` sees it this quarter."""
        return self.needs[domain] + error_sd * self.assessment_error[domain]

    def referable(self, domain: int, error_sd: float) -> bool:
        """Seen in the prevention window of `domain`, and not in crisis this quarter (the crisis
        response met it, even if it stabilised it into the window)."""
        model = self.model
        window = model.prevention_threshold[domain] <= self.seen_need(domain, error_sd) < model.crisis_threshold[domain]
        return window and not self.in_crisis[domain]


class CapacityLine:
    """One agency's acute capacity in one domain, `K` in GBP a quarter at full unit cost."""

    def __init__(self, settings: Capacity):
        self.settings = settings
        self.capacity_gbp = 0.0
        self.settled_gbp = 0.0
        self.excess_years = 0
        self.demand_history: deque[float] = deque(maxlen=DEMAND_MEMORY_QUARTERS)

    @property
    def fixed_cost_gbp(self) -> float:
        """`(1 - v) K`: paid every quarter, used or not."""
        return (1.0 - self.settings.variable_share) * self.capacity_gbp

    @property
    def mean_recent_demand_gbp(self) -> float:
        return sum(self.demand_history) / len(self.demand_history) if self.demand_history else 0.0

    def bill(self, demand_gbp: float) -> tuple[float, float, float]:
        """(variable `v min(D, K)`, spot `(D - K)+`, premium `p (D - K)+`); the demand is remembered."""
        self.demand_history.append(demand_gbp)
        beyond = max(0.0, demand_gbp - self.capacity_gbp)
        return self.settings.variable_share * min(demand_gbp, self.capacity_gbp), beyond, self.settings.premium * beyond

    def expected_cost_gbp(self) -> float:
        """A quarter's fixed, variable, spot and premium cost at the mean recent demand."""
        settings, demand = self.settings, self.mean_recent_demand_gbp
        beyond = max(0.0, demand - self.capacity_gbp)
        variable = settings.variable_share * min(demand, self.capacity_gbp)
        return self.fixed_cost_gbp + variable + (1.0 + settings.premium) * beyond

    def size_to_recent_demand(self) -> float:
        """End of warm-up: hold `(1 + h)` x the mean recent demand; returns the headroom's fixed cost a quarter."""
        settings = self.settings
        self.capacity_gbp = self.settled_gbp = (1.0 + settings.headroom) * self.mean_recent_demand_gbp
        self.excess_years = 0
        return (1.0 - settings.variable_share) * settings.headroom * self.mean_recent_demand_gbp

    def adjust(self, may_grow: bool) -> float:
        """The yearly move towards `(1 + h)` x recent demand; returns the exit cost of decommissioning (GBP)."""
        settings, current = self.settings, self.capacity_gbp
        target = (1.0 + settings.headroom) * self.mean_recent_demand_gbp
        if current > target:
            self.excess_years += 1
            if self.excess_years <= settings.lag_years:
                return 0.0
            floor = settings.floor_share * self.settled_gbp
            new = min(current, max(target, current * (1.0 - settings.decommission_rate), floor))
        else:
            self.excess_years = 0
            new = min(target, current * (1.0 + settings.commission_rate)) if may_grow else current
        fixed_change_per_year = (1.0 - settings.variable_share) * abs(new - current) * STEPS_PER_YEAR
        if new == current or fixed_change_per_year < settings.step_gbp_per_year:
            return 0.0
        self.capacity_gbp = new
        return settings.exit_cost_share * fixed_change_per_year if new < current else 0.0


class Agency(mesa.Agent):
    """A public body: budget, fixed base, capacity, ring-fenced lines, statutory duties, silo prevention.

    Money lives in `pockets`: `flexible`, which may not go below the floor of its budget rule,
    `reserves`, and ring-fenced lines such as `acute:children` or `prevention:housing`, which
    never go below 0. What it owes the centre for support is `owed_to_centre_gbp`, repaid in
    yearly instalments of `instalment_gbp`.
    """

    model: TextbookPlace

    def __init__(self, model: TextbookPlace, agency_id: str):
        super().__init__(model)
        config = model.scenario.agencies[agency_id]
        self.agency_id = agency_id
        self.config = config
        self.duties = {domain: share for domain, share in config.statutory_duties.items() if share > 0}
        self.ring_fenced_weights = ring_fenced_weights(model.scenario, agency_id)
        self.capacity = {d: CapacityLine(config.capacity_in(d)) for d in self.duties if d not in config.demand_led}
        # prevention places a quarter in simulated citizens (None: as many as money buys), the
        # fraction of a place carried over, and per domain a queue of (citizen, quarter it joined)
        slots = config.prevention_slots_per_quarter
        self.slots = {d: slots[d] / model.weight if d in slots else None for d in self.duties}
        self.slot_credit = dict.fromkeys(self.duties, 0.0)
        self.queues: dict[str, deque[tuple[Citizen, int]]] = {d: deque() for d in self.duties}
        self.budget_gbp_per_year = config.budget_gbp_per_year
        self.fixed_base_gbp_per_year = 0.0  # set in warm-up, planned each year after
        self.settled_fixed_base_gbp_per_year = 0.0
        self.flexible_income = 0.0
        self.need_related_spend_gbp = 0.0  # this quarter: all but the fixed base and benefits
        self.unmet_statutory_demand_gbp = 0.0
        self.recent_need_related_spend: deque[float] = deque(maxlen=STEPS_PER_YEAR)
        self.recent_assessment_gbp: deque[float] = deque(maxlen=STEPS_PER_YEAR)
        self.exit_costs_due: list[float] = []  # decommissioning decided at the year's start, paid after income
        self.met_this_step: set[Citizen] = set()
        self.apply_policy(model.policy)
        self.open_books()

    def apply_policy(self, policy: Policy) -> None:
        """Take the regime's levers (the warm-up's, then the scenario's)."""
        config = self.config
        self.ring_fence_share = policy.ring_fence_share if config.ring_fence_share is None else config.ring_fence_share
        self.budget_growth = policy.budget_growth if config.budget_growth is None else config.budget_growth
        settlement_factor = min(1.0, policy.settlement_years / policy.prevention_payback_years)
        self.prevention_share = config.prevention_propensity * settlement_factor

    def open_books(self) -> None:
        """Empty pockets but the opening reserves, no controls, nothing owed."""
        self.pockets: defaultdict[str, float] = defaultdict(float, reserves=self.config.reserves_gbp)
        self.controls = False
        self.owed_to_centre_gbp = self.owed_when_planned_gbp = self.instalment_gbp = 0.0
        self.set_floor()

    def set_floor(self) -> None:
        """0, or minus the control-total limit of this year's budget; never above an overspend already made."""
        limit = self.config.control_total_limit_share * self.budget_gbp_per_year
        floor = min(-limit if self.config.budget_rule is BudgetRule.control_total else 0.0, 0.0)
        self.flexible_floor = min(floor, self.pockets["flexible"])

    def available(self, pocket: str) -> float:
        """What `pocket` can pay without going below its floor."""
        floor = self.flexible_floor if pocket == "flexible" else 0.0
        return max(0.0, self.pockets[pocket] - floor)

    def discretionary_gbp(self) -> float:
        """Flexible money above 0 (a control total's overspend allowance is not for prevention); none under controls."""
        return 0.0 if self.controls else max(0.0, self.pockets["flexible"] - max(self.flexible_floor, 0.0))

    def pay(self, amount: float, category: str, line: str | None, kind: str, need_related: bool = True) -> float:
        """Pay for services from `line`, then flexible money, then (not discretionary) reserves; returns what was paid.

        Still short, the agency is under controls, and the centre supports it (committed, or any
        payment of a control-total body) or the payment is rationed (statutory).
        """
        if amount <= 0.0:
            return 0.0
        pockets = self.pockets
        from_line = min(amount, self.available(line)) if line is not None else 0.0
        if line is not None:
            pockets[line] -= from_line
        short = amount - from_line
        if kind == DISCRETIONARY:
            from_flexible = min(short, self.discretionary_gbp())
            pockets["flexible"] -= from_flexible
            paid = from_line + from_flexible
        else:
            for pocket in ("flexible", "reserves"):
                taken = min(short, self.available(pocket))
                pockets[pocket] -= taken
                short -= taken
            paid = amount
            if short > 0.0:
                self.controls = True
                if kind == STATUTORY and self.config.budget_rule is not BudgetRule.control_total:
                    paid = amount - short
                else:
                    self.owed_to_centre_gbp += short
        self.model.spend_this_step[category] += paid
        if need_related:
            self.need_related_spend_gbp += paid
        return paid

    # -- the year ----------------------------------------------------------------------------
    def budget_change(self, year: int) -> float:
        """The budget's real change in `year` (1 = the first counted): its path, else its growth from year 2."""
        path = self.model.scenario.settlement.path.get(self.agency_id)
        if path:
            return path[min(year, len(path)) - 1]
        return self.budget_growth if year >= 2 else 0.0

    def open_year(self, year: int) -> None:
        """This year's budget, controls lifted, capacity adjusted (from year 2), the fixed base planned."""
        self.budget_gbp_per_year *= 1.0 + self.budget_change(year)
        ended_under_controls = self.controls
        self.controls = False
        self.set_floor()
        if year >= 2:
            self.exit_costs_due = [line.adjust(may_grow=not ended_under_controls) for line in self.capacity.values()]
        self.fixed_base_gbp_per_year = self.planned_fixed_base()

    def planned_fixed_base(self) -> float:
        """What the budget leaves after expected need-related costs and the contingency, within its range."""
        recent = self.recent_assessment_gbp
        quarterly = sum(line.expected_cost_gbp() for line in self.capacity.values())
        quarterly += sum(recent) / len(recent) if recent else 0.0
        room = self.budget_gbp_per_year * (1.0 - self.config.contingency_share) - STEPS_PER_YEAR * quarterly
        settled = self.settled_fixed_base_gbp_per_year
        return min(settled, max(self.config.fixed_base_floor_share * settled, room))

    def close_year(self) -> None:
        """Ring-fenced lines back to the centre, an instalment of support repaid, the savings rule on the surplus."""
        config, pockets = self.config, self.pockets
        if not self.model.scenario.settlement.ring_fence_carry_forward:
            for line in self.ring_fenced_weights:
                pockets[line] -= self.available(line)
        if self.owed_to_centre_gbp > self.owed_when_planned_gbp:  # new support: the whole debt over repayment_years
            self.instalment_gbp = self.owed_to_centre_gbp / config.repayment_years
        owed = self.owed_to_centre_gbp
        repaid = min(self.instalment_gbp, owed, max(0.0, pockets["flexible"]), self.available("flexible"))
        pockets["flexible"] -= repaid
        self.owed_to_centre_gbp = self.owed_when_planned_gbp = owed - repaid
        surplus = min(max(0.0, pockets["flexible"]), self.available("flexible"))
        if config.savings_rule is SavingsRule.reinvest and self.duties:
            reinvested = min(surplus, config.reinvest_cap_share * self.budget_gbp_per_year)
            total_duty = sum(self.duties.values())
            for domain, share in self.duties.items():
                pockets[f"prevention:{domain}"] += reinvested * share / total_duty
            pockets["flexible"] -= reinvested
            surplus -= reinvested
        if config.savings_rule is not SavingsRule.clawback and config.budget_rule is not BudgetRule.cash_limited:
            kept = min(surplus, max(0.0, config.reserve_cap_share * self.budget_gbp_per_year - pockets["reserves"]))
            pockets["flexible"] -= kept
            pockets["reserves"] += kept
            surplus -= kept
        pockets["flexible"] -= surplus  # returned to the centre

    # -- the quarter -------------------------------------------------------------------------
    def receive_income(self) -> None:
        """A quarter of the budget: the fixed base first, the ring-fenced share of the rest into its
        lines, the remainder flexible; then the fixed cost of its capacity, any exit cost of
        decommissioning decided at the year's start, and any prevention grant."""
        self.need_related_spend_gbp = 0.0
        self.met_this_step = set()
        income = self.budget_gbp_per_year / STEPS_PER_YEAR
        planned_fixed = self.fixed_base_gbp_per_year / STEPS_PER_YEAR
        need_related = max(0.0, income - planned_fixed)
        ring_fenced = need_related * self.ring_fence_share if self.ring_fenced_weights else 0.0
        for line, weight in self.ring_fenced_weights.items():
            self.pockets[line] += ring_fenced * weight
        self.flexible_income = need_related - ring_fenced
        self.pockets["flexible"] += income - ring_fenced
        cut = planned_fixed * self.config.fixed_base_cuttable_share if self.controls else 0.0
        self.pay(planned_fixed - cut, "fixed_cost", None, COMMITTED, need_related=False)
        if not self.model.warming_up:
            for domain, line in self.capacity.items():
                self.pay(line.fixed_cost_gbp, "capacity", f"acute:{domain}", COMMITTED)
            for exit_cost in self.exit_costs_due:
                self.pay(exit_cost, "decommissioning", None, COMMITTED)
            self.exit_costs_due = []
        grant = self.config.extra_prevention_gbp_per_year / STEPS_PER_YEAR
        total_duty = sum(self.duties.values())
        for domain, share in self.duties.items():
            self.pockets[f"prevention:{domain}"] += grant * share / total_duty

    def respond_to_crises(self) -> None:
        """Answer its duty share of every crisis in its domains, and meet the citizens it reaches.

        A domain's lead agency (largest share) meets every crisis there; another agency with share
        s meets the citizens whose contact draw is below s.
        """
        model = self.model
        self.unmet_statutory_demand_gbp = 0.0
        for domain, share in self.duties.items():
            demand = model.demand_gbp[domain] * share
            if domain in self.config.demand_led:
                model.spend_this_step["benefit"] += demand  # paid by the centre as it arises
            else:
                self.answer(domain, demand)  # a quarter without demand too: capacity remembers it
            in_crisis = model.in_crisis[domain]
            if model.lead_agency[domain] == self.agency_id:
                met = in_crisis
            else:
                met = in_crisis.select(lambda citizen, s=share: citizen.contact_draw < s)
            self.met_this_step.update(met)

    def answer(self, domain: str, demand: float) -> None:
        """Pay for `demand` against its capacity; short of money, ration (and the lead leaves crises unserved)."""
        line, capacity = f"acute:{domain}", self.capacity[domain]
        if self.model.warming_up:  # capacity follows demand while the place settles
            capacity.bill(demand)
            self.pay(demand, "acute", line, COMMITTED)
            return
        variable, spot, premium = capacity.bill(demand)
        paid = self.pay(variable + spot, "acute", line, STATUTORY)
        paid += self.pay(premium, "capacity_premium", line, STATUTORY)
        unpaid = variable + spot + premium - paid
        if unpaid > 0:
            self.unmet_statutory_demand_gbp += unpaid
            if self.model.lead_agency[domain] == self.agency_id:
                self.model.ration(domain, unpaid / (variable + spot + premium))

    def prevent(self) -> None:
        """Silo prevention: in each of its domains, from its prevention lines and the discretionary
        money left after what its assessments usually cost, through its queue and its places."""
        model = self.model
        discretionary = max(0.0, self.discretionary_gbp() - max(self.recent_assessment_gbp, default=0.0))
        flexible_budget = min(self.prevention_share * self.flexible_income, discretionary)
        total_duty = sum(self.duties.values())
        for domain, share in self.duties.items():
            line = f"prevention:{domain}"
            budget = self.available(line) + flexible_budget * share / total_duty
            settings = model.scenario.domains[domain]
            unit_cost = (settings.prevention_cost_gbp + self.config.assessment_cost_gbp) * model.weight
            if unit_cost <= 0:
                continue
            # a quarter without money for one treatment still keeps its queue up
            treated = self.refer_and_offer(domain, int(budget // unit_cost), settings.take_up)
            for citizen in treated:
                citizen.needs[model.domain_index[domain]] *= 1.0 - settings.prevention_effect
            model.prevention_treated[domain] += len(treated)
            if treated:
                self.pay(len(treated) * settings.prevention_cost_gbp * model.weight, "prevention", line, DISCRETIONARY)

    def refer_and_offer(self, domain: str, affordable: int, take_up: float) -> list[Citizen]:
        """This quarter's prevention service in `domain` for `affordable` treatments: the queue's
        upkeep, the places, the list, and offers down it until the places are taken up. Returns who
        took up an offer; everyone offered and everyone who joins the queue is met (assessed)."""
        model, d = self.model, self.model.domain_index[domain]
        error_sd, max_wait = self.config.assessment_error_sd, self.config.max_wait_quarters
        queue = [
            (citizen, joined)
            for citizen, joined in self.queues[domain]
            if not citizen.in_crisis[d] and model.quarter - joined <= max_wait
        ]
        places = self.places_this_quarter(domain, affordable)
        treatments = min(affordable, places)
        waiting = {citizen for citizen, _ in queue}
        new = model.citizens.select(lambda citizen: citizen not in waiting and citizen.referable(d, error_sd))
        new = new.sort(key=lambda citizen: citizen.seen_need(d, error_sd), ascending=False)
        new = list(new.select(at_most=max(0, offers_for(affordable, take_up) - len(queue))))
        offered, treated = [], []
        for citizen in [citizen for citizen, _ in queue] + new:
            if len(treated) >= treatments:
                break
            offered.append(citizen)
            if citizen.take_up_draw < take_up:
                treated.append(citizen)
        # when the places bind, the new citizens the money would have treated wait, behind the queue
        not_reached = new[max(0, len(offered) - len(queue)) :]
        joining = not_reached[: offers_for(affordable - treatments, take_up)] if places < affordable else []
        self.queues[domain] = deque(queue[len(offered) :] + [(citizen, model.quarter) for citizen in joining])
        self.met_this_step.update(offered, joining)
        model.prevention_declined[domain] += len(offered) - len(treated)
        return treated

    def places_this_quarter(self, domain: str, wanted: int) -> int:
        """Its places in `domain` this quarter in whole simulated citizens (`wanted` if it has no
        limit): the fraction of `slots / weight` is carried to the next quarter, unused places are not."""
        if self.slots[domain] is None:
            return wanted
        self.slot_credit[domain] += self.slots[domain]
        places = int(self.slot_credit[domain])
        self.slot_credit[domain] -= places
        return places

    def pay_assessments(self, agencies_met: Counter) -> None:
        """One assessment per citizen met; a citizen met by k agencies is 1/k necessary, the rest waste."""
        unit_cost = self.config.assessment_cost_gbp * self.model.weight
        necessary = sum(1.0 / agencies_met[citizen] for citizen in self.met_this_step)
        paid = self.pay(necessary * unit_cost, "assessment", None, COMMITTED)
        if not self.model.policy.integrated_case_management:
            duplicated = len(self.met_this_step) - necessary
            paid += self.pay(duplicated * unit_cost, "duplicated_assessment", None, COMMITTED)
        self.recent_assessment_gbp.append(paid)

    def end_quarter(self) -> None:
        self.recent_need_related_spend.append(self.need_related_spend_gbp)

    # -- warm-up -----------------------------------------------------------------------------
    def settle_fixed_base_in_warm_up(self) -> None:
        """The fixed base is what the budget leaves after recent need-related spend and the contingency."""
        recent = self.recent_need_related_spend
        budget = self.budget_gbp_per_year
        spend = STEPS_PER_YEAR * sum(recent) / len(recent)
        self.fixed_base_gbp_per_year = max(0.0, budget - spend - self.config.contingency_share * budget)

    def settle_after_warm_up(self) -> None:
        """Capacity sized to recent demand plus headroom; the fixed base pays for the headroom."""
        headroom_cost = sum(line.size_to_recent_demand() for line in self.capacity.values())
        fixed_base = max(0.0, self.fixed_base_gbp_per_year - STEPS_PER_YEAR * headroom_cost)
        self.fixed_base_gbp_per_year = self.settled_fixed_base_gbp_per_year = fixed_base


def offers_for(treatments: int, take_up: float) -> int:
    """Offers to line up for `treatments` acceptances: `treatments / take_up` with four standard
    deviations to spare, `ceil((T + 4 sqrt(T (1 - take_up)) + 4) / take_up)`; T at full take-up."""
    if treatments <= 0:
        return 0
    if take_up >= 1.0 or take_up <= 0.0:
        return treatments
    return math.ceil((treatments + 4.0 * math.sqrt(treatments * (1.0 - take_up)) + 4.0) / take_up)


def ring_fenced_weights(scenario: Scenario, agency_id: str) -> dict[str, float]:
    """Ring-fenced line -> share of the ring-fenced income (default: the acute lines of its duties
    that are not demand-led)."""
    config = scenario.agencies[agency_id]
    if config.ring_fenced_lines:
        lines = config.ring_fenced_lines.items()
        raw = {f"{use.value}:{domain}": weight for use, weights in lines for domain, weight in weights.items()}
    else:
        duties = config.statutory_duties.items()
        raw = {f"acute:{domain}": share for domain, share in duties if domain not in config.demand_led}
    total = sum(raw.values())
    return {line: weight / total for line, weight in raw.items() if weight > 0} if total > 0 else {}


def lead_agencies(scenario: Scenario) -> dict[str, str]:
    """Domain -> the agency with the largest duty share there (the first such, on a tie)."""
    leads, agencies = {}, scenario.agencies.items()
    for domain in scenario.domains:
        shares = {agency_id: agency.statutory_duties.get(domain, 0.0) for agency_id, agency in agencies}
        leads[domain] = max(shares, key=shares.__getitem__)
    return leads


class TextbookPlace(mesa.Model):
    """The place in the silo regime, with one Citizen agent per simulated resident."""

    def __init__(self, scenario: Scenario, seed: int, population_sample: int | None = None):
        if scenario.policy.pool.rule is not PoolRule.silo:
            rule = scenario.policy.pool.rule.value
            raise ValueError(f"the textbook model is silo only; policy.pool.rule is {rule!r}")
        super().__init__(rng=seed)
        self.scenario = scenario
        n_citizens = population_sample or scenario.run.population_sample
        self.weight = scenario.place.population / n_citizens
        self.domain_names = list(scenario.domains)
        self.domain_index = {name: i for i, name in enumerate(self.domain_names)}
        self.lead_agency = lead_agencies(scenario)
        self.set_up_domains(scenario)
        self.policy = scenario.run.warmup_policy or scenario.policy
        self.warming_up = True
        self.quarter = 0  # quarters run, warm-up included: the clock of the prevention queues
        self.in_crisis: dict[str, AgentSet] = {}
        self.events: dict[str, int] = {}  # crisis events this quarter, simulated citizens
        self.demand_gbp: dict[str, float] = {}
        self.unserved: dict[str, float] = {}
        self.spend_this_step: Counter = Counter()
        self.prevention_treated: Counter = Counter()  # this quarter, simulated citizens, all agencies
        self.prevention_declined: Counter = Counter()
        self.top_users_event_share: dict[str, float] = {}  # at a year's end, per domain
        self.citizens = Citizen.create_agents(self, n_citizens, household=self.draw_households(n_citizens))
        self.agencies = Agency.create_agents(self, len(scenario.agencies), agency_id=scenario.agency_ids)
        self.mean_need = np.zeros(len(self.domain_names))
        self.datacollector = mesa.DataCollector(model_reporters=self.reporters())
        self.warm_up(scenario.run.warmup_steps)
        self.begin_counting()

    def set_up_domains(self, scenario: Scenario) -> None:
        """Per-domain parameters as arrays over domains, which every citizen reads."""
        domains = list(scenario.domains.values())
        self.recovery = np.array([d.recovery for d in domains])
        self.drift = np.array([d.drift for d in domains])
        self.noise_sd = np.array([d.noise_sd for d in domains])
        self.prevention_threshold = np.array([d.prevention_threshold for d in domains])
        self.crisis_threshold = np.array([d.crisis_threshold for d in domains])
        self.acute_effect = np.array([d.acute_effect for d in domains])
        self.beta_alpha = np.array([d.initial_mean * d.initial_concentration for d in domains])
        self.beta_beta = np.array([(1.0 - d.initial_mean) * d.initial_concentration for d in domains])
        self.repeat_rate = np.array([d.events.repeat_rate for d in domains])
        self.severity_elasticity = np.array([d.events.severity_elasticity for d in domains])
        self.frailty_shape = [d.events.frailty_shape for d in domains]
        self.copula_correlation = scenario.population.copula_correlation
        households = scenario.population.households
        self.household_correlation = households.correlation if households is not None else 0.0
        cascades = np.zeros((len(domains), len(domains)))  # cascades[source, target]
        for source, targets in scenario.population.cascades.items():
            for target, strength in targets.items():
                cascades[self.domain_index[source], self.domain_index[target]] = strength
        self.transition = np.diag(1.0 - self.recovery) + cascades.T

    def draw_households(self, n_citizens: int) -> list[Household]:
        """Each citizen's household, in order: households of sizes drawn from `size_shares` are
        filled one after another, the last cut to fit; everyone alone without household settings."""
        settings = self.scenario.population.households
        sizes = [1] if settings is None else range(1, len(settings.size_shares) + 1)
        shares = [1.0] if settings is None else np.array(settings.size_shares) / sum(settings.size_shares)
        homes: list[Household] = []
        while len(homes) < n_citizens:
            household = Household(shared_factor=self.rng.standard_normal())
            homes += [household] * int(self.rng.choice(sizes, p=shares))
        return homes[:n_citizens]

    def reporters(self) -> dict:
        """DataCollector reporters, keyed `measure/domain/category`: per domain, mean need, crisis
        events, citizens in crisis, prevention treated and declined and citizens waiting at the
        quarter's end (all agencies, place scale), and at a year's end the share of the year's
        events made by the 9% of users with most; spend per category, and statutory demand left
        unpaid (all agencies)."""
        reporters = {}
        for d, name in enumerate(self.domain_names):
            reporters[f"mean_need/{name}/"] = lambda m, d=d: m.mean_need[d]
            reporters[f"crises/{name}/"] = lambda m, name=name: m.events[name] * m.weight
            reporters[f"people_in_crisis/{name}/"] = lambda m, name=name: len(m.in_crisis[name]) * m.weight
            reporters[f"prevention_treated/{name}/"] = lambda m, name=name: m.prevention_treated[name] * m.weight
            reporters[f"prevention_declined/{name}/"] = lambda m, name=name: m.prevention_declined[name] * m.weight
            reporters[f"waiting/{name}/"] = lambda m, name=name: m.waiting(name) * m.weight
            top_users = f"concentration/{name}/top_9pct_users_event_share"
            reporters[top_users] = lambda m, name=name: m.top_users_event_share.get(name, np.nan)
        for category in SPEND_CATEGORIES:
            reporters[f"spend_gbp//{category}"] = lambda m, category=category: m.spend_this_step[category]
        reporters["unmet_statutory_demand_gbp//"] = lambda m: m.agencies.agg("unmet_statutory_demand_gbp", sum)
        return reporters

    def warm_up(self, quarters: int) -> None:
        """The silo services under the warm-up policy, capacity following demand and the fixed base
        settling each quarter; then capacity sized to demand. Nothing is recorded."""
        for _ in range(quarters):
            self.agencies.set("controls", False)  # every warm-up quarter is paid in full: no controls carried over
            self.quarter_of_services()
            self.agencies.do("end_quarter")
            self.agencies.do("settle_fixed_base_in_warm_up")
        self.agencies.do("settle_after_warm_up")

    def begin_counting(self) -> None:
        """The scenario's own policy, and fresh books that count from step 1."""
        self.warming_up = False
        self.policy = self.scenario.policy
        self.agencies.do("apply_policy", self.policy)
        self.agencies.do("open_books")

    def find_crises(self) -> None:
        """Who is in crisis in each domain, their events, and the demand at place scale: every
        event priced by its citizen's severity."""
        for d, name in enumerate(self.domain_names):
            in_crisis = self.citizens.select(lambda citizen, d=d: citizen.in_crisis[d])
            severity = sum(citizen.events[d] * citizen.needs[d] for citizen in in_crisis)
            settings = self.scenario.domains[name]
            self.in_crisis[name] = in_crisis
            self.events[name] = int(sum(citizen.events[d] for citizen in in_crisis))
            self.demand_gbp[name] = settings.unit_cost_gbp / settings.reference_severity * severity * self.weight

    def ration(self, domain: str, unserved_share: float) -> None:
        """The lead agency of `domain` could not pay `unserved_share` of its bill: that share of the
        domain's crises (by cost: need x events) is not served this quarter."""
        self.unserved[domain] = min(1.0, self.unserved.get(domain, 0.0) + unserved_share)

    def served(self, domain: str) -> AgentSet:
        """The crises in `domain` the acute response reaches: all, less the least costly unserved share."""
        in_crisis, share = self.in_crisis[domain], self.unserved.get(domain, 0.0)
        if share <= 0.0:
            return in_crisis
        d = self.domain_index[domain]

        def cost(citizen: Citizen) -> float:
            return citizen.needs[d] * citizen.events[d]

        left_out = share * sum(cost(citizen) for citizen in in_crisis)
        unserved, total = set(), 0.0
        for citizen in in_crisis.sort(key=cost, ascending=True):
            total += cost(citizen)
            if total > left_out:
                break
            unserved.add(citizen)
        return in_crisis.select(lambda citizen: citizen not in unserved)

    def stabilise(self) -> None:
        """Every crisis served receives the acute response in that domain."""
        for d, name in enumerate(self.domain_names):
            self.served(name).do("receive_acute_response", d)

    def quarter_of_services(self) -> None:
        """Income, needs, crises and the silo services: what warm-up and every step share."""
        self.quarter += 1
        self.unserved = {}
        self.prevention_treated, self.prevention_declined = Counter(), Counter()
        self.agencies.do("receive_income")
        self.citizens.shuffle_do("step")
        self.find_crises()
        self.agencies.do("respond_to_crises")
        self.stabilise()
        self.agencies.do("prevent")  # in the scenario's order, as placesim: they compete for citizens
        agencies_met = Counter(citizen for agency in self.agencies for citizen in agency.met_this_step)
        self.agencies.do("pay_assessments", agencies_met)

    def step(self) -> None:
        """One quarter, in placesim's order (see the module docstring)."""
        self.spend_this_step = Counter()
        year, quarter = divmod(self.steps - 1, STEPS_PER_YEAR)
        self.top_users_event_share = {}
        if quarter == 0:
            self.agencies.do("open_year", year + 1)
            self.citizens.do("new_year")
        self.quarter_of_services()
        self.agencies.do("end_quarter")
        if quarter == STEPS_PER_YEAR - 1:
            self.agencies.do("close_year")
            for d, name in enumerate(self.domain_names):
                self.top_users_event_share[name] = self.share_of_events_by_top_users(d, 0.09)
        self.mean_need = self.citizens.agg("needs", lambda needs: np.mean(needs, axis=0))
        self.datacollector.collect(self)

    def waiting(self, domain: str) -> int:
        """Simulated citizens in the agencies' prevention queues for `domain`."""
        return sum(len(agency.queues.get(domain, ())) for agency in self.agencies)

    def share_of_events_by_top_users(self, domain: int, fraction: float) -> float:
        """The share of this year's events in `domain` made by the `fraction` of its users (citizens
        with any events) with most, at least one user (0 with no events)."""
        users = self.citizens.select(lambda citizen: citizen.events_this_year[domain] > 0)
        events = sorted((citizen.events_this_year[domain] for citizen in users), reverse=True)
        if not events:
            return 0.0
        top = max(1, math.ceil(fraction * len(events) - 1e-9))
        return sum(events[:top]) / sum(events)

    def outcomes(self) -> pd.DataFrame:
        """Tidy per-step table: `step, measure, domain, category, value`, named as placesim's steps
        table (a yearly measure only in the last quarter of each year)."""
        wide = self.datacollector.get_model_vars_dataframe()
        wide.index = pd.RangeIndex(1, len(wide) + 1, name="step")
        tidy = wide.reset_index().melt(id_vars="step", var_name="column", value_name="value").dropna(subset="value")
        tidy[["measure", "domain", "category"]] = tidy["column"].str.split("/", n=2, expand=True)
        return tidy[["step", "measure", "domain", "category", "value"]].reset_index(drop=True)


def run_textbook(
    scenario: Scenario, seed: int, steps: int | None = None, population_sample: int | None = None
) -> pd.DataFrame:
    """Run the textbook model and return its tidy per-step outcomes."""
    model = TextbookPlace(scenario, seed=seed, population_sample=population_sample)
    for _ in range(steps or scenario.run.steps):
        model.step()
    return model.outcomes()


def placesim_outcomes(steps_table: pd.DataFrame) -> pd.DataFrame:
    """The same tidy outcomes from a placesim steps table (`RunResult.steps`): prevention and
    queues per domain, spend and unmet statutory demand summed over agencies."""
    measure, category = steps_table["measure"], steps_table["category"]
    per_domain = measure.isin(["mean_need", "crises", "people_in_crisis"])
    per_domain |= (measure == "concentration") & (category == "top_9pct_users_event_share")
    prevention = steps_table[measure.isin(["prevention_treated", "prevention_declined", "waiting"])]
    prevention = prevention.groupby(["step", "measure", "domain"], as_index=False)["value"].sum().assign(category="")
    spend = steps_table[(measure == "spend_gbp") & category.isin(SPEND_CATEGORIES)]
    spend = spend.groupby(["step", "measure", "category"], as_index=False)["value"].sum().assign(domain="")
    unmet = steps_table[measure == "unmet_statutory_demand_gbp"]
    unmet = unmet.groupby(["step", "measure"], as_index=False)["value"].sum().assign(domain="", category="")
    columns = ["step", "measure", "domain", "category", "value"]
    tables = [steps_table[per_domain], prevention, spend, unmet]
    return pd.concat([table[columns] for table in tables], ignore_index=True)


def main() -> None:
    from sim.model import simulate

    parser = argparse.ArgumentParser(description="Run the textbook Mesa model and placesim side by side (silo).")
    parser.add_argument("--scenario", default=str(DEFAULT_SCENARIO))
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario, overrides={"policy.pool.rule": "silo"})
    textbook = run_textbook(scenario, args.seed, args.steps, args.citizens)
    arrays = placesim_outcomes(simulate(scenario, args.seed, args.steps, args.citizens).steps)
    last = args.steps
    side_by_side = pd.concat(
        {
            "textbook": textbook[textbook["step"] == last].set_index(["measure", "domain", "category"])["value"],
            "placesim": arrays[arrays["step"] == last].set_index(["measure", "domain", "category"])["value"],
        },
        axis=1,
    )
    print(f"step {last}, {args.citizens} citizens, seed {args.seed}: one run each; they agree in distribution only")
    print(side_by_side.fillna(0.0).to_string(float_format=lambda v: f"{v:,.4g}"))


if __name__ == "__main__":
    main()
