"""Serving the app: what stops it starting, said plainly."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from sim.app import server
from tests.app.conftest import SCENARIOS, short_file
from tests.app.test_scenario_files import merge_bomb


def test_a_listening_port_is_in_use_and_a_free_one_is_not() -> None:
    with socket.socket() as listener:
        listener.bind((server.HOST, 0))
        listener.listen()
        busy = listener.getsockname()[1]
        assert server.port_in_use(server.HOST, busy)
    assert not server.port_in_use(server.HOST, server.free_port())


def test_vuetify_3_widgets_are_refused_with_the_fix(monkeypatch) -> None:
    monkeypatch.setattr(server, "version", lambda package: "3.1.0")
    problem = server.frontend_problem()
    assert "ipyvuetify 3.1.0" in problem and "pip install 'ipyvuetify<2' 'ipyvue<2'" in problem


def test_a_busy_port_is_refused_before_anything_starts(monkeypatch) -> None:
    monkeypatch.setattr(server, "frontend_problem", lambda: None)
    with socket.socket() as listener:
        listener.bind((server.HOST, 0))
        listener.listen()
        with pytest.raises(server.AppError, match="is in use: choose another with --port"):
            server.serve(server.DEFAULT_SCENARIO, port=listener.getsockname()[1], say=lambda text: None)


def test_the_app_starts_beside_unreadable_files_and_names_each_with_why(tmp_path: Path) -> None:
    chosen = short_file(tmp_path, "pooled.yaml")
    (tmp_path / "latin1.yaml").write_bytes(f"extends: {SCENARIOS / 'pooled.yaml'}\nname: caf\xe9\n".encode("latin-1"))
    (tmp_path / "bad.yaml").write_text(f"extends: {SCENARIOS / 'pooled.yaml'}\npolicy:\n  pool:\n    rate: 3\n")
    merge_bomb(tmp_path)
    said: list[str] = []
    files = server.prepare(chosen, None, server.HOST, server.free_port(), said.append)
    assert files.folder == tmp_path.resolve()
    left_out = [line for line in said if line.startswith("warning: left out of the scenario picker: ")]
    assert len(left_out) == len(said) == 4
    for name, why in [("latin1.yaml", "not UTF-8"), ("bad.yaml", "policy.pool.rate"), ("bomb.yaml", "YAML bomb")]:
        assert any(f"{tmp_path / name}: " in line and why in line for line in left_out), (name, said)


def test_a_first_scenario_outside_the_folder_to_offer_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "offered"
    folder.mkdir()
    with pytest.raises(server.AppError, match="is not in .*offered, the folder of scenarios to offer"):
        server.prepare(short_file(tmp_path, "pooled.yaml"), folder, server.HOST, server.free_port(), lambda text: None)
