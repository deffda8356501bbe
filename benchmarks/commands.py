"""placesim's commands timed as people run them: each in a fresh process, through the command line.

`python -P -m sim` is the `placesim` command (sim/__main__.py) of whichever `sim/` comes first on
PYTHONPATH, so the working tree and a baseline exported with git archive are run the same way.
`-P` and a temporary working directory keep the repository's own sim/ off the path of a
baseline's run; spawned sweep workers inherit the path. Scenario and experiment files are the
working tree's, given by absolute path.

A sweep is started in a session of its own, so that any process it leaves behind can be found
after it exits even once it has been re-parented: a live process in that session, or one whose
command line mentions the sweep's output folder, outlived it (read from /proc: Linux only).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "total_place_pilot.yaml"
EXPERIMENT = ROOT / "experiments" / "pooling_sweep.yaml"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# What a sweep's worker imports before its first run: its initializer and the function it runs.
WORKER_IMPORTS = "import sim.experiment.executors, sim.experiment.runs"
SWEEP_STEPS = 40
OUTLIVED_GRACE_S = 2.0  # gone this soon after its sweep (multiprocessing's resource tracker), it did not outlive it


def environment(sim_root: Path, threads: int) -> dict[str, str]:
    """This process's environment with `sim_root` first on PYTHONPATH and `threads` BLAS/OpenMP threads."""
    env = dict(os.environ)
    env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    env["PYTHONPATH"] = os.pathsep.join([str(sim_root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def placesim(*arguments: object) -> list[str]:
    return [sys.executable, "-P", "-m", "sim", *map(str, arguments)]


def python(code: str) -> list[str]:
    return [sys.executable, "-P", "-c", code]


def wall_time(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds from start to exit of `command`; an error if it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return seconds


def imported_sim(sim_root: Path, threads: int) -> Path:
    """The sim/ a command run with `sim_root` imports (to check that a baseline runs its own code)."""
    with tempfile.TemporaryDirectory(prefix="placesim-bench-") as cwd:
        done = subprocess.run(
            python("import sim; print(sim.__file__)"),
            env=environment(sim_root, threads),
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
    return Path(done.stdout.strip()).parent


def compile_sources(sim_root: Path) -> None:
    """Byte-compile `sim_root`/sim once, so no timed start-up pays for compiling a fresh export."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(sim_root / "sim")], check=True, capture_output=True)


def startup_commands() -> dict[str, list[str]]:
    """The start-up measurements: name -> command."""
    from benchmarks.targets import HELP, INTERPRETER, VALIDATE, WORKER

    return {
        INTERPRETER: python("pass"),
        HELP: placesim("--help"),
        VALIDATE: placesim("validate", SCENARIO),
        WORKER: python(WORKER_IMPORTS),
    }


def startup_times(sim_root: Path, threads: int) -> dict[str, float]:
    """One wall time of each start-up command, each a fresh process."""
    env = environment(sim_root, threads)
    with tempfile.TemporaryDirectory(prefix="placesim-bench-") as cwd:
        return {name: wall_time(command, env, Path(cwd)) for name, command in startup_commands().items()}


def run_wall_time(sim_root: Path, threads: int, citizens: int, steps: int) -> float:
    """Seconds for a whole `placesim run` of the default scenario (tables and files written)."""
    with tempfile.TemporaryDirectory(prefix="placesim-bench-") as cwd:
        out = Path(cwd) / "run"
        command = placesim("run", SCENARIO, "--steps", steps, "--population-sample", citizens, "--out", out)
        return wall_time(command, environment(sim_root, threads), Path(cwd))


def sweep(sim_root: Path, threads: int, citizens: int, replications: int, workers: int) -> dict:
    """Wall time and runs of `placesim sweep experiments/pooling_sweep.yaml`, and what outlived it."""
    with tempfile.TemporaryDirectory(prefix="placesim-bench-") as cwd:
        out = Path(cwd) / "sweep"
        command = placesim("sweep", EXPERIMENT, "--population-sample", citizens, "--steps", SWEEP_STEPS,
                           "--replications", replications, "--workers", workers, "--out", out)  # fmt: skip
        wall_s, session = run_in_own_session(command, environment(sim_root, threads), Path(cwd))
        at_exit = processes_of(session, str(out))
        outlived = still_alive_after(at_exit, OUTLIVED_GRACE_S)
        stop(outlived)
        return {"wall_s": wall_s, "runs": stored_runs(out), "alive_at_exit": at_exit, "outlived": outlived}


def run_in_own_session(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int]:
    """(seconds to exit, session id) of `command` run as the leader of a new session.

    Output goes to files, not pipes: a leftover process holding a pipe would keep us waiting."""
    with open(cwd / "stdout.txt", "w") as stdout, open(cwd / "stderr.txt", "w+") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=stdout, stderr=stderr, start_new_session=True)
        code = process.wait()
        seconds = time.perf_counter() - started
        if code != 0:
            stderr.seek(0)
            raise RuntimeError(f"{' '.join(command)} exited {code}:\n{stderr.read()[-3000:]}")
    return seconds, process.pid


def stored_runs(out: Path) -> int:
    """Rows of the sweep's runs.parquet: the runs it really stored."""
    import pyarrow.parquet

    return pyarrow.parquet.read_metadata(out / "runs.parquet").num_rows


def processes_of(session: int, mention: str) -> list[dict]:
    """Live processes (zombies excluded) in `session`, or whose command line mentions `mention`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone while we looked
            continue
        state, _, _, process_session = stat[stat.rindex(")") + 2 :].split()[:4]
        if state != "Z" and (int(process_session) == session or mention in command):
            found.append({"pid": int(entry.name), "command": command[:200]})
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def still_alive_after(processes: list[dict], grace_s: float) -> list[dict]:
    """Those of `processes` still alive `grace_s` seconds from now (returns as soon as none are)."""
    deadline = time.monotonic() + grace_s
    left = processes
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if alive(p["pid"])]
    return [p for p in left if alive(p["pid"])]


def stop(processes: list[dict]) -> None:
    """End leftovers of a sweep this benchmark started (by pid), so they do not load what follows."""
    for process in processes:
        with_signal(process["pid"], signal.SIGTERM)
    for process in still_alive_after(processes, 2.0):
        with_signal(process["pid"], signal.SIGKILL)


def with_signal(pid: int, signal_number: int) -> None:
    try:
        os.kill(pid, signal_number)
    except ProcessLookupError:
        pass
