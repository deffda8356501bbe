"""The page `solara run` serves: a scenario picker above Mesa's SolaraViz of an `AppPlace`.

Picking a scenario file starts a new place from it: the levers jump to the file's values (the
number of simulated citizens, the seed and the silo comparison are kept). Moving a lever changes
nothing until Reset, as in every SolaraViz: Reset starts the place again with the levers as set.
The first scenario comes from the `PLACESIM_APP_SCENARIO` environment variable (set by
`placesim app`), else the shipped default.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz

from sim.app import controls
from sim.app.place import AppPlace
from sim.app.server import DEFAULT_SCENARIO, SCENARIO_ENV
from sim.app.views import COMPONENTS, in_force
from sim.scenario import load_scenario

TITLE = "placesim: pooled budgets in a place"


def first_scenario() -> Path:
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO).resolve()


def place_class(values: dict[str, Any]) -> type[AppPlace]:
    """`AppPlace` with `values` as the default of every keyword.

    SolaraViz's Reset builds `model.value.__class__(**parameters)` from the values its controls
    registered. After a pick, SolaraViz is mounted again but its controls are not: solara's
    sidebar is a portal that keeps its children's state, so they never register their start
    values and only a moved control reaches `parameters`. The rest must come from the class.
    """

    class Place(AppPlace):
        def __init__(self, **kwargs: Any):  # named `kwargs`, as Mesa's check of model parameters expects
            super().__init__(**{**values, **kwargs})

    return Place


@solara.component
def ScenarioPicker(path: Path, on_pick, running: AppPlace):
    """The scenario files beside the current one, what the chosen one is, and the settings in
    force in the running place."""
    choices = solara.use_memo(lambda: controls.scenario_choices(path.parent)[0], [path.parent])
    description = solara.use_memo(lambda: load_scenario(path).description.strip(), [path])
    with solara.Sidebar(), solara.Card("Scenario"):
        solara.Select(
            "Scenario file",
            value=path.name,
            values=[choice.name for choice in choices],
            on_value=lambda name: on_pick(path.parent / name),
        )
        # plain HTML, not solara.Markdown: that loads a diagram library from a CDN
        solara.HTML("p", html.escape(description), style="font-size: 13px")
        solara.HTML(
            "p",
            "<em>The levers under Model Parameters start at this file's values. "
            "Move them, then press Reset to start the place again with them.</em>",
            style="font-size: 13px",
        )
        solara.Text(in_force(running), classes=["placesim-in-force"], style={"font-size": "12px"})


@solara.component
def Page():
    initial = solara.use_memo(lambda: controls.model_params(first_scenario()), [])
    params = solara.use_reactive(initial)
    model = solara.use_reactive(solara.use_memo(lambda: place_class(controls.start_values(initial))(), []))
    generation = solara.use_reactive(0)

    def pick(path: Path) -> None:
        running = model.value
        fresh = controls.model_params(path, running.population_sample, running.seed, running.compare_with_silo)
        params.set(fresh)
        model.set(place_class(controls.start_values(fresh))())
        generation.set(generation.value + 1)

    ScenarioPicker(Path(params.value["scenario"]), pick, model.value)
    # a new key remounts SolaraViz, so its sliders show the new scenario's levers
    SolaraViz(model, components=COMPONENTS, model_params=params.value, name=TITLE).key(f"viz-{generation.value}")
