"""`python -m sim` is the `placesim` command."""

from sim.cli import command

command()
