# Two commands do everything on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: all install generate check-generated lint typecheck browser php test stress mutants mutation demo bench sandbox clean

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
	$(VENV)/bin/lint-imports --no-cache

typecheck: $(STAMP)
	$(PY) -m mypy runtime/mtgox_runtime generated/mtgox catalogue/mtgox_catalogue codegen/mtgox_codegen sandbox/mtgox_sandbox examples bench tests

# Debian's headless Chromium and its driver, for the dashboard's browser test (Selenium is given
# their paths: nothing else is downloaded). Idempotent; says what it will install, and why, before
# apt-get runs; skipped, saying so, when neither installed nor installable (not root) or when
# SKIP_BROWSER=1, and then that test is skipped too.
BROWSER_PACKAGES := chromium chromium-driver
browser:  ## install headless Chromium for the dashboard's browser test
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ -n "$(SKIP_BROWSER)" ]; then echo "make browser: SKIPPED (SKIP_BROWSER is set): the dashboard's browser test will be skipped"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "make browser: running as root, so installing the Debian packages $(BROWSER_PACKAGES) with apt-get now," \
			"for the dashboard's browser test (SKIP_BROWSER=1 skips them and that test)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null; }; \
	else echo "make browser: SKIPPED: chromium/chromedriver are not installed and installing them needs root;" \
		"the dashboard's browser test will be skipped (as root: apt-get install $(BROWSER_PACKAGES))"; fi

# Debian's PHP, for the test that runs the official Mt. Gox PHP socket client (2013) against the
# sandbox. Idempotent; says what it will install, and why, before apt-get runs; skipped, saying
# so, when not installable (not root) or when SKIP_PHP=1, and then that test is skipped too.
PHP_PACKAGES := php-cli php-curl
php:  ## install PHP for the official PHP client's interop test
	@if command -v php >/dev/null 2>&1 && php -m 2>/dev/null | grep -qx curl; then :; \
	elif [ -n "$(SKIP_PHP)" ]; then echo "make php: SKIPPED (SKIP_PHP is set): the PHP client's test will be skipped"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "make php: running as root, so installing the Debian packages $(PHP_PACKAGES) with apt-get now," \
			"for the official Mt. Gox PHP client's test (SKIP_PHP=1 skips them and that test)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q $(PHP_PACKAGES) >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q $(PHP_PACKAGES) >/dev/null; } || \
		echo "make php: apt-get could not install $(PHP_PACKAGES): the PHP client's test will be skipped"; \
	else echo "make php: SKIPPED: php and php-curl are not installed and installing them needs root;" \
		"the PHP client's test will be skipped (as root: apt-get install $(PHP_PACKAGES))"; fi

test: check-generated lint typecheck browser php  ## everything CI runs: the suite, then the stress runs
	$(PY) -m pytest -q
	$(PY) -m pytest -q -m stress

stress: $(STAMP)  ## long load, fault and kill runs
	$(PY) -m pytest -q -m stress

mutants: $(STAMP)  ## apply the hand-written mutants to scratch copies; each must be caught (TOOL=1: and `make mutation`)
	$(PY) tests/mutation/run.py
	$(if $(TOOL),$(PY) tests/mutation/tool.py)

mutation: $(STAMP)  ## mutmut over tests/mutation/modules.toml (GROUP=auth: one group); survivors must be listed as equivalent
	$(PY) tests/mutation/tool.py $(if $(GROUP),--group $(GROUP))

demo: $(STAMP)  ## start a sandbox, run examples/demo.py against it for real, print the dashboard's URL
	$(PY) examples/run_demo.py

sandbox: $(STAMP)  ## a sandbox with a market maker and a funded account, up until Ctrl-C (watch your bot)
	$(PY) examples/run_demo.py --serve

bench: $(STAMP)  ## benchmarks; BENCH=quick for a short run
	$(PY) -m bench $(if $(BENCH),--$(BENCH))

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
