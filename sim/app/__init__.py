"""The app wing's face for students: a browser app on Mesa's SolaraViz (`placesim app`).

controls.py builds the sliders from the scenario schema; scenario_files.py says which scenario
files the app offers and is the only way from a picked value to a file; place.py is the model the
app steps (a scenario plus the levers, and the 2009-10 silo baseline beside it); charts.py and
views.py draw it; page.py is the page solara serves; server.py serves it; browser_files.py keeps
the page's JavaScript available without internet access.
"""
