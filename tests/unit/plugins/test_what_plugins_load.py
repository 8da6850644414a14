# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What loading a module or a controller plugin loads of the collection. Ansible compiles a
collection's Python from source in every process that loads it: every worker process of the
controller (once per host and task) and every module run on a host. So the modules that need only
the user (shell, schedule) and the role's plugins (filters, test, settings action) must not load
the config's code, the largest part of the collection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# pytest.ini puts the same directory on sys.path: the checkout, linked as recro.aws_sso.
COLLECTIONS = Path(__file__).resolve().parents[3] / ".cache" / "collections"
PACKAGE = "ansible_collections.recro.aws_sso.plugins."
CONFIG_CODE = ("module_utils._aws.config", "module_utils._aws.profiles")

LOADED = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def loaded_with(name):
    """The collection's modules that loading ``name`` loads."""
    return [module for module in loaded_modules_of(name) if module.startswith("ansible_collections.recro.")]


def loaded_modules_of(name):
    """Every Python module that loading ``name`` loads."""
    return run_fresh(LOADED, PACKAGE + name)


def run_fresh(script, *arguments):
    """What ``script`` prints (JSON), run in a new Python that sees only the collection."""
    completed = subprocess.run(
        [sys.executable, "-c", script] + list(arguments),
        env={"PYTHONPATH": str(COLLECTIONS)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize(
    "name",
    [
        "modules.aws_sso_shell",
        "modules.aws_sso_schedule",
        "filter.onboarding",
        "test.profile_name",
        "action.onboarding_settings",
    ],
)
def test_it_does_not_load_the_configs_code(name):
    loaded = loaded_with(name)
    assert PACKAGE + name in loaded
    assert [module for module in loaded if module.endswith(CONFIG_CODE)] == []


def test_the_config_module_loads_it():
    # The check above would pass on names that no longer exist.
    loaded = loaded_with("modules.aws_sso_profile")
    assert [module for module in loaded if module.endswith(CONFIG_CODE)] == [PACKAGE + name for name in CONFIG_CODE]


# What only the portal listing and AWS calls need: aws_sso_profile loads them where it discovers.
AWS_CODE = (
    "module_utils._aws.clients",
    "module_utils._aws.discovery",
    "module_utils._aws.profile_discovery",
    "module_utils._aws.profile_names",
)


def test_the_config_module_without_discover_loads_no_aws_call_code():
    loaded = loaded_with("modules.aws_sso_profile")
    assert [module for module in loaded if module.endswith(AWS_CODE)] == []
    assert "botocore" not in loaded_modules_of("modules.aws_sso_profile")


def test_the_listing_module_loads_the_discovery():
    loaded = loaded_with("modules.aws_sso_accounts_info")
    assert PACKAGE + "module_utils._aws.discovery" in loaded
    # botocore only once a call is made.
    assert "botocore" not in loaded_modules_of("modules.aws_sso_accounts_info")


PLANNED = """
import json, sys
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import AwsConfig
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import apply_request, build_request
params = dict(name="dev", sso_session="recro", sso_account_id="111122223333", sso_role_name="Admin", region="eu-west-1")
for key in ("profiles", "sso_start_url", "sso_region", "sso_registration_scopes", "output", "settings"):
    params.setdefault(key, None)
params.update(state="present", prune=False, exclusive=False, remove_unused_session=False, skip_invalid=False)
outcome = apply_request(AwsConfig(sys.argv[1]), build_request(params))
print(json.dumps([outcome.changed, sorted(sys.modules)]))
"""
WRITTEN = (
    "[profile dev]\nsso_session = recro\nsso_account_id = 111122223333\nsso_role_name = Admin\nregion = eu-west-1\n"
)


@pytest.mark.parametrize(
    "text, changed",
    [(WRITTEN, False), (WRITTEN.replace("eu-west-1", "us-east-1"), True), ("", True)],
    ids=["as wanted", "one value differs", "empty file"],
)
def test_the_editor_is_loaded_only_for_an_edit(text, changed):
    """A run that finds the file as wanted (the common case of every later run) does not
    compile the editor and its proof."""
    was_changed, loaded = run_fresh(PLANNED, text)
    assert was_changed is changed
    assert (PACKAGE + "module_utils._aws.config_edit" in loaded) is changed


@pytest.mark.parametrize(
    "name",
    [
        "modules.aws_sso_profile",
        "modules.aws_sso_session_info",
        "modules.aws_sso_accounts_info",
        "modules.aws_sso_identity_info",
    ],
)
def test_what_only_reads_does_not_load_the_writing_code(name):
    """The info modules never write; aws_sso_profile loads it only for a change."""
    loaded = loaded_with(name)
    assert PACKAGE + name in loaded
    assert PACKAGE + "module_utils._common.files" in loaded
    assert PACKAGE + "module_utils._common.writing" not in loaded


def test_what_writes_loads_the_writing_code():
    # The check above would pass on a name that no longer exists.
    assert PACKAGE + "module_utils._common.writing" in loaded_with("modules.aws_sso_shell")
