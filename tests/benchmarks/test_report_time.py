"""The report benchmark runs on a real (small) sweep and prints every part it times."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.analysis.conftest import SCENARIOS, sweep

ROOT = Path(__file__).resolve().parents[2]


def test_the_report_benchmark_times_the_whole_report_and_its_parts(tmp_path: Path) -> None:
    results = sweep(tmp_path, SCENARIOS, "timed")
    done = subprocess.run([sys.executable, "-m", "benchmarks.report_time", str(results), "--repeat", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for part in ("whole report", "building the sections", "rendering the figures", "the Vega bundle"):
        assert re.search(rf"\| {part}[^|]* \| \d+\.\d\d \|", done.stdout), part
    assert (results / "report.html").is_file()
