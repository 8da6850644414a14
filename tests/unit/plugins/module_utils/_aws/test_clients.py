# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one client factory: the botocore minimum, the service models it reads, the
deadline, and the one sentence every module gives for a failed call."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import botocore
import botocore.exceptions
import botocore.loaders
import botocore.session
import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._aws import clients
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ServiceError

LOGIN = "aws sso login --sso-session recro"


def client_error(code, operation="ListAccounts"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "no"}}, operation)


def describe(error):
    call = clients.call_of(error, "ListAccounts")
    return clients.describe(error, "sso", call, "us-east-1", "sso-session recro", LOGIN, "; nothing was changed")


@pytest.mark.parametrize("version", ["1.34.102", "1.29.0", "0.99.200"])
def test_an_older_botocore_is_refused_naming_both_versions(version):
    with pytest.raises(ServiceError) as raised:
        clients.check_botocore_version(version)
    assert str(raised.value).startswith(
        "botocore {0} is older than 1.34.103, which recro.aws_sso needs (the sso-oidc parameters of a PKCE login".format(
            version
        )
    )


@pytest.mark.parametrize("version", ["1.34.103", "1.34.110", "1.40.0", "2.0.0", botocore.__version__])
def test_the_minimum_and_later_pass(version):
    clients.check_botocore_version(version)


def test_the_installed_botocore_is_loaded_and_passes():
    assert clients.load_botocore() is botocore


def test_loading_an_older_botocore_fails_before_any_client_is_made(monkeypatch):
    monkeypatch.setattr(botocore, "__version__", "1.34.0")
    with pytest.raises(ServiceError, match=r"^botocore 1\.34\.0 is older than 1\.34\.103, which recro\.aws_sso needs"):
        clients.client("sso", "us-east-1", unsigned=True)


def test_the_requirements_file_names_the_same_minimum():
    text = (Path(clients.__file__).resolve().parents[3] / "requirements.txt").read_text(encoding="utf-8")
    assert "botocore>={0}\n".format(clients.MINIMUM_BOTOCORE_VERSION) in text


@pytest.mark.parametrize(
    "error, message",
    [
        (
            botocore.exceptions.TokenRetrievalError(provider="sso", error_msg="expired"),
            "sso-session recro has no usable SSO login (Error when retrieving token from sso: expired): run `{0}`".format(
                LOGIN
            ),
        ),
        (botocore.exceptions.UnauthorizedSSOTokenError(), "sso-session recro has no usable SSO login ("),
        (
            client_error("UnauthorizedException"),
            "the SSO portal refused the login of sso-session recro (signed out, or the session ended): run `{0}`".format(
                LOGIN
            ),
        ),
        (
            client_error("TooManyRequestsException"),
            "the SSO portal refused ListAccounts of sso-session recro: An error occurred (TooManyRequestsException) "
            "when calling the ListAccounts operation: no",
        ),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://portal.sso.us-east-1.amazonaws.com"),
            "cannot reach the SSO portal in us-east-1: Could not connect to the endpoint URL: "
            '"https://portal.sso.us-east-1.amazonaws.com" (calling ListAccounts for sso-session recro)',
        ),
        (
            botocore.exceptions.ReadTimeoutError(endpoint_url="https://portal.sso.us-east-1.amazonaws.com"),
            "the SSO portal in us-east-1 timed out on ListAccounts for sso-session recro (3 attempts, 5 s to connect, "
            "15 s per read): ",
        ),
        (
            botocore.exceptions.NoRegionError(),
            "the SSO portal in us-east-1: ListAccounts for sso-session recro failed: You must specify a region.",
        ),
        (
            clients.deadline_error("ListAccountRoles"),
            "the SSO portal in us-east-1 did not finish ListAccountRoles for sso-session recro within 45 s, the "
            "deadline of the whole operation (3 attempts, 5 s to connect, 15 s per read)",
        ),
    ],
)
def test_each_kind_of_error_reads_the_same_in_every_module(error, message):
    text = describe(error)
    assert text.startswith(message)
    assert text.endswith("; nothing was changed")


def test_no_secret_botocore_echoes_reaches_a_message():
    error = botocore.exceptions.ParamValidationError(
        report="Invalid type for parameter refreshToken, value: aorSECRETVALUE, type: <class 'int'>"
    )
    text = clients.describe(error, "sso-oidc", "CreateToken", "us-east-1", "sso-session recro", LOGIN, secrets=("x",))
    assert text.startswith(
        "the sso-oidc service was not called: botocore refused a value of CreateToken for sso-session recro: "
        "Parameter validation failed: Invalid type for parameter refreshToken, value: <secret>, type: "
    )
    assert "aorSECRETVALUE" not in text
    assert clients.scrub("accessToken=abc clientSecret: 'xyz' token aoa123", secrets=("aoa123",)) == (
        "accessToken=<secret> clientSecret: <secret> token <secret>"
    )


def test_calling_names_the_call_in_progress_when_botocore_names_none():
    with pytest.raises(ServiceError) as raised:
        with clients.calling("sso", "us-east-1", "sso-session recro", LOGIN, "; nothing was changed") as step:
            step["call"] = "ListAccountRoles"
            raise botocore.exceptions.ReadTimeoutError(endpoint_url="http://127.0.0.1:1")
    assert str(raised.value).startswith("the SSO portal in us-east-1 timed out on ListAccountRoles for ")
    # A ClientError names its own operation.
    with pytest.raises(ServiceError, match="refused Logout of sso-session recro"):
        with clients.calling("sso", "us-east-1", "sso-session recro", LOGIN):
            raise client_error("InternalServerException", "Logout")


def test_a_call_that_outlives_the_deadline_is_abandoned_and_named(monkeypatch):
    monkeypatch.setattr(clients, "DEADLINE", 0.5)
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(botocore.exceptions.BotoCoreError) as raised:
        clients.bounded("ListAccounts", release.wait, 30)
    assert time.monotonic() - started < 5
    assert raised.value.kwargs["call"] == "ListAccounts"
    release.set()
    # Within the deadline: the value, or the call's own error.
    assert clients.bounded("ListAccounts", lambda: 42) == 42
    with pytest.raises(KeyError):
        clients.bounded("ListAccounts", {}.__getitem__, "x")


def test_parallel_map_keeps_the_order_and_raises_the_first_error():
    assert clients.parallel_map(lambda n: n * n, list(range(20)), workers=3) == [n * n for n in range(20)]
    assert clients.parallel_map(str, []) == []
    with pytest.raises(ZeroDivisionError):
        clients.parallel_map(lambda n: 1 // n, [1, 0, 2])


def test_service_models_come_only_from_botocore_itself(tmp_path, monkeypatch):
    # A planted model that would send the portal's calls elsewhere, where AWS_DATA_PATH points.
    planted = tmp_path / "sso" / "2019-06-10"
    planted.mkdir(parents=True)
    model = botocore.loaders.create_loader().load_service_model("sso", "service-2")
    model["operations"]["ListAccounts"]["http"]["requestUri"] = "/planted"
    (planted / "service-2.json").write_text(json.dumps(model), encoding="utf-8")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    # What botocore does by default: the planted model wins.
    assert botocore.session.Session().get_service_model("sso").operation_model("ListAccounts").http["requestUri"] == (
        "/planted"
    )
    session = clients.session()
    loader = session.get_component("data_loader")
    assert loader.search_paths == [botocore.loaders.Loader.BUILTIN_DATA_PATH]
    portal = clients.client("sso", "us-east-1", unsigned=True)
    assert portal.meta.service_model.operation_model("ListAccounts").http["requestUri"] == "/assignment/accounts"
    assert portal.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (portal.meta.config.connect_timeout, portal.meta.config.read_timeout) == (5, 15)


def _flat(text):
    return " ".join(text.split())


def test_the_docs_state_the_numbers_the_clients_use():
    """One statement of the deadlines and the botocore minimum, in the doc fragment every
    module that calls AWS extends."""
    from ansible_collections.recro.aws_sso.plugins.doc_fragments.aws_calls import ModuleDocFragment

    docs = _flat(ModuleDocFragment.DOCUMENTATION)
    stated = "{0} s to connect, {1} s for each read, botocore's standard retries ({2} attempts)".format(
        clients.CONNECT_TIMEOUT, clients.READ_TIMEOUT, clients.MAX_ATTEMPTS
    )
    assert stated in docs
    assert "ends within {0} s".format(clients.DEADLINE) in docs
    assert "botocore {0} or later".format(clients.MINIMUM_BOTOCORE_VERSION) in docs


MODULES = Path(__file__).resolve().parents[5] / "plugins" / "modules"


def _calls_aws(source):
    return "module_utils._aws import" in source or "module_utils._aws.clients" in source or "_aws.discovery" in source


@pytest.mark.parametrize("path", sorted(MODULES.glob("aws_sso_*.py")), ids=lambda path: path.stem)
def test_every_module_that_calls_aws_extends_the_fragment_and_repeats_no_number(path):
    import importlib

    source = path.read_text()
    docs = _flat(
        importlib.import_module("ansible_collections.recro.aws_sso.plugins.modules." + path.stem).DOCUMENTATION
    )
    assert ("recro.aws_sso.aws_calls" in docs) is _calls_aws(source)
    assert "s to connect" not in docs
    assert clients.MINIMUM_BOTOCORE_VERSION not in docs


def test_a_secret_botocore_quotes_in_an_error_is_scrubbed_in_every_form():
    # A cached token with a line break reaches an HTTP header; urllib3 quotes it as bytes.
    token = "ACCESSTOKEN-SEKRIT-9999\nX-Injected: 1"
    error = botocore.exceptions.HTTPClientError(error="Invalid header value {0!r}".format(token.encode()))
    text = clients.describe(error, "sso", "Logout", "us-east-1", "sso-session recro", LOGIN, secrets=(token,))
    assert "SEKRIT" not in text and "<secret>" in text


def test_what_a_service_says_reaches_a_message_on_one_line_without_escapes():
    error = botocore.exceptions.ClientError(
        {"Error": {"Code": "Evil\x1b]0;pwned\x07", "Message": "a\nINJECTED LINE\x1b[2J"}}, "RegisterClient"
    )
    text = clients.describe(error, "sso-oidc", "RegisterClient", "us-east-1", "sso-session recro", LOGIN)
    assert "\n" not in text and "\x1b" not in text and "\x07" not in text
    assert "INJECTED LINE" in text
