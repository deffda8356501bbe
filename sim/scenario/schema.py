"""The typed, validated, frozen description of a place and its policy regime.

Every other wing speaks this language: the model takes a `Scenario` and a seed; experiments
build new `Scenario`s by overriding dotted paths (`policy.pool.rate`,
`agencies.police.collaboration`). Unknown keys are errors so that a typo is never silently
ignored. Cross-field rules (responsibility shares summing to 1, references to domains and
agencies that exist) are checked here too, so a `Scenario` that exists is a scenario that runs.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

# Upper bounds: every number is finite (`allow_inf_nan=False` below) and no sum of them can
# overflow. Each is far beyond any real value, so it refuses only a typo or a hostile file.
MAX_GBP_PER_YEAR = 1e13  # ten times the whole UK public sector's spending (about GBP 1.2tn a year)
MAX_UNIT_COST_GBP = 1e7  # per real person per quarter or intervention: more than a lifetime of care
MAX_WEIGHT = 1e6  # relative weights (priorities, line weights, learning weights): a million to one
MAX_CONCENTRATION = 1e6  # alpha + beta of a Beta: at 1e6 every citizen is within 0.002 of the mean
MAX_POPULATION = 10_000_000_000  # more people than live on Earth
MAX_PAYBACK_YEARS = 100.0
MIN_POPULATION_SAMPLE = 10
# Booleans are StrictBool: true or false only, not "yes", "on" or 1 (pydantic's lax mode takes those).

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(gt=0.0)]
Money = Annotated[float, Field(ge=0.0, le=MAX_GBP_PER_YEAR)]
UnitCost = Annotated[float, Field(ge=0.0, le=MAX_UNIT_COST_GBP)]
Weight = Annotated[float, Field(ge=0.0, le=MAX_WEIGHT)]

RESPONSIBILITY_TOLERANCE = 1e-6


class Frozen(BaseModel):
    """Base for every scenario part: immutable, strict about unknown keys, finite numbers only."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)


class Place(Frozen):
    """The place being simulated."""

    name: str
    population: Annotated[int, Field(gt=0, le=MAX_POPULATION, description="real residents of the place")]


class CrisisEvents(Frozen):
    """Crisis events of a citizen in crisis in one quarter: one, plus repeats at a hazard that rises
    with need and with the citizen's persistent frailty (docs/ODD.md 7.18)."""

    repeat_rate: Annotated[
        float,
        Field(ge=0.0, le=100.0, description="mean repeat events a quarter of a citizen of frailty 1 at the crisis threshold"),
    ] = 0.0
    severity_elasticity: Annotated[
        float, Field(ge=0.0, le=10.0, description="repeat hazard scales as (need / crisis threshold) to this power")
    ] = 1.0
    frailty_shape: Annotated[
        float | None,
        Field(gt=0.0, le=1e3, description="shape k of the Gamma(k, 1/k) frailty (mean 1, variance 1/k); None = no frailty"),
    ] = None


class Domain(Frozen):
    """One domain of need: its dynamics, thresholds and unit costs at place scale (GBP)."""

    initial_mean: Annotated[float, Field(gt=0.0, lt=1.0, description="mean of the Beta marginal")]
    initial_concentration: Annotated[
        float,
        Field(gt=0.0, le=MAX_CONCENTRATION, description="alpha + beta of the Beta marginal; lower = more skewed"),
    ]
    drift: Annotated[float, Field(ge=-1.0, le=1.0, description="baseline need growth per step")]
    recovery: Annotated[Share, Field(description="share of need that resolves by itself each step")]
    noise_sd: Annotated[Share, Field(description="sd of the per-step need shock (need lies in 0..1)")]
    prevention_threshold: Share
    crisis_threshold: Share
    unit_cost_gbp: Annotated[
        UnitCost,
        Field(description="published cost of answering one crisis-quarter of average severity (the reference severity)"),
    ]
    unit_cost_range_gbp: Annotated[
        tuple[UnitCost, UnitCost] | None,
        Field(description="[low, high]: the sourced range within which calibration may move the unit cost"),
    ] = None
    reference_severity: Annotated[
        float,
        Field(gt=0.0, le=1.0, description="mean need of a crisis in the settled silo state: cost = unit cost x need / this"),
    ] = 1.0
    acute_effect: Annotated[Share, Field(description="share of need removed by an acute response")]
    prevention_cost_gbp: Annotated[UnitCost, Field(description="cost of one prevention intervention")]
    prevention_effect: Annotated[Share, Field(description="share of need removed by prevention")]
    citizen_priority: Annotated[
        Weight, Field(description="weight citizens give this domain (citizen insight)")
    ] = 1.0
    events: Annotated[
        CrisisEvents, Field(description="how many crisis events a citizen in crisis has in a quarter (events.py)")
    ] = CrisisEvents()
    take_up: Annotated[
        Share, Field(description="probability that a citizen offered prevention in this domain takes it up")
    ] = 1.0

    @model_validator(mode="after")
    def _window_below_crisis(self) -> Domain:
        if self.prevention_threshold >= self.crisis_threshold:
            raise ValueError(
                f"prevention_threshold ({self.prevention_threshold}) must be below "
                f"crisis_threshold ({self.crisis_threshold}): the prevention window would be empty"
            )
        if self.unit_cost_range_gbp is not None:
            low, high = self.unit_cost_range_gbp
            if not low <= self.unit_cost_gbp <= high:
                raise ValueError(
                    f"unit_cost_gbp ({self.unit_cost_gbp:g}) lies outside unit_cost_range_gbp [{low:g}, {high:g}]: "
                    "a unit cost may move only within its sourced range; fix the cost or the range"
                )
        return self


class Households(Frozen):
    """How citizens live together: the size distribution and how much need a household shares
    (households.py, docs/ODD.md 7.19)."""

    size_shares: Annotated[
        list[Share],
        Field(min_length=1, max_length=20, description="share of households of 1, 2, ... people (the last size holds the rest)"),
    ]
    correlation: Annotated[
        Share,
        Field(description="share of the copula's latent variance a household shares: the correlation of two members' needs; at most copula_correlation"),
    ] = 0.0
    multiple_problems_domains: Annotated[
        int,
        Field(ge=1, le=20, description="a family with multiple problems: members with crisis events in at least this many domains in a year"),
    ] = 3

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Households:
        total = sum(self.size_shares)
        if abs(total - 1.0) > 1e-3:
            raise ValueError(f"size_shares sum to {total:.4g}; they are shares of households and must sum to 1")
        return self


class Population(Frozen):
    """How initial needs are correlated, how needs in one domain feed others, and who lives together."""

    copula_correlation: Annotated[
        float,
        Field(ge=0.0, lt=1.0, description="pairwise correlation of the Gaussian copula of initial needs"),
    ]
    cascades: Annotated[
        dict[str, dict[str, Share]],
        Field(description="source domain -> target domain -> added need growth per unit of source need"),
    ] = {}
    households: Annotated[
        Households | None, Field(description="household sizes and shared need; None = every citizen lives alone")
    ] = None

    @model_validator(mode="after")
    def _household_share_within_copula(self) -> Population:
        if self.households is not None and self.households.correlation > self.copula_correlation:
            raise ValueError(
                f"households.correlation ({self.households.correlation}) exceeds copula_correlation "
                f"({self.copula_correlation}): a household cannot share more of a citizen's latent need than the "
                "citizen's own domains share; lower it or raise copula_correlation"
            )
        return self


class FundUse(str, Enum):
    """What a ring-fenced line may be spent on."""

    acute = "acute"
    prevention = "prevention"


class Capacity(Frozen):
    """Acute response capacity of one agency in one domain: how much of its cost is fixed and how
    it is adjusted (docs/ODD.md 7.5). The defaults make capacity perfectly variable, so every crisis
    costs its full unit cost and nothing else: the old model, and the quiet default of tests."""

    variable_share: Annotated[
        Share, Field(description="share of a crisis's cost that varies with demand (the rest is capacity paid for anyway)")
    ] = 1.0
    premium: Annotated[
        float, Field(ge=0.0, le=10.0, description="extra cost of demand above capacity, as a share of the unit cost")
    ] = 0.0
    headroom: Annotated[
        float, Field(ge=0.0, le=1.0, description="capacity kept above expected demand, as a share of it")
    ] = 0.0
    floor_share: Annotated[
        Share, Field(description="capacity is never decommissioned below this share of its settled size")
    ] = 0.5
    decommission_rate: Annotated[Share, Field(description="largest share of capacity removed in one year")] = 0.1
    commission_rate: Annotated[
        float, Field(ge=0.0, le=10.0, description="largest share of capacity added in one year")
    ] = 0.2
    lag_years: Annotated[
        int, Field(ge=0, le=10, description="year-ends of excess capacity before any is decommissioned")
    ] = 1
    exit_cost_share: Annotated[
        float, Field(ge=0.0, le=10.0, description="one-off cost of decommissioning, as a share of a year of the fixed cost removed")
    ] = 0.0
    step_gbp_per_year: Annotated[
        Money, Field(description="capacity changes in steps of this fixed cost a year (a ward, a team); smaller changes wait")
    ] = 0.0


class BudgetRule(str, Enum):
    """What an agency may do when its money runs short (docs/ODD.md 7.6)."""

    balanced = "balanced"  # councils, police, fire: reserves, then cuts, then rationing; section 114
    control_total = "control_total"  # NHS: overspend up to a limit, then repayable support from the centre
    cash_limited = "cash_limited"  # centrally funded bodies: no reserves; cuts then rationing


class SavingsRule(str, Enum):
    """Where an agency's unspent flexible money goes at the end of a year (docs/ODD.md 7.7)."""

    clawback = "clawback"  # returned to the centre
    retain = "retain"  # to reserves up to a cap, the rest to the centre
    reinvest = "reinvest"  # into next year's prevention up to a cap, the rest as retain


class Agency(Frozen):
    """A public body with its own funder, ring-fences, duties and culture."""

    name: str
    budget_gbp_per_year: Annotated[Money, Field(description="yearly income from the central funder")]
    budget_growth: Annotated[
        float | None, Field(ge=-0.5, le=0.5, description="yearly growth; None = the policy's")
    ] = None
    ring_fence_share: Annotated[
        Share | None, Field(description="share of income locked to lines; None = the policy's")
    ] = None
    ring_fenced_lines: Annotated[
        dict[FundUse, dict[str, Weight]],
        Field(description="use -> domain -> weight; how the ring-fenced share is split"),
    ] = {}
    statutory_duties: Annotated[
        dict[str, Share], Field(description="domain -> share of crisis response this agency must pay")
    ]
    assessment_cost_gbp: Annotated[UnitCost, Field(description="cost of assessing one citizen")]
    prevention_propensity: Annotated[
        Share, Field(description="share of flexible income it would spend on prevention, if it valued the whole payback")
    ]
    collaboration: Annotated[Share, Field(description="initial collaboration tendency")]
    initial_trust: Share = 0.5
    extra_prevention_gbp_per_year: Annotated[
        Money,
        Field(
            description="a flat yearly prevention grant on top of the budget, ring-fenced for prevention in the "
            "agency's duty domains and split by duty share (the wrong-pocket experiment's lever)"
        ),
    ] = 0.0

    budget_rule: BudgetRule = BudgetRule.balanced
    reserves_gbp: Annotated[Money, Field(description="opening reserves (usable, general)")] = 0.0
    savings_rule: SavingsRule = SavingsRule.retain
    reserve_cap_share: Annotated[Share, Field(description="reserves are kept up to this share of the budget")] = 0.1
    reinvest_cap_share: Annotated[
        Share, Field(description="under `reinvest`, at most this share of the budget goes into next year's prevention")
    ] = 0.05
    contingency_share: Annotated[
        Share, Field(description="share of the budget a plan leaves unallocated against a bad quarter")
    ] = 0.0
    fixed_base_cuttable_share: Annotated[
        Share, Field(description="share of the year's fixed base (non-crisis services) that in-year controls stop paying")
    ] = 0.15
    fixed_base_floor_share: Annotated[
        Share,
        Field(
            description="when budgets are set, the fixed base may be planned down to this share of its settled size "
            "(non-statutory services closed) before crises are rationed"
        ),
    ] = 1.0
    fixed_base_range_share: Annotated[
        tuple[Share, Share] | None,
        Field(description="[low, high] plausible fixed base as a share of the budget; a run warns outside it"),
    ] = None
    control_total_limit_share: Annotated[
        Share, Field(description="under `control_total`, the overspend allowed, as a share of the budget")
    ] = 0.01
    repayment_years: Annotated[
        int, Field(ge=1, le=20, description="years over which support from the centre is repaid")
    ] = 3
    demand_led: Annotated[
        list[str], Field(description="duty domains the centre pays for as they arise (benefits: annually managed expenditure)")
    ] = []
    capacity: Annotated[
        dict[str, Capacity], Field(description="duty domain -> acute capacity settings; a domain not listed uses the defaults")
    ] = {}
    assessment_error_sd: Annotated[
        Share, Field(description="sd of the error with which its assessments see a citizen's need (targeting.py)")
    ] = 0.0
    prevention_slots_per_quarter: Annotated[
        dict[str, Annotated[float, Field(ge=0.0, le=MAX_POPULATION)]],
        Field(description="duty domain -> prevention interventions it can deliver a quarter (residents); not listed = as many as its money buys"),
    ] = {}
    max_wait_quarters: Annotated[
        int, Field(ge=0, le=40, description="quarters a citizen waits for prevention before leaving the queue")
    ] = 4

    def capacity_in(self, domain: str) -> Capacity:
        return self.capacity.get(domain, DEFAULT_CAPACITY)

    @model_validator(mode="after")
    def _lines_are_spendable(self) -> Agency:
        if self.extra_prevention_gbp_per_year > 0 and not any(s > 0 for s in self.statutory_duties.values()):
            raise ValueError(
                "extra_prevention_gbp_per_year: the agency has no statutory duty, so a prevention grant "
                "could never be spent; give it a duty or set the grant to 0"
            )
        if self.ring_fenced_lines and sum(sum(w.values()) for w in self.ring_fenced_lines.values()) <= 0:
            raise ValueError("ring_fenced_lines weights must not all be zero")
        for use, lines in self.ring_fenced_lines.items():
            for domain, weight in lines.items():
                if weight > 0 and self.statutory_duties.get(domain, 0.0) <= 0:
                    raise ValueError(
                        f"ring_fenced_lines.{use.value}.{domain}: the agency has no statutory duty in {domain!r}, "
                        "so money locked there could never be spent; add the duty or remove the line"
                    )
        for field, domains in (
            ("demand_led", self.demand_led),
            ("capacity", list(self.capacity)),
            ("prevention_slots_per_quarter", list(self.prevention_slots_per_quarter)),
        ):
            for domain in domains:
                if self.statutory_duties.get(domain, 0.0) <= 0:
                    raise ValueError(
                        f"{field}.{domain}: the agency has no statutory duty in {domain!r}; add the duty or remove it"
                    )
        for domain in self.demand_led:
            if domain in self.capacity:
                raise ValueError(
                    f"capacity.{domain}: {domain!r} is demand_led (paid by the centre as it arises), so it has no "
                    "capacity; remove one of the two"
                )
        if self.budget_rule is BudgetRule.cash_limited and (
            self.reserves_gbp > 0 or self.savings_rule is SavingsRule.retain
        ):
            raise ValueError(
                "budget_rule cash_limited: a cash-limited body holds no reserves; set reserves_gbp to 0 and "
                "savings_rule to clawback or reinvest"
            )
        if self.fixed_base_range_share is not None and self.fixed_base_range_share[0] > self.fixed_base_range_share[1]:
            raise ValueError("fixed_base_range_share: [low, high] with low above high; swap them")
        return self


DEFAULT_CAPACITY = Capacity()


class Settlement(Frozen):
    """How the centre sets budgets year by year and what happens to unspent ring-fenced money."""

    path: Annotated[
        dict[str, list[Annotated[float, Field(ge=-0.5, le=0.5)]]],
        Field(
            description="agency id -> real budget change by year (year 1 first, against the settled budget); "
            "the last value repeats; an agency not listed follows its budget_growth"
        ),
    ] = {}
    ring_fence_carry_forward: Annotated[
        StrictBool, Field(description="unspent ring-fenced money stays in its line (else it returns to the centre each year)")
    ] = False


class SavingsEvaluation(Frozen):
    """How a pool member sees its savings: its own acute spend against a projected baseline, late,
    noisy and with the fall attributed to the pool (savings_estimate.py, docs/ODD.md 7.21)."""

    lag_quarters: Annotated[int, Field(ge=0, le=12, description="quarters before a quarter's spend is known")] = 2
    noise_sd_share: Annotated[
        Share, Field(description="sd of the measurement noise, as a share of the member's baseline acute spend")
    ] = 0.05
    attribution_share: Annotated[
        float, Field(ge=0.0, le=2.0, description="share of the fall in acute spend members attribute to the pool")
    ] = 1.0


class PoolRule(str, Enum):
    """How the pooled budget chooses citizens for whole-person packages."""

    silo = "silo"
    need = "need"
    invest_to_save = "invest_to_save"
    citizen_priority = "citizen_priority"


class Pool(Frozen):
    """The pooled budget and its rules."""

    rule: PoolRule = PoolRule.silo
    rate: Annotated[Share, Field(description="share of flexible income a fully collaborative member pools")] = 0.0
    governance_share: Annotated[Share, Field(description="share of each contribution spent on governance")] = 0.05
    package_cost_gbp: Annotated[UnitCost, Field(description="cost of one whole-person package")] = 5493.0
    package_effect: Annotated[Share, Field(description="share of every need removed by a package")] = 0.15
    assessment_cost_gbp: Annotated[UnitCost, Field(description="the single assessment of a package")] = 300.0
    gain_share: StrictBool = False
    gain_share_rate: Annotated[Share, Field(description="share of attributed savings handed back")] = 0.5
    members: Annotated[list[str] | None, Field(description="agency ids; None = every agency")] = None
    whole_family: Annotated[
        StrictBool, Field(description="packages go to households: one key worker, one assessment, every member helped")
    ] = False
    take_up: Annotated[Share, Field(description="probability that an offered package is taken up")] = 1.0
    assessment_error_sd: Annotated[
        Share, Field(description="sd of the error with which the pool's assessment sees need")
    ] = 0.0
    evaluation: Annotated[
        SavingsEvaluation, Field(description="how members measure the savings the pool brings them (savings_estimate.py)")
    ] = SavingsEvaluation()


class SiloTargets(Frozen):
    """The national indicators each agency is judged on (targets.py, docs/ODD.md 7.22): crisis events
    per 1,000 residents in each duty domain over the last `window_quarters`, against a target set from
    the settled state."""

    window_quarters: Annotated[int, Field(ge=1, le=40, description="quarters an indicator adds up")] = 4
    improvement_per_year: Annotated[
        Share, Field(description="share by which the target falls each year below the settled level")
    ] = 0.0
    margin: Annotated[
        Share, Field(description="a miss is the indicator above target by more than this share")
    ] = 0.05


class Policy(Frozen):
    """The levers the centre and the place set."""

    ring_fence_share: Annotated[Share, Field(description="1 = all income ring-fenced, 0 = fully devolved")]
    target_pressure: Annotated[Share, Field(description="how hard silo targets punish missed own-domain indicators")]
    settlement_years: Annotated[int, Field(ge=1, le=10, description="length of the funding settlement")]
    prevention_payback_years: Annotated[
        Positive,
        Field(
            le=MAX_PAYBACK_YEARS,
            description="years before prevention pays back; agencies value savings within the settlement",
        ),
    ] = 3.0
    budget_growth: Annotated[float, Field(ge=-0.5, le=0.5, description="yearly real growth of budgets")] = 0.0
    integrated_case_management: Annotated[
        StrictBool, Field(description="one shared assessment per citizen per step instead of one per agency")
    ] = False
    pool: Pool = Pool()
    targets: SiloTargets = SiloTargets()


class Learning(Frozen):
    """Parameters of the conditional-cooperation rule for collaboration tendency."""

    rate: Annotated[Share, Field(description="step size of the collaboration update")] = 0.1
    return_weight: Weight = 1.0
    reciprocity_weight: Weight = 1.0
    target_weight: Weight = 0.5
    trust_rate: Share = 0.2
    exploration_sd: Annotated[Share, Field(description="sd of the per-step change in collaboration (0..1)")] = 0.01


class RunSettings(Frozen):
    """How long to run and how finely to sample the population."""

    steps: Annotated[int, Field(ge=1, description="quarters to simulate")] = 40
    population_sample: Annotated[
        int,
        Field(ge=MIN_POPULATION_SAMPLE, description="simulated citizens; each stands for population/sample people"),
    ] = 100_000
    seed: Annotated[int, Field(ge=0)] = 1
    warmup_steps: Annotated[
        int,
        Field(
            ge=0,
            description="quarters run under the warm-up policy before step 1, unrecorded: they settle needs, "
            "capacity and the fixed base",
        ),
    ] = 12
    warmup_policy: Annotated[
        Policy | None,
        Field(
            description="the regime of the warm-up (the 2009-10 silo regime in the default place), so every "
            "scenario that shares it starts from one settled state; None = the scenario's own policy with no pool"
        ),
    ] = None


class Scenario(Frozen):
    """A place, its agencies, its policy regime and run settings."""

    name: str
    description: str = ""
    place: Place
    run: RunSettings = RunSettings()
    domains: dict[str, Domain]
    population: Population
    agencies: dict[str, Agency]
    policy: Policy
    learning: Learning = Learning()
    settlement: Settlement = Settlement()

    @model_validator(mode="after")
    def _references_and_shares(self) -> Scenario:
        problems: list[str] = []
        domains = set(self.domains)
        if not domains:
            problems.append("domains: at least one domain is needed")
        if not self.agencies:
            problems.append("agencies: at least one agency is needed")
        for source, targets in self.population.cascades.items():
            for name in [source, *targets]:
                if name not in domains:
                    problems.append(f"population.cascades: unknown domain {name!r} (known: {sorted(domains)})")
        for agency_id, agency in self.agencies.items():
            for domain in agency.statutory_duties:
                if domain not in domains:
                    problems.append(
                        f"agencies.{agency_id}.statutory_duties: unknown domain {domain!r} (known: {sorted(domains)})"
                    )
            for use, weights in agency.ring_fenced_lines.items():
                for domain in weights:
                    if domain not in domains:
                        problems.append(
                            f"agencies.{agency_id}.ring_fenced_lines.{use.value}: unknown domain {domain!r}"
                        )
        for domain in sorted(domains):
            total = sum(a.statutory_duties.get(domain, 0.0) for a in self.agencies.values())
            if abs(total - 1.0) > RESPONSIBILITY_TOLERANCE:
                problems.append(
                    f"agencies.*.statutory_duties.{domain}: responsibility shares sum to {total:.4g}; "
                    "they must sum to 1 so that every crisis is someone's duty"
                )
        for agency_id in self.settlement.path:
            if agency_id not in self.agencies:
                problems.append(f"settlement.path: unknown agency {agency_id!r} (known: {sorted(self.agencies)})")
        for agency_id, path in self.settlement.path.items():
            if not path:
                problems.append(f"settlement.path.{agency_id}: give at least one year's change, or remove the agency")
        for member in self.policy.pool.members or []:
            if member not in self.agencies:
                problems.append(f"policy.pool.members: unknown agency {member!r} (known: {sorted(self.agencies)})")
        if problems:
            # one problem per line: messages themselves may contain "; "
            raise ValueError("\n".join(problems))
        return self

    @property
    def domain_names(self) -> list[str]:
        return list(self.domains)

    @property
    def agency_ids(self) -> list[str]:
        return list(self.agencies)

    @property
    def pool_members(self) -> list[str]:
        members = self.policy.pool.members
        return list(self.agencies) if members is None else list(members)
