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
# `make onboard` and `make offboard` run in a venv of their own with only what
# onboarding needs, so they never wait for the test tools.
ONBOARD_VENV := .venv-onboard
ONBOARD_VENV_STAMP := $(ONBOARD_VENV)/.requirements.sha256
ONBOARD_REQUIREMENTS := requirements/onboard.txt
COLLECTION_LINK := .cache/collections/ansible_collections/recro/aws_sso
COLLECTION_VERSION := $(shell sed -n 's/^version:[[:space:]]*//p' galaxy.yml)
COLLECTION_TARBALL := build/recro-aws_sso-$(COLLECTION_VERSION).tar.gz
# galaxy-importer (the check Galaxy runs on upload) pins its own ansible-lint
# and ansible-core, so it has a venv of its own.
IMPORTER_VENV := .cache/galaxy-importer
IMPORTER_VENV_STAMP := $(IMPORTER_VENV)/.requirements.sha256
IMPORTER_REQUIREMENTS := requirements/galaxy-importer.txt

# Extra arguments for the tools, e.g. `make unit PYTEST_ARGS='-k config -x'`.
PYTEST_ARGS ?= -n auto
INTEGRATION_ARGS ?=
SANITY_ARGS ?=
MOLECULE_ARGS ?=
# One Molecule scenario instead of all of them, e.g. `make molecule SCENARIO=default`.
SCENARIO ?=
ONBOARD_ARGS ?=
# The release date `make release` writes (default: today), e.g. RELEASE_DATE=2026-12-07.
RELEASE_DATE ?=

# Everything below runs the tools of the project's virtual environment, with
# the project's Podman settings (see molecule/containers.conf).
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export CONTAINERS_CONF := $(CURDIR)/molecule/containers.conf
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv onboard-venv link test unit e2e integration test-deps sanity sanity-deps lint matrix interop \
	molecule podman images onboard offboard bench docs ee build release importer-venv requirements clean distclean \
	clean-images

help:
	@echo "make test         run every test: unit, e2e, integration, sanity, lint, molecule, interop, ee, and matrix beside them"
	@echo "make unit         pytest tests/unit"
	@echo "make e2e          pytest tests/e2e (ansible-playbook against local SSO portal and STS servers)"
	@echo "make integration  ansible-test integration (local, as root)"
	@echo "make sanity       ansible-test sanity --venv on every available Python version"
	@echo "make lint         ruff, antsibull-docs, ansible-lint (production), antsibull-changelog lint, galaxy-importer on the build"
	@echo "make docs         the collection's HTML docs site (antsibull-docs, Sphinx) in build/docs/html"
	@echo "make ee           build the execution environment (ansible-builder, Podman) and onboard a container with it"
	@echo "make molecule     molecule test --all in Podman (installs Podman, builds the images; SCENARIO=name for one)"
	@echo "make matrix       oldest and newest ansible-core: sanity, unit, smoke; module unit tests on Python 3.8 to 3.13"
	@echo "make interop      other AWS clients on our login (stand-in services): JS SDK v3, AWS CLI v1 and v2, botocore at the minimum, Go SDK v2, aws-sso-util"
	@echo "make images       build the Debian 12/13 base images for Molecule when their recipe changed"
	@echo "make onboard      ansible-playbook playbooks/onboard.yml (ONBOARD_ARGS='-e ...'), in $(ONBOARD_VENV)"
	@echo "make offboard     the same with -e recro_sso_state=absent: removes the session, its profiles and shell blocks"
	@echo "make bench        python bench/run.py"
	@echo "make build        ansible-galaxy collection build into build/"
	@echo "make release      antsibull-changelog release of galaxy.yml's version: CHANGELOG.rst from the fragments"
	@echo "make venv         create $(VENV) from $(REQUIREMENTS) (done by every test target)"
	@echo "make onboard-venv create $(ONBOARD_VENV) from $(ONBOARD_REQUIREMENTS) (done by make onboard/offboard)"
	@echo "make test-deps    install the Debian packages tests need: awscli zsh fish sudo systemd git (done by the test targets)"
	@echo "make requirements regenerate $(REQUIREMENTS) from requirements/test.in, $(ONBOARD_REQUIREMENTS), the matrix's and interop's pins"
	@echo "make clean        remove build and test output; make distclean also removes $(VENV) and .cache"
	@echo "make clean-images remove the Molecule base images from Podman's store"

# --- environment ---------------------------------------------------------------

venv: $(VENV_STAMP)

$(VENV_STAMP): $(REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh $(PYTHON) $(VENV) $(REQUIREMENTS)

onboard-venv: $(ONBOARD_VENV_STAMP)

$(ONBOARD_VENV_STAMP): $(ONBOARD_REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh $(PYTHON) $(ONBOARD_VENV) $(ONBOARD_REQUIREMENTS)

importer-venv: $(IMPORTER_VENV_STAMP)

$(IMPORTER_VENV_STAMP): $(IMPORTER_REQUIREMENTS) scripts/venv.sh
	scripts/venv.sh $(PYTHON) $(IMPORTER_VENV) $(IMPORTER_REQUIREMENTS)

# Lets ansible-playbook, pytest and Molecule in this checkout import the
# collection as recro.aws_sso (ansible.cfg: collections_path = .cache/collections).
link: $(COLLECTION_LINK)

$(COLLECTION_LINK):
	mkdir -p $(@D)
	ln -sfn ../../../.. $@

# Rebuilds the full pinned set from the top-level pins in a scratch environment,
# the onboarding set from the same versions, and the matrix's sets
# (requirements/matrix/CELL.txt from CELL.in, each on its cell's Python).
requirements: requirements/test.in scripts/pins-closure.py
	rm -rf .cache/requirements-venv
	$(PYTHON) -m venv .cache/requirements-venv
	.cache/requirements-venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/test.in
	{ echo "# Full pinned set of test and development requirements (Python 3.11)."; \
	  echo "# Generated from requirements/test.in by \`make requirements\`; do not edit by hand."; \
	  .cache/requirements-venv/bin/python -m pip freeze --exclude-editable; } > $(REQUIREMENTS)
	{ echo "# What \`make onboard\` needs (ansible-core, boto3, jmespath) and their dependencies, with"; \
	  echo "# the versions of $(REQUIREMENTS). Generated by \`make requirements\`; do not edit by hand."; \
	  .cache/requirements-venv/bin/python scripts/pins-closure.py ansible-core boto3 jmespath; } > $(ONBOARD_REQUIREMENTS)
	rm -rf .cache/requirements-venv
	scripts/matrix.sh --pin
	$(PYTHON) tests/interop/venvs.py --pin

# --- tests ---------------------------------------------------------------------

TEST_STAGES := unit e2e integration sanity lint molecule interop ee
# The compatibility matrix runs beside the stages from BACKGROUND_FROM on (its
# own venvs, ports and ansible-test copies), its output in .cache/matrix.log.
BACKGROUND_STAGE := matrix
BACKGROUND_FROM := molecule

test:
	@total=$$SECONDS; background=""; \
	finish_background() { \
	  if [[ -z $$background ]]; then return 0; fi; \
	  rc=0; wait $$background || rc=$$?; background=""; \
	  cat .cache/$(BACKGROUND_STAGE).log; \
	  if ((rc != 0)); then echo "==> make $(BACKGROUND_STAGE) FAILED (in the background)"; return 1; fi; \
	  echo "==> make $(BACKGROUND_STAGE) passed (in the background)"; \
	}; \
	for stage in $(TEST_STAGES); do \
	  if [[ $$stage == $(BACKGROUND_FROM) ]]; then \
	    echo "==> make $(BACKGROUND_STAGE), in the background (.cache/$(BACKGROUND_STAGE).log)"; \
	    mkdir -p .cache; \
	    setsid $(MAKE) $(BACKGROUND_STAGE) >.cache/$(BACKGROUND_STAGE).log 2>&1 & background=$$!; \
	  fi; \
	  start=$$SECONDS; \
	  echo "==> make $$stage"; \
	  if ! $(MAKE) $$stage; then \
	    echo "==> make $$stage FAILED after $$((SECONDS - start)) s"; \
	    if [[ -n $$background ]]; then kill -- -$$background 2>/dev/null || true; fi; \
	    exit 1; \
	  fi; \
	  echo "==> make $$stage passed in $$((SECONDS - start)) s"; \
	done; \
	start=$$SECONDS; \
	finish_background || exit 1; \
	echo "==> waited $$((SECONDS - start)) s for make $(BACKGROUND_STAGE)"; \
	echo "==> make test: all stages passed ($(TEST_STAGES) $(BACKGROUND_STAGE)) in $$((SECONDS - total)) s"

# Debian packages the tests run: AWS CLI v2 (/usr/bin/aws), the shells whose
# start-up files the collection edits, sudo for become, systemd
# (systemd-analyze verify of the schedule's units) and git (ansible-pull).
test-deps:
	scripts/apt-install.sh awscli zsh fish sudo systemd git

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

# The last two steps check the release: the changelog's fragments and
# changelog.yaml, then the built tarball as Galaxy's import checks it (any
# error or warning fails).
lint: venv link importer-venv build
	ruff check .
	ruff format --check .
	@# requirements/onboard.txt pins what it pins as requirements/test.txt does.
	@if drift=$$(grep -v '^#' $(ONBOARD_REQUIREMENTS) | grep -vxFf $(REQUIREMENTS)); then \
	  echo "lint: $(ONBOARD_REQUIREMENTS) differs from $(REQUIREMENTS) in: $$drift (run make requirements)"; exit 1; fi
	antsibull-docs lint-collection-docs --plugin-docs $(COLLECTION_LINK)
	@dirs=$$(for d in roles playbooks molecule; do if [[ -d $$d ]]; then echo $$d; fi; done); \
	if [[ -z "$$dirs" ]]; then echo "lint: none of roles/ playbooks/ molecule/ exists"; exit 0; fi; \
	echo "ansible-lint" $$dirs; \
	ansible-lint $$dirs
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	scripts/galaxy-import.sh $(IMPORTER_VENV) $(COLLECTION_TARBALL)

# The compatibility matrix (scripts/matrix.sh): sanity, unit tests and the
# end-to-end smoke on the oldest and newest ansible-core of meta/runtime.yml,
# the modules' unit tests on every target Python; CELLS='core-2.15' for some.
CELLS ?=
matrix: link test-deps sanity-deps
	scripts/matrix.sh $(CELLS)

# Other AWS clients on our login (tests/interop): the AWS SDK for JavaScript
# v3 from npm (pinned in tests/interop/js/package-lock.json), the AWS CLI of
# the Debian 13 image, the AWS SDK for Go v2 of Debian 12's packages, and from
# PyPI the AWS CLI v1, aws-sso-util and botocore at (and just below) the
# collection's minimum, each in a venv of its own in .cache/interop (pinned in
# requirements/interop-*.txt), built beside npm's install.
interop: venv link test-deps images
	scripts/apt-install.sh nodejs golang-go golang-github-aws-aws-sdk-go-v2-dev
	@if ! command -v npm >/dev/null 2>&1; then scripts/apt-install.sh npm; fi
	python tests/interop/venvs.py & venvs=$$!; \
	npm ci --prefix tests/interop/js --no-audit --no-fund; \
	wait $$venvs
	pytest $(PYTEST_ARGS) tests/interop

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

# The light venv's tools first on PATH: localhost runs the modules with
# ansible-playbook's own Python, which has boto3.
onboard: onboard-venv link
	PATH=$(CURDIR)/$(ONBOARD_VENV)/bin:$$PATH ansible-playbook playbooks/onboard.yml $(ONBOARD_ARGS)

offboard: onboard-venv link
	PATH=$(CURDIR)/$(ONBOARD_VENV)/bin:$$PATH ansible-playbook playbooks/onboard.yml -e recro_sso_state=absent $(ONBOARD_ARGS)

docs: venv link
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.cache/collections scripts/docs.sh

# Builds the execution environment image (only when its content hash changed),
# then ansible-navigator runs playbooks/onboard.yml in it against an SSH
# container host (tests/ee).
ee: venv images build
	image=$$(scripts/ee.sh | tail -n 1); \
	EE_IMAGE=$$image pytest -n 0 -p no:cacheprovider tests/ee

bench: venv link images
	python bench/run.py

# Builds from a copy of the files git knows of, so no cache or test output in
# the work tree ends up in the artifact.
build: venv
	scripts/copy-tree.sh .cache/build/ansible_collections/recro/aws_sso
	mkdir -p build
	ansible-galaxy collection build --force --output-path build .cache/build/ansible_collections/recro/aws_sso

# Releases galaxy.yml's version: antsibull-changelog moves the fragments into
# changelogs/changelog.yaml and writes CHANGELOG.rst (docs/releasing.md). It
# reads the plugins' version_added through ansible-doc, so it runs where the
# collection is importable as recro.aws_sso.
release: venv link
	cd $(COLLECTION_LINK) && ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/.cache/collections \
	  antsibull-changelog release --version $(COLLECTION_VERSION) $(if $(RELEASE_DATE),--date $(RELEASE_DATE))

# --- cleaning ------------------------------------------------------------------

clean:
	rm -rf build tests/output .cache/ansible-test .cache/build .pytest_cache .hypothesis
	find . -path ./.git -prune -o -path ./$(VENV) -prune -o -path ./.cache -prune -o \
	  -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(ONBOARD_VENV) .cache .ansible molecule/*/.molecule

# Removes the Molecule base images from Podman's store.
clean-images:
	@images=$$(podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/recro-sso-' || true); \
	if [[ -n "$$images" ]]; then podman rmi $$images; else echo "clean-images: none"; fi
