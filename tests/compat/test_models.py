"""``g4f.models`` as gpt4free scripts and plugins use it: models as module attributes
(``from g4f.models import gpt_4o``, ``g4f.models.llama_3_3_70b``), gpt4free's kinds of rows
(``ImageModel``, ``VisionModel``, ...) and ``get_long_name()``."""

from __future__ import annotations

import unittest

import g4f
from g4f.client import Client
from g4f.client.service import get_model_and_provider
from g4f.models import ImageModel, Model, ModelUtils, VisionModel
from g4f.providers.any_provider import AnyProvider

from .mocks import ModelProviderMock

DEFAULT_MESSAGES = [{"role": "user", "content": "Hello"}]


class TestModelsAsAttributes(unittest.TestCase):
    def test_from_import(self):
        from g4f.models import gpt_4_1_mini, gpt_4o, llama_3_3_70b

        self.assertIs(gpt_4o, ModelUtils.convert["gpt-4o"])
        self.assertEqual(gpt_4_1_mini.name, "gpt-4.1-mini")
        self.assertEqual(llama_3_3_70b.name, "llama-3.3-70b-versatile")  # gpt4free's name is the alias

    def test_gpt4free_names_of_current_grok_and_groq_models(self):
        expected = {"grok_3": "grok-3", "grok_3_r1": "grok-3-thinking", "grok_2": "grok-2", "grok_4": "grok-4",
                    "gpt_oss_120b": "openai/gpt-oss-120b", "kimi": "moonshotai/kimi-k2-instruct",
                    "llama_3_1_8b": "llama-3.1-8b-instant", "mixtral_8x7b": "mixtral-8x7b-32768", "o3_mini": "o3-mini"}
        self.assertEqual({name: getattr(g4f.models, name).name for name in expected}, expected)

    def test_get_model_and_provider_takes_them(self):
        model, provider = get_model_and_provider(g4f.models.gpt_4o.name, None, False)
        self.assertEqual((model, provider), ("gpt-4o", AnyProvider))  # auto-selection among its providers
        self.assertEqual(g4f.models.gpt_4o.get_long_name(), "gpt-4o")

    def test_a_registered_row_is_an_attribute_too(self):
        row = ModelUtils.register(VisionModel("test-vision-1.5", "tests", best_provider=ModelProviderMock))
        try:
            self.assertIs(g4f.models.test_vision_1_5, row)
            self.assertIsInstance(row, Model)
            response = Client().chat.completions.create(DEFAULT_MESSAGES, g4f.models.test_vision_1_5)
            self.assertEqual(response.choices[0].message.content, "test-vision-1.5")
        finally:
            del ModelUtils.convert["test-vision-1.5"]

    def test_an_image_model_row(self):
        row = ImageModel(name="flux-test", base_provider="Black Forest Labs", best_provider=ModelProviderMock)
        self.assertEqual((row.name, row.base_provider, row.get_long_name()), ("flux-test", "Black Forest Labs",
                                                                               "flux-test"))

    def test_an_unknown_name_is_an_attribute_error(self):
        self.assertFalse(hasattr(g4f.models, "gpt_9_turbo"))
        with self.assertRaises(ImportError):
            from g4f.models import gpt_9_turbo  # noqa: F401
        self.assertFalse(hasattr(g4f.models, "__models__"))  # not provided (see docs/migrating-from-gpt4free.md)


if __name__ == "__main__":
    unittest.main()
