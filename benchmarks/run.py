"""Speed and scale, measured: placesim's step against population size, beside the textbook Mesa
model, the floor of a step, peak memory and a profile of one step by mechanism.

Run from the repository root (the machine should be otherwise quiet; 2 cores are plenty):

    .venv/bin/python -m benchmarks.run                       # full: N = 10^3..10^6, ~5 min
    .venv/bin/python -m benchmarks.run --quick               # N <= 10^5, fewer steps, ~1 min
    .venv/bin/python -m benchmarks.run --baseline HEAD       # also time the committed code: before/after

It prints the tables and writes them to results/benchmarks/<UTC time>.md; the tracked table is
updated only when asked: `--out benchmarks/RESULTS.md --force`. What is measured:

- placesim: a full `PlaceModel.step()` of the default scenario (scenarios/total_place_pilot.yaml)
  in a pooled regime (`policy.pool.rule=need`, `policy.pool.rate=0.15`, so the pool is exercised)
  and in its own silo regime; seconds per step are the median over several steps after warm-up;
- textbook: benchmarks/textbook_mesa.py (one `mesa.Agent` per citizen, silo only) on the same
  scenario, compared with placesim's silo step at the same N (like for like);
- the floor: drawing D x N float32 normals with the project's generator into a preallocated
  array plus one read-and-write pass over the [D, N] float32 need array (`np.clip(x, 0, 1, out=x)`),
  the least any step that draws fresh shocks for every need must do;
- threads: every measurement runs with one BLAS/OpenMP thread (`--threads` to change), as a
  sweep's worker processes do, so a step and its floor are both single-core figures;
- peak memory: each measurement runs in a fresh subprocess and reports `ru_maxrss` (whole
  process, interpreter and imports included), plus a 40-step `simulate()` run at 10^6;
- the profile: one pooled step at the largest N with each mechanism's method wrapped in a timer,
  median over steps;
- `--baseline REV_OR_DIR` times the pooled step and the profile with another version of `sim/`
  too, in the same run, so a speed-up is a ratio measured under the same load: a git revision is
  exported with `git archive` (read-only) into benchmarks/.cache/; a directory holding a `sim/`
  (e.g. a copy taken before a change) is used as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "total_place_pilot.yaml"
CACHE = ROOT / "benchmarks" / ".cache"
POOLED = {"policy.pool.rule": "need", "policy.pool.rate": 0.15}
SILO = {"policy.pool.rule": "silo"}
SEED = 1
MIB = 1024.0  # ru_maxrss is in KiB on Linux

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


def source_hash() -> str:
    """Short hash of the source of the `sim` package this process imported (to catch edits mid-run)."""
    import hashlib

    import sim

    digest = hashlib.sha256()
    for path in sorted(Path(sim.__file__).parent.rglob("*.py")):
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
    """D x N float32 normals into a preallocated array, then one read-write pass over [D, N] float32."""
    import numpy as np

    from sim.model.model import random_streams
    from sim.scenario import load_scenario

    domains = len(load_scenario(DEFAULT_SCENARIO).domains)
    rng = random_streams(SEED)[0]
    needs = rng.random((domains, citizens), dtype=np.float32)
    noise = np.empty_like(needs)
    normals, passes = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        rng.standard_normal(out=noise, dtype=np.float32)
        drawn = time.perf_counter()
        np.clip(needs, 0.0, 1.0, out=needs)
        normals.append(drawn - started)
        passes.append(time.perf_counter() - drawn)
    return {"normals_s": normals, "pass_s": passes, "peak_rss_mib": peak_rss_mib()}


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

    def timed(mechanism: str, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[mechanism] += time.perf_counter() - started

        return wrapper

    def wrap(owner, name: str, mechanism: str) -> None:
        setattr(owner, name, timed(mechanism, getattr(owner, name)))

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
    "imports": imports_worker,
    "profile": profile_worker,
}


# -- the parent: run workers, gather, report -----------------------------------------------------


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
THREADS = {"count": 1}  # set from --threads in main()


def run_worker(kind: str, *args, sim_path: Path | None = None) -> dict:
    """Run one measurement in a fresh interpreter; `sim_path` puts another `sim/` first on its path."""
    env = dict(os.environ)
    env.update(dict.fromkeys(THREAD_VARIABLES, str(THREADS["count"])))
    if sim_path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(sim_path), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, *map(str, args)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark worker {kind} {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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


def median(values: list[float]) -> float:
    return statistics.median(values)


def steps_to_time(citizens: int, repeats: int) -> int:
    """Enough steps for a stable median: more at small N, never fewer than `repeats`."""
    return max(repeats, min(50, 2_000_000 // citizens))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(args: argparse.Namespace) -> dict:
    sizes = [10**k for k in range(3, 7) if 10**k <= args.max_n]
    results: dict = {"sizes": sizes, "placesim": {}, "silo": {}, "textbook": {}, "floor": {}, "baseline": {}}
    baseline_path = baseline_sim(args.baseline) if args.baseline else None
    log("imports only ...")
    results["imports"] = run_worker("imports")
    for n in sizes:
        steps = steps_to_time(n, args.repeats)
        log(f"N = {n:>9,}: floor, placesim pooled, placesim silo ({steps} steps each) ...")
        results["floor"][n] = run_worker("floor", n, max(args.repeats, 10))
        results["placesim"][n] = run_worker("placesim", "pooled", n, steps)
        results["silo"][n] = run_worker("placesim", "silo", n, steps)
        if baseline_path is not None:
            log(f"N = {n:>9,}: placesim pooled at {args.baseline} ...")
            results["baseline"][n] = run_worker("placesim", "pooled", n, steps, sim_path=baseline_path)
            if not results["baseline"][n]["sim"].startswith(str(baseline_path)):
                raise RuntimeError(f"the baseline run imported {results['baseline'][n]['sim']}, not {baseline_path}")
        if n <= args.textbook_max_n:
            textbook_steps = max(3, min(args.repeats, 20_000_000 // (n * 100)))
            log(f"N = {n:>9,}: textbook Mesa ({textbook_steps} steps) ...")
            results["textbook"][n] = run_worker("textbook", n, textbook_steps)
    largest = sizes[-1]
    log(f"profile at N = {largest:,} ...")
    results["profile"] = run_worker("profile", largest, max(args.repeats, 5))
    if baseline_path is not None:
        results["profile_baseline"] = run_worker("profile", largest, max(args.repeats, 5), sim_path=baseline_path)
    if args.run_steps:
        log(f"simulate(): {args.run_steps} steps at N = {largest:,} ...")
        results["run"] = {"citizens": largest, "steps": args.run_steps, **run_worker("run40", largest, args.run_steps)}
    results["source"] = same_source([*results["placesim"].values(), *results["silo"].values(), results["profile"]])
    if baseline_path is not None:
        results["baseline_source"] = same_source([*results["baseline"].values(), results["profile_baseline"]])
    return results


def same_source(measurements: list[dict]) -> str:
    """The one sim/ source hash all these measurements ran; an error if sim/ changed during the run."""
    hashes = {m["source"] for m in measurements}
    if len(hashes) != 1:
        raise RuntimeError(f"sim/ changed while the benchmark ran (source hashes {sorted(hashes)}); run it again")
    return hashes.pop()


def environment(args: argparse.Namespace, argv: list[str]) -> dict:
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


def seconds(value: float) -> str:
    if value >= 1.0:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} us"


def rate(value: float) -> str:
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.0f} k"


def report(results: dict, env: dict, args: argparse.Namespace) -> str:
    sizes = results["sizes"]
    lines = [
        "# Benchmarks: speed and scale",
        "",
        f"Generated by `{env['command']}` (benchmarks/run.py; its docstring says what each number means).",
        "",
        f"- date: {env['date']}; commit {env['commit']}; sim/ source hash {results['source']}"
        + (f" (baseline {args.baseline}: {results['baseline_source']})" if "baseline_source" in results else ""),
        f"- machine: {env['cores']} cores ({env['cpu']}), load average at start {env['load']}; shared with other work",
        f"- Python {env['python']}, numpy {env['numpy']}, mesa {env['mesa']}; {args.threads} thread(s) for BLAS/OpenMP "
        "in every measurement (OPENBLAS_NUM_THREADS etc.; sweeps' workers run single-threaded too)",
        "- scenario: scenarios/total_place_pilot.yaml, seed 1. `pooled` = overrides policy.pool.rule=need, "
        "policy.pool.rate=0.15; `silo` = the scenario as shipped. Times are medians over steps after warm-up "
        f"(at least {args.repeats} steps per N); ratios are from this one run.",
        "",
        "## Seconds per step",
        "",
        "| N | placesim pooled | citizen-steps/s | ns per citizen-step | placesim silo | textbook Mesa (silo) "
        "| textbook / placesim silo | floor | pooled / floor | silo / floor |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        pooled = median(results["placesim"][n]["step_s"])
        silo = median(results["silo"][n]["step_s"])
        floor = floor_seconds(results, n)
        textbook = results["textbook"].get(n)
        textbook_s = median(textbook["step_s"]) if textbook else None
        lines.append(
            f"| {n:,} | {seconds(pooled)} | {rate(n / pooled)} | {pooled / n * 1e9:.0f} | {seconds(silo)} "
            f"| {seconds(textbook_s) if textbook else 'not run'} | {f'{textbook_s / silo:,.0f}x' if textbook else ''} "
            f"| {seconds(floor)} | {pooled / floor:.1f}x | {silo / floor:.1f}x |"
        )
    floor_big = results["floor"][sizes[-1]]
    lines += [
        "",
        f"The floor at N = {sizes[-1]:,}: normals {seconds(median(floor_big['normals_s']))}, "
        f"one read-write pass {seconds(median(floor_big['pass_s']))}.",
        "",
        "Construction (population draw and warm-up included):",
        "",
        "| N | placesim pooled | textbook Mesa |",
        "|---:|---:|---:|",
    ]
    for n in sizes:
        textbook = results["textbook"].get(n)
        lines.append(
            f"| {n:,} | {seconds(results['placesim'][n]['construct_s'])} | "
            f"{seconds(textbook['construct_s']) if textbook else 'not run'} |"
        )
    lines += [
        "",
        "## Peak memory (whole process, ru_maxrss, MiB)",
        "",
        f"Interpreter with placesim, the textbook model and their imports loaded, nothing run: "
        f"{results['imports']['peak_rss_mib']:.0f} MiB.",
        "",
        "Bytes per citizen: (peak - imports only) / N, meaningful from N = 10^5.",
        "",
        "| N | placesim pooled | bytes per citizen | placesim silo | textbook Mesa | bytes per citizen "
        "| floor arrays only |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    imports = results["imports"]["peak_rss_mib"]
    for n in sizes:
        pooled_rss = results["placesim"][n]["peak_rss_mib"]
        textbook = results["textbook"].get(n)
        textbook_rss = f"{textbook['peak_rss_mib']:.0f}" if textbook else "not run"
        textbook_bytes = f"{(textbook['peak_rss_mib'] - imports) * MIB * 1024 / n:,.0f}" if textbook else ""
        lines.append(
            f"| {n:,} | {pooled_rss:.0f} | {(pooled_rss - imports) * MIB * 1024 / n:,.0f} "
            f"| {results['silo'][n]['peak_rss_mib']:.0f} | {textbook_rss} | {textbook_bytes} "
            f"| {results['floor'][n]['peak_rss_mib']:.0f} |"
        )
    if "run" in results:
        run = results["run"]
        lines += [
            "",
            f"A whole `simulate()` of the default scenario (silo), {run['steps']} steps at N = {run['citizens']:,} "
            f"(model, ledger verification and result tables): {seconds(run['wall_s'])}, peak "
            f"{run['peak_rss_mib']:.0f} MiB.",
        ]
    lines += targets_section(results)
    lines += profile_section(results, args)
    if results["baseline"]:
        lines += baseline_section(results, args)
    return "\n".join(lines) + "\n"


def floor_seconds(results: dict, n: int) -> float:
    floor_result = results["floor"][n]
    return median([a + b for a, b in zip(floor_result["normals_s"], floor_result["pass_s"], strict=True)])


def targets_section(results: dict) -> list[str]:
    """The issue's targets, checked: a step within 3x the floor at the largest N; linear scaling."""
    sizes = results["sizes"]
    largest = sizes[-1]
    pooled = median(results["placesim"][largest]["step_s"])
    ratio = pooled / floor_seconds(results, largest)
    lines = [
        "",
        "## Targets",
        "",
        f"- pooled step at N = {largest:,} within 3x the floor: {ratio:.1f}x ({'met' if ratio <= 3.0 else 'missed'}).",
    ]
    if len(sizes) >= 2:
        previous = sizes[-2]
        per_citizen = [median(results["placesim"][n]["step_s"]) / n for n in (previous, largest)]
        lines.append(
            f"- linear scaling: time per citizen-step at N = {largest:,} is {per_citizen[1] / per_citizen[0]:.2f}x "
            f"that at N = {previous:,} (1 = linear; below ~10^4 a fixed cost per step dominates)."
        )
    return lines


def profile_rows(profile: dict) -> dict[str, float]:
    return {name: median(values) for name, values in profile["seconds"].items()}


def profile_section(results: dict, args: argparse.Namespace) -> list[str]:
    n = results["sizes"][-1]
    floor = floor_seconds(results, n)
    after = profile_rows(results["profile"])
    before = profile_rows(results["profile_baseline"]) if "profile_baseline" in results else None
    header = f"| mechanism | ms per step | share of step |{f' at {args.baseline} (ms) |' if before else ''}"
    lines = [
        "",
        f"## Profile of one pooled step at N = {n:,}",
        "",
        "Each mechanism's methods wrapped in a timer; medians over steps (so the rows need not add up "
        f"exactly to the step). The floor at this N is {floor * 1e3:.0f} ms.",
        "",
        header,
        "|---|---:|---:|" + ("---:|" if before else ""),
    ]
    for name in [*MECHANISMS, "other", "step"]:
        row = f"| {name} | {after[name] * 1e3:.1f} | {after[name] / after['step']:.0%} |"
        if before:
            row += f" {before[name] * 1e3:.1f} |"
        lines.append(row)
    return lines


def baseline_section(results: dict, args: argparse.Namespace) -> list[str]:
    lines = [
        "",
        f"## Before and after: placesim pooled step, working tree against {args.baseline}",
        "",
        "Both timed in this run, each N in fresh processes one after the other.",
        "",
        f"| N | at {args.baseline} | working tree | speed-up |",
        "|---:|---:|---:|---:|",
    ]
    for n, base in results["baseline"].items():
        before, after = median(base["step_s"]), median(results["placesim"][n]["step_s"])
        lines.append(f"| {n:,} | {seconds(before)} | {seconds(after)} | {before / after:.2f}x |")
    return lines


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        if str(ROOT) not in sys.path:
            sys.path.append(str(ROOT))  # appended: a PYTHONPATH sim/ (a baseline) still comes first
        kind, *rest = argv[1:]
        arguments = [int(a) if a.isdigit() else a for a in rest]
        print(json.dumps(WORKERS[kind](*arguments)))
        return
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N <= 10^5, textbook <= 10^4, 3 repeats, no 40-step run")
    parser.add_argument("--max-n", type=int, default=None, help="largest population (default 10^6; 10^5 with --quick)")
    parser.add_argument("--textbook-max-n", type=int, default=None, help="largest textbook population (default 10^5)")
    parser.add_argument("--repeats", type=int, default=None, help="least number of timed steps per N (default 7)")
    parser.add_argument("--run-steps", type=int, default=None, help="simulate() steps (default 40; 0 skips)")
    parser.add_argument("--baseline", default=None, help="also time another sim/: git revision or directory")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads per measurement (default 1)")
    parser.add_argument("--out", type=Path, help="report file (default results/benchmarks/<UTC time>.md)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists (e.g. benchmarks/RESULTS.md)")
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    args.out = args.out or ROOT / "results" / "benchmarks" / f"{stamp}.md"
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to replace it, or choose another --out")
    quick = args.quick
    args.max_n = args.max_n or (10**5 if quick else 10**6)
    args.textbook_max_n = args.textbook_max_n if args.textbook_max_n is not None else (10**4 if quick else 10**5)
    args.repeats = args.repeats or (3 if quick else 7)
    args.run_steps = args.run_steps if args.run_steps is not None else (0 if quick else 40)
    THREADS["count"] = args.threads
    env = environment(args, argv)
    started = time.perf_counter()
    results = measure(args)
    text = report(results, env, args)
    text += f"\nThe whole benchmark took {time.perf_counter() - started:.0f} s.\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
