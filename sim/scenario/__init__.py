"""The scenario wing: typed, validated, frozen inputs and how they are read from YAML."""

from sim.scenario.loading import (
    ScenarioError,
    load_scenario,
    parse_assignment,
    scenario_hash,
    with_overrides,
)
from sim.scenario.schema import Agency, Domain, FundUse, Policy, Pool, PoolRule, Scenario

__all__ = [
    "Agency",
    "Domain",
    "FundUse",
    "Policy",
    "Pool",
    "PoolRule",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_assignment",
    "scenario_hash",
    "with_overrides",
]
