# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recro_sso role's variables: meta/argument_specs.yml documents exactly the
variables of defaults/main.yml, with the same defaults, all named recro_sso_*;
internal variables are named _recro_sso_*; the tasks use no undocumented one, and no internal
one that the role does not set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "recro_sso"
PUBLIC = re.compile(r"recro_sso_[a-z0-9_]+\Z")
INTERNAL = re.compile(r"_recro_sso_[a-z0-9_]+\Z")
# Facts the role sets for the plays that use it; not settings.
OUTPUTS = {"recro_sso_result"}


def load(relative):
    with open(ROLE / relative, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def defaults():
    return load("defaults/main.yml")


@pytest.fixture(scope="module")
def options():
    return load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]


def test_argument_specs_document_exactly_the_defaults(defaults, options):
    assert sorted(set(options) - set(defaults)) == [], (
        "documented in meta/argument_specs.yml but not in defaults/main.yml"
    )
    assert sorted(set(defaults) - set(options)) == [], (
        "in defaults/main.yml but not documented in meta/argument_specs.yml"
    )


def test_every_variable_is_prefixed_with_the_role_name(defaults, options):
    assert sorted(name for name in set(defaults) | set(options) if not PUBLIC.match(name)) == []


def test_argument_specs_defaults_are_the_defaults(defaults, options):
    # An option without a default in the spec must default to null.
    differing = dict(
        (name, (spec.get("default"), defaults[name]))
        for name, spec in options.items()
        if name in defaults and spec.get("default") != defaults[name]
    )
    assert differing == {}


def test_every_option_has_a_description_and_a_type(options):
    assert sorted(name for name, spec in options.items() if not spec.get("description") or not spec.get("type")) == []


@pytest.mark.parametrize("relative", sorted(str(path.relative_to(ROLE)) for path in (ROLE / "vars").glob("*.yml")))
def test_internal_variables_are_prefixed(relative):
    assert sorted(name for name in load(relative) if not INTERNAL.match(name)) == []


def test_tasks_use_only_documented_variables(options):
    tags = set()
    used = set()
    for path in sorted((ROLE / "tasks").glob("*.yml")) + sorted((ROLE / "vars").glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        # The role's tags are on tasks in several files (the included ones tag their own).
        for listed in re.findall(r"^\s*tags: \[(.*)\]$", text, re.MULTILINE):
            tags.update(tag.strip() for tag in listed.split(","))
        used.update(re.findall(r"(?<![\w.])recro_sso_[a-z0-9_]*[a-z0-9]", text))
    assert sorted(used - set(options) - OUTPUTS - tags) == []


def _set_in(tasks):
    """The variables a list of tasks sets: register, set_fact, vars, a loop's variable (in blocks too)."""
    names = set()
    for task in tasks or []:
        names.update((task.get("vars") or {}).keys())
        if (task.get("loop_control") or {}).get("loop_var"):
            names.add(task["loop_control"]["loop_var"])
        if task.get("register"):
            names.add(task["register"])
        names.update((task.get("ansible.builtin.set_fact") or {}).keys())
        for part in ("block", "rescue", "always"):
            names |= _set_in(task.get(part))
    return names


def test_tasks_read_only_internal_variables_the_role_sets():
    # A variable renamed or removed in one place and still read in another fails only when that
    # task runs (the macOS install read one for a while).
    set_by_role = set(load("vars/main.yml") or {})
    used = set()
    for path in sorted((ROLE / "tasks").glob("*.yml")):
        set_by_role |= _set_in(load(str(path.relative_to(ROLE))))
        used.update(re.findall(r"(?<![\w.])_recro_sso_[a-z0-9_]*[a-z0-9]", path.read_text(encoding="utf-8")))
    assert used and sorted(used - set_by_role) == []
