"""A Vuetify slider that tells the server its value when released or moved by a key, and that
the server never moves back.

Mesa's sliders (solara's `SliderFloat`) send their position through the widget's synced
`v_model`. ipywidgets sends a widget's state changes one at a time, each after the server has
acknowledged the one before, so the last position of a slider moved quickly could reach the
server after a Reset clicked just after it: Reset built the place with an earlier value. And a
server that pushes `v_model` back while newer positions are on their way moves the thumb to an
old one. Here the position lives in the browser (`:value` binds one way: the server's `value` is
only the start), and each released position goes to the server as an event (`change`), which
ipywidgets sends at once and in order, before the click on Reset that follows it.
"""

from __future__ import annotations

from collections.abc import Callable

import ipyvue
import traitlets

TEMPLATE = """
<template>
  <v-slider :value="value" :label="label" :min="min" :max="max" :step="step" :disabled="disabled"
            thumb-label hide-details class="placesim-slider" @change="report"></v-slider>
</template>
"""


class ReleasedSlider(ipyvue.VueTemplate):
    """`value` is where the slider starts; `on_release` hears every position it is released at."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    value = traitlets.Float(0.0).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)  # names the slider for screen readers and tests
    min = traitlets.Float(0.0).tag(sync=True)
    max = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(0.01).tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)
    on_release = traitlets.Any(None)  # a callable of the released value; not sent to the browser

    def vue_report(self, data: float) -> None:
        """The browser's `change` event: the value the slider was released at."""
        callback: Callable[[float], None] | None = self.on_release
        if callback is not None:
            callback(float(data))
