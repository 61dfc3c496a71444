# Every target creates the virtual environment on first use, so a fresh clone needs only
# Python 3.11, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-agents check lint typecheck bench clean-venv

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

check: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy src

test: check
	sh scripts/ensure-deps.sh
	$(BIN)/python -m pytest -n auto

# The real Claude Code, Codex CLI and Aider, installed into .cache/agents (nothing global), run
# against a scripted model server on 127.0.0.1 in a network namespace with only loopback.
AGENTS_CACHE := .cache/agents
test-agents: $(STAMP)
	tests/agents/install.sh $(AGENTS_CACHE)
	PHASEGATE_AGENTS=$(CURDIR)/$(AGENTS_CACHE) tests/agents/offline.sh \
		$(BIN)/python -m pytest tests/agents/real -p no:xdist -rs

bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick,)

clean-venv:
	rm -rf $(VENV)
