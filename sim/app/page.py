"""The page `solara run` serves: a scenario picker above Mesa's SolaraViz of an `AppPlace`.

Picking a scenario file starts a new place from it: the levers jump to the file's values (the
number of simulated citizens, the seed and the silo comparison are kept). Moving a lever changes
nothing until Reset, as in every SolaraViz: Reset starts the place again with the levers as set.
The first scenario comes from the `PLACESIM_APP_SCENARIO` environment variable (set by
`placesim app`), else the shipped default; the files offered are those of `PLACESIM_APP_FOLDER`
(set too), else the first scenario's folder. A value the picker sends that is not one of them
(a browser can send anything) changes nothing and is refused in words under the picker.
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
from sim.app.scenario_files import NotOffered, ScenarioFiles
from sim.app.server import DEFAULT_SCENARIO, FOLDER_ENV, SCENARIO_ENV
from sim.app.views import COMPONENTS, in_force
from sim.scenario import ScenarioError, load_scenario

TITLE = "placesim: pooled budgets in a place"


def first_scenario() -> Path:
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO).resolve()


def scenario_folder() -> Path:
    return Path(os.environ.get(FOLDER_ENV) or first_scenario().parent).resolve()


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
def ScenarioPicker(files: ScenarioFiles, path: Path, on_pick, running: AppPlace, refusal: str, refusals: int):
    """The scenario files the app offers, what the chosen one is, and the settings in force in
    the running place; under them, why the last value the picker sent was refused, if it was."""
    choices = solara.use_memo(lambda: [choice.name for choice in files.listing()[0]], [files])
    description = solara.use_memo(lambda: load_scenario(path).description.strip(), [path])
    with solara.Sidebar(), solara.Card("Scenario"):
        # a new key after a refusal: the select shows the running file again, not the refused value
        solara.Select("Scenario file", value=path.name, values=choices, on_value=on_pick).key(f"picker-{refusals}")
        if refusal:
            solara.Error(refusal, classes=["placesim-refused"])
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
    files = solara.use_memo(lambda: ScenarioFiles(scenario_folder()), [])
    initial = solara.use_memo(lambda: controls.model_params(first_scenario(), folder=files.folder), [])
    params = solara.use_reactive(initial)
    model = solara.use_reactive(solara.use_memo(lambda: place_class(controls.start_values(initial))(), []))
    generation = solara.use_reactive(0)
    refusal = solara.use_reactive("")
    refusals = solara.use_reactive(0)

    def pick(value: object) -> None:
        """Start a new place from the file `value` names, if the app offers it; else say why not."""
        running = model.value
        try:
            path = files.path_of(value)
            fresh = controls.model_params(
                path, running.population_sample, running.seed, running.compare_with_silo, folder=files.folder
            )
            place = place_class(controls.start_values(fresh))()
        except (NotOffered, ScenarioError) as error:
            refusal.set(f"{error}. The place was not changed.")
            refusals.set(refusals.value + 1)
            return
        refusal.set("")
        params.set(fresh)
        model.set(place)
        generation.set(generation.value + 1)

    ScenarioPicker(files, Path(params.value["scenario"]), pick, model.value, refusal.value, refusals.value)
    # a new key remounts SolaraViz, so its sliders show the new scenario's levers
    SolaraViz(model, components=COMPONENTS, model_params=params.value, name=TITLE).key(f"viz-{generation.value}")
