"""A small real experiment, swept once per session, for the report tests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sim.experiment.experiment import load_experiment
from tests.experiment.conftest import experiment_file

SCENARIOS = """
seed: 3
replications: 3
baseline: silo
design:
  kind: scenarios
  fixed: {run.warmup_steps: 1}
  points:
    silo: {}
    pooled: {set: {policy.pool.rule: need, policy.pool.rate: 0.4}}
    devolved: {set: {policy.ring_fence_share: 0.2}}
"""
QUICK_OUTPUTS = "outputs: [spend_gbp, crises, wellbeing, unmet_statutory_demand_gbp, deficit_gbp, collaboration, pool_balance_gbp, pool_members]\n"


def sweep(folder: Path, body: str, name: str, steps: int | None = None) -> Path:
    """Run the experiment `body` (with the report's outputs, and `steps` quarters if given) into a folder."""
    path = experiment_file(folder, body, name)
    text = path.read_text().replace("outputs: [crises, wellbeing, collaboration, spend_gbp]\n", QUICK_OUTPUTS)
    path.write_text(text if steps is None else text.replace("steps: 6\n", f"steps: {steps}\n"))
    out = folder / f"results-{name}"
    with ThreadPoolExecutor(max_workers=2) as executor:
        load_experiment(path).run(out=out, executor=executor)
    return out


@pytest.fixture(scope="session")
def scenarios_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three regimes x 3 paired replications at 1,000 citizens and 6 quarters."""
    return sweep(tmp_path_factory.mktemp("scenarios"), SCENARIOS, "regimes")
