# make serve | make build | make test — each sets itself up first, and re-installs
# nothing that is already current (stamp files track the inputs of each step).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SITE   := site
export NO_MKDOCS_2_WARNING := 1

PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
MODEL_STAMP := .cache/models/.stamp

.PHONY: setup serve build test lint clean chromium

setup: $(PY_STAMP) $(NODE_STAMP) $(MODEL_STAMP)

$(PY_STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name fromscratch --display-name "Python (fromscratch .venv)" >/dev/null
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The widgets' embedding model and language model (runtime.model and runtime.generator in
# mkdocs.yml): fetched once, verified by sha256; when already present and verified nothing is
# downloaded.
$(MODEL_STAMP): mkdocs.yml $(PY_STAMP)
	$(BIN)/python -m fromscratch.runtime.fetch --config mkdocs.yml --stamp $@

serve: setup
	SITE_URL=http://127.0.0.1:8000/ $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

# Build into a scratch folder and swap it in, so a failed build never leaves a half-written site.
build: setup
	rm -rf .site-tmp
	$(BIN)/mkdocs build --strict --site-dir .site-tmp
	rm -rf $(SITE) && mv .site-tmp $(SITE)

chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else echo "Browser tests need Debian's chromium: run 'sudo apt-get install chromium'" >&2; exit 1; fi

test: setup chromium
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check plugins tests benchmarks

clean:
	rm -rf $(SITE) .site-tmp .cache
