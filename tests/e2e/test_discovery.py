# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Onboarding with discovery: ``playbooks/onboard.yml`` through ``ansible-playbook``.

The SSO portal and STS cannot be reached from here: the portal is a local server
speaking its real REST protocol and STS is moto's server (see ``conftest.py``).
The user is the one running the tests, with a temporary HOME.
"""

from __future__ import annotations

from botocore.configloader import load_config

from ansible_collections.recro.aws_sso.plugins.module_utils._notify import advice
from ansible_collections.recro.aws_sso.tests.support.aws_servers import DEFAULT_ORGANIZATION
from ansible_collections.recro.aws_sso.tests.support.playbooks import ONBOARD
from ansible_collections.recro.aws_sso.tests.support.sso_portal import Account

# Every account and role of the default organisation, named by the default template.
ALL_PROFILES = {
    "recrocog-admin": ("111111111111", "adminAccess"),
    "recrocog-readonly": ("111111111111", "readOnly"),
    "recrocog-billing": ("111111111111", "billing"),
    "recrocog-staging-admin": ("222222222222", "adminAccess"),
    "recrocog-staging-readonly": ("222222222222", "readOnly"),
    "recrocog-sandbox-readonly": ("333333333333", "readOnly"),
}


def profiles_in_config(servers):
    """Profile -> (account, role), as botocore reads the config; the real AWS CLI v2 lists the same profiles."""
    profiles = load_config(str(servers.config_file))["profiles"]
    assert servers.aws_cli("configure", "list-profiles").split() == list(profiles)
    return dict(
        (name, (values.get("sso_account_id"), values.get("sso_role_name"))) for name, values in profiles.items()
    )


def onboard(run_playbook, servers, **extra_vars):
    # These tests log in as `aws sso login` would before (or between) runs: the
    # role only looks the login up (tests/e2e/test_onboard.py has the role log in).
    extra_vars.setdefault("recro_sso_login", "never")
    run = run_playbook(ONBOARD, servers.env, extra_vars)
    assert run.returncode == 0, run.output
    return run


def log_in_as_a_new_user_would(run_playbook, servers, **log_in_options):
    """The guide's order: onboarding writes the session, then `aws sso login --sso-session recro`."""
    onboard(run_playbook, servers)
    return servers.log_in(**log_in_options)


def test_discovers_every_account_and_role_over_several_pages(aws_servers, run_playbook):
    log_in_as_a_new_user_would(run_playbook, aws_servers)
    run = onboard(run_playbook, aws_servers)
    assert profiles_in_config(aws_servers) == ALL_PROFILES
    assert sorted(run.saved["discovered_profiles"]) == sorted(ALL_PROFILES)
    # Three accounts at two a page: ListAccounts took two pages.
    assert len(aws_servers.portal.requests_for("ListAccounts")) == 2
    assert run.saved["login"]["status"] == "valid"
    # The guide's "Verify Your Identity", through botocore's SSO provider and STS.
    assert run.saved["identity"] == {
        "account": "111111111111",
        "arn": aws_servers.organization.assumed_role_arn("111111111111", "adminAccess"),
    }
    assert (
        "Identity: profile recrocog-admin signs in as arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_adminAccess_"
        in run.output
    )
    # The real AWS CLI v2 resolves a discovered profile's settings.
    assert (
        aws_servers.aws_cli("configure", "get", "sso_role_name", "--profile", "recrocog-sandbox-readonly") == "readOnly"
    )
    assert aws_servers.aws_cli("configure", "get", "region", "--profile", "recrocog-sandbox-readonly") == "us-east-1"
    # A second run changes nothing.
    again = onboard(run_playbook, aws_servers)
    assert again.saved["drift"] == []


def test_a_query_selects_the_accounts_and_roles(aws_servers, run_playbook):
    log_in_as_a_new_user_would(run_playbook, aws_servers)
    query = "accounts[?account_name != 'recrocog-sandbox'].{account_id: account_id, account_name: account_name, roles: roles[?@ != 'billing']}"
    onboard(run_playbook, aws_servers, recro_sso_discover_query=query)
    assert sorted(profiles_in_config(aws_servers)) == sorted(
        set(ALL_PROFILES) - {"recrocog-billing", "recrocog-sandbox-readonly"}
    )


def test_permission_sets_aws_allows_are_written_and_an_unnameable_role_does_not_stop_the_rest(
    aws_servers, run_playbook
):
    # Permission set names may hold + = , . @ - (AWS's pattern [\w+=,.@-]+).
    aws_servers.organization.grant_role("111111111111", "Billing,ReadOnly")
    aws_servers.organization.grant_role("222222222222", "Ops=Full")
    # A role name the config cannot hold (a portal that answers what AWS never would).
    aws_servers.organization.grant_role("222222222222", "Evil\n[profile injected]")
    # Two accounts whose names the template gives alike: the second cannot be named.
    aws_servers.organization.add_account(
        Account.from_dict(
            {
                "accountId": "444444444444",
                "accountName": "RecroCog-Sandbox",
                "emailAddress": "x@recrocog.com",
                "roles": ["readOnly"],
            }
        )
    )
    log_in_as_a_new_user_would(run_playbook, aws_servers)
    run = onboard(run_playbook, aws_servers)
    assert run.returncode == 0, run.output
    found = profiles_in_config(aws_servers)
    assert found["recrocog-billing-readonly"] == ("111111111111", "Billing,ReadOnly")
    assert found["recrocog-staging-ops-full"] == ("222222222222", "Ops=Full")
    assert set(ALL_PROFILES) <= set(found)
    assert "444444444444" not in [account for account, _role in found.values()]
    assert "skipped a profile: profile_name_template" in run.output and "444444444444" in run.output
    assert "skipped a profile: profiles[" in run.output and "sso_role_name: 'Evil\\n[profile injected]'" in run.output
    assert "injected" not in aws_servers.config_file.read_text(encoding="utf-8")
    # The AWS CLI reads the role names back unchanged.
    assert (
        aws_servers.aws_cli("configure", "get", "sso_role_name", "--profile", "recrocog-billing-readonly")
        == "Billing,ReadOnly"
    )


def test_a_lost_role_is_pruned_and_nothing_else(aws_servers, run_playbook):
    log_in_as_a_new_user_would(run_playbook, aws_servers)
    onboard(run_playbook, aws_servers)
    with open(str(aws_servers.config_file), "a") as config:
        config.write("[profile mine]\nregion = eu-west-1\n[profile other-session]\nsso_session = elsewhere\n")
    aws_servers.organization.revoke_role("111111111111", "billing")
    run = onboard(run_playbook, aws_servers, recro_sso_prune=True)
    expected = dict(ALL_PROFILES)
    del expected["recrocog-billing"]
    found = profiles_in_config(aws_servers)
    assert found == dict(expected, mine=(None, None), **{"other-session": (None, None)})
    assert run.saved["removed_profiles"] == ["recrocog-billing"]


def test_an_expired_login_writes_what_it_can_prunes_nothing_and_says_how_to_renew(aws_servers, run_playbook):
    log_in_as_a_new_user_would(run_playbook, aws_servers)
    onboard(run_playbook, aws_servers)
    token = aws_servers.log_in(expired=True, refreshable=False)
    run = onboard(run_playbook, aws_servers, recro_sso_prune=True)
    assert profiles_in_config(aws_servers) == ALL_PROFILES  # nothing pruned without a complete list
    assert run.saved["login"]["status"] == "expired"
    assert run.saved["login"]["message"].startswith(
        "the login to sso-session recro expired at {0}".format(token["expiresAt"])
    )
    assert "run `aws sso login --sso-session recro`" in run.saved["login"]["message"]
    assert run.saved["identity"] == {}
    assert len(aws_servers.portal.requests_for("ListAccounts")) == 2  # the logged-in run's two pages; none since


def test_without_a_login_the_session_and_listed_profiles_are_written(aws_servers, run_playbook):
    run = onboard(run_playbook, aws_servers, recro_sso_account_id="012345678901")
    assert profiles_in_config(aws_servers) == {"recrocog-admin": ("012345678901", "adminAccess")}
    assert run.saved["login"] == {
        "status": "missing",
        "message": "not logged in to sso-session recro: run `aws sso login --sso-session recro`",
    }
    # With recro_sso_login: never too, the next step is the command that works on this host (aws_sso_notify's).
    step = run.saved["next_step"]
    assert step["command"] == ("aws sso login --sso-session recro" if step["reason"] is None else advice.OWN_LOGIN), (
        step
    )
    reason = "" if step["reason"] is None else " ({0})".format(step["reason"])
    assert (
        "Next: {0}{1}, then run this again: it finds your accounts and roles.".format(step["command"], reason)
        in run.output
    )
    assert aws_servers.portal.requests == []


def test_a_target_without_boto3_still_onboards(aws_servers, run_playbook, python_without_boto3):
    log_in_as_a_new_user_would(run_playbook, aws_servers)
    run = run_playbook(
        ONBOARD,
        aws_servers.env,
        {"recro_sso_account_id": "012345678901", "recro_sso_prune": True, "recro_sso_login": "never"},
        interpreter=python_without_boto3,
    )
    assert run.returncode == 0, run.output
    assert profiles_in_config(aws_servers) == {"recrocog-admin": ("012345678901", "adminAccess")}
    assert run.saved["login"]["status"] == "valid"  # the standard-library module works there
    assert run.saved["discovered_profiles"] == [] and run.saved["identity"] == {}
    assert "Discovery: not done (Failed to import the required Python library (boto3)" in run.output
    assert "Identity: not verified (Failed to import the required Python library (boto3)" in run.output


def test_organisation_fixture_spans_several_pages():
    # The tests above rely on it: more accounts than one page of the portal's default size holds.
    assert len(DEFAULT_ORGANIZATION["accounts"]) > 2
