# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Log in to an ``[sso-session]`` as ``aws sso login`` does, leaving its files.

Pure logic: the ``sso-oidc`` client, the clock, ``sleep`` and the file access
are passed in, so that this module needs neither Ansible nor boto3. What it
returns never holds a token, a refresh token, a client secret or a device code.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import secrets
import string
import uuid
from urllib.parse import urlencode

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ServiceError
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import DEFAULT_SCOPES
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import (
    BOTOCORE_REFRESH_WINDOW,
    describe_token,
    parse_timestamp,
)

DEVICE_CODE = "device_code"
PKCE = "pkce"
FLOWS = (DEVICE_CODE, PKCE)
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# botocore and the CLI register again 15 minutes before a registration expires.
REGISTRATION_MARGIN = 15 * 60
DEFAULT_INTERVAL = 5
SLOW_DOWN_STEP = 5
PKCE_GRANT_TYPES = ["authorization_code", "refresh_token"]
REDIRECT_PATH = "/oauth/callback"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"


class LoginError(ServiceError):
    """A login that cannot go on; the message is fit to show (no secret)."""


def format_time(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(TIME_FORMAT)


def _expires_after(text, now, margin):
    try:
        return parse_timestamp(text) > now + datetime.timedelta(seconds=margin)
    except ValueError:
        return False


def registration_usable(registration, flow, now):
    """Whether a cached registration serves ``flow`` for 15 more minutes."""
    if not isinstance(registration, dict) or not registration.get("clientId") or not registration.get("clientSecret"):
        return False
    if not _expires_after(registration.get("expiresAt"), now, REGISTRATION_MARGIN):
        return False
    has_code_grant = "authorization_code" in (registration.get("grantTypes") or [])
    return has_code_grant == (flow == PKCE)


def register_client(client, session_name, start_url, scopes, flow):
    """``RegisterClient`` as the CLI calls it for ``flow``; the registration cache entry."""
    arguments = {"clientName": "botocore-client-" + session_name, "clientType": "public"}
    if flow == PKCE:
        scopes = scopes or list(DEFAULT_SCOPES)
        arguments.update(
            grantTypes=list(PKCE_GRANT_TYPES),
            redirectUris=["http://127.0.0.1" + REDIRECT_PATH],
            issuerUrl=start_url,
            scopes=scopes,
        )
    elif scopes:
        arguments["scopes"] = scopes
    response = client.register_client(**arguments)
    expires_at = datetime.datetime.fromtimestamp(response["clientSecretExpiresAt"], datetime.timezone.utc)
    registration = {
        "clientId": response["clientId"],
        "clientSecret": response["clientSecret"],
        "expiresAt": format_time(expires_at),
        "scopes": scopes,
    }
    if flow == PKCE:
        registration["grantTypes"] = list(PKCE_GRANT_TYPES)
    return registration


def token_entry(response, start_url, region, registration, now, previous=None):
    """The token cache entry for a ``CreateToken`` answer, with the CLI's fields."""
    entry = {
        "startUrl": start_url,
        "region": region,
        "accessToken": response["accessToken"],
        "expiresAt": format_time(now + datetime.timedelta(seconds=int(response["expiresIn"]))),
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
        "registrationExpiresAt": registration.get("expiresAt") or registration.get("registrationExpiresAt"),
    }
    refresh_token = response.get("refreshToken") or (previous or {}).get("refreshToken")
    if refresh_token:
        entry["refreshToken"] = refresh_token
    return entry


def pending_usable(pending, registration, start_url, now):
    return (
        isinstance(pending, dict)
        and pending.get("clientId") == registration.get("clientId")
        and pending.get("startUrl") == start_url
        and pending.get("deviceCode")
        and _expires_after(pending.get("expiresAt"), now, 0)
    )


def start_device_authorization(client, registration, start_url, now):
    """``StartDeviceAuthorization``; the pending entry (device code included: keep it private)."""
    response = client.start_device_authorization(
        clientId=registration["clientId"], clientSecret=registration["clientSecret"], startUrl=start_url
    )
    return {
        "startUrl": start_url,
        "clientId": registration["clientId"],
        "deviceCode": response["deviceCode"],
        "userCode": response["userCode"],
        "verificationUri": response["verificationUri"],
        "verificationUriComplete": response["verificationUriComplete"],
        "expiresAt": format_time(now + datetime.timedelta(seconds=int(response["expiresIn"]))),
        "interval": int(response.get("interval") or DEFAULT_INTERVAL),
    }


def error_code(error):
    """The service's error code of a botocore ``ClientError`` (or ``None``)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def poll_device_token(client, registration, pending, deadline, clock, sleep, is_client_error):
    """``CreateToken`` with the device-code grant until the user answers, the code expires or ``deadline``."""
    interval = pending.get("interval") or DEFAULT_INTERVAL
    code_expires = parse_timestamp(pending["expiresAt"])
    while True:
        try:
            return client.create_token(
                grantType=DEVICE_GRANT,
                deviceCode=pending["deviceCode"],
                clientId=registration["clientId"],
                clientSecret=registration["clientSecret"],
            )
        except Exception as error:  # pylint: disable=broad-except
            if not is_client_error(error):
                raise
            code = error_code(error)
            if code == "SlowDownException":
                interval += SLOW_DOWN_STEP
            elif code != "AuthorizationPendingException":
                raise
        now = clock()
        if now >= code_expires:
            raise LoginError(
                "the device code expired at {0} before the login was approved".format(pending["expiresAt"])
            )
        if now + datetime.timedelta(seconds=interval) > deadline:
            raise TimedOut()
        sleep(interval)


class TimedOut(Exception):
    """No answer from the person before the timeout."""


def pkce_pair():
    """``(code_verifier, code_challenge)``: 64 characters, base64url(SHA-256) without padding."""
    verifier = "".join(secrets.choice(_VERIFIER_ALPHABET) for dummy in range(64))
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def new_state():
    return str(uuid.uuid4())


def authorize_url(endpoint_url, client_id, redirect_uri, state, scopes, challenge):
    """The page the browser opens, on the client's endpoint (``AWS_ENDPOINT_URL_SSO_OIDC`` included)."""
    query = urlencode(
        [
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("state", state),
            ("code_challenge_method", "S256"),
            ("scopes", " ".join(scopes)),
            ("code_challenge", challenge),
        ]
    )
    return endpoint_url.rstrip("/") + "/authorize?" + query


def dumps(data):
    return json.dumps(data, indent=None).encode("utf-8")


def loads(data):
    if data is None:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def token_state(token, now):
    """``describe_token`` with botocore's refresh window."""
    if token is None:
        return {"status": "missing"}
    return describe_token(token, now, BOTOCORE_REFRESH_WINDOW)


def can_refresh(token, start_url, description):
    return description.get("refreshable") and token.get("startUrl") == start_url


class Files:
    """The three cache files of one session, and how to read, write and remove them."""

    def __init__(self, token, registration, pending, read, write, remove):
        self.token = token
        self.registration = registration
        self.pending = pending
        self.read = read
        self.write = write
        self.remove = remove


class Login:
    """One run of the module: ``run()`` returns the result (changed, status, ...) or raises ``LoginError``.

    ``client()`` makes the ``sso-oidc`` client, only when a call is needed; ``is_client_error``
    tells a service error (botocore ``ClientError``) from the rest.
    """

    def __init__(self, params, session, files, client, clock, sleep, is_client_error, check_mode=False, browser=None):
        self.params = params
        self.session_name, self.start_url, self.region, self.scopes = session
        self.files = files
        self._client_factory = client
        self._client = None
        self.clock = clock
        self.sleep = sleep
        self.is_client_error = is_client_error
        self.check_mode = check_mode
        self.browser = browser

    @property
    def client(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def result(self, status, changed, msg, token=None, **extra):
        now = self.clock()
        description = token_state(token, now)
        usable = description["status"] in ("valid", "expiring")
        result = dict(
            changed=changed,
            status=status,
            flow=self.params["flow"],
            msg=msg,
            token_file=self.files.token,
            expires_at=description.get("expires_at"),
            usable=usable,
        )
        result.update(extra)
        return result

    def run(self):
        now = self.clock()
        token = loads(self.files.read(self.files.token))
        description = token_state(token, now)
        name = self.session_name
        if not self.params["force"]:
            if description["status"] == "valid" and token.get("startUrl") == self.start_url:
                return self.result(
                    "valid",
                    False,
                    "logged in to sso-session {0} until {1}".format(name, description["expires_at"]),
                    token,
                )
            if description["status"] in ("expiring", "expired") and can_refresh(token, self.start_url, description):
                if self.check_mode:
                    return self.result(
                        "refreshed", True, "check mode: would refresh the token of sso-session {0}".format(name), token
                    )
                refreshed = self.refresh(token, now)
                if refreshed is not None:
                    return self.result(
                        "refreshed",
                        True,
                        "refreshed the token of sso-session {0} until {1}".format(name, refreshed["expiresAt"]),
                        refreshed,
                    )
            if self.params["refresh_only"]:
                reason = (
                    "its token is missing"
                    if token is None
                    else "its token {0} and cannot be refreshed".format(
                        "has expired" if description.get("expired") else "is {0}".format(description["status"])
                    )
                )
                return self.result(
                    "login_required", False, "sso-session {0} needs a new login ({1})".format(name, reason), token
                )
        elif self.params["refresh_only"]:
            return self.result(
                "login_required",
                False,
                "sso-session {0}: force needs a new login, refresh_only forbids it".format(name),
                token,
            )
        if self.check_mode:
            return self.result(
                "login_required",
                True,
                "check mode: would log in to sso-session {0} with the {1} flow".format(name, self.params["flow"]),
                token,
            )
        registration = self.registration()
        if self.params["flow"] == PKCE:
            return self.pkce_login(registration)
        return self.device_login(registration)

    def refresh(self, token, now):
        try:
            response = self.client.create_token(
                grantType="refresh_token",
                refreshToken=token["refreshToken"],
                clientId=token["clientId"],
                clientSecret=token["clientSecret"],
            )
        except Exception as error:  # pylint: disable=broad-except
            if not self.is_client_error(error):
                raise
            return None
        entry = token_entry(
            response,
            self.start_url,
            self.region,
            {
                "clientId": token["clientId"],
                "clientSecret": token["clientSecret"],
                "expiresAt": token["registrationExpiresAt"],
            },
            now,
            token,
        )
        self.files.write(self.files.token, dumps(entry))
        return entry

    def registration(self):
        now = self.clock()
        flow = self.params["flow"]
        registration = loads(self.files.read(self.files.registration))
        if registration_usable(registration, flow, now):
            return registration
        registration = self.call(
            "RegisterClient", register_client, self.client, self.session_name, self.start_url, self.scopes, flow
        )
        self.files.write(self.files.registration, dumps(registration))
        return registration

    def call(self, operation, function, *arguments):
        try:
            return function(*arguments)
        except LoginError:
            raise
        except Exception as error:  # pylint: disable=broad-except
            if self.is_client_error(error):
                raise LoginError(
                    "{0} of sso-session {1} failed: {2}".format(operation, self.session_name, error_code(error))
                ) from None
            raise

    def save_token(self, response, registration):
        entry = token_entry(response, self.start_url, self.region, registration, self.clock())
        self.files.write(self.files.token, dumps(entry))
        return entry

    def device_login(self, registration):
        now = self.clock()
        pending = loads(self.files.read(self.files.pending))
        started = False
        if not pending_usable(pending, registration, self.start_url, now):
            pending = self.call(
                "StartDeviceAuthorization", start_device_authorization, self.client, registration, self.start_url, now
            )
            self.files.write(self.files.pending, dumps(pending))
            started = True
        shown = dict(
            verification_uri=pending["verificationUri"],
            verification_uri_complete=pending["verificationUriComplete"],
            user_code=pending["userCode"],
        )
        if not self.params["wait"]:
            msg = "open {0} and confirm the code {1} to log in to sso-session {2} (before {3})".format(
                pending["verificationUriComplete"], pending["userCode"], self.session_name, pending["expiresAt"]
            )
            result = self.result("pending", started, msg, **shown)
            result["expires_at"] = pending["expiresAt"]
            result["usable"] = False
            return result
        deadline = self.clock() + datetime.timedelta(seconds=self.params["timeout"])
        try:
            response = poll_device_token(
                self.client, registration, pending, deadline, self.clock, self.sleep, self.is_client_error
            )
        except TimedOut:
            raise LoginError(
                "timeout: no approval of the code {0} at {1} within {2} s for sso-session {3}; the code stays valid "
                "until {4}".format(
                    pending["userCode"],
                    pending["verificationUriComplete"],
                    self.params["timeout"],
                    self.session_name,
                    pending["expiresAt"],
                )
            ) from None
        except LoginError:
            self.files.remove(self.files.pending)
            raise
        except Exception as error:  # pylint: disable=broad-except
            if not self.is_client_error(error):
                raise
            self.files.remove(self.files.pending)
            code = error_code(error)
            if code == "ExpiredTokenException":
                raise LoginError(
                    "the device code of sso-session {0} expired before the login was approved".format(self.session_name)
                ) from None
            if code == "AccessDeniedException":
                raise LoginError(
                    "the login to sso-session {0} was denied at {1}".format(
                        self.session_name, pending["verificationUri"]
                    )
                ) from None
            raise LoginError("CreateToken of sso-session {0} failed: {1}".format(self.session_name, code)) from None
        entry = self.save_token(response, registration)
        self.files.remove(self.files.pending)
        return self.result(
            "logged_in",
            True,
            "logged in to sso-session {0} until {1}".format(self.session_name, entry["expiresAt"]),
            entry,
            **shown,
        )

    def pkce_login(self, registration):
        if not self.browser:
            raise LoginError(
                "flow: pkce needs a browser on this machine: a desktop session (DISPLAY or WAYLAND_DISPLAY on Linux, "
                "or macOS) and open_browser true; use flow: device_code from SSH or a headless host"
            )
        verifier, challenge = pkce_pair()
        state = new_state()
        scopes = registration.get("scopes") or self.scopes or list(DEFAULT_SCOPES)
        with LoopbackServer() as server:
            redirect_uri = server.redirect_uri
            url = authorize_url(
                self.client.meta.endpoint_url, registration["clientId"], redirect_uri, state, scopes, challenge
            )
            self.browser(url)
            deadline = self.clock() + datetime.timedelta(seconds=self.params["timeout"])

            def seconds_left():
                return (deadline - self.clock()).total_seconds()

            answer = server.wait(seconds_left)
        if answer is None:
            raise LoginError(
                "timeout: the browser did not come back to {0} within {1} s for sso-session {2} (authorize page: {3})".format(
                    redirect_uri, self.params["timeout"], self.session_name, url
                )
            )
        if answer.get("state") != state:
            raise LoginError(
                "the redirect to {0} carried a wrong state: refused (sso-session {1})".format(
                    redirect_uri, self.session_name
                )
            )
        if answer.get("error") or not answer.get("code"):
            raise LoginError(
                "the login to sso-session {0} was refused: {1}".format(
                    self.session_name, answer.get("error") or "no code"
                )
            )
        response = self.call(
            "CreateToken",
            lambda: self.client.create_token(
                grantType="authorization_code",
                code=answer["code"],
                codeVerifier=verifier,
                redirectUri=redirect_uri,
                clientId=registration["clientId"],
                clientSecret=registration["clientSecret"],
            ),
        )
        entry = self.save_token(response, registration)
        return self.result(
            "logged_in",
            True,
            "logged in to sso-session {0} until {1}".format(self.session_name, entry["expiresAt"]),
            entry,
        )


class LoopbackServer:
    """The redirect target of the PKCE flow: 127.0.0.1 only, a random port, one callback."""

    def __init__(self):
        import http.server  # pylint: disable=import-outside-toplevel

        answers = self.answers = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # pylint: disable=invalid-name
                from urllib.parse import parse_qsl, urlsplit  # pylint: disable=import-outside-toplevel

                parsed = urlsplit(self.path)
                if parsed.path != REDIRECT_PATH:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answers.append(dict(parse_qsl(parsed.query)))
                body = b"<html><body>Login complete: you can close this window.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)

    @property
    def redirect_uri(self):
        return "http://127.0.0.1:{0}{1}".format(self.server.server_address[1], REDIRECT_PATH)

    def wait(self, seconds_left):
        while not self.answers:
            left = seconds_left()
            if left <= 0:
                return None
            self.server.timeout = min(left, 1.0)
            self.server.handle_request()
        return self.answers[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.server.server_close()


_SECRET_WORDS = ("accessToken", "refreshToken", "clientSecret", "deviceCode", "codeVerifier")


def scrub(text):
    """An exception message without anything that looks like a secret of ours (botocore may echo parameters)."""
    import re  # pylint: disable=import-outside-toplevel

    for word in _SECRET_WORDS:
        text = re.sub(r"(['\"]?{0}['\"]?\s*[:=]\s*)['\"]?[^'\",\s}}]+".format(word), r"\1***", text)
    return text


def browser_opener(environ, wanted, platform=None):
    """A function that opens a URL in the desktop's browser, or ``None`` without a desktop session."""
    command = browser_command(environ, wanted, platform)
    if command is None:
        return None

    def open_url(url):
        import subprocess  # pylint: disable=import-outside-toplevel

        with open(os.devnull, "wb") as devnull:
            subprocess.Popen(command + [url], stdin=devnull, stdout=devnull, stderr=devnull)  # pylint: disable=consider-using-with

    return open_url


def browser_command(environ, wanted, platform=None):
    """The command that opens a URL on this desktop (``[program]``), or ``None`` without one."""
    import sys  # pylint: disable=import-outside-toplevel

    if not wanted:
        return None
    platform = platform or sys.platform
    if platform == "darwin":
        return ["open"]
    if platform.startswith("linux") and (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return ["xdg-open"]
    return None
