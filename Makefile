# Two commands: `make run` (the portal with demo data on SQLite) and `make test` (the whole
# suite on real PostgreSQL, Redis and Chromium). Both set up what is missing first.

VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PYTEST_ARGS ?=

.PHONY: run test lint bench load setup system-packages clean

run: setup
	scripts/run-embedded.sh

test: setup system-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	scripts/with-test-services.sh $(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup system-packages
	scripts/with-test-services.sh $(BIN)/python -m bench.run

# Load test (50 signed-in users, 60 s) and both fault drills on one seeded database (about 6 minutes).
load: setup system-packages
	scripts/with-test-services.sh sh -c '$(BIN)/python -m bench.load --keep && \
	  $(BIN)/python -m bench.load --reuse --keep --fault postgres && \
	  $(BIN)/python -m bench.load --reuse --fault redis --seconds 90 --outage 40'

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Debian packages the tests start on loopback; installed only when missing.
system-packages:
	@missing=""; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
