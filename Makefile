# Two commands set everything up on a machine with only python3 and make:
#   make run   — install, then run the whole pipeline on the bundled demo corpus
#   make test  — install with dev dependencies, then run the whole test suite
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
export UV_COMPILE_BYTECODE := 1
# DAGSTER_HOME is not set here: nianbao chooses the data directory's own (.dagster_home/ for data/,
# <data dir>/.dagster/ for NIANBAO_DATA_DIR=...), so `NIANBAO_DATA_DIR=... make ui` shows that one's history.

.PHONY: run test ui install install-dev clean chromium

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --no-dev --inexact

install-dev: $(UV)
	$(UV) sync --frozen

run: install
	.venv/bin/nianbao run

# Debian's Chromium, for the UI screenshot test: installed when missing and we may (root with apt-get);
# otherwise that one test is skipped outside CI, with its reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation \
	  fonts-noto-cjk >/dev/null; } || echo "chromium not installed: the UI screenshot test will be skipped"

test: install-dev chromium
	.venv/bin/python -m pytest

ui: install
	.venv/bin/nianbao ui

clean:
	rm -rf .venv .tools data
