#!/usr/bin/env bash
# Installs the real agent CLIs into a cache folder of the checkout (nothing global) and links
# them into CACHE/bin. Versions are pinned to the ones the recipes were proven with; override
# with CLAUDE_CODE_VERSION, CODEX_VERSION, AIDER_VERSION. Re-running with the same versions
# does nothing.
set -euo pipefail
cache=${1:?usage: install.sh CACHE_DIR}
claude_v=${CLAUDE_CODE_VERSION:-2.1.197}
codex_v=${CODEX_VERSION:-0.171.0}
aider_v=${AIDER_VERSION:-0.86.2}
mkdir -p "$cache/bin"
cache=$(cd "$cache" && pwd)

want="@anthropic-ai/claude-code@$claude_v @openai/codex@$codex_v"
if [ "$(cat "$cache/npm.installed" 2>/dev/null)" != "$want" ]; then
    # The native binaries arrive as optional dependencies of these packages.
    npm install --prefix "$cache/npm" --no-audit --no-fund --loglevel=error $want
    echo "$want" > "$cache/npm.installed"
fi

want="aider-chat==$aider_v"
if [ "$(cat "$cache/aider.installed" 2>/dev/null)" != "$want" ]; then
    # aider-chat supports Python 3.10-3.12; prefer 3.11, the project's own version.
    python=$(command -v python3.11 || command -v python3)
    rm -rf "$cache/aider"
    "$python" -m venv "$cache/aider"
    "$cache/aider/bin/python" -m pip install --quiet --disable-pip-version-check "$want"
    echo "$want" > "$cache/aider.installed"
fi

ln -sf "$cache/npm/node_modules/.bin/claude" "$cache/bin/claude"
ln -sf "$cache/npm/node_modules/.bin/codex" "$cache/bin/codex"
ln -sf "$cache/aider/bin/aider" "$cache/bin/aider"
"$cache/bin/claude" --version
"$cache/bin/codex" --version
"$cache/bin/aider" --version
