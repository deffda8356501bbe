"""Hypothesis strategies that build random VALID small scenarios, shared by every property test.

A drawn scenario has 1-3 domains, 2-4 agencies whose statutory duties sum to 1 in every domain,
random ring-fenced lines, every pool rule, gain-share on or off, integrated case management on
or off and a ring-fence share anywhere in [0, 1]. Populations (200-2000 simulated citizens) and
horizons (1-8 quarters) are small, so one example runs in a small fraction of a second.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from sim.scenario.schema import PoolRule, Scenario

DOMAIN_NAMES = ("children", "health", "housing")
AGENCY_NAMES = ("council", "nhs", "police", "jobcentre")

PROPERTY_SETTINGS = settings(max_examples=30, deadline=None)


def unit(min_value: float = 0.0, max_value: float = 1.0) -> st.SearchStrategy[float]:
    return st.floats(min_value, max_value, allow_nan=False, allow_subnormal=False)


def money(max_value: float) -> st.SearchStrategy[float]:
    """A sensible amount of GBP (no sub-penny unit costs), zero about one time in five."""
    amount = st.floats(1.0, max_value, allow_nan=False)
    return st.tuples(st.integers(0, 4), amount).map(lambda drawn: drawn[1] if drawn[0] else 0.0)


@st.composite
def domain_settings(draw: st.DrawFn) -> dict[str, Any]:
    prevention = draw(unit(0.0, 0.5))
    crisis = prevention + draw(unit(0.05, 0.5))
    return {
        "initial_mean": draw(unit(0.02, 0.6)),
        "initial_concentration": draw(unit(0.5, 20.0)),
        "drift": draw(unit(-0.02, 0.02)),
        "recovery": draw(unit(0.0, 0.5)),
        "noise_sd": draw(unit(0.0, 0.1)),
        "prevention_threshold": prevention,
        "crisis_threshold": crisis,
        "unit_cost_gbp": draw(money(20_000.0)),
        "acute_effect": draw(unit()),
        "prevention_cost_gbp": draw(money(3_000.0)),
        "prevention_effect": draw(unit()),
        "citizen_priority": draw(unit(0.0, 2.0)),
    }


@st.composite
def duty_shares(draw: st.DrawFn, agencies: list[str], domains: list[str]) -> dict[str, dict[str, float]]:
    """agency -> domain -> share, every domain's shares summing to 1 (some agencies hold none)."""
    duties: dict[str, dict[str, float]] = {a: {} for a in agencies}
    for domain in domains:
        weights = draw(st.lists(st.integers(0, 4), min_size=len(agencies), max_size=len(agencies)))
        if sum(weights) == 0:
            weights[draw(st.integers(0, len(agencies) - 1))] = 1
        total = sum(weights)
        for agency, weight in zip(agencies, weights, strict=True):
            if weight:
                duties[agency][domain] = weight / total
    return duties


@st.composite
def ring_fenced_lines(draw: st.DrawFn, domains: list[str]) -> dict[str, dict[str, float]]:
    """Lines in the agency's own duty domains (the only ones whose money can be spent)."""
    lines: dict[str, dict[str, float]] = {}
    if not domains:
        return lines
    for use in ("acute", "prevention"):
        chosen = draw(st.lists(st.sampled_from(domains), unique=True, max_size=len(domains)))
        if chosen:
            lines[use] = {d: float(draw(st.integers(1, 5))) for d in chosen}
    return lines


@st.composite
def agency_settings(
    draw: st.DrawFn, name: str, duties: dict[str, float], domains: list[str], population: int
) -> dict[str, Any]:
    return {
        "name": name,
        "budget_gbp_per_year": population * draw(money(8_000.0)),  # up to 8000 a resident
        "budget_growth": draw(st.none() | unit(-0.2, 0.2)),
        "ring_fence_share": draw(st.none() | unit()),
        "ring_fenced_lines": draw(ring_fenced_lines(sorted(duties))),
        "statutory_duties": duties,
        "assessment_cost_gbp": draw(money(500.0)),
        "prevention_propensity": draw(unit()),
        "collaboration": draw(unit()),
        "initial_trust": draw(unit()),
    }


@st.composite
def policy_levers(draw: st.DrawFn, agencies: list[str]) -> dict[str, Any]:
    """The levers: ring-fence share, targets, settlement, growth, case management and the pool."""
    members = draw(st.none() | st.lists(st.sampled_from(agencies), unique=True, max_size=len(agencies)))
    return {
        "ring_fence_share": draw(unit()),
        "target_pressure": draw(unit()),
        "settlement_years": draw(st.integers(1, 10)),
        "prevention_payback_years": draw(unit(0.25, 10.0)),
        "budget_growth": draw(unit(-0.3, 0.3)),
        "integrated_case_management": draw(st.booleans()),
        "pool": {
            "rule": draw(st.sampled_from([rule.value for rule in PoolRule])),
            "rate": draw(unit()),
            "governance_share": draw(unit(0.0, 0.3)),
            "package_cost_gbp": draw(money(5_000.0)),
            "package_effect": draw(unit()),
            "assessment_cost_gbp": draw(money(500.0)),
            "gain_share": draw(st.booleans()),
            "gain_share_rate": draw(unit()),
            "members": members,
        },
    }


@st.composite
def scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    """The raw mapping of a random valid small scenario."""
    domains = draw(st.lists(st.sampled_from(DOMAIN_NAMES), unique=True, min_size=1, max_size=3))
    agencies = draw(st.lists(st.sampled_from(AGENCY_NAMES), unique=True, min_size=2, max_size=4))
    duties = draw(duty_shares(agencies, domains))
    cascades: dict[str, dict[str, float]] = {}
    for source in domains:
        targets = draw(st.lists(st.sampled_from(domains), unique=True, max_size=len(domains)))
        if targets:
            cascades[source] = {t: draw(unit(0.0, 0.1)) for t in targets}
    population = draw(st.integers(1_000, 200_000))
    return {
        "name": "drawn",
        "place": {"name": "Drawn place", "population": population},
        "run": {
            "steps": draw(st.integers(1, 8)),
            "population_sample": draw(st.integers(200, 2_000)),
            "seed": draw(st.integers(0, 2**32 - 1)),
            "warmup_steps": draw(st.integers(0, 4)),
        },
        "domains": {name: draw(domain_settings()) for name in domains},
        "population": {"copula_correlation": draw(unit(0.0, 0.9)), "cascades": cascades},
        "agencies": {name: draw(agency_settings(name, duties[name], domains, population)) for name in agencies},
        "policy": draw(policy_levers(agencies)),
        "learning": {
            "rate": draw(unit()),
            "return_weight": draw(unit(0.0, 2.0)),
            "reciprocity_weight": draw(unit(0.0, 2.0)),
            "target_weight": draw(unit(0.0, 2.0)),
            "trust_rate": draw(unit()),
            "exploration_sd": draw(unit(0.0, 0.1)),
        },
    }


def scenarios() -> st.SearchStrategy[Scenario]:
    """Random valid small scenarios (validated `Scenario` objects)."""
    return scenario_data().map(Scenario.model_validate)


@st.composite
def scenario_pairs_differing_in_levers(draw: st.DrawFn) -> tuple[Scenario, Scenario]:
    """Two scenarios of one place that differ only in their policy levers."""
    data = draw(scenario_data())
    other = {**data, "policy": draw(policy_levers(list(data["agencies"])))}
    return Scenario.model_validate(data), Scenario.model_validate(other)


@st.composite
def pooled_scenarios(draw: st.DrawFn) -> Scenario:
    """Random valid scenarios with an active pool, gain-share on and every agency a member."""
    data = draw(scenario_data())
    pool = data["policy"]["pool"]
    pool["rule"] = draw(st.sampled_from([rule.value for rule in PoolRule if rule is not PoolRule.silo]))
    pool.update(rate=draw(unit(0.2, 1.0)), gain_share=True, gain_share_rate=draw(unit(0.1, 1.0)), members=None)
    return Scenario.model_validate(data)


# -- the money model: capacity, budget rules, savings rules and the settlement ----------------------
@st.composite
def capacities(draw: st.DrawFn) -> dict[str, Any]:
    """Acute capacity settings anywhere in their valid ranges, often perfectly variable (v = 1)."""
    return {
        "variable_share": draw(st.sampled_from([1.0]) | unit()),
        "premium": draw(unit(0.0, 2.0)),
        "headroom": draw(unit(0.0, 0.5)),
        "floor_share": draw(unit()),
        "decommission_rate": draw(unit()),
        "commission_rate": draw(unit(0.0, 2.0)),
        "lag_years": draw(st.integers(0, 3)),
        "exit_cost_share": draw(unit(0.0, 2.0)),
        "step_gbp_per_year": draw(money(1_000_000.0)),
    }


@st.composite
def budget_rules(draw: st.DrawFn, budget_gbp_per_year: float) -> dict[str, Any]:
    """An agency's budget rule with its reserves and savings rule, as the schema allows them together
    (a cash-limited body holds no reserves and does not retain)."""
    rule = draw(st.sampled_from(["balanced", "control_total", "cash_limited"]))
    cash_limited = rule == "cash_limited"
    savings = ["clawback", "reinvest"] if cash_limited else ["clawback", "retain", "reinvest"]
    return {
        "budget_rule": rule,
        "reserves_gbp": 0.0 if cash_limited else draw(st.sampled_from([0.0]) | unit(0.0, 0.2)) * budget_gbp_per_year,
        "savings_rule": draw(st.sampled_from(savings)),
        "reserve_cap_share": draw(unit(0.0, 0.3)),
        "reinvest_cap_share": draw(unit(0.0, 0.2)),
        "contingency_share": draw(unit(0.0, 0.1)),
        "fixed_base_cuttable_share": draw(unit()),
        "fixed_base_floor_share": draw(unit()),
        "control_total_limit_share": draw(unit(0.0, 0.1)),
        "repayment_years": draw(st.integers(1, 5)),
    }


def settlement_paths(agencies: list[str]) -> st.SearchStrategy[dict[str, list[float]]]:
    """Agency -> one to four years of real budget change (cuts as deep as a fifth a year)."""
    years = st.lists(unit(-0.2, 0.1), min_size=1, max_size=4)
    return st.dictionaries(st.sampled_from(agencies), years, max_size=len(agencies))


def some_of(names: list[str]) -> st.SearchStrategy[list[str]]:
    """Any subset of `names` (none when there are none)."""
    return st.lists(st.sampled_from(names), unique=True, max_size=len(names)) if names else st.just([])


@st.composite
def money_scenario_data(draw: st.DrawFn) -> dict[str, Any]:
    """A random valid small scenario with every part of the money model drawn: budget and savings
    rules, capacity in some duty domains, demand-led domains, a settlement path, ring-fence carry
    forward, and a warm-up policy of its own or none. Horizons reach the second year-end."""
    data = draw(scenario_data())
    data["run"]["steps"] = draw(st.integers(1, 9))
    for agency in data["agencies"].values():
        agency.update(draw(budget_rules(agency["budget_gbp_per_year"])))
        duties = sorted(d for d, share in agency["statutory_duties"].items() if share > 0)
        agency["demand_led"] = draw(some_of(duties))
        answered = [d for d in duties if d not in agency["demand_led"]]
        with_capacity = draw(some_of(answered))
        agency["capacity"] = {d: draw(capacities()) for d in with_capacity}
    data["settlement"] = {
        "path": draw(settlement_paths(list(data["agencies"]))),
        "ring_fence_carry_forward": draw(st.booleans()),
    }
    data["run"]["warmup_policy"] = draw(st.none() | policy_levers(list(data["agencies"])))
    return data


def money_scenarios() -> st.SearchStrategy[Scenario]:
    """Random valid small scenarios exercising capacity, budget rules and the settlement."""
    return money_scenario_data().map(Scenario.model_validate)
