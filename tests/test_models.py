"""The model catalogue: rows are well-formed, names resolve, users can add their own models, and
reading it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import g4f
from g4f.errors import NetworkError
from g4f.models import Model, ModelUtils, default
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.registry import BUILTIN_PROVIDERS, registry
from g4f.providers.resolve import get_model_and_provider
from g4f.providers.retry_provider import IterListProvider

MESSAGES = [{"role": "user", "content": "hi"}]
ROWS = sorted({id(m): m for m in ModelUtils.convert.values()}.values(), key=lambda m: m.name)


@pytest.fixture
def catalogue(monkeypatch):
    """A copy of the catalogue a test may add rows to."""
    monkeypatch.setattr(ModelUtils, "convert", dict(ModelUtils.convert))
    return ModelUtils


@pytest.mark.parametrize("row", ROWS, ids=lambda m: m.name)
def test_every_row_is_well_formed(row):
    assert row.name and row.base_provider
    assert row.provider_names(), f"{row.name} names no provider"
    assert isinstance(row.context_length, int) and row.context_length >= 4096
    for price in (row.input_price, row.output_price):
        assert price is None or 0 <= price < 1000
    for name in row.names:
        assert ModelUtils.convert[name] is row


@pytest.mark.parametrize("row", ROWS, ids=lambda m: m.name)
def test_rows_name_only_providers_g4f_ships(row):
    assert set(row.provider_names()) <= set(BUILTIN_PROVIDERS)


def test_built_in_providers_list_the_rows_that_name_them():
    """Asking for a catalogue model never reaches a provider that does not know the name."""
    served = set()
    for name in BUILTIN_PROVIDERS:
        provider = registry.get(name)
        for row in ROWS:
            if name in row.provider_names():
                assert any(provider.serves(n) for n in row.names), f"{name} does not list {row.name}"
                served.add(row.name)
    assert served == {row.name for row in ROWS}


def test_names_and_aliases_resolve_case_insensitively():
    row = ModelUtils.get("grok-3-r1")
    assert row is not None and row.name == "grok-3-thinking"
    assert ModelUtils.get("GPT-4o") is ModelUtils.get("gpt-4o")
    assert ModelUtils.get("no-such-model") is None
    assert "gpt-4o-mini" in ModelUtils.names()


def test_case_insensitive_names_follow_the_catalogue_as_it_changes(catalogue):
    assert ModelUtils.get("My-Local-Model") is None
    row = ModelUtils.register(Model("my-local-model", "Me"))
    assert ModelUtils.get("MY-LOCAL-MODEL") is row
    del ModelUtils.convert["my-local-model"]
    assert ModelUtils.get("My-Local-Model") is None
    ModelUtils.convert = {"Other": row}  # replaced whole, as gpt4free code may do
    assert ModelUtils.get("other") is row and ModelUtils.get("gpt-4o") is None


def test_default_means_auto_selection_with_each_providers_default_model():
    assert default.name == "" and default.best_provider is None
    model_name, provider = get_model_and_provider(default)
    assert model_name == ""
    assert provider.__name__ == "AnyProvider"


def test_a_row_without_best_provider_goes_to_auto_selection_and_keeps_the_asked_name():
    model_name, provider = get_model_and_provider("grok-3-r1")
    assert (model_name, provider.__name__) == ("grok-3-r1", "AnyProvider")


def test_prices_give_a_cost():
    row = Model("m", "Org", input_price=2.5, output_price=10.0)
    assert row.cost(1_000_000, 500_000) == pytest.approx(7.5)
    assert Model("m", "Org").cost(10, 10) is None


def test_provider_names_lists_best_provider_then_the_rows_providers_once():
    class Mine(AsyncGeneratorProvider):
        pass

    row = Model("m", "Org", best_provider=[Mine, "Groq"], providers=("Groq", "Grok"))
    assert row.provider_names() == ["Mine", "Groq", "Grok"]


class Mine(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield f"mine answers {model}"


def test_a_users_model_with_its_own_best_provider_works_with_chat_completion(catalogue):
    catalogue.register(Model("their-name", "them", best_provider=Mine, aliases=("theirs",)))
    answer = g4f.ChatCompletion.create("their-name", MESSAGES)
    assert answer == "mine answers their-name"
    assert g4f.ChatCompletion.create("theirs", MESSAGES) == "mine answers their-name"
    # Events print as "" (ProviderInfo comes first): str() joins the text, as gpt4free users print it.
    assert "".join(map(str, g4f.ChatCompletion.create("their-name", MESSAGES, stream=True))) == (
        "mine answers their-name")


async def test_a_users_model_works_async_and_as_a_model_object(catalogue):
    row = catalogue.register(Model("their-name", "them", best_provider=Mine))
    assert await g4f.ChatCompletion.create_async("their-name", MESSAGES) == "mine answers their-name"
    unregistered = Model("ad-hoc", "them", best_provider=Mine)
    assert await g4f.ChatCompletion.create_async(unregistered, MESSAGES) == "mine answers ad-hoc"
    assert row is ModelUtils.get("their-name")


def test_direct_assignment_to_convert_works_as_in_gpt4free(catalogue):
    catalogue.convert["assigned"] = Model("assigned", "them", best_provider=Mine)
    assert g4f.ChatCompletion.create("assigned", MESSAGES) == "mine answers assigned"


def test_a_best_provider_list_falls_back_in_order(catalogue):
    class Down(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            raise NetworkError("connection refused", provider="Down")
            yield  # pragma: no cover

    catalogue.register(Model("listed", "them", best_provider=[Down, Mine]))
    _, provider = get_model_and_provider("listed")
    assert isinstance(provider, IterListProvider) and provider.shuffle is False
    answer = g4f.ChatCompletion.create("listed", MESSAGES)
    assert answer == "mine answers listed" and answer.provider.name == "Mine"


def test_registering_keeps_existing_aliases():
    # An alias already taken by another row is not stolen by a later registration.
    catalogue = dict(ModelUtils.convert)
    try:
        ModelUtils.register(Model("grok-3-copy", "xAI", aliases=("grok-3-r1",), best_provider=Mine))
        assert ModelUtils.get("grok-3-r1").name == "grok-3-thinking"
    finally:
        ModelUtils.convert.clear()
        ModelUtils.convert.update(catalogue)


def test_importing_the_catalogue_imports_no_provider_or_http_library():
    code = (
        "import sys, g4f.models;"
        "print(sorted(m for m in sys.modules if m.startswith(('g4f.Provider', 'g4f.providers', 'aiohttp',"
        " 'curl_cffi', 'nodriver', 'browser_cookie3'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
