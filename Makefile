# Two commands do everything on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: all install generate check-generated lint typecheck test stress mutants demo bench sandbox clean

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

generate: $(STAMP)  ## regenerate generated/ from endpoints.yaml
	$(PY) -m mtgox_codegen

check-generated: $(STAMP)  ## fail when generated/ differs from what endpoints.yaml produces
	$(PY) -m mtgox_codegen --check

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy runtime/mtgox_runtime generated/mtgox catalogue/mtgox_catalogue codegen/mtgox_codegen sandbox/mtgox_sandbox examples bench tests

test: check-generated lint typecheck  ## everything CI runs
	$(PY) -m pytest -q

stress: $(STAMP)  ## long load, fault and kill runs
	$(PY) -m pytest -q -m stress

mutants: $(STAMP)  ## apply the hand-written mutants to scratch copies; each must be caught
	$(PY) tests/mutation/run.py

demo: $(STAMP)  ## start a sandbox, run examples/demo.py against it for real, stop it
	$(PY) examples/run_demo.py

bench: $(STAMP)  ## benchmarks; BENCH=quick for a short run
	$(PY) -m bench $(if $(BENCH),--$(BENCH))

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
