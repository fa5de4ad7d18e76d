# Two commands do all the set-up on a fresh machine with Python 3.11+ and the package registries:
#   make demo   — install, crawl the bundled portal replica into ./archive.db, print how to browse it
#   make test   — install, run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test serve clean system-packages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Chromium, LibreOffice, Tesseract, poppler: installed with apt-get when missing (see the script).
system-packages:
	scripts/system-packages.sh

# DEMO_ARGS: extra options for `xxgk demo`, e.g. DEMO_ARGS="--archive /tmp/a.db --port 0"
demo: $(VENV)/.installed system-packages
	$(BIN)/xxgk demo $(DEMO_ARGS)

test: $(VENV)/.installed system-packages
	$(BIN)/pytest

serve: $(VENV)/.installed
	$(BIN)/xxgk serve

clean:
	rm -rf $(VENV) archive.db archive.db-* archive.db.blobs archive.db.metadata.json archive.db.migrate.lock
