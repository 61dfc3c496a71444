# Every target creates the virtual environment on first use, so a fresh clone needs only
# Python 3.11, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-agents check lint typecheck bench screenshots clean-venv

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The demo's repository is kept in .demo/ (replaced by the next demo) so its web view can be
# served afterwards; the command for that is the demo's last line.
demo: $(STAMP)
	$(BIN)/python examples/demo.py --dir .demo

check: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy src

# Coverage includes the phasegate processes the tests start (coverage's subprocess patch).
# The crash sweep (`slow`) runs as its own invocation: kill -9 at every point, then resume.
test: check
	sh scripts/ensure-deps.sh
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -n auto
	$(BIN)/coverage run -m pytest -n auto -m slow tests/engine/test_crash_sweep.py
	$(BIN)/coverage combine -q
	$(BIN)/coverage report > coverage.txt
	@echo "coverage (lines and branches, subprocesses included; per file in coverage.txt):"
	@grep "^TOTAL" coverage.txt

# The real Claude Code, Codex CLI and Aider, installed into .cache/agents (nothing global), run
# against a scripted model server on 127.0.0.1 in a network namespace with only loopback.
AGENTS_CACHE := .cache/agents
test-agents: $(STAMP)
	tests/agents/install.sh $(AGENTS_CACHE)
	PHASEGATE_AGENTS=$(CURDIR)/$(AGENTS_CACHE) tests/agents/offline.sh \
		$(BIN)/python -m pytest tests/agents/real -p no:xdist -rs

bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick,)

# The README's pictures of the web view, taken by the browser tests' headless Chromium.
screenshots: $(STAMP)
	sh scripts/ensure-deps.sh
	$(BIN)/python tests/web/screenshots.py docs/img

clean-venv:
	rm -rf $(VENV)
