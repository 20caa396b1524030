"""Fixtures for the client tests: keyless local providers point at a closed loopback port, so
auto-selection never reaches whatever may listen on this machine's usual ports."""

from __future__ import annotations

import socket

import pytest


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def local_servers_absent(monkeypatch):
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("OLLAMA_API_BASE", dead)
    monkeypatch.setenv("G4F_LOCAL_API_BASE", dead)
