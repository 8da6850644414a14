# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The login, discovery and identity modules through ``ansible-playbook``.

The SSO portal and STS cannot be reached from here: the portal is a local server
speaking its real REST protocol (``tests/support/sso_portal.py``) and STS is
moto's server; ``AWS_ENDPOINT_URL_SSO``/``AWS_ENDPOINT_URL_STS`` point botocore
at them. Token caches are written as ``aws sso login`` writes them.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.recro.aws_sso.tests.support.aws_servers import DEFAULT_ORGANIZATION, SSO_REGION, START_URL

WRITE_SESSION = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The organisation's session and one profile
      recro.aws_sso.aws_sso_profile:
        sso_session: recro
        sso_start_url: {start_url}
        sso_region: us-east-1
        region: us-east-1
        profiles:
          - name: recrocog-admin
            sso_account_id: "111111111111"
            sso_role_name: adminAccess
""".format(start_url=START_URL)

SAVE = """
    - name: Save what the test looks at
      ansible.builtin.copy:
        content: "{{{{ {0} | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
"""


def playbook(tasks, saved):
    """A playbook on localhost that runs ``tasks`` and saves the dict expression ``saved``."""
    return WRITE_SESSION + tasks + SAVE.format(saved)


SESSION_INFO = """
    - name: Report the session
      recro.aws_sso.aws_sso_session_info:
        expiry_margin: 3600
        query: "sessions[?status!='valid'].login_command"
      register: info
"""


def test_session_info_without_a_login_says_how_to_log_in(aws_servers, run_playbook):
    run = run_playbook(playbook(SESSION_INFO, "info"), aws_servers.env)
    assert run.returncode == 0, run.output
    session = run.saved["sessions"][0]
    assert session["name"] == "recro" and session["status"] == "missing" and not session["token_found"]
    assert session["profiles"] == ["recrocog-admin"]
    assert session["token_cache_file"] == str(aws_servers.token_cache_file())
    assert session["message"] == "not logged in to sso-session recro: run `aws sso login --sso-session recro`"
    assert run.saved["query_result"] == ["aws sso login --sso-session recro"]


def test_session_info_after_a_login_never_shows_the_token(aws_servers, run_playbook):
    token = aws_servers.log_in()
    run = run_playbook(playbook(SESSION_INFO, "info"), aws_servers.env)
    assert run.returncode == 0, run.output
    session = run.saved["sessions"][0]
    assert session["status"] == "valid" and session["refreshable"] and not session["expiring"]
    assert session["expires_at"] == token["expiresAt"]
    assert 7 * 3600 < session["expires_in"] <= 8 * 3600
    assert run.saved["query_result"] == []
    for secret in (token["accessToken"], token["refreshToken"], token["clientSecret"]):
        assert secret not in run.output
        assert secret not in str(run.saved)


def test_session_info_reports_an_expired_login(aws_servers, run_playbook):
    token = aws_servers.log_in(expired=True, refreshable=False)
    run = run_playbook(playbook(SESSION_INFO, "info"), aws_servers.env)
    session = run.saved["sessions"][0]
    assert session["status"] == "expired" and session["expired"] and session["expires_in"] < 0
    assert session["message"].startswith("the login to sso-session recro expired at {0} (".format(token["expiresAt"]))
    assert session["message"].endswith("ago): run `aws sso login --sso-session recro`")


def test_every_module_judges_a_login_to_another_start_url_as_no_login(aws_servers, run_playbook):
    # One rule (_sso.token.login_state): botocore would use the token, but for another organisation's portal.
    aws_servers.log_in(start_url="https://other-org.awsapps.com/start")
    tasks = (
        SESSION_INFO
        + """
    - name: List the accounts with it
      recro.aws_sso.aws_sso_accounts_info:
        sso_session: recro
      register: access
      ignore_errors: true
"""
    )
    run = run_playbook(playbook(tasks, "dict(info=info, access=access)"), aws_servers.env)
    session = run.saved["info"]["sessions"][0]
    assert session["status"] == "invalid", session
    assert "it is a login to another start URL" in session["message"]
    assert run.saved["access"]["failed"]
    assert "it is a login to another start URL" in run.saved["access"]["msg"]
    assert aws_servers.portal.requests == []


LOOK_UP_BY_NAME = """
    - name: Look up the session of the config
      recro.aws_sso.aws_sso_session_info:
        name: recro
      register: present
    - name: Look up a session the config does not have
      recro.aws_sso.aws_sso_session_info:
        name: other
      register: absent
"""


def test_session_info_by_name_reports_a_missing_stanza_as_a_status(aws_servers, run_playbook):
    aws_servers.log_in()
    run = run_playbook(playbook(LOOK_UP_BY_NAME, "{'present': present, 'absent': absent}"), aws_servers.env)
    assert run.returncode == 0, run.output
    present, absent = run.saved["present"], run.saved["absent"]
    assert present["session"]["status"] == "valid" and present["session"]["stanza_found"]
    assert present["sessions"] == [{k: v for k, v in present["session"].items() if k != "stanza_found"}]
    assert not absent.get("failed") and absent["sessions"] == []
    assert absent["session"] == {
        "name": "other",
        "stanza_found": False,
        "status": "missing",
        "login_command": "aws sso login --sso-session other",
        "token_cache_file": str(aws_servers.token_cache_file("other")),
        "message": "{0} has no [sso-session other] stanza: nothing to log in to yet".format(aws_servers.config_file),
    }


LOOK_UP_BY_SSO_SESSION = """
    - name: Look up the session of the config
      recro.aws_sso.aws_sso_session_info:
        sso_session: recro
      register: present
    - name: Look up a session the config does not have
      recro.aws_sso.aws_sso_session_info:
        sso_session: other
      register: absent
    - name: Look up a name no AWS tool reads
      recro.aws_sso.aws_sso_session_info:
        sso_session: "recro other"
      register: refused
      ignore_errors: true
"""


def test_session_info_sso_session_is_the_look_up_name_is_its_alias(aws_servers, run_playbook):
    aws_servers.log_in()
    saved = "{'present': present, 'absent': absent, 'refused': refused}"
    by_option = run_playbook(playbook(LOOK_UP_BY_SSO_SESSION, saved), aws_servers.env)
    assert by_option.returncode == 0, by_option.output
    by_alias = run_playbook(playbook(LOOK_UP_BY_NAME, "{'present': present, 'absent': absent}"), aws_servers.env)

    def without_clock(report):  # expires_in counts down between the two runs
        return {key: value for key, value in report.items() if key != "expires_in"}

    for key in ("present", "absent"):
        assert without_clock(by_option.saved[key]["session"]) == without_clock(by_alias.saved[key]["session"])
        assert [without_clock(item) for item in by_option.saved[key]["sessions"]] == [
            without_clock(item) for item in by_alias.saved[key]["sessions"]
        ]
    assert by_option.saved["present"]["session"]["status"] == "valid"
    assert by_option.saved["absent"]["session"]["status"] == "missing" and not by_option.saved["absent"].get("failed")
    refused = by_option.saved["refused"]
    assert refused["failed"] and "session" not in refused
    assert refused["msg"] == (
        "sso_session: 'recro other' is not a name every AWS tool reads: use letters, digits and _ . @ % + : - only, "
        "not starting with -"
    )


ACCOUNTS = """
    - name: List accounts and roles
      recro.aws_sso.aws_sso_accounts_info:
        query: "{query}"
      register: access
      ignore_errors: true
"""


def test_accounts_info_lists_every_page_and_applies_the_query(aws_servers, run_playbook):
    aws_servers.log_in()
    query = "accounts[?starts_with(account_name, 'recrocog-')].{id: account_id, roles: roles[?@ != 'readOnly']}"
    run = run_playbook(playbook(ACCOUNTS.format(query=query), "access"), aws_servers.env)
    assert run.returncode == 0, run.output
    expected = [
        dict(
            account_id=account["accountId"],
            account_name=account["accountName"],
            email_address=account["emailAddress"],
            roles=account["roles"],
        )
        for account in DEFAULT_ORGANIZATION["accounts"]
    ]
    assert run.saved["accounts"] == expected
    assert run.saved["query_result"] == [
        {"id": "222222222222", "roles": ["adminAccess"]},
        {"id": "333333333333", "roles": []},
    ]
    # Three accounts at two a page, and three roles in the first account: several pages each.
    assert len(aws_servers.portal.requests_for("ListAccounts")) == 2
    assert len(aws_servers.portal.requests_for("ListAccountRoles")) == 4


def test_accounts_info_without_a_login_fails_with_the_login_command(aws_servers, run_playbook):
    run = run_playbook(playbook(ACCOUNTS.format(query="accounts"), "access"), aws_servers.env)
    assert run.saved["failed"]
    assert run.saved["msg"] == "not logged in to sso-session recro: run `aws sso login --sso-session recro`"
    assert aws_servers.portal.requests == []


def test_accounts_info_with_an_expired_login_fails_with_the_login_command(aws_servers, run_playbook):
    token = aws_servers.log_in(expired=True)
    run = run_playbook(playbook(ACCOUNTS.format(query="accounts"), "access"), aws_servers.env)
    assert run.saved["failed"]
    assert run.saved["msg"].startswith("the login to sso-session recro expired at {0} (".format(token["expiresAt"]))
    # The rule every module judges a login by (aws_sso_profile says the same): a refresh token renews it.
    assert run.saved["msg"].endswith("ago): the AWS tools refresh it on next use")


def test_accounts_info_when_the_portal_refuses_the_token(aws_servers, run_playbook):
    token = aws_servers.log_in()
    aws_servers.portal.revoke_access_token(token["accessToken"])
    run = run_playbook(playbook(ACCOUNTS.format(query="accounts"), "access"), aws_servers.env)
    assert run.saved["failed"]
    assert run.saved["msg"] == (
        "the SSO portal refused the login of sso-session recro (signed out, or the session ended): "
        "run `aws sso login --sso-session recro`"
    )
    assert [request.status for request in aws_servers.portal.requests] == [401]


IDENTITY = """
    - name: Verify the identity
      recro.aws_sso.aws_sso_identity_info:
        profile: recrocog-admin
      register: identity
      ignore_errors: true
"""


def test_identity_goes_through_botocores_sso_provider_to_sts(aws_servers, run_playbook):
    aws_servers.log_in()
    run = run_playbook(playbook(IDENTITY, "identity"), aws_servers.env)
    assert run.returncode == 0, run.output
    assert run.saved["account"] == "111111111111"
    assert run.saved["arn"] == aws_servers.organization.assumed_role_arn("111111111111", "adminAccess")
    assert run.saved["arn"].startswith("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_adminAccess_")
    assert [request.operation for request in aws_servers.portal.requests] == ["GetRoleCredentials"]


def test_identity_without_a_login_fails_with_the_login_command(aws_servers, run_playbook):
    run = run_playbook(playbook(IDENTITY, "identity"), aws_servers.env)
    assert run.saved["failed"]
    assert run.saved["msg"].startswith("profile 'recrocog-admin' has no usable SSO login (")
    assert run.saved["msg"].endswith("): run `aws sso login --sso-session recro`")


def test_modules_needing_boto3_say_so_on_a_target_without_it(aws_servers, run_playbook, python_without_boto3):
    aws_servers.log_in()
    tasks = (
        ACCOUNTS.format(query="accounts")
        + IDENTITY
        + SESSION_INFO.replace('query: "sessions[?status!=\'valid\'].login_command"', "")
    )
    run = run_playbook(
        playbook(tasks, "{'access': access, 'identity': identity, 'info': info}"),
        aws_servers.env,
        interpreter=python_without_boto3,
    )
    assert run.returncode == 0, run.output
    for result in (run.saved["access"], run.saved["identity"]):
        assert result["failed"]
        assert result["msg"].startswith("Failed to import the required Python library (boto3) on ")
    assert run.saved["info"]["sessions"][0]["status"] == "valid"  # the standard-library module works there


def test_the_aws_cli_resolves_the_same_identity(aws_servers, run_playbook):
    aws_servers.log_in()
    run = run_playbook(WRITE_SESSION, aws_servers.env)
    assert run.returncode == 0, run.output
    cli = aws_servers.aws_cli(
        "sts", "get-caller-identity", "--profile", "recrocog-admin", "--query", "Arn", "--output", "text"
    )
    assert cli == aws_servers.organization.assumed_role_arn("111111111111", "adminAccess")


def test_accounts_info_with_the_portal_region_needs_no_stanza(aws_servers, run_playbook):
    aws_servers.log_in()
    tasks = """
    - name: Forget the stanza, as before the first write
      ansible.builtin.file:
        path: "{0}"
        state: absent

    - name: List accounts and roles with the session's name and Region
      recro.aws_sso.aws_sso_accounts_info:
        sso_session: recro
        sso_region: "{1}"
        profile_name_template: "{{account_name}}-{{role}}"
      register: access
""".format(aws_servers.config_file, SSO_REGION)
    run = run_playbook(playbook(tasks, "access"), aws_servers.env)
    assert run.returncode == 0, run.output
    assert [account["account_id"] for account in run.saved["accounts"]] == [
        account["accountId"] for account in DEFAULT_ORGANIZATION["accounts"]
    ]
    assert {"name": "recrocog-admin", "sso_account_id": "111111111111", "sso_role_name": "adminAccess"} in run.saved[
        "profiles"
    ]
    assert not aws_servers.config_file.exists()


def test_accounts_info_refuses_a_bad_region_before_any_call(aws_servers, run_playbook):
    aws_servers.log_in()
    tasks = """
    - name: List accounts with a Region that is not one
      recro.aws_sso.aws_sso_accounts_info:
        sso_session: recro
        sso_region: "us-east-1\\n[profile x]"
      register: access
      ignore_errors: true
"""
    run = run_playbook(playbook(tasks, "access"), aws_servers.env)
    assert run.saved["failed"]
    assert run.saved["msg"].startswith("sso_region: 'us-east-1\\n[profile x]' "), run.saved["msg"]
    assert aws_servers.portal.requests == []


# WRITE_SESSION, registered: what the config write read of the login.
PROFILE_LOGIN = WRITE_SESSION + "      register: written\n" + SAVE.format("written.login")


@pytest.mark.parametrize(
    "login, status, usable, refreshable, message",
    [
        (None, "missing", False, False, "not logged in to sso-session recro: run `aws sso login --sso-session recro`"),
        ({}, "valid", True, True, "logged in to sso-session recro until "),
        ({"expired": True}, "expired", False, True, "the login to sso-session recro expired at "),
        (
            {"expired": True, "refreshable": False},
            "expired",
            False,
            False,
            "the login to sso-session recro expired at ",
        ),
        (
            {"start_url": "https://other.awsapps.com/start"},
            "invalid",
            False,
            False,
            "the token cache of sso-session recro cannot be used (it is a login to another start URL)",
        ),
    ],
)
def test_the_config_write_says_whether_the_session_is_logged_in(
    aws_servers, run_playbook, login, status, usable, refreshable, message
):
    token = aws_servers.log_in(**login) if login is not None else None
    run = run_playbook(PROFILE_LOGIN, aws_servers.env)
    assert run.returncode == 0, run.output
    found = run.saved
    assert (found["status"], found["usable"], found["refreshable"]) == (status, usable, refreshable), found
    assert found["message"].startswith(message), found["message"]
    if token is not None:
        assert found["expires_at"] == (None if status == "invalid" else token["expiresAt"])
        for secret in ("accessToken", "refreshToken", "clientSecret"):
            assert token.get(secret) is None or token[secret] not in run.output + json.dumps(found)
    assert aws_servers.portal.requests == []
