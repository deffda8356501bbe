"""Speed and scale, measured: placesim's step against population size, beside the textbook Mesa
model, the floor of a step, peak memory, a profile of one step by mechanism, whole runs, whole
commands (`placesim run`, `placesim sweep`, start-up), and issue 14's targets, met or missed.

Run from the repository root (the machine should be otherwise quiet; 2 cores are plenty):

    .venv/bin/python -m benchmarks.run --baseline REV          # full, against REV: roughly 15-25 min
    .venv/bin/python -m benchmarks.run --quick                 # N <= 10^5, sweeps at 2,000: ~3 min
    .venv/bin/python -m benchmarks.run --quick --baseline REV  # ~5 min (2 cores, shared)
    .venv/bin/python -m benchmarks.run --baseline REV --write-results  # also replace benchmarks/RESULTS.md

It prints the tables and writes them to results/benchmarks/<UTC time>.md (or `--out FILE`, which
is never replaced without `--force`); the tracked benchmarks/RESULTS.md is written only when asked,
with `--write-results`. What is measured (every measurement in a fresh process):

- placesim: a full `PlaceModel.step()` of the default scenario (scenarios/total_place_pilot.yaml)
  in a pooled regime (`policy.pool.rule=need`, `policy.pool.rate=0.15`, so the pool is exercised)
  and in its own silo regime, at N = 10^3, 2,000, 10^4 .. 10^6; seconds per step are the median
  over several steps after warm-up;
- textbook: benchmarks/textbook_mesa.py (one `mesa.Agent` per citizen, silo only) on the same
  scenario, compared with placesim's silo step at the same N (like for like);
- the floor: drawing D x N float32 normals with the project's generator into a preallocated
  array plus one read-and-write pass over the [D, N] float32 need array (`np.clip(x, 0, 1, out=x)`),
  the least any step that draws fresh shocks for every need must do;
- the fixed cost per step: the pooled step at 2,000 as a share of the step at 100,000, and the
  intercept of the least-squares line of step time on N through 2,000, 10,000 and 100,000;
- threads: every measurement runs with one BLAS/OpenMP thread (`--threads` to change), as a
  sweep's worker processes do, so a step and its floor are both single-core figures;
- peak memory: `ru_maxrss` of each measurement's process (interpreter and imports included), plus
  a 40-step `simulate()` run at the largest N (not with --quick);
- the profile: one pooled step at the largest N with each mechanism's method wrapped in a timer,
  median over steps;
- whole runs: `sim.model.simulate()` of the pooled scenario, 40 quarters, at 2,000 and 10,000
  citizens, split into build (population and warm-up), steps, verify + tables, summary; in one
  process per N, a first (cold) run and the median of the next `--repeats`;
- `placesim run` at the largest N (not with --quick): the whole command, 40 and 4 quarters, its
  cost per step (the difference / 36) against the floor;
- sweeps: `placesim sweep experiments/pooling_sweep.yaml` (25 design points) at 2,000 and 20,000
  citizens (2,000 only with --quick), 40 quarters, with 1 and 2 local workers: runs per minute,
  the 2-worker/1-worker ratio, and any process of the sweep still alive after it exited (found
  by session id in /proc, then ended);
- start-up: wall time of `placesim --help`, `placesim validate scenarios/total_place_pilot.yaml`,
  the imports a sweep's worker makes before its first run, and the bare interpreter; median of 5
  (3 with --quick) fresh processes;
- `--baseline REV_OR_DIR` measures another version of `sim/` too, in the same run, so a speed-up
  is a ratio measured under the same load: the pooled step, the profile, whole runs, `placesim
  run`, sweeps and start-up (the baseline's commands are `python -P -m sim` with its sim/ on
  PYTHONPATH; so are the working tree's, for like with like: benchmarks/commands.py). A git
  revision is exported with `git archive` (read-only) into benchmarks/.cache/; a directory holding
  a `sim/` (e.g. a copy taken before a change) is used as it is. Measurements of the two
  alternate where they are repeated, so that a change of load falls on both.

benchmarks/targets.py reads issue 14's targets from the results; benchmarks/report.py writes the
tables.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: appended, so a PYTHONPATH sim/ (a baseline) still comes first
    sys.path.append(str(ROOT))

from benchmarks import commands  # noqa: E402
from benchmarks.report import report  # noqa: E402
from benchmarks.targets import FIXED_COST_SIZES, MILLION, SWEEP_SIZES, WHOLE_RUN_SIZES  # noqa: E402

DEFAULT_SCENARIO = ROOT / "scenarios" / "total_place_pilot.yaml"
RESULTS_FILE = ROOT / "benchmarks" / "RESULTS.md"
CACHE = ROOT / "benchmarks" / ".cache"
POOLED = {"policy.pool.rule": "need", "policy.pool.rate": 0.15}
SILO = {"policy.pool.rule": "silo"}
SEED = 1
MIB = 1024.0  # ru_maxrss is in KiB on Linux
QUARTERS = 40  # ten years: a whole run
SHORT_QUARTERS = 4  # the short `placesim run` whose difference from a whole one is the cost of 36 steps
CLI_RUN_PAIRS = 3  # (40-quarter, 4-quarter) `placesim run` pairs per code
SWEEP_REPLICATIONS = {2_000: 4, 20_000: 2}  # x 25 design points: long enough that start-up and the closing tables are a small part

# Mechanisms of one step, in the model's order, and what each one times (see `profile_worker`).
MECHANISMS = [
    "income",
    "pool collect",
    "evolve",
    "detect crises",
    "respond",
    "stabilise",
    "packages",
    "prevention",
    "assessments",
    "gain share",
    "learning",
    "record",
    "ledger",
]


# -- workers: each runs in a fresh process and prints one JSON line -------------------------------


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB


def source_hash(package: Path | None = None) -> str:
    """Short hash of the source of a `sim` package (by default the one this process imported), to
    catch edits mid-run."""
    import hashlib

    if package is None:
        import sim

        package = Path(sim.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def placesim_worker(regime: str, citizens: int, steps: int) -> dict:
    """Construct (warm-up included) and time `steps` full steps of placesim."""
    import sim
    from sim.model.model import PlaceModel
    from sim.scenario import load_scenario

    scenario = load_scenario(DEFAULT_SCENARIO, overrides=POOLED if regime == "pooled" else SILO)
    construct, step_times = time_model(lambda: PlaceModel(scenario, seed=SEED, population_sample=citizens), steps)
    return {
        "construct_s": construct,
        "step_s": step_times,
        "peak_rss_mib": peak_rss_mib(),
        "sim": sim.__file__,
        "source": source_hash(),
    }


def time_model(make_model, steps: int) -> tuple[float, list[float]]:
    """(seconds to construct, seconds of each of `steps` steps) for any model with .step()."""
    started = time.perf_counter()
    model = make_model()
    construct = time.perf_counter() - started
    step_times = []
    for _ in range(steps):
        started = time.perf_counter()
        model.step()
        step_times.append(time.perf_counter() - started)
    return construct, step_times


def textbook_worker(citizens: int, steps: int) -> dict:
    """Construct (warm-up included) and time `steps` steps of the textbook Mesa model (silo)."""
    from benchmarks.textbook_mesa import TextbookPlace
    from sim.scenario import load_scenario

    scenario = load_scenario(DEFAULT_SCENARIO, overrides=SILO)
    construct, step_times = time_model(lambda: TextbookPlace(scenario, seed=SEED, population_sample=citizens), steps)
    return {"construct_s": construct, "step_s": step_times, "peak_rss_mib": peak_rss_mib()}


def floor_worker(citizens: int, repeats: int) -> dict:
    """D x N float32 normals into a preallocated array, then one read-write pass over [D, N] float32;
    and, apart, the draws the behaviour model adds every quarter for every citizen (common random
    numbers, sim/model/population.py `draw_quarter`): D x N event uniforms, D x N assessment-error
    normals and N take-up uniforms."""
    import numpy as np

    from sim.model.model import random_streams
    from sim.scenario import load_scenario

    domains = len(load_scenario(DEFAULT_SCENARIO).domains)
    rng = random_streams(SEED)[0]
    needs = rng.random((domains, citizens), dtype=np.float32)
    noise = np.empty_like(needs)
    uniforms, errors, take_up = np.empty_like(needs), np.empty_like(needs), np.empty(citizens, dtype=np.float32)
    normals, passes, draws = [], [], []
    for _ in range(repeats):
        started = time.perf_counter()
        rng.standard_normal(out=noise, dtype=np.float32)
        drawn = time.perf_counter()
        np.clip(needs, 0.0, 1.0, out=needs)
        passed = time.perf_counter()
        rng.random(out=uniforms, dtype=np.float32)
        rng.standard_normal(out=errors, dtype=np.float32)
        rng.random(out=take_up, dtype=np.float32)
        normals.append(drawn - started)
        passes.append(passed - drawn)
        draws.append(time.perf_counter() - passed)
    return {"normals_s": normals, "pass_s": passes, "behaviour_draws_s": draws, "peak_rss_mib": peak_rss_mib()}


def run40_worker(citizens: int, steps: int) -> dict:
    """A whole `simulate()` of the default scenario: model, ledger verification and tables."""
    from sim.model import simulate
    from sim.scenario import load_scenario

    scenario = load_scenario(DEFAULT_SCENARIO)
    started = time.perf_counter()
    result = simulate(scenario, seed=SEED, steps=steps, population_sample=citizens)
    return {
        "wall_s": time.perf_counter() - started,
        "peak_rss_mib": peak_rss_mib(),
        "rows": len(result.steps) + len(result.ledger),
    }


def imports_worker() -> dict:
    """Peak memory of the interpreter with everything imported and nothing run."""
    import benchmarks.textbook_mesa  # noqa: F401
    import sim.model.model  # noqa: F401
    from sim.scenario import load_scenario

    load_scenario(DEFAULT_SCENARIO)
    return {"peak_rss_mib": peak_rss_mib()}


def timed(spent: dict[str, float], part: str, function):
    """`function`, adding the seconds each call takes to `spent[part]`."""

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - started

    return wrapper


def whole_run_worker(citizens: int, steps: int, repeats: int) -> dict:
    """`simulate()` of the pooled scenario 1 + `repeats` times in this process; the first is cold."""
    import importlib

    import sim
    from sim.scenario import load_scenario

    simulate_module = importlib.import_module("sim.model.simulate")  # the module: sim.model.simulate is the function
    scenario = load_scenario(DEFAULT_SCENARIO, overrides=POOLED)
    runs = [timed_simulate(simulate_module, scenario, citizens, steps) for _ in range(1 + repeats)]
    return {"runs": runs, "sim": sim.__file__, "source": source_hash()}


def timed_simulate(simulate_module, scenario, citizens: int, steps: int) -> dict[str, float | None]:
    """Seconds of one `simulate()`, and of its parts: build (the model's constructor, warm-up
    included), steps, summary (`summarise`), and the rest (ledger verification, tables, close).

    The parts are timed where simulate() looks the constructor and `summarise` up, in its module;
    should it stop doing so, they read None and the total still stands."""
    spent = {"build_s": 0.0, "steps_s": 0.0, "summary_s": 0.0}
    make_model, summarise = simulate_module.PlaceModel, simulate_module.summarise

    def build(*args, **kwargs):
        model = timed(spent, "build_s", make_model)(*args, **kwargs)
        model.step = timed(spent, "steps_s", model.step)
        return model

    simulate_module.PlaceModel, simulate_module.summarise = build, timed(spent, "summary_s", summarise)
    try:
        started = time.perf_counter()
        simulate_module.simulate(scenario, seed=SEED, steps=steps, population_sample=citizens)
        total = time.perf_counter() - started
    finally:
        simulate_module.PlaceModel, simulate_module.summarise = make_model, summarise
    if not all(spent.values()):
        return {**dict.fromkeys([*spent, "verify_tables_s"]), "total_s": total}
    return {**spent, "verify_tables_s": total - sum(spent.values()), "total_s": total}


def profile_worker(citizens: int, steps: int) -> dict:
    """Seconds per mechanism of a pooled step: each mechanism's callables wrapped in a timer.

    Wrapping leaves the model's code and order untouched: instance methods are shadowed on the
    instance, and the module-level functions the model calls (`detect_crises`, `stabilise`,
    `learning.learn`) are replaced in the modules it looks them up in. What no wrapper covers
    (Mesa's step wrapper, `AgentSet.do` loops) is reported as `other`.
    """
    import sim
    import sim.model.learning as learning
    import sim.model.model as model_module
    from sim.model.model import PlaceModel
    from sim.scenario import load_scenario

    spent: dict[str, float] = dict.fromkeys(MECHANISMS, 0.0)

    def wrap(owner, name: str, mechanism: str) -> None:
        setattr(owner, name, timed(spent, mechanism, getattr(owner, name)))

    scenario = load_scenario(DEFAULT_SCENARIO, overrides=POOLED)
    model = PlaceModel(scenario, seed=SEED, population_sample=citizens)
    for agency in model.agency_list:
        wrap(agency, "receive_income", "income")
        wrap(agency, "respond_to_crises", "respond")
        wrap(agency, "prevent", "prevention")
        wrap(agency, "pay_assessments", "assessments")
    wrap(model.pool, "collect", "pool collect")
    wrap(model.population, "evolve", "evolve")
    wrap(model_module, "detect_crises", "detect crises")
    wrap(model_module, "stabilise", "stabilise")
    wrap(model.pool, "buy_packages", "packages")
    wrap(model.contacts, "clear", "assessments")
    wrap(model.contacts, "bills", "assessments")
    wrap(model.pool, "share_gains", "gain share")
    wrap(learning, "learn", "learning")
    wrap(model.recorder, "record", "record")
    wrap(model.ledger, "begin_step", "ledger")
    wrap(model.ledger, "close_step", "ledger")
    per_step: dict[str, list[float]] = {name: [] for name in [*MECHANISMS, "other", "step"]}
    for _ in range(steps):
        for name in MECHANISMS:
            spent[name] = 0.0
        started = time.perf_counter()
        model.step()
        total = time.perf_counter() - started
        for name in MECHANISMS:
            per_step[name].append(spent[name])
        per_step["other"].append(total - sum(spent.values()))
        per_step["step"].append(total)
    return {"seconds": per_step, "sim": sim.__file__, "source": source_hash()}


WORKERS = {
    "placesim": placesim_worker,
    "textbook": textbook_worker,
    "floor": floor_worker,
    "run40": run40_worker,
    "whole_run": whole_run_worker,
    "imports": imports_worker,
    "profile": profile_worker,
}


# -- the parent: run workers, gather, report -----------------------------------------------------


THREADS = {"count": 1}  # set from --threads in main()
STARTUP_REPEATS = {"full": 5, "quick": 3}


def run_worker(kind: str, *args, sim_path: Path = ROOT) -> dict:
    """Run one measurement in a fresh interpreter with `sim_path`'s `sim/` first on its path."""
    env = commands.environment(sim_path, THREADS["count"])
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, *map(str, args)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark worker {kind} {args} failed:\n{done.stderr}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if "sim" in measured and Path(measured["sim"]).parent.parent != sim_path.resolve():
        raise RuntimeError(f"a benchmark worker imported {measured['sim']}, not the sim/ in {sim_path}")
    return measured


def baseline_sim(revision_or_directory: str) -> Path:
    """A directory holding the baseline's `sim/`: the directory given, or `revision` exported."""
    given = Path(revision_or_directory)
    if (given / "sim" / "__init__.py").exists():
        return given.resolve()
    return export_revision(revision_or_directory)


def git(*arguments: str, check: bool = False) -> str:
    """Output of a read-only git command in the repository."""
    done = subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=check)
    return done.stdout.strip()


def export_revision(revision: str) -> Path:
    """`sim/` as committed at `revision`, unpacked under benchmarks/.cache/ (git archive: read-only)."""
    commit = git("rev-parse", "--short", revision, check=True)
    target = CACHE / f"sim-{commit}"
    if not (target / "sim").exists():
        command = ["git", "archive", "--format=tar", revision, "sim"]
        archive = subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
    return target


def code_to_measure(args: argparse.Namespace) -> dict[str, Path]:
    """{"tree": the repository, "baseline": the baseline's directory} (no baseline without --baseline),
    each checked to be the sim/ its commands import, and byte-compiled."""
    code = {"tree": ROOT}
    if args.baseline:
        code = {"baseline": baseline_sim(args.baseline), **code}
    for path in code.values():
        imported = commands.imported_sim(path, THREADS["count"])
        if imported.resolve() != (path / "sim").resolve():
            raise RuntimeError(f"commands run with {path} on PYTHONPATH import {imported}, not {path / 'sim'}")
        commands.compile_sources(path)
    return code


def steps_to_time(citizens: int, repeats: int) -> int:
    """Enough steps for a stable median: more at small N, never fewer than `repeats`."""
    return max(repeats, min(50, 2_000_000 // citizens))


def step_sizes(max_n: int) -> list[int]:
    """Populations whose step is timed: the powers of ten and the fixed-cost sizes, up to `max_n`."""
    return sorted(n for n in {10**k for k in range(3, 7)} | set(FIXED_COST_SIZES) if n <= max_n)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> dict:
    at_start = source_hash(ROOT / "sim")
    code = code_to_measure(args)
    sizes = step_sizes(args.max_n)
    results: dict = {"sizes": sizes, "whole_run_steps": QUARTERS}
    log("imports only ...")
    results["imports"] = run_worker("imports")
    results |= measure_steps(args, sizes, code)
    results |= measure_profile(args, sizes[-1], code)
    if args.run_steps:
        log(f"simulate(): {args.run_steps} steps at N = {sizes[-1]:,} ...")
        run = run_worker("run40", sizes[-1], args.run_steps)
        results["run"] = {"citizens": sizes[-1], "steps": args.run_steps, **run}
    results["whole_runs"] = measure_whole_runs(args, code)
    results["startup"] = measure_startup(args, code)
    if not args.quick:
        results["cli_run"] = measure_cli_run(code, sizes[-1])
    results["sweeps"] = measure_sweeps(args, code)
    results |= sources(results, at_start, "baseline" in code)
    return results


def measure_steps(args: argparse.Namespace, sizes: list[int], code: dict[str, Path]) -> dict:
    """The step at each N: floor, placesim pooled and silo, the baseline pooled, the textbook model."""
    results: dict = {"placesim": {}, "silo": {}, "textbook": {}, "floor": {}, "baseline": {}}
    for n in sizes:
        steps = steps_to_time(n, args.repeats)
        log(f"N = {n:>9,}: floor, placesim pooled, placesim silo ({steps} steps each) ...")
        results["floor"][n] = run_worker("floor", n, max(args.repeats, 10))
        results["placesim"][n] = run_worker("placesim", "pooled", n, steps)
        results["silo"][n] = run_worker("placesim", "silo", n, steps)
        if "baseline" in code:
            log(f"N = {n:>9,}: placesim pooled at {args.baseline} ...")
            results["baseline"][n] = run_worker("placesim", "pooled", n, steps, sim_path=code["baseline"])
        if n <= args.textbook_max_n:
            textbook_steps = max(3, min(args.repeats, 20_000_000 // (n * 100)))
            log(f"N = {n:>9,}: textbook Mesa ({textbook_steps} steps) ...")
            results["textbook"][n] = run_worker("textbook", n, textbook_steps)
    return results


def measure_profile(args: argparse.Namespace, n: int, code: dict[str, Path]) -> dict:
    log(f"profile at N = {n:,} ...")
    results = {"profile": run_worker("profile", n, max(args.repeats, 5))}
    if "baseline" in code:
        results["profile_baseline"] = run_worker("profile", n, max(args.repeats, 5), sim_path=code["baseline"])
    return results


def measure_whole_runs(args: argparse.Namespace, code: dict[str, Path]) -> dict:
    """{side: {N: whole runs}}: one process per code and N, a cold run then `--repeats` more."""
    runs: dict = {side: {} for side in code}
    for n in WHOLE_RUN_SIZES:
        for side in code:
            log(f"whole runs at N = {n:,}, {QUARTERS} quarters, 1 + {args.repeats} ({side}) ...")
            runs[side][n] = run_worker("whole_run", n, QUARTERS, args.repeats, sim_path=code[side])
    return runs


def measure_startup(args: argparse.Namespace, code: dict[str, Path]) -> dict:
    """{side: {command: [seconds per fresh process]}}, the codes alternating."""
    repeats = STARTUP_REPEATS["quick" if args.quick else "full"]
    log(f"start-up: --help, validate, worker imports, {repeats} times each ...")
    times: dict = {side: {} for side in code}
    for _ in range(repeats):
        for side, path in code.items():
            for command, seconds in commands.startup_times(path, THREADS["count"]).items():
                times[side].setdefault(command, []).append(seconds)
    return times


def measure_cli_run(code: dict[str, Path], n: int) -> dict:
    """`placesim run` of the default scenario at N, 40 and 4 quarters, CLI_RUN_PAIRS times per code."""
    measured: dict = {"citizens": n, "long": QUARTERS, "short": SHORT_QUARTERS}
    measured |= {side: {"long_s": [], "short_s": []} for side in code}
    for pair in range(CLI_RUN_PAIRS):
        for side, path in code.items():
            log(f"placesim run at N = {n:,}, {QUARTERS} and {SHORT_QUARTERS} quarters ({side}, {pair + 1}) ...")
            measured[side]["long_s"].append(commands.run_wall_time(path, THREADS["count"], n, QUARTERS))
            measured[side]["short_s"].append(commands.run_wall_time(path, THREADS["count"], n, SHORT_QUARTERS))
    return measured


def measure_sweeps(args: argparse.Namespace, code: dict[str, Path]) -> dict:
    """{side: {N: {workers: sweep}}}; with --quick only the smallest N, one replication."""
    sweeps: dict = {side: {} for side in code}
    for n in SWEEP_SIZES[:1] if args.quick else SWEEP_SIZES:
        replications = 1 if args.quick else SWEEP_REPLICATIONS[n]
        for workers in (1, 2):
            for side, path in code.items():
                log(f"sweep at N = {n:,}, {replications} replication(s), {workers} worker(s) ({side}) ...")
                measured = commands.sweep(path, THREADS["count"], n, replications, workers)
                sweeps[side].setdefault(n, {})[workers] = measured
    return sweeps


def sources(results: dict, at_start: str, with_baseline: bool) -> dict:
    """The sim/ source hashes each code ran, in the order seen; more than one: sim/ changed during the run."""
    tree = [at_start, *(m["source"] for m in [*results["placesim"].values(), *results["silo"].values()])]
    tree += [results["profile"]["source"], *(m["source"] for m in results["whole_runs"]["tree"].values())]
    hashes = {"source": distinct([*tree, source_hash(ROOT / "sim")])}
    if with_baseline:
        baseline = [*results["baseline"].values(), results["profile_baseline"]]
        baseline += results["whole_runs"]["baseline"].values()
        hashes["baseline_source"] = distinct([m["source"] for m in baseline])
    return hashes


def distinct(hashes: list[str]) -> list[str]:
    return list(dict.fromkeys(hashes))


def environment(argv: list[str]) -> dict:
    import mesa
    import numpy

    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "sim")
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "command": " ".join([".venv/bin/python -m benchmarks.run", *argv]),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "load": " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "commit": commit + (" + uncommitted changes in sim/" if dirty else ""),
    }


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The options, defaults filled in; exits 2 if --out names a file that exists, unless --force."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true",
                        help="N <= 10^5, textbook <= 10^4, 3 repeats, no 40-step run or placesim run at 10^6, "
                        "sweeps at 2,000 only")  # fmt: skip
    parser.add_argument("--max-n", type=int, default=None, help="largest population (default 10^6; 10^5 with --quick)")
    parser.add_argument("--textbook-max-n", type=int, default=None, help="largest textbook population (default 10^5)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="least timed steps per N; whole runs after the cold one (default 7)")  # fmt: skip
    parser.add_argument("--run-steps", type=int, default=None, help="simulate() steps (default 40; 0 skips)")
    parser.add_argument("--baseline", default=None, help="also measure another sim/: git revision or directory")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads per measurement (default 1)")
    parser.add_argument("--out", type=Path, help="report file (default results/benchmarks/<UTC time>.md)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    parser.add_argument("--write-results", action="store_true",
                        help=f"also write the report to {RESULTS_FILE.relative_to(ROOT)}, replacing it")  # fmt: skip
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    args.out = args.out or ROOT / "results" / "benchmarks" / f"{stamp}.md"
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to replace it, or choose another --out")
    args.max_n = args.max_n or (10**5 if args.quick else MILLION)
    args.textbook_max_n = args.textbook_max_n if args.textbook_max_n is not None else (10**4 if args.quick else 10**5)
    args.repeats = args.repeats or (3 if args.quick else 7)
    args.run_steps = args.run_steps if args.run_steps is not None else (0 if args.quick else QUARTERS)
    return args


def report_files(args: argparse.Namespace, source_changed: bool) -> list[Path]:
    """Where the report goes: --out (or results/benchmarks/), and benchmarks/RESULTS.md if asked,
    unless sim/ changed while it was measured (its numbers would mix versions)."""
    files = [args.out]
    if args.write_results and not source_changed and args.out.resolve() != RESULTS_FILE:
        files.append(RESULTS_FILE)
    return files


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        kind, *rest = argv[1:]
        arguments = [int(a) if a.isdigit() else a for a in rest]
        print(json.dumps(WORKERS[kind](*arguments)))
        return
    args = parse_arguments(argv)
    THREADS["count"] = args.threads
    env = environment(argv)
    started = time.perf_counter()
    results = measure(args)
    text = report(results, env, args)
    text += f"\nThe whole benchmark took {time.perf_counter() - started:.0f} s.\n"
    print(text)
    changed = len(results["source"]) > 1
    for path in report_files(args, changed):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        log(f"wrote {path}")
    if changed:
        log(f"sim/ changed while the benchmark ran; {RESULTS_FILE.name} not written. Run it again on a quiet tree.")
        sys.exit(1)


if __name__ == "__main__":
    main()
