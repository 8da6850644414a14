# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_login through ``ansible-playbook``, and the AWS CLI and botocore using its login.

The IAM Identity Center OIDC service cannot be reached from tests: ``tests/support/sso_oidc.py``
stands in for it on 127.0.0.1 with its real REST-JSON protocol, and the portal and STS stand-ins
of ``tests/support/sso_portal.py`` accept the access tokens it issues. The test plays the person
at the browser (approves or denies the code).
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import registration_cache_file
from ansible_collections.recro.aws_sso.tests.support.aws_servers import SSO_REGION, START_URL, write_endpoint_overrides
from ansible_collections.recro.aws_sso.tests.support.login import CONFIG, Login, expire_soon, fake_desktop, login_task
from ansible_collections.recro.aws_sso.tests.support.playbooks import approve_when_asked
from ansible_collections.recro.aws_sso.tests.support.sso_oidc import REMOVE, SsoOidc, aws_cli_login
from ansible_collections.recro.aws_sso.tests.support.users import as_user, throwaway_user

AWS_CLI = '/usr/bin/aws'


@pytest.fixture
def login(aws_servers):
    with SsoOidc(on_access_token=aws_servers.portal.add_access_token) as oidc:
        yield Login(aws_servers, oidc)


def assert_private(login):
    directory = login.token_file.parent
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for path in login.cache_files():
        assert not path.name.startswith('.'), 'a temporary file was left: %s' % path.name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        json.loads(path.read_text(encoding='utf-8'))  # whole, never half written


def assert_no_secret(run, login):
    texts = run.output + json.dumps(run.saved)
    for path in login.cache_files():
        for key, value in json.loads(path.read_text(encoding='utf-8')).items():
            if key in ('accessToken', 'refreshToken', 'clientSecret', 'deviceCode'):
                assert value not in texts, key


def test_device_flow_in_two_tasks_then_the_cli_and_botocore_use_it(login, run_playbook):
    first = run_playbook(login_task(wait=False), login.env)
    assert first.returncode == 0, first.output
    pending = first.saved
    assert pending['status'] == 'pending' and pending['changed'] and not pending['usable'], pending
    assert pending['user_code'] in pending['verification_uri_complete']
    assert pending['expires_at'].endswith('Z')
    assert login.oidc.count('RegisterClient') == 1 and login.oidc.count('StartDeviceAuthorization') == 1
    assert not login.token_file.exists()
    # A second wait:false run returns the same pending authorization without starting another.
    again = run_playbook(login_task(wait=False), login.env)
    assert again.saved['user_code'] == pending['user_code'] and not again.saved['changed']
    assert login.oidc.count('StartDeviceAuthorization') == 1
    assert_no_secret(first, login)

    login.oidc.approve(pending['user_code'])
    second = run_playbook(login_task(), login.env)
    assert second.returncode == 0, second.output
    done = second.saved
    assert done['status'] == 'logged_in' and done['changed'] and done['usable'], done
    assert done['token_file'] == str(login.token_file)
    token = login.token()
    assert set(token) == {
        'startUrl',
        'region',
        'accessToken',
        'expiresAt',
        'clientId',
        'clientSecret',
        'registrationExpiresAt',
        'refreshToken',
    }
    assert token['startUrl'] == START_URL and token['region'] == SSO_REGION and token['expiresAt'] == done['expires_at']
    assert login.oidc.grants() == ['urn:ietf:params:oauth:grant-type:device_code']
    assert_private(login)
    assert_no_secret(second, login)
    assert not [path for path in login.cache_files() if path.name.startswith('recro-aws-sso-pending-')]

    # The real AWS CLI uses the login without one of its own.
    if not os.path.exists(AWS_CLI):
        pytest.skip('Debian awscli is not installed')
    identity = subprocess.run(
        [AWS_CLI, 'sts', 'get-caller-identity', '--profile', 'p', '--output', 'json'],
        env=login.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)['Account'] == '111111111111'
    assert login.oidc.count('RegisterClient') == 1 and len(login.oidc.grants()) == 1


def test_valid_token_is_a_no_op_without_any_call(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    before = login.token_file.read_bytes()
    calls = len(login.oidc.calls)
    run = run_playbook(login_task(), login.env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'valid' and not run.saved['changed'] and run.saved['usable']
    assert run.saved['msg'] == 'logged in to sso-session recro until {0}'.format(login.token()['expiresAt'])
    assert len(login.oidc.calls) == calls
    assert login.token_file.read_bytes() == before


def test_expiring_token_is_refreshed_with_its_refresh_token(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    old = expire_soon(login, 300)
    run = run_playbook(login_task(), login.env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'refreshed' and run.saved['changed'] and run.saved['usable']
    assert login.oidc.grants()[-1] == 'refresh_token' and login.oidc.count('StartDeviceAuthorization') == 1
    token = login.token()
    assert token['accessToken'] != old['accessToken'] and token['registrationExpiresAt'] == old['registrationExpiresAt']
    assert token['clientId'] == old['clientId']
    assert_private(login)
    assert_no_secret(run, login)


def test_refresh_only_without_a_token_says_login_required(login, run_playbook):
    run = run_playbook(login_task(refresh_only=True), login.env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'login_required' and not run.saved['changed'] and not run.saved['usable']
    assert run.saved['msg'] == 'sso-session recro needs a new login (its token is missing)'
    assert login.oidc.calls == []


def test_force_logs_in_again_and_reuses_the_registration(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    old = login.token()
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(force=True), login.env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'logged_in' and run.saved['changed']
    assert login.token()['accessToken'] != old['accessToken']
    assert login.oidc.count('RegisterClient') == 1 and login.oidc.count('StartDeviceAuthorization') == 2


def test_botocore_refreshes_our_token(login, run_playbook, monkeypatch):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    old = expire_soon(login, 300)
    login.servers.use_in_process(monkeypatch)
    monkeypatch.setenv('AWS_ENDPOINT_URL_SSO_OIDC', login.oidc.url)
    import boto3  # pylint: disable=import-outside-toplevel

    identity = boto3.session.Session(profile_name='p').client('sts').get_caller_identity()
    assert identity['Account'] == '111111111111'
    assert login.oidc.grants().count('refresh_token') == 1
    token = login.token()
    assert token['accessToken'] != old['accessToken'] and token['registrationExpiresAt'] == old['registrationExpiresAt']


@pytest.mark.skipif(not os.path.exists(AWS_CLI), reason='Debian awscli (/usr/bin/aws) is not installed')
def test_the_cli_login_after_ours_reuses_our_registration(login, run_playbook, tmp_path):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    assert login.oidc.count('RegisterClient') == 1
    cli = aws_cli_login(login.oidc, login.env, 'recro')
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert login.oidc.count('RegisterClient') == 1, login.oidc.calls
    assert login.oidc.count('StartDeviceAuthorization') == 2


def test_pkce_follows_the_authorize_page_to_the_loopback_redirect(login, run_playbook, tmp_path):
    env, log = fake_desktop(login, tmp_path)
    run = run_playbook(login_task(flow='pkce', timeout=60), env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'logged_in' and run.saved['flow'] == 'pkce' and run.saved['usable'], run.saved
    url = log.read_text(encoding='utf-8').strip()
    assert url.startswith(login.oidc.url + '/authorize?response_type=code&client_id=client-')
    assert 'redirect_uri=http%3A%2F%2F127.0.0.1%3A' in url and '%2Foauth%2Fcallback&state=' in url
    assert '&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=' in url
    assert login.oidc.grants() == ['authorization_code']
    registrations = [details for name, details in login.oidc.calls if name == 'RegisterClient']
    assert registrations[0]['grantTypes'] == ['authorization_code', 'refresh_token']
    assert_private(login)
    assert_no_secret(run, login)
    # The device flow after PKCE registers again into the same file: the registration lacks its grant.
    files = {path.name for path in login.cache_files()}
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(force=True), login.env).saved['status'] == 'logged_in'
    assert login.oidc.count('RegisterClient') == 2
    assert {path.name for path in login.cache_files()} == files


def test_pkce_without_a_desktop_session_fails_clearly(login, run_playbook):
    run = run_playbook(login_task(flow='pkce'), login.env)
    assert run.saved['failed']
    assert run.saved['msg'] == (
        'flow: pkce needs a browser on this machine: a desktop session (DISPLAY or WAYLAND_DISPLAY on '
        'Linux, or macOS) and open_browser true; use flow: device_code from SSH or a headless host'
    )
    assert not login.token_file.exists()
    assert login.oidc.calls == []  # refused before any call: no client registered for nothing


def test_pkce_with_wait_false_is_refused(login, run_playbook):
    run = run_playbook(login_task(flow='pkce', wait=False), login.env)
    assert (
        run.saved['msg']
        == 'wait: False needs flow: device_code; the pkce redirect server lives only as long as the task'
    )
    assert login.oidc.calls == [] and not login.token_file.parent.exists()


def test_expired_device_code(login, run_playbook):
    def expire():
        deadline = time.monotonic() + 60
        while not login.oidc.pending_user_codes() and time.monotonic() < deadline:
            time.sleep(0.1)
        login.oidc.expire(login.oidc.pending_user_codes()[0])

    threading.Thread(target=expire, daemon=True).start()
    run = run_playbook(login_task(), login.env)
    assert run.saved['failed']
    assert run.saved['msg'] == 'the device code of sso-session recro expired before the login was approved'
    assert not login.token_file.exists()
    assert not [path for path in login.cache_files() if path.name.startswith('recro-aws-sso-pending-')]
    assert_private(login)


def test_access_denied(login, run_playbook):
    approve_when_asked(login.oidc, deny=True)
    run = run_playbook(login_task(), login.env)
    assert run.saved['failed']
    assert run.saved['msg'] == 'the login to sso-session recro was denied at {0}/device'.format(login.oidc.url)
    assert not login.token_file.exists()
    assert_private(login)
    assert_no_secret(run, login)


def test_slow_down_adds_five_seconds(login, run_playbook):
    login.oidc.slow_down(1)
    approve_when_asked(login.oidc, after=2.5)
    run = run_playbook(login_task(), login.env)
    assert run.saved['status'] == 'logged_in', run.output
    polls = login.oidc.poll_times
    # interval 1 s: the first poll answers slow_down, so the next comes 1 + 5 s later.
    assert len(polls) >= 2 and polls[1] - polls[0] >= 6, polls


def test_timeout_names_the_code_and_keeps_it_pending(login, run_playbook):
    run = run_playbook(login_task(timeout=2), login.env)
    assert run.saved['failed']
    code = login.oidc.pending_user_codes()[0]
    pending = [path for path in login.cache_files() if path.name.startswith('recro-aws-sso-pending-')]
    expires = json.loads(pending[0].read_text(encoding='utf-8'))['expiresAt']
    assert run.saved['msg'] == (
        'timeout: no approval of the code {0} at {1}/device?user_code={0} within 2 s for sso-session '
        'recro; the code stays valid until {2}'.format(code, login.oidc.url, expires)
    )
    assert not login.token_file.exists()
    assert_private(login)
    assert_no_secret(run, login)


def test_an_interval_longer_than_the_timeout_waits_the_whole_timeout(login, run_playbook):
    login.oidc.override('StartDeviceAuthorization', interval=60)
    started = time.monotonic()
    run = run_playbook(login_task(timeout=4), login.env)
    elapsed = time.monotonic() - started
    assert run.saved['failed'] and run.saved['msg'].startswith('timeout: no approval of the code '), run.output
    assert ' within 4 s for sso-session recro; the code stays valid until ' in run.saved['msg']
    # A poll at once and one at the end of the timeout, not a timeout told after the first.
    assert len(login.oidc.poll_times) == 2
    assert elapsed >= 4


def test_server_unreachable(login, run_playbook):
    # Both ways of pointing botocore at the service (the variable and the endpoint rule set) lead nowhere.
    env = dict(login.env, AWS_ENDPOINT_URL_SSO_OIDC='http://127.0.0.1:9')
    write_endpoint_overrides(login.servers.endpoint_data_dir, {'sso-oidc': 'http://127.0.0.1:9'})
    run = run_playbook(login_task(timeout=5), env)
    assert run.saved['failed']
    assert run.saved['msg'] == (
        'cannot reach the sso-oidc service in us-east-1: Could not connect to the endpoint URL: '
        '"http://127.0.0.1:9/client/register" (calling RegisterClient for sso-session recro); no file was written'
    )
    assert not login.token_file.exists()


def test_missing_sso_session(login, run_playbook):
    run = run_playbook(login_task().replace('sso_session: recro', 'sso_session: other'), login.env)
    assert run.saved['failed']
    assert run.saved['msg'] == "sso_session: 'other' has no [sso-session other] stanza in {0}; it has recro".format(
        login.servers.config_file
    )
    assert login.oidc.calls == []


def test_check_mode_writes_nothing_and_calls_nothing(login, run_playbook):
    run = run_playbook(
        login_task().replace('      register: login', '      register: login\n      check_mode: true'), login.env
    )
    assert run.saved['status'] == 'login_required' and run.saved['changed'], run.output
    assert run.saved['msg'] == 'check mode: would log in to sso-session recro with the device_code flow'
    assert login.oidc.calls == [] and not login.token_file.parent.exists()


def test_the_settings_as_options_log_in_before_the_stanza_exists(login, run_playbook):
    # As `aws configure sso` does: log in first, write the config after (the recro_sso role's order).
    login.servers.config_file.unlink()
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(sso_start_url=START_URL, sso_region=SSO_REGION), login.env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'logged_in' and run.saved['usable'], run.output
    assert not login.servers.config_file.exists()
    assert_private(login)
    assert_no_secret(run, login)
    # The registration is cached under the name a read of the stanza gives: a forced
    # login from the written config registers no new client.
    login.servers.config_file.write_text(CONFIG, encoding='utf-8')
    approve_when_asked(login.oidc)
    again = run_playbook(login_task(force=True), login.env)
    assert again.saved['status'] == 'logged_in', again.output
    assert login.oidc.count('RegisterClient') == 1 and login.oidc.count('StartDeviceAuthorization') == 2


@pytest.mark.parametrize(
    'options, message',
    [
        (
            dict(sso_start_url='https://x.awsapps.com/start\n[profile evil]', sso_region=SSO_REGION),
            "sso_start_url: 'https://x.awsapps.com/start\\n[profile evil]' ",
        ),
        (
            dict(sso_start_url='https://alice:secret@x.awsapps.com/start', sso_region=SSO_REGION),
            "sso_start_url: 'https://<user info>@x.awsapps.com/start' holds a user name or password",
        ),
        (
            dict(sso_start_url=' https://alice:secret@x.awsapps.com/start', sso_region=SSO_REGION),
            "sso_start_url: ' https://<user info>@x.awsapps.com/start' has leading or trailing whitespace",
        ),
        (dict(sso_start_url=START_URL, sso_region='moon-1'), "sso_region: 'moon-1' is not an AWS Region name"),
        (dict(sso_start_url=START_URL), 'sso_region: None is missing: it goes with sso_start_url'),
        (dict(sso_region=SSO_REGION), "sso_region: '{0}' needs sso_start_url".format(SSO_REGION)),
        (
            dict(sso_start_url=START_URL, sso_region=SSO_REGION, sso_registration_scopes=['a b']),
            "sso_registration_scopes[0]: 'a b' is not a scope",
        ),
    ],
)
def test_bad_settings_options_are_refused_before_any_call(login, run_playbook, options, message):
    run = run_playbook(login_task(**options), login.env)
    assert run.saved['failed'], run.output
    assert run.saved['msg'].startswith(message), run.saved['msg']
    assert 'secret' not in run.output + json.dumps(run.saved)
    assert login.oidc.calls == [] and not login.token_file.parent.exists()


def test_a_valid_token_or_a_look_up_needs_no_boto3(login, run_playbook, python_without_boto3):
    lookup = login_task(refresh_only=True).replace(
        '      register: login', '      register: login\n      check_mode: true'
    )
    run = run_playbook(lookup, login.env, interpreter=python_without_boto3)
    assert run.saved['status'] == 'login_required' and not run.saved['usable'], run.output
    assert run.saved['msg'] == 'sso-session recro needs a new login (its token is missing)'
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    run = run_playbook(login_task(), login.env, interpreter=python_without_boto3)
    assert run.saved['status'] == 'valid' and run.saved['usable'], run.output
    assert run.saved['msg'].startswith('logged in to sso-session recro until ')
    # A refresh calls AWS: only then is boto3 needed, and its absence is said so.
    expire_soon(login, 300)
    run = run_playbook(login_task(), login.env, interpreter=python_without_boto3)
    assert run.saved['failed'] and run.saved['msg'].startswith('Failed to import the required Python library (boto3)')


# The service's answers, checked before use: (operation, fields it answers, the message's start and end).
LIFETIME = 'which is not a whole number of seconds from 60 to 31622400 (a year)'
INFINITY = 'cannot convert float infinity to integer'
NOT_ASCII = ' (not shown) that is not printable ASCII without spaces'
NOT_STARTED = '; no login was started'
CODE_LIFETIME = (
    'which is not a whole number of seconds from 31 to 31622400 (a code must outlast the 30 s kept in reserve for '
    'the person; the service gives 600)'
)
REDEEMED = '; no token was written, and the approved code cannot be used again: log in again'
NOT_SHOWN_URL = (
    "(not shown) that is not an https URL of printable characters on the session's own service "
    '(recrocog.awsapps.com, device.sso.us-east-1.amazonaws.com) or on the sso-oidc endpoint in use' + NOT_STARTED
)
BAD_ANSWERS = [
    (
        'RegisterClient',
        dict(clientSecret=REMOVE),
        'RegisterClient of sso-session recro answered no clientSecret; no file was written',
    ),
    (
        'RegisterClient',
        dict(clientId=42),
        "RegisterClient of sso-session recro answered clientId 42, which is not a "
        'string of printable characters; no file was written',
    ),
    (
        'StartDeviceAuthorization',
        dict(expiresIn='600s'),
        'StartDeviceAuthorization of sso-session recro answered what botocore cannot read (its whole numbers: '
        "expiresIn, interval): invalid literal for int() with base 10: '600s'" + NOT_STARTED,
    ),
    (
        'StartDeviceAuthorization',
        dict(expiresIn=10**12),
        'StartDeviceAuthorization of sso-session recro answered expiresIn 1000000000000, '
        + CODE_LIFETIME
        + NOT_STARTED,
    ),
    (
        # A code that ends before a person could approve it: never returned as pending.
        'StartDeviceAuthorization',
        dict(expiresIn=2),
        'StartDeviceAuthorization of sso-session recro answered expiresIn 2, ' + CODE_LIFETIME + NOT_STARTED,
    ),
    (
        'StartDeviceAuthorization',
        dict(interval=-5),
        'StartDeviceAuthorization of sso-session recro answered '
        'interval -5, which is not a whole number of seconds from 1 to 300' + NOT_STARTED,
    ),
    (
        'StartDeviceAuthorization',
        dict(deviceCode=12345),
        'StartDeviceAuthorization of sso-session recro answered '
        'deviceCode (not shown) that is not a string of printable characters' + NOT_STARTED,
    ),
    (
        'StartDeviceAuthorization',
        dict(deviceCode=None),
        'StartDeviceAuthorization of sso-session recro answered no deviceCode' + NOT_STARTED,
    ),
    (
        'StartDeviceAuthorization',
        dict(verificationUriComplete='https://recrocog.awsapps.com.evil.example/device'),
        'StartDeviceAuthorization of sso-session recro answered verificationUriComplete ' + NOT_SHOWN_URL,
    ),
    (
        'StartDeviceAuthorization',
        dict(verificationUriComplete='javascript:alert(1)//us-east-1.amazonaws.com'),
        'StartDeviceAuthorization of sso-session recro answered verificationUriComplete ' + NOT_SHOWN_URL,
    ),
    (
        'StartDeviceAuthorization',
        dict(verificationUri='https://device.sso.us-east-1.amazonaws.com/\n\x1b[31mgo'),
        'StartDeviceAuthorization of sso-session recro answered verificationUri (not shown) that is not a string of '
        'printable characters' + NOT_STARTED,
    ),
    (
        'StartDeviceAuthorization',
        dict(verificationUri='http://device.sso.us-east-1.amazonaws.com/'),
        'StartDeviceAuthorization of sso-session recro answered verificationUri ' + NOT_SHOWN_URL,
    ),
    (
        'StartDeviceAuthorization',
        dict(userCode='AB\x1b]0;owned\x07CD'),
        'StartDeviceAuthorization of sso-session '
        'recro answered userCode (not shown) that is not a string of printable characters' + NOT_STARTED,
    ),
    (
        'StartDeviceAuthorization',
        dict(userCode='AB CD <b>'),
        'StartDeviceAuthorization of sso-session recro answered '
        'userCode (not shown) that is not a code of 1 to 64 letters, digits, _ and -' + NOT_STARTED,
    ),
    ('CreateToken', dict(accessToken=REMOVE), 'CreateToken of sso-session recro answered no accessToken' + REDEEMED),
    (
        'CreateToken',
        dict(accessToken=['x']),
        'CreateToken of sso-session recro answered accessToken (not shown) that '
        'is not a string of printable characters' + REDEEMED,
    ),
    (
        'CreateToken',
        dict(expiresIn=-60),
        'CreateToken of sso-session recro answered expiresIn -60, ' + LIFETIME + REDEEMED,
    ),
    (
        'CreateToken',
        dict(expiresIn=10**12),
        'CreateToken of sso-session recro answered expiresIn 1000000000000, ' + LIFETIME + REDEEMED,
    ),
    # An access token that ends within a minute is not a login (the service gives hours).
    ('CreateToken', dict(expiresIn=1), 'CreateToken of sso-session recro answered expiresIn 1, ' + LIFETIME + REDEEMED),
    # A number botocore cannot make an int of: JSON's Infinity (what 1e400 reads as).
    (
        'CreateToken',
        dict(expiresIn=float('inf')),
        'CreateToken of sso-session recro answered what botocore cannot read (its whole numbers: expiresIn): '
        + INFINITY
        + REDEEMED,
    ),
    (
        'StartDeviceAuthorization',
        dict(interval=float('inf')),
        'StartDeviceAuthorization of sso-session recro answered what botocore cannot read (its whole numbers: '
        'expiresIn, interval): ' + INFINITY + NOT_STARTED,
    ),
    (
        'RegisterClient',
        dict(clientSecretExpiresAt=float('inf')),
        'RegisterClient of sso-session recro answered what botocore cannot read (its whole numbers: '
        'clientIdIssuedAt, clientSecretExpiresAt): ' + INFINITY + '; no file was written',
    ),
    # Secrets that a reader of the token file would refuse: never written, never shown.
    (
        'CreateToken',
        dict(accessToken='abc def'),
        'CreateToken of sso-session recro answered accessToken' + NOT_ASCII + REDEEMED,
    ),
    (
        'CreateToken',
        dict(accessToken='tok\u200bzero'),
        'CreateToken of sso-session recro answered accessToken' + NOT_ASCII + REDEEMED,
    ),
    (
        'CreateToken',
        dict(accessToken='a' * (2 << 20)),
        'CreateToken of sso-session recro answered accessToken (not shown) that is longer than 65536 characters'
        + REDEEMED,
    ),
    (
        'CreateToken',
        dict(refreshToken='r e f'),
        'CreateToken of sso-session recro answered refreshToken' + NOT_ASCII + REDEEMED,
    ),
    (
        'RegisterClient',
        dict(clientSecret='s e c'),
        'RegisterClient of sso-session recro answered clientSecret' + NOT_ASCII + '; no file was written',
    ),
    (
        'StartDeviceAuthorization',
        dict(deviceCode='dc with space'),
        'StartDeviceAuthorization of sso-session recro answered deviceCode' + NOT_ASCII + NOT_STARTED,
    ),
    (
        'CreateToken',
        dict(expiresIn='8h'),
        'CreateToken of sso-session recro answered what botocore cannot read (its whole numbers: expiresIn): '
        "invalid literal for int() with base 10: '8h'" + REDEEMED,
    ),
]


@pytest.mark.parametrize('operation, fields, message', BAD_ANSWERS)
def test_an_answer_of_the_service_is_checked_before_use(login, run_playbook, operation, fields, message):
    login.oidc.override(operation, **fields)
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(timeout=30), login.env)
    assert run.saved['failed'] and run.saved['status'] == 'failed', run.output
    assert run.saved['msg'] == message
    assert '\x1b' not in run.output and 'evil.example' not in run.output
    assert not login.token_file.exists()
    # Nothing half written: no pending code once it is redeemed or was never started, the registration whole or absent.
    names = {path.name for path in login.cache_files()}
    assert not [name for name in names if name.startswith('recro-aws-sso-pending-')]
    assert len(names) == (0 if operation == 'RegisterClient' else 1), names
    if names:
        assert_private(login)
    assert_no_secret(run, login)


def test_a_registration_that_expires_before_use_is_refused(login, run_playbook):
    soon = int(time.time()) + 600  # within the 15 minutes botocore keeps in hand
    login.oidc.override('RegisterClient', clientSecretExpiresAt=soon)
    run = run_playbook(login_task(timeout=30), login.env)
    assert run.saved['msg'] == (
        'RegisterClient of sso-session recro answered clientSecretExpiresAt {0}, which is not a time (in seconds since '
        '1970) more than 15 minutes and less than ten years from now: the registration could not be used; no file was '
        'written'.format(soon)
    )
    assert login.cache_files() == [] and login.oidc.count('StartDeviceAuthorization') == 0


def test_a_truncated_answer_is_refused_naming_the_call(login, run_playbook):
    login.oidc.answer_raw('CreateToken', b'{"accessToken": "aoa-cut-sh')
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(timeout=30), login.env)
    assert run.saved['msg'] == 'CreateToken of sso-session recro answered no accessToken' + REDEEMED
    assert 'aoa-cut-sh' not in run.output + json.dumps(run.saved)
    assert not login.token_file.exists()


@pytest.mark.parametrize(
    'body, what',
    [
        (b'null', "(a body that is not a JSON object): 'NoneType' object is not iterable"),
        (b'[]', "(a body that is not a JSON object): 'list' object has no attribute 'get'"),
        (
            b'[' * 100000 + b']' * 100000,
            '(JSON nested deeper than it reads): maximum recursion depth exceeded while decoding a JSON array from a '
            'unicode s...',
        ),
        (
            b'\xff\xfe{}',
            "(a body that is not UTF-8): 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
        ),
    ],
)
def test_a_token_answer_botocore_cannot_read_fails_naming_it_and_forgets_the_redeemed_code(
    login, run_playbook, body, what
):
    login.oidc.answer_raw('CreateToken', body)
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(timeout=30), login.env)
    assert run.saved['failed'] and run.saved['status'] == 'failed', run.output
    assert run.saved['msg'] == 'CreateToken of sso-session recro answered what botocore cannot read ' + what + REDEEMED
    assert 'Traceback' not in run.output
    assert not login.token_file.exists()
    assert not [path for path in login.cache_files() if path.name.startswith('recro-aws-sso-pending-')]
    assert_private(login)


def test_a_refresh_with_a_bad_answer_leaves_the_token_file_as_it_was(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    expire_soon(login, 300)
    before = login.token_file.read_bytes()
    login.oidc.override('CreateToken', expiresIn='soon')
    run = run_playbook(login_task(refresh_only=True), login.env)
    assert run.saved['msg'] == (
        'CreateToken of sso-session recro answered what botocore cannot read (its whole numbers: expiresIn): '
        "invalid literal for int() with base 10: 'soon'; the token file was not changed"
    )
    assert login.token_file.read_bytes() == before
    assert_private(login)


def test_a_refresh_the_service_fails_leaves_the_token_and_starts_no_login(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    expire_soon(login, 300)
    before = login.token_file.read_bytes()
    failed = 'CreateToken of sso-session recro failed refreshing its token: InternalServerException; the token file was not changed'
    for task in (login_task(refresh_only=True), login_task(wait=False)):
        login.oidc.fail('CreateToken', 3)  # every attempt botocore makes
        run = run_playbook(task, login.env)
        assert run.saved['failed'] and run.saved['msg'] == failed, run.output
        assert login.token_file.read_bytes() == before
    assert login.oidc.count('StartDeviceAuthorization') == 1  # the first login's only
    # The service back: the same refresh token is still good.
    run = run_playbook(login_task(refresh_only=True), login.env)
    assert run.saved['status'] == 'refreshed', run.output


def test_a_refresh_token_of_another_type_is_not_sent_nor_shown(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    token = expire_soon(login, 300)
    token['refreshToken'] = {'secret-refresh': 'aor-not-a-string'}
    login.token_file.write_text(json.dumps(token), encoding='utf-8')
    calls = len(login.oidc.calls)
    run = run_playbook(login_task(refresh_only=True), login.env)
    assert run.returncode == 0, run.output
    assert run.saved['status'] == 'login_required'
    assert run.saved['msg'] == 'sso-session recro needs a new login (its token is expiring and cannot be refreshed)'
    assert len(login.oidc.calls) == calls and 'aor-not-a-string' not in run.output + json.dumps(run.saved)


def test_transient_failures_while_polling_do_not_end_the_login(login, run_playbook):
    login.oidc.fail('CreateToken', 5)  # more than botocore's attempts for one call
    approve_when_asked(login.oidc, after=1)
    run = run_playbook(login_task(timeout=60), login.env)
    assert run.saved['status'] == 'logged_in', run.output
    assert login.oidc.count('CreateToken') >= 6
    assert_private(login)


def test_a_connection_closed_without_an_answer_while_polling_does_not_end_the_login(login, run_playbook):
    login.oidc.drop('CreateToken', 3)  # every attempt of one poll: botocore raises ConnectionClosedError
    approve_when_asked(login.oidc, after=1)
    run = run_playbook(login_task(timeout=60), login.env)
    assert run.saved['status'] == 'logged_in', run.output
    assert (
        login.oidc.count('CreateToken') >= 4
        and login.oidc.grants()[-1] == 'urn:ietf:params:oauth:grant-type:device_code'
    )
    assert not [path for path in login.cache_files() if path.name.startswith('recro-aws-sso-pending-')]
    assert_private(login)


def registration_file(login):
    (path,) = [
        path for path in login.cache_files() if path != login.token_file and not path.name.startswith('recro-aws-sso-')
    ]
    return path


def test_a_registration_the_service_no_longer_knows_is_replaced_once(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    old = json.loads(registration_file(login).read_text(encoding='utf-8'))
    login.oidc.clients.clear()  # the service forgot it (deleted, rotated)
    run = run_playbook(login_task(force=True, wait=False), login.env)
    assert run.saved['status'] == 'pending' and run.saved['changed'], run.output
    new = json.loads(registration_file(login).read_text(encoding='utf-8'))
    assert new['clientId'] != old['clientId'] and new['clientId'] in login.oidc.clients
    assert login.oidc.count('RegisterClient') == 2 and login.oidc.count('StartDeviceAuthorization') == 3
    again = run_playbook(login_task(force=True, wait=False), login.env)
    assert again.saved['user_code'] == run.saved['user_code'] and login.oidc.count('RegisterClient') == 2
    assert_private(login)


def test_a_registration_the_service_refuses_as_soon_as_made_fails_naming_its_file(login, run_playbook):
    original = login.oidc._RegisterClient  # pylint: disable=protected-access

    def register_and_forget(body):
        answer = original(body)
        login.oidc.clients.clear()
        return answer

    login.oidc._RegisterClient = register_and_forget  # pylint: disable=protected-access
    run = run_playbook(login_task(wait=False), login.env)
    path = registration_cache_file(
        str(login.token_file.parents[3]), 'recro', START_URL, SSO_REGION, ['sso:account:access']
    )
    assert run.saved['failed'] and run.saved['msg'] == (
        'StartDeviceAuthorization of sso-session recro failed: InvalidClientException for the client registered '
        'just now; its registration file {0} was removed; no login was started'.format(path)
    ), run.output
    assert login.cache_files() == []
    assert login.oidc.count('RegisterClient') == 1


def test_leftovers_of_a_killed_write_are_removed_by_the_next_run(login, run_playbook):
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    cache = login.token_file.parent
    registration = registration_file(login)
    pending = 'recro-aws-sso-pending-' + login.token_file.name
    leftovers = [
        cache / ('.' + login.token_file.name + '.k1ll3d_a.tmp'),
        cache / ('.' + registration.name + '.k1ll3d_b.tmp'),
        cache / ('.' + pending + '.k1ll3d_c.tmp'),
    ]
    others = [cache / '.other.json.k1ll3d_d.tmp', cache / ('.' + login.token_file.name + '.short.tmp')]
    for path in leftovers + others:
        path.write_text(login.token_file.read_text(encoding='utf-8'), encoding='utf-8')
    before = login.token_file.read_bytes()
    run = run_playbook(login_task(), login.env)
    assert run.saved['status'] == 'valid' and not run.saved['changed'], run.output
    assert [path for path in leftovers if path.exists()] == []
    assert [path for path in others if path.exists()] == others  # not a temporary file of ours
    assert login.token_file.read_bytes() == before


def test_a_token_file_that_is_not_a_login_is_told_so(login, run_playbook):
    login.token_file.parent.mkdir(parents=True, mode=0o700)
    login.token_file.write_bytes(b'[1, 2]')
    run = run_playbook(login_task(refresh_only=True), login.env)
    assert run.saved['status'] == 'login_required', run.output
    assert run.saved['msg'] == (
        'sso-session recro needs a new login (its token cache cannot be used: the cache file holds no accessToken)'
    )
    login.token_file.write_bytes(b' ' * (1 << 20) + b'{}')
    run = run_playbook(login_task(refresh_only=True), login.env)
    assert run.saved['msg'] == (
        'sso-session recro needs a new login (its token cache cannot be used: {0} is larger than 1048576 bytes)'.format(
            login.token_file
        )
    )


def test_wait_false_never_hands_out_a_code_about_to_expire(aws_servers, run_playbook):
    with SsoOidc(on_access_token=aws_servers.portal.add_access_token, device_code_lifetime=32) as oidc:
        login = Login(aws_servers, oidc)
        first = run_playbook(login_task(wait=False), login.env).saved
        assert first['status'] == 'pending', first
        time.sleep(3)  # the code has less than 30 s left: no time for a person
        second = run_playbook(login_task(wait=False), login.env).saved
    assert second['status'] == 'pending' and second['changed'] and second['user_code'] != first['user_code']
    assert oidc.count('StartDeviceAuthorization') == 2


def test_the_cache_lock_is_free_while_the_person_approves(login, run_playbook):
    import fcntl

    seen = {}

    def take_the_lock_then_approve():
        deadline = time.monotonic() + 60
        while not login.oidc.pending_user_codes() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # the module is polling now
        descriptor = os.open(str(login.token_file.parent), os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises when the module holds it
            seen['locked'] = True
        finally:
            os.close(descriptor)
        login.oidc.approve(login.oidc.pending_user_codes()[0])

    thread = threading.Thread(target=take_the_lock_then_approve, daemon=True)
    thread.start()
    run = run_playbook(login_task(timeout=60), login.env)
    thread.join(5)
    assert seen.get('locked'), 'the lock was held while the person approved'
    assert run.saved['status'] == 'logged_in', run.output


STRAY_BROWSER = """#!{python}
# Another local user's requests to the loopback callback first: a connection that sends nothing,
# and a callback with another state. Then the person follows the authorize page.
import socket, sys, urllib.parse, urllib.request
url = sys.argv[1]
redirect = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))['redirect_uri']
port = urllib.parse.urlsplit(redirect).port
silent = socket.create_connection(('127.0.0.1', port))
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
try:
    opener.open(redirect + '?state=forged&code=stolen', timeout=30).read()
except Exception:
    pass
if {follow}:
    opener.open(url, timeout=30).read()
"""


def stray_desktop(login, tmp_path, follow):
    bin_dir = tmp_path / 'stray-bin'
    bin_dir.mkdir()
    script = bin_dir / 'xdg-open'
    python = shutil.which('python3') or '/usr/bin/python3'
    script.write_text(STRAY_BROWSER.format(python=python, follow=follow), encoding='utf-8')
    script.chmod(0o755)
    return dict(login.env, DISPLAY=':99', PATH=str(bin_dir) + os.pathsep + login.env['PATH'])


def test_stray_requests_to_the_loopback_callback_do_not_end_a_pkce_login(login, run_playbook, tmp_path):
    run = run_playbook(login_task(flow='pkce', timeout=60), stray_desktop(login, tmp_path, True))
    assert run.saved['status'] == 'logged_in', run.output
    assert login.oidc.grants() == ['authorization_code']


def test_a_silent_connection_to_the_loopback_does_not_hold_the_login_past_its_timeout(login, run_playbook, tmp_path):
    started = time.monotonic()
    run = run_playbook(login_task(flow='pkce', timeout=3), stray_desktop(login, tmp_path, False))
    elapsed = time.monotonic() - started
    assert run.saved['failed'] and run.saved['msg'].startswith('timeout: the browser did not come back to ')
    assert elapsed < 30, elapsed
    assert not login.token_file.exists()


DRIPPING_BROWSER = """#!{python}
# Another local user's connection to the loopback callback that sends its request a byte every
# two seconds, for a minute, from a process of its own.
import subprocess, sys, urllib.parse
redirect = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(sys.argv[1]).query))['redirect_uri']
port = urllib.parse.urlsplit(redirect).port
drip = (
    "import socket, sys, time\\n"
    "connection = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\\n"
    "for byte in b'GET /oauth/callback?state=x HTTP/1.1' * 2:\\n"
    "    connection.send(bytes([byte]))\\n"
    "    time.sleep(2)\\n"
)
subprocess.Popen([sys.executable, '-c', drip, str(port)], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""


def test_a_connection_that_sends_a_byte_at_a_time_does_not_hold_the_login_past_its_timeout(
    login, run_playbook, tmp_path
):
    bin_dir = tmp_path / 'dripping-bin'
    bin_dir.mkdir()
    script = bin_dir / 'xdg-open'
    script.write_text(DRIPPING_BROWSER.format(python=shutil.which('python3') or '/usr/bin/python3'), encoding='utf-8')
    script.chmod(0o755)
    env = dict(login.env, DISPLAY=':99', PATH=str(bin_dir) + os.pathsep + login.env['PATH'])
    started = time.monotonic()
    run = run_playbook(login_task(flow='pkce', timeout=3), env)
    elapsed = time.monotonic() - started
    assert run.saved['failed'] and run.saved['msg'].startswith('timeout: the browser did not come back to ')
    # timeout, then at most the 5 s a connection may take in all (the drip would hold it for a minute)
    assert elapsed < 30, elapsed
    assert not login.token_file.exists()


def user_with_config(user):
    """The home of ``user`` (a throwaway user), with the test's ``~/.aws/config``, the user's own."""
    home = pathlib.Path(user.pw_dir)
    (home / '.aws').mkdir(mode=0o700)
    (home / '.aws' / 'config').write_text(CONFIG, encoding='utf-8')
    for path in (home / '.aws', home / '.aws' / 'config'):
        os.chown(str(path), user.pw_uid, user.pw_gid)
    return home


@pytest.fixture
def python_only_root_runs():
    """This test environment's Python, as a virtual environment in a directory only root may enter: a module run
    with it as root for a user cannot hand anything to Python run as that user."""
    with tempfile.TemporaryDirectory(prefix='recro-root-python-') as directory:
        root = pathlib.Path(directory)
        root.chmod(0o700)
        (root / 'bin').mkdir()
        (root / 'bin' / 'python').symlink_to(sys.executable)
        # The environment's packages (ansible, botocore), found as a virtual environment finds its own.
        (root / 'lib').symlink_to(pathlib.Path(sys.prefix) / 'lib')
        shutil.copyfile(str(pathlib.Path(sys.prefix) / 'pyvenv.cfg'), str(root / 'pyvenv.cfg'))
        yield str(root / 'bin' / 'python')


@pytest.mark.skipif(os.geteuid() != 0, reason='root acts for another user')
def test_root_logs_in_and_refreshes_for_a_user_with_the_users_ids(login, run_playbook, python_only_root_runs):
    with throwaway_user() as user:
        home = user_with_config(user)
        task = login_task(user=user.pw_name, path='~/.aws/config', timeout=60)
        token_file = home / '.aws' / 'sso' / 'cache' / login.token_file.name
        assert as_user(user, [python_only_root_runs, '-c', 'print("ran")']) == ''
        approve_when_asked(login.oidc)

        run = run_playbook(task, login.env, interpreter=python_only_root_runs)

        assert run.saved['status'] == 'logged_in', run.output
        assert run.saved['token_file'] == str(token_file)
        for path in [token_file.parent] + sorted(token_file.parent.iterdir()):
            assert (path.stat().st_uid, path.stat().st_gid) == (user.pw_uid, user.pw_gid), path
            assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
        # A token that expires in minutes is refreshed, as root for the user: a call to AWS.
        token = json.loads(token_file.read_text(encoding='utf-8'))
        moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=300)
        token['expiresAt'] = moment.strftime('%Y-%m-%dT%H:%M:%SZ')
        token_file.write_text(json.dumps(token), encoding='utf-8')
        # What a killed write left, the user's: removed as the user, under the lock.
        leftover = token_file.parent / ('.' + token_file.name + '.k1ll3d_a.tmp')
        leftover.write_text(json.dumps(token), encoding='utf-8')
        os.chown(str(leftover), user.pw_uid, user.pw_gid)

        refreshed = run_playbook(
            login_task(user=user.pw_name, path='~/.aws/config', refresh_only=True),
            login.env,
            interpreter=python_only_root_runs,
        )

        assert refreshed.saved['status'] == 'refreshed', refreshed.output
        assert not leftover.exists()
        assert json.loads(token_file.read_text(encoding='utf-8'))['accessToken'] != token['accessToken']
        assert token_file.stat().st_uid == user.pw_uid and stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert not login.token_file.parent.exists()  # nothing in the home of the user the module ran as


def test_a_refresh_from_a_service_that_never_answers_ends_at_the_deadline(login, run_playbook):
    # What a timer's refresh-only run meets when the token endpoint accepts and never answers.
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(), login.env).saved['status'] == 'logged_in'
    expire_soon(login, 300)
    before = login.token_file.read_bytes()
    login.oidc.stall('CreateToken')
    started = time.monotonic()
    run = run_playbook(login_task(refresh_only=True), login.env)
    elapsed = time.monotonic() - started
    assert run.saved['failed'], run.output
    assert run.saved['msg'].startswith(
        'the sso-oidc service in us-east-1 did not finish CreateToken for sso-session recro within 45 s'
    ), run.saved['msg']
    assert run.saved['msg'].endswith('; the token file was not changed'), run.saved['msg']
    assert elapsed < 75, elapsed
    assert login.token_file.read_bytes() == before
    assert_private(login)
    assert_no_secret(run, login)


@pytest.mark.skipif(os.geteuid() != 0, reason='root acts for another user')
@pytest.mark.parametrize('expiring', [False, True])
def test_root_for_a_user_whose_token_file_another_user_owns_fails_before_any_call(login, run_playbook, expiring):
    # A file of a third user in the user's cache: not a login (a new login would run), or one about to expire
    # (a refresh would run). Either write would be refused: found out before the person approves, not after.
    with throwaway_user() as user, throwaway_user() as other:
        home = user_with_config(user)
        cache = home / '.aws' / 'sso' / 'cache'
        cache.mkdir(parents=True, mode=0o700)
        for path in (cache.parent, cache):
            os.chown(str(path), user.pw_uid, user.pw_gid)
        token_file = cache / login.token_file.name
        if expiring:
            approve_when_asked(login.oidc)
            task = login_task(user=user.pw_name, path='~/.aws/config', timeout=30)
            assert run_playbook(task, login.env).saved['status'] == 'logged_in'
            token = json.loads(token_file.read_text(encoding='utf-8'))
            moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=300)
            token['expiresAt'] = moment.strftime('%Y-%m-%dT%H:%M:%SZ')
            token_file.write_text(json.dumps(token), encoding='utf-8')
            login.oidc.calls.clear()
        else:
            token_file.write_text('{}', encoding='utf-8')
        token_file.chmod(0o644)
        os.chown(str(token_file), other.pw_uid, other.pw_gid)
        before = sorted((path.name, path.read_bytes()) for path in cache.iterdir())

        approve_when_asked(login.oidc)
        task = login_task(user=user.pw_name, path='~/.aws/config', timeout=30)
        # Check mode says what the run meets.
        checked = run_playbook(
            task.replace('      ignore_errors: true', '      ignore_errors: true\n      check_mode: true'), login.env
        )
        run = run_playbook(task, login.env)

        for result in (checked.saved, run.saved):
            assert result['failed'] and result['status'] == 'failed', run.output
            assert result['msg'] == (
                '{0}: is owned by {1}, not by {2} or root: refused, nothing was changed (replacing it would hand it '
                'to {2}; give it to {2} or remove it first)'.format(token_file, other.pw_name, user.pw_name)
            )
        assert login.oidc.calls == []
        assert sorted((path.name, path.read_bytes()) for path in cache.iterdir()) == before
        assert token_file.stat().st_uid == other.pw_uid


@pytest.mark.skipif(os.geteuid() != 0, reason='root acts for another user')
@pytest.mark.parametrize('options', [dict(refresh_only=True), dict(timeout=30)])
def test_root_for_a_user_whose_token_is_a_link_into_a_directory_of_roots_fails_naming_the_token_before_any_call(
    login, run_playbook, tmp_path, options
):
    with throwaway_user() as user:
        home = user_with_config(user)
        cache = home / '.aws' / 'sso' / 'cache'
        cache.mkdir(parents=True, mode=0o700)
        for path in (cache.parent, cache):
            os.chown(str(path), user.pw_uid, user.pw_gid)
        # Root's own login, in a directory the user cannot enter; the user links to it.
        roots = tmp_path / 'roots-cache'
        roots.mkdir(mode=0o700)
        target = roots / login.token_file.name
        target.write_text(json.dumps(dict(accessToken='aoa-roots-own-token', expiresAt='2099-01-01T00:00:00Z')))
        target.chmod(0o600)
        before = target.read_bytes()
        token_file = cache / login.token_file.name
        token_file.symlink_to(target)
        os.lchown(str(token_file), user.pw_uid, user.pw_gid)

        run = run_playbook(login_task(user=user.pw_name, path='~/.aws/config', **options), login.env)

        assert run.saved['failed'] and run.saved['status'] == 'failed', run.output
        assert run.saved['msg'] == (
            "{0}: what a killed write of it left cannot be looked for in {1}: Permission denied (as user {2!r}); "
            'nothing was changed, and no login was started'.format(token_file, roots, user.pw_name)
        )
        assert login.oidc.calls == []
        assert os.readlink(str(token_file)) == str(target) and target.read_bytes() == before
        assert sorted(path.name for path in cache.iterdir()) == [token_file.name]
        assert 'aoa-roots-own-token' not in run.output + json.dumps(run.saved)


@pytest.mark.skipif(os.geteuid() != 0, reason='root acts for another user')
def test_root_refuses_a_pkce_login_for_a_user_before_any_call_and_the_device_flow_works(login, run_playbook, tmp_path):
    with throwaway_user() as user:
        home = user_with_config(user)
        # A desktop in root's environment: it is not the user's, so no browser is opened there.
        env, log = fake_desktop(login, tmp_path)
        pkce = login_task(user=user.pw_name, path='~/.aws/config', flow='pkce', timeout=60)

        run = run_playbook(pkce, env)

        assert run.saved['failed'], run.output
        assert run.saved['msg'] == (
            "flow: pkce cannot log in user: {0} from root: the browser would be opened from root's environment "
            "(its DISPLAY), not on {0}'s desktop; run the task as {0} (become_user: {0}), or use flow: "
            'device_code'.format(user.pw_name)
        )
        assert login.oidc.calls == [] and not log.exists()
        cache = home / '.aws' / 'sso' / 'cache'
        assert not cache.exists() or list(cache.iterdir()) == []  # the lock's directory, and no file in it

        # The device flow, as root for the user, logs in; then a PKCE task finds the valid token, needing no browser.
        approve_when_asked(login.oidc)
        device = run_playbook(login_task(user=user.pw_name, path='~/.aws/config', timeout=60), env)
        assert device.saved['status'] == 'logged_in', device.output
        again = run_playbook(pkce, env)
        assert again.saved['status'] == 'valid' and not again.saved['changed'], again.output
        assert not log.exists()


# What aws_sso_login documents for timeout: each poll is given what is left of the wait, at least this many seconds
# (clients.MINIMUM_DEADLINE), so the wait ends within timeout plus this.
POLL_MINIMUM = 10
# The task's own cost on a shared machine (ansible-playbook starting, the calls before the wait): generous. A poll
# given the 45 s of any call, as before, ends the run later than this allows.
OVERHEAD = 20


def assert_the_wait_ended_within_its_bound(run, login, elapsed, timeout, token_file=None):
    assert run.saved['failed'], run.output
    code = login.oidc.pending_user_codes()[0]
    assert run.saved['msg'].startswith(
        'timeout: no approval of the code {0} at {1}/device?user_code={0} within {2} s for sso-session recro, and '
        'the last poll failed: the sso-oidc service in us-east-1 did not finish CreateToken for sso-session recro '
        'within {3} s, what was left of the wait (a whole operation may take 45 s: 3 attempts, 5 s to connect, '
        '15 s per read); the code stays valid until '.format(code, login.oidc.url, timeout, POLL_MINIMUM)
    ), run.saved['msg']
    assert elapsed < timeout + POLL_MINIMUM + OVERHEAD, elapsed
    assert not (token_file or login.token_file).exists()


@pytest.mark.parametrize('misbehaviour', ['stall', 'drip'])
def test_a_token_endpoint_that_stalls_while_the_person_approves_ends_the_wait_within_its_bound(
    login, run_playbook, misbehaviour
):
    # drip: every read gets a byte before the read timeout, so only the poll's deadline ends it.
    getattr(login.oidc, misbehaviour)('CreateToken')
    started = time.monotonic()
    run = run_playbook(login_task(timeout=5), login.env)
    assert_the_wait_ended_within_its_bound(run, login, time.monotonic() - started, 5)
    assert_private(login)
    assert_no_secret(run, login)


@pytest.mark.skipif(os.geteuid() != 0, reason='root acts for another user')
def test_root_for_a_user_a_stalled_token_endpoint_ends_the_wait_within_its_bound(login, run_playbook):
    with throwaway_user() as user:
        home = user_with_config(user)
        login.oidc.stall('CreateToken')
        started = time.monotonic()
        run = run_playbook(login_task(user=user.pw_name, path='~/.aws/config', timeout=5), login.env)
        token_file = home / '.aws' / 'sso' / 'cache' / login.token_file.name
        assert_the_wait_ended_within_its_bound(run, login, time.monotonic() - started, 5, token_file)
        # The pending authorization stays the user's, private: a later task may still finish it.
        for path in [token_file.parent] + sorted(token_file.parent.iterdir()):
            assert (path.stat().st_uid, path.stat().st_gid) == (user.pw_uid, user.pw_gid), path
            assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_cached_secrets_of_another_type_are_not_sent_nor_shown(login, run_playbook):
    # A registration and a pending authorization whose secrets are not strings: botocore would echo them in
    # "Invalid type for parameter clientSecret, value: ...". They are registered and started again instead.
    approve_when_asked(login.oidc)
    assert run_playbook(login_task(wait=False), login.env).saved['status'] == 'pending'
    for path in login.cache_files():
        entry = json.loads(path.read_text(encoding='utf-8'))
        for key in ('clientSecret', 'deviceCode'):
            if key in entry:
                entry[key] = {'planted': 'secret-of-another-type'}
        path.write_text(json.dumps(entry), encoding='utf-8')
    approve_when_asked(login.oidc)
    run = run_playbook(login_task(timeout=60), login.env)
    assert run.saved['status'] == 'logged_in', run.output
    assert 'secret-of-another-type' not in run.output + json.dumps(run.saved)
    assert login.oidc.count('RegisterClient') == 2 and login.oidc.count('StartDeviceAuthorization') == 2
    assert_private(login)


def test_a_token_endpoint_that_stalls_after_the_pkce_redirect_ends_the_login_within_its_bound(
    login, run_playbook, tmp_path
):
    env, dummy_log = fake_desktop(login, tmp_path)
    login.oidc.stall('CreateToken')
    started = time.monotonic()
    run = run_playbook(login_task(flow='pkce', timeout=5), env)
    elapsed = time.monotonic() - started
    assert run.saved['failed'], run.output
    assert run.saved['msg'] == (
        'the sso-oidc service in us-east-1 did not finish CreateToken for sso-session recro within {0} s, what was '
        'left of the wait (a whole operation may take 45 s: 3 attempts, 5 s to connect, 15 s per read); '
        'no token was written'.format(POLL_MINIMUM)
    )
    assert elapsed < 5 + POLL_MINIMUM + OVERHEAD, elapsed
    assert login.oidc.grants() == ['authorization_code'] and not login.token_file.exists()
    assert_private(login)
    assert_no_secret(run, login)


@pytest.mark.skipif(os.geteuid() != 0, reason='root acts for another user')
def test_root_for_a_user_a_refresh_from_a_service_that_never_answers_ends_at_the_deadline(login, run_playbook):
    with throwaway_user() as user:
        home = user_with_config(user)
        options = dict(user=user.pw_name, path='~/.aws/config')
        approve_when_asked(login.oidc)
        assert run_playbook(login_task(timeout=60, **options), login.env).saved['status'] == 'logged_in'
        token_file = home / '.aws' / 'sso' / 'cache' / login.token_file.name
        token = json.loads(token_file.read_text(encoding='utf-8'))
        moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=300)
        token['expiresAt'] = moment.strftime('%Y-%m-%dT%H:%M:%SZ')
        token_file.write_text(json.dumps(token), encoding='utf-8')  # the user's file still: written in place
        before = token_file.read_bytes()
        login.oidc.stall('CreateToken')
        started = time.monotonic()

        run = run_playbook(login_task(refresh_only=True, **options), login.env)

        assert run.saved['failed'], run.output
        assert run.saved['msg'].startswith(
            'the sso-oidc service in us-east-1 did not finish CreateToken for sso-session recro within 45 s, the '
            'deadline of the whole operation'
        ), run.saved['msg']
        assert time.monotonic() - started < 45 + OVERHEAD + 10, 'the deadline of one call, and the task around it'
        assert token_file.read_bytes() == before
        assert token_file.stat().st_uid == user.pw_uid and stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token['accessToken'] not in run.output + json.dumps(run.saved)
