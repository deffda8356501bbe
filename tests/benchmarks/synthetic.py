"""Made-up benchmark results in the shape benchmarks/run.py gathers (see benchmarks/targets.py)."""

from __future__ import annotations

SIZES = [1_000, 2_000, 10_000, 100_000, 1_000_000]


def step_measurement(fixed_s: float, per_citizen_s: float, n: int) -> dict:
    return {"step_s": [fixed_s + per_citizen_s * n] * 3, "construct_s": 0.1, "peak_rss_mib": 150.0, "source": "abc"}


def whole_runs(total_s: float, cold_s: float | None = None) -> dict:
    part = total_s / 4
    warm = {"build_s": part, "steps_s": part, "verify_tables_s": part, "summary_s": part, "total_s": total_s}
    return {"runs": [{**warm, "total_s": cold_s or total_s}, warm, warm, warm], "source": "abc"}


def sweep(wall_s: float, runs: int = 50, outlived: int = 0) -> dict:
    processes = [{"pid": 10 + i, "command": "python -c spawn_main"} for i in range(outlived)]
    return {"wall_s": wall_s, "runs": runs, "alive_at_exit": processes, "outlived": processes}


def results(
    *,
    fixed_s: float = 0.4e-3,
    per_citizen_s: float = 2.6e-7,
    floor_per_citizen_s: float = 2e-7,
    whole_run_s: tuple[float, float] = (0.04, 0.08),
    cli_run_s: tuple[float, float] = (20.0, 5.6),
    sweep_s: tuple[float, float] = (30.0, 15.0),
    outlived: int = 0,
    startup_s: float = 0.5,
    baseline: bool = True,
) -> dict:
    """Results of a run whose working tree has these timings; the baseline is 5x slower throughout."""
    slower = 5.0
    tree = {
        "whole_runs": {
            2_000: whole_runs(whole_run_s[0], cold_s=2 * whole_run_s[0]),
            10_000: whole_runs(whole_run_s[1]),
        },
        "cli_run": {"long_s": [cli_run_s[0]] * 3, "short_s": [cli_run_s[1]] * 3},
        "sweeps": {n: {1: sweep(sweep_s[0]), 2: sweep(sweep_s[1], outlived=outlived)} for n in (2_000, 20_000)},
        "startup": {name: [startup_s] * 5 for name in ("python alone", "placesim --help", "placesim validate",
                                                       "worker ready")},  # fmt: skip
    }
    gathered = {
        "sizes": SIZES,
        "whole_run_steps": 40,
        "placesim": {n: step_measurement(fixed_s, per_citizen_s, n) for n in SIZES},
        "silo": {n: step_measurement(fixed_s, per_citizen_s, n) for n in SIZES},
        "textbook": {1_000: step_measurement(0.03, 0.0, 1_000)},
        "floor": {n: {"normals_s": [floor_per_citizen_s * n] * 3, "pass_s": [0.0] * 3,
                      "behaviour_draws_s": [floor_per_citizen_s * n] * 3, "peak_rss_mib": 140.0}
                  for n in SIZES},  # fmt: skip
        "baseline": {},
        "imports": {"peak_rss_mib": 140.0},
        "profile": {"seconds": {"evolve": [0.1], "other": [0.01], "step": [0.11]}},
        "cli_run": {"citizens": 1_000_000, "long": 40, "short": 4, "tree": tree["cli_run"]},
        "whole_runs": {"tree": tree["whole_runs"]},
        "sweeps": {"tree": tree["sweeps"]},
        "startup": {"tree": tree["startup"]},
        "source": ["abc"],
    }
    if baseline:
        gathered["baseline"] = {n: step_measurement(slower * fixed_s, slower * per_citizen_s, n) for n in SIZES}
        gathered["profile_baseline"] = {"seconds": {"evolve": [0.5], "other": [0.05], "step": [0.55]}}
        gathered["baseline_source"] = ["def"]
        gathered["whole_runs"]["baseline"] = {
            n: whole_runs(slower * seconds) for n, seconds in zip((2_000, 10_000), whole_run_s, strict=True)
        }
        gathered["cli_run"]["baseline"] = {"long_s": [slower * cli_run_s[0]] * 3, "short_s": [cli_run_s[1]] * 3}
        gathered["sweeps"]["baseline"] = {n: {1: sweep(slower * sweep_s[0]), 2: sweep(slower * sweep_s[1])}
                                          for n in (2_000, 20_000)}  # fmt: skip
        gathered["startup"]["baseline"] = {name: [slower * startup_s] * 5 for name in tree["startup"]}
    return gathered
