"""`python -m sim` is the `placesim` command."""

from sim.cli import main

raise SystemExit(main())
