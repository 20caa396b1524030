"""The docs name only models the code knows, and show what the code sends.

* Every model name or alias docs/ mentions (in backticks or quoted in a sample) is known to the
  code: a catalogue name or alias (``g4f.models``), or a model, default or alias some provider
  declares. A provider's own page names only models that provider serves (its list, its aliases).
* Every alias a documented provider declares points at a model it lists (so a documented alias
  is never a dead end).
* docs/providers/grok.md's table is ``Grok.modes`` and its request body is what
  ``Grok.build_payload`` builds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from g4f.models import ModelUtils
from g4f.Provider import Grok
from g4f.providers.registry import registry

DOCS = Path(__file__).resolve().parent.parent / "docs"

#: What a model name looks like: a family name, optionally under a vendor (``openai/gpt-oss-120b``).
MODEL_NAME = re.compile(
    r"(?:[a-z][a-z-]*/)?(?:gpt|o[1-9]|grok|llama|mixtral|gemma|qwen|deepseek|kimi|claude|mistral|phi|command|gemini"
    r"|sonar|dall-e|flux)(?:[\w.:/-]*[\w])?")
#: Code spans, and strings in samples.
MENTION = re.compile(r"`([^`\n]+)`|\"([^\"\n]+)\"|'([^'\n]+)'")
#: Names the docs use that are not g4f's to know, each with why.
NOT_OURS = {
    # LiteLLM's routing syntax ("openai/" = an OpenAI-compatible server) around a model g4f knows.
    "openai/llama-3.3-70b-versatile": "docs/api-server.md's LiteLLM sample",
    # A model a local Ollama server serves because its user pulled it: g4f asks the server's /models.
    "qwen2.5": "docs/providers/local.md's Ollama sample",
    # Misspelt on purpose: the sample shows the ModelNotFoundError naming the close gpt-4o-mini.
    "gpt-4o-minii": "docs/migrating-from-gpt4free.md's unknown-model sample",
}
#: Provider pages and the providers whose models they may name.
PAGES = {"groq.md": ("Groq",), "grok.md": ("Grok",), "xai.md": ("xAI",)}


def mentioned(text: str) -> set[str]:
    found = set()
    for match in MENTION.finditer(text):
        token = next(group for group in match.groups() if group is not None)
        if MODEL_NAME.fullmatch(token) and not token.endswith((".json", ".md", ".py")):
            found.add(token)
    return found


def served_by(provider: type) -> set[str]:
    """Every model name ``provider`` takes: its models, default(s) and aliases."""
    names = set(getattr(provider, "models", ()) or ()) | set(getattr(provider, "fallback_models", ()) or ())
    names |= set(getattr(provider, "image_models", ()) or ()) | set(getattr(provider, "search_models", ()) or ())
    names |= set(getattr(provider, "model_aliases", {}) or {})
    names |= {value for value in (getattr(provider, "default_model", None),
                                  getattr(provider, "default_image_model", None)) if value}
    return names


def known_to_code() -> set[str]:
    known = set(ModelUtils.convert)
    for provider in registry.providers():
        known |= served_by(provider)
    return known


def docs_pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def test_the_name_pattern_finds_names_in_prose_and_samples():
    text = 'Use `grok-3-r1` or `openai/gpt-oss-120b`; create("llama-3.1-8b", ...), not `g4f.Provider.Grok` or `grok.json`'
    assert mentioned(text) == {"grok-3-r1", "openai/gpt-oss-120b", "llama-3.1-8b"}


def test_the_docs_mention_models():
    assert len(set().union(*(mentioned(page.read_text()) for page in docs_pages()))) > 30


@pytest.mark.parametrize("page", docs_pages(), ids=lambda page: str(page.relative_to(DOCS)))
def test_every_model_a_page_names_is_known_to_the_code(page):
    unknown = sorted(name for name in mentioned(page.read_text()) - known_to_code() if name not in NOT_OURS)
    assert not unknown, f"{page.relative_to(DOCS)} names models the code does not know: {unknown}"


@pytest.mark.parametrize(("page", "providers"), sorted(PAGES.items()))
def test_a_provider_page_names_only_models_its_provider_serves(page, providers):
    served = set().union(*(served_by(registry.get(name)) for name in providers))
    foreign = sorted(mentioned((DOCS / "providers" / page).read_text()) - served)
    assert not foreign, f"providers/{page} names models {', '.join(providers)} does not take: {foreign}"


def test_the_not_ours_list_is_still_needed():
    text = "".join(page.read_text() for page in docs_pages())
    assert all(name in mentioned(text) and name not in known_to_code() for name in NOT_OURS)


@pytest.mark.parametrize("provider", sorted({name for names in PAGES.values() for name in names}))
def test_every_alias_points_at_a_model_the_provider_lists(provider):
    # The providers with a page of their own (OpenRouter's built-in list is a short excerpt of the
    # hundreds its /models lists, so its aliases point past it on purpose).
    cls = registry.get(provider)
    aliases = dict(getattr(cls, "model_aliases", {}) or {})
    listed = served_by(cls) - set(aliases)
    dangling = sorted(f"{alias} -> {target}" for alias, target in aliases.items() if target not in listed)
    assert not dangling, f"{provider}: aliases to models it does not list: {dangling}"


def grok_page() -> str:
    return (DOCS / "providers" / "grok.md").read_text()


def test_grok_md_model_table_is_grok_modes():
    rows = {}
    for line in grok_page().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`grok"):
            model_name, mode_id, thinks = cells[1].strip("`"), cells[2].strip("`"), cells[3] == "yes"
            for name in re.findall(r"`([^`]+)`", cells[0]):
                rows[name] = (model_name, mode_id, thinks)
    declared = {name: (mode.model_name, mode.mode_id, mode.reasoning) for name, mode in Grok.modes.items()}
    declared |= {alias: declared[target] for alias, target in Grok.model_aliases.items()}
    assert rows == declared


def test_grok_md_request_body_is_what_grok_sends():
    body = re.search(r"The body for `([^`]+)`:\s*```json\n(.*?)```", grok_page(), re.DOTALL)
    assert body is not None
    model, shown = body.group(1), json.loads(body.group(2))
    assert shown == Grok.build_payload(model, [{"role": "user", "content": "Hello"}])
