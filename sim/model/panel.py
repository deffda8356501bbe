"""Microdata: a panel of individual citizens, quarter by quarter, for those who analyse people.

The panel follows the first `n` simulated citizens (households are contiguous runs of citizens
drawn at random, so these are whole random households, but perhaps the last). One row per step,
citizen and domain (docs/results.md, "panel"):

    step, citizen, household, domain, need, crises, treated, package, waiting

`need` is the need at the end of the quarter, `crises` the citizen's crisis events in that domain
that quarter (events.py), `treated` whether silo prevention treated the citizen in that domain,
`package` whether a pooled package reached the citizen (the same in every domain row), and
`waiting` whether the citizen is in an agency's prevention queue for that domain at the end of
the quarter (targeting.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.model.model import PlaceModel

PANEL_COLUMNS = ["step", "citizen", "household", "domain", "need", "crises", "treated", "package", "waiting"]


def within(citizens: np.ndarray, n: int) -> np.ndarray:
    return citizens[citizens < n]


class PanelRecorder:
    """Collects the panel's quarters as arrays; `table()` makes the long DataFrame once."""

    def __init__(self, model: PlaceModel, citizens: int):
        self.n = min(citizens, model.population.size)
        self.domains = model.scenario.domain_names
        self.household = model.population.household[: self.n].copy()
        self.quarters: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def record(self, model: PlaceModel) -> None:
        n, index = self.n, model.domain_index
        shape = (len(self.domains), n)
        events = np.stack([model.crises.events[d][:n] for d in self.domains])
        treated, waiting = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
        for agency in model.agency_list:
            for domain, referrals in agency.referrals.items():
                treated[index[domain], within(referrals.treated, n)] = True
            for domain, service in agency.prevention_services.items():
                waiting[index[domain], within(service.queue, n)] = True
        package = np.zeros(n, dtype=bool)
        package[within(model.pool.helped, n)] = True
        self.quarters.append((model.steps, model.population.needs[:, :n].copy(), events, treated, package, waiting))

    def table(self) -> pd.DataFrame:
        """One row per step, citizen and domain, ordered so."""
        n, n_domains = self.n, len(self.domains)
        if not self.quarters:
            return pd.DataFrame(columns=PANEL_COLUMNS)
        steps = len(self.quarters)

        def stacked(position: int) -> np.ndarray:  # [steps, n, D] flattened
            return np.stack([quarter[position].T for quarter in self.quarters]).reshape(-1)

        citizen = np.tile(np.repeat(np.arange(n, dtype=np.int32), n_domains), steps)
        return pd.DataFrame(
            {
                "step": np.repeat(np.array([q[0] for q in self.quarters], dtype=np.int16), n * n_domains),
                "citizen": citizen,
                "household": self.household[citizen],
                "domain": pd.Categorical.from_codes(np.tile(np.arange(n_domains), steps * n), categories=self.domains),
                "need": stacked(1),
                "crises": stacked(2),
                "treated": stacked(3),
                "package": np.repeat(np.stack([q[4] for q in self.quarters]).reshape(-1), n_domains),
                "waiting": stacked(5),
            }
        )
