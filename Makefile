# Two commands on a fresh machine with Python 3.11+ and make: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# CI and the image install the locked, hashed versions first (`make LOCK=requirements-dev.lock ...`);
# a fresh machine with only Python and make uses pyproject.toml's ranges.
LOCK ?=

.PHONY: install demo test test-postgres lint bench clean lock messages catalogues

# Regenerate the lock files after changing dependencies (needs pip-tools: pip install pip-tools).
lock:
	pip-compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	pip-compile -q --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(LOCK),$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK))
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory catalogues
	touch $(STAMP)

install: $(STAMP)

# The translations (docs/translating.md): `make messages` extracts every marked string into the
# template and merges it into each language's catalogue; `make catalogues` compiles them (install does).
PACKAGES := unconf events sessions voting agenda rooms notify people community conversation exports rhythm newsletter instance web
LOCALES := $(patsubst unconf/locale/%/LC_MESSAGES/unconf.po,%,$(wildcard unconf/locale/*/LC_MESSAGES/unconf.po))

messages: $(STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg --add-location=file --sort-by-file --no-wrap \
		-k gettext_noop -k pgettext:1c,2 -k npgettext:1c,2,3 \
		--project=unconf --copyright-holder="the unconf authors" -o unconf/locale/unconf.pot $(PACKAGES)
	$(if $(LOCALES),$(BIN)/pybabel --quiet update -D unconf -i unconf/locale/unconf.pot -d unconf/locale --no-wrap --ignore-obsolete,@true)

catalogues:
	$(if $(LOCALES),$(BIN)/pybabel --quiet compile -D unconf -d unconf/locale --statistics,@true)

demo: $(STAMP)
	$(BIN)/unconf demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The same suite with its shared server on PostgreSQL and live updates through Redis (both on loopback).
test-postgres: $(STAMP)
	UNCONF_TEST_STACK=postgres $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy unconf events sessions voting agenda rooms notify people community conversation newsletter exports instance rhythm web
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_optimizer.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
