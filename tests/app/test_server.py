"""Serving the app: what stops it starting, said plainly."""

from __future__ import annotations

import socket

import pytest

from sim.app import server


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
