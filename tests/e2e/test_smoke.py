# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The smoke test of the compatibility matrix (``scripts/matrix.sh``): onboarding, login and drift
on the ansible-core that runs the tests, with no deprecation warning.

IAM Identity Center's OIDC service, the SSO portal and STS cannot be reached from tests:
``tests/support/sso_oidc.py`` and ``tests/support/sso_portal.py`` stand in for them on 127.0.0.1
with their real wire protocols, and moto serves STS. The test plays the person at the browser.
"""

from __future__ import annotations

import datetime
import json

from botocore.configloader import load_config

from ansible_collections.recro.aws_sso.tests.support.playbooks import ONBOARD, REPOSITORY, approve_when_asked

DRIFT = "- ansible.builtin.import_playbook: {0}\n".format(REPOSITORY / "playbooks" / "drift.yml")


def onboard(run_playbook, aws_servers, oidc_server):
    env = dict(aws_servers.env, AWS_ENDPOINT_URL_SSO_OIDC=oidc_server.url, SHELL="/bin/bash")
    # No terminal here: recro_sso_login=always logs in as auto does at one (make onboard).
    return run_playbook(ONBOARD, env, {"recro_sso_account_id": "111111111111", "recro_sso_login": "always"})


def assert_no_deprecation(run):
    # ansible-core shows deprecation warnings by default (DEPRECATION_WARNINGS), and the tests' ansible.cfg
    # leaves it so: any deprecated use by the collection's plugins, role or playbooks would show here.
    assert "DEPRECATION" not in run.output, run.output


def drift(run_playbook, aws_servers, oidc_server, mode):
    env = dict(aws_servers.env, AWS_ENDPOINT_URL_SSO_OIDC=oidc_server.url, SHELL="/bin/bash")
    run = run_playbook(DRIFT, env, {"recro_sso_account_id": "111111111111", "recro_sso_drift_mode": mode})
    assert_no_deprecation(run)
    return run


def admin_region(aws_servers):
    return load_config(str(aws_servers.config_file))["profiles"]["recrocog-admin"]["region"]


def test_onboarding_login_and_drift(aws_servers, oidc, run_playbook):
    # Onboarding: a device-code login approved in the "browser", discovery, shells, identity.
    approver = approve_when_asked(oidc)
    run = onboard(run_playbook, aws_servers, oidc)
    approver.join(timeout=5)
    assert run.returncode == 0, run.output
    assert_no_deprecation(run)
    assert run.saved["login"]["status"] == "logged_in", run.saved
    assert run.saved["identity"]["account"] == "111111111111"
    assert oidc.grants() == ["urn:ietf:params:oauth:grant-type:device_code"]

    # Login: a token that expires in five minutes is refreshed with its refresh token, no browser.
    token_file = aws_servers.token_cache_file()
    token = json.loads(token_file.read_text(encoding="utf-8"))
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)
    token["expiresAt"] = soon.strftime("%Y-%m-%dT%H:%M:%SZ")
    token_file.write_text(json.dumps(token), encoding="utf-8")
    again = onboard(run_playbook, aws_servers, oidc)
    assert again.returncode == 0, again.output
    assert_no_deprecation(again)
    assert again.saved["login"]["status"] == "refreshed", again.saved
    assert oidc.grants()[-1] == "refresh_token" and oidc.count("StartDeviceAuthorization") == 1
    assert json.loads(token_file.read_text(encoding="utf-8"))["accessToken"] != token["accessToken"]

    # Drift: a region changed by hand is reported (and the host fails), enforced, then gone.
    config = aws_servers.config_file.read_text(encoding="utf-8")
    head, section, rest = config.partition("[profile recrocog-admin]\n")
    tampered = head + section + rest.replace("region = us-east-1", "region = eu-west-3", 1)
    aws_servers.config_file.write_text(tampered, encoding="utf-8")
    assert admin_region(aws_servers) == "eu-west-3"
    report = drift(run_playbook, aws_servers, oidc, "report")
    assert report.returncode != 0, report.output
    assert "Drift found" in report.output and "eu-west-3" in report.output, report.output
    assert admin_region(aws_servers) == "eu-west-3"
    enforce = drift(run_playbook, aws_servers, oidc, "enforce")
    assert enforce.returncode == 0, enforce.output
    assert "Drift corrected" in enforce.output, enforce.output
    assert admin_region(aws_servers) == "us-east-1"
    clean = drift(run_playbook, aws_servers, oidc, "report")
    assert clean.returncode == 0, clean.output
    assert "No drift." in clean.output
