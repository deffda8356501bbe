"""The views in two tabs, four to a tab, two by two: the first screen shows the outcomes against
the silo baseline, and every other view is one click away.

Both tabs stay on the page, stacked in one grid cell with the other tab invisible, so a chart in
the hidden tab keeps its width and is up to date the moment its tab is picked, and a reader
waiting for all eight views to show a quarter (the browser tests, benchmarks/app_step.py) finds
them all.
"""

from __future__ import annotations

import solara

from sim.app.place import AppPlace
from sim.app.views import TABS, View

HIDDEN_CLASS = "placesim-hidden"


@solara.component
def ViewTabs(model: AppPlace):
    tab, set_tab = solara.use_state(0)
    with solara.Div(classes=["placesim-views"]):
        with solara.v.Tabs(v_model=tab, on_v_model=set_tab, class_="placesim-tabs", height=40):
            for page in TABS:
                solara.v.Tab(children=[page.label])
        with solara.Div(classes=["placesim-tab-pages"]):
            for index, page in enumerate(TABS):
                shown = [] if index == tab else [HIDDEN_CLASS]
                with solara.Div(classes=["placesim-tab-page", f"placesim-tab-{index}", *shown]):
                    for panel in page.panels:
                        View(model, panel).key(panel.__name__)
