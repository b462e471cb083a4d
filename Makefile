# Two commands set everything up on a machine with only python3 and make:
#   make run   — install, then run the whole pipeline on the bundled demo corpus
#   make test  — install with dev dependencies, then run the whole test suite
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: run test ui install install-dev clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --no-dev --inexact

install-dev: $(UV)
	$(UV) sync --frozen

run: install
	.venv/bin/nianbao run

test: install-dev
	.venv/bin/python -m pytest

ui: install
	.venv/bin/nianbao ui

clean:
	rm -rf .venv .tools data
