# duban developer tasks. Every target that needs the tools runs scripts/setup.sh first (idempotent, fast).
VENV := .venv/bin

.PHONY: help setup run test lint fmt bench

help:
	@echo "make setup  - create .venv, pip install -e '.[dev]', npm ci (idempotent)"
	@echo "make run    - migrate, load demo data and serve (HOST=127.0.0.1 PORT=5000)"
	@echo "make test   - full suite on SQLite, then on a throwaway PostgreSQL (pytest args: ARGS=...)"
	@echo "make lint   - ruff check + mypy + lint-imports (the layer rules in pyproject.toml)"
	@echo "make fmt    - ruff format + ruff check --fix"
	@echo "make bench  - run bench/run_all.py"

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(ARGS)

lint: setup
	$(VENV)/ruff check .
	$(VENV)/mypy service
	$(VENV)/lint-imports

fmt: setup
	$(VENV)/ruff format .
	$(VENV)/ruff check --fix .

bench: setup
	@if [ -f bench/run_all.py ]; then $(VENV)/python bench/run_all.py; \
	else echo "bench/run_all.py not present: nothing to run"; fi
