# Two commands for a fresh machine: `make demo` and `make test`. Each makes the virtual
# environment it needs (.venv) and installs the project into it first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test browser bench lint clean messages

$(BIN)/unioncat: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The offline demo: sample member libraries on 127.0.0.1, harvested, indexed, served.
demo: $(BIN)/unioncat
	$(BIN)/unioncat demo

# Debian's Chromium for the browser tests (playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium' or the browser tests skip"; fi; }

test: $(BIN)/unioncat browser
	$(BIN)/python -m pytest

bench: $(BIN)/unioncat
	$(BIN)/python bench/pipeline.py

lint: $(BIN)/unioncat
	$(BIN)/lint-imports

# Extract interface text, merge it into each catalogue, compile the .mo files the app reads.
# A changed English text marks its translation fuzzy: the i18n test fails until someone
# confirms it.
messages: $(BIN)/unioncat
	$(BIN)/pybabel extract -F babel.cfg -o webapp/translations/messages.pot --project="Mekong Union Catalog" --copyright-holder="Mekong Delta Library Union" --no-wrap --sort-by-file --add-comments=Translators: .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d webapp/translations --statistics

clean:
	rm -rf $(VENV) var .pytest_cache
