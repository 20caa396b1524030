"""The model catalogue: which models exist, what they are called and who serves them.

A :class:`Model` row names a model, the organisation behind it, who serves it, its aliases, its
context length and (where published) its API prices. ``ModelUtils.convert`` maps every name and
alias to its row. Users can add their own::

    from g4f.models import Model, ModelUtils
    ModelUtils.register(Model("my-model", "me", best_provider=MyProvider))
    g4f.ChatCompletion.create("my-model", messages)   # calls MyProvider

A row with a ``best_provider`` is always answered by it. A row without one is answered by
auto-selection (``AnyProvider``), which tries the row's ``providers`` first, then every other
provider that lists the model, skipping those without credentials.

Providers are referenced by name so that reading the catalogue imports none of them.

gpt4free's scripts name models as module attributes (``g4f.models.gpt_4o``,
``from g4f.models import llama_3_3_70b``): every catalogue name or alias without a ``/`` is one,
with ``-`` and ``.`` written ``_`` (looked up when asked, so registered rows count too).
``ImageModel``, ``VisionModel``, ``AudioModel`` and ``VideoModel`` are gpt4free's kinds of rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["AudioModel", "ImageModel", "Model", "ModelUtils", "VideoModel", "VisionModel", "default"]


@dataclass
class Model:
    """One model of the catalogue.

    ``best_provider`` is a provider (class, instance or name) or a list of them (tried in order)
    that always answers this model; None means auto-selection among the ``providers`` (names, in
    order of preference) and every provider that lists the model.
    Prices are US dollars per million tokens.
    """

    name: str
    base_provider: str = ""
    best_provider: Any = None
    aliases: Sequence[str] = ()
    context_length: int | None = None
    input_price: float | None = None
    output_price: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    providers: Sequence[str] = ()

    def __str__(self) -> str:
        return self.name

    @property
    def names(self) -> list[str]:
        """The name and every alias."""
        return [self.name, *self.aliases]

    def provider_names(self) -> list[str]:
        """The providers named by the row (``best_provider`` entries first), without importing them."""
        found: list[str] = []
        best = self.best_provider
        entries = best if isinstance(best, (list, tuple)) else [best] if best is not None else []
        for entry in [*entries, *self.providers]:
            name = entry if isinstance(entry, str) else getattr(entry, "__name__", None) or type(entry).__name__
            if name not in found:
                found.append(name)
        return found

    def get_long_name(self) -> str:
        """gpt4free's name for the id sent upstream: here the row's ``name`` already is it."""
        return self.name

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """The price of a completion in US dollars, when both prices are known."""
        if self.input_price is None or self.output_price is None:
            return None
        return (prompt_tokens * self.input_price + completion_tokens * self.output_price) / 1_000_000


class ImageModel(Model):
    """A model that makes images (gpt4free's kind of row; it is a :class:`Model` here)."""


class VisionModel(Model):
    """A chat model that also reads images (gpt4free's kind of row)."""


class AudioModel(Model):
    """A model that speaks or listens (gpt4free's kind of row)."""


class VideoModel(Model):
    """A model that makes videos (gpt4free's kind of row)."""


class ModelUtils:
    """Name and alias → :class:`Model`."""

    convert: ClassVar[dict[str, Model]] = {}

    @classmethod
    def register(cls, model: Model) -> Model:
        """Add (or replace) a row; its aliases are added unless another row already uses them."""
        cls.convert[model.name] = model
        for alias in model.aliases:
            cls.convert.setdefault(alias, model)
        return model

    #: ``convert``'s names case-folded (the first name of each folding), and which ``convert``
    #: (its id and size) it was made from: rebuilt when names are added or removed, or when
    #: ``convert`` is replaced.
    _folded: ClassVar[tuple[int, int, dict[str, str]]] = (0, -1, {})

    @classmethod
    def get(cls, name: str) -> Model | None:
        """The row for a name or alias (exact, else case-insensitive), or None.

        Asked on every request, mostly for names that are not in the catalogue (any model of
        OpenRouter or of a local server): the case-insensitive look-up is one dict look-up in
        an index, not a pass over every name (about 12 µs).
        """
        model = cls.convert.get(name)
        if model is None and name:
            convert, size, folded = cls._folded
            if convert != id(cls.convert) or size != len(cls.convert):
                names = list(cls.convert)  # a copy: others may register meanwhile
                folded = {}
                for known in names:
                    folded.setdefault(known.lower(), known)
                cls._folded = (id(cls.convert), len(names), folded)
            found = folded.get(name.lower())
            if found is not None:
                return cls.convert.get(found)
        return model

    @classmethod
    def names(cls) -> list[str]:
        """Every name and alias the catalogue knows."""
        return list(cls.convert)


#: "No particular model": auto-selection picks each provider's default model.
default = Model("", "", best_provider=None)

_CATALOGUE = [
    # Groq (prices per million tokens: input / output). Groq's current models first; the rows of models
    # Groq retired stay, so that their names keep resolving (Groq's answer for them names current ones).
    Model("openai/gpt-oss-120b", "OpenAI", aliases=("gpt-oss-120b",), providers=("Groq",), context_length=131072,
          input_price=0.15, output_price=0.75),
    Model("openai/gpt-oss-20b", "OpenAI", aliases=("gpt-oss-20b",), providers=("Groq",), context_length=131072,
          input_price=0.10, output_price=0.50),
    Model("llama-3.1-8b-instant", "Meta", aliases=("llama-3.1-8b",), providers=("Groq",),
          context_length=131072, input_price=0.05, output_price=0.08),
    Model("qwen/qwen3-32b", "Alibaba", aliases=("qwen-3-32b",), providers=("Groq",), context_length=131072,
          input_price=0.29, output_price=0.59),
    Model("moonshotai/kimi-k2-instruct", "Moonshot AI", aliases=("kimi-k2",), providers=("Groq",),
          context_length=131072, input_price=1.00, output_price=3.00),
    Model("meta-llama/llama-4-scout-17b-16e-instruct", "Meta", aliases=("llama-4-scout",), providers=("Groq",),
          context_length=131072, input_price=0.11, output_price=0.34),
    Model("meta-llama/llama-4-maverick-17b-128e-instruct", "Meta", aliases=("llama-4-maverick",),
          providers=("Groq",), context_length=131072, input_price=0.20, output_price=0.60),
    Model("deepseek-r1-distill-llama-70b", "DeepSeek", providers=("Groq",), context_length=131072,
          input_price=0.75, output_price=0.99),
    Model("gemma2-9b-it", "Google", aliases=("gemma-2-9b",), providers=("Groq",),
          context_length=8192, input_price=0.20, output_price=0.20),
    # Retired by Groq: llama-3.3-70b-versatile (2026-08), llama-3.1-70b-versatile (2025-01), mixtral (2025-03).
    Model("llama-3.3-70b-versatile", "Meta", aliases=("llama-3.3-70b",), providers=("Groq",),
          context_length=131072, input_price=0.59, output_price=0.79),
    Model("llama-3.1-70b-versatile", "Meta", aliases=("llama-3.1-70b",), providers=("Groq",),
          context_length=131072, input_price=0.59, output_price=0.79),
    Model("mixtral-8x7b-32768", "Mistral", aliases=("mixtral-8x7b",), providers=("Groq",),
          context_length=32768, input_price=0.24, output_price=0.24),
    # Grok web app (grok.com, a logged-in account), the xAI API and OpenRouter; prices are the xAI API's.
    Model("grok-4", "xAI", providers=("xAI", "Grok"), context_length=256000, input_price=3.0, output_price=15.0),
    Model("grok-4-heavy", "xAI", providers=("Grok",), context_length=256000),
    Model("grok-4-reasoning", "xAI", providers=("Grok",), context_length=256000),
    Model("grok-4-deepsearch", "xAI", providers=("Grok",), context_length=256000),
    Model("grok-3", "xAI", aliases=("x-ai/grok-3",), providers=("Grok", "xAI", "OpenRouter"), context_length=131072,
          input_price=3.0, output_price=15.0),
    Model("grok-3-thinking", "xAI", aliases=("grok-3-r1", "grok-3-reasoning"), providers=("Grok",),
          context_length=131072),
    Model("grok-2", "xAI", aliases=("grok-2-1212",), providers=("Grok", "xAI"), context_length=131072,
          input_price=2.0, output_price=10.0),
    Model("grok-3-mini", "xAI", providers=("xAI", "Grok"), context_length=131072, input_price=0.30,
          output_price=0.50),
    Model("grok-3-mini-reasoning", "xAI", providers=("Grok",), context_length=131072),
    Model("grok-3-deepsearch", "xAI", providers=("Grok",), context_length=131072),
    Model("grok-2-image", "xAI", providers=("Grok",), context_length=131072),
    Model("grok-latest", "xAI", providers=("Grok",), context_length=131072),
    Model("grok-2-vision-1212", "xAI", aliases=("grok-2-vision",), providers=("xAI",), context_length=32768,
          input_price=2.0, output_price=10.0),
    # OpenAI API (and OpenRouter, which serves the same models under "openai/<name>")
    Model("gpt-4o", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=128000,
          input_price=2.50, output_price=10.00),
    Model("gpt-4o-mini", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=128000,
          input_price=0.15, output_price=0.60),
    Model("gpt-4.1", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=1047576,
          input_price=2.00, output_price=8.00),
    Model("gpt-4.1-mini", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=1047576,
          input_price=0.40, output_price=1.60),
    Model("gpt-4.1-nano", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=1047576,
          input_price=0.10, output_price=0.40),
    Model("o1", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=200000,
          input_price=15.00, output_price=60.00),
    Model("o3-mini", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=200000,
          input_price=1.10, output_price=4.40),
    Model("o4-mini", "OpenAI", providers=("OpenAI", "OpenRouter"), context_length=200000,
          input_price=1.10, output_price=4.40),
    # A local Ollama server (no price: it runs on the user's machine)
    Model("llama3.2", "Meta", aliases=("llama-3.2-3b",), providers=("Ollama",), context_length=131072),
]
for _model in _CATALOGUE:
    ModelUtils.register(_model)
del _model

#: gpt4free's attribute names that are not a name with "-" and "." as "_".
_GPT4FREE_NAMES = {"kimi": "kimi-k2"}


def _attribute_name(name: str) -> str:
    return re.sub(r"[-.]", "_", name).lower()


def __getattr__(name: str) -> Model:
    """``g4f.models.gpt_4o``: the row named (or aliased) ``gpt-4o`` (see the module docstring)."""
    if not name.startswith("_"):
        wanted = _GPT4FREE_NAMES.get(name)
        for key, model in list(ModelUtils.convert.items()):  # a copy: others may register meanwhile
            if key == wanted or ("/" not in key and _attribute_name(key) == name):
                return model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
