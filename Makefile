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

# pywb, the replay tool tests/test_warc.py replays a WACZ with, in a venv of its own: every pywb 2.x
# pins redis==2.10.6 (or <3), which cannot sit beside scrapy-redis's redis>=4.2 in .venv.
PYWB_VENV := .venv-pywb
$(PYWB_VENV)/.installed:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/pip install --quiet 'pywb==2.10.0'
	touch $@

# Chromium, LibreOffice, Tesseract, poppler: installed with apt-get when missing (see the script).
system-packages:
	scripts/system-packages.sh

# DEMO_ARGS: extra options for `xxgk demo`, e.g. DEMO_ARGS="--archive /tmp/a.db --port 0"
demo: $(VENV)/.installed system-packages
	$(BIN)/xxgk demo $(DEMO_ARGS)

test: $(VENV)/.installed $(PYWB_VENV)/.installed system-packages
	$(BIN)/pytest

serve: $(VENV)/.installed
	$(BIN)/xxgk serve

clean:
	rm -rf $(VENV) $(PYWB_VENV) archive.db archive.db-* archive.db.blobs archive.db.metadata.json archive.db.migrate.lock
