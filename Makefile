# Build and test entry point for the recro.aws_sso collection.
# `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3.11
VENV := .venv
VENV_STAMP := $(VENV)/.requirements.sha256
REQUIREMENTS := requirements/test.txt
COLLECTION_LINK := .cache/collections/ansible_collections/recro/aws_sso

# Extra arguments for the tools, e.g. `make unit PYTEST_ARGS='-k config -x'`.
PYTEST_ARGS ?= -n auto
INTEGRATION_ARGS ?=
SANITY_ARGS ?=
MOLECULE_ARGS ?=
# One Molecule scenario instead of all of them, e.g. `make molecule SCENARIO=default`.
SCENARIO ?=
ONBOARD_ARGS ?=

# Everything below runs the tools of the project's virtual environment, with
# the project's Podman settings (see molecule/containers.conf).
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CONTAINERS_CONF := $(CURDIR)/molecule/containers.conf
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv link test unit e2e integration test-deps sanity sanity-deps lint \
	molecule podman images onboard bench build requirements clean distclean clean-images

help:
	@echo "make test         run every test: unit, e2e, integration, sanity, lint, molecule"
	@echo "make unit         pytest tests/unit"
	@echo "make e2e          pytest tests/e2e (ansible-playbook against local SSO portal and STS servers)"
	@echo "make integration  ansible-test integration (local, as root)"
	@echo "make sanity       ansible-test sanity --venv on every available Python version"
	@echo "make lint         ansible-lint (production profile) on roles/ playbooks/ molecule/"
	@echo "make molecule     molecule test --all in Podman (installs Podman, builds the images; SCENARIO=name for one)"
	@echo "make images       build the Debian 12/13 base images for Molecule when their recipe changed"
	@echo "make onboard      ansible-playbook playbooks/onboard.yml (ONBOARD_ARGS='-e ...')"
	@echo "make bench        python bench/run.py"
	@echo "make build        ansible-galaxy collection build into build/"
	@echo "make venv         create $(VENV) from $(REQUIREMENTS) (done by every target)"
	@echo "make test-deps    install the Debian packages tests need: awscli zsh fish sudo (done by the test targets)"
	@echo "make requirements regenerate $(REQUIREMENTS) from requirements/test.in"
	@echo "make clean        remove build and test output; make distclean also removes $(VENV) and .cache"
	@echo "make clean-images remove the Molecule base images from Podman's store"

# --- environment ---------------------------------------------------------------

venv: $(VENV_STAMP)

$(VENV_STAMP): $(REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh $(PYTHON) $(VENV) $(REQUIREMENTS)

# Lets ansible-playbook, pytest and Molecule in this checkout import the
# collection as recro.aws_sso (ansible.cfg: collections_path = .cache/collections).
link: $(COLLECTION_LINK)

$(COLLECTION_LINK):
	mkdir -p $(@D)
	ln -sfn ../../../.. $@

# Rebuilds the full pinned set from the top-level pins in a scratch environment.
requirements: requirements/test.in
	rm -rf .cache/requirements-venv
	$(PYTHON) -m venv .cache/requirements-venv
	.cache/requirements-venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/test.in
	{ echo "# Full pinned set of test and development requirements (Python 3.11)."; \
	  echo "# Generated from requirements/test.in by \`make requirements\`; do not edit by hand."; \
	  .cache/requirements-venv/bin/python -m pip freeze --exclude-editable; } > $(REQUIREMENTS)
	rm -rf .cache/requirements-venv

# --- tests ---------------------------------------------------------------------

TEST_STAGES := unit e2e integration sanity lint molecule

test:
	@total=$$SECONDS; \
	for stage in $(TEST_STAGES); do \
	  start=$$SECONDS; \
	  echo "==> make $$stage"; \
	  if ! $(MAKE) $$stage; then \
	    echo "==> make $$stage FAILED after $$((SECONDS - start)) s"; \
	    exit 1; \
	  fi; \
	  echo "==> make $$stage passed in $$((SECONDS - start)) s"; \
	done; \
	echo "==> make test: all stages passed ($(TEST_STAGES)) in $$((SECONDS - total)) s"

# Debian packages the tests run: AWS CLI v2 (/usr/bin/aws), the shells whose
# start-up files the collection edits, and sudo for become.
test-deps:
	scripts/apt-install.sh awscli zsh fish sudo

# pytest exits with 5 when it collects no test at all.
unit: venv link test-deps
	@rc=0; pytest $(PYTEST_ARGS) tests/unit || rc=$$?; \
	if [[ $$rc -eq 5 ]]; then echo "unit: no tests collected under tests/unit"; rc=0; fi; \
	exit $$rc

e2e: venv link test-deps
	@if [[ ! -d tests/e2e ]]; then echo "e2e: no tests/e2e"; exit 0; fi; \
	rc=0; pytest $(PYTEST_ARGS) tests/e2e || rc=$$?; \
	if [[ $$rc -eq 5 ]]; then echo "e2e: no tests collected under tests/e2e"; rc=0; fi; \
	exit $$rc

integration: venv link test-deps
	@if [[ -z "$$(find tests/integration/targets -mindepth 2 -type f -print -quit 2>/dev/null)" ]]; then \
	  echo "integration: no targets under tests/integration/targets"; \
	else \
	  scripts/ansible-test.sh integration --local --allow-destructive --color yes $(INTEGRATION_ARGS); \
	fi

sanity-deps:
	scripts/apt-install.sh git shellcheck

sanity: venv sanity-deps
	scripts/ansible-test.sh sanity --venv --color yes $(SANITY_ARGS)

lint: venv link
	@dirs=$$(for d in roles playbooks molecule; do if [[ -d $$d ]]; then echo $$d; fi; done); \
	if [[ -z "$$dirs" ]]; then echo "lint: none of roles/ playbooks/ molecule/ exists"; exit 0; fi; \
	echo "ansible-lint" $$dirs; \
	ansible-lint $$dirs

podman:
	scripts/podman-setup.sh

images: podman
	scripts/build-images.sh

molecule: venv link images
	@if ! compgen -G 'molecule/*/molecule.yml' >/dev/null; then \
	  echo "molecule: no scenarios under molecule/"; \
	else \
	  molecule --base-config molecule/base-config.yml test $(if $(SCENARIO),--scenario-name $(SCENARIO),--all) $(MOLECULE_ARGS); \
	fi

# --- using the collection ------------------------------------------------------

onboard: venv link
	ansible-playbook playbooks/onboard.yml $(ONBOARD_ARGS)

bench: venv link images
	python bench/run.py

# Builds from a copy of the files git knows of, so no cache or test output in
# the work tree ends up in the artifact.
build: venv
	scripts/copy-tree.sh .cache/build/ansible_collections/recro/aws_sso
	mkdir -p build
	ansible-galaxy collection build --force --output-path build .cache/build/ansible_collections/recro/aws_sso

# --- cleaning ------------------------------------------------------------------

clean:
	rm -rf build tests/output .cache/ansible-test .cache/build .pytest_cache .hypothesis
	find . -path ./.git -prune -o -path ./$(VENV) -prune -o -path ./.cache -prune -o \
	  -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .cache .ansible molecule/*/.molecule

# Removes the Molecule base images from Podman's store.
clean-images:
	@images=$$(podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/recro-sso-' || true); \
	if [[ -n "$$images" ]]; then podman rmi $$images; else echo "clean-images: none"; fi
