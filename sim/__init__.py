"""placesim: an agent-based simulation of pooled public-service budgets in a place.

    from sim import load_scenario, run
    result = run(load_scenario("scenarios/total_place_pilot.yaml"), seed=1)
    result.steps, result.ledger, result.balances, result.summary

The names below are imported on first use (PEP 562), not with the package: `placesim --version`,
`--help` and a Ctrl-C in the first second then need no model, Mesa or pandas import.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"
__all__ = ["RunResult", "ScenarioError", "load_scenario", "run"]
_HOME = {"RunResult": "sim.model", "run": "sim.model", "ScenarioError": "sim.scenario", "load_scenario": "sim.scenario"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    return getattr(import_module(_HOME[name]), name)
