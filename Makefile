# Two commands for a newcomer: `make run` and `make test`. Both are idempotent.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
APT_RUN := espeak-ng sox
APT_TEST := $(APT_RUN) sip-tester baresip kamailio tshark chromium postgresql
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
ARGS ?=

.PHONY: run test lint bench apt-run apt-test clean

run: $(STAMP_RUN) apt-run
	$(VENV)/bin/voicebot serve $(ARGS)

test: $(STAMP_TEST) apt-test
	$(PY) -m pytest -q $(ARGS)

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check voicebot tests bench
	$(VENV)/bin/mypy voicebot

bench: $(STAMP_TEST) apt-test
	$(PY) -m bench

$(PY):
	python3.11 -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV) 2>/dev/null \
	  || (rm -rf $(VENV) && ./scripts/ensure-apt.sh python3-venv && python3 -m venv $(VENV))
	$(PIP) install -q --upgrade pip

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PIP) install -q -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PIP) install -q -e '.[test]'
	touch $@ $(STAMP_RUN)

# apt packages: installed only when a command is missing, so repeat runs are quick.
apt-run:
	@./scripts/ensure-apt.sh $(APT_RUN)

apt-test:
	@./scripts/ensure-apt.sh $(APT_TEST)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
