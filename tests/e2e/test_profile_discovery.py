# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_profile's ``discover``: the config write that also lists the accounts and
roles of the session's login, through ``ansible-playbook``.

The SSO portal cannot be reached from here: it is a local server speaking its real
REST protocol (``tests/support/sso_portal.py``), which ``AWS_ENDPOINT_URL_SSO``
points botocore at. Token caches are written as ``aws sso login`` writes them.
"""

from __future__ import annotations

import json

import pytest
from botocore.configloader import load_config

from ansible_collections.recro.aws_sso.tests.support.aws_servers import START_URL

WRITE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The session, one listed profile, and the profiles of the login
      recro.aws_sso.aws_sso_profile:
        sso_session: recro
        sso_start_url: {start_url}
        sso_region: us-east-1
        region: us-east-1
        sso_role_name: adminAccess
        profiles:
          - name: recrocog-admin
            sso_account_id: "999999999999"
        discover: {discover}
        prune: {prune}
      register: written
      ignore_errors: true

    - name: Save what the test looks at
      ansible.builtin.copy:
        content: "{{{{ written | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
"""

TEMPLATE = {"profile_name_template": "{account_name}-{role}"}


def write(run_playbook, servers, discover=None, prune=False):
    text = WRITE.format(start_url=START_URL, discover=json.dumps(discover or TEMPLATE), prune=json.dumps(prune))
    return run_playbook(text, servers.env)


def profiles(servers):
    """Profile -> (account, role), as botocore reads the config."""
    found = load_config(str(servers.config_file))["profiles"]
    return {name: (values.get("sso_account_id"), values.get("sso_role_name")) for name, values in found.items()}


def test_one_write_holds_the_listed_and_the_discovered_profiles_and_never_the_token(aws_servers, run_playbook):
    token = aws_servers.log_in()
    run = write(run_playbook, aws_servers)
    assert run.returncode == 0, run.output
    found = profiles(aws_servers)
    # The listed profile wins over the discovered one of its name.
    assert found["recrocog-admin"] == ("999999999999", "adminAccess")
    assert found["recrocog-staging-readonly"] == ("222222222222", "readOnly")
    assert len(found) == 6
    discovery = run.saved["discovery"]
    assert discovery["status"] == "done" and discovery["accounts"] == 3
    assert sorted(p["name"] for p in discovery["profiles"]) == sorted(found)
    assert run.saved["login"]["status"] == "valid"
    # Three accounts at two a page.
    assert len(aws_servers.portal.requests_for("ListAccounts")) == 2
    for secret in (token["accessToken"], token["refreshToken"], token["clientSecret"]):
        assert secret not in run.output + json.dumps(run.saved)
    # Nothing left to do: the same write again changes nothing.
    again = write(run_playbook, aws_servers)
    assert again.saved["changed"] is False, again.saved["changes"]


def test_prune_drops_a_lost_role_only_after_a_discovery_that_succeeded(aws_servers, run_playbook):
    aws_servers.log_in()
    write(run_playbook, aws_servers)
    aws_servers.organization.revoke_role("111111111111", "billing")
    # Not logged in: the list is not complete, so nothing is pruned.
    aws_servers.log_in(expired=True, refreshable=False)
    run = write(run_playbook, aws_servers, prune=True)
    assert run.returncode == 0, run.output
    assert run.saved["discovery"]["status"] == "not_logged_in"
    assert run.saved["discovery"]["msg"] == run.saved["login"]["message"]
    assert run.saved["removed_profiles"] == [] and "recrocog-billing" in profiles(aws_servers)
    # Logged in again: the profile of the lost role goes, and nothing else.
    aws_servers.log_in()
    run = write(run_playbook, aws_servers, prune=True)
    assert run.saved["removed_profiles"] == ["recrocog-billing"]
    assert len(profiles(aws_servers)) == 5


def test_a_portal_that_refuses_the_token_leaves_the_rest_written_and_says_why(aws_servers, run_playbook):
    token = aws_servers.log_in()
    aws_servers.portal.revoke_access_token(token["accessToken"])
    run = write(run_playbook, aws_servers, prune=True)
    assert run.returncode == 0, run.output
    assert not run.saved.get("failed")
    assert run.saved["discovery"]["status"] == "failed"
    assert run.saved["discovery"]["msg"] == (
        "the SSO portal refused the login of sso-session recro (signed out, or the session ended): "
        "run `aws sso login --sso-session recro`; no profile was discovered: the other profiles are written and none "
        "is pruned"
    )
    assert "discover: not done: the SSO portal refused" in run.output
    assert profiles(aws_servers) == {"recrocog-admin": ("999999999999", "adminAccess")}


def test_a_query_that_gives_no_list_fails_naming_it_and_writes_nothing(aws_servers, run_playbook):
    aws_servers.log_in()
    run = write(run_playbook, aws_servers, discover=dict(TEMPLATE, query="accounts[0].account_id"))
    assert run.saved["failed"]
    assert run.saved["msg"].startswith("discover.query: 'accounts[0].account_id' gives '111111111111', not a list")
    assert not aws_servers.config_file.exists()


@pytest.mark.parametrize(
    "query, problem",
    [
        ("nope(accounts)", "Unknown function: nope()"),
        ("length(accounts, accounts)", "Expected 1 argument for function length()"),
    ],
)
def test_a_query_jmespath_cannot_call_is_refused_before_the_portal_is_called(aws_servers, run_playbook, query, problem):
    aws_servers.log_in()
    run = write(run_playbook, aws_servers, discover=dict(TEMPLATE, query=query))
    assert run.saved["failed"]
    assert run.saved["msg"].startswith("discover.query: {0!r} is not a JMESPath expression: {1}".format(query, problem))
    assert aws_servers.portal.requests == [] and not aws_servers.config_file.exists()


def test_a_bad_template_is_refused_before_the_portal_is_called(aws_servers, run_playbook):
    aws_servers.log_in()
    run = write(run_playbook, aws_servers, discover={"profile_name_template": "{account}-{nope}"})
    assert run.saved["failed"]
    assert run.saved["msg"].startswith("discover.profile_name_template: ")
    assert aws_servers.portal.requests == [] and not aws_servers.config_file.exists()


def test_a_host_without_boto3_writes_the_rest(aws_servers, run_playbook, python_without_boto3):
    aws_servers.log_in()
    text = WRITE.format(start_url=START_URL, discover=json.dumps(TEMPLATE), prune="true")
    run = run_playbook(text, aws_servers.env, interpreter=python_without_boto3)
    assert run.returncode == 0, run.output
    assert run.saved["discovery"]["status"] == "failed"
    assert run.saved["discovery"]["msg"].startswith("Failed to import the required Python library (boto3)")
    assert profiles(aws_servers) == {"recrocog-admin": ("999999999999", "adminAccess")}
