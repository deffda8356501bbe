"""The page `solara run` serves: a sidebar (scenario, Reset/Play/Step, the levers) beside the views
of an `AppPlace` in two tabs, composed from Mesa's SolaraViz parts.

Mesa's `SolaraViz` adds developer controls a student cannot use (play and render intervals, "Use
Threads") and names its tabs "Page 0"; its sliders show their values only while dragged, beside
a narrow track. So the page takes from Mesa what a student needs: `ModelController` (Reset, ▶ /
❚❚, Step; Reset builds `AppPlace(**values)`), the step counter and the `update_counter` signal the
views redraw on; the levers (lever_inputs.py) and the tabs are the app's own.

Picking a scenario file starts a new place from it: the levers jump to the file's values (the
number of simulated citizens, the seed and the silo comparison are kept). Moving a lever changes
nothing until Reset: Reset starts the place again with the levers as set. The first scenario
comes from the `PLACESIM_APP_SCENARIO` environment variable (set by `placesim app`), else the
shipped default; the files offered are those of `PLACESIM_APP_FOLDER` (set too), else the first
scenario's folder. A value the picker sends that is not one of them (a browser can send
anything) changes nothing and is refused in words under the picker.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import solara
from mesa.visualization.solara_viz import ModelController, ShowSteps
from mesa.visualization.utils import update_counter

from sim.app import controls
from sim.app.lever_inputs import LeverInputs
from sim.app.lever_reach import lever_reach
from sim.app.look import CSS
from sim.app.place import AppPlace, Levers
from sim.app.scenario_files import NotOffered, ScenarioFiles
from sim.app.server import DEFAULT_SCENARIO, FOLDER_ENV, SCENARIO_ENV
from sim.app.view_tabs import ViewTabs
from sim.app.views import in_force, progress
from sim.scenario import ScenarioError, load_scenario

TITLE = "placesim: pooled budgets in a place"
PLAY_INTERVAL_MS = 150  # Play's pause between quarters: a quarter a glance


def first_scenario() -> Path:
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO).resolve()


def scenario_folder() -> Path:
    return Path(os.environ.get(FOLDER_ENV) or first_scenario().parent).resolve()


# how the settings in force (views.in_force) name the keywords that are not named as they read
NAMES = {
    "population_sample": "simulated citizens",
    "compare_with_silo": "silo baseline",
    "collaboration": "initial collaboration",
}


def not_applied(values: dict[str, Any], running: AppPlace) -> list[str]:
    """The levers set in the sidebar that differ from those the running place was built with."""
    built = {**vars(running.levers), "population_sample": running.population_sample, "seed": running.seed}
    built["compare_with_silo"] = running.compare_with_silo
    return [
        f"{NAMES.get(name, name.replace('_', ' '))} {controls.shown(name, values[name])}"
        for name, value in built.items()
        if name in values and controls.shown(name, values[name]) != controls.shown(name, value)
    ]


@solara.component
def ScenarioPicker(files: ScenarioFiles, path: Path, on_pick, refusal: str, refusals: int):
    """The scenario files the app offers and what the chosen one is; under them, why the last
    value the picker sent was refused, if it was."""
    choices = solara.use_memo(lambda: [choice.name for choice in files.listing()[0]], [files])
    description = solara.use_memo(lambda: load_scenario(path).description.strip(), [path])
    with solara.Card("Scenario", classes=["placesim-card"]):
        # a new key after a refusal: the select shows the running file again, not the refused value
        solara.Select("Scenario file", value=path.name, values=choices, on_value=on_pick).key(f"picker-{refusals}")
        if refusal:
            solara.Error(refusal, classes=["placesim-refused"])
        # plain HTML, not solara.Markdown: that loads a diagram library from a CDN
        solara.HTML("p", html.escape(description), classes=["placesim-description"])


@solara.component
def Progress(model: AppPlace, values: dict[str, Any]):
    """Where the running place is, and which levers are set but not yet applied (until Reset)."""
    update_counter.get()
    solara.HTML("div", html.escape(progress(model)), classes=["placesim-readout", "placesim-progress"])
    pending = not_applied(values, model)
    if pending:
        solara.Text(f"Press Reset to apply: {' · '.join(pending)}", classes=["placesim-pending"])
    else:
        solara.Text("Levers apply when you press Reset.", classes=["placesim-hint"])


@solara.component
def Page():
    files = solara.use_memo(lambda: ScenarioFiles(scenario_folder()), [])
    initial = solara.use_memo(lambda: controls.model_params(first_scenario(), folder=files.folder), [])
    params = solara.use_reactive(initial)  # the levers' ranges and labels, for the picked file
    values = solara.use_reactive(controls.start_values(initial))  # as set in the sidebar; Reset builds from them
    model = solara.use_reactive(solara.use_memo(lambda: AppPlace(**controls.start_values(initial)), []))
    generation = solara.use_reactive(0)
    refusal = solara.use_reactive("")
    refusals = solara.use_reactive(0)
    path = Path(params.value["scenario"])
    scenario = solara.use_memo(lambda: load_scenario(path), [path])
    # Mesa's ModelController reads these as reactive values; the page offers no control of them
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    def pick(value: object) -> None:
        """Start a new place from the file `value` names, if the app offers it; else say why not."""
        running = model.value
        try:
            picked = files.path_of(value)
            fresh = controls.model_params(
                picked, running.population_sample, running.seed, running.compare_with_silo, folder=files.folder
            )
            place = AppPlace(**controls.start_values(fresh))
        except (NotOffered, ScenarioError) as error:
            refusal.set(f"{error}. The place was not changed.")
            refusals.set(refusals.value + 1)
            return
        refusal.set("")
        params.set(fresh)
        values.set(controls.start_values(fresh))
        model.set(place)
        generation.set(generation.value + 1)

    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column(gap="8px", classes=["placesim-sidebar"]):
        ScenarioPicker(files, path, pick, refusal.value, refusals.value)
        with solara.Card(classes=["placesim-card", "placesim-controls"]):
            # a new key after a pick stops Play: the new place starts paused at quarter 0
            ModelController(
                model,
                model_parameters=values,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=use_threads,
            ).key(f"controls-{generation.value}")
            ShowSteps(model.value)
            Progress(model.value, values.value)
        with solara.Card("Levers", classes=["placesim-card"]):
            reach = lever_reach(scenario, Levers.chosen(values.value))
            LeverInputs(params.value, values, reach, generation.value)
        solara.Text(in_force(model.value), classes=["placesim-in-force"])
    ViewTabs(model.value)
