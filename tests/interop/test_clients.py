# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Other AWS clients use and refresh the login that ``aws_sso_login`` writes, and read what they rewrote.

Real clients, stand-in services: the AWS SDK for JavaScript v3 from npm (``js/``, run with Node), the
AWS CLI v2 and botocore of this machine, and the AWS CLI v2 of the Debian 13 Molecule image
(``scripts/build-images.sh``). IAM Identity Center's OIDC service, the SSO portal and STS cannot be
reached from tests: ``tests/support/sso_oidc.py`` and ``tests/support/sso_portal.py`` stand in for
them on 127.0.0.1 with their real wire protocols, and moto serves STS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.recro.aws_sso.tests.support.login import expire_soon, login_task
from ansible_collections.recro.aws_sso.tests.support.playbooks import approve_when_asked

JS = Path(__file__).with_name('js')
AWS_CLI = '/usr/bin/aws'
DEBIAN13_IMAGE = 'localhost/recro-sso-debian13:latest'
ACCOUNT = '111111111111'  # profile p of tests/e2e/test_login.py


def log_in(login, run_playbook):
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(), login.env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'logged_in', run.saved
    return login.token()


def run(command, env, cwd=None):
    completed = subprocess.run(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, 'stdout: {0}\nstderr: {1}'.format(completed.stdout, completed.stderr)
    return completed.stdout


def node(login, *arguments):
    return json.loads(run(['node', str(JS / 'sdk.mjs')] + list(arguments), dict(login.env, AWS_PROFILE='p')))


def aws_cli_identity(login):
    return json.loads(run([AWS_CLI, 'sts', 'get-caller-identity', '--profile', 'p', '--output', 'json'], login.env))


def botocore_identity(login):
    script = 'import boto3, json; print(json.dumps(boto3.session.Session(profile_name="p").client("sts").get_caller_identity()))'
    return json.loads(run([sys.executable, '-c', script], login.env))


def test_js_sdk_uses_our_login_and_its_refresh_leaves_a_file_the_cli_and_botocore_use(login, run_playbook):
    ours = log_in(login, run_playbook)
    grants = list(login.oidc.grants())

    # fromSSO, fromNodeProviderChain and fromSso take our token as it is: no call to sso-oidc.
    assert node(login, 'identity', 'p')['Account'] == ACCOUNT
    assert node(login, 'chain')['Account'] == ACCOUNT
    assert node(login, 'token', 'p')['expiration'][:19] == ours['expiresAt'][:19]
    assert login.oidc.grants() == grants

    # Within five minutes of expiry the SDK refreshes it with our refresh token and client registration.
    old = expire_soon(login, 120)
    result = node(login, 'identity', 'p')
    assert result['Account'] == ACCOUNT and result['sdkVersion'] == '3.1178.0'
    assert login.oidc.grants() == grants + ['refresh_token']
    refreshed = login.token()
    assert refreshed['accessToken'] != old['accessToken'] and refreshed['clientId'] == old['clientId']
    assert refreshed['expiresAt'] > old['expiresAt']

    # The file the SDK rewrote: the AWS CLI, botocore and our module use it without another call.
    assert aws_cli_identity(login)['Account'] == ACCOUNT
    assert botocore_identity(login)['Account'] == ACCOUNT
    again = run_playbook(login_task(), login.env)
    assert again.returncode == 0, again.output
    assert again.saved['status'] == 'valid' and not again.saved['changed'], again.saved
    assert login.oidc.grants() == grants + ['refresh_token']


@pytest.mark.skipif(shutil.which('podman') is None, reason='Podman is not installed (make podman installs it)')
def test_debian13_aws_cli_calls_sts_with_our_login(login, run_playbook):
    log_in(login, run_playbook)
    calls = list(login.oidc.calls)
    image_exists = subprocess.run(['podman', 'image', 'exists', DEBIAN13_IMAGE], check=False).returncode == 0
    assert image_exists, 'no {0}: make images builds it'.format(DEBIAN13_IMAGE)
    home = login.servers.home
    variables = {name: value for name, value in login.env.items() if name.startswith('AWS_ENDPOINT_URL_')}
    command = ['podman', 'run', '--rm', '--network', 'host', '-v', '{0}:/root/.aws'.format(home / '.aws')]
    for name, value in sorted(variables.items()):
        command += ['-e', '{0}={1}'.format(name, value)]
    command += [DEBIAN13_IMAGE, 'sh', '-c', 'aws --version && aws sts get-caller-identity --profile p --output json']
    # The project's Podman settings (runtime, ulimits), as make sets them.
    containers_conf = os.environ.get('CONTAINERS_CONF') or str(JS.parents[2] / 'molecule' / 'containers.conf')
    output = run(command, dict(login.env, CONTAINERS_CONF=containers_conf))
    version, newline, identity = output.partition('\n')
    assert newline and version.startswith('aws-cli/2.'), output
    assert json.loads(identity)['Account'] == ACCOUNT
    assert login.oidc.calls == calls  # it used our token as it was: no login, no refresh
