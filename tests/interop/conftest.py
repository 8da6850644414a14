# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Clients the project did not write, on a login ``aws_sso_login`` made: the stand-in services, the
playbook runner of ``tests/e2e``, the Python clients' environments (``venvs.py``) and the Go SDK's program
(``make interop`` runs these after the Molecule images exist)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.recro.aws_sso.tests.interop import venvs
from ansible_collections.recro.aws_sso.tests.support.login import Login

# The stand-in services and the fixtures that run playbooks against them (run_playbook, oidc).
pytest_plugins = [
    'ansible_collections.recro.aws_sso.tests.support.aws_fixtures',
    'ansible_collections.recro.aws_sso.tests.support.playbook_fixtures',
]


@pytest.fixture
def login(aws_servers, oidc):
    """Profile p of session recro in the config, the OIDC stand-in, the environment of the clients."""
    return Login(aws_servers, oidc)


@pytest.fixture(scope='session')
def python_clients():
    """The Python clients' virtual environments (``venvs.CLIENTS``), up to date with their pins: name -> directory."""
    return venvs.build()


@pytest.fixture(scope='session')
def go_sdk():
    """``go/sdk.go`` built with the AWS SDK for Go v2 of Debian 12's packages (``make interop`` installs
    golang-go and golang-github-aws-aws-sdk-go-v2-dev): the program's path."""
    go = shutil.which('go')
    assert go, 'no go: make interop installs golang-go and golang-github-aws-aws-sdk-go-v2-dev'
    program = venvs.CACHE / 'go-sdk'
    # Debian's Go library packages install their source under /usr/share/gocode, a GOPATH without modules.
    env = dict(os.environ, GO111MODULE='off', GOPATH='/usr/share/gocode', GOCACHE=str(venvs.CACHE / 'go-build'))
    env.pop('GOFLAGS', None)
    with venvs.lock():
        subprocess.run(
            [go, 'build', '-o', str(program), 'sdk.go'], cwd=str(Path(__file__).with_name('go')), env=env, check=True
        )
    return str(program)
