"""The API server's middlewares, one concern per module (Starlette's layout).

``create_app`` puts them in order: errors outermost (so every refusal is an OpenAI-shaped
body), then the checks that refuse a request before any work is done.
"""
