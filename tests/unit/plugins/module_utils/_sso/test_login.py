# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure logic of aws_sso_login, with a fake sso-oidc client."""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._sso import cache as sso_cache
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import login as sso_login

NOW = datetime.datetime(2026, 12, 2, 8, 0, tzinfo=datetime.timezone.utc)
HOME = "/home/alice"
# Where _sso.cache names the token of sso-session recro in HOME: what a message about it shows.
TOKEN_PATH = "/home/alice/.aws/sso/cache/{0}.json".format(hashlib.sha1(b"recro").hexdigest())


class ServiceError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeClient:
    def __init__(self, polls=()):
        self.calls = []
        self.polls = list(polls)

    def register_client(self, **arguments):
        self.calls.append(("RegisterClient", arguments))
        return {
            "clientId": "cid",
            "clientSecret": "csecret",
            "clientSecretExpiresAt": int((NOW + datetime.timedelta(days=90)).timestamp()),
        }

    def start_device_authorization(self, **arguments):
        self.calls.append(("StartDeviceAuthorization", arguments))
        return {
            "deviceCode": "dcode",
            "userCode": "AB-CD",
            "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
            "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=AB-CD",
            "expiresIn": 600,
            "interval": 5,
        }

    def create_token(self, **arguments):
        self.calls.append(("CreateToken", arguments))
        if self.polls:
            raise ServiceError(self.polls.pop(0))
        return {"accessToken": "new-access", "expiresIn": 3600, "refreshToken": "new-refresh"}


def make_login(files, client, **params):
    options = dict(flow="device_code", wait=True, timeout=600, force=False, refresh_only=False)
    options.update(params)
    slept = []
    store = files

    def remove(path):
        return store.pop(path, None) is not None

    login = sso_login.Login(
        options,
        ("recro", "https://x/start", "us-east-1", ["sso:account:access"]),
        sso_login.Files("token", "registration", "pending", store.get, store.__setitem__, remove, HOME),
        client=lambda: client,
        clock=lambda: NOW,
        sleep=slept.append,
        is_client_error=lambda error: isinstance(error, ServiceError),
    )
    return login, slept


def token(expires_in, **extra):
    entry = {
        "startUrl": "https://x/start",
        "region": "us-east-1",
        "accessToken": "old",
        "clientId": "cid",
        "clientSecret": "cs",
        "expiresAt": sso_login.format_time(NOW + datetime.timedelta(seconds=expires_in)),
        "refreshToken": "r",
        "registrationExpiresAt": sso_login.format_time(NOW + datetime.timedelta(days=30)),
    }
    entry.update(extra)
    return json.dumps(entry).encode()


def test_valid_token_makes_no_call():
    files = {"token": token(3600)}
    login, dummy = make_login(files, None)
    result = login.run()
    assert result["status"] == "valid" and not result["changed"] and result["usable"]


def test_expiring_token_is_refreshed_keeping_the_registration_expiry():
    files = {"token": token(300)}
    client = FakeClient()
    result = make_login(files, client)[0].run()
    assert result["status"] == "refreshed"
    assert client.calls == [
        ("CreateToken", {"grantType": "refresh_token", "refreshToken": "r", "clientId": "cid", "clientSecret": "cs"})
    ]
    written = json.loads(files["token"])
    assert (
        written["accessToken"] == "new-access"
        and written["registrationExpiresAt"] == json.loads(token(0))["registrationExpiresAt"]
    )


def test_device_flow_honours_slow_down_and_pending():
    files = {}
    client = FakeClient(polls=["AuthorizationPendingException", "SlowDownException", "AuthorizationPendingException"])
    login, slept = make_login(files, client)
    result = login.run()
    assert result["status"] == "logged_in" and slept == [5, 10, 10]
    assert "pending" not in files and set(json.loads(files["token"])) >= {"refreshToken", "registrationExpiresAt"}
    assert json.loads(files["registration"])["scopes"] == ["sso:account:access"]


class FullDisk(dict):
    """The session's files, where the token cannot be written (the disk filled after the checks)."""

    def write(self, path, data):
        if path == "token":
            raise OSError(28, "No space left on device", path)
        self[path] = data


def test_a_token_that_cannot_be_written_after_the_approval_forgets_the_spent_code_and_says_so():
    files = FullDisk()
    client = FakeClient(polls=["AuthorizationPendingException"])
    login, dummy = make_login(files, client)
    login.files.write = files.write
    with pytest.raises(sso_login.LoginError) as raised:
        login.run()
    assert str(raised.value) == (
        "token: No space left on device; no token was written, and the approved code cannot be used again: log in again"
    )
    assert sorted(files) == ["registration"]  # the redeemed code is not left pending
    assert "new-access" not in str(raised.value)


@pytest.mark.parametrize("refused", ["token", "registration", "pending"])
@pytest.mark.parametrize("cached", [None, token(300)])
def test_a_file_a_login_could_not_write_is_refused_before_any_call(refused, cached):
    files = {} if cached is None else {"token": cached}
    client = FakeClient()
    login, dummy = make_login(files, client)
    checked = []

    def check(path):
        checked.append(path)
        if path == refused:
            raise OSError(13, "Permission denied", path)

    login.files.check = check
    if cached is not None and refused != "token":
        # A refresh writes the token only.
        assert login.run()["status"] == "refreshed" and checked == ["token"]
        return
    with pytest.raises(OSError, match="Permission denied"):
        login.run()
    assert client.calls == [] and files == ({} if cached is None else {"token": cached})


def test_wait_false_returns_the_code_and_keeps_the_device_code_private():
    files = {}
    result = make_login(files, FakeClient(), wait=False)[0].run()
    assert result["status"] == "pending" and result["user_code"] == "AB-CD"
    assert "dcode" not in json.dumps(result) and json.loads(files["pending"])["deviceCode"] == "dcode"


@pytest.mark.parametrize(
    "code, message",
    [
        (
            "AccessDeniedException",
            "the login to sso-session recro was denied at https://device.sso.us-east-1.amazonaws.com/",
        ),
        ("ExpiredTokenException", "the device code of sso-session recro expired before the login was approved"),
    ],
)
def test_device_flow_failures(code, message):
    files = {}
    with pytest.raises(sso_login.LoginError, match="^" + message + "$"):
        make_login(files, FakeClient(polls=[code]))[0].run()
    assert "pending" not in files and "token" not in files


def test_registration_must_match_the_flow():
    registration = {
        "clientId": "c",
        "clientSecret": "s",
        "expiresAt": sso_login.format_time(NOW + datetime.timedelta(hours=1)),
    }
    assert sso_login.registration_usable(registration, "device_code", NOW)
    assert not sso_login.registration_usable(registration, "pkce", NOW)
    assert sso_login.registration_usable(dict(registration, grantTypes=["authorization_code"]), "pkce", NOW)
    registration["expiresAt"] = sso_login.format_time(NOW + datetime.timedelta(minutes=14))
    assert not sso_login.registration_usable(registration, "device_code", NOW)


def test_pkce_pair_and_authorize_url():
    verifier, challenge = sso_login.pkce_pair()
    assert len(verifier) == 64
    assert challenge == base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    url = sso_login.authorize_url(
        "https://oidc.us-east-1.amazonaws.com", "cid", "http://127.0.0.1:1/oauth/callback", "st", ["a", "b"], "ch"
    )
    assert url == (
        "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1"
        "%3A1%2Foauth%2Fcallback&state=st&code_challenge_method=S256&scopes=a+b&code_challenge=ch"
    )


def test_refresh_only_never_logs_in():
    result = make_login({}, None, refresh_only=True)[0].run()
    assert result["status"] == "login_required" and not result["changed"]


@pytest.mark.parametrize(
    "url, trusted",
    [
        ("https://device.sso.us-east-1.amazonaws.com/?user_code=AB-CD", True),
        ("https://x/start/#/device?user_code=AB-CD", True),  # the start URL's own host
        ("http://127.0.0.1:8080/device", True),  # the endpoint in use (AWS_ENDPOINT_URL_SSO_OIDC)
        ("http://127.0.0.1:8081/device", False),
        ("http://device.sso.us-east-1.amazonaws.com/", False),
        ("https://device.sso.eu-west-1.amazonaws.com/", False),  # another Region's
        ("https://us-east-1.amazonaws.com.evil.example/", False),
        ("https://evil.example/?x=.us-east-1.amazonaws.com", False),
        ("https://user@device.sso.us-east-1.amazonaws.com/", False),
        ("javascript:alert(1)", False),
        ("https://device.sso.us-east-1.amazonaws.com/\n", False),
        ("https://device.sso.us-east-1.amazonaws.com/\x1b[2J", False),
        ("https://device.sso.us-east-1.amazonaws.com/\u00e9", False),
        (42, False),
        # a browser reads the backslash as a slash: the host is evil.example
        ("https://evil.example\\.device.sso.us-east-1.amazonaws.com/device?user_code=AB-CD", False),
        ("https://device.sso.us-east-1.amazonaws.com\\@evil.example/", False),
        # hosts of amazonaws.com in the Region where anyone may publish a page
        ("https://attacker-bucket.s3.us-east-1.amazonaws.com/phish.html", False),
        ("https://x.execute-api.us-east-1.amazonaws.com/", False),
        ("https://oidc.us-east-1.amazonaws.com/authorize?x=1", True),
        ("https://device.sso.us-east-1.amazonaws.com.cn/", True),
    ],
)
def test_only_urls_of_the_sessions_own_service_are_shown(url, trusted):
    assert sso_login.trusted_url(url, "https://x/start", "us-east-1", "http://127.0.0.1:8080") is trusted


def test_an_answer_names_the_call_and_the_field_and_never_shows_a_secret():
    answer = sso_login.Answer("CreateToken", "sso-session recro", {"accessToken": 7, "expiresIn": "1h"}, "nothing")
    with pytest.raises(sso_login.LoginError) as refused:
        answer.text("accessToken")
    assert str(refused.value) == (
        "CreateToken of sso-session recro answered accessToken (not shown) that is not a string of printable "
        "characters; nothing"
    )
    with pytest.raises(sso_login.LoginError) as refused:
        answer.lifetime("expiresIn")
    assert str(refused.value) == (
        "CreateToken of sso-session recro answered expiresIn '1h', which is not a whole number of seconds from 60 to "
        "31622400 (a year); nothing"
    )
    with pytest.raises(sso_login.LoginError, match="answered no refreshToken; nothing$"):
        answer.text("refreshToken")
    assert answer.text("idToken", required=False) is None


@pytest.mark.parametrize("expires_in", [0, -1, True, 1, 59, 10**12, 3.5, None])
def test_a_token_answer_with_a_lifetime_out_of_bounds_writes_nothing_and_forgets_the_redeemed_code(expires_in):
    class Client(FakeClient):
        def create_token(self, **arguments):
            self.calls.append(("CreateToken", arguments))
            return {"accessToken": "new-access", "expiresIn": expires_in}

    files = {}
    with pytest.raises(sso_login.LoginError) as refused:
        make_login(files, Client())[0].run()
    assert "CreateToken of sso-session recro answered" in str(refused.value)
    assert str(refused.value).endswith(sso_login.CODE_REDEEMED)
    assert "token" not in files and "pending" not in files and "registration" in files


class Clock:
    """A clock that the fake sleep and the fake polls move forward."""

    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)


class StalledPoll(Exception):
    """A poll that did not end in time: transient, the person may still be approving."""


def test_each_poll_is_given_what_is_left_of_the_wait_never_less_than_the_minimum():
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws import clients

    clock = Clock()
    given = []

    class Stalling(FakeClient):
        """A client whose polls all stall for as long as they are given (as the real one's deadline ends them)."""

        def __init__(self, seconds=None):
            super().__init__()
            self.seconds = seconds

        def within(self, seconds):
            # The real client's bound: what is left, between the minimum and the deadline of any call.
            bounded = clients.BoundedClient(None).within(seconds).seconds
            given.append(bounded)
            return Stalling(bounded)

        def create_token(self, **arguments):
            clock.advance(self.seconds)
            raise StalledPoll("CreateToken did not end within {0} s".format(self.seconds))

    described = []
    login = sso_login.Login(
        dict(flow="device_code", wait=True, timeout=100, force=False, refresh_only=False),
        ("recro", "https://x/start", "us-east-1", ["sso:account:access"]),
        sso_login.Files("token", "registration", "pending", {}.get, lambda path, data: None, lambda path: True, HOME),
        client=Stalling,
        clock=clock,
        sleep=clock.advance,
        is_client_error=lambda error: False,
        is_transient=lambda error: isinstance(error, StalledPoll),
        describe_failure=lambda error, call: described.append(call) or str(error),
    )
    with pytest.raises(sso_login.LoginError) as raised:
        login.run()
    # 100 s: a poll of 45 s, 5 s of interval, 45 s, 5 s, then the 10 s minimum (nothing was left).
    assert given == [45, 45, 10]
    assert (clock.now - NOW).total_seconds() == 110  # the wait's end plus the minimum, never more
    assert clients.MINIMUM_DEADLINE == 10 and clients.DEADLINE == 45
    assert described == ["CreateToken"]
    assert str(raised.value).startswith(
        "timeout: no approval of the code AB-CD at https://device.sso.us-east-1.amazonaws.com/?user_code=AB-CD "
        "within 100 s for sso-session recro, and the last poll failed: CreateToken did not end within 10 s; "
        "the code stays valid until "
    )


def test_an_interval_longer_than_the_timeout_still_waits_the_whole_timeout_and_polls_at_its_end():
    clock = Clock()

    class SlowPolling(FakeClient):
        def start_device_authorization(self, **arguments):
            return dict(super().start_device_authorization(**arguments), interval=60)

    client = SlowPolling(polls=["AuthorizationPendingException"] * 5)
    login = sso_login.Login(
        dict(flow="device_code", wait=True, timeout=30, force=False, refresh_only=False),
        ("recro", "https://x/start", "us-east-1", ["sso:account:access"]),
        sso_login.Files("token", "registration", "pending", {}.get, lambda path, data: None, lambda path: True, HOME),
        client=lambda: client,
        clock=clock,
        sleep=clock.advance,
        is_client_error=lambda error: isinstance(error, ServiceError),
    )
    with pytest.raises(sso_login.LoginError, match="within 30 s for sso-session recro; the code stays valid"):
        login.run()
    # A poll at once, and one at the end of the 30 s: the wait was not given up at its start.
    assert (clock.now - NOW).total_seconds() == 30
    assert [name for name, dummy in client.calls].count("CreateToken") == 2


def test_pkce_for_another_user_is_refused_before_any_call_but_a_valid_token_is_reported():
    opened = []

    def login_for_alice(files):
        return sso_login.Login(
            dict(flow="pkce", wait=True, timeout=600, force=False, refresh_only=False),
            ("recro", "https://x/start", "us-east-1", ["sso:account:access"]),
            sso_login.Files("token", "registration", "pending", files.get, files.__setitem__, files.pop, HOME),
            client=lambda: pytest.fail("no client may be made"),
            clock=lambda: NOW,
            sleep=pytest.fail,
            is_client_error=lambda error: False,
            browser=opened.append,
            acting_for="alice",
        )

    files = {}
    with pytest.raises(sso_login.LoginError) as raised:
        login_for_alice(files).run()
    assert str(raised.value).startswith("flow: pkce cannot log in user: alice from root: ")
    assert files == {} and opened == []
    assert login_for_alice({"token": token(3600)}).run()["status"] == "valid"


def test_the_docs_state_the_bound_of_the_wait_the_clients_use():
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws import clients
    from ansible_collections.recro.aws_sso.plugins.modules import aws_sso_login

    docs = " ".join(aws_sso_login.DOCUMENTATION.split())
    assert "The wait ends within O(timeout) plus {0} seconds".format(clients.MINIMUM_DEADLINE) in docs
    assert "at least {0} seconds".format(clients.MINIMUM_DEADLINE) in docs


@pytest.mark.parametrize("grant_types", [5, True, "authorization_code", {"authorization_code": 1}])
def test_a_registration_with_grant_types_of_another_type_is_not_used(grant_types):
    registration = {
        "clientId": "c",
        "clientSecret": "s",
        "expiresAt": "2027-01-01T00:00:00Z",
        "grantTypes": grant_types,
    }
    assert not sso_login.registration_usable(registration, "pkce", NOW)
    assert not sso_login.registration_usable(registration, "device_code", NOW)


class _ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


@pytest.mark.parametrize(
    "code, shown",
    [
        ("AccessDeniedException", "AccessDeniedException"),
        ("Evil\x1b]0;pwned\x07\x1b[2J\nINJECTED LINE", "an error code that is not shown"),
        (42, "an error code that is not shown"),
    ],
)
def test_only_an_error_code_of_plain_characters_is_shown(code, shown):
    assert sso_login.error_code(_ClientError(code)) == shown


PENDING = {
    "startUrl": "https://x/start",
    "clientId": "client",
    "deviceCode": "device-code",
    "userCode": "AB-CD",
    "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
    "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=AB-CD",
    "expiresAt": "2026-11-26T12:10:00Z",
    "interval": 5,
}
SESSION = ("recro", "https://x/start", "us-east-1", None)


@pytest.mark.parametrize(
    "changes",
    [
        dict(verificationUriComplete="javascript:alert(1)\x1b]0;pwned\x07\nLOGIN AT https://evil.example"),
        dict(verificationUri="https://evil.example/"),
        dict(userCode="\x1b[31mRED\x1b[0m"),
        dict(verificationUriComplete=None),
        dict(interval="5"),
        dict(interval=-5),
        dict(interval=True),
        dict(deviceCode="code\nX-Injected: 1"),
        dict(expiresAt="2026-11-26T12:00:20Z"),  # within the 30 s margin
    ],
)
def test_a_pending_authorization_file_is_used_only_by_the_rules_of_a_fresh_answer(changes):
    now = datetime.datetime(2026, 11, 26, 12, 0, 0, tzinfo=datetime.timezone.utc)
    registration = {"clientId": "client"}
    assert sso_login.pending_usable(dict(PENDING), registration, SESSION, now)
    tampered = dict(PENDING, **changes)
    assert not sso_login.pending_usable(tampered, registration, SESSION, now)


class ModelledClient(FakeClient):
    """A fake client with botocore's sso-oidc model (what names the whole numbers of an
    answer) whose calls raise what botocore's parser raises on ``raises[call]``, or answer
    ``answers[call]`` over the usual fields."""

    def __init__(self, raises=None, answers=None, polls=()):
        import types

        import botocore.session

        super().__init__(polls)
        self.raises = raises or {}
        self.answers = answers or {}
        model = botocore.session.get_session().get_service_model("sso-oidc")
        self.meta = types.SimpleNamespace(service_model=model, endpoint_url=None)

    def _answer(self, call, answer):
        if call in self.raises:
            raise self.raises[call]
        return dict(answer, **self.answers.get(call, {}))

    def register_client(self, **arguments):
        return self._answer("RegisterClient", super().register_client(**arguments))

    def start_device_authorization(self, **arguments):
        return self._answer("StartDeviceAuthorization", super().start_device_authorization(**arguments))

    def create_token(self, **arguments):
        return self._answer("CreateToken", super().create_token(**arguments))


INFINITY = "cannot convert float infinity to integer"
CANNOT_READ = "{0} of sso-session recro answered what botocore cannot read {1}: {2}; {3}"
REDEEMED = sso_login.CODE_REDEEMED


@pytest.mark.parametrize(
    "call, error, shown, files_left",
    [
        # Infinity or 1e400 for a whole number: int() raises OverflowError.
        ("RegisterClient", OverflowError(INFINITY), "(its whole numbers: clientIdIssuedAt, clientSecretExpiresAt)", []),
        (
            "StartDeviceAuthorization",
            OverflowError(INFINITY),
            "(its whole numbers: expiresIn, interval)",
            ["registration"],
        ),
        ("CreateToken", OverflowError(INFINITY), "(its whole numbers: expiresIn)", ["registration"]),
        # null, [], "text", 123 as the body.
        (
            "CreateToken",
            TypeError("'NoneType' object is not iterable"),
            "(a body that is not a JSON object)",
            ["registration"],
        ),
        (
            "CreateToken",
            AttributeError("'list' object has no attribute 'get'"),
            "(a body that is not a JSON object)",
            ["registration"],
        ),
        (
            "CreateToken",
            UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
            "(a body that is not UTF-8)",
            ["registration"],
        ),
        (
            "CreateToken",
            RecursionError("maximum recursion depth exceeded while decoding a JSON array from a unicode string"),
            "(JSON nested deeper than it reads)",
            ["registration"],
        ),
    ],
)
def test_an_answer_botocore_cannot_read_names_the_call_and_leaves_no_pending_code(call, error, shown, files_left):
    files = {}
    with pytest.raises(sso_login.LoginError) as refused:
        make_login(files, ModelledClient(raises={call: error}))[0].run()
    consequence = {
        "RegisterClient": sso_login.NO_FILE_WRITTEN,
        "StartDeviceAuthorization": sso_login.NOT_STARTED,
        "CreateToken": REDEEMED,
    }[call]
    said = str(error) if len(str(error)) <= 80 else str(error)[:77] + "..."
    assert str(refused.value) == CANNOT_READ.format(call, shown, said, consequence)
    assert sorted(files) == files_left


def test_a_refresh_answer_botocore_cannot_read_leaves_the_token_file_as_it_was():
    files = {"token": token(300)}
    before = files["token"]
    with pytest.raises(sso_login.LoginError) as refused:
        make_login(files, ModelledClient(raises={"CreateToken": OverflowError(INFINITY)}))[0].run()
    assert str(refused.value) == CANNOT_READ.format(
        "CreateToken", "(its whole numbers: expiresIn)", INFINITY, sso_login.TOKEN_UNCHANGED
    )
    assert files == {"token": before}


LONG = "a" * (sso_login.SECRET_LIMIT + 1)
NOT_ASCII = "is not printable ASCII without spaces"
TOO_LONG = "is longer than 65536 characters"


@pytest.mark.parametrize(
    "call, field, value, problem",
    [
        ("CreateToken", "accessToken", "abc def", NOT_ASCII),
        ("CreateToken", "accessToken", "t\u00e9st", NOT_ASCII),
        ("CreateToken", "accessToken", "tok\u200bzero", NOT_ASCII),
        ("CreateToken", "accessToken", LONG, TOO_LONG),
        ("CreateToken", "refreshToken", "r e f", NOT_ASCII),
        ("CreateToken", "refreshToken", LONG, TOO_LONG),
        ("RegisterClient", "clientId", "id\u00e9", NOT_ASCII),
        ("RegisterClient", "clientSecret", "s e c", NOT_ASCII),
        ("RegisterClient", "clientSecret", LONG, TOO_LONG),
        ("StartDeviceAuthorization", "deviceCode", "dc with space", NOT_ASCII),
        ("StartDeviceAuthorization", "deviceCode", LONG, TOO_LONG),
    ],
)
def test_a_secret_of_an_answer_is_what_a_reader_of_the_file_accepts_or_refused_unshown(call, field, value, problem):
    files = {}
    with pytest.raises(sso_login.LoginError) as refused:
        make_login(files, ModelledClient(answers={call: {field: value}}))[0].run()
    consequence = {
        "RegisterClient": sso_login.NO_FILE_WRITTEN,
        "StartDeviceAuthorization": sso_login.NOT_STARTED,
        "CreateToken": REDEEMED,
    }[call]
    assert str(refused.value) == "{0} of sso-session recro answered {1} (not shown) that {2}; {3}".format(
        call, field, problem, consequence
    )
    assert sorted(files) == ([] if call == "RegisterClient" else ["registration"])


@pytest.mark.parametrize("code", ["InternalServerException", "SlowDownException", "ThrottlingException"])
def test_a_refresh_the_service_failed_is_an_error_not_a_login_that_cannot_be_refreshed(code):
    files = {"token": token(300)}
    before = files["token"]
    client = FakeClient(polls=[code])
    with pytest.raises(sso_login.LoginError) as failed:
        make_login(files, client)[0].run()
    assert str(failed.value) == (
        "CreateToken of sso-session recro failed refreshing its token: {0}; the token file was not changed".format(code)
    )
    assert files == {"token": before} and [call for call, dummy in client.calls] == ["CreateToken"]


@pytest.mark.parametrize("code", sorted(sso_login.NOT_REFRESHABLE))
def test_a_refresh_token_the_service_refuses_needs_a_new_login(code):
    files = {"token": token(300)}
    result = make_login(files, FakeClient(polls=[code]), refresh_only=True)[0].run()
    assert result["status"] == "login_required" and not result["changed"]
    assert result["msg"] == "sso-session recro needs a new login (its token is expiring and cannot be refreshed)"
    client = FakeClient(polls=[code])
    result = make_login(files, client, wait=False)[0].run()
    assert result["status"] == "pending" and [call for call, dummy in client.calls] == [
        "CreateToken",
        "RegisterClient",
        "StartDeviceAuthorization",
    ]


class RedeemedElsewhere(FakeClient):
    """Polls of a code another run redeemed meanwhile: it wrote ``written`` as the token."""

    def __init__(self, files, written, code="InvalidGrantException"):
        super().__init__()
        self.files, self.written, self.code = files, written, code

    def create_token(self, **arguments):
        self.calls.append(("CreateToken", arguments))
        if self.written is not None:
            self.files["token"] = self.written
        raise ServiceError(self.code)


@pytest.mark.parametrize("code", ["InvalidGrantException", "ExpiredTokenException"])
def test_a_wait_on_a_code_another_run_redeemed_reports_the_token_it_wrote(code):
    files = {}
    written = token(3600)
    result = make_login(files, RedeemedElsewhere(files, written, code))[0].run()
    expires_at = json.loads(written)["expiresAt"]
    assert result["status"] == "valid" and not result["changed"] and result["usable"]
    assert result["msg"] == (
        "logged in to sso-session recro until {0} (by another run that waited on the same code)".format(expires_at)
    )
    assert result["expires_at"] == expires_at and result["user_code"] == "AB-CD"
    assert files["token"] == written


@pytest.mark.parametrize(
    "written", [None, token(-60, refreshToken=None), token(3600, startUrl="https://y/start"), b"not json"]
)
def test_a_wait_on_a_spent_code_without_a_usable_token_fails(written):
    files = {}
    with pytest.raises(sso_login.LoginError) as failed:
        make_login(files, RedeemedElsewhere(files, written))[0].run()
    assert str(failed.value) == "CreateToken of sso-session recro failed: InvalidGrantException"
    assert "pending" not in files and files.get("token") == written


class SpentCode(FakeClient):
    """Polls of a code that expired unapproved: nobody wrote a token meanwhile."""

    def create_token(self, **arguments):
        self.calls.append(("CreateToken", arguments))
        raise ServiceError("ExpiredTokenException")


@pytest.mark.parametrize(
    "found, params",
    [
        (token(3600), dict(force=True)),  # a forced login keeps the token it found until it has a new one
        (token(600, refreshToken=None), dict()),  # about to expire, not refreshable: a new login was needed
    ],
    ids=["forced", "expiring"],
)
def test_the_token_found_at_the_start_is_no_login_of_another_run(found, params):
    files = {"token": found}
    with pytest.raises(sso_login.LoginError) as failed:
        make_login(files, SpentCode(), **params)[0].run()
    assert str(failed.value) == "the device code of sso-session recro expired before the login was approved"
    assert "pending" not in files and files["token"] == found


def registration_entry(client_id):
    return json.dumps(
        {
            "clientId": client_id,
            "clientSecret": "old-secret",
            "expiresAt": sso_login.format_time(NOW + datetime.timedelta(days=30)),
            "scopes": ["sso:account:access"],
        }
    ).encode()


class ForgetfulService(FakeClient):
    """A service that no longer knows the clients ``forgotten``."""

    def __init__(self, forgotten):
        super().__init__()
        self.forgotten = forgotten

    def start_device_authorization(self, **arguments):
        answer = super().start_device_authorization(**arguments)
        if arguments["clientId"] in self.forgotten:
            raise ServiceError("InvalidClientException")
        return answer


def test_a_cached_registration_the_service_no_longer_knows_is_replaced_once():
    files = {"registration": registration_entry("revoked")}
    client = ForgetfulService({"revoked"})
    result = make_login(files, client, wait=False)[0].run()
    assert result["status"] == "pending" and result["changed"]
    assert [(call, arguments.get("clientId")) for call, arguments in client.calls] == [
        ("StartDeviceAuthorization", "revoked"),
        ("RegisterClient", None),
        ("StartDeviceAuthorization", "cid"),
    ]
    assert json.loads(files["registration"])["clientId"] == "cid"
    assert json.loads(files["pending"])["clientId"] == "cid"


@pytest.mark.parametrize("cached", [True, False])
def test_a_registration_refused_just_after_it_was_made_fails_naming_its_file(cached):
    files = {"registration": registration_entry("revoked")} if cached else {}
    client = ForgetfulService({"revoked", "cid"})
    with pytest.raises(sso_login.LoginError) as failed:
        make_login(files, client, wait=False)[0].run()
    assert str(failed.value) == (
        "StartDeviceAuthorization of sso-session recro failed: InvalidClientException for the client registered "
        "just now; its registration file registration was removed; no login was started"
    )
    assert files == {}
    assert [call for call, dummy in client.calls].count("RegisterClient") == 1


@pytest.mark.parametrize("scopes", [[1], "sso:account:access", {"x": 1}, [None], ["sso:account:access extra"], []])
def test_a_cached_registration_whose_scopes_are_not_a_list_of_scopes_is_not_used(scopes):
    registration = {
        "clientId": "c",
        "clientSecret": "s",
        "expiresAt": "2027-01-01T00:00:00Z",
        "grantTypes": ["authorization_code", "refresh_token"],
        "scopes": scopes,
    }
    assert sso_login.registration_usable(dict(registration, scopes=["sso:account:access"]), "pkce", NOW)
    assert sso_login.registration_usable(dict(registration, scopes=None), "pkce", NOW)
    usable = scopes == []  # no scopes: the session's are asked for
    assert sso_login.registration_usable(registration, "pkce", NOW) is usable


@pytest.mark.parametrize("check_mode, removed", [(False, ["token", "registration", "pending"]), (True, [])])
def test_leftovers_of_a_killed_write_are_removed_under_the_lock(check_mode, removed):
    events = []

    @contextlib.contextmanager
    def locked():
        events.append("lock")
        yield
        events.append("unlock")

    files = {"token": token(3600)}
    login = sso_login.Login(
        dict(flow="device_code", wait=True, timeout=600, force=False, refresh_only=False),
        ("recro", "https://x/start", "us-east-1", ["sso:account:access"]),
        sso_login.Files(
            "token", "registration", "pending", files.get, files.__setitem__, files.pop, HOME, events.append
        ),
        client=lambda: pytest.fail("no client may be made"),
        clock=lambda: NOW,
        sleep=pytest.fail,
        is_client_error=lambda error: False,
        locked=locked,
        check_mode=check_mode,
    )
    assert login.run()["status"] == "valid"
    assert events == ["lock"] + removed + ["unlock"]


@pytest.mark.parametrize(
    "content, problem",
    [
        (b'{"accessToken": "abc", "expiresAt": ', "not JSON (Expecting value: line 1 column 37 (char 36))"),
        (b"[1, 2]", "the cache file holds no accessToken"),
        (b"\xff\xfe", "not JSON ('utf-8' codec can't decode byte 0xff in position 0: invalid start byte)"),
        (b"[" * 100000 + b"]" * 100000, "not JSON (nested too deeply)"),
        (b" " * sso_cache.FILE_LIMIT + b"{}", TOKEN_PATH + " is larger than 1048576 bytes"),
    ],
)
def test_a_token_file_that_is_not_a_login_is_told_invalid_with_its_problem(content, problem):
    files = {"token": content}
    result = make_login(files, None, refresh_only=True)[0].run()
    assert result["status"] == "login_required" and not result["usable"]
    assert result["msg"] == "sso-session recro needs a new login (its token cache cannot be used: {0})".format(problem)
    assert files == {"token": content}


def test_a_dropped_or_stalled_connection_while_polling_is_tried_again():
    import botocore.exceptions

    from ansible_collections.recro.aws_sso.plugins.modules import aws_sso_login

    for error in (
        botocore.exceptions.ConnectionClosedError(endpoint_url="http://127.0.0.1:1/token"),
        botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1:1/token"),
        botocore.exceptions.ResponseStreamingError(error="connection reset"),
        botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1/token"),
    ):
        assert aws_sso_login.is_transient(error), error
    denied = botocore.exceptions.ClientError(
        {"Error": {"Code": "AccessDeniedException"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "CreateToken"
    )
    assert not aws_sso_login.is_transient(denied)
    assert not aws_sso_login.is_transient(botocore.exceptions.ParamValidationError(report="x"))
