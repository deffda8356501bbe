"""The calibration wing: fit a scenario's unknowns to published patterns with ABC-SMC, hold some
patterns back to validate, and write a posterior that experiments draw from (docs/calibration.md).

    placesim calibrate calibration/total_place_pilot.yaml --out calibration/results/total_place_pilot
"""
