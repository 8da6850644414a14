# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Other AWS clients use and refresh the login that ``aws_sso_login`` writes, and read what they rewrote;
those that cannot read ``sso-session`` profiles fail as the README says, and leave the login usable.

Real clients, stand-in services: the AWS SDK for JavaScript v3 from npm (``js/``, run with Node), the
AWS CLI v2 and botocore of this machine, the AWS CLI v2 of the Debian 13 Molecule image
(``scripts/build-images.sh``), the AWS SDK for Go v2 of Debian 12's packages (``go/``), and from PyPI the
AWS CLI v1, aws-sso-util and botocore at the collection's minimum (``venvs.py``; these are pointed at the
stand-ins by ``AWS_ENDPOINT_URL_*`` alone). The versions tested are the README's. IAM Identity Center's
OIDC service, the SSO portal and STS cannot be reached from tests: ``tests/support/sso_oidc.py`` and
``tests/support/sso_portal.py`` stand in for them on 127.0.0.1 with their real wire protocols, and moto
serves STS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import botocore
import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.clients import (
    MINIMUM_BOTOCORE_VERSION,
    check_botocore_version,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ServiceError
from ansible_collections.recro.aws_sso.tests.interop.venvs import pinned_version
from ansible_collections.recro.aws_sso.tests.support.login import SAVE, expire_soon, fake_desktop, login_task
from ansible_collections.recro.aws_sso.tests.support.playbooks import approve_when_asked
from ansible_collections.recro.aws_sso.tests.support.sso_oidc import aws_cli_login

JS = Path(__file__).with_name('js')
REPOSITORY = JS.parents[2]
AWS_CLI = '/usr/bin/aws'
DEBIAN13_IMAGE = 'localhost/recro-sso-debian13:latest'
ACCOUNT = '111111111111'  # profile p of tests/e2e/test_login.py
GO_SDK_SOURCE = Path('/usr/share/gocode/src/github.com/aws/aws-sdk-go-v2')
SESSION_INFO = (
    """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the login
      recro.aws_sso.aws_sso_session_info:
        sso_session: recro
      register: login
"""
    + SAVE
)


def log_in(login, run_playbook, interpreter=sys.executable):
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(), login.env, interpreter=interpreter)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'logged_in', run.saved
    return login.token()


def execute(command, env, cwd=None):
    return subprocess.run(
        command,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        check=False,
    )


def run(command, env, cwd=None):
    completed = execute(command, env, cwd)
    assert completed.returncode == 0, 'stdout: {0}\nstderr: {1}'.format(completed.stdout, completed.stderr)
    return completed.stdout


def endpoints_only(login):
    """The environment of a client with ``AWS_ENDPOINT_URL_*`` (botocore 1.31 and later): without the
    endpoint rule sets in ``AWS_DATA_PATH`` that AWS CLI 2.9.19 needs, which botocore would also read."""
    return {name: value for name, value in login.env.items() if name != 'AWS_DATA_PATH'}


def node(login, *arguments):
    return json.loads(run(['node', str(JS / 'sdk.mjs')] + list(arguments), dict(login.env, AWS_PROFILE='p')))


def aws_cli_identity(login):
    return json.loads(run([AWS_CLI, 'sts', 'get-caller-identity', '--profile', 'p', '--output', 'json'], login.env))


def botocore_identity(login, python=sys.executable):
    script = 'import boto3, json; print(json.dumps(boto3.session.Session(profile_name="p").client("sts").get_caller_identity()))'
    return json.loads(run([python, '-c', script], endpoints_only(login)))


def create_token_parameters(python):
    """The parameters of sso-oidc's CreateToken in the botocore of ``python``."""
    script = (
        'import botocore.session, json; print(json.dumps(sorted(botocore.session.get_session()'
        '.get_service_model("sso-oidc").operation_model("CreateToken").input_shape.members)))'
    )
    return json.loads(run([python, '-c', script], {}))


def go_module_version(module):
    """The version of a module of the AWS SDK for Go v2 that Debian's package installed (GOPATH mode has no go.sum)."""
    metadata = GO_SDK_SOURCE / module / 'go_module_metadata.go'
    return metadata.read_text(encoding='utf-8').split('goModuleVersion = "')[1].split('"')[0]


def forget_cached_role_credentials(login):
    """Remove the role credentials the AWS CLIs cache (``~/.aws/cli/cache``, for up to an hour): without
    them, the next call of a CLI needs the token."""
    shutil.rmtree(str(login.servers.home / '.aws' / 'cli' / 'cache'), ignore_errors=True)


def assert_refreshed_once(login, grants, old):
    """One refresh since ``grants``, with our refresh token and client registration, into the session's file."""
    assert login.oidc.grants() == grants + ['refresh_token']
    refreshed = login.token()
    assert refreshed['accessToken'] != old['accessToken'] and refreshed['clientId'] == old['clientId']
    assert refreshed['expiresAt'] > old['expiresAt']
    return refreshed


def assert_others_use_the_refreshed_file(login, run_playbook, grants):
    """The AWS CLI, botocore and our modules use the file a client refreshed, without another call."""
    refreshed = login.token()
    forget_cached_role_credentials(login)
    assert aws_cli_identity(login)['Account'] == ACCOUNT
    assert botocore_identity(login)['Account'] == ACCOUNT
    info = run_playbook(SESSION_INFO, login.env)
    assert info.returncode == 0, info.output
    assert info.saved['session']['status'] == 'valid' and info.saved['session']['refreshable'], info.saved
    assert info.saved['session']['expires_at'] == refreshed['expiresAt'][:19] + 'Z', info.saved
    again = run_playbook(login_task(), login.env)
    assert again.returncode == 0, again.output
    assert again.saved['status'] == 'valid' and not again.saved['changed'], again.saved
    assert login.oidc.grants() == grants + ['refresh_token']


def readme_client_row(name):
    """The cells of the row of client ``name`` in the README's tables of other AWS clients."""
    section = (REPOSITORY / 'README.md').read_text(encoding='utf-8').split('## Other AWS clients and the login')[1]
    for line in section.split('\n## ')[0].splitlines():
        cells = [cell.strip() for cell in line.strip('|').split('|')]
        if line.startswith('|') and cells[0].startswith(name):
            return cells
    raise AssertionError('README.md: no client {0!r} in the section "Other AWS clients and the login"'.format(name))


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
    tested = readme_client_row('AWS SDK for JavaScript v3')[1]  # "3.1178.0, Node 20"
    assert result['Account'] == ACCOUNT and result['sdkVersion'] == tested.split(',')[0]
    assert tested.endswith(', Node ' + run(['node', '--version'], login.env).lstrip('v').split('.')[0]), tested
    assert_refreshed_once(login, grants, old)
    assert_others_use_the_refreshed_file(login, run_playbook, grants)


def test_awscli_v1_uses_our_login_and_its_refresh_leaves_a_file_the_others_use(login, run_playbook, python_clients):
    aws = str(python_clients['awscli-v1'] / 'bin' / 'aws')
    env = endpoints_only(login)
    version = run([aws, '--version'], env).split()  # aws-cli/1.46.3 Python/3.11.7 Linux/... botocore/1.43.62
    pinned = pinned_version('awscli-v1', 'awscli')
    row = readme_client_row('awscli v1')
    assert version[0] == 'aws-cli/' + pinned and row[1] == pinned, version
    bundled = version[-1].split('/')[1].rsplit('.', 1)[0]
    assert version[-1].startswith('botocore/') and 'the botocore it bundles ({0})'.format(bundled) in row[2], version
    identity = [aws, 'sts', 'get-caller-identity', '--profile', 'p', '--output', 'json']
    log_in(login, run_playbook)
    grants = list(login.oidc.grants())

    assert json.loads(run(identity, env))['Account'] == ACCOUNT
    assert login.oidc.grants() == grants  # our token as it was

    # Within botocore's refresh window it refreshes our token with our refresh token and registration.
    old = expire_soon(login, 120)
    assert json.loads(run(identity, env))['Account'] == ACCOUNT
    assert_refreshed_once(login, grants, old)
    assert_others_use_the_refreshed_file(login, run_playbook, grants)


def test_botocore_at_the_minimum_runs_our_login_uses_it_and_refreshes_it(login, run_playbook, python_clients):
    python = str(python_clients['botocore-minimum'] / 'bin' / 'python')
    versions = run([python, '-c', 'import boto3, botocore; print(botocore.__version__, boto3.__version__)'], {})
    assert versions.split() == [MINIMUM_BOTOCORE_VERSION, pinned_version('botocore-minimum', 'boto3')]
    tested = readme_client_row('botocore, boto3')[1]
    assert tested.startswith(botocore.__version__ + '; ' + MINIMUM_BOTOCORE_VERSION + ' '), tested
    # Why it is the minimum: the PKCE login's CreateToken needs codeVerifier and redirectUri.
    assert {'codeVerifier', 'redirectUri'} <= set(create_token_parameters(python))
    # aws_sso_login itself on that botocore: the device-code login.
    log_in(login, run_playbook, interpreter=python)
    grants = list(login.oidc.grants())

    assert botocore_identity(login, python)['Account'] == ACCOUNT
    assert login.oidc.grants() == grants

    old = expire_soon(login, 120)
    assert botocore_identity(login, python)['Account'] == ACCOUNT
    assert_refreshed_once(login, grants, old)
    assert_others_use_the_refreshed_file(login, run_playbook, grants)


def test_botocore_at_the_minimum_runs_our_pkce_login(login, run_playbook, python_clients, tmp_path):
    """The login the minimum exists for: PKCE (authorization code with codeVerifier and redirectUri),
    through the authorize page of the stand-in to the loopback redirect, on that botocore."""
    python = str(python_clients['botocore-minimum'] / 'bin' / 'python')
    env, browser_log = fake_desktop(login, tmp_path)
    run = run_playbook(login_task(flow='pkce', timeout=60), env, interpreter=python)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'logged_in' and run.saved['flow'] == 'pkce', run.saved
    assert browser_log.read_text(encoding='utf-8').startswith(login.oidc.url + '/authorize?')
    assert login.oidc.grants() == ['authorization_code']
    assert botocore_identity(login, python)['Account'] == ACCOUNT


def test_botocore_below_the_minimum_is_refused_naming_the_minimum(login, run_playbook, python_clients):
    python = str(python_clients['botocore-below-minimum'] / 'bin' / 'python')
    below = pinned_version('botocore-below-minimum', 'botocore')
    assert 'codeVerifier' not in create_token_parameters(python)  # a PKCE login could not work on it
    with pytest.raises(ServiceError) as refusal:
        check_botocore_version(below)
    refused = run_playbook(login_task(), login.env, interpreter=python)
    assert refused.returncode == 0, refused.output  # the task ignores errors and saves them
    assert refused.saved['failed'] and refused.saved['msg'] == str(refusal.value), refused.saved
    assert refused.saved['msg'].startswith('botocore {0} is older than {1}, '.format(below, MINIMUM_BOTOCORE_VERSION))
    assert login.oidc.calls == [] and login.cache_files() == []  # refused before any call or file


def test_aws_sso_util_cannot_read_an_sso_session_profile_and_leaves_our_login_alone(
    login, run_playbook, python_clients
):
    program = str(python_clients['aws-sso-util'] / 'bin' / 'aws-sso-util')
    env = endpoints_only(login)
    row = readme_client_row('aws-sso-util')
    assert run([program, '--version'], env).strip() == pinned_version('aws-sso-util', 'aws-sso-util') == row[1]
    log_in(login, run_playbook)
    files = {path: path.read_bytes() for path in login.cache_files()}
    calls = list(login.oidc.calls)

    checked = execute([program, 'check', '--check-profile', 'p'], env)
    # The README quotes its error with "..." for the profile's name.
    quoted = row[2].split('"')[1]
    assert checked.returncode == 2 and 'Error: ' + quoted.replace('...', 'p') + '\n' in checked.stderr, checked.stderr
    assert {path: path.read_bytes() for path in login.cache_files()} == files and login.oidc.calls == calls


def test_debian12_go_sdk_cannot_read_an_sso_session_profile_but_refreshes_our_token_once_expired(
    login, run_playbook, go_sdk
):
    row = readme_client_row('AWS SDK for Go v2, Debian 12 packages')
    assert row[1] == 'config {0}, credentials {1}'.format(go_module_version('config'), go_module_version('credentials'))
    env = endpoints_only(login)
    ours = log_in(login, run_playbook)
    grants = list(login.oidc.grants())

    refused = execute([go_sdk, 'identity', 'p'], env)
    # The README quotes its error with "..." for the profile's name.
    assert refused.returncode == 1 and refused.stderr == row[2].split('"')[1].replace('...', '"p"') + '\n', refused

    # Its token provider reads our token file as it is, also when it expires soon: no call.
    assert json.loads(run([go_sdk, 'token', 'recro'], env))['expiration'] == ours['expiresAt']
    soon = expire_soon(login, 120)
    assert json.loads(run([go_sdk, 'token', 'recro'], env))['expiration'] == soon['expiresAt']
    assert login.oidc.grants() == grants

    # Once expired, it refreshes it with our refresh token and registration, into a file the others use.
    old = expire_soon(login, -60)
    run([go_sdk, 'token', 'recro'], env)
    assert_refreshed_once(login, grants, old)
    assert_others_use_the_refreshed_file(login, run_playbook, grants)


def refusal(command, env):
    """``(return code, stderr)`` of a client that cannot read the profile."""
    refused = execute(command, env)
    return refused.returncode, refused.stderr


def test_the_clients_that_cannot_read_sso_session_profiles_fail_the_same_on_a_login_the_aws_cli_made(
    login, run_playbook, python_clients, go_sdk
):
    """Their failure is the profile's shape, which `aws configure sso` writes too: the same error on a
    login of the real AWS CLI (`aws sso login`) as on ours."""
    env = endpoints_only(login)
    clients = {
        'aws-sso-util': [str(python_clients['aws-sso-util'] / 'bin' / 'aws-sso-util'), 'check', '--check-profile', 'p'],
        'Go SDK': [go_sdk, 'identity', 'p'],
    }
    log_in(login, run_playbook)
    on_ours = dict((name, refusal(command, env)) for name, command in clients.items())
    for path in login.cache_files():
        path.unlink()

    cli = aws_cli_login(login.oidc, login.env, 'recro')
    assert cli.returncode == 0, cli.stderr
    assert login.token()['accessToken'], 'the AWS CLI left no token'
    on_the_clis = dict((name, refusal(command, env)) for name, command in clients.items())

    assert on_the_clis == on_ours
    assert on_ours['aws-sso-util'][0] == 2 and on_ours['Go SDK'][0] == 1, on_ours


def test_the_aws_cli_the_tests_run_on_this_machine_is_the_readmes():
    # The Debian 12 row: the AWS CLI that the other tests (and tests/e2e) run after a client's refresh.
    version = run([AWS_CLI, '--version'], dict(os.environ, AWS_PAGER='')).split()[0]
    assert version == 'aws-cli/' + readme_client_row('AWS CLI v2, Debian 12')[1], version


@pytest.mark.skipif(shutil.which('podman') is None, reason='Podman is not installed (make podman installs it)')
def test_debian13_aws_cli_uses_our_login_and_its_refresh_leaves_a_file_the_others_use(login, run_playbook):
    image_exists = subprocess.run(['podman', 'image', 'exists', DEBIAN13_IMAGE], check=False).returncode == 0
    assert image_exists, 'no {0}: make images builds it'.format(DEBIAN13_IMAGE)
    log_in(login, run_playbook)
    grants = list(login.oidc.grants())
    calls = list(login.oidc.calls)
    home = login.servers.home
    variables = {name: value for name, value in login.env.items() if name.startswith('AWS_ENDPOINT_URL_')}
    command = ['podman', 'run', '--rm', '--network', 'host', '-v', '{0}:/root/.aws'.format(home / '.aws')]
    for name, value in sorted(variables.items()):
        command += ['-e', '{0}={1}'.format(name, value)]
    command += [DEBIAN13_IMAGE, 'sh', '-c', 'aws --version && aws sts get-caller-identity --profile p --output json']
    # The project's Podman settings (runtime, ulimits), as make sets them.
    containers_conf = os.environ.get('CONTAINERS_CONF') or str(REPOSITORY / 'molecule' / 'containers.conf')

    def container_identity():
        output = run(command, dict(login.env, CONTAINERS_CONF=containers_conf))
        version, newline, identity = output.partition('\n')
        assert newline and version.split()[0] == 'aws-cli/' + readme_client_row('AWS CLI v2, Debian 13')[1], output
        return json.loads(identity)

    assert container_identity()['Account'] == ACCOUNT
    assert login.oidc.calls == calls  # it used our token as it was: no login, no refresh

    forget_cached_role_credentials(login)
    old = expire_soon(login, 120)
    assert container_identity()['Account'] == ACCOUNT
    assert_refreshed_once(login, grants, old)
    assert_others_use_the_refreshed_file(login, run_playbook, grants)
