"""The app's controls: Mesa `model_params` built from a scenario file and the scenario schema.

Each lever starts at the scenario file's value and ranges over what the schema accepts (a
narrower teaching range for budget growth), so no slider position makes an invalid scenario.
The scenario file and the folder of files the app offers are fixed parameters: the page's
scenario picker swaps the file (see page.py), and `AppPlace` loads only a file of that folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotated_types import Ge, Le
from mesa.visualization import Slider
from pydantic import BaseModel

from sim.app.place import Levers
from sim.scenario import PoolRule, load_scenario
from sim.scenario.schema import Agency, Policy, Pool

DEFAULT_POPULATION_SAMPLE = 10_000
POPULATION_SAMPLES = [1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000]
BUDGET_GROWTH_RANGE = (-0.1, 0.1)  # a real cut or rise of up to 10% a year (the schema allows 50%),
# widened to the scenario's own value if that lies outside
SEEDS = (0, 99)
COMPARE_LABEL = "Compare with the 2009-10 silo baseline (same seed)"


def schema_bounds(model: type[BaseModel], field: str) -> tuple[float, float]:
    """The (ge, le) bounds a scenario field declares."""
    metadata = model.model_fields[field].metadata
    low = next(m.ge for m in metadata if isinstance(m, Ge))
    high = next(m.le for m in metadata if isinstance(m, Le))
    return float(low), float(high)


def share_slider(label: str, value: float, model: type[BaseModel], field: str, step: float) -> Slider:
    low, high = schema_bounds(model, field)
    return Slider(label, value=float(value), min=low, max=high, step=step, dtype=float)


def model_params(
    scenario_path: Path,
    population_sample: int = DEFAULT_POPULATION_SAMPLE,
    seed: int | None = None,
    compare_with_silo: bool = True,
    folder: Path | None = None,
) -> dict[str, Any]:
    """Mesa `model_params` for `AppPlace`, starting from the levers of `scenario_path`, a file of
    `folder` (by default, the folder it is in)."""
    scenario = load_scenario(scenario_path)
    levers = Levers.of(scenario)
    seed = scenario.run.seed if seed is None else seed
    growth_low, growth_high = BUDGET_GROWTH_RANGE
    return {
        "scenario": str(scenario_path),
        "scenario_folder": str(folder or Path(scenario_path).parent),
        "pool_rule": {
            "type": "Select",
            "label": "Pool rule",
            "value": levers.pool_rule,
            "values": [rule.value for rule in PoolRule],
        },
        "pooling_rate": share_slider(
            "Pooling rate (share of flexible income)", levers.pooling_rate, Pool, "rate", 0.01
        ),
        "gain_share": {"type": "Checkbox", "label": "Gain-share", "value": levers.gain_share},
        "ring_fence_share": share_slider(
            "Ring-fence share (1 = all ring-fenced)", levers.ring_fence_share, Policy, "ring_fence_share", 0.05
        ),
        "target_pressure": share_slider(
            "Silo target pressure", levers.target_pressure, Policy, "target_pressure", 0.05
        ),
        "budget_growth": Slider(
            "Budget growth per year",
            value=levers.budget_growth,
            min=min(growth_low, levers.budget_growth),
            max=max(growth_high, levers.budget_growth),
            step=0.01,
            dtype=float,
        ),
        "collaboration": share_slider(
            "Initial collaboration (agencies' mean)", levers.collaboration, Agency, "collaboration", 0.05
        ),
        "population_sample": {
            "type": "Select",
            "label": "Simulated citizens",
            "value": population_sample,
            "values": sorted({*POPULATION_SAMPLES, population_sample}),
        },
        "seed": Slider("Seed", value=seed, min=SEEDS[0], max=max(SEEDS[1], seed), step=1, dtype=int),
        "compare_with_silo": {"type": "Checkbox", "label": COMPARE_LABEL, "value": compare_with_silo},
    }


def shown(name: str, value: Any) -> str:
    """A lever's value as the sidebar and the settings in force write it."""
    if name == "gain_share" or name == "compare_with_silo":
        return "on" if value else "off"
    if name == "budget_growth":
        return f"{float(value):+.0%} a year"
    if name == "population_sample":
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def start_values(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments `AppPlace` gets from `params` before any control is moved."""
    values = {}
    for name, param in params.items():
        if isinstance(param, Slider):
            values[name] = param.value
        elif isinstance(param, dict) and "type" in param:
            values[name] = param["value"]
        else:
            values[name] = param
    return values
