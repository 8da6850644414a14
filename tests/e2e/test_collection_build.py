# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The built collection installs and runs with ansible-core alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(command, **kwargs):
    completed = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, **kwargs
    )
    assert completed.returncode == 0, completed.stdout
    return completed.stdout


def test_built_tarball_installs_and_runs_with_ansible_core_alone(tmp_path):
    version = yaml.safe_load((REPOSITORY / "galaxy.yml").read_text())["version"]
    # Built from the files git knows, as `make build` does: no caches or test output.
    source = tmp_path / "source"
    run([str(REPOSITORY / "scripts" / "copy-tree.sh"), str(source)])
    run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(source)],
        cwd=str(tmp_path),
    )
    tarball = tmp_path / "recro-aws_sso-{0}.tar.gz".format(version)
    with tarfile.open(str(tarball)) as archive:
        names = set(archive.getnames())
    for wanted in (
        "README.md",
        "meta/runtime.yml",
        "plugins/modules/aws_sso_profile.py",
        "plugins/module_utils/_aws/config.py",
        "roles/recro_sso/tasks/main.yml",
        "playbooks/onboard.yml",
    ):
        assert wanted in names
    for unwanted in ("tests", "molecule", "Makefile", ".venv", ".cache", "scripts", "requirements"):
        assert not any(name == unwanted or name.startswith(unwanted + "/") for name in names), unwanted

    collections = tmp_path / "collections"
    run([str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(collections)], cwd=str(tmp_path))
    config = tmp_path / "home" / ".aws" / "config"
    playbook = tmp_path / "use.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - recro.aws_sso.aws_sso_profile:\n"
        "        path: {0}\n        name: recrocog-admin\n        sso_session: recro\n"
        "        sso_start_url: https://recrocog.awsapps.com/start\n        sso_region: us-east-1\n"
        "        sso_account_id: '012345678901'\n        sso_role_name: adminAccess\n".format(config)
    )
    # Only the installed collection and ansible-core: no collections from the `ansible` package on sys.path.
    environment = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
    )
    environment.pop("ANSIBLE_CONFIG", None)
    run(
        [
            str(BIN / "ansible-playbook"),
            str(playbook),
            "-e",
            json.dumps({"ansible_python_interpreter": sys.executable}),
        ],
        cwd=str(tmp_path),
        env=environment,
    )
    assert "[sso-session recro]" in config.read_text()
    documentation = json.loads(
        run([str(BIN / "ansible-doc"), "--json", "recro.aws_sso.aws_sso_profile"], cwd=str(tmp_path), env=environment)
    )
    assert documentation["recro.aws_sso.aws_sso_profile"]["doc"]["short_description"].startswith(
        "Manage AWS IAM Identity Center"
    )
    # Nothing else could have been found: the ansible package's collections were out of reach.
    listing = run(
        [str(BIN / "ansible-galaxy"), "collection", "list", "--format", "json"], cwd=str(tmp_path), env=environment
    )
    found = set(name for path in json.loads(listing).values() for name in path)
    assert set(name for name in found if not name.startswith("ansible.")) == {
        "recro.aws_sso"
    }  # ansible.* ship with ansible-core
