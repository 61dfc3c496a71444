"""A scripted model endpoint on 127.0.0.1 speaking Anthropic Messages, OpenAI Responses and
OpenAI chat completions, so the real agent CLIs can run offline against a known script."""

from .script import Book, Script, Usage
from .server import ModelServer

__all__ = ["Book", "ModelServer", "Script", "Usage"]
