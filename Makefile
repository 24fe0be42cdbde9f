# The two commands of the README:
#   make demo   set up .venv (first time) and start Warden on the bundled demo
#   make test   set up .venv (first time) and run the test suite
VENV ?= .venv
PYTEST_ARGS ?=

.PHONY: setup demo run test lint typecheck clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup-venv.sh
	VENV=$(VENV) scripts/setup-venv.sh

demo: setup
	$(VENV)/bin/warden check
	$(VENV)/bin/warden run

run: demo

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
