# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one owner of a session's rules: name, start URL, Region, scopes, the stanza."""

from __future__ import annotations

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import AwsConfig
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import session

URL = "https://example.awsapps.com/start"


@pytest.mark.parametrize(
    "raw, parsed",
    [
        (None, None),
        ("sso:account:access", ["sso:account:access"]),
        (" a ,b,, ", ["a", "b"]),
        # Set but empty: a list of no scopes, not "unset" (the AWS CLI's registration cache key).
        ("", []),
        (",", []),
        (" , ", []),
    ],
)
def test_scopes_are_parsed_as_the_aws_cli_parses_them(raw, parsed):
    assert session.parse_scopes(raw) == parsed


def config_with(body):
    return AwsConfig("[sso-session recro]\n" + body)


def test_a_stanza_gives_the_session():
    found = session.from_config(
        config_with("sso_start_url = {0}\nsso_region = eu-west-1\nsso_registration_scopes = ,\n".format(URL)),
        "recro",
        "/cfg",
    )
    assert found == session.Session("recro", URL, "eu-west-1", [])


def test_a_missing_stanza_names_the_option_the_file_and_the_sessions_it_has():
    with pytest.raises(ParameterError) as refused:
        session.from_config(config_with("sso_region = eu-west-1\n"), "other", "/cfg")
    assert str(refused.value) == "sso_session: 'other' has no [sso-session other] stanza in /cfg; it has recro"
    assert refused.value.parameter == "sso_session"


@pytest.mark.parametrize("key", ["sso_start_url", "sso_region"])
def test_a_stanza_without_a_start_url_or_region_is_refused_naming_the_key(key):
    values = {"sso_start_url": URL, "sso_region": "eu-west-1"}
    del values[key]
    body = "".join("{0} = {1}\n".format(name, value) for name, value in values.items())
    with pytest.raises(ParameterError) as refused:
        session.from_config(config_with(body), "recro", "/cfg")
    assert str(refused.value) == "sso_session: 'recro' has no {0} in its [sso-session recro] stanza in /cfg".format(key)


def test_find_gives_nothing_without_the_stanza():
    assert session.find(config_with("sso_region = eu-west-1\n"), "other") is None
    assert session.find(config_with("sso_region = eu-west-1\n"), "recro") == ("recro", None, "eu-west-1", None)
    assert session.find(config_with("sso_registration_scopes = ,\n"), "recro").scopes == []


def options(**given):
    params = dict(sso_session="recro", sso_start_url=None, sso_region=None, sso_registration_scopes=None)
    params.update(given)
    return params


def test_options_without_a_start_url_mean_read_the_stanza():
    assert session.from_options(options()) is None


def test_options_default_to_the_default_scope_as_the_stanza_aws_sso_profile_writes():
    given = session.from_options(options(sso_start_url=URL, sso_region="eu-west-1"))
    assert given == session.Session("recro", URL, "eu-west-1", list(session.DEFAULT_SCOPES))


@pytest.mark.parametrize(
    "given, message",
    [
        (dict(sso_region="eu-west-1"), "sso_region: 'eu-west-1' needs sso_start_url"),
        (dict(sso_start_url=URL), "sso_region: None is missing: it goes with sso_start_url"),
        (dict(sso_session="a b"), "sso_session: 'a b' is not a name every AWS tool reads"),
        (dict(sso_session="a\nb"), "sso_session: 'a\\nb' contains the control character U+000A"),
        (dict(sso_start_url="http://x", sso_region="eu-west-1"), "sso_start_url: 'http://x' is not an https URL"),
        (
            dict(sso_start_url="https://u:secret@x.example/start", sso_region="eu-west-1"),
            "sso_start_url: 'https://<user info>@x.example/start' holds a user name or password",
        ),
        (
            dict(sso_start_url=" https://u:secret@x.example/start", sso_region="eu-west-1"),
            "sso_start_url: ' https://<user info>@x.example/start' has leading or trailing whitespace",
        ),
        (
            dict(sso_start_url="http://u:secret@x.example/start", sso_region="eu-west-1"),
            "sso_start_url: 'http://<user info>@x.example/start' is not an https URL",
        ),
        (dict(sso_start_url=URL, sso_region="EU"), "sso_region: 'EU' is not an AWS Region name"),
        (
            dict(sso_start_url=URL, sso_region="eu-west-1", sso_registration_scopes=["a b"]),
            "sso_registration_scopes[0]: 'a b' is not a scope",
        ),
    ],
)
def test_bad_options_are_refused_naming_the_option_and_the_value(given, message):
    with pytest.raises(ParameterError) as refused:
        session.from_options(options(**given))
    assert str(refused.value).startswith(message)
    assert "secret" not in str(refused.value)


def test_the_login_command_is_the_aws_cli_v2_one():
    assert session.login_command("recro") == "aws sso login --sso-session recro"


def test_the_login_command_quotes_a_name_no_check_has_read():
    assert session.login_command("recro.dev@x:1") == "aws sso login --sso-session recro.dev@x:1"
    assert session.login_command("x; id") == "aws sso login --sso-session 'x; id'"


def test_a_session_reads_the_keys_of_default_as_botocore_does():
    config = AwsConfig(
        "[DEFAULT]\nsso_region = us-east-1\n\n[sso-session s]\nsso_start_url = https://a.awsapps.com/start\n"
        "[sso-session t]\nsso_start_url = https://b.awsapps.com/start\nsso_region = eu-west-1\n"
    )
    assert session.from_config(config, "s", "/c").region == "us-east-1"
    assert session.find(config, "t").region == "eu-west-1"


def test_the_login_command_of_a_profile_is_quoted_for_a_shell():
    assert session.login_command(None, "dev") == "aws sso login --profile dev"
    assert session.login_command("", "dev;id") == "aws sso login --profile 'dev;id'"
    assert session.login_command("recro", "dev;id") == "aws sso login --sso-session recro"
    assert session.login_command(None) == "aws sso login"
