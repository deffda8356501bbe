"""Shared fixtures: the shipped default scenario, a small fast version of it, and a tiny place."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import Scenario, load_scenario
from tests import builders

ROOT = Path(__file__).resolve().parents[1]
FAST_RUN = {"run.population_sample": 2000, "run.steps": 8, "run.warmup_steps": 2}


@pytest.fixture(scope="session")
def default_scenario_path() -> Path:
    """The shipped Total Place pilot scenario."""
    return ROOT / "scenarios" / "total_place_pilot.yaml"


@pytest.fixture(scope="session")
def small_scenario(default_scenario_path: Path) -> Scenario:
    """The default place at 2000 simulated citizens, 8 quarters, 2 of warm-up: runs in ~0.1 s."""
    return load_scenario(default_scenario_path, overrides=FAST_RUN)


@pytest.fixture(scope="session")
def small_pooled_scenario(default_scenario_path: Path) -> Scenario:
    """The small default place with a devolved, pooled regime and gain-share."""
    return load_scenario(
        default_scenario_path,
        overrides={
            **FAST_RUN,
            "policy.ring_fence_share": 0.1,
            "policy.pool.rule": "need",
            "policy.pool.rate": 0.5,
            "policy.pool.gain_share": True,
        },
    )


@pytest.fixture
def tiny_scenario() -> Scenario:
    """Two quiet domains (x, y), agency a holding both duties, agency b none; nothing moves."""
    return builders.scenario()
