# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local AWS IAM Identity Center portal (botocore service ``sso``) for tests.

The real portal cannot be reached from tests and moto does not implement it, so this
standard-library HTTP server speaks its REST-JSON wire protocol as botocore's model
``botocore/data/sso/2019-06-10/service-2.json`` defines it:

- ``GET /assignment/accounts`` (ListAccounts), ``GET /assignment/roles`` (ListAccountRoles),
  ``GET /federation/credentials`` (GetRoleCredentials), ``POST /logout`` (Logout);
- query parameters ``next_token``, ``max_result``, ``account_id``, ``role_name``;
- the access token in the ``x-amz-sso_bearer_token`` header (the operations are unsigned);
- errors as botocore's rest-json parser reads them: the ``x-amzn-ErrorType`` header, and
  ``__type``/``message`` in the body.

Where the real portal is known to differ from the model, it follows the real portal:
GetRoleCredentials for a role the user is not assigned answers 403 ``ForbiddenException``
"No access" (not in the model), and ``max_result`` outside 1-100 is rejected server-side.

Given an STS endpoint (moto's server), GetRoleCredentials hands out credentials of
``sts:AssumeRole`` on the permission set's role
``arn:aws:iam::<account>:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<role>_<suffix>``
with the user name as session name, so ``sts:GetCallerIdentity`` answers as for a real
SSO session. Without one it makes up credentials.

Run alone (beside ``ansible-playbook``, or by hand), it reads its state from a JSON file,
re-reads the file whenever it changes, and prints its URL as ``AWS_ENDPOINT_URL_SSO=...``::

    python tests/support/sso_portal.py --state state.json [--port 0] [--sts-endpoint URL | --moto-sts]
    python -m tests.support.sso_portal --org state.json ...    # the same, from the collection's root

The state file: ``{"userName": "alice", "accessTokens": ["..."], "accounts": [{"accountId":
"111122223333", "accountName": "dev", "emailAddress": "dev@example.com", "roles": ["ReadOnly"]}]}``.
Replace it atomically (write a temporary file, then rename) so the server never reads half of it.

This module imports only the standard library at the top, so it also runs as a script.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import re
import secrets
import signal
import string
import sys
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BEARER_TOKEN_HEADER = 'x-amz-sso_bearer_token'
# Where IAM Identity Center creates a permission set's role in each account.
PERMISSION_SET_ROLE_PATH = '/aws-reserved/sso.amazonaws.com/'
# The real portal answers InvalidRequestException for max_result outside this range.
MAX_RESULT_LIMIT = 100
# The real portal's error messages, as users have reported them.
INVALID_TOKEN_MESSAGE = 'Session token not found or invalid'
NO_ACCESS_MESSAGE = 'No access'
RESULT_SIZE_MESSAGE = 'ResultSize parameter must be within the valid limits of: 1-%d' % MAX_RESULT_LIMIT
# AWS's services put a namespace after ':' in x-amzn-ErrorType and before '#' in __type, and
# botocore strips both; the portal's own namespace is not documented, this one is illustrative.
ERROR_TYPE_SUFFIX = ':http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/'
ERROR_TYPE_PREFIX = 'com.amazonaws.switchboard.portal#'

ACCOUNT_ID_PATTERN = re.compile(r'^[0-9]{12}$')
STS_REGION = 'us-east-1'


@dataclass
class Account:
    """An AWS account of the organisation and the roles (permission sets) the user has in it."""

    account_id: str
    account_name: str
    email_address: str
    role_names: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not ACCOUNT_ID_PATTERN.match(self.account_id):
            raise ValueError('account id must be 12 digits: %r' % (self.account_id,))

    @classmethod
    def from_dict(cls, data: dict) -> Account:
        return cls(str(data['accountId']), data['accountName'], data['emailAddress'], list(data.get('roles', [])))

    def to_dict(self) -> dict:
        return {
            'accountId': self.account_id,
            'accountName': self.account_name,
            'emailAddress': self.email_address,
            'roles': list(self.role_names),
        }


class Organization:
    """The accounts and roles assigned to one portal user; safe to change while the portal serves.

    Every reader gets a copy taken under the lock, so a test can grant or revoke between
    two requests, or during a paginated listing, without the server seeing half a change.
    """

    def __init__(self, user_name: str, accounts=()):
        self.user_name = user_name
        self._accounts = {}
        self._lock = threading.RLock()
        for account in accounts:
            self.add_account(account)

    @classmethod
    def from_dict(cls, data: dict) -> Organization:
        return cls(data['userName'], [Account.from_dict(item) for item in data.get('accounts', [])])

    def to_dict(self) -> dict:
        return {'userName': self.user_name, 'accounts': [account.to_dict() for account in self.accounts()]}

    def accounts(self) -> list[Account]:
        with self._lock:
            return [
                Account(a.account_id, a.account_name, a.email_address, list(a.role_names))
                for a in self._accounts.values()
            ]

    def account(self, account_id: str) -> Account | None:
        with self._lock:
            account = self._accounts.get(account_id)
            return (
                None
                if account is None
                else Account(account.account_id, account.account_name, account.email_address, list(account.role_names))
            )

    def add_account(self, account: Account) -> None:
        with self._lock:
            if account.account_id in self._accounts:
                raise ValueError('account %s is already in the organization' % account.account_id)
            self._accounts[account.account_id] = account

    def remove_account(self, account_id: str) -> None:
        with self._lock:
            del self._accounts[account_id]

    def grant_role(self, account_id: str, role_name: str) -> None:
        with self._lock:
            roles = self._accounts[account_id].role_names
            if role_name not in roles:
                roles.append(role_name)

    def revoke_role(self, account_id: str, role_name: str) -> None:
        with self._lock:
            self._accounts[account_id].role_names.remove(role_name)

    @staticmethod
    def role_arn(account_id: str, role_name: str) -> str:
        """The ARN of the IAM role that IAM Identity Center provisions for a permission set."""
        return 'arn:aws:iam::%s:role%s%s' % (
            account_id,
            PERMISSION_SET_ROLE_PATH,
            reserved_role_name(account_id, role_name),
        )

    def assumed_role_arn(self, account_id: str, role_name: str) -> str:
        """What ``sts get-caller-identity`` reports as ``Arn`` for this user in that role."""
        return 'arn:aws:sts::%s:assumed-role/%s/%s' % (
            account_id,
            reserved_role_name(account_id, role_name),
            self.user_name,
        )


def reserved_role_name(account_id: str, role_name: str) -> str:
    """``AWSReservedSSO_<permission set>_<16 hex digits>``; the suffix is stable per account and role, like the real one."""
    suffix = hashlib.sha1(('%s/%s' % (account_id, role_name)).encode('utf-8')).hexdigest()[:16]
    return 'AWSReservedSSO_%s_%s' % (role_name, suffix)


@dataclass(frozen=True)
class PortalRequest:
    """One request as the portal saw it, for tests to assert on."""

    operation: str
    method: str
    path: str
    query: dict
    token_valid: bool | None  # None: no bearer token header at all
    status: int


class PortalError(Exception):
    """An error response in the shape botocore's rest-json parser reads."""

    def __init__(self, status: int, error_type: str, message: str):
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _made_up_role_credentials() -> dict:
    """Credentials shaped like STS's, for a portal that has no STS endpoint to ask."""
    alphabet = string.ascii_uppercase + string.digits
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    return {
        'accessKeyId': 'ASIA' + ''.join(secrets.choice(alphabet) for dummy in range(16)),
        'secretAccessKey': secrets.token_urlsafe(30),
        'sessionToken': secrets.token_urlsafe(96),
        'expiration': int(expiration.timestamp() * 1000),
    }


class StsRoleCredentialSource:
    """Gets role credentials from an STS endpoint, as the real portal does from STS.

    The portal assumes the permission set's role in the target account. moto (5.x) files the
    assumed role under the account in the role ARN and later answers GetCallerIdentity for those
    keys with ``arn:aws:sts::<account>:assumed-role/<last part of the role ARN>/<session name>``.
    The role itself is created in IAM first, in the target account (moto's
    ``x-moto-account-id`` header), so the identity's ``UserId`` is the role's stable id.
    """

    def __init__(self, sts_endpoint: str):
        # Imported here so that the portal without STS needs only the standard library.
        import botocore.session  # pylint: disable=import-outside-toplevel
        from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel

        self._client_error = ClientError
        # A session that ignores the caller's AWS_PROFILE, config and credential files: the
        # portal's own calls must not depend on the laptop being simulated.
        # (Each entry: name in the config file, environment variable, default, conversion.)
        session = botocore.session.Session(
            session_vars={
                'profile': (None, None, None, None),
                'config_file': (None, None, os.devnull, None),
                'credentials_file': (None, None, os.devnull, None),
            }
        )
        client_args = {
            'endpoint_url': sts_endpoint,
            'region_name': STS_REGION,
            'aws_access_key_id': 'AKIAPORTALSERVICE000',
            'aws_secret_access_key': 'portal-service-secret',
        }
        self._sts = session.create_client('sts', **client_args)
        self._iam = session.create_client('iam', **client_args)
        self._iam.meta.events.register('before-sign.iam.CreateRole', self._address_target_account)
        self._target_account = threading.local()

    def _address_target_account(self, request, **kwargs):
        request.headers['x-moto-account-id'] = self._target_account.account_id

    def _ensure_role(self, account_id: str, reserved_name: str) -> None:
        # Not remembered between calls: moto's state can be reset under us (moto's mock_aws
        # clears all backends), and EntityAlreadyExists is the cheap answer when it was not.
        self._target_account.account_id = account_id
        try:
            self._iam.create_role(
                RoleName=reserved_name,
                Path=PERMISSION_SET_ROLE_PATH,
                AssumeRolePolicyDocument=json.dumps(
                    {
                        'Version': '2012-10-17',
                        'Statement': [
                            {
                                'Effect': 'Allow',
                                'Principal': {
                                    'Federated': 'arn:aws:iam::%s:saml-provider/AWSSSO_local_DO_NOT_DELETE' % account_id
                                },
                                'Action': ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
                            }
                        ],
                    }
                ),
            )
        except self._client_error as error:
            if error.response['Error']['Code'] != 'EntityAlreadyExists':
                raise

    def __call__(self, organization: Organization, account_id: str, role_name: str) -> dict:
        self._ensure_role(account_id, reserved_role_name(account_id, role_name))
        credentials = self._sts.assume_role(
            RoleArn=organization.role_arn(account_id, role_name), RoleSessionName=organization.user_name
        )['Credentials']
        return {
            'accessKeyId': credentials['AccessKeyId'],
            'secretAccessKey': credentials['SecretAccessKey'],
            'sessionToken': credentials['SessionToken'],
            'expiration': int(credentials['Expiration'].timestamp() * 1000),
        }


class SsoPortal:
    """The portal: its state (organization, valid access tokens), its request log and its HTTP server.

    The state comes from ``organization`` (tokens from ``issue_access_token()``), or from
    ``state_file``, which is then re-read whenever it changes. ``page_size`` is what a listing
    returns when the client sends no ``max_result``; it is small by default so that tests see
    several pages. Use as a context manager, or ``start()``/``stop()``.
    """

    def __init__(
        self,
        organization: Organization | None = None,
        *,
        sts_endpoint: str | None = None,
        page_size: int = 2,
        host: str = '127.0.0.1',
        port: int = 0,
        state_file: str | None = None,
    ):
        if (organization is None) == (state_file is None):
            raise ValueError('give either an organization or a state file')
        if not 1 <= page_size <= MAX_RESULT_LIMIT:
            raise ValueError('page_size must be within 1-%d' % MAX_RESULT_LIMIT)
        self.organization = organization
        self.page_size = page_size
        self._role_credentials = StsRoleCredentialSource(sts_endpoint) if sts_endpoint else None
        self._access_tokens = set()
        self._page_tokens = {}  # opaque next_token -> (listing, offset of the next item)
        self._requests = []
        self._logout_tokens = []  # the bearer token of every Logout received, valid or not
        self._lock = threading.Lock()
        # A misbehaviour of the service for some operations: see stall() and drip().
        self._misbehaviour = None
        self._refusals = {}  # operation -> (status, error type, message): see refuse()
        self._stopped = threading.Event()
        self._state_file = state_file
        self._state_file_signature = None
        self.reload_state_file()  # a bad file fails here, not on the first request
        self._http = ThreadingHTTPServer((host, port), _PortalRequestHandler)
        self._http.daemon_threads = True
        self._http.portal = self
        self._thread = None

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return 'http://%s:%d' % (host, port)

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the command-line program)."""
        self._http.serve_forever()

    def start(self) -> SsoPortal:
        """Serve in a background thread."""
        # A short poll interval: stop() waits for the serving loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={'poll_interval': 0.05}, name='sso-portal', daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()  # ends the answers that stall or drip
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
            self._thread = None
        self._http.server_close()

    def __enter__(self) -> SsoPortal:
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # A service that hangs: for the deadline tests.
    def stall(self, operations=None) -> None:
        """From now on, accept the requests of ``operations`` (default: all) and never answer."""
        self._misbehaviour = ('stall', 0, frozenset(operations) if operations else None)

    def drip(self, seconds: float = 2.0, operations=None) -> None:
        """From now on, answer the requests of ``operations`` (default: all) one byte every
        ``seconds``: each read gets a byte before a read timeout, so only a deadline ends it."""
        self._misbehaviour = ('drip', seconds, frozenset(operations) if operations else None)

    def refuse(self, operation: str, status: int, error_type: str, message: str) -> None:
        """From now on, answer every request of ``operation`` with the error ``error_type`` (HTTP
        ``status``) and ``message``, as the service words its errors: a hostile or broken service's
        text (huge, with line breaks, escapes, or the request's own token in it)."""
        self._refusals[operation] = (status, error_type, message)

    def behave(self) -> None:
        """Answer normally again."""
        self._misbehaviour = None
        self._refusals.clear()

    def misbehaviour_for(self, operation: str):
        """``('stall' | 'drip', seconds)`` for ``operation``, or None."""
        misbehaviour = self._misbehaviour
        if misbehaviour is None or (misbehaviour[2] is not None and operation not in misbehaviour[2]):
            return None
        return misbehaviour[:2]

    def hang(self, operation: str, method: str, path: str, query: dict) -> None:
        """Log a request that will not be answered, then wait until the portal stops."""
        with self._lock:
            self._requests.append(PortalRequest(operation, method, path, dict(query), None, 0))
        self._stopped.wait()

    def drip_out(self, write, payload: bytes, seconds: float) -> None:
        """Send ``payload`` one byte every ``seconds`` through ``write``, until sent or the portal stops."""
        for index in range(len(payload)):
            if self._stopped.wait(seconds):
                return
            write(payload[index : index + 1])

    # Access tokens: what `aws sso login` would have obtained from the OIDC service.
    def issue_access_token(self) -> str:
        token = 'aoa' + secrets.token_urlsafe(96)  # real ones are long opaque strings
        self.add_access_token(token)
        return token

    def add_access_token(self, token: str) -> None:
        with self._lock:
            self._access_tokens.add(token)

    def revoke_access_token(self, token: str) -> None:
        """The token stops working, as after Logout or when the portal session ends."""
        with self._lock:
            self._access_tokens.discard(token)

    @property
    def access_tokens(self) -> frozenset:
        with self._lock:
            return frozenset(self._access_tokens)

    # The request log.
    @property
    def requests(self) -> list[PortalRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, operation: str) -> list[PortalRequest]:
        return [request for request in self.requests if request.operation == operation]

    @property
    def logout_tokens(self) -> list:
        """The bearer token (None: no header) of each Logout received, in order, accepted or not."""
        with self._lock:
            return list(self._logout_tokens)

    def clear_requests(self) -> None:
        with self._lock:
            del self._requests[:]

    def load_state(self, state: dict) -> None:
        organization = Organization.from_dict(state)
        with self._lock:
            self.organization = organization
            self._access_tokens = set(state.get('accessTokens', []))

    def reload_state_file(self) -> None:
        """Load the state file if it changed since the last load (every request calls this)."""
        if self._state_file is None:
            return
        status = os.stat(self._state_file)
        signature = (status.st_ino, status.st_mtime_ns, status.st_size)
        if signature != self._state_file_signature:
            with open(self._state_file, encoding='utf-8') as state_file:
                self.load_state(json.load(state_file))
            self._state_file_signature = signature

    def handle(self, method: str, path: str, query: dict, bearer_token: str | None) -> dict | None:
        """Answer one request with its JSON body (None: no body), or raise PortalError. Logs the request."""
        operation = _OPERATIONS.get((method, path), 'Unknown')
        token_valid = None
        status = 200
        try:
            self.reload_state_file()
            with self._lock:
                token_valid = None if bearer_token is None else bearer_token in self._access_tokens
                if operation == 'Logout':
                    self._logout_tokens.append(bearer_token)
            if operation == 'Unknown':
                raise PortalError(404, 'UnknownOperationException', 'No operation %s %s' % (method, path))
            if operation in self._refusals:
                raise PortalError(*self._refusals[operation])
            if not token_valid:
                raise PortalError(401, 'UnauthorizedException', INVALID_TOKEN_MESSAGE)
            operations = {
                'ListAccounts': self._list_accounts,
                'ListAccountRoles': self._list_account_roles,
                'GetRoleCredentials': self._get_role_credentials,
                'Logout': self._logout,
            }
            return operations[operation](query, bearer_token)
        except PortalError as error:
            status = error.status
            raise
        finally:
            with self._lock:
                self._requests.append(PortalRequest(operation, method, path, dict(query), token_valid, status))

    def _list_accounts(self, query, bearer_token):
        accounts = self.organization.accounts()
        page, next_token = self._page(('accounts',), accounts, query)
        body = {
            'accountList': [
                {'accountId': a.account_id, 'accountName': a.account_name, 'emailAddress': a.email_address}
                for a in page
            ]
        }
        if next_token:
            body['nextToken'] = next_token
        return body

    def _list_account_roles(self, query, bearer_token):
        account_id = _required(query, 'account_id')
        account = self.organization.account(account_id)
        if account is None:
            raise PortalError(404, 'ResourceNotFoundException', 'Account %s not found' % account_id)
        page, next_token = self._page(('roles', account_id), account.role_names, query)
        body = {'roleList': [{'roleName': role_name, 'accountId': account_id} for role_name in page]}
        if next_token:
            body['nextToken'] = next_token
        return body

    def _get_role_credentials(self, query, bearer_token):
        account_id = _required(query, 'account_id')
        role_name = _required(query, 'role_name')
        account = self.organization.account(account_id)
        if account is None or role_name not in account.role_names:
            raise PortalError(403, 'ForbiddenException', NO_ACCESS_MESSAGE)
        if self._role_credentials is None:
            credentials = _made_up_role_credentials()
        else:
            credentials = self._role_credentials(self.organization, account_id, role_name)
        return {'roleCredentials': credentials}

    def _logout(self, query, bearer_token):
        self.revoke_access_token(bearer_token)
        return None

    def _page(self, listing: tuple, items: list, query: dict) -> tuple[list, str | None]:
        """One page of a listing and the opaque token for the next one (None on the last page)."""
        limit = self.page_size
        if 'max_result' in query:
            try:
                limit = int(query['max_result'])
            except ValueError:
                raise PortalError(400, 'InvalidRequestException', RESULT_SIZE_MESSAGE) from None
            if not 1 <= limit <= MAX_RESULT_LIMIT:
                raise PortalError(400, 'InvalidRequestException', RESULT_SIZE_MESSAGE)
        offset = 0
        if 'next_token' in query:
            with self._lock:
                token_listing, offset = self._page_tokens.get(query['next_token'], (None, 0))
            if token_listing != listing:
                raise PortalError(400, 'InvalidRequestException', 'Invalid next token')
        end = offset + limit
        if end >= len(items):
            return items[offset:], None
        next_token = secrets.token_urlsafe(48)
        with self._lock:
            self._page_tokens[next_token] = (listing, end)
        return items[offset:end], next_token


_OPERATIONS = {
    ('GET', '/assignment/accounts'): 'ListAccounts',
    ('GET', '/assignment/roles'): 'ListAccountRoles',
    ('GET', '/federation/credentials'): 'GetRoleCredentials',
    ('POST', '/logout'): 'Logout',
}


def _required(query: dict, name: str) -> str:
    if not query.get(name):
        raise PortalError(400, 'InvalidRequestException', 'Missing required parameter: %s' % name)
    return query[name]


class _Buffer(bytearray):
    """What the handler writes, kept to be sent later (a drip)."""

    def write(self, data):
        self.extend(data)

    def getvalue(self):
        return bytes(self)


class _PortalRequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length on every answer, so botocore's connection pool keeps its connection.
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        self._answer('GET')

    def do_POST(self):
        self._answer('POST')

    def _answer(self, method):
        # Drain the body (Logout sends an empty one) so the next request on this connection parses.
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        url = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        portal = self.server.portal
        misbehaviour = portal.misbehaviour_for(_OPERATIONS.get((method, url.path), 'Unknown'))
        if misbehaviour and misbehaviour[0] == 'stall':
            portal.hang(_OPERATIONS.get((method, url.path), 'Unknown'), method, url.path, query)
            return
        headers = {'x-amzn-RequestId': str(uuid.uuid4())}
        try:
            body = self.server.portal.handle(method, url.path, query, self.headers.get(BEARER_TOKEN_HEADER))
            status = 200
        except PortalError as error:
            status = error.status
            headers['x-amzn-ErrorType'] = error.error_type + ERROR_TYPE_SUFFIX
            body = {'__type': ERROR_TYPE_PREFIX + error.error_type, 'message': error.message}
        except Exception as error:  # a bug here must reach the test as an answer, not as a hung client
            status = 500
            headers['x-amzn-ErrorType'] = 'InternalServerException'
            body = {'message': '%s: %s' % (type(error).__name__, error)}
        payload = b'' if body is None else json.dumps(body).encode('utf-8')
        connection_file = self.wfile
        if misbehaviour:  # the whole answer, status line and headers included, a byte at a time
            self.wfile = _Buffer()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if body is not None:
            self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        if misbehaviour:
            answer, self.wfile = self.wfile.getvalue(), connection_file
            portal.drip_out(self.connection.sendall, answer, misbehaviour[1])

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass  # the request log is kept in SsoPortal.requests; stderr stays quiet


def start_moto_server():
    """Start moto's server on 127.0.0.1 in a thread of this process; returns (server, URL). Stop it with ``server.stop()``."""
    import logging  # pylint: disable=import-outside-toplevel

    from moto.server import ThreadedMotoServer  # pylint: disable=import-outside-toplevel

    # werkzeug logs every request at INFO; the portal's own requests to moto are not news.
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)
    server.start()
    return server, 'http://%s:%d' % server.get_host_and_port()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Serve a local AWS SSO portal API until terminated.')
    parser.add_argument(
        '--state',
        '--org',
        dest='state',
        required=True,
        help='JSON file with userName, accounts and accessTokens; re-read when it changes',
    )
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--page-size', type=int, default=2, help='page size when the client sends no max_result')
    sts = parser.add_mutually_exclusive_group()
    sts.add_argument('--sts-endpoint', help="STS endpoint (moto's server) to get role credentials from")
    sts.add_argument('--moto-sts', action='store_true', help="also start moto's server here and use it for STS")
    args = parser.parse_args(argv)

    moto_server = None
    sts_endpoint = args.sts_endpoint
    if args.moto_sts:
        moto_server, sts_endpoint = start_moto_server()
    portal = SsoPortal(
        sts_endpoint=sts_endpoint, page_size=args.page_size, host=args.host, port=args.port, state_file=args.state
    )
    # SIGTERM (what a test harness sends) ends the process the way Ctrl-C does, through the finally below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        print('AWS_ENDPOINT_URL_SSO=%s' % portal.url)
        if sts_endpoint:
            print('AWS_ENDPOINT_URL_STS=%s' % sts_endpoint)
        sys.stdout.flush()
        portal.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
        if moto_server is not None:
            moto_server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
