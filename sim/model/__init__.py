"""The model wing: population, agencies, pool, ledger, learning and the Mesa model."""

from sim.model.simulate import RunResult, run, simulate

__all__ = ["RunResult", "run", "simulate"]
