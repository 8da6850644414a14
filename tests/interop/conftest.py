# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Clients the project did not write, on a login ``aws_sso_login`` made: the stand-in services, the
playbook runner of ``tests/e2e``, and the Python clients' environments (``venvs.py``; ``make interop``
runs these after the Molecule images exist)."""

from __future__ import annotations

import pytest

from ansible_collections.recro.aws_sso.tests.interop import venvs
from ansible_collections.recro.aws_sso.tests.support.login import Login

# The fixtures of tests/e2e (run_playbook, oidc) with the stand-in services.
pytest_plugins = [
    'ansible_collections.recro.aws_sso.tests.support.aws_fixtures',
    'ansible_collections.recro.aws_sso.tests.e2e.conftest',
]


@pytest.fixture
def login(aws_servers, oidc):
    """Profile p of session recro in the config, the OIDC stand-in, the environment of the clients."""
    return Login(aws_servers, oidc)


@pytest.fixture(scope='session')
def python_clients():
    """The Python clients' virtual environments (``venvs.CLIENTS``), up to date with their pins: name -> directory."""
    return venvs.build()
