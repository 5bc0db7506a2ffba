# cnil-cabinet — thin wrappers; the logic lives in scripts/ and bin/cnil.
# make cannot pass exit codes through (it exits 2 on any failure): scheduled
# audits call bin/cnil directly.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help setup demo demo-clean test lint unit test-role test-all clean

help:
	@echo "make demo        set up, start the demo cabinet, apply, audit, print the report"
	@echo "make test        set up, lint, unit tests, CI molecule scenarios (what CI runs)"
	@echo "make setup       venv, Docker engine, test images (idempotent)"
	@echo "make test-role ROLE=cnil_lock   one role's molecule scenario"
	@echo "make test-all    every molecule scenario"
	@echo "make demo-clean  remove the demo containers"

setup:
	@bash scripts/setup.sh

demo: setup
	@bash scripts/demo.sh up

demo-clean:
	@bash scripts/demo.sh clean

test:
	@bash scripts/test.sh

lint:
	@bash scripts/test.sh --only lint

unit:
	@bash scripts/test.sh --only unit

test-role: setup
	@test -n "$(ROLE)" || { echo "usage: make test-role ROLE=cnil_lock" >&2; exit 2; }
	@molecule test -s $(ROLE)

test-all: setup
	@bash scripts/test.sh --all-scenarios

bench:
	@python3 scripts/bench.py $(BENCH_ARGS)
