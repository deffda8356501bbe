"""benchmarks/commands.py finds what a command leaves behind, after the command has gone."""

from __future__ import annotations

import subprocess
import sys

from benchmarks import commands


def test_a_process_left_in_a_session_is_found_and_stopped_after_its_parent_exits(tmp_path):
    with open(tmp_path / "out.txt", "w") as out:  # not a pipe: the orphan would hold it open
        parent = subprocess.Popen(["sh", "-c", "sleep 60 & exit 0"], stdout=out, stderr=out, start_new_session=True)
        parent.wait()
    left = commands.still_alive_after(commands.processes_of(parent.pid, str(tmp_path)), grace_s=0.2)
    assert len(left) == 1 and "sleep 60" in left[0]["command"]  # sh's fork may not have become sleep yet
    commands.stop(left)
    assert not commands.alive(left[0]["pid"])


def test_a_process_that_mentions_the_folder_is_found_whatever_its_session(tmp_path):
    command = [sys.executable, "-c", "import time; time.sleep(60)", str(tmp_path)]
    sleeper = subprocess.Popen(command, start_new_session=True)
    try:
        found = commands.processes_of(session=-1, mention=str(tmp_path))
        assert [p["pid"] for p in found] == [sleeper.pid]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_process_that_exits_within_the_grace_period_did_not_outlive_it():
    brief = subprocess.Popen(["sleep", "0.2"])
    try:
        assert commands.still_alive_after([{"pid": brief.pid, "command": "sleep 0.2"}], grace_s=2.0) == []
    finally:
        brief.wait()
