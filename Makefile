# schoolpartners — `make run` serves the demo on SQLite, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app "schoolpartners:create_app('DevConfig')"
MO_FILES := translations/de/LC_MESSAGES/messages.mo translations/ru/LC_MESSAGES/messages.mo

.PHONY: run test bench install translations translate lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations -l $*

translations: $(MO_FILES)

run: install translations
	mkdir -p instance
	RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-memory://} $(FLASK) db upgrade
	$(FLASK) load-twin-cities
	$(FLASK) seed-demo
	RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-memory://} $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: install translations
	$(BIN)/python -m bench.run

# Extract strings and merge them into both catalogs (then translate, then `make translations`).
translate: install
	$(FLASK) translate update

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[dev]"
	(echo "# Full, pinned dependency set (runtime + dev) for make; regenerate with: make lock"; \
	 .lock-venv/bin/pip freeze --exclude schoolpartners) > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) $(MO_FILES) .pytest_cache .ruff_cache
