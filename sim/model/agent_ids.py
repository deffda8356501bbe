"""Agent ids that do not keep models alive: a fix for Mesa 3.3.1's class-level registry.

Mesa 3.3.1 numbers agents from a class attribute, `Agent._ids`, a `defaultdict` keyed by the model
itself, so every model ever built stays reachable for the life of the process, with its population
(about 25 MiB a run at 200,000 citizens): sweeps' workers, calibrations and the app's Reset grew
without bound. Mesa fixed it after 3.3.1 (mesa/mesa#3179, #3180), in releases that need Python 3.12.
`ServiceAgency` shadows the attribute with this mapping, which holds each model weakly and gives
the same ids (1, 2, 3, ... per model).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator

import mesa


class WeakIdCounters(weakref.WeakKeyDictionary):
    """Model -> `itertools.count(1)`, created on first use, dropped when the model is collected."""

    def __getitem__(self, model: mesa.Model) -> Iterator[int]:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter
