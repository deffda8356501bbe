"""A small, short version of a shipped scenario as a file, for the app's model (which loads files)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
SAMPLE = 2_000


def short_file(folder: Path, shipped: str, steps: int = 6) -> Path:
    path = folder / shipped
    path.write_text(f"extends: {SCENARIOS / shipped}\nrun:\n  steps: {steps}\n  warmup_steps: 2\n")
    return path


@pytest.fixture
def pooled_file(tmp_path: Path) -> Path:
    """scenarios/pooled.yaml, six quarters, two of warm-up."""
    return short_file(tmp_path, "pooled.yaml")


@pytest.fixture
def silo_file(tmp_path: Path) -> Path:
    """scenarios/total_place_pilot.yaml (the silo baseline), six quarters, two of warm-up."""
    return short_file(tmp_path, "total_place_pilot.yaml")
