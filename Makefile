# Two commands on a fresh machine: `make run` and `make test`.
# Both create .venv and install the project from this repository's own files first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test install clean dictionaries

# The garble check (src/guide_assistant/kb/garble.py, tests/test_garble.py) reads Debian's
# hunspell dictionaries; installed with apt-get when missing (as root, or through sudo).
HUNSPELL_PKGS := hunspell-sv hunspell-no
SUDO := $(shell [ "$$(id -u)" = 0 ] || ! command -v sudo >/dev/null || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/guide-assistant $(ARGS)

dictionaries:
	@if [ ! -f /usr/share/hunspell/sv_SE.dic ] || [ ! -f /usr/share/hunspell/nb_NO.dic ]; then \
	  echo "installing $(HUNSPELL_PKGS) (hunspell dictionaries for the garble check)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $(SUDO) apt-get install -y --no-install-recommends $(HUNSPELL_PKGS) \
	  || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $(HUNSPELL_PKGS); }; \
	fi

test: $(VENV)/.installed-test dictionaries
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
