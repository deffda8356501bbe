"""The levers in the sidebar: each with its label and value above a full-width control, and, for
a lever that cannot act in the scenario as set, the reason under it (and the control disabled
when it can change nothing; see lever_reach.py). Sliders report on release (slider.py), so
Reset always uses the value a slider shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara
from mesa.visualization import Slider

from sim.app.controls import shown
from sim.app.lever_reach import Reach
from sim.app.slider import ReleasedSlider

LEVER_CLASS = "placesim-lever"
NOTE_CLASS = "placesim-lever-note"
VALUE_CLASS = "placesim-lever-value"


@solara.component
def LeverSlider(slider: Slider, value: float, on_value: Callable[[Any], None], disabled: bool):
    """A slider starting at the lever's value when it was made (a picked file makes a new one)."""
    start = solara.use_memo(lambda: float(value), [])
    cast = float if slider.is_float_slider else int
    return ReleasedSlider.element(
        value=start,
        label=slider.label,
        min=slider.min,
        max=slider.max,
        step=slider.step,
        disabled=disabled,
        on_release=lambda released: on_value(cast(released)),
    )


@solara.component
def Lever(
    name: str, options: Slider | dict[str, Any], value: Any, on_value: Callable[[Any], None], reach: Reach | None
):
    """One lever: label and value, the control, and what limits it here, if anything."""
    disabled = bool(reach and reach.disabled)
    classes = [LEVER_CLASS, f"lever-{name}", *(["placesim-disabled"] if disabled else [])]
    with solara.Div(classes=classes):
        if isinstance(options, Slider):
            with solara.Row(justify="space-between", style={"align-items": "baseline"}):
                solara.Text(options.label, classes=["placesim-lever-label"])
                solara.Text(shown(name, value), classes=[VALUE_CLASS])
            LeverSlider(options, value, on_value, disabled)
        elif options["type"] == "Select":
            solara.Select(options["label"], value=value, values=options["values"], on_value=on_value, disabled=disabled)
        else:
            solara.Checkbox(label=options["label"], value=bool(value), on_value=on_value, disabled=disabled)
        if reach:
            solara.Text(reach.note, classes=[NOTE_CLASS])


def adjustable(params: Mapping[str, Any]) -> dict[str, Slider | dict[str, Any]]:
    """The parameters a student sets (Mesa's sliders and typed inputs), not the fixed ones."""
    return {n: p for n, p in params.items() if isinstance(p, Slider) or (isinstance(p, dict) and "type" in p)}


@solara.component
def LeverInputs(
    params: Mapping[str, Any], values: solara.Reactive[dict[str, Any]], reach: Mapping[str, Reach], generation: int
):
    """Every lever of `params` (Mesa `model_params`), showing and setting `values`; a new
    `generation` (a picked file) makes the controls anew, at the new values."""

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: values.set({**values.value, name: value})

    for name, options in adjustable(params).items():
        Lever(name, options, values.value[name], setter(name), reach.get(name)).key(f"{name}-{generation}")
