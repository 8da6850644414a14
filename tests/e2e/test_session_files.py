# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_login, aws_sso_session_info and aws_sso_logout name the same files of a session.

On the configs where copies of the rules once disagreed: ``sso_registration_scopes`` unset,
empty, ``,`` and spaced, and session names with every character a name may have. The
registration file's name is checked against the AWS CLI's own reading of the stanza (its
``parse_sso_registration_scopes``) and botocore's cache key, and against the real AWS CLI:
its login after ours reuses our registration (no second RegisterClient). The stand-in
sso-oidc service and SSO portal speak the real protocols on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest

from ansible_collections.recro.aws_sso.tests.support.aws_servers import SSO_REGION, START_URL, write_endpoint_overrides
from ansible_collections.recro.aws_sso.tests.support.playbooks import approve_when_asked
from ansible_collections.recro.aws_sso.tests.support.sso_oidc import SsoOidc, aws_cli_login

# Every character a session name may have: letters, digits and _ . @ % + : -
EVERY_CHARACTER = "Az09_.@%+:-z"

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Log in
      recro.aws_sso.aws_sso_login:
        sso_session: {name}
      register: login
    - name: Report the session
      recro.aws_sso.aws_sso_session_info:
        sso_session: {name}
      register: info
    - name: List the SSO cache after the login
      ansible.builtin.find:
        paths: "{cache}"
        hidden: true
      register: after_login
    - name: Log out
      recro.aws_sso.aws_sso_logout:
        sso_session: {name}
      register: logout
    - name: Save what the test looks at
      ansible.builtin.copy:
        content: "{{{{ {{'login': login, 'info': info, 'after_login': after_login, 'logout': logout}} | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
"""


def cli_scopes(raw):
    """``sso_registration_scopes`` as the AWS CLI v2 reads it, by the CLI's own function
    (Debian's awscli, in the system's Python)."""
    if raw is None:
        return None
    program = "import json, sys\nfrom awscli.customizations.sso.utils import parse_sso_registration_scopes\n"
    program += "print(json.dumps(parse_sso_registration_scopes(sys.argv[1])))"
    # configparser strips the value before the CLI parses it.
    answer = subprocess.run(
        ["/usr/bin/python3", "-c", program, raw.strip()], stdout=subprocess.PIPE, text=True, check=True, timeout=30
    )
    return json.loads(answer.stdout)


def botocore_registration_name(name, scopes):
    """The registration file botocore's SSOTokenFetcher names (``_registration_cache_key``)."""
    key = {"tool": "botocore", "startUrl": START_URL, "region": SSO_REGION, "scopes": scopes, "session_name": name}
    return hashlib.sha1(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest() + ".json"


def write_config(servers, name, raw_scopes):
    lines = ["[profile p]", "sso_session = " + name, "sso_account_id = 111111111111", "sso_role_name = adminAccess"]
    lines += ["[sso-session {0}]".format(name), "sso_start_url = " + START_URL, "sso_region = " + SSO_REGION]
    if raw_scopes is not None:
        lines.append("sso_registration_scopes =" + (" " + raw_scopes if raw_scopes.strip() else raw_scopes))
    servers.config_file.parent.mkdir(parents=True, exist_ok=True)
    servers.config_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def oidc(aws_servers):
    with SsoOidc(on_access_token=aws_servers.portal.add_access_token) as service:
        # AWS CLI 2.9.19 predates AWS_ENDPOINT_URL_*: its endpoint rule set points it at the stand-in.
        write_endpoint_overrides(aws_servers.endpoint_data_dir, {"sso-oidc": service.url})
        yield service


@pytest.mark.parametrize(
    "name, raw_scopes",
    [
        (EVERY_CHARACTER, None),
        (EVERY_CHARACTER, ""),
        (EVERY_CHARACTER, ","),
        ("recro", ","),
        (EVERY_CHARACTER, " a , b "),
        ("recro", "sso:account:access"),
    ],
)
def test_login_session_info_and_logout_name_the_same_files(aws_servers, oidc, run_playbook, name, raw_scopes):
    write_config(aws_servers, name, raw_scopes)
    env = dict(aws_servers.env, AWS_ENDPOINT_URL_SSO_OIDC=oidc.url)
    cache = aws_servers.home / ".aws" / "sso" / "cache"
    token_file = str(aws_servers.token_cache_file(name))
    registration_file = str(cache / botocore_registration_name(name, cli_scopes(raw_scopes)))
    approve_when_asked(oidc)

    run = run_playbook(PLAYBOOK.format(name=json.dumps(name), cache=cache), env)

    assert run.returncode == 0, run.output
    login, info, logout = run.saved["login"], run.saved["info"], run.saved["logout"]
    assert login["status"] == "logged_in" and login["token_file"] == token_file, login
    assert sorted(item["path"] for item in run.saved["after_login"]["files"]) == sorted([token_file, registration_file])
    # The scopes the registration asked for are the ones the CLI reads from the stanza.
    registered = [details for operation, details in oidc.calls if operation == "RegisterClient"]
    assert len(registered) == 1 and registered[0]["scopes"] == (cli_scopes(raw_scopes) or None)
    assert sorted(logout["removed"]) == sorted([token_file, registration_file]) and logout["service_logout"], logout
    assert os.listdir(str(cache)) == []
    assert info["sessions"][0]["token_cache_file"] == token_file and info["sessions"][0]["status"] == "valid", info
    assert info["session"] == dict(info["sessions"][0], stanza_found=True)


@pytest.mark.parametrize("name, raw_scopes", [(EVERY_CHARACTER, ","), (EVERY_CHARACTER, " a , b ")])
def test_the_aws_cli_reuses_our_registration_and_our_logout_removes_what_its_login_left(
    aws_servers, oidc, run_playbook, name, raw_scopes
):
    write_config(aws_servers, name, raw_scopes)
    env = dict(aws_servers.env, AWS_ENDPOINT_URL_SSO_OIDC=oidc.url)
    cache = aws_servers.home / ".aws" / "sso" / "cache"
    approve_when_asked(oidc)
    logged_in = run_playbook(PLAYBOOK.format(name=json.dumps(name), cache=cache).split("    - name: Log out")[0], env)
    assert logged_in.returncode == 0, logged_in.output
    files = sorted(os.listdir(str(cache)))

    cli = aws_cli_login(oidc, env, name)

    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert oidc.count("RegisterClient") == 1, oidc.calls  # the CLI found our registration under its own name
    assert sorted(os.listdir(str(cache))) == files
    run = run_playbook(PLAYBOOK.format(name=json.dumps(name), cache=cache), dict(env))
    assert run.returncode == 0, run.output
    assert run.saved["login"]["status"] == "valid"  # the CLI's token, used as our own
    assert len(run.saved["logout"]["removed"]) == 2 and os.listdir(str(cache)) == []


@pytest.mark.parametrize("margin", [-1, 10**12])
def test_session_info_refuses_a_margin_that_is_no_number_of_seconds(aws_servers, run_playbook, margin):
    write_config(aws_servers, "recro", None)
    playbook = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_session_info:
        expiry_margin: {0}
      register: info
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{{{ info | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
""".format(margin)
    run = run_playbook(playbook, aws_servers.env)
    assert run.saved["failed"]
    assert run.saved["msg"] == "expiry_margin: {0} is not a number of seconds from 0 to 31622400 (a year)".format(
        margin
    )
