# make serve | make build | make test — each sets itself up first, and re-installs
# nothing that is already current (stamp files track the inputs of each step).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SITE   := site
PORT   ?= 8000

PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
MODEL_STAMP := .cache/models/.stamp

.PHONY: setup serve build test lint clean chromium FORCE

setup: $(PY_STAMP) $(NODE_STAMP) $(MODEL_STAMP)

$(PY_STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.version_info >= (3, 11, 5) or sys.exit(f"Python 3.11.5 or newer is needed, $(PYTHON) is {sys.version.split()[0]}")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name fromscratch --display-name "Python (fromscratch .venv)" >/dev/null
	touch $@

# package.json's `engines` states the Node.js needed; .npmrc's engine-strict makes npm refuse
# any package that needs a newer one.
$(NODE_STAMP): package.json package-lock.json .npmrc
	@node -e 'const need = require("./package.json").engines.node.replace(">=", "").split(".").map(Number); 	  const have = process.versions.node.split(".").map(Number); 	  if (have[0] < need[0] || (have[0] === need[0] && have[1] < need[1])) { 	    console.error(`Node.js $${need.join(".")} or newer is needed, this is $${process.version}`); process.exit(1); }'
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The widgets' embedding model and language model (runtime.model and runtime.generator in
# mkdocs.yml): fetched once, verified by sha256; when already present and verified nothing is
# downloaded. The stamp lists both models' files: one that is deleted or changed (newer than the
# stamp) makes this step run again.
MODEL_FILES := $(shell cat $(MODEL_STAMP) 2>/dev/null)
MODEL_GONE  := $(filter-out $(wildcard $(MODEL_FILES)),$(MODEL_FILES))
$(MODEL_STAMP): mkdocs.yml $(PY_STAMP) $(wildcard $(MODEL_FILES)) $(if $(MODEL_GONE),FORCE)
	$(BIN)/python -m fromscratch.runtime.fetch --config mkdocs.yml --stamp $@

FORCE:

# `make serve PORT=8001` serves on another port; a busy port is reported before building.
serve: setup
	$(BIN)/python -m fromscratch.serve --port $(PORT) --livereload

# Build into a scratch folder of its own and swap it in for site/ at once, so a failed build
# never leaves a half-written site and two builds at the same time don't collide.
build: setup
	$(BIN)/python -m fromscratch.build_site --site-dir $(SITE)

chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else echo "Browser tests need Debian's chromium: run 'sudo apt-get install chromium'" >&2; exit 1; fi

test: setup chromium
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check plugins tests benchmarks

clean:
	rm -rf $(SITE) .site-build-* .site-old-* .cache
