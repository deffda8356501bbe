"""A Vega-Lite chart widget that draws its spec once and then only swaps its data.

solara's own `FigureAltair` widget hands the whole spec to vega-embed on every change, which
compiles Vega-Lite and builds a new view: eight charts took 300-500 ms of browser time per step
on this project's 2-core machine, most of a step. Swapping the rows of a drawn view
(`view.data(...)`) took 20-40 ms for all eight. The spec is drawn again only when it changes
(a Reset with other settings, or the first step, when the y scales get their data).

Vega, Vega-Lite and vega-embed are loaded with the page's RequireJS from solara's CDN proxy, the
same files solara's own widget loads (see browser_files.py).
"""

from __future__ import annotations

import json

import ipyvue
import traitlets

from sim.app.charts import Chart

TEMPLATE = """
<template>
  <div ref="plot" class="placesim-chart" style="width: 100%"></div>
</template>
<script>
module.exports = {
  mounted() { this.draw(); },
  beforeDestroy() { this.release(); },
  watch: {
    spec() { this.draw(); },
    values() { this.swap(); },
  },
  methods: {
    libraries() {
      if (!window.placesimVegaEmbed) {
        const cdn = (window.solara && window.solara.cdn) || "https://cdn.jsdelivr.net/npm";
        window.requirejs.config({paths: {
          "vega": `${cdn}/vega@5/build/vega.min`,
          "vega-lite": `${cdn}/vega-lite@5/build/vega-lite.min`,
          "vega-embed": `${cdn}/vega-embed@6/build/vega-embed.min`,
        }});
        window.placesimVegaEmbed = new Promise((resolve, reject) => window.requirejs(["vega-embed"], resolve, reject));
      }
      return window.placesimVegaEmbed;
    },
    then(work) {
      // draws and swaps run one after another, in the order the changes came
      this.queue = (this.queue || Promise.resolve()).then(work).catch(error => console.error("placesim chart:", error));
    },
    release() {
      if (this.observer) this.observer.disconnect();
      if (this.view) this.view.finalize();
      this.view = null;
    },
    draw() {
      this.then(async () => {
        const vegaEmbed = await this.libraries();
        this.release();
        const spec = JSON.parse(this.spec);
        spec.data = {...spec.data, values: JSON.parse(this.values)};
        const result = await vegaEmbed(this.$refs.plot, spec, {actions: false, renderer: "svg"});
        this.view = result.view;
        this.observer = new ResizeObserver(() => this.view && this.view.resize().runAsync());
        this.observer.observe(this.$refs.plot);
      });
    },
    swap() {
      this.then(async () => {
        if (this.view) await this.view.data(JSON.parse(this.spec).data.name, JSON.parse(this.values)).runAsync();
      });
    },
  },
};
</script>
"""


class LiveChart(ipyvue.VueTemplate):
    """A Vega-Lite spec reading the named data set `spec["data"]["name"]`, whose rows are `values`,
    both as JSON text: Solara's renderer walks through list and dict props on every render looking
    for widgets, which for eight charts' rows cost more than the model's step."""

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    spec = traitlets.Unicode("{}").tag(sync=True)
    values = traitlets.Unicode("[]").tag(sync=True)


def live_chart(chart: Chart):
    """The element showing `chart`."""
    return LiveChart.element(spec=json.dumps(chart.spec), values=json.dumps(chart.values, separators=(",", ":")))
