# Two commands on a fresh machine: `make run` and `make test` (and `make serve`: the browser).
# Both create .venv and install the project from this repository's own files first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run serve test install clean dictionaries browser catalogs

# The garble check (src/guide_assistant/kb/garble.py, tests/test_garble.py) reads Debian's
# hunspell dictionaries, and tests/test_export.py opens the XLSX and DOCX exports in
# LibreOffice (headless); installed with apt-get when missing (as root, or through sudo).
HUNSPELL_PKGS := hunspell-sv hunspell-no
OFFICE_PKGS := libreoffice-calc-nogui libreoffice-writer-nogui
# tests/test_web_browser.py drives Debian's Chromium with Playwright (Playwright's own
# browser download is not used)
BROWSER_PKGS := chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install leaves the package's bytecode to be written at the first import,
# which never happens where PYTHONDONTWRITEBYTECODE is set: every start would compile the
# package again (~60 ms). compileall writes it once, as pip does for a wheel.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q src/guide_assistant >/dev/null
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q src/guide_assistant >/dev/null
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/guide-assistant $(ARGS)

# the assistant in the browser, on http://127.0.0.1:8000 (ARGS="--port 8080", "--workers 2", ...)
serve: $(VENV)/.installed-run
	$(BIN)/guide-assistant serve $(ARGS)

dictionaries:
	@if [ ! -f /usr/share/hunspell/sv_SE.dic ] || [ ! -f /usr/share/hunspell/nb_NO.dic ]; then \
	  echo "installing $(HUNSPELL_PKGS) (hunspell dictionaries for the garble check)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y --no-install-recommends $(HUNSPELL_PKGS) \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(HUNSPELL_PKGS); }; \
	fi
	@if ! command -v soffice >/dev/null; then \
	  echo "installing $(OFFICE_PKGS) (LibreOffice, to open the exports in tests)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -q --no-install-recommends $(OFFICE_PKGS) >/dev/null \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y -q --no-install-recommends $(OFFICE_PKGS) >/dev/null; }; \
	fi

browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing $(BROWSER_PKGS) (Debian's Chromium, for the browser tests)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y -q --no-install-recommends $(BROWSER_PKGS) >/dev/null \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y -q --no-install-recommends $(BROWSER_PKGS) >/dev/null; }; \
	fi

test: $(VENV)/.installed-test dictionaries browser
	$(BIN)/python -m pytest

# The interface catalogs: extract the messages (babel.cfg), merge them into the sv and no
# translations (new ones arrive empty; tests/test_i18n.py fails until they are translated),
# compile the .mo files the package reads.
LOCALE := src/guide_assistant/locale
catalogs: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project guide-assistant -o $(LOCALE)/guide_assistant.pot .
	for l in sv no; do \
	  if [ -f $(LOCALE)/$$l/LC_MESSAGES/guide_assistant.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching -D guide_assistant -i $(LOCALE)/guide_assistant.pot -d $(LOCALE) -l $$l; \
	  else \
	    $(BIN)/pybabel init -D guide_assistant -i $(LOCALE)/guide_assistant.pot -d $(LOCALE) -l $$l; \
	  fi; \
	done
	$(BIN)/pybabel compile -D guide_assistant -d $(LOCALE) --statistics

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
