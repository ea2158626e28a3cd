# Gatepost: `make run` serves the demo, `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-integration test-e2e bench system-deps i18n clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m app migrate
	$(PY) -m app demo
	$(PY) -m app serve

# Debian packages the tests need: Chromium for the browser tests, a Chinese font so its
# screenshots show Chinese, PostgreSQL's binaries for a throwaway cluster when no server
# answers, a D-Bus daemon for the phone's notification shade in the push tests. Installed
# only when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || missing="$$missing fonts-wqy-microhei"; \
	[ -x /usr/bin/dbus-daemon ] || missing="$$missing dbus-daemon"; \
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

# After adding or changing user-visible text: extract it, then translate what is new or fuzzy
# in app/i18n/zh_Hans/LC_MESSAGES/messages.po (tests/unit/test_i18n_catalogues.py checks).
i18n: $(STAMP)
	./tools/i18n_update.sh

clean:
	rm -rf $(VENV) var .pytest_cache
