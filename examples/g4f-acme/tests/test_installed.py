"""Once the package is installed, g4f finds its providers and auto-selection uses them."""

from __future__ import annotations

import sys

import g4f
import pytest
from g4f.cli import main
from g4f.providers.registry import registry

KEY = "acme-cloud-test-key-0002"


def test_the_registry_finds_both_providers_without_importing_them():
    assert {"AcmeCloud", "AcmeStream"} <= set(registry.names())
    assert registry.origin("AcmeCloud").startswith("plugin g4f-acme ")
    from g4f.Provider import AcmeCloud

    assert AcmeCloud.__module__ == "g4f_acme.cloud"
    assert "g4f_acme.stream" not in sys.modules or "AcmeStream" in vars(sys.modules["g4f_acme.stream"])


def test_g4f_providers_lists_them(capsys):
    assert main(["providers"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert "acme-chat" in lines["AcmeCloud"] and "missing" in lines["AcmeCloud"]
    assert "acme-stream-1" in lines["AcmeStream"]


@pytest.mark.openai_replica(api_key=KEY, models=["acme-chat"])
async def test_auto_selection_uses_it_for_its_model(openai_replica, monkeypatch):
    monkeypatch.setenv("ACME_API_KEY", KEY)
    monkeypatch.setenv("ACME_API_BASE", openai_replica.base_url)
    answer = await g4f.ChatCompletion.create_async("acme-chat", [{"role": "user", "content": "Hi"}])
    assert answer == "You said: Hi"
    assert answer.provider.name == "AcmeCloud"
