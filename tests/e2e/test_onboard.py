# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole guide in one run of ``playbooks/onboard.yml`` (``make onboard``), and offboarding.

IAM Identity Center's OIDC service, the SSO portal and STS cannot be reached from tests:
``tests/support/sso_oidc.py`` and ``tests/support/sso_portal.py`` stand in for them on 127.0.0.1
with their real wire protocols, and moto serves STS. The test plays the person at the browser:
it approves the device code the play shows.
"""

from __future__ import annotations

import json

from ansible_collections.recro.aws_sso.tests.support.playbooks import ONBOARD, approve_when_asked
from ansible_collections.recro.aws_sso.tests.support.shells import exported_profile


def onboard(run_playbook, aws_servers, oidc, **extra_vars):
    env = dict(aws_servers.env, AWS_ENDPOINT_URL_SSO_OIDC=oidc.url, SHELL="/bin/bash")
    # The test has no terminal, so `auto` would not wait for a person (test_reauthentication runs
    # `make onboard` under a terminal): `always` is what a person runs without one.
    settings = {"recro_sso_account_id": "111111111111", "recro_sso_login": "always"}
    return run_playbook(ONBOARD, env, dict(settings, **extra_vars))


def role_part(output):
    """The output of the onboarding play, without the test's own play that saves the result."""
    return output.split("PLAY [Save what the role did]")[0]


def login_shell_profile(aws_servers):
    """AWS_PROFILE as a real interactive bash of the user ends up with."""
    return exported_profile("bash", dict(aws_servers.env, AWS_PROFILE=""))


def test_one_run_on_a_fresh_laptop_does_the_whole_guide(aws_servers, oidc, run_playbook):
    approver = approve_when_asked(oidc)
    run = onboard(run_playbook, aws_servers, oidc)
    approver.join(timeout=5)
    assert run.returncode == 0, run.output
    # The play showed where to approve, then went on in the same run.
    assert "Log in to sso-session recro: open http" in run.output, run.output
    result = run.saved
    assert result["login"]["status"] == "logged_in", result
    assert oidc.count("StartDeviceAuthorization") == 1
    # Discovery wrote a profile per account and role of the login.
    config = aws_servers.config_file.read_text(encoding="utf-8")
    for profile in ("recrocog-admin", "recrocog-readonly", "recrocog-staging-admin", "recrocog-sandbox-readonly"):
        assert "[profile {0}]".format(profile) in config
    # The shell block, read by a real bash.
    assert login_shell_profile(aws_servers) == "recrocog-admin"
    # The identity, verified through the portal and STS stand-ins.
    assert result["identity"]["account"] == "111111111111"
    assert ":assumed-role/" in result["identity"]["arn"]
    token = json.loads(aws_servers.token_cache_file().read_text(encoding="utf-8"))
    for secret in (token["accessToken"], token["refreshToken"], token["clientSecret"]):
        assert secret not in run.output

    # A second run finds the login valid: no new authorization, nothing changed.
    again = onboard(run_playbook, aws_servers, oidc)
    assert again.returncode == 0, again.output
    assert again.saved["login"]["status"] == "valid"
    assert oidc.count("StartDeviceAuthorization") == 1
    assert "changed: [" not in role_part(again.output), again.output


def test_offboarding_logs_out_and_leaves_no_login_behind(aws_servers, oidc, run_playbook):
    approver = approve_when_asked(oidc)
    assert onboard(run_playbook, aws_servers, oidc).returncode == 0
    approver.join(timeout=5)
    token = json.loads(aws_servers.token_cache_file().read_text(encoding="utf-8"))
    cache = aws_servers.token_cache_file().parent
    assert any(cache.iterdir())

    run = onboard(run_playbook, aws_servers, oidc, recro_sso_state="absent")
    assert run.returncode == 0, run.output
    # The portal ended the session with that token; no login file of the session is left.
    assert token["accessToken"] in aws_servers.portal.logout_tokens
    assert not aws_servers.token_cache_file().exists()
    assert not [path.name for path in cache.iterdir()], "login files left in ~/.aws/sso/cache"
    cli_cache = aws_servers.home / ".aws" / "cli" / "cache"
    assert not cli_cache.exists() or not list(cli_cache.iterdir())
    config = aws_servers.config_file.read_text(encoding="utf-8") if aws_servers.config_file.exists() else ""
    assert "[sso-session recro]" not in config and "[profile recrocog-admin]" not in config
    assert "recro.aws_sso" not in (aws_servers.home / ".bashrc").read_text(encoding="utf-8")
    assert token["accessToken"] not in run.output

    # A second offboarding has nothing left to do.
    again = onboard(run_playbook, aws_servers, oidc, recro_sso_state="absent")
    assert again.returncode == 0, again.output
    assert "changed: [" not in role_part(again.output), again.output
