"""The README's Python example runs as printed and says what the README implies."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def readme_python_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("From Python or a notebook") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_python_example_reports_crises_averted():
    done = subprocess.run(
        [sys.executable, "-W", "error::sim.scenario.inert_levers.InertLeverWarning", "-c", readme_python_example()],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={"MPLBACKEND": "Agg", "PATH": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    averted = float(re.match(r"([\d,]+) crises averted", done.stdout).group(1).replace(",", ""))
    assert averted > 0
