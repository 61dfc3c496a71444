"""The real agent CLIs, each with a private HOME that points it at the scripted model server.

Everything an agent needs to reach the server is environment or config in that HOME, so the
command lines run are exactly the README's recipes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.model_server import Book, ModelServer, Usage
from agents.recipes import recipes

CACHE = Path(os.environ.get("PHASEGATE_AGENTS", ".cache/agents")).resolve()
TOOLS = {"claude": "Claude Code", "codex": "Codex CLI", "aider": "Aider"}
# Prices the CLIs know for these model names, so their cost figures can be checked.
CLAUDE_MODEL, CODEX_MODEL, AIDER_MODEL = "claude-sonnet-4-5", "gpt-5.5", "gpt-4o"
USAGE = Usage(input=1200, output=80)


@pytest.fixture(scope="session")
def agent_bin() -> Path:
    missing = [t for t in TOOLS if not (CACHE / "bin" / t).exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed in {CACHE}: run `make test-agents`")
    return CACHE / "bin"


@pytest.fixture
def model(tmp_path: Path) -> Iterator[ModelServer]:
    with ModelServer(Book(usage=USAGE), tmp_path / "model-requests.jsonl") as server:
        yield server


def command(tool: str) -> object:
    return recipes()[TOOLS[tool]]


def agent_env(home: Path, model: ModelServer, agent_bin: Path) -> dict[str, str]:
    """The environment (for `agents.env`) that sends all three CLIs to the model server."""
    home.mkdir(parents=True, exist_ok=True)
    codex_home = home / ".codex"
    codex_home.mkdir(exist_ok=True)
    # Codex ignores OPENAI_BASE_URL; a provider of its own is the way to another endpoint.
    (codex_home / "config.toml").write_text(
        f'model = "{CODEX_MODEL}"\nmodel_provider = "scripted"\n'
        "[model_providers.scripted]\n"
        f'name = "scripted"\nbase_url = "{model.url}/v1"\n'
        'env_key = "SCRIPTED_API_KEY"\nwire_api = "responses"\n'
        "[analytics]\nenabled = false\n[features]\nplugins = false\n"
    )
    # Aider fetches litellm's price list unless a fresh copy is in its cache.
    litellm = next((CACHE / "aider").glob("lib/python*/site-packages/litellm"))
    caches = home / ".aider" / "caches"
    caches.mkdir(parents=True, exist_ok=True)
    shutil.copy(
        litellm / "model_prices_and_context_window_backup.json",
        caches / "model_prices_and_context_window.json",
    )
    return {
        "HOME": str(home),
        "PATH": f"{agent_bin}{os.pathsep}{os.environ['PATH']}",
        "ANTHROPIC_BASE_URL": model.url,
        "ANTHROPIC_API_KEY": "dummy",
        "ANTHROPIC_MODEL": CLAUDE_MODEL,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CODEX_HOME": str(codex_home),
        "SCRIPTED_API_KEY": "dummy",
        "AIDER_MODEL": AIDER_MODEL,
        "AIDER_OPENAI_API_BASE": f"{model.url}/v1",
        "AIDER_OPENAI_API_KEY": "dummy",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
