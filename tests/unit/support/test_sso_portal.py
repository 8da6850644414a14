# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the local AWS servers that the end-to-end tests use.

IAM Identity Center's portal API and STS cannot be reached from here, so these tests run
real boto3/botocore clients, botocore's SSO credential provider and the real AWS CLI v2
against local servers speaking the real wire protocols (``tests/support/sso_portal.py``
and moto's server), and check that the clients read them as they read AWS.
"""

from __future__ import annotations

import copy
import json
import math
import os
import stat
import subprocess
import sys
import time

import boto3
import botocore.exceptions
import pytest

from ansible_collections.recro.aws_sso.tests.support.aws_servers import (
    DEFAULT_ORGANIZATION,
    SESSION_NAME,
    START_URL,
    clear_aws_environment,
    portal_process,
    token_cache_file,
    write_portal_state,
)
from ansible_collections.recro.aws_sso.tests.support.sso_portal import Account, Organization, SsoPortal

pytest_plugins = ['ansible_collections.recro.aws_sso.tests.support.aws_fixtures']

FIRST_ACCOUNT = DEFAULT_ORGANIZATION['accounts'][0]
AWS_CLI_V2 = '/usr/bin/aws'  # Debian's CLI v2; the `aws` first on PATH can be a pyenv shim of CLI v1


@pytest.fixture(autouse=True)
def without_callers_aws_settings(monkeypatch):
    """The developer's AWS_PROFILE, credentials or endpoints must not reach these clients."""
    clear_aws_environment(monkeypatch)


def sso_client(endpoint):
    return boto3.session.Session().client('sso', region_name='us-east-1', endpoint_url=endpoint)


def write_sso_profile(servers, profile='p', account_id=FIRST_ACCOUNT['accountId'], role_name='adminAccess'):
    """The config `aws configure sso` writes, for one profile of the `recro` session."""
    servers.config_file.parent.mkdir(parents=True, exist_ok=True)
    servers.config_file.write_text(
        '[profile %s]\nsso_session = %s\nsso_account_id = %s\nsso_role_name = %s\nregion = us-east-1\n'
        '[sso-session %s]\nsso_start_url = %s\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n'
        % (profile, SESSION_NAME, account_id, role_name, SESSION_NAME, START_URL),
        encoding='utf-8',
    )


def error_of(raised):
    """(error code, HTTP status) of a botocore ClientError."""
    return raised.value.response['Error']['Code'], raised.value.response['ResponseMetadata']['HTTPStatusCode']


@pytest.mark.parametrize('account_count, page_size', [(0, 2), (1, 2), (2, 2), (3, 2), (5, 1), (5, 100)])
def test_list_accounts_paginator_returns_every_account_in_order(account_count, page_size):
    accounts = [
        Account('%012d' % (index + 1), 'account-%d' % index, 'a%d@example.com' % index)
        for index in range(account_count)
    ]
    with SsoPortal(Organization('cwilson', accounts), page_size=page_size) as portal:
        token = portal.issue_access_token()
        pages = list(sso_client(portal.url).get_paginator('list_accounts').paginate(accessToken=token))

        listed = [item for page in pages for item in page['accountList']]
        assert listed == [
            {'accountId': a.account_id, 'accountName': a.account_name, 'emailAddress': a.email_address}
            for a in accounts
        ]
        assert len(pages) == max(1, math.ceil(account_count / page_size))
        requests = portal.requests_for('ListAccounts')
        assert len(requests) == len(pages)
        assert all(request.token_valid for request in requests)
        assert ['next_token' in request.query for request in requests] == [False] + [True] * (len(pages) - 1)


def test_page_size_sends_max_result(aws_servers):
    token = aws_servers.portal.issue_access_token()
    paginator = sso_client(aws_servers.sso_endpoint).get_paginator('list_accounts')

    pages = list(paginator.paginate(accessToken=token, PaginationConfig={'PageSize': 1}))

    assert [len(page['accountList']) for page in pages] == [1, 1, 1]
    assert [request.query['max_result'] for request in aws_servers.portal.requests_for('ListAccounts')] == [
        '1',
        '1',
        '1',
    ]


def test_list_account_roles_paginator_returns_every_role(aws_servers):
    token = aws_servers.portal.issue_access_token()
    paginator = sso_client(aws_servers.sso_endpoint).get_paginator('list_account_roles')

    pages = list(paginator.paginate(accessToken=token, accountId=FIRST_ACCOUNT['accountId']))

    assert [role for page in pages for role in page['roleList']] == [
        {'roleName': role_name, 'accountId': FIRST_ACCOUNT['accountId']} for role_name in FIRST_ACCOUNT['roles']
    ]
    requests = aws_servers.portal.requests_for('ListAccountRoles')
    assert len(requests) == 2
    assert {request.query['account_id'] for request in requests} == {FIRST_ACCOUNT['accountId']}


@pytest.mark.parametrize(
    'operation, parameters',
    [
        ('list_accounts', {}),
        ('list_account_roles', {'accountId': FIRST_ACCOUNT['accountId']}),
        ('get_role_credentials', {'accountId': FIRST_ACCOUNT['accountId'], 'roleName': 'adminAccess'}),
        ('logout', {}),
    ],
)
def test_wrong_token_is_unauthorized(aws_servers, operation, parameters):
    aws_servers.portal.issue_access_token()
    client = sso_client(aws_servers.sso_endpoint)

    with pytest.raises(client.exceptions.UnauthorizedException) as raised:
        getattr(client, operation)(accessToken='not-a-token-the-portal-issued', **parameters)

    assert error_of(raised) == ('UnauthorizedException', 401)
    assert raised.value.response['Error']['Message'] == 'Session token not found or invalid'
    assert [request.token_valid for request in aws_servers.portal.requests] == [False]


@pytest.mark.parametrize(
    'operation, parameters, expected',
    [
        ('list_account_roles', {'accountId': '999999999999'}, ('ResourceNotFoundException', 404)),
        # botocore checks only the model's minimum, so the real portal's maximum is checked there, as here.
        ('list_accounts', {'maxResults': 101}, ('InvalidRequestException', 400)),
        ('list_accounts', {'nextToken': 'made-up'}, ('InvalidRequestException', 400)),
        # The real portal answers a role the user does not have with ForbiddenException, which is not in the model.
        ('get_role_credentials', {'accountId': '333333333333', 'roleName': 'adminAccess'}, ('ForbiddenException', 403)),
        ('get_role_credentials', {'accountId': '999999999999', 'roleName': 'readOnly'}, ('ForbiddenException', 403)),
    ],
)
def test_error_responses_parse_as_the_real_services(aws_servers, operation, parameters, expected):
    token = aws_servers.portal.issue_access_token()

    with pytest.raises(botocore.exceptions.ClientError) as raised:
        getattr(sso_client(aws_servers.sso_endpoint), operation)(accessToken=token, **parameters)

    assert error_of(raised) == expected
    assert raised.value.response['Error']['Message']


def test_next_token_of_one_listing_is_refused_by_another(aws_servers):
    token = aws_servers.portal.issue_access_token()
    client = sso_client(aws_servers.sso_endpoint)
    next_token = client.list_accounts(accessToken=token)['nextToken']

    with pytest.raises(client.exceptions.InvalidRequestException):
        client.list_account_roles(accessToken=token, accountId=FIRST_ACCOUNT['accountId'], nextToken=next_token)


def test_role_credentials_are_those_of_the_assumed_permission_set_role(aws_servers):
    token = aws_servers.portal.issue_access_token()

    credentials = sso_client(aws_servers.sso_endpoint).get_role_credentials(
        accessToken=token, accountId='222222222222', roleName='readOnly'
    )['roleCredentials']
    identity = (
        boto3.session.Session()
        .client(
            'sts',
            region_name='us-east-1',
            endpoint_url=aws_servers.sts_endpoint,
            aws_access_key_id=credentials['accessKeyId'],
            aws_secret_access_key=credentials['secretAccessKey'],
            aws_session_token=credentials['sessionToken'],
        )
        .get_caller_identity()
    )

    assert identity['Account'] == '222222222222'
    assert identity['Arn'] == aws_servers.organization.assumed_role_arn('222222222222', 'readOnly')
    assert identity['Arn'].startswith('arn:aws:sts::222222222222:assumed-role/AWSReservedSSO_readOnly_')
    assert identity['Arn'].endswith('/cwilson')
    assert identity['UserId'].startswith('AROA') and identity['UserId'].endswith(':cwilson')
    # expiration is in epoch milliseconds: STS's default session of an hour from now.
    assert 3500 < credentials['expiration'] / 1000 - time.time() <= 3600


def test_revoked_role_is_no_longer_listed_nor_issued(aws_servers):
    token = aws_servers.portal.issue_access_token()
    client = sso_client(aws_servers.sso_endpoint)
    client.get_role_credentials(accessToken=token, accountId='222222222222', roleName='adminAccess')
    aws_servers.portal.clear_requests()

    aws_servers.organization.revoke_role('222222222222', 'adminAccess')

    assert client.list_account_roles(accessToken=token, accountId='222222222222')['roleList'] == [
        {'roleName': 'readOnly', 'accountId': '222222222222'}
    ]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.get_role_credentials(accessToken=token, accountId='222222222222', roleName='adminAccess')
    assert error_of(raised) == ('ForbiddenException', 403)
    assert [(request.operation, request.status) for request in aws_servers.portal.requests] == [
        ('ListAccountRoles', 200),
        ('GetRoleCredentials', 403),
    ]


def test_organization_changes_show_in_the_next_listing(aws_servers):
    token = aws_servers.portal.issue_access_token()
    client = sso_client(aws_servers.sso_endpoint)

    aws_servers.organization.remove_account('333333333333')
    aws_servers.organization.add_account(
        Account('444444444444', 'recrocog-data', 'aws-data@recrocog.com', ['readOnly'])
    )
    aws_servers.organization.grant_role('444444444444', 'dataEngineer')

    accounts = [
        account
        for page in client.get_paginator('list_accounts').paginate(accessToken=token)
        for account in page['accountList']
    ]
    assert [account['accountId'] for account in accounts] == ['111111111111', '222222222222', '444444444444']
    roles = client.list_account_roles(accessToken=token, accountId='444444444444')['roleList']
    assert [role['roleName'] for role in roles] == ['readOnly', 'dataEngineer']


def test_logout_ends_the_token(aws_servers):
    token = aws_servers.portal.issue_access_token()
    client = sso_client(aws_servers.sso_endpoint)

    client.logout(accessToken=token)

    with pytest.raises(client.exceptions.UnauthorizedException):
        client.list_accounts(accessToken=token)
    assert token not in aws_servers.portal.access_tokens


def test_logout_records_the_token_it_received_accepted_or_not(aws_servers):
    token, other = aws_servers.portal.issue_access_token(), aws_servers.portal.issue_access_token()
    client = sso_client(aws_servers.sso_endpoint)

    client.logout(accessToken=token)
    with pytest.raises(client.exceptions.UnauthorizedException):
        client.logout(accessToken=token)  # a second Logout with the same token is refused, and recorded

    assert aws_servers.portal.logout_tokens == [token, token]
    assert [request.token_valid for request in aws_servers.portal.requests_for('Logout')] == [True, False]
    assert other in aws_servers.portal.access_tokens  # another session's token still works
    client.list_accounts(accessToken=other)


def test_log_in_writes_the_token_cache_as_the_cli_does(aws_servers):
    token = aws_servers.log_in()

    path = aws_servers.home / '.aws' / 'sso' / 'cache' / '45d381266c424b0fced87ecdc2d0c8162cd58a9c.json'
    assert aws_servers.token_cache_file() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding='utf-8')) == token
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
    assert token['startUrl'] == START_URL and token['region'] == 'us-east-1'
    assert token['accessToken'] in aws_servers.portal.access_tokens


def test_token_cache_file_is_named_by_the_sha1_of_the_session_name(tmp_path):
    # The example of the reference on the AWS config format.
    assert token_cache_file(tmp_path, 'my-sso').name == '0ad374308c5a4e22f723adf10145eafad7c4031c.json'


def test_botocore_sso_credential_provider_resolves_the_profile(aws_servers, monkeypatch):
    write_sso_profile(aws_servers, account_id='222222222222', role_name='readOnly')
    aws_servers.log_in()
    aws_servers.use_in_process(monkeypatch)
    # botocore 1.44 needs only the AWS_ENDPOINT_URL_* variables; the rule-set override is for the old CLI.
    monkeypatch.delenv('AWS_DATA_PATH')

    identity = boto3.Session(profile_name='p').client('sts').get_caller_identity()

    assert identity['Account'] == '222222222222'
    assert identity['Arn'] == aws_servers.organization.assumed_role_arn('222222222222', 'readOnly')
    [request] = aws_servers.portal.requests
    assert (request.operation, request.query, request.token_valid) == (
        'GetRoleCredentials',
        {'account_id': '222222222222', 'role_name': 'readOnly'},
        True,
    )


def test_expired_token_without_refresh_token_fails_as_expired(aws_servers, monkeypatch):
    write_sso_profile(aws_servers)
    aws_servers.log_in(expired=True, refreshable=False)
    aws_servers.use_in_process(monkeypatch)

    with pytest.raises(botocore.exceptions.TokenRetrievalError, match='Token has expired and refresh failed'):
        boto3.Session(profile_name='p').client('sts').get_caller_identity()
    assert aws_servers.portal.requests == []


def test_expired_token_refresh_stays_on_this_machine(aws_servers, monkeypatch):
    write_sso_profile(aws_servers)
    aws_servers.log_in(expired=True)
    aws_servers.use_in_process(monkeypatch)

    with pytest.raises(botocore.exceptions.TokenRetrievalError):
        boto3.Session(profile_name='p').client('sts').get_caller_identity()
    # botocore tried sso-oidc CreateToken (POST /token), which the portal does not implement.
    assert [(request.method, request.path, request.status) for request in aws_servers.portal.requests] == [
        ('POST', '/token', 404)
    ]


def test_subprocess_environment_resolves_the_profile_without_the_callers_credentials(aws_servers, monkeypatch):
    write_sso_profile(aws_servers)
    aws_servers.log_in()
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'AKIAOFTHEDEVELOPER000')
    monkeypatch.setenv('AWS_PROFILE', 'developers-own-profile')
    program = 'import boto3, json; print(json.dumps(boto3.Session(profile_name="p").client("sts").get_caller_identity()["Arn"]))'

    result = subprocess.run(
        [sys.executable, '-c', program], env=aws_servers.env, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == aws_servers.organization.assumed_role_arn(
        FIRST_ACCOUNT['accountId'], 'adminAccess'
    )
    assert 'AWS_ACCESS_KEY_ID' not in aws_servers.env and 'AWS_PROFILE' not in aws_servers.env
    assert aws_servers.env['AWS_EC2_METADATA_DISABLED'] == 'true'


def aws_cli_v2_version():
    if not os.access(AWS_CLI_V2, os.X_OK):
        return None
    version = subprocess.run([AWS_CLI_V2, '--version'], capture_output=True, text=True, check=False).stdout
    return version if version.startswith('aws-cli/2.') else None


@pytest.mark.skipif(
    aws_cli_v2_version() is None, reason='needs AWS CLI v2 at /usr/bin/aws (Debian 12: apt-get install awscli)'
)
def test_aws_cli_v2_resolves_the_profile(aws_servers):
    write_sso_profile(aws_servers, account_id='333333333333', role_name='readOnly')
    aws_servers.log_in()

    # CLI 2.9.19 ignores AWS_ENDPOINT_URL_*; it reaches both servers through AWS_DATA_PATH, in env.
    result = subprocess.run(
        [AWS_CLI_V2, 'sts', 'get-caller-identity', '--profile', 'p', '--output', 'json'],
        env=aws_servers.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity['Account'] == '333333333333'
    assert identity['Arn'] == aws_servers.organization.assumed_role_arn('333333333333', 'readOnly')
    assert [request.operation for request in aws_servers.portal.requests] == ['GetRoleCredentials']


def test_portal_program_serves_its_state_file_and_rereads_it(tmp_path, moto_sts_endpoint):
    state_file = tmp_path / 'state.json'
    state = dict(copy.deepcopy(DEFAULT_ORGANIZATION), accessTokens=['token-of-cwilson'])  # the test changes it
    write_portal_state(state_file, state)

    with portal_process(state_file, sts_endpoint=moto_sts_endpoint) as endpoints:
        assert endpoints['AWS_ENDPOINT_URL_STS'] == moto_sts_endpoint
        client = sso_client(endpoints['AWS_ENDPOINT_URL_SSO'])
        roles = client.list_account_roles(accessToken='token-of-cwilson', accountId='222222222222', maxResults=10)[
            'roleList'
        ]
        assert [role['roleName'] for role in roles] == ['adminAccess', 'readOnly']

        state['accounts'][1] = dict(state['accounts'][1], roles=['readOnly'])
        write_portal_state(state_file, state)

        roles = client.list_account_roles(accessToken='token-of-cwilson', accountId='222222222222')['roleList']
        assert [role['roleName'] for role in roles] == ['readOnly']
        credentials = client.get_role_credentials(
            accessToken='token-of-cwilson', accountId='222222222222', roleName='readOnly'
        )['roleCredentials']
        assert credentials['accessKeyId'].startswith('ASIA')


def test_portal_program_can_run_its_own_sts(tmp_path):
    state_file = tmp_path / 'state.json'
    write_portal_state(state_file, dict(DEFAULT_ORGANIZATION, accessTokens=['token-of-cwilson']))

    with portal_process(state_file, moto_sts=True) as endpoints:
        credentials = sso_client(endpoints['AWS_ENDPOINT_URL_SSO']).get_role_credentials(
            accessToken='token-of-cwilson', accountId='333333333333', roleName='readOnly'
        )['roleCredentials']
        identity = (
            boto3.session.Session()
            .client(
                'sts',
                region_name='us-east-1',
                endpoint_url=endpoints['AWS_ENDPOINT_URL_STS'],
                aws_access_key_id=credentials['accessKeyId'],
                aws_secret_access_key=credentials['secretAccessKey'],
                aws_session_token=credentials['sessionToken'],
            )
            .get_caller_identity()
        )

    assert identity['Arn'] == Organization.from_dict(DEFAULT_ORGANIZATION).assumed_role_arn('333333333333', 'readOnly')


def test_portal_program_refuses_a_bad_state_file(tmp_path):
    state_file = tmp_path / 'state.json'
    write_portal_state(
        state_file,
        {'userName': 'cwilson', 'accounts': [{'accountId': '12', 'accountName': 'x', 'emailAddress': 'x@example.com'}]},
    )

    with pytest.raises(RuntimeError, match='account id must be 12 digits'):
        with portal_process(state_file):
            pass  # pragma: no cover


def test_made_up_credentials_without_sts():
    with SsoPortal(Organization.from_dict(DEFAULT_ORGANIZATION)) as portal:
        credentials = sso_client(portal.url).get_role_credentials(
            accessToken=portal.issue_access_token(), accountId=FIRST_ACCOUNT['accountId'], roleName='billing'
        )['roleCredentials']

    assert credentials['accessKeyId'].startswith('ASIA') and len(credentials['accessKeyId']) == 20
    assert isinstance(credentials['expiration'], int)
