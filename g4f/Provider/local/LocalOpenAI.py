"""Any OpenAI-compatible server the user runs (llama.cpp, vLLM, LM Studio, ...) at ``$G4F_LOCAL_API_BASE``."""

from __future__ import annotations

from ._server import LocalServer

__all__ = ["LocalOpenAI"]


class LocalOpenAI(LocalServer):
    label = "Local OpenAI-compatible server"
    url = "http://localhost:8080"
    api_base = "http://localhost:8080/v1"  # llama.cpp's server
    api_base_env = "G4F_LOCAL_API_BASE"  # the whole API root, /v1 included
    api_key_env = "G4F_LOCAL_API_KEY"  # optional: most local servers take no key
    default_model = "local-model"  # llama.cpp answers any name with the model it runs
