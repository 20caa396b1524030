"""The model catalogue: which models exist, what they are called and who serves them.

A :class:`Model` row names a model, the organisation behind it and its best provider(s).
``ModelUtils.convert`` maps every name and alias to its row. Users can add their own::

    from g4f.models import Model, ModelUtils
    ModelUtils.register(Model("my-model", "me", best_provider=MyProvider))

Providers are referenced by name so that reading the catalogue imports none of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["Model", "ModelUtils", "default"]


@dataclass
class Model:
    """One model of the catalogue.

    ``best_provider`` is a provider (class, instance or name), a list of them (tried in order),
    or None (auto-selection among every provider that serves the model).
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

    def __str__(self) -> str:
        return self.name


class ModelUtils:
    """Name and alias → :class:`Model`."""

    convert: ClassVar[dict[str, Model]] = {}

    @classmethod
    def register(cls, model: Model) -> Model:
        cls.convert[model.name] = model
        for alias in model.aliases:
            cls.convert.setdefault(alias, model)
        return model

    @classmethod
    def get(cls, name: str) -> Model | None:
        return cls.convert.get(name)


#: "No particular model": auto-selection picks each provider's default model.
default = Model("", "", best_provider=None)

_CATALOGUE = [
    # Groq (prices per million tokens: input / output)
    Model("llama-3.3-70b-versatile", "Meta", "Groq", ("llama-3.3-70b",), 131072, 0.59, 0.79),
    Model("llama-3.1-70b-versatile", "Meta", "Groq", ("llama-3.1-70b",), 131072, 0.59, 0.79),
    Model("llama-3.1-8b-instant", "Meta", "Groq", ("llama-3.1-8b",), 131072, 0.05, 0.08),
    Model("mixtral-8x7b-32768", "Mistral", "Groq", ("mixtral-8x7b",), 32768, 0.24, 0.24),
    Model("gemma2-9b-it", "Google", "Groq", ("gemma-2-9b",), 8192, 0.20, 0.20),
    # Grok web app
    Model("grok-3", "xAI", ["Grok", "xAI"], (), 131072),
    Model("grok-3-thinking", "xAI", "Grok", ("grok-3-r1",), 131072),
    Model("grok-2", "xAI", ["Grok", "xAI"], (), 131072),
]
for _model in _CATALOGUE:
    ModelUtils.register(_model)
del _model
