"""The app wing's face for students: a browser app on Mesa's SolaraViz (`placesim app`).

controls.py builds the sliders from the scenario schema and the scenarios folder; place.py is the
model the app steps (a scenario plus the levers, and the 2009-10 silo baseline beside it);
charts.py and views.py draw it; page.py is the page solara serves; server.py serves it;
browser_files.py keeps the page's JavaScript available without internet access.
"""
