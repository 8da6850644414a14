# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Log in to an ``[sso-session]`` as ``aws sso login`` does, leaving its files.

Pure logic: the ``sso-oidc`` client, the clock, ``sleep``, the file access and the
cache lock are passed in, so that this module needs neither Ansible nor boto3. What
it returns never holds a token, a refresh token, a client secret or a device code.

Every answer of the service is checked before it is used or written (:class:`Answer`):
a field of the wrong type, a lifetime out of bounds, a URL to show on another host than
the session's own service fails the login naming the call and the field. The lock on
the cache is held while files are read and written, never while the person approves.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import os
import re
import secrets
import socket
import string
import threading
import uuid
from urllib.parse import urlencode, urlsplit

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import CONTROL_CHARACTERS
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import (
    NOTHING_CHANGED,
    FileError,
    ServiceError,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import FILE_LIMIT
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import DEFAULT_SCOPES
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import (
    BOTOCORE_REFRESH_WINDOW,
    describe_token,
    login_state,
    parse_timestamp,
    read_cached_token,
    usable_secret,
)

DEVICE_CODE = "device_code"
PKCE = "pkce"
FLOWS = (DEVICE_CODE, PKCE)
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# botocore and the CLI register again 15 minutes before a registration expires.
REGISTRATION_MARGIN = 15 * 60
# A pending device code with less left than this is not handed to a person: it would
# expire before they could approve it.
PENDING_MARGIN = 30
# The shortest device code lifetime shown to a person: one that ends within the margin
# would be handed out as pending already spent (wait: false).
MIN_CODE_LIFETIME = PENDING_MARGIN + 1
DEFAULT_INTERVAL = 5
SLOW_DOWN_STEP = 5
PKCE_GRANT_TYPES = ["authorization_code", "refresh_token"]
REDIRECT_PATH = "/oauth/callback"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
# The bounds of what the service may answer: a lifetime (a token, a device code) of a
# second to a year, a polling interval of a second to five minutes, a registration that
# ends within ten years.
MAX_LIFETIME = 366 * 24 * 3600
# An access token that ends within a minute would be written and reported logged in, yet
# be expired (not usable) by the next task: the service gives hours.
MIN_TOKEN_LIFETIME = 60
MAX_INTERVAL = 300
MAX_REGISTRATION = 10 * 366 * 24 * 3600
# Fields of an answer that are secrets: never shown, even when they are wrong.
SECRET_FIELDS = frozenset(("accessToken", "refreshToken", "clientSecret", "deviceCode", "idToken"))
# The longest token, secret, client id or device code taken from an answer. The service's
# are a few kilobytes; the token file holds four of them and is read back only up to
# FILE_LIMIT (1 MiB), so a longer one would write a login that every reader refuses.
SECRET_LIMIT = 64 * 1024
# What botocore raises when it cannot read an answer: ``int()`` of ``"600s"`` (ValueError),
# of a list (TypeError), of ``Infinity`` or ``1e400`` (OverflowError), a body that is not
# a JSON object (AttributeError, TypeError), JSON nested deeper than Python recurses.
UNREADABLE = (ValueError, TypeError, AttributeError, ArithmeticError, RecursionError)
# The CreateToken errors that say a refresh token, or the registration it belongs to, is
# no longer accepted (botocore's sso-oidc model): only a new login helps. Any other error
# (InternalServerException, SlowDownException, a 5xx) says nothing of the token.
NOT_REFRESHABLE = frozenset(
    (
        "AccessDeniedException",
        "ExpiredTokenException",
        "InvalidClientException",
        "InvalidGrantException",
        "InvalidRequestException",
        "InvalidScopeException",
        "UnauthorizedClientException",
        "UnsupportedGrantTypeException",
    )
)
# Poll errors after which the device code is of no more use, though another run waiting
# on the same code may have redeemed it and written the token.
CODE_SPENT = frozenset(("InvalidGrantException", "ExpiredTokenException"))
# What a person is shown as a code to confirm, and as an error of the PKCE redirect.
_USER_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
_PRINTABLE_URL = re.compile(r"[!-~]{1,2048}\Z")  # printable ASCII, no space


# What a failed call leaves, said at the end of its message.
NO_FILE_WRITTEN = "no file was written"
NOT_STARTED = "no login was started"
TOKEN_UNCHANGED = "the token file was not changed"
NO_TOKEN = "no token was written"
CODE_REDEEMED = "no token was written, and the approved code cannot be used again: log in again"


class LoginError(ServiceError):
    """A login that cannot go on; the message is fit to show (no secret)."""


class TimedOut(Exception):
    """No answer from the person before the timeout; ``last_failure``: the error of the last
    poll, when it failed (a service that stalls), else ``None``."""

    def __init__(self, last_failure=None):
        super().__init__()
        self.last_failure = last_failure


def format_time(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(TIME_FORMAT)


def _expires_after(text, now, margin):
    try:
        return parse_timestamp(text) > now + datetime.timedelta(seconds=margin)
    except ValueError:
        return False


def _shown(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _said(error):
    """What ``error`` says, escaped as repr() escapes (it may quote the service's answer),
    without the quotes, cut to 80 characters."""
    text = repr(str(error))[1:-1]
    return text if len(text) <= 80 else text[:77] + "..."


def _service_hosts(region):
    """The hosts of IAM Identity Center in ``region`` a person is sent to: its device
    verification page, its OIDC service (the PKCE authorization) and its portal; not every
    host of amazonaws.com, where anyone may publish pages (S3, API Gateway)."""
    hosts = set()
    for suffix in ("amazonaws.com", "amazonaws.com.cn"):
        for service in ("device.sso", "oidc", "portal.sso"):
            hosts.add("{0}.{1}.{2}".format(service, region, suffix))
    return hosts


def trusted_url(url, start_url, region, endpoint_url=None):
    """Whether ``url`` may be shown to a person as the place to log in: printable ASCII,
    https on the session's own service domain (its start URL's host, or a host of
    ``amazonaws.com`` in its Region), or on the sso-oidc endpoint the client uses
    (``AWS_ENDPOINT_URL_SSO_OIDC``)."""
    if not isinstance(url, str) or not _PRINTABLE_URL.match(url):
        return False
    parts = urlsplit(url)
    if endpoint_url:
        endpoint = urlsplit(endpoint_url)
        if (parts.scheme, parts.netloc) == (endpoint.scheme, endpoint.netloc) and "@" not in parts.netloc:
            return True
    # A browser reads "\" as "/" (WHATWG URL): "https://evil.example\.device.sso..." is evil.example's.
    if parts.scheme != "https" or "@" in parts.netloc or "\\" in url or not parts.hostname:
        return False
    host = parts.hostname
    return host == urlsplit(start_url).hostname or host in _service_hosts(region)


class Answer:
    """One answer of the sso-oidc service (``call`` for ``subject``), whose fields are
    checked before they are used: a :class:`LoginError` names the call and the field,
    and ends with ``consequence`` (what was and was not changed). A secret field's value
    is never shown."""

    def __init__(self, call, subject, response, consequence):
        self.call = call
        self.subject = subject
        self.response = response if isinstance(response, dict) else {}
        self.consequence = consequence

    def refuse(self, field, problem, shown=True):
        if field not in self.response:
            what = "no {0}".format(field)
        elif shown and field not in SECRET_FIELDS:
            what = "{0} {1}, which {2}".format(field, _shown(self.response[field]), problem)
        else:
            what = "{0} (not shown) that {1}".format(field, problem)
        raise LoginError("{0} of {1} answered {2}; {3}".format(self.call, self.subject, what, self.consequence))

    def text(self, field, required=True, shown=True):
        value = self.response.get(field)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value or CONTROL_CHARACTERS.search(value):
            self.refuse(field, "is not a string of printable characters", shown)
        return value

    def secret(self, field, required=True):
        """A token, secret, client id or device code: what ``_sso.token.usable_secret`` reads
        back from a file (printable ASCII without spaces), of at most SECRET_LIMIT characters.
        Only a value of another type of a field that is no secret (clientId) is shown."""
        value = self.text(field, required)
        if value is None:
            return None
        if not usable_secret(value):
            self.refuse(field, "is not printable ASCII without spaces", shown=False)
        if len(value) > SECRET_LIMIT:
            self.refuse(field, "is longer than {0} characters".format(SECRET_LIMIT), shown=False)
        return value

    def number(self, field, low, high, problem, default=None):
        value = self.response.get(field)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.refuse(field, "is " + problem)
        return value

    def poll_interval(self, default=None):
        """``interval``: the seconds between polls a device authorization asks for."""
        return self.number(
            "interval", 1, MAX_INTERVAL, "not a whole number of seconds from 1 to {0}".format(MAX_INTERVAL), default
        )

    def lifetime(self, field):
        return self.number(
            field,
            MIN_TOKEN_LIFETIME,
            MAX_LIFETIME,
            "not a whole number of seconds from {0} to {1} (a year)".format(MIN_TOKEN_LIFETIME, MAX_LIFETIME),
        )

    def user_code(self, field):
        """A code a person is to confirm: shown only when it is letters, digits, _ and -."""
        value = self.text(field, shown=False)
        if not _USER_CODE.match(value):
            self.refuse(field, "is not a code of 1 to 64 letters, digits, _ and -", shown=False)
        return value

    def url(self, field, start_url, region, endpoint_url):
        """A URL a person is to open: never shown unless it passes :func:`trusted_url`."""
        value = self.text(field, shown=False)
        if not trusted_url(value, start_url, region, endpoint_url):
            self.refuse(
                field,
                "is not an https URL of printable characters on the session's own service ({0}, device.sso.{1}.amazonaws.com) "
                "or on the sso-oidc endpoint in use".format(urlsplit(start_url).hostname, region),
                shown=False,
            )
        return value


def registration_usable(registration, flow, now):
    """Whether a cached registration serves ``flow`` for 15 more minutes."""
    # Strings only: a value of another type would be echoed by botocore's parameter check.
    if not isinstance(registration, dict) or not all(
        isinstance(registration.get(key), str) and registration.get(key) for key in ("clientId", "clientSecret")
    ):
        return False
    if not _expires_after(registration.get("expiresAt"), now, REGISTRATION_MARGIN):
        return False
    grant_types = registration.get("grantTypes") or []
    if not isinstance(grant_types, list):
        return False
    # The scopes a PKCE login asks for, joined by spaces: a string would be spread a
    # character a scope, a number would fail the join.
    scopes = registration.get("scopes")
    if scopes is not None and not (
        isinstance(scopes, list) and all(isinstance(scope, str) and usable_secret(scope) for scope in scopes)
    ):
        return False
    has_code_grant = "authorization_code" in grant_types
    return has_code_grant == (flow == PKCE)


def register_client(client, session_name, start_url, scopes, flow, now):
    """``RegisterClient`` as the CLI calls it for ``flow``; the registration cache entry,
    its answer checked (a registration that ends before it can be used is refused)."""
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
    answer = Answer(
        "RegisterClient", "sso-session " + session_name, client.register_client(**arguments), NO_FILE_WRITTEN
    )
    earliest = int((now - EPOCH).total_seconds()) + REGISTRATION_MARGIN + 1
    expires = answer.number(
        "clientSecretExpiresAt",
        earliest,
        earliest + MAX_REGISTRATION,
        "not a time (in seconds since 1970) more than {0} minutes and less than ten years from now: the registration "
        "could not be used".format(REGISTRATION_MARGIN // 60),
    )
    registration = {
        "clientId": answer.secret("clientId"),
        "clientSecret": answer.secret("clientSecret"),
        "expiresAt": format_time(EPOCH + datetime.timedelta(seconds=expires)),
        "scopes": scopes,
    }
    if flow == PKCE:
        registration["grantTypes"] = list(PKCE_GRANT_TYPES)
    return registration


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def token_entry(answer, start_url, region, registration, now, previous=None):
    """The token cache entry for a checked ``CreateToken`` :class:`Answer`, with the CLI's fields."""
    entry = {
        "startUrl": start_url,
        "region": region,
        "accessToken": answer.secret("accessToken"),
        "expiresAt": format_time(now + datetime.timedelta(seconds=answer.lifetime("expiresIn"))),
        "clientId": registration["clientId"],
        "clientSecret": registration["clientSecret"],
        "registrationExpiresAt": registration.get("expiresAt") or registration.get("registrationExpiresAt"),
    }
    refresh_token = answer.secret("refreshToken", required=False) or (previous or {}).get("refreshToken")
    if refresh_token:
        entry["refreshToken"] = refresh_token
    return entry


def pending_usable(pending, registration, session, now, endpoint_url=None):
    """Whether a cached device authorization of ``session`` may be shown and polled again:
    by the rules of a fresh answer (start_device_authorization()), since the file is the
    user's to edit: a code and URLs fit to show, an interval the poll can wait, 30 more
    seconds to go; otherwise a new authorization replaces it."""
    name, start_url, region, dummy_scopes = session
    if not isinstance(pending, dict):
        return False
    if pending.get("clientId") != registration.get("clientId") or pending.get("startUrl") != start_url:
        return False
    answer = Answer("the pending authorization", "sso-session " + name, pending, NOT_STARTED)
    try:
        answer.user_code("userCode")
        answer.url("verificationUri", start_url, region, endpoint_url)
        answer.url("verificationUriComplete", start_url, region, endpoint_url)
        answer.poll_interval()
    except LoginError:
        return False
    return usable_secret(pending.get("deviceCode")) and _expires_after(pending.get("expiresAt"), now, PENDING_MARGIN)


def start_device_authorization(client, session, registration, now, endpoint_url=None):
    """``StartDeviceAuthorization``; the pending entry (device code included: keep it
    private), its answer checked: the URLs are shown to a person."""
    dummy, start_url, region, dummy_scopes = session
    response = client.start_device_authorization(
        clientId=registration["clientId"], clientSecret=registration["clientSecret"], startUrl=start_url
    )
    answer = Answer("StartDeviceAuthorization", "sso-session " + session[0], response, NOT_STARTED)
    return {
        "startUrl": start_url,
        "clientId": registration["clientId"],
        "deviceCode": answer.secret("deviceCode"),
        "userCode": answer.user_code("userCode"),
        "verificationUri": answer.url("verificationUri", start_url, region, endpoint_url),
        "verificationUriComplete": answer.url("verificationUriComplete", start_url, region, endpoint_url),
        "expiresAt": format_time(
            now
            + datetime.timedelta(
                seconds=answer.number(
                    "expiresIn",
                    MIN_CODE_LIFETIME,
                    MAX_LIFETIME,
                    "not a whole number of seconds from {0} to {1} (a code must outlast the {2} s kept in reserve "
                    "for the person; the service gives 600)".format(MIN_CODE_LIFETIME, MAX_LIFETIME, PENDING_MARGIN),
                )
            )
        ),
        "interval": answer.poll_interval(default=DEFAULT_INTERVAL),
    }


def error_code(error):
    """The service's error code of a botocore ``ClientError``, as a message may show it: a
    code of letters, digits, ``_.-`` (:data:`_ERROR_CODE`), else "an error code that is not
    shown" (line breaks and escapes are the service's to choose); ``None`` without one."""
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    if code is None:
        return None
    return code if isinstance(code, str) and _ERROR_CODE.match(code) else "an error code that is not shown"


def within(client, seconds):
    """``client`` with its calls bounded by ``seconds``, what is left of a wait, where it
    bounds its calls (``client.within``: the collection's own clients), else ``client``."""
    return client.within(seconds) if hasattr(client, "within") else client


def poll_device_token(client, registration, pending, deadline, clock, sleep, is_client_error, is_transient):
    """``CreateToken`` with the device-code grant until the user answers, the code expires
    or ``deadline``. A transient failure (the service's 500s, a lost connection, a poll that
    did not end in time) does not end the wait: the person may be approving. Each poll is
    given what is left of the wait (``client.within(seconds)``, where the client bounds its
    calls), so a service that stalls cannot hold the wait much past ``deadline``."""
    interval = pending.get("interval") or DEFAULT_INTERVAL
    code_expires = parse_timestamp(pending["expiresAt"])
    last_failure = None
    while True:
        try:
            return within(client, (deadline - clock()).total_seconds()).create_token(
                grantType=DEVICE_GRANT,
                deviceCode=pending["deviceCode"],
                clientId=registration["clientId"],
                clientSecret=registration["clientSecret"],
            )
        except Exception as error:  # pylint: disable=broad-except
            if is_transient(error):
                last_failure = error
            elif not is_client_error(error):
                raise
            elif error_code(error) == "SlowDownException":
                interval += SLOW_DOWN_STEP
                last_failure = None
            elif error_code(error) == "AuthorizationPendingException":
                last_failure = None
            else:
                raise
        now = clock()
        if now >= code_expires:
            raise LoginError(
                "the device code expired at {0} before the login was approved".format(pending["expiresAt"])
            )
        left = (deadline - now).total_seconds()
        if left <= 0:
            raise TimedOut(last_failure)
        # The last wait is cut short at the deadline for one more poll: an interval longer than
        # what is left (one of minutes, a short timeout) must not end the wait before its time.
        sleep(min(interval, left))


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
    """A registration or pending-authorization file as a dict, or ``None`` when it is not one
    (then replaced): absent, larger than FILE_LIMIT, not JSON, nested too deeply."""
    if data is None or len(data) > FILE_LIMIT:
        return None
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def token_state(token, now):
    """``describe_token`` with botocore's refresh window."""
    if token is None:
        return {"status": "missing"}
    return describe_token(token, now, BOTOCORE_REFRESH_WINDOW)


class Files:
    """The three cache files of one session, and how to read (at least FILE_LIMIT + 1 bytes,
    so that a larger file is told as such), write and remove them; ``home``: the home whose
    ``_sso.cache.token_cache_file`` ``token`` is; ``remove_leftovers(path)``: what removes the
    temporary files a killed write of ``path`` left (``_common.writing.remove_leftovers``);
    ``check(path)``: what raises, before any call, when ``write(path, ...)`` would be refused
    (``_common.writing.check_replaceable``), else returns."""

    def __init__(self, token, registration, pending, read, write, remove, home, remove_leftovers=None, check=None):
        self.token = token
        self.registration = registration
        self.pending = pending
        self.read = read
        self.write = write
        self.remove = remove
        self.home = home
        self.remove_leftovers = remove_leftovers
        self.check = check


class Login:
    """One run of the module: ``run()`` returns the result (changed, status, ...) or raises ``LoginError``.

    ``client()`` makes the ``sso-oidc`` client, only when a call is needed; ``is_client_error``
    tells a service error (botocore ``ClientError``) from the rest, ``is_transient`` one worth
    trying again while the person approves, ``describe_failure(error, call)`` tells such a
    failure that is not a service error (a timeout) without any secret. ``locked()`` holds
    the cache's lock: around every read and write of the files, never while the person
    approves. ``progress["call"]`` names the call in progress, for a failure that does not
    (a timeout). ``acting_for`` names the user root acts for (``user:``), whose desktop a
    PKCE login cannot reach.
    """

    def __init__(
        self,
        params,
        session,
        files,
        client,
        clock,
        sleep,
        is_client_error,
        is_transient=lambda error: False,
        check_mode=False,
        browser=None,
        locked=contextlib.nullcontext,
        describe_failure=None,
        acting_for=None,
    ):
        self.params = params
        self.session = session
        self.session_name, self.start_url, self.region, self.scopes = session
        self.subject = "sso-session " + self.session_name
        self.files = files
        self._client_factory = client
        self._client = None
        self.clock = clock
        self.sleep = sleep
        self.is_client_error = is_client_error
        self.is_transient = is_transient
        self.check_mode = check_mode
        self.browser = browser
        self.locked = locked
        self.describe_failure = describe_failure
        self.acting_for = acting_for
        # The call in progress and what a failure of it leaves unchanged, for a failure that
        # reaches the module (a timeout, the deadline) without passing through this class.
        self.progress = {"call": "the call", "consequence": NOTHING_CHANGED}
        # The token as the run found it: a login made by another run meanwhile differs from it.
        self.token_at_start = None

    @property
    def client(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    @property
    def endpoint_url(self):
        meta = getattr(self.client, "meta", None)
        return getattr(meta, "endpoint_url", None)

    def result(self, status, changed, msg, token=None, **extra):
        state = self.login_state(token, self.clock())
        result = dict(
            changed=changed,
            status=status,
            flow=self.params["flow"],
            msg=msg,
            token_file=self.files.token,
            expires_at=state["expires_at"],
            usable=state["usable"],
        )
        result.update(extra)
        return result

    def login_state(self, token, now):
        """``_sso.token.login_state`` of the cache entry ``token`` for this session and start URL."""
        return login_state(token, token_state(token, now), self.session_name, self.start_url)

    def run(self):
        pkce = self.params["flow"] == PKCE
        pending = None
        with self.locked():
            self.remove_leftovers()
            done = self.without_a_person()
            if done is not None:
                return done
            if pkce and self.acting_for:
                raise LoginError(
                    "flow: pkce cannot log in user: {0} from root: the browser would be opened from root's "
                    "environment (its DISPLAY), not on {0}'s desktop; run the task as {0} (become_user: {0}), or use "
                    "flow: device_code".format(self.acting_for)
                )
            if pkce and not self.browser:
                raise LoginError(
                    "flow: pkce needs a browser on this machine: a desktop session (DISPLAY or WAYLAND_DISPLAY on "
                    "Linux, or macOS) and open_browser true; use flow: device_code from SSH or a headless host"
                )
            # Before the first call: a token that could not be written after the person approved
            # would leave the code redeemed and the files half written.
            self.check_writable(*self.files_a_login_writes())
            registration, registered = self.registration()
            if not pkce:
                registration, pending, started = self.pending_authorization(registration, registered)
                if not self.params["wait"]:
                    return self.pending_result(pending, started)
        # The person approves without the lock: a logout or a timer's refresh meanwhile is not held up.
        if pkce:
            return self.pkce_login(registration)
        return self.device_login(registration, pending)

    def files_a_login_writes(self):
        """The token and the registration; with the device flow, its pending authorization too."""
        paths = [self.files.token, self.files.registration]
        if self.params["flow"] == DEVICE_CODE:
            paths.append(self.files.pending)
        return paths

    def check_writable(self, *paths):
        """Raise, before any call, the refusal a write of one of ``paths`` would meet (a file of
        another user's, a directory the user cannot write)."""
        if self.files.check is None:
            return
        for path in paths:
            self.files.check(path)

    def remove_leftovers(self):
        """Remove, under the lock, the temporary files a killed write of the session's files
        left: one beside the token holds a live token that nothing else would remove."""
        if self.check_mode or self.files.remove_leftovers is None:
            return
        for path in (self.files.token, self.files.registration, self.files.pending):
            try:
                self.files.remove_leftovers(path)
            except OSError as error:
                # A file that is a link into a directory the user cannot list (another user's cache):
                # name the session's file, not only that directory, before any call is made.
                raise LoginError(
                    "{0}: what a killed write of it left cannot be looked for in {1}: {2}{3}; nothing was changed, "
                    "and no login was started".format(
                        path,
                        error.filename or os.path.dirname(path),
                        error.strerror or error,
                        " (as user {0!r})".format(self.acting_for) if self.acting_for else "",
                    )
                ) from None

    def read_token(self, now):
        """``(token, description)`` of the token file as every module reads it
        (``_sso.token.read_cached_token``): a file too large, not JSON or not an object is
        ``invalid`` with its problem, not ``missing``."""

        def read_bytes(dummy_path, dummy_limit):
            # read_cached_token names the file by home and session: files.token is that file.
            return self.files.read(self.files.token)

        return read_cached_token(read_bytes, self.files.home, self.session_name, now, BOTOCORE_REFRESH_WINDOW)

    def without_a_person(self):
        """The result when no person is needed (a valid token, a refresh, check mode,
        ``refresh_only``), else ``None``."""
        now = self.clock()
        token, description = self.read_token(now)
        self.token_at_start = token
        state = login_state(token, description, self.session_name, self.start_url)
        name = self.session_name
        if self.params["force"]:
            if self.params["refresh_only"]:
                return self.result(
                    "login_required",
                    False,
                    "sso-session {0}: force needs a new login, refresh_only forbids it".format(name),
                    token,
                )
        else:
            if state["status"] == "valid":
                return self.result(
                    "valid",
                    False,
                    "logged in to sso-session {0} until {1}".format(name, state["expires_at"]),
                    token,
                )
            if state["status"] in ("expiring", "expired") and state["refreshable"]:
                # Before the call (and in check mode, which says what a run would meet): a refreshed
                # token that could not be written would be lost.
                self.check_writable(self.files.token)
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
                return self.result(
                    "login_required",
                    False,
                    "sso-session {0} needs a new login ({1})".format(name, _why_not_refreshed(state, description)),
                    token,
                )
        if self.check_mode:
            self.check_writable(*self.files_a_login_writes())
            return self.result(
                "login_required",
                True,
                "check mode: would log in to sso-session {0} with the {1} flow".format(name, self.params["flow"]),
                token,
            )
        return None

    def refresh(self, token, now):
        self.progress.update(call="CreateToken", consequence=TOKEN_UNCHANGED)
        try:
            response = self.client.create_token(
                grantType="refresh_token",
                refreshToken=token["refreshToken"],
                clientId=token["clientId"],
                clientSecret=token["clientSecret"],
            )
        except UNREADABLE as error:
            raise self.unreadable("CreateToken", error, TOKEN_UNCHANGED) from None
        except Exception as error:  # pylint: disable=broad-except
            if not self.is_client_error(error):
                raise
            if error_code(error) in NOT_REFRESHABLE:
                return None
            # The service failed (botocore tried again already): the token may still be refreshable.
            raise LoginError(
                "CreateToken of {0} failed refreshing its token: {1}; {2}".format(
                    self.subject, error_code(error) or "an error without a code", TOKEN_UNCHANGED
                )
            ) from None
        answer = Answer("CreateToken", self.subject, response, TOKEN_UNCHANGED)
        registration = {
            "clientId": token["clientId"],
            "clientSecret": token["clientSecret"],
            "expiresAt": token["registrationExpiresAt"],
        }
        entry = token_entry(answer, self.start_url, self.region, registration, now, token)
        self.files.write(self.files.token, dumps(entry))
        return entry

    def registration(self):
        """``(registration, registered)``: the cached one when usable, else a new one written
        (``registered``)."""
        flow = self.params["flow"]
        registration = loads(self.files.read(self.files.registration))
        if registration_usable(registration, flow, self.clock()):
            return registration, False
        registration = self.call(
            "RegisterClient",
            NO_FILE_WRITTEN,
            register_client,
            self.client,
            self.session_name,
            self.start_url,
            self.scopes,
            flow,
            self.clock(),
        )
        self.files.write(self.files.registration, dumps(registration))
        return registration, True

    def call(self, operation, consequence, function, *arguments):
        """``function(*arguments)``, the call ``operation``: an answer botocore cannot read or
        a service error is a :class:`LoginError` naming it."""
        try:
            return self.attempt(operation, consequence, function, *arguments)
        except Exception as error:  # pylint: disable=broad-except
            if self.is_client_error(error):
                raise self.failed(operation, error) from None
            raise

    def attempt(self, operation, consequence, function, *arguments):
        """As :meth:`call`, but a service error is raised as it is, for the caller to tell."""
        self.progress.update(call=operation, consequence=consequence)
        try:
            return function(*arguments)
        except LoginError:
            raise
        except UNREADABLE as error:
            raise self.unreadable(operation, error, consequence) from None

    def failed(self, operation, error):
        return LoginError("{0} of sso-session {1} failed: {2}".format(operation, self.session_name, error_code(error)))

    def unreadable(self, operation, error, consequence):
        """The failure of an answer botocore itself could not read (its parser raised): the
        call, what botocore could not read (its whole numbers, say ``int()`` of ``"600s"`` or
        of ``Infinity``; a body that is not UTF-8, not an object, or nested too deeply), what it said."""
        if isinstance(error, RecursionError):
            what = " (JSON nested deeper than it reads)"
        elif isinstance(error, UnicodeError):
            what = " (a body that is not UTF-8)"
        elif isinstance(error, (ArithmeticError, ValueError)) or str(error).startswith("int()"):
            fields = _number_fields(self.client, operation)
            what = " (its whole numbers: {0})".format(", ".join(fields)) if fields else ""
        else:  # its parser took the body, or an object of the model in it, for a JSON object
            what = " (a body that is not a JSON object)"
        return LoginError(
            "{0} of {1} answered what botocore cannot read{2}: {3}; {4}".format(
                operation, self.subject, what, _said(error), consequence
            )
        )

    def save_token(self, response, registration, consequence):
        """Check the ``CreateToken`` answer and write the token, under the lock."""
        answer = Answer("CreateToken", self.subject, response, consequence)
        entry = token_entry(answer, self.start_url, self.region, registration, self.clock())
        with self.locked():
            try:
                self.files.write(self.files.token, dumps(entry))
            except OSError as error:
                # Checked before the first call, the file may still fail (a full disk, a file swapped
                # meanwhile): say that the approved code is spent, so that the caller forgets it.
                raise LoginError("{0}; {1}".format(_file_failure(error), consequence)) from None
            if self.params["flow"] == DEVICE_CODE:
                self.files.remove(self.files.pending)
        return entry

    def pending_authorization(self, registration, registered):
        """``(registration, pending, started)``: the device authorization still pending, or a
        new one. A cached registration the service no longer knows (InvalidClientException:
        deleted, rotated) is removed and replaced by a new one, once; one just ``registered``
        that it refuses is removed and the login fails."""
        now = self.clock()
        pending = loads(self.files.read(self.files.pending))
        if pending_usable(pending, registration, self.session, now, self.endpoint_url):
            return registration, pending, False
        try:
            pending = self.attempt(
                "StartDeviceAuthorization",
                NOT_STARTED,
                start_device_authorization,
                self.client,
                self.session,
                registration,
                now,
                self.endpoint_url,
            )
        except Exception as error:  # pylint: disable=broad-except
            if not self.is_client_error(error):
                raise
            if error_code(error) != "InvalidClientException":
                raise self.failed("StartDeviceAuthorization", error) from None
            self.files.remove(self.files.registration)
            if registered:
                raise LoginError(
                    "StartDeviceAuthorization of sso-session {0} failed: InvalidClientException for the client "
                    "registered just now; its registration file {1} was removed; {2}".format(
                        self.session_name, self.files.registration, NOT_STARTED
                    )
                ) from None
            registration, registered = self.registration()
            return self.pending_authorization(registration, registered)
        self.files.write(self.files.pending, dumps(pending))
        return registration, pending, True

    def pending_result(self, pending, started):
        msg = "open {0} and confirm the code {1} to log in to sso-session {2} (before {3})".format(
            pending["verificationUriComplete"], pending["userCode"], self.session_name, pending["expiresAt"]
        )
        result = self.result("pending", started, msg, **_shown_codes(pending))
        result["expires_at"] = pending["expiresAt"]
        result["usable"] = False
        return result

    def forget_pending(self):
        with self.locked():
            self.files.remove(self.files.pending)

    def device_login(self, registration, pending):
        deadline = self.clock() + datetime.timedelta(seconds=self.params["timeout"])
        self.progress.update(call="CreateToken", consequence=NO_TOKEN + "; the code is still pending")
        try:
            response = poll_device_token(
                self.client,
                registration,
                pending,
                deadline,
                self.clock,
                self.sleep,
                self.is_client_error,
                self.is_transient,
            )
        except TimedOut as timed_out:
            raise LoginError(
                "timeout: no approval of the code {0} at {1} within {2} s for sso-session {3}{4}; the code stays "
                "valid until {5}".format(
                    pending["userCode"],
                    pending["verificationUriComplete"],
                    self.params["timeout"],
                    self.session_name,
                    self.poll_failure(timed_out.last_failure),
                    pending["expiresAt"],
                )
            ) from None
        except LoginError:
            self.forget_pending()
            raise
        except UNREADABLE as error:
            self.forget_pending()
            raise self.unreadable("CreateToken", error, CODE_REDEEMED) from None
        except Exception as error:  # pylint: disable=broad-except
            if not self.is_client_error(error):
                raise
            if error_code(error) in CODE_SPENT:
                done = self.logged_in_meanwhile(pending)
                if done is not None:
                    return done
            self.forget_pending()
            raise self.device_failure(error_code(error), pending) from None
        try:
            entry = self.save_token(response, registration, CODE_REDEEMED)
        except LoginError:
            self.forget_pending()  # the code was redeemed
            raise
        return self.result(
            "logged_in",
            True,
            "logged in to sso-session {0} until {1}".format(self.session_name, entry["expiresAt"]),
            entry,
            **_shown_codes(pending),
        )

    def logged_in_meanwhile(self, pending):
        """The result when another run waiting on the same device code redeemed it and wrote a
        token usable for this start URL (``valid``: this run changed nothing), else None. The
        token this run found when it started (kept by a forced login, or one about to expire
        that could not be refreshed) is no login of another run."""
        with self.locked():
            token, description = self.read_token(self.clock())
        state = login_state(token, description, self.session_name, self.start_url)
        if not state["usable"] or token == self.token_at_start:
            return None
        return self.result(
            "valid",
            False,
            "logged in to sso-session {0} until {1} (by another run that waited on the same code)".format(
                self.session_name, state["expires_at"]
            ),
            token,
            **_shown_codes(pending),
        )

    def poll_failure(self, error):
        """What failed in the last poll of a wait that timed out (``error``, or ``None``), told without a secret."""
        if error is None:
            return ""
        if self.is_client_error(error):
            return ", and the last poll, CreateToken, answered {0}".format(
                error_code(error) or "an error code that is not shown"
            )
        if self.describe_failure is None:
            return ", and the last poll, CreateToken, failed"
        return ", and the last poll failed: " + self.describe_failure(error, "CreateToken")

    def device_failure(self, code, pending):
        if code == "ExpiredTokenException":
            return LoginError(
                "the device code of sso-session {0} expired before the login was approved".format(self.session_name)
            )
        if code == "AccessDeniedException":
            return LoginError(
                "the login to sso-session {0} was denied at {1}".format(self.session_name, pending["verificationUri"])
            )
        return LoginError("CreateToken of sso-session {0} failed: {1}".format(self.session_name, code))

    def pkce_login(self, registration):
        verifier, challenge = pkce_pair()
        state = new_state()
        scopes = registration.get("scopes") or self.scopes or list(DEFAULT_SCOPES)
        with LoopbackServer(state) as server:
            redirect_uri = server.redirect_uri
            url = authorize_url(self.endpoint_url, registration["clientId"], redirect_uri, state, scopes, challenge)
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
        if answer.get("error") or not answer.get("code"):
            error = answer.get("error") or "no code"
            raise LoginError(
                "the login to sso-session {0} was refused: {1}".format(
                    self.session_name, error if _ERROR_CODE.match(error) else "an error text that is not shown"
                )
            )
        response = self.call(
            "CreateToken",
            NO_TOKEN,
            # What is left of the wait, as for a poll: the task ends within timeout plus the least a call is given.
            lambda: within(self.client, seconds_left()).create_token(
                grantType="authorization_code",
                code=answer["code"],
                codeVerifier=verifier,
                redirectUri=redirect_uri,
                clientId=registration["clientId"],
                clientSecret=registration["clientSecret"],
            ),
        )
        entry = self.save_token(response, registration, NO_TOKEN)
        return self.result(
            "logged_in",
            True,
            "logged in to sso-session {0} until {1}".format(self.session_name, entry["expiresAt"]),
            entry,
        )


def _number_fields(client, operation):
    """The fields of ``operation``'s answer that botocore's model reads as whole numbers."""
    try:
        shape = client.meta.service_model.operation_model(operation).output_shape
        return [name for name, member in shape.members.items() if member.type_name in ("integer", "long")]
    except Exception:  # pylint: disable=broad-except
        return []  # a client without a model (a test's), or an operation it lacks


def _file_failure(error):
    """What an ``OSError`` of a file says, its path first (a ``FileError`` words it so itself)."""
    if isinstance(error, FileError):
        return str(error)
    return "{0}: {1}".format(error.filename, error.strerror or error)


def _shown_codes(pending):
    return dict(
        verification_uri=pending["verificationUri"],
        verification_uri_complete=pending["verificationUriComplete"],
        user_code=pending["userCode"],
    )


def _why_not_refreshed(state, description):
    if state["status"] == "missing":
        return "its token is missing"
    if state["status"] == "invalid":
        # login_state's own problem when the file is a login, but to another start URL.
        problem = description["problem"] if description["status"] == "invalid" else "a login to another start URL"
        return "its token cache cannot be used: {0}".format(problem)
    if state["status"] == "expired":
        return "its token has expired and cannot be refreshed"
    return "its token is {0} and cannot be refreshed".format(state["status"])


# Seconds a connection to the loopback callback may take to send its request.
CALLBACK_REQUEST_TIMEOUT = 5


class LoopbackServer:
    """The redirect target of the PKCE flow: 127.0.0.1 only, a random port. Only a
    callback that carries ``state`` ends the wait (any local user can send a request);
    a connection that sends nothing is dropped after a few seconds."""

    def __init__(self, state):
        import http.server  # pylint: disable=import-outside-toplevel

        answers = self.answers = []

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = CALLBACK_REQUEST_TIMEOUT

            def setup(self):
                # ``timeout`` bounds each read; a request sent a byte at a time would still
                # hold the wait: the connection is shut after CALLBACK_REQUEST_TIMEOUT in all.
                super().setup()
                self.cut_off = threading.Timer(CALLBACK_REQUEST_TIMEOUT, self.shut)
                self.cut_off.daemon = True
                self.cut_off.start()

            def shut(self):
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed

            def finish(self):
                self.cut_off.cancel()
                super().finish()

            def log_message(self, *args):
                pass

            def do_GET(self):  # pylint: disable=invalid-name
                from urllib.parse import parse_qsl  # pylint: disable=import-outside-toplevel

                parsed = urlsplit(self.path)
                query = dict(parse_qsl(parsed.query))
                if parsed.path != REDIRECT_PATH or query.get("state") != state:
                    self.send_response(404 if parsed.path != REDIRECT_PATH else 400)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answers.append(query)
                body = b"<html><body>Login complete: you can close this window.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(http.server.HTTPServer):
            def handle_error(self, request, client_address):
                pass  # a connection that timed out or broke: wait for the next one

        self.server = Server(("127.0.0.1", 0), Handler)

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


def browser_opener(environ, wanted, platform=None):
    """A function that opens a URL in the desktop's browser, or ``None`` without a desktop
    session."""
    command = browser_command(environ, wanted, platform)
    if command is None:
        return None

    def open_url(url):
        import subprocess  # pylint: disable=import-outside-toplevel

        with open(os.devnull, "wb") as devnull:
            # Not run_command: the opener is left running on its own (run_command waits for the program).
            subprocess.Popen(  # pylint: disable=consider-using-with,ansible-bad-function
                command + [url], stdin=devnull, stdout=devnull, stderr=devnull
            )

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
