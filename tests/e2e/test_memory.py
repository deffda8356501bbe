"""Memory stays flat over many runs in one process, on every path that builds models.

Mesa 3.3.1 kept every model alive (sim/model/agent_ids.py); a sweep's worker, a calibration or the
app after each Reset grew by about a population per run. benchmarks/memory.py runs every path in a
fresh Python process, so that the measurement sees only them.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

CITIZENS = 30_000  # a leaked run holds about 4 MiB at this size
RUNS_PER_PATH = 15
# The registry leak grew by about 4 MiB x 75 = 300 MiB; models left to the cyclic collector by about 60.
ALLOWED_GROWTH_MIB = 25


def test_memory_stays_flat_over_75_runs_in_one_process():
    command = [sys.executable, "-m", "benchmarks.memory", "--citizens", str(CITIZENS), "--runs", str(RUNS_PER_PATH), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    rss = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(rss) == 6, rss  # the start and five paths
    assert max(rss.values()) - rss["start"] < ALLOWED_GROWTH_MIB, rss
