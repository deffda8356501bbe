"""The calibration's simulator: a draw of the free parameters -> a dict of named statistics.

It is the function pyabc samples (and any other method could), a frozen picklable object rather
than a closure so a Dask worker can receive it. A draw's seed is a hash of its values, so a
particle can be re-run exactly; every regime a target compares runs with the same draw and seed
(common random numbers), so a paired statistic carries no seed noise between regimes. Only the
regimes that the requested targets need are run: held-out targets are computed in the
posterior-predictive runs alone and never reach the fit.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from sim.calibration.loading import Calibration
from sim.calibration.parameters import apply_draw
from sim.calibration.statistics import Runs, compute
from sim.model.simulate import RunResult, simulate
from sim.scenario.schema import Scenario


def draw_seed(values: Mapping[str, float]) -> int:
    """A seed from the draw itself: the same values always run the same citizens."""
    canonical = json.dumps({name: float(values[name]) for name in sorted(values)}, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:4], "little")


@dataclass(frozen=True)
class CalibrationSimulator:
    """Runs a draw and returns the statistics of `targets` (names in the calibration file)."""

    calibration: Calibration
    targets: tuple[str, ...]
    population_sample: int
    steps: int | None = None

    def __call__(self, values: Mapping[str, float]) -> dict[str, float]:
        plain = {name: float(values[name]) for name in self.calibration.parameters}
        return self.statistics(plain, draw_seed(plain))

    def regimes_needed(self) -> list[str]:
        specs = self.calibration.spec.targets
        return sorted({specs[name].regime for name in self.targets if specs[name].regime is not None})

    def statistics(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        parameters = self.calibration.parameters
        with warnings.catch_warnings():
            # a small sample settles fixed bases outside their published ranges on every build
            # (FixedBaseWarning); inert-lever warnings say nothing about fit
            warnings.simplefilter("ignore")
            base = self.run(apply_draw(self.calibration.scenario, parameters, values), seed)
            regimes = {
                name: self.run(apply_draw(self.calibration.regimes[name], parameters, values), seed)
                for name in self.regimes_needed()
            }
        runs = Runs(base, regimes)
        specs = self.calibration.spec.targets
        return {
            name: compute(specs[name].statistic, runs, domain=specs[name].domain, agency=specs[name].agency,
                          regime=specs[name].regime)
            for name in self.targets
        }

    def run(self, scenario: Scenario, seed: int) -> RunResult:
        return simulate(scenario, seed=seed, steps=self.steps, population_sample=self.population_sample)
