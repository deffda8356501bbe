"""Serving the app: `placesim app [SCENARIO]` runs solara's server in this process on loopback
and prints the address once the page answers; `app_in_background` runs that command in a
subprocess for scripts and tests.

Solara (and so the page) is imported only when serving, after its settings are set in the
environment (no usage telemetry from a classroom, no Solara badge over the views), and so that
the rest of the CLI starts quickly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from sim.app import browser_files
from sim.app.scenario_files import NotOffered, ScenarioFiles, cheap_problem
from sim.scenario import ScenarioError, load_scenario

SCENARIO_ENV = "PLACESIM_APP_SCENARIO"  # how `serve` tells the page (sim/app/page.py) its first scenario
FOLDER_ENV = "PLACESIM_APP_FOLDER"  # ... and the folder whose scenario files it offers
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "total_place_pilot.yaml"
HOST = "127.0.0.1"
PORT = 8765
PAGE_MODULE = "sim.app.page"
READY_TIMEOUT_SECONDS = 120
ANNOUNCEMENT = "placesim app:"
THIRD_PARTY_NOISE = (  # warnings at start-up a user cannot act on: Mesa's own hook check, http on loopback
    r"(?s).*ComponentsView: `use_state` found despite early return",
    r"Cookies with samesite=none require https",
)


class AppError(Exception):
    """The app cannot start here; the message says why and what to do."""


def frontend_problem() -> str | None:
    """Why Mesa 3.3's SolaraViz would show a blank page with the installed widgets, if it would."""
    if int(version("ipyvuetify").split(".")[0]) >= 2:
        return (
            f"ipyvuetify {version('ipyvuetify')} is installed, but Mesa 3.3's SolaraViz is written for "
            "ipyvuetify 1.x (Vuetify 2) and shows a blank page with it: "
            "pip install 'ipyvuetify<2' 'ipyvue<2'"
        )
    return None


def port_in_use(host: str, port: int) -> bool:
    """True when a server listens there (a port left in TIME_WAIT by a stopped one is free, as
    it is for uvicorn, which binds with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def announce_when_ready(url: str, scenario: Path, say: Callable[[str], None]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if answers(url):
            say(f"{ANNOUNCEMENT} {url} ({scenario.name}; open it in a browser, Ctrl-C stops the server)")
            return
        time.sleep(0.2)


def prepare(scenario: Path, folder: Path | None, host: str, port: int, say: Callable[[str], None]) -> ScenarioFiles:
    """Everything that can stop the app or that a user should hear of before the server starts: a
    bad first scenario raises `ScenarioError`, one outside `folder` or a machine the app cannot run
    on `AppError`; each `*.yaml` file of the folder that the picker leaves out is named, with why."""
    problem = cheap_problem(scenario)
    if problem:
        raise ScenarioError(str(scenario), [("", problem)])
    load_scenario(scenario)
    files = ScenarioFiles(folder or scenario.parent)
    try:
        files.path_of(scenario)
    except NotOffered as error:
        raise AppError(f"{scenario} is not in {files.folder}, the folder of scenarios to offer") from error
    problem = frontend_problem()
    if problem:
        raise AppError(problem)
    if port_in_use(host, port):
        raise AppError(f"port {port} on {host} is in use: choose another with --port")
    for skipped in files.listing()[1]:
        say(f"warning: left out of the scenario picker: {skipped}")
    return files


def serve(
    scenario: Path = DEFAULT_SCENARIO,
    host: str = HOST,
    port: int = PORT,
    say: Callable[[str], None] = print,
    folder: Path | None = None,
) -> None:
    """Serve the app until interrupted, offering the scenario files of `folder` (by default, those
    beside `scenario`). Raises what `prepare` raises."""
    scenario = scenario.resolve()
    files = prepare(scenario, folder, host, port, say)
    os.environ[SCENARIO_ENV] = str(scenario)
    os.environ[FOLDER_ENV] = str(files.folder)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")  # "This website runs on Solara" covered a chart
    for noise in THIRD_PARTY_NOISE:
        warnings.filterwarnings("ignore", message=noise)
    browser_files.ensure(say)
    url = f"http://{host}:{port}/"
    threading.Thread(target=announce_when_ready, args=(url, scenario, say), daemon=True).start()
    from solara.__main__ import run

    options = ["--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version"]
    run.main([PAGE_MODULE, *options], standalone_mode=False)


@contextmanager
def app_in_background(scenario: Path, host: str = HOST, port: int | None = None) -> Iterator[tuple[str, Path]]:
    """Run `placesim app SCENARIO` in a subprocess; yield (its address, its log file) once the
    page answers, and stop it on exit."""
    port = port or free_port(host)
    url = f"http://{host}:{port}/"
    with tempfile.TemporaryDirectory(prefix="placesim-app-") as folder:
        log = Path(folder) / "server.log"
        with log.open("w") as output:
            command = [sys.executable, "-m", "sim", "app", str(scenario), "--host", host, "--port", str(port)]
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, text=True)
            try:
                deadline = time.monotonic() + READY_TIMEOUT_SECONDS
                while not answers(url):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"`placesim app` did not start:\n{log.read_text()[-3000:]}")
                    time.sleep(0.2)
                yield url, log
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
