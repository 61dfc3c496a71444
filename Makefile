# Every target creates the virtual environment on first use, so a fresh clone needs only
# Python 3.11, git and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck bench clean-venv

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

bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick,)

clean-venv:
	rm -rf $(VENV)
