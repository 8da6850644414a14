# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_logout through ``ansible-playbook``, after the real AWS CLI cached role credentials.

The SSO portal and STS cannot be reached from here: the portal is a local server speaking
its real REST protocol (``tests/support/sso_portal.py``, it stands in for IAM Identity
Center's portal and records each ``Logout``) and STS is moto's server. Token caches are
written as ``aws sso login`` writes them; the role credentials are cached by
``/usr/bin/aws`` itself.
"""

from __future__ import annotations

import json
import os
import pathlib
import resource
import shutil
import subprocess

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import (
    pending_authorization_file,
    registration_cache_file,
    role_credentials_cache_file,
)
from ansible_collections.recro.aws_sso.tests.support.aws_servers import START_URL, token_cache_file, write_token_cache
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

OTHER_START_URL = "https://other.awsapps.com/start"
SCOPES = ["sso:account:access"]
CONFIG = """[profile recrocog-admin]
sso_session = recro
sso_account_id = 111111111111
sso_role_name = adminAccess
region = us-east-1
[profile recrocog-staging-read]
sso_session = recro
sso_account_id = 222222222222
sso_role_name = readOnly
region = us-east-1
[sso-session recro]
sso_start_url = {recro}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
[profile other-admin]
sso_session = other
sso_account_id = 111111111111
sso_role_name = adminAccess
region = us-east-1
[sso-session other]
sso_start_url = {other}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
""".format(recro=START_URL, other=OTHER_START_URL)

LOGOUT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Log out of the recro session
      recro.aws_sso.aws_sso_logout:
        sso_session: recro
      register: logout
    - name: Save what the test looks at
      ansible.builtin.copy:
        content: "{{ logout | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def snapshot(home, fifo=None):
    """Every file of the two caches, path to bytes (``None`` for ``fifo``, never opened)."""
    files = {}
    for directory in (home / ".aws" / "sso" / "cache", home / ".aws" / "cli" / "cache"):
        if directory.is_dir():
            for entry in directory.iterdir():
                files[str(entry)] = None if str(entry) == fifo else entry.read_bytes()
    return files


def plant_registration_and_pending(home, session, start_url):
    paths = [
        registration_cache_file(str(home), session, start_url, "us-east-1", SCOPES),
        registration_cache_file(str(home), session, start_url, "us-east-1", None),
        pending_authorization_file(str(home), session),
    ]
    for path in paths[:2]:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "clientId": "id-" + session,
                    "clientSecret": "registration-secret-" + session,
                    "expiresAt": "2027-03-01T00:00:00Z",
                    "scopes": SCOPES,
                },
                handle,
            )
    with open(paths[2], "w", encoding="utf-8") as handle:
        json.dump({"deviceCode": "device-code-" + session, "userCode": "ABCD-EFGH"}, handle)
    for path in paths:
        os.chmod(path, 0o600)
    return paths


def cli_identity(servers, profile):
    """``aws sts get-caller-identity`` with the real AWS CLI v2, which caches the profile's role credentials."""
    return servers.aws_cli("sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text")


def two_sessions_logged_in(servers):
    """Both sessions logged in, with registrations, pending authorizations and CLI-cached role
    credentials; returns (recro's token, recro's files, the other session's files)."""
    servers.config_file.parent.mkdir(parents=True, exist_ok=True)
    servers.config_file.write_text(CONFIG, encoding="utf-8")
    token = servers.log_in("recro")
    servers.log_in("other", start_url=OTHER_START_URL)
    home = servers.home
    recro = [str(servers.token_cache_file("recro"))] + plant_registration_and_pending(home, "recro", START_URL)
    other = [str(servers.token_cache_file("other"))] + plant_registration_and_pending(home, "other", OTHER_START_URL)
    for profile in ("recrocog-admin", "recrocog-staging-read", "other-admin"):
        assert cli_identity(servers, profile).startswith("arn:aws:sts::")
    recro += [
        role_credentials_cache_file(str(home), "111111111111", "adminAccess", "recro"),
        role_credentials_cache_file(str(home), "222222222222", "readOnly", "recro"),
    ]
    other.append(role_credentials_cache_file(str(home), "111111111111", "adminAccess", "other"))
    files = snapshot(home)
    for path in recro + other:
        assert path in files, path  # the names the CLI gave them are the ones we compute
    for path in recro[-2:] + other[-1:]:
        assert json.loads(files[path])["ProviderType"] == "sso"
    assert sorted(files) == sorted(recro + other)
    return token, recro, other


def assert_only_recro_removed(servers, before, recro, result):
    after = snapshot(servers.home)
    assert sorted(result["removed"]) == sorted(recro)
    assert result["changed"]
    assert after == {path: data for path, data in before.items() if path not in recro}  # the rest byte-identical


def assert_no_secret(run, before):
    for data in before.values():
        entry = json.loads(data)
        for key in ("accessToken", "refreshToken", "clientSecret", "deviceCode", "SecretAccessKey", "SessionToken"):
            for value in (entry.get(key), entry.get("Credentials", {}).get(key)):
                if value:
                    assert value not in run.output and value not in json.dumps(run.saved)


def test_logout_ends_the_session_at_the_portal_and_removes_only_its_files(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    assert aws_servers.portal.logout_tokens == [token["accessToken"]]
    assert token["accessToken"] not in aws_servers.portal.access_tokens
    assert run.saved["service_logout"] is True and run.saved["service_logout_error"] is None
    assert_only_recro_removed(aws_servers, before, recro, run.saved)
    assert_no_secret(run, before)
    # The other session still works, through the real CLI.
    assert cli_identity(aws_servers, "other-admin") == aws_servers.organization.assumed_role_arn(
        "111111111111", "adminAccess"
    )

    left = snapshot(aws_servers.home)
    again = run_playbook(LOGOUT, aws_servers.env)
    assert again.returncode == 0, again.output
    assert not again.saved["changed"] and again.saved["removed"] == []
    assert again.saved["service_logout"] is False and "no token is cached" in again.saved["service_logout_error"]
    assert aws_servers.portal.logout_tokens == [token["accessToken"]]  # no second Logout
    assert snapshot(aws_servers.home) == left


def test_check_mode_lists_the_files_and_calls_nothing(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)

    run = run_playbook(
        LOGOUT.replace("      register: logout", "      register: logout\n      check_mode: true"), aws_servers.env
    )

    assert run.returncode == 0, run.output
    assert run.saved["changed"] and sorted(run.saved["removed"]) == sorted(recro)
    assert aws_servers.portal.logout_tokens == [] and aws_servers.portal.requests_for("Logout") == []
    assert snapshot(aws_servers.home) == before
    assert token["accessToken"] in aws_servers.portal.access_tokens


def test_an_expired_token_is_not_sent_and_the_files_go(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    write_token_cache(aws_servers.home, token["accessToken"], session_name="recro", expired=True)
    before = snapshot(aws_servers.home)

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    assert aws_servers.portal.logout_tokens == []
    assert run.saved["service_logout"] is False
    assert run.saved["service_logout_error"].startswith("the token of sso-session recro expired at ")
    assert_only_recro_removed(aws_servers, before, recro, run.saved)
    assert_no_secret(run, before)


def test_with_the_portal_down_the_files_still_go(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)
    aws_servers.portal.stop()

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    assert run.saved["service_logout"] is False
    assert run.saved["service_logout_error"].startswith("cannot reach the SSO portal in us-east-1: ")
    assert_only_recro_removed(aws_servers, before, recro, run.saved)
    assert_no_secret(run, before)


def test_a_fifo_in_place_of_the_token_is_refused_and_nothing_removed(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    os.unlink(recro[0])
    os.mkfifo(recro[0], 0o600)
    files = snapshot(aws_servers.home, fifo=recro[0])

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode != 0
    assert run.saved == {}
    assert (
        "{0}: the token file is a FIFO (named pipe), not a regular file: refused, nothing was read or changed".format(
            recro[0]
        )
        in run.output
    )
    assert snapshot(aws_servers.home, fifo=recro[0]) == files
    assert aws_servers.portal.logout_tokens == []


def test_without_the_stanza_what_the_session_name_and_token_tell_still_goes(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    # Offboarding that removed the [sso-session recro] stanza first: the profiles still name the session.
    aws_servers.config_file.write_text(
        CONFIG.replace(
            "[sso-session recro]\nsso_start_url = {0}\nsso_region = us-east-1\n"
            "sso_registration_scopes = sso:account:access\n".format(START_URL),
            "",
        ),
        encoding="utf-8",
    )
    before = snapshot(aws_servers.home)

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    # The Region comes from the token file, so the portal still ends the session.
    assert aws_servers.portal.logout_tokens == [token["accessToken"]] and run.saved["service_logout"] is True
    assert_only_recro_removed(aws_servers, before, recro, run.saved)


@pytest.mark.skipif(os.geteuid() != 0, reason="root acts for another user")
def test_root_logs_out_another_user_as_that_user(aws_servers, run_playbook):
    with throwaway_user() as user:
        home = pathlib.Path(user.pw_dir)
        (home / ".aws").mkdir(mode=0o700)
        (home / ".aws" / "config").write_text(CONFIG, encoding="utf-8")
        token = write_token_cache(home, aws_servers.portal.issue_access_token(), session_name="recro")
        (home / ".aws" / "sso" / "cache").chmod(0o700)
        recro = [str(token_cache_file(home, "recro"))] + plant_registration_and_pending(home, "recro", START_URL)
        credentials = role_credentials_cache_file(str(home), "111111111111", "adminAccess", "recro")
        os.makedirs(os.path.dirname(credentials), mode=0o700)
        with open(credentials, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "ProviderType": "sso",
                    "Credentials": {
                        "AccessKeyId": "ASIAEXAMPLE",
                        "SecretAccessKey": "s",
                        "SessionToken": "t",
                        "Expiration": "2099-01-01T00:00:00Z",
                    },
                },
                handle,
            )
        recro.append(credentials)
        for directory, _subdirectories, names in os.walk(str(home)):
            os.chown(directory, user.pw_uid, user.pw_gid)
            for name in names:
                os.chown(os.path.join(directory, name), user.pw_uid, user.pw_gid)
        playbook = LOGOUT.replace(
            "        sso_session: recro\n",
            "        sso_session: recro\n        user: {0}\n        path: ~/.aws/config\n".format(user.pw_name),
        )

        run = run_playbook(playbook, aws_servers.env)

        assert run.returncode == 0, run.output
        assert sorted(run.saved["removed"]) == sorted(recro)
        assert aws_servers.portal.logout_tokens == [token["accessToken"]] and run.saved["service_logout"] is True
        assert not any(os.path.lexists(path) for path in recro)
        assert (home / ".aws" / "config").read_text(encoding="utf-8") == CONFIG

        # Role credentials in a directory root owns and the user cannot write: root could delete them, the user
        # cannot, so the module (acting with the user's ids) fails, naming the user, and keeps the file.
        write_token_cache(home, aws_servers.portal.issue_access_token(), session_name="recro", expired=True)
        os.chown(str(token_cache_file(home, "recro")), user.pw_uid, user.pw_gid)
        cli_cache = os.path.dirname(credentials)
        os.chown(cli_cache, 0, 0)
        os.chmod(cli_cache, 0o755)
        with open(credentials, "w", encoding="utf-8") as handle:
            json.dump({"ProviderType": "sso"}, handle)

        refused = run_playbook(playbook, aws_servers.env)

        assert refused.returncode != 0
        assert "Permission denied" in refused.output and "(as user '{0}')".format(user.pw_name) in refused.output
        assert os.path.exists(credentials)
        token_file = str(token_cache_file(home, "recro"))
        assert os.path.exists(token_file)  # found before the first deletion: nothing was deleted

        # A token that had not expired: nothing is deleted, and the portal still ends the session, as when the lock
        # cannot be taken; the failure names the file, says nothing was removed and that the portal ended the session.
        token = write_token_cache(home, aws_servers.portal.issue_access_token(), session_name="recro")
        os.chown(token_file, user.pw_uid, user.pw_gid)
        before = snapshot(home)
        failing = playbook.replace("      register: logout", "      register: logout\n      ignore_errors: true")

        checked = run_playbook(
            failing.replace("      ignore_errors: true", "      ignore_errors: true\n      check_mode: true"),
            aws_servers.env,
        )
        partial = run_playbook(failing, aws_servers.env)

        # Check mode meets the same refusal, and calls nothing.
        assert checked.saved["failed"] and checked.saved["msg"] == (
            "{0}: Permission denied: cannot delete files in {1} (as user '{2}')".format(
                credentials, cli_cache, user.pw_name
            )
        )

        assert partial.saved["failed"] and not partial.saved["changed"], partial.output
        assert partial.saved["msg"] == (
            "{0}: Permission denied: cannot delete files in {1} (as user '{2}'); no file was removed; the portal "
            "ended the session".format(credentials, cli_cache, user.pw_name)
        )
        assert partial.saved["removed"] == [] and snapshot(home) == before
        assert partial.saved["service_logout"] is True and partial.saved["service_logout_error"] is None
        assert aws_servers.portal.logout_tokens.count(token["accessToken"]) == 1  # the run's, not check mode's
        assert token["accessToken"] not in aws_servers.portal.access_tokens
        assert token["accessToken"] not in partial.output + json.dumps(partial.saved)


@pytest.mark.skipif(shutil.which("chattr") is None or os.geteuid() != 0, reason="chattr +i needs root and e2fsprogs")
def test_a_deletion_that_fails_after_the_tokens_still_ends_the_session_and_says_what_was_deleted(
    aws_servers, run_playbook
):
    token, recro, other = two_sessions_logged_in(aws_servers)
    # An immutable file in a directory the user may delete from: found only when its deletion fails.
    stuck = recro[-1]
    subprocess.run(["chattr", "+i", stuck], check=True)
    try:
        run = run_playbook(
            LOGOUT.replace("      register: logout", "      register: logout\n      ignore_errors: true"),
            aws_servers.env,
        )
    finally:
        subprocess.run(["chattr", "-i", stuck], check=True)

    removed = run.saved["removed"]
    assert run.saved["failed"] and run.saved["changed"], run.output
    assert removed and removed[0] == recro[0] and stuck not in removed  # the token went first
    assert run.saved["msg"] == (
        "{0}: Operation not permitted (as user 'root'); {1} files of sso-session recro were removed before it ({2}); "
        "the portal ended the session".format(stuck, len(removed), ", ".join(removed))
    )
    assert run.saved["service_logout"] is True and aws_servers.portal.logout_tokens == [token["accessToken"]]
    assert not any(os.path.lexists(path) for path in removed) and os.path.exists(stuck)
    assert_no_secret(run, {stuck: json.dumps(token).encode("utf-8")})


def test_a_token_the_portal_no_longer_accepts_is_reported_and_the_files_go(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    aws_servers.portal.revoke_access_token(token["accessToken"])  # the session ended at the service already
    before = snapshot(aws_servers.home)

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    assert aws_servers.portal.logout_tokens == [token["accessToken"]]
    assert run.saved["service_logout"] is False
    assert run.saved["service_logout_error"] == (
        "the SSO portal in us-east-1 no longer accepts the token of sso-session recro (the session had ended)"
    )
    assert_only_recro_removed(aws_servers, before, recro, run.saved)
    assert_no_secret(run, before)


def test_a_target_without_boto3_still_removes_the_files(aws_servers, run_playbook, python_without_boto3):
    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)

    run = run_playbook(LOGOUT, aws_servers.env, interpreter=python_without_boto3)

    assert run.returncode == 0, run.output
    assert aws_servers.portal.logout_tokens == []
    assert run.saved["service_logout"] is False
    assert run.saved["service_logout_error"].startswith("Failed to import the required Python library (boto3)")
    assert run.saved["service_logout_error"].endswith("; the portal was not called")
    assert_only_recro_removed(aws_servers, before, recro, run.saved)


@pytest.mark.parametrize("name", ["recro other", "../recro", "recro\u2028", ""])
def test_a_session_name_no_aws_tool_reads_is_refused_before_any_file_is_touched(aws_servers, run_playbook, name):
    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)
    playbook = LOGOUT.replace("sso_session: recro", "sso_session: {0}".format(json.dumps(name))).replace(
        "      register: logout", "      register: logout\n      ignore_errors: true"
    )

    run = run_playbook(playbook, aws_servers.env)

    assert run.saved["failed"] and run.saved["removed"] == [] and not run.saved["changed"]
    assert run.saved["msg"].startswith("sso_session: {0!r} ".format(name)), run.saved["msg"]
    assert snapshot(aws_servers.home) == before
    assert aws_servers.portal.logout_tokens == []


def test_a_logout_that_cannot_take_the_lock_removes_nothing_and_says_the_portal_ended_the_session(
    aws_servers, run_playbook
):
    import fcntl

    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)
    cache = aws_servers.home / ".aws" / "sso" / "cache"
    playbook = LOGOUT.replace(
        "        sso_session: recro\n", "        sso_session: recro\n        lock_timeout: 1\n"
    ).replace("      register: logout", "      register: logout\n      ignore_errors: true")
    holder = os.open(str(cache), os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # another run (a login waiting for its person, say)
        run = run_playbook(playbook, aws_servers.env)
    finally:
        os.close(holder)

    assert run.saved["failed"] and run.saved["removed"] == []
    assert run.saved["msg"] == (
        "{0}: another run has held the lock on this directory for more than 1 s (lock_timeout); nothing was "
        "changed; the portal ended the session".format(cache)
    )
    assert run.saved["service_logout"] is True
    assert aws_servers.portal.logout_tokens == [token["accessToken"]]
    assert snapshot(aws_servers.home) == before
    assert_no_secret(run, before)


def test_a_portal_error_of_any_length_is_told_in_a_bounded_line_without_the_token(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)
    secret = token["accessToken"]
    # The service's own words: the token echoed as it is and as Python quotes bytes, a line break, an escape, a MiB.
    message = "bad token {0} at\n\x1b[31m {1!r} {2}".format(secret, secret.encode("utf-8"), "x" * (1 << 20))
    aws_servers.portal.refuse("Logout", 400, "ValidationException", message)

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    said = run.saved["service_logout_error"]
    assert said.startswith(
        "the SSO portal refused Logout of sso-session recro: An error occurred (ValidationException) when calling the "
        "Logout operation: bad token <secret> at ?[31m b'<secret>' xxx"
    ), said[:300]
    assert len(said) == 1000 and said.endswith("x...")
    assert run.saved["msg"] == "{0} files of sso-session recro removed; no service-side logout: {1}".format(
        len(recro), said
    )
    assert run.saved["service_logout"] is False
    assert_only_recro_removed(aws_servers, before, recro, run.saved)
    assert_no_secret(run, before)


def test_a_token_written_while_the_logout_waits_for_the_lock_is_the_one_the_portal_is_told_to_end(
    aws_servers, run_playbook
):
    import fcntl

    from ansible_collections.recro.aws_sso.tests.support.inotify import after_first_read

    token, recro, other = two_sessions_logged_in(aws_servers)
    cache = aws_servers.home / ".aws" / "sso" / "cache"
    holder = os.open(str(cache), os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another run: a login about to write its token, a timer's refresh
    newer = {}

    def log_in_again_then_let_go():
        # The logout has read the old token and waits for the lock: the other run writes its login, then lets go.
        newer.update(aws_servers.log_in("recro"))
        os.close(holder)

    watcher = after_first_read(recro[0], log_in_again_then_let_go)
    try:
        run = run_playbook(LOGOUT, aws_servers.env)
    finally:
        watcher.join(130)
        if not newer:
            os.close(holder)

    assert run.returncode == 0, run.output
    assert newer["accessToken"] != token["accessToken"]
    # The token deleted is the newer one: its session is the one ended, not the one of a token no longer on disk.
    assert aws_servers.portal.logout_tokens == [newer["accessToken"]]
    assert run.saved["service_logout"] is True and run.saved["service_logout_error"] is None
    assert recro[0] in run.saved["removed"] and not os.path.lexists(recro[0])
    assert newer["accessToken"] not in run.output + json.dumps(run.saved)


def test_the_local_token_is_gone_before_the_portal_is_told_and_a_hung_portal_ends_at_the_deadline(
    aws_servers, run_playbook
):
    import threading
    import time

    token, recro, other = two_sessions_logged_in(aws_servers)
    before = snapshot(aws_servers.home)
    aws_servers.portal.stall(["Logout"])
    seen = {}

    def watch():
        deadline = time.monotonic() + 120
        while not aws_servers.portal.requests_for("Logout") and time.monotonic() < deadline:
            time.sleep(0.05)
        seen["token file when the portal was called"] = os.path.lexists(recro[0])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()

    run = run_playbook(LOGOUT, aws_servers.env)

    elapsed = time.monotonic() - started
    watcher.join(5)
    assert run.returncode == 0, run.output
    assert seen == {"token file when the portal was called": False}
    assert run.saved["service_logout"] is False
    assert run.saved["service_logout_error"].startswith(
        "the SSO portal in us-east-1 did not finish Logout for sso-session recro within 45 s"
    )
    assert elapsed < 90, elapsed
    assert_only_recro_removed(aws_servers, before, recro, run.saved)
    assert_no_secret(run, before)


def test_what_a_killed_login_left_beside_its_files_goes_with_them(aws_servers, run_playbook):
    token, recro, other = two_sessions_logged_in(aws_servers)
    # Temporary files of a write killed before its rename (.NAME.XXXXXXXX.tmp): the token's holds a live token.
    leftovers = [
        os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".k1ll3d_" + letter + ".tmp")
        for path, letter in zip(recro[:4], "abcd")
    ]
    others = [
        os.path.join(os.path.dirname(other[0]), "." + os.path.basename(other[0]) + ".k1ll3d_e.tmp"),
        os.path.join(os.path.dirname(recro[0]), "." + os.path.basename(recro[0]) + ".short.tmp"),
    ]
    for path in leftovers + others:
        pathlib.Path(path).write_text(json.dumps(token), encoding="utf-8")
    before = snapshot(aws_servers.home)

    checked = run_playbook(
        LOGOUT.replace("      register: logout", "      register: logout\n      check_mode: true"), aws_servers.env
    )

    assert checked.returncode == 0, checked.output
    assert sorted(checked.saved["removed"]) == sorted(recro + leftovers)
    assert snapshot(aws_servers.home) == before

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    assert_only_recro_removed(aws_servers, before, recro + leftovers, run.saved)
    assert run.saved["msg"] == "logged out of sso-session recro at the portal; {0} files removed".format(
        len(recro + leftovers)
    )
    assert all(os.path.exists(path) for path in others)


def test_a_role_credential_file_larger_than_a_login_is_not_read_and_stays(aws_servers, run_playbook):
    aws_servers.config_file.parent.mkdir(parents=True, exist_ok=True)
    aws_servers.config_file.write_text(CONFIG, encoding="utf-8")
    path = pathlib.Path(role_credentials_cache_file(str(aws_servers.home), "111111111111", "adminAccess", "recro"))
    path.parent.mkdir(parents=True, mode=0o700)
    with open(str(path), "wb") as handle:
        handle.write(b'{"ProviderType": "sso", "padding": "')
        handle.truncate(400 << 20)  # sparse: 400 MB that take no room on disk

    run = run_playbook(LOGOUT, aws_servers.env)

    assert run.returncode == 0, run.output
    assert run.saved["removed"] == [] and not run.saved["changed"]
    assert path.stat().st_size == 400 << 20
    # The largest process this test run waited for (the module, under ansible-playbook): far from the 400 MB read whole.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 300 << 10
