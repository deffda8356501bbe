"""placesim: an agent-based simulation of pooled public-service budgets in a place.

    from sim import load_scenario, run
    result = run(load_scenario("scenarios/total_place_pilot.yaml"), seed=1)
    result.steps, result.ledger, result.balances, result.summary
"""

from sim.model import RunResult, run
from sim.scenario import ScenarioError, load_scenario

__version__ = "0.1.0"
__all__ = ["RunResult", "ScenarioError", "load_scenario", "run"]
