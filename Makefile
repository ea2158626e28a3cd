# Gatepost: `make run` serves the demo, `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-integration test-e2e bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m app migrate
	$(PY) -m app demo
	$(PY) -m app serve

# Debian packages the tests need: Chromium for the browser tests, PostgreSQL's binaries for a
# throwaway cluster when no server answers. Installed only when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(STAMP) system-deps
	$(PY) -m pytest tests/unit -q
	GATEPOST_TEST_DB=sqlite $(PY) -m pytest tests/integration -q
	GATEPOST_TEST_DB=postgres $(PY) -m pytest tests/integration -q
	$(PY) -m pytest e2e -q

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

test-integration: $(STAMP) system-deps
	GATEPOST_TEST_DB=sqlite $(PY) -m pytest tests/integration -q
	GATEPOST_TEST_DB=postgres $(PY) -m pytest tests/integration -q

test-e2e: $(STAMP) system-deps
	$(PY) -m pytest e2e -q

bench: $(STAMP) system-deps
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/bench_*.py; do $(PY) $$b || exit 1; done || echo "no benchmarks yet"

clean:
	rm -rf $(VENV) var .pytest_cache
