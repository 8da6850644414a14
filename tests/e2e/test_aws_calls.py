# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the modules call AWS (``_aws.clients``), through ``ansible-playbook``: nothing waits
without bound, and root acting for a user takes no orders from the user's files.

The portal is the local stand-in (``tests/support/sso_portal.py``), made to accept a
request and never answer (``stall``) or answer a byte every few seconds (``drip``: each
read gets its byte before the read timeout, so only the deadline of the whole operation
ends it).

The portal's answers that its API does not allow (wrong JSON types, a repeated page token, names
with control characters) come from a second, smaller server defined here (:class:`HostilePortal`),
which speaks the same REST-JSON wire protocol (``GET /assignment/accounts`` and
``/assignment/roles``, the token in ``x-amz-sso_bearer_token``) and answers whatever a test gives.
"""

from __future__ import annotations

import http.server
import json
import os
import pathlib
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest
from botocore.configloader import load_config

from ansible_collections.recro.aws_sso.tests.support.aws_servers import (
    DEFAULT_ORGANIZATION,
    START_URL,
    write_endpoint_overrides,
    write_token_cache,
)
from ansible_collections.recro.aws_sso.tests.support.sso_portal import Organization, SsoPortal
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

# The deadline the modules document (clients.DEADLINE), and a bound for the whole run:
# generous, as the machine is shared, but well under the 120 s the issue saw.
DEADLINE = 45
BOUND = 100

HEAD = """
- hosts: localhost
  gather_facts: false
  tasks:
"""

WRITE = """
    - name: The session, one listed profile, and the profiles of the login
      recro.aws_sso.aws_sso_profile:
        {user}
        sso_session: recro
        sso_start_url: {start_url}
        sso_region: us-east-1
        sso_role_name: adminAccess
        profiles:
          - name: recrocog-admin
            sso_account_id: "999999999999"
        discover:
          profile_name_template: "{{account_name}}-{{role}}"
        prune: true
      register: written
"""

LIST = """
    - name: List the accounts
      recro.aws_sso.aws_sso_accounts_info:
        {user}
        sso_session: recro
        sso_region: us-east-1
      register: listed
      ignore_errors: true
"""

IDENTITY = """
    - name: Whom a discovered profile signs in as
      recro.aws_sso.aws_sso_identity_info:
        {user}
        profile: recrocog-readonly
      register: identity
"""

LOGOUT = """
    - name: Log out, at the portal too
      recro.aws_sso.aws_sso_logout:
        {user}
        sso_session: recro
      register: logout
"""

SAVE = """
    - name: Save what the test looks at
      ansible.builtin.copy:
        content: "{{{{ {{'written': written | default(None), 'listed': listed | default(None),
          'identity': identity | default(None), 'logout': logout | default(None)}} | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
"""


def playbook(tasks=(WRITE, LIST), user=None):
    """The ``tasks`` (as ``user``, when given: root acting for that user), then the save."""
    options = "user: {0}\n        path: ~/.aws/config".format(user) if user else ""
    return HEAD + "".join(task.format(user=options, start_url=START_URL) for task in tasks) + SAVE.format()


def timed(run_playbook, text, env):
    started = time.monotonic()
    run = run_playbook(text, env)
    return run, time.monotonic() - started


def test_a_portal_that_never_answers_ends_the_discovery_within_the_deadline(aws_servers, run_playbook):
    token = aws_servers.log_in()
    aws_servers.portal.stall()
    run, seconds = timed(run_playbook, playbook([WRITE]), aws_servers.env)
    assert run.returncode == 0, run.output
    assert seconds < BOUND, seconds
    written = run.saved["written"]
    # The config write goes on without the discovery, and says what it did and did not do.
    assert written["discovery"]["status"] == "failed"
    assert written["discovery"]["msg"] == (
        "the SSO portal in us-east-1 did not finish ListAccounts for sso-session recro within 45 s, the deadline of "
        "the whole operation (3 attempts, 5 s to connect, 15 s per read); no profile was discovered: the other "
        "profiles are written and none is pruned"
    )
    assert written["changed"] and "[profile recrocog-admin]" in aws_servers.config_file.read_text(encoding="utf-8")
    assert {request.operation for request in aws_servers.portal.requests} == {"ListAccounts"}
    assert token["accessToken"] not in run.output + json.dumps(run.saved)


def test_a_portal_that_answers_a_byte_at_a_time_is_cut_off_at_the_deadline(aws_servers, run_playbook):
    aws_servers.log_in()
    aws_servers.portal.drip(seconds=2, operations=["ListAccountRoles"])
    run, seconds = timed(run_playbook, playbook([LIST]), aws_servers.env)
    assert run.returncode == 0, run.output
    # Every read got a byte in time: only the deadline ended it.
    assert DEADLINE <= seconds < BOUND, seconds
    assert run.saved["listed"]["failed"]
    assert run.saved["listed"]["msg"].startswith(
        "the SSO portal in us-east-1 did not finish ListAccountRoles for sso-session recro within 45 s, "
    )


def planted_models(home, url):
    """Service model rule sets in ``home/.aws/models`` that send the portal's and STS's calls to ``url``."""
    write_endpoint_overrides(home / ".aws" / "models", {"sso": url, "sts": url})


def list_accounts_as_botocore_does(env, token):
    """What botocore, imported with the user's HOME, does by default: ``ListAccounts`` in a
    fresh Python, with this ``env``."""
    program = (
        "import botocore.session, botocore.config as c; "
        "s = botocore.session.get_session(); "
        "s.create_client('sso', region_name='us-east-1', config=c.Config(signature_version=botocore.UNSIGNED, "
        "retries={'total_max_attempts': 1})).list_accounts(accessToken=%r)" % token
    )
    return subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="root acts for another user")
def test_root_acting_for_a_user_never_follows_the_users_service_models(aws_servers, run_playbook):
    with SsoPortal(Organization.from_dict(DEFAULT_ORGANIZATION)) as trap, throwaway_user() as user:
        home = pathlib.Path(user.pw_dir)
        token = write_token_cache(home, aws_servers.portal.issue_access_token())
        # Had the user's models been read, the trap would have answered: it takes the same token.
        trap.add_access_token(token["accessToken"])
        planted_models(home, trap.url)
        for directory, _subdirectories, names in os.walk(str(home)):
            os.chown(directory, user.pw_uid, user.pw_gid)
            for name in names:
                os.chown(os.path.join(directory, name), user.pw_uid, user.pw_gid)
        # Only the portal's endpoint: no AWS_DATA_PATH, no AWS_CONFIG_FILE of the test's.
        env = {
            name: value
            for name, value in aws_servers.env.items()
            if name not in ("AWS_DATA_PATH", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
        }

        # The plant works on botocore as it is: with the user's HOME, the call goes to the trap.
        control = list_accounts_as_botocore_does(dict(env, HOME=str(home)), token["accessToken"])
        assert control.returncode == 0, control.stderr
        assert [request.operation for request in trap.requests] == ["ListAccounts"]
        trap.clear_requests()

        run = run_playbook(playbook([WRITE, LIST, IDENTITY], user=user.pw_name), env)

        assert run.returncode == 0, run.output
        assert trap.requests == []
        assert run.saved["written"]["discovery"]["status"] == "done", run.saved["written"]["discovery"]
        assert not run.saved["listed"].get("failed"), run.saved["listed"]
        assert len(run.saved["listed"]["accounts"]) == 3
        assert len(aws_servers.portal.requests_for("ListAccounts")) == 4  # two pages, twice
        # botocore's own credential chain, as the user: the portal's role credentials, then STS.
        assert run.saved["identity"]["arn"] == aws_servers.organization.assumed_role_arn("111111111111", "readOnly")
        assert len(aws_servers.portal.requests_for("GetRoleCredentials")) == 1
        config = home / ".aws" / "config"
        assert config.stat().st_uid == user.pw_uid and "[profile recrocog-readonly]" in config.read_text("utf-8")

        # The portal's Logout, root acting for the user, goes where botocore's own model says.
        run = run_playbook(playbook([LOGOUT], user=user.pw_name), env)

        assert run.returncode == 0, run.output
        assert run.saved["logout"]["service_logout"] is True, run.saved["logout"]
        assert aws_servers.portal.logout_tokens == [token["accessToken"]]
        assert trap.requests == []


class HostilePortal:
    """A local SSO portal that answers ListAccounts and ListAccountRoles with ``answers[operation]``
    (a function of the query's parameters returning the JSON body), over the portal's REST-JSON
    protocol, to requests that carry a bearer token; it records each operation asked."""

    def __init__(self, answers):
        self.answers = answers
        self.requests = []
        portal = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *arguments):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                operation = {"/assignment/accounts": "ListAccounts", "/assignment/roles": "ListAccountRoles"}.get(
                    url.path
                )
                portal.requests.append(operation)
                if operation is None or not self.headers.get("x-amz-sso_bearer_token"):
                    self.send_error(404)
                    return
                query = dict((key, values[0]) for key, values in urllib.parse.parse_qs(url.query).items())
                answer = portal.answers[operation](query)  # bytes: a body as it is, not JSON
                body = answer if isinstance(answer, bytes) else json.dumps(answer).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:{0}".format(self.server.server_address[1])

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exception):
        self.server.shutdown()
        self.server.server_close()


def accounts(*items, next_token=None):
    answer = {"accountList": list(items)}
    if next_token is not None:
        answer["nextToken"] = next_token
    return lambda query: answer


def roles(*names):
    return lambda query: {"roleList": [{"roleName": name, "accountId": query["account_id"]} for name in names]}


GOOD_ACCOUNT = {"accountId": "111111111111", "accountName": "recrocog", "emailAddress": "a@recrocog.com"}


@pytest.fixture(params=["the user", "root for a user"])
def laptop(request, tmp_path):
    """``(home, user)``: a logged-in home of the user running the playbook (``user`` None), or
    of a throwaway user whom root acts for."""
    if request.param == "the user":
        home = tmp_path / "laptop"
        home.mkdir()
        write_token_cache(home, "hostile-portal-token")
        yield home, None
        return
    if os.geteuid() != 0:
        pytest.skip("root acts for another user: needs root (CI runs as root)")
    with throwaway_user() as user:
        home = pathlib.Path(user.pw_dir)
        write_token_cache(home, "hostile-portal-token")
        for directory, _subdirectories, names in os.walk(str(home)):
            os.chown(directory, user.pw_uid, user.pw_gid)
            for name in names:
                os.chown(os.path.join(directory, name), user.pw_uid, user.pw_gid)
        yield home, user.pw_name


def run_against(run_playbook, laptop, answers):
    """Discovery (aws_sso_profile) and the listing (aws_sso_accounts_info) against a portal
    answering ``answers``: the run, and the config file's text."""
    home, user = laptop
    env = dict((name, value) for name, value in os.environ.items() if not name.startswith("AWS_"))
    with HostilePortal(answers) as portal:
        env.update(HOME=str(home), AWS_ENDPOINT_URL_SSO=portal.url, AWS_EC2_METADATA_DISABLED="true")
        run, seconds = timed(run_playbook, playbook([WRITE, LIST], user=user), env)
    assert run.returncode == 0, run.output
    assert seconds < BOUND, seconds
    assert "Traceback" not in run.output and "MODULE FAILURE" not in run.output, run.output
    return run, (home / ".aws" / "config").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "answers, problem",
    [
        (
            dict(ListAccounts=accounts(dict(GOOD_ACCOUNT, accountId=111111111111)), ListAccountRoles=roles("admin")),
            "the SSO portal's answer to ListAccounts for sso-session recro is not what its API documents: "
            "accountList[0].accountId is 111111111111, not a string",
        ),
        (
            dict(ListAccounts=accounts({"accountName": "no id"}), ListAccountRoles=roles("admin")),
            "the SSO portal's answer to ListAccounts for sso-session recro is not what its API documents: "
            "accountList[0] has no accountId",
        ),
        (
            dict(ListAccounts=accounts(GOOD_ACCOUNT, "not an account"), ListAccountRoles=roles("admin")),
            "the SSO portal's answer to ListAccounts for sso-session recro is not what its API documents: "
            "botocore could not read it (AttributeError: ",
        ),
        (
            dict(ListAccounts=accounts(dict(GOOD_ACCOUNT, accountName=["a", "list"])), ListAccountRoles=roles("a")),
            "accountList[0].accountName is ['a', 'list'], not a string",
        ),
        (
            dict(ListAccounts=accounts(GOOD_ACCOUNT), ListAccountRoles=roles("admin", None)),
            "the SSO portal's answer to ListAccountRoles of account 111111111111 for sso-session recro is not what "
            "its API documents: roleList[1] has no roleName",
        ),
        (
            dict(ListAccounts=accounts(dict(GOOD_ACCOUNT, accountId="1\x1b[2J")), ListAccountRoles=roles(5)),
            "ListAccountRoles of account '1\\x1b[2J' for sso-session recro is not what its API documents: "
            "roleList[0].roleName is 5, not a string",
        ),
        (
            dict(ListAccounts=accounts(GOOD_ACCOUNT), ListAccountRoles=lambda query: {"roleList": {"roleName": "a"}}),
            "ListAccountRoles of account 111111111111 for sso-session recro is not what its API documents: "
            "botocore could not read it",
        ),
        (
            dict(ListAccounts=accounts(GOOD_ACCOUNT, next_token="again"), ListAccountRoles=roles("admin")),
            "The same next token was received twice",
        ),
        (
            dict(ListAccounts=lambda query: b"<html>Service Unavailable</html>", ListAccountRoles=roles("admin")),
            "the SSO portal's answer to ListAccounts for sso-session recro is not what its API documents: "
            "it has no accountList (a body that is not the API's JSON has none)",
        ),
        (
            dict(ListAccounts=accounts(GOOD_ACCOUNT), ListAccountRoles=lambda query: {}),
            "ListAccountRoles of account 111111111111 for sso-session recro is not what its API documents: "
            "it has no roleList",
        ),
    ],
    ids=[
        "account ID a number",
        "no account ID",
        "an account that is a string",
        "account name a list",
        "role name null",
        "role name a number, of an account ID with an escape sequence",
        "role list an object",
        "a page token repeated",
        "accounts: a body that is not JSON",
        "roles: an answer without the list",
    ],
)
def test_a_portal_answer_its_api_does_not_allow_is_a_clear_error_and_the_write_goes_on(
    run_playbook, laptop, answers, problem
):
    run, config = run_against(run_playbook, laptop, answers)
    discovery = run.saved["written"]["discovery"]
    assert discovery["status"] == "failed" and problem in discovery["msg"], discovery
    assert discovery["msg"].endswith("no profile was discovered: the other profiles are written and none is pruned")
    # The listed profile is written; nothing discovered, nothing pruned.
    assert "[profile recrocog-admin]\nsso_session = recro\nsso_account_id = 999999999999\n" in config
    assert config.count("[profile ") == 1
    listed = run.saved["listed"]
    assert listed["failed"] and problem in listed["msg"], listed
    assert "hostile-portal-token" not in run.output + json.dumps(run.saved)
    assert "\x1b" not in run.output


def test_names_with_control_characters_never_reach_the_terminal_or_the_file(run_playbook, laptop):
    """Account and role names a real portal would not send (escape sequences that retitle or
    clear a terminal, a line break that would start a section): the profiles are named without
    them, a role name the config cannot hold is skipped, and every warning shows them escaped."""
    evil = "Evil\x1b]0;pwned\x07\x1b[2J\n[profile injected]"
    answers = dict(
        ListAccounts=accounts(
            dict(GOOD_ACCOUNT, accountName=evil),
            # The name the first gets once sanitised, so that the two collide and a warning names both.
            dict(GOOD_ACCOUNT, accountId="222222222222", accountName="evil-0-pwned-2j-profile-injected-"),
            dict(GOOD_ACCOUNT, accountId="333333333333", accountName="x" * 5000),
        ),
        ListAccountRoles=lambda query: {
            "roleList": [{"roleName": "adminAccess"}]
            + ([{"roleName": "ops\x1b[8m\r\n[profile injected]"}] if query["account_id"] == "222222222222" else [])
        },
    )
    run, config = run_against(run_playbook, laptop, answers)
    assert not {"\x1b", "\x07", "\r"} & set(run.output), run.output
    discovery = run.saved["written"]["discovery"]
    assert discovery["status"] == "done", discovery
    assert [profile["name"] for profile in discovery["profiles"]] == [
        "evil-0-pwned-2j-profile-injected--admin",
        "x" * 5000 + "-admin",
    ]
    [collision, role] = discovery["skipped"]
    assert (
        "names both 'Evil\\x1b]0;pwned\\x07\\x1b[2J\\n[profile injected]' (111111111111) role adminAccess" in collision
    )
    assert "sso_role_name: 'ops\\x1b[8m\\r\\n[profile injected]' contains the control character U+001B" in role
    # botocore reads the listed and the discovered profiles, and nothing else.
    profiles = load_config(str(laptop[0] / ".aws" / "config"))["profiles"]
    assert sorted(profiles) == sorted(
        ["recrocog-admin", "evil-0-pwned-2j-profile-injected--admin", "x" * 5000 + "-admin"]
    )
    assert "injected]" not in config and "\x1b" not in config
    # The listing returns the names as the portal gave them: data, not text for a terminal.
    assert run.saved["listed"]["accounts"][0]["account_name"] == evil


# A credential_process that records whom it ran as, and whether it could take root back.
CREDENTIAL_PROGRAM = """import json, os, sys
with open(sys.argv[1], "w") as record:
    try:
        os.setuid(0)
    except OSError:
        pass
    record.write(str(os.getuid()))
print(json.dumps({"Version": 1, "AccessKeyId": "AKIAPROGRAM", "SecretAccessKey": "program-secret"}))
"""


@pytest.mark.parametrize(
    "config, credentials",
    [
        ("[profile evil]\ncredential_process = {program}\n", ""),
        ("[profile evil]\nregion = us-east-1\n", "[evil]\ncredential_process = {program}\n"),
        (
            "[profile evil]\nrole_arn = arn:aws:iam::111111111111:role/r\nsource_profile = base\n",
            "[base]\ncredential_process = {program}\n",
        ),
        ("[DEFAULT]\ncredential_process = {program}\n[profile evil]\nregion = us-east-1\n", ""),
    ],
    ids=["in the profile", "in the credentials file", "in its source_profile", "in [DEFAULT]"],
)
@pytest.mark.parametrize("as_root", [False, True], ids=["the user", "root for a user"])
def test_root_acting_for_a_user_never_runs_the_users_credential_process(
    run_playbook, tmp_path, config, credentials, as_root
):
    """botocore runs a profile's credential_process as the process that asks; root acting for a
    user has root's real user ID, from which the program could take root back. Acting for a
    user, aws_sso_identity_info refuses such a profile; the user verifies it themselves."""
    if as_root and os.geteuid() != 0:
        pytest.skip("root acts for another user: needs root (CI runs as root)")
    identity = """
    - name: Whom the profile signs in as
      recro.aws_sso.aws_sso_identity_info:
        {user}
        profile: evil
      register: identity
      ignore_errors: true
"""

    def run_with(home, user):
        aws = home / ".aws"
        aws.mkdir()
        program = "{0} {1} {2}".format(sys.executable, home / "program.py", home / "ran-as")
        (home / "program.py").write_text(CREDENTIAL_PROGRAM, encoding="utf-8")
        (aws / "config").write_text(config.format(program=program), encoding="utf-8")
        (aws / "credentials").write_text(credentials.format(program=program), encoding="utf-8")
        owner = home.stat()
        for path in (aws, aws / "config", aws / "credentials", home / "program.py"):
            os.chown(str(path), owner.st_uid, owner.st_gid)
        env = dict((name, value) for name, value in os.environ.items() if not name.startswith("AWS_"))
        # STS refuses the connection at once: the program has run, or not, by then.
        env.update(HOME=str(home), AWS_ENDPOINT_URL_STS="http://127.0.0.1:9", AWS_EC2_METADATA_DISABLED="true")
        run = run_playbook(playbook([identity], user=user), env)
        assert run.returncode == 0, run.output
        return run.saved["identity"], home / "ran-as"

    if not as_root:
        home = tmp_path / "laptop"
        home.mkdir()
        result, ran_as = run_with(home, None)
        # The user's own program, run as the user: botocore's chain as it is.
        assert ran_as.read_text() == str(os.getuid())
        assert "does not run" not in result["msg"]
        return
    with throwaway_user() as user:
        home = pathlib.Path(user.pw_dir)
        result, ran_as = run_with(home, user.pw_name)
        assert not ran_as.exists()
    assert result["failed"]
    assert result["msg"].startswith("profile: 'evil' gets its credentials by running a program (credential_process in ")
    assert result["msg"].endswith(
        "which root acting for user {0} does not run: verify it as the user".format(user.pw_name)
    )
