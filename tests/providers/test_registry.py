"""Finding providers: by name (case-insensitive, with suggestions), by model, lazily; and how a
provider resolves the model name a caller asked for."""

from __future__ import annotations

import sys
import textwrap
from typing import ClassVar

import pytest

import g4f.Provider
from g4f.errors import ModelNotFoundError, ProviderNotFoundError
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from g4f.providers.registry import ProviderRegistry, get_provider, list_providers, register_provider, registry

PROVIDER_MODULE = '''
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin

class {name}(AsyncGeneratorProvider, ProviderModelMixin):
    working = True
    default_model = "{model}"
    models = ["{model}", "shared-model"]
    model_aliases = {{"{name_lower}-latest": "{model}"}}

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield "{name}"
'''


@pytest.fixture
def fake_builtins(tmp_path, monkeypatch):
    """A package of three provider modules on sys.path, and a registry whose built-ins they are."""
    package = tmp_path / "fake_g4f_providers"
    package.mkdir()
    (package / "__init__.py").write_text("")
    table = {}
    for name, model in (("Alpha", "alpha-1"), ("Beta", "beta-1"), ("OpenRouterish", "or-1")):
        (package / f"{name}.py").write_text(
            textwrap.dedent(PROVIDER_MODULE.format(name=name, model=model, name_lower=name.lower()))
        )
        table[name] = f"fake_g4f_providers.{name}:{name}"
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("G4F_DISABLE_PLUGIN_AUTOLOAD", "1")
    yield ProviderRegistry(table)
    for module in [m for m in sys.modules if m.startswith("fake_g4f_providers")]:
        del sys.modules[module]


def imported(prefix="fake_g4f_providers."):
    return sorted(m for m in sys.modules if m.startswith(prefix))


def test_listing_names_imports_nothing(fake_builtins):
    assert fake_builtins.names() == ["Alpha", "Beta", "OpenRouterish"]
    assert imported() == []


def test_lookup_is_case_insensitive_and_imports_one_module(fake_builtins):
    alpha = fake_builtins.get("alpha")
    assert alpha.__name__ == "Alpha"
    assert fake_builtins.get("ALPHA") is alpha is fake_builtins.get("Alpha")
    assert imported() == ["fake_g4f_providers.Alpha"]


def test_unknown_name_suggests_close_names(fake_builtins):
    with pytest.raises(ProviderNotFoundError, match="did you mean Alpha") as caught:
        fake_builtins.get("Alpah")
    assert "Alpah" in str(caught.value)
    with pytest.raises(ProviderNotFoundError, match="OpenRouterish"):
        fake_builtins.get("openrouter")
    with pytest.raises(ProviderNotFoundError, match="known: Alpha, Beta, OpenRouterish"):
        fake_builtins.get("zzzzzz")
    assert imported() == []


def test_for_model(fake_builtins):
    assert [p.__name__ for p in fake_builtins.for_model("beta-1")] == ["Beta"]
    assert [p.__name__ for p in fake_builtins.for_model("alpha-latest")] == ["Alpha"]  # an alias
    assert [p.__name__ for p in fake_builtins.for_model("shared-model")] == ["Alpha", "Beta", "OpenRouterish"]
    assert fake_builtins.for_model("no-such-model") == []


def test_registered_provider_is_found_by_name(fake_builtins):
    class Mine(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, stream=True, **kwargs):
            yield "mine"

    fake_builtins.register(Mine)
    assert fake_builtins.get("mine") is Mine
    assert "Mine" in fake_builtins.names()


def test_builtin_groq_by_any_case():
    groq = get_provider("groq")
    assert groq.__name__ == "Groq" and get_provider("GROQ") is groq
    assert "Groq" in list_providers() and "Grok" in list_providers()
    with pytest.raises(ProviderNotFoundError, match="did you mean Gro"):
        get_provider("Grq")


class UserProvider(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, stream=True, **kwargs):
        yield "from a user provider"


@pytest.fixture
def registered_user_provider():
    register_provider(UserProvider)
    yield UserProvider
    registry.unregister("UserProvider")
    vars(g4f.Provider).pop("UserProvider", None)


def test_lazy_namespace_serves_a_user_registered_provider(registered_user_provider):
    from g4f.Provider import UserProvider as imported_provider

    assert imported_provider is UserProvider
    assert g4f.Provider.UserProvider is UserProvider
    assert "UserProvider" in dir(g4f.Provider)
    assert g4f.ChatCompletion.create("", [{"role": "user", "content": "hi"}], provider="userprovider") == (
        "from a user provider"
    )


def test_lazy_namespace_forgets_an_unregistered_provider(registered_user_provider):
    assert g4f.Provider.UserProvider is UserProvider
    registry.unregister("UserProvider")
    with pytest.raises(AttributeError):
        _ = g4f.Provider.UserProvider


def test_lazy_namespace_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="NoSuchProvider"):
        _ = g4f.Provider.NoSuchProvider
    with pytest.raises(ImportError):
        from g4f.Provider import NoSuchProvider  # noqa: F401


def test_lazy_namespace_framework_names():
    from g4f.Provider import AsyncGeneratorProvider as base
    from g4f.Provider import BaseProvider

    assert base is AsyncGeneratorProvider
    assert issubclass(base, BaseProvider)
    assert g4f.Provider.needs_auth.__name__ == "g4f.Provider.needs_auth"


# -- model resolution ------------------------------------------------------------------------


class Catalogue(ProviderModelMixin):
    default_model = "big-model"
    models: ClassVar[list[str]] = ["big-model", "small-model", "vision-model"]
    model_aliases: ClassVar[dict[str, str]] = {"big": "big-model", "small": "small-model"}


def test_get_model_empty_or_auto_is_the_default():
    assert Catalogue.get_model("") == "big-model"
    assert Catalogue.get_model(None) == "big-model"
    assert Catalogue.get_model("auto") == "big-model"


def test_get_model_known_and_alias():
    assert Catalogue.get_model("vision-model") == "vision-model"
    assert Catalogue.get_model("small") == "small-model"


def test_get_model_unknown_names_provider_and_models():
    with pytest.raises(ModelNotFoundError) as caught:
        Catalogue.get_model("gpt-9")
    text = str(caught.value)
    assert text.startswith("Catalogue: ")
    assert "gpt-9" in text
    for model in Catalogue.models:
        assert model in text
    assert caught.value.provider == "Catalogue"


def test_get_model_long_model_list_is_shortened():
    class Many(ProviderModelMixin):
        default_model = "m0"
        models: ClassVar[list[str]] = [f"m{i}" for i in range(100)]

    with pytest.raises(ModelNotFoundError) as caught:
        Many.get_model("x")
    assert "m19" in str(caught.value) and "m50" not in str(caught.value) and "..." in str(caught.value)


def test_get_model_without_default():
    class NoDefault(ProviderModelMixin):
        models: ClassVar[list[str]] = ["a"]

    with pytest.raises(ModelNotFoundError, match="NoDefault: .*default"):
        NoDefault.get_model("")


def test_get_models_includes_default_and_falls_back():
    class Fallback(ProviderModelMixin):
        default_model = "d"
        fallback_models: ClassVar[list[str]] = ["f1", "f2"]

    assert Fallback.get_models() == ["d", "f1", "f2"]
    assert Fallback.serves("f2") and not Fallback.serves("zz")


def test_accepts_unknown_models_passes_names_through():
    class Open(ProviderModelMixin):
        default_model = "d"
        accepts_unknown_models = True

    assert Open.get_model("brand-new-model") == "brand-new-model"
