# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest plugin: run real ``ansible-playbook`` on localhost against the stand-in services
(``aws_fixtures``), for tests/e2e and tests/interop. Load it with::

    pytest_plugins = [
        'ansible_collections.recro.aws_sso.tests.support.aws_fixtures',
        'ansible_collections.recro.aws_sso.tests.support.playbook_fixtures',
    ]
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .aws_servers import write_endpoint_overrides
from .playbooks import REPOSITORY
from .sso_oidc import SsoOidc


class PlaybookRun:
    """The outcome of one ``ansible-playbook`` run: return code, output, and the
    variables the playbook saved with the ``save`` task list."""

    def __init__(self, completed, saved):
        self.returncode = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.saved = saved


@pytest.fixture
def run_playbook(tmp_path):
    """Run a playbook (text) on localhost; variables it writes to ``{{ results_file }}`` come back as ``saved``.
    ``options``: more arguments of ``ansible-playbook`` (``--tags`` ...)."""

    def run(playbook, env, extra_vars=None, interpreter=sys.executable, options=()):
        playbook_file = tmp_path / 'playbook.yml'
        playbook_file.write_text(playbook, encoding='utf-8')
        results_file = tmp_path / 'results.json'
        if results_file.exists():
            results_file.unlink()
        variables = dict(extra_vars or {}, results_file=str(results_file), ansible_python_interpreter=interpreter)
        environment = dict(
            env,
            ANSIBLE_CONFIG=str(REPOSITORY / 'ansible.cfg'),
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_LOCALHOST_WARNING='false',
            ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
            ANSIBLE_HOME=str(tmp_path / 'ansible-home'),
        )
        completed = subprocess.run(
            [str(Path(sys.executable).parent / 'ansible-playbook'), str(playbook_file), '-e', json.dumps(variables)]
            + list(options),
            cwd=str(REPOSITORY),
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=600,
            check=False,
        )
        saved = json.loads(results_file.read_text(encoding='utf-8')) if results_file.exists() else {}
        return PlaybookRun(completed, saved)

    return run


@pytest.fixture(scope='session')
def python_without_boto3(tmp_path_factory):
    """A Python interpreter that cannot import boto3: a bare virtual environment."""
    directory = tmp_path_factory.mktemp('no-boto3')
    venv.create(str(directory), with_pip=False)
    interpreter = directory / 'bin' / 'python'
    assert subprocess.call([str(interpreter), '-c', 'import boto3'], stderr=subprocess.DEVNULL) != 0
    return str(interpreter)


@pytest.fixture
def oidc(aws_servers):
    """The OIDC stand-in, its access tokens accepted by the portal stand-in, for botocore and the AWS CLI."""
    with SsoOidc(on_access_token=aws_servers.portal.add_access_token) as server:
        # AWS CLI 2.9.19 predates AWS_ENDPOINT_URL_*: its endpoint rule set points it at the stand-in.
        write_endpoint_overrides(aws_servers.endpoint_data_dir, {'sso-oidc': server.url})
        yield server
