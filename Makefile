# Secure ArcGIS Server: set-up, tests, demo, benchmarks and packaging.
#
# `make test` and `make demo` work on a fresh Debian 12 (or Ubuntu) machine:
# run as root (or with sudo available), they install what is missing first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# QGIS's Python bindings belong to Debian's interpreter, not to any other
# python3 that may come first on PATH.
SYSTEM_PYTHON := /usr/bin/python3
VENV := .venv
PYTHON := $(VENV)/bin/python
APT_PACKAGES := python3-qgis qgis-providers python3-venv python3-requests \
	openssl zip xvfb xauth qttools5-dev-tools
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Where `make deploy` copies the plugin: the default profile of QGIS 3.
# (pb_tool on its own picks QGIS 4's folder.) Override for another profile.
QGIS_PLUGIN_DIR ?= $(HOME)/.local/share/QGIS/QGIS3/profiles/default/python/plugins

export QT_QPA_PLATFORM ?= offscreen

.PHONY: help system-packages venv test test-matrix lint translations demo bench \
	deploy zip clean

help:
	@echo "make test    install what is missing, then run every test offscreen"
	@echo "make demo    sign in to a local ArcGIS Server stand-in and add its layer"
	@echo "make bench   measure responsiveness, requests, start-up and per-request cost"
	@echo "make test-matrix  the tests on QGIS 3.22, 3.40 and 3.44 (Debian roots)"
	@echo "make lint    ruff, flake8-qgis (Qt6 readiness) and the Qt6 API check"
	@echo "make translations  bring the .ts files up to date and compile them"
	@echo "make deploy  copy the plugin into your QGIS profile (pb_tool)"
	@echo "make zip     build secure_ags_plugin.zip for Install from ZIP (pb_tool)"

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' \
		|| echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
			--no-install-recommends $$missing; \
	fi

$(VENV)/.ready: tests/requirements.txt | system-packages
	$(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $@

venv: system-packages $(VENV)/.ready

test: venv
	cd tests && ../$(PYTHON) -m pytest

lint: venv
	$(PYTHON) -m pip install -q --disable-pip-version-check -r tests/requirements-lint.txt
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/flake8 .
	$(PYTHON) tests/qt6_check.py secure_ags_plugin
	bash tests/qt6_migration_check.sh

translations: venv
	$(PYTHON) tests/translations.py --compile

test-matrix: venv
	$(SUDO) bash tests/matrix.sh

demo: venv
	@if [ -n "$$DISPLAY" ] && ! command -v qgis >/dev/null; then \
		echo "A display is set: installing the QGIS desktop for the demo"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			$(SUDO) apt-get install -y -q --no-install-recommends qgis; \
	fi
	$(PYTHON) tests/demo.py

bench: venv
	$(PYTHON) tests/bench.py

deploy: venv
	mkdir -p "$(QGIS_PLUGIN_DIR)"
	cd secure_ags_plugin && ../$(VENV)/bin/pb_tool deploy --no-confirm --no-docs \
		--plugin_path "$(QGIS_PLUGIN_DIR)"

zip: venv
	rm -rf build/zip && mkdir -p build/zip dist
	cd secure_ags_plugin && ../$(VENV)/bin/pb_tool zip --quick --no-docs \
		--plugin_path ../build/zip && mv secure_ags_plugin.zip ../dist/
	@echo "dist/secure_ags_plugin.zip"

clean:
	rm -rf build dist $(VENV)
