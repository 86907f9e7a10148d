VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
AXE_VERSION := 4.14.1
AXE_DIR := .cache/axe-$(AXE_VERSION)
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: run test browser-deps screenshots bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[postgres,test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/accord demo

# Every test, spread over the machine's cores (pytest-xdist).
test: $(STAMP)
	$(PYTHON) -m pytest -q -n auto --dist loadgroup

# What the browser tests (tests/e2e) need besides the venv: Debian's Chromium and axe-core.
browser-deps: $(AXE)
	@if [ -x $(CHROMIUM) ]; then \
		echo "chromium: $(CHROMIUM) is present"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	else \
		echo "chromium: $(CHROMIUM) is missing; install it with 'sudo apt-get install chromium'" \
		     "(or set ACCORD_CHROMIUM to a Chromium binary); the browser tests skip without it (and fail under CI=true)."; \
	fi

$(AXE):
	npm install --no-save --no-package-lock --no-audit --no-fund --prefix $(AXE_DIR) axe-core@$(AXE_VERSION)

# The README's screenshots, taken by the browser tests.
screenshots: $(STAMP) browser-deps
	ACCORD_SCREENSHOTS=1 $(PYTHON) -m pytest -q tests/e2e

bench: $(STAMP)
	$(PYTHON) bench/lifecycle.py
	$(PYTHON) bench/compliance.py
	$(PYTHON) bench/load.py
	$(PYTHON) bench/http_reads.py
	$(PYTHON) bench/notify.py
	$(PYTHON) bench/relationship.py
	$(PYTHON) bench/ledger.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis .cache test-results
