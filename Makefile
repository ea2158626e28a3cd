# Gatepost: `make run` serves the demo, `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# uv installs the packages exactly as uv.lock pins them (every file checked against its hash)
# and refreshes the lock. It lives in a small venv of its own, itself installed from pinned
# hashes (tools/uv-requirements.txt), so .venv holds nothing the lock does not name.
UV_VENV := .uv
UV := $(UV_VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test test-unit test-integration integration-sqlite integration-postgres test-e2e bench system-deps i18n lock lock-upgrade install clean

$(UV): tools/uv-requirements.txt
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet --require-hashes -r tools/uv-requirements.txt
	touch $(UV)

# The app and the test extras, as locked. A pyproject.toml changed without `make lock` stops here.
$(STAMP): uv.lock pyproject.toml $(UV)
	@$(UV) sync --quiet --locked --extra test --python $(PYTHON) || \
	  { echo "uv.lock does not match pyproject.toml: run 'make lock', then commit uv.lock." >&2; exit 1; }
	touch $(STAMP)

# Production: the app's packages only, as locked (no test extras), compiled ahead so that
# workers start quickly from a folder they may not write to.
install: $(UV)
	$(UV) sync --quiet --locked --compile-bytecode --python $(PYTHON)
	$(PY) -m compileall -q app piccolo_conf.py

# After changing dependencies in pyproject.toml: resolve what changed, keep every other pin.
lock: $(UV)
	$(UV) lock --python $(PYTHON)

# Every package to its newest release that pyproject.toml allows; run the tests, then commit.
lock-upgrade: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

run: $(STAMP)
	$(PY) -m app migrate
	$(PY) -m app demo
	$(PY) -m app serve

# Debian packages the tests need: Chromium for the browser tests (its headless shell for pages,
# the desktop build for notifications and a refused camera), a Chinese font so its
# screenshots show Chinese, PostgreSQL's binaries for a throwaway cluster when no server
# answers, a D-Bus daemon for the phone's notification shade in the push tests, pdftoppm to look
# at printed slips as pictures, a Redis server for the live screens' Redis test. Installed
# only when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/lib/chromium/chromium-headless-shell ] || missing="$$missing chromium-headless-shell"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || missing="$$missing fonts-wqy-microhei"; \
	[ -x /usr/bin/dbus-daemon ] || missing="$$missing dbus-daemon"; \
	[ -x /usr/bin/pdftoppm ] || missing="$$missing poppler-utils"; \
	[ -x /usr/bin/redis-server ] || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The browser tests run in three processes, a file each at a time, each with a server and a
# Chromium of its own: they wait on pages and servers more than they compute.
E2E_WORKERS ?= 3

test: $(STAMP) system-deps
	$(PY) -m pytest tests/unit -q
	@$(MAKE) --no-print-directory test-integration
	$(PY) -m pytest e2e -q -n $(E2E_WORKERS) --dist loadfile

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit -q

# The integration tests on SQLite and on PostgreSQL at the same time, each database's output
# printed whole when it is done: they share nothing, and each keeps one core busy.
test-integration: $(STAMP) system-deps
	@$(MAKE) --no-print-directory -j2 -Otarget integration-sqlite integration-postgres

integration-sqlite integration-postgres: integration-%:
	GATEPOST_TEST_DB=$* $(PY) -m pytest tests/integration -q

test-e2e: $(STAMP) system-deps
	$(PY) -m pytest e2e -q -n $(E2E_WORKERS) --dist loadfile

bench: $(STAMP) system-deps
	@ls bench/*.py >/dev/null 2>&1 && for b in bench/bench_*.py; do $(PY) $$b || exit 1; done || echo "no benchmarks yet"

# After adding or changing user-visible text: extract it, then translate what is new or fuzzy
# in app/i18n/zh_Hans/LC_MESSAGES/messages.po (tests/unit/test_i18n_catalogues.py checks).
i18n: $(STAMP)
	./tools/i18n_update.sh

clean:
	rm -rf $(VENV) $(UV_VENV) var .pytest_cache
