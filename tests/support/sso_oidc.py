# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for the IAM Identity Center OIDC service (``sso-oidc``) for tests.

The real service cannot be reached from tests. This server on 127.0.0.1 speaks the REST-JSON
protocol of botocore's ``sso-oidc/2019-06-10`` model: ``POST /client/register``
(RegisterClient), ``POST /device_authorization`` (StartDeviceAuthorization), ``POST /token``
(CreateToken with the device-code, authorization-code and refresh-token grants), and the
``GET /authorize`` page of the PKCE flow, which redirects to the client's ``redirect_uri`` with
``code`` and ``state``. Errors are HTTP 400/401 with the ``x-amzn-ErrorType`` header and a body
``{"error": "authorization_pending", "error_description": ...}``, so that botocore raises
``AuthorizationPendingException`` and the others.

The test plays the person at the browser: ``approve(user_code)`` or ``deny(user_code)``;
``slow_down(n)`` answers the next n device-code polls with ``slow_down``. A broken or hostile
service, per operation: ``override(operation, field=value)`` changes (or, with ``REMOVE``, drops)
fields of every later answer; ``fail(operation, n)`` answers the next n calls with a 500;
``answer_raw(operation, body)`` sends ``body`` (bytes, say truncated JSON) instead of the answer;
``drop(operation, n)`` closes the connection of the next n calls without an answer (botocore's
``ConnectionClosedError``);
``stall(operation)`` accepts its requests and never answers (until the server stops);
``drip(operation, seconds)`` sends each answer one byte every ``seconds`` (every read gets a byte
before a read timeout, so only a deadline of the whole call ends it).
``calls`` logs every operation (``count('RegisterClient')``, ``grants()``). Each access token issued is handed to
``on_access_token`` (the portal stand-in's ``add_access_token``) so the portal accepts it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import json
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

from .sso_portal import _Buffer

# Debian's AWS CLI v2 (2.9.19): the device flow only.
AWS_CLI = '/usr/bin/aws'

DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
_ERRORS = {
    # error code in the body: (HTTP status, botocore error shape)
    'authorization_pending': (400, 'AuthorizationPendingException'),
    'slow_down': (400, 'SlowDownException'),
    'expired_token': (400, 'ExpiredTokenException'),
    'access_denied': (400, 'AccessDeniedException'),
    'invalid_grant': (400, 'InvalidGrantException'),
    'invalid_client': (401, 'InvalidClientException'),
    'invalid_request': (400, 'InvalidRequestException'),
    'unsupported_grant_type': (400, 'UnsupportedGrantTypeException'),
    'server_error': (500, 'InternalServerException'),
}
_OPERATIONS = {
    '/client/register': 'RegisterClient',
    '/device_authorization': 'StartDeviceAuthorization',
    '/token': 'CreateToken',
}
# An answer field the test removes with ``override(operation, field=REMOVE)``.
REMOVE = object()


class OidcError(Exception):
    def __init__(self, error: str, description: str):
        super().__init__(description)
        self.error = error
        self.description = description


class SsoOidc:
    """The service's state and its HTTP server (``with SsoOidc(...) as oidc:``; ``oidc.url``)."""

    def __init__(
        self,
        *,
        on_access_token=None,
        token_lifetime: int = 8 * 3600,
        registration_lifetime: int = 90 * 24 * 3600,
        device_code_lifetime: int = 600,
        interval: int = 1,
        issue_refresh_tokens: bool = True,
        approve_at_once: bool = False,
        port: int = 0,
    ):
        self.on_access_token = on_access_token
        self.token_lifetime = token_lifetime
        self.registration_lifetime = registration_lifetime
        self.device_code_lifetime = device_code_lifetime
        self.interval = interval
        self.issue_refresh_tokens = issue_refresh_tokens
        # Where no test plays the person (a Molecule scenario's container): every code is approved as it is shown.
        self.approve_at_once = approve_at_once
        self.clients = {}
        self.devices = {}  # device code -> dict(userCode, clientId, state, expires)
        self.codes = {}  # authorization code -> dict(clientId, redirectUri, challenge)
        self.refresh_tokens = {}  # refresh token -> client id
        self.calls = []  # (operation, details)
        self.poll_times = []
        self._slow_downs = 0
        self._overrides = {}  # operation -> {field: value or REMOVE}
        self._failures = {}  # operation -> how many more calls answer 500
        self._raw = {}  # operation -> bytes sent instead of the answer
        self._drops = {}  # operation -> how many more calls have their connection closed unanswered
        self._stalled = set()  # operations whose requests are never answered
        self._dripping = {}  # operation -> seconds between the bytes of its answers
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', port), _handler(self))
        self._server.daemon_threads = True
        self._thread = None

    @property
    def url(self) -> str:
        return 'http://127.0.0.1:%d' % self._server.server_address[1]

    def __enter__(self) -> SsoOidc:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopped.set()  # ends the requests that stall
        self._server.shutdown()
        self._server.server_close()

    # What the test does as the person at the browser.
    def _device_by_user_code(self, user_code):
        with self._lock:
            for device in self.devices.values():
                if device['userCode'] == user_code:
                    return device
        raise KeyError(user_code)

    def approve(self, user_code: str) -> None:
        self._device_by_user_code(user_code)['state'] = 'approved'

    def deny(self, user_code: str) -> None:
        self._device_by_user_code(user_code)['state'] = 'denied'

    def expire(self, user_code: str) -> None:
        self._device_by_user_code(user_code)['expires'] = time.time() - 1

    def slow_down(self, count: int) -> None:
        self._slow_downs = count

    def override(self, operation: str, **fields) -> None:
        self._overrides.setdefault(operation, {}).update(fields)

    def fail(self, operation: str, count: int) -> None:
        self._failures[operation] = count

    def answer_raw(self, operation: str, body: bytes) -> None:
        self._raw[operation] = body

    def drop(self, operation: str, count: int) -> None:
        self._drops[operation] = count

    def dropping(self, path: str) -> bool:
        """Whether this call to ``path`` is to be left unanswered, its connection closed (counted)."""
        operation = _OPERATIONS.get(path)
        with self._lock:
            if self._drops.get(operation, 0) <= 0:
                return False
            self._drops[operation] -= 1
            self.calls.append((operation, {'dropped': True}))
            return True

    def stall(self, operation: str) -> None:
        self._stalled.add(operation)

    def drip(self, operation: str, seconds: float = 2.0) -> None:
        self._dripping[operation] = seconds

    def drip_seconds(self, path: str):
        """Seconds between the bytes of an answer to ``path``, or None to answer at once."""
        return self._dripping.get(_OPERATIONS.get(path))

    def drip_out(self, write, payload: bytes, seconds: float) -> None:
        """Send ``payload`` one byte every ``seconds`` through ``write``, until sent or the server stops."""
        for index in range(len(payload)):
            if self._stopped.wait(seconds):
                return
            write(payload[index : index + 1])

    def pending_user_codes(self) -> list:
        with self._lock:
            return [device['userCode'] for device in self.devices.values() if device['state'] == 'pending']

    def count(self, operation: str) -> int:
        return sum(1 for name, dummy in self.calls if name == operation)

    def grants(self) -> list:
        return [
            details['grantType'] for name, details in self.calls if name == 'CreateToken' and 'grantType' in details
        ]

    # The operations.
    def handle(self, path: str, body: dict) -> dict:
        operation = _OPERATIONS.get(path)
        if operation is None:
            raise OidcError('invalid_request', 'no such operation')
        details = (
            {'grantType': body.get('grantType')}
            if operation == 'CreateToken'
            else {key: body.get(key) for key in ('clientName', 'scopes', 'grantTypes')}
        )
        with self._lock:
            self.calls.append((operation, details))
            failing = self._failures.get(operation, 0) > 0
            if failing:
                self._failures[operation] -= 1
        if operation in self._stalled:
            self._stopped.wait()
            raise OidcError('server_error', 'stopped')
        if failing:
            raise OidcError('server_error', 'the service failed; try again')
        answer = getattr(self, '_' + operation)(body)
        if operation in self._raw:
            return self._raw[operation]
        for field, value in self._overrides.get(operation, {}).items():
            if value is REMOVE:
                answer.pop(field, None)
            else:
                answer[field] = value
        return answer

    def _RegisterClient(self, body):  # pylint: disable=invalid-name
        for key in ('clientName', 'clientType'):
            if not body.get(key):
                raise OidcError('invalid_request', key + ' is required')
        client_id = 'client-' + secrets.token_hex(8)
        now = int(time.time())
        self.clients[client_id] = dict(
            secret='secret-' + secrets.token_urlsafe(24),
            grantTypes=body.get('grantTypes'),
            redirectUris=body.get('redirectUris'),
            scopes=body.get('scopes'),
        )
        return {
            'clientId': client_id,
            'clientSecret': self.clients[client_id]['secret'],
            'clientIdIssuedAt': now,
            'clientSecretExpiresAt': now + self.registration_lifetime,
        }

    def _check_client(self, body):
        client = self.clients.get(body.get('clientId'))
        if client is None or client['secret'] != body.get('clientSecret'):
            raise OidcError('invalid_client', 'unknown client or wrong secret')
        return client

    def _StartDeviceAuthorization(self, body):  # pylint: disable=invalid-name
        self._check_client(body)
        device_code = 'device-' + secrets.token_urlsafe(24)
        user_code = '%s-%s' % (secrets.token_hex(2).upper(), secrets.token_hex(2).upper())
        with self._lock:
            self.devices[device_code] = dict(
                userCode=user_code,
                clientId=body['clientId'],
                state='approved' if self.approve_at_once else 'pending',
                expires=time.time() + self.device_code_lifetime,
            )
        return {
            'deviceCode': device_code,
            'userCode': user_code,
            'verificationUri': self.url + '/device',
            'verificationUriComplete': self.url + '/device?user_code=' + user_code,
            'expiresIn': self.device_code_lifetime,
            'interval': self.interval,
        }

    def _issue(self, client_id):
        token = 'aoa' + secrets.token_urlsafe(96)
        if self.on_access_token is not None:
            self.on_access_token(token)
        answer = {'accessToken': token, 'tokenType': 'Bearer', 'expiresIn': self.token_lifetime}
        if self.issue_refresh_tokens:
            refresh = 'aor' + secrets.token_urlsafe(64)
            self.refresh_tokens[refresh] = client_id
            answer['refreshToken'] = refresh
        return answer

    def _CreateToken(self, body):  # pylint: disable=invalid-name
        self._check_client(body)
        grant = body.get('grantType')
        if grant == DEVICE_GRANT:
            self.poll_times.append(time.monotonic())
            device = self.devices.get(body.get('deviceCode'))
            if device is None or device['clientId'] != body['clientId']:
                raise OidcError('invalid_grant', 'unknown device code')
            if time.time() > device['expires']:
                raise OidcError('expired_token', 'the device code has expired')
            if self._slow_downs > 0:
                self._slow_downs -= 1
                raise OidcError('slow_down', 'too many requests')
            if device['state'] == 'denied':
                raise OidcError('access_denied', 'the user denied the authorization')
            if device['state'] != 'approved':
                raise OidcError('authorization_pending', 'the user has not approved yet')
            del self.devices[body['deviceCode']]
            return self._issue(body['clientId'])
        if grant == 'refresh_token':
            if self.refresh_tokens.get(body.get('refreshToken')) != body['clientId']:
                raise OidcError('invalid_grant', 'unknown refresh token')
            return self._issue(body['clientId'])
        if grant == 'authorization_code':
            code = self.codes.pop(body.get('code'), None)
            if code is None or code['clientId'] != body['clientId'] or code['redirectUri'] != body.get('redirectUri'):
                raise OidcError('invalid_grant', 'unknown code or redirect URI')
            digest = hashlib.sha256(body.get('codeVerifier', '').encode('ascii')).digest()
            if base64.urlsafe_b64encode(digest).decode('ascii').rstrip('=') != code['challenge']:
                raise OidcError('invalid_grant', 'code verifier does not match')
            return self._issue(body['clientId'])
        raise OidcError('unsupported_grant_type', 'grant type not supported')

    def authorize(self, query: dict) -> str:
        """The PKCE authorize page, approved at once: the URL the browser is redirected to."""
        client = self.clients.get(query.get('client_id'))
        redirect_uri = query.get('redirect_uri', '')
        if client is None or 'authorization_code' not in (client['grantTypes'] or []):
            raise OidcError('invalid_client', 'unknown client')
        if query.get('response_type') != 'code' or query.get('code_challenge_method') != 'S256':
            raise OidcError('invalid_request', 'response_type code and S256 are required')
        parsed = urllib.parse.urlsplit(redirect_uri)
        if parsed.scheme != 'http' or parsed.hostname != '127.0.0.1' or parsed.path != '/oauth/callback':
            raise OidcError('invalid_request', 'redirect_uri must be a loopback callback')
        code = 'code-' + secrets.token_urlsafe(24)
        self.codes[code] = dict(
            clientId=query['client_id'], redirectUri=redirect_uri, challenge=query.get('code_challenge')
        )
        with self._lock:
            self.calls.append(('Authorize', {'scopes': query.get('scopes')}))
        return redirect_uri + '?' + urllib.parse.urlencode({'code': code, 'state': query.get('state', '')})


def _handler(service):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status, body, headers=()):
            data = body if isinstance(body, bytes) else json.dumps(body).encode('utf-8')
            seconds = service.drip_seconds(urllib.parse.urlsplit(self.path).path)
            connection_file = self.wfile
            if seconds is not None:
                self.wfile = _Buffer()  # the whole answer, status line and headers included, dripped below
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            if seconds is not None:
                answer, self.wfile = self.wfile.getvalue(), connection_file
                service.drip_out(self.connection.sendall, answer, seconds)

        def _error(self, error):
            status, shape = _ERRORS[error.error]
            self._send(
                status, {'error': error.error, 'error_description': error.description}, [('x-amzn-ErrorType', shape)]
            )

        def do_POST(self):  # pylint: disable=invalid-name
            length = int(self.headers.get('Content-Length') or 0)
            if service.dropping(urllib.parse.urlsplit(self.path).path):
                self.rfile.read(length)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            try:
                body = json.loads(self.rfile.read(length) or b'{}')
                self._send(200, service.handle(urllib.parse.urlsplit(self.path).path, body))
            except OidcError as error:
                self._error(error)

        def do_GET(self):  # pylint: disable=invalid-name
            parsed = urllib.parse.urlsplit(self.path)
            if parsed.path != '/authorize':
                self._send(404, {'error': 'invalid_request', 'error_description': 'not found'})
                return
            query = dict(urllib.parse.parse_qsl(parsed.query))
            try:
                location = service.authorize(query)
            except OidcError as error:
                self._error(error)
                return
            self.send_response(302)
            self.send_header('Location', location)
            self.send_header('Content-Length', '0')
            self.end_headers()

    return Handler


def aws_cli_login(oidc: SsoOidc, env: dict, session_name: str) -> subprocess.CompletedProcess:
    """``aws sso login --no-browser --sso-session NAME`` of the real AWS CLI against ``oidc``
    (``env`` points the CLI at it), with the test approving its code half a second after it
    is shown."""
    from .playbooks import approve_when_asked  # pylint: disable=import-outside-toplevel

    approve_when_asked(oidc, after=0.5)
    return subprocess.run(
        [AWS_CLI, 'sso', 'login', '--no-browser', '--sso-session', session_name],
        env=dict(env, BROWSER='true'),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=120,
        check=False,
    )


def main(argv=None) -> int:
    """Serve the stand-in until terminated, for a run that no test drives (a Molecule scenario):
    ``python3 -m <package>.sso_oidc --port 8490 --approve``."""
    parser = argparse.ArgumentParser(description='Serve a local IAM Identity Center OIDC service until terminated.')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--approve', action='store_true', help='approve every device code as it is shown')
    parser.add_argument('--token-lifetime', type=int, default=8 * 3600, help='seconds an access token lasts')
    args = parser.parse_args(argv)
    # SIGTERM ends the process the way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with SsoOidc(approve_at_once=args.approve, token_lifetime=args.token_lifetime, port=args.port) as oidc:
        print('AWS_ENDPOINT_URL_SSO_OIDC=%s' % oidc.url)
        sys.stdout.flush()
        try:
            oidc._thread.join()  # pylint: disable=protected-access
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
