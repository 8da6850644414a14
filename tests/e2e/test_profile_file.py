# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_profile and another program writing ~/.aws/config at the same time, through
ansible-playbook, as the user and as root for a user; the AWS CLI's botocore reads the
result."""

from __future__ import annotations

import configparser
import json
import os
import pathlib

import pytest

from ansible_collections.recro.aws_sso.tests.support.inotify import after_each_read
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_profile:
        user: "{{ user | default(omit) }}"
        path: "{{ path }}"
        name: dev
        sso_session: recro
        sso_start_url: https://recrocog.awsapps.com/start
        sso_region: us-east-1
        sso_account_id: "111122223333"
        sso_role_name: Admin
        region: "{{ region | default('eu-west-1') }}"
      register: result
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ {'result': result} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""
# Comments that make each read and rewrite of the file take a little while.
FILLER = b"# the team's notes on its accounts, kept by hand\n" * 40000


@pytest.fixture(params=["the user", "root for a user"])
def config(request, tmp_path):
    """``(path, env, extra_vars)`` of a config file: of the user running the module (HOME
    in tmp_path), or of a throwaway user root works for (O(user)), owned by that user."""
    if request.param == "the user":
        home = tmp_path / "home"
        (home / ".aws").mkdir(parents=True)
        yield home / ".aws" / "config", {"PATH": os.environ["PATH"], "HOME": str(home)}, {}
        return
    if os.geteuid() != 0:
        pytest.skip("root acts for another user: needs root (CI runs as root)")
    with throwaway_user("/bin/bash") as user:
        aws = pathlib.Path(user.pw_dir) / ".aws"
        aws.mkdir(mode=0o700)
        os.chown(str(aws), user.pw_uid, user.pw_gid)
        path = aws / "config"
        path.touch(mode=0o600)
        os.chown(str(path), user.pw_uid, user.pw_gid)
        yield path, {"PATH": os.environ["PATH"]}, {"user": user.pw_name}


def appender(path, text):
    def append():
        with open(str(path), "ab") as handle:
            handle.write(text)

    return append


@pytest.mark.parametrize("appends", [1, 2, 3], ids=["after the first read", "after two reads", "after three reads"])
def test_a_profile_another_program_appends_while_the_module_writes_is_kept(run_playbook, config, appends):
    """An installer appends a profile after the module read the file, before its rename,
    once or at each of its next reads: every appended profile is kept and the module's
    change is made on top of them."""
    path, env, extra_vars = config
    path.write_bytes(b"[profile mine]\nregion = us-east-1\n" + FILLER)
    owner = path.stat()
    profiles = [
        "[profile installer{0}]\nregion = ap-south-1\n".format(index).encode() for index in range(1, appends + 1)
    ]
    watcher = after_each_read(path, [appender(path, text) for text in profiles])
    try:
        completed = run_playbook(TASK, env, dict(extra_vars, path=str(path)))
    finally:
        watcher.join()

    result = completed.saved["result"]
    assert completed.returncode == 0 and not result.get("failed"), completed.output
    assert result["changed"] is True
    data = path.read_bytes()
    assert data.startswith(b"[profile mine]\nregion = us-east-1\n" + FILLER)
    for text in profiles:
        assert data.count(text) == 1, text
    parser = configparser.RawConfigParser()
    parser.read_string(data.decode())
    assert parser.get("profile dev", "sso_session") == "recro"
    assert parser.get("sso-session recro", "sso_start_url") == "https://recrocog.awsapps.com/start"
    assert [section for section in parser.sections() if section.startswith("profile installer")] == [
        "profile installer{0}".format(index) for index in range(1, appends + 1)
    ]
    after = path.stat()
    assert (after.st_uid, after.st_gid) == (owner.st_uid, owner.st_gid)
    assert [name for name in os.listdir(str(path.parent)) if name.endswith(".tmp")] == []


# A task of aws_sso_profile with the options of each case (JSON is YAML), its result saved.
ANY_TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_profile: {options}
      register: result
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{{{ {{'result': result}} | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
      check_mode: false
"""
WRITE_DEV = dict(
    name="dev",
    sso_session="recro",
    sso_start_url="https://recrocog.awsapps.com/start",
    sso_region="us-east-1",
    sso_account_id="111122223333",
    sso_role_name="Admin",
)
# Every credential below holds this, which no output may show.
SECRET = "wJalrXUtnFEMI0K7MDENG0bPxRfiCYSECRET"


@pytest.mark.parametrize(
    "content, options, refused",
    [
        # a session token wrapped onto the next line, which botocore reads as part of its value
        (
            "[profile k]\naws_session_token = first\n    {0}\nregion = us-east-1\n".format(SECRET),
            WRITE_DEV,
            None,
        ),
        (
            "[profile dev]\nsso_session = recro\naws_secret_access_key = {0}\n".format(SECRET),
            dict(name="dev", state="absent"),
            None,
        ),
        (
            "[profile dev]\nsso_session = recro\ncredential_process = get --token {0}\n".format(SECRET),
            dict(sso_session="recro", profiles=[], prune=True),
            None,
        ),
        ("[profile k]\naws_secret_access_key =\n{0}\n".format(SECRET), WRITE_DEV, "line 3: no '=' between a key"),
        ("[profile k]\naws_secret_access_key {0}\n".format(SECRET), WRITE_DEV, "line 2: no '=' between a key"),
        ("aws_access_key_id = {0}\n[profile k]\n".format(SECRET), WRITE_DEV, "line 1: text before the first section"),
        (
            "[profile k]\naws_session_token =\n    {0}\n".format(SECRET),
            WRITE_DEV,
            "a line of the value of aws_session_token has no '='",
        ),
        (
            "[DEFAULT]\naws_access_key_id = {0}\n[profile dev]\naws_access_key_id = other{0}\n".format(SECRET),
            WRITE_DEV,
            "profile dev would read aws_access_key_id = <hidden> and [sso-session recro] reads aws_access_key_id",
        ),
    ],
    ids=[
        "diff of a value on two lines",
        "state=absent",
        "prune",
        "value on the next line",
        "no '='",
        "before the first header",
        "nested line",
        "inconsistent with the session",
    ],
)
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check mode"])
def test_no_credential_in_the_file_is_shown_by_a_result_a_diff_or_an_error(
    run_playbook, config, content, options, refused, check_mode
):
    """Static keys, a session token or a credential_process already in the file, however they
    are written, are never in the module's result, its --diff or its error, and a refused file
    is left as it was."""
    path, env, extra_vars = config
    path.write_text(content, encoding="utf-8")
    task = dict(options, path=str(path), **extra_vars)
    run = run_playbook(
        ANY_TASK.format(options=json.dumps(task)), env, options=["--diff"] + (["--check"] if check_mode else [])
    )
    result = run.saved["result"]
    assert SECRET not in run.output + json.dumps(result)
    if refused is None:
        assert not result.get("failed"), run.output
        assert result["changed"] is True
        assert "<hidden>" in run.output  # the diff or the removed profile shows that a credential was there
    else:
        assert result["failed"] and refused in result["msg"], result
        assert result["msg"].endswith("the file was not changed")
    if refused is not None or check_mode:
        assert path.read_text(encoding="utf-8") == content


@pytest.mark.parametrize(
    "options",
    [dict(WRITE_DEV, region="eu-west-1"), dict(name="dev", state="absent")],
    ids=["a changed value", "state=absent"],
)
def test_a_section_indented_into_a_value_is_refused_not_deleted(run_playbook, config, options):
    """A section someone indented is, to botocore, part of the value before it: a task that
    replaces or deletes that value fails naming the line, and the file stays as it was."""
    path, env, extra_vars = config
    content = "[profile dev]\nregion = us-east-1\n  [profile mine]\n  region = ap-south-1\n"
    path.write_text(content, encoding="utf-8")
    task = dict(options, path=str(path), **extra_vars)
    run = run_playbook(ANY_TASK.format(options=json.dumps(task)), env)
    result = run.saved["result"]
    assert result["failed"], result
    assert result["msg"].startswith(
        "{0}: line 3: '[profile mine]' is indented deeper than the key region on line 2".format(path)
    ), result["msg"]
    assert result["msg"].endswith("the file was not changed")
    assert path.read_text(encoding="utf-8") == content


@pytest.mark.skipif(os.geteuid() != 0, reason="root acts for a user: needs root (CI runs as root)")
@pytest.mark.parametrize("target", ["another user's file", "a file in a directory of root's"])
@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check mode"])
def test_a_config_linked_to_a_file_the_user_may_not_replace_is_refused_in_check_mode_too(
    run_playbook, target, check_mode
):
    """Root acting for a user whose config is a symbolic link to a file the user may not
    replace: the run refuses it, and check mode meets the same refusal instead of saying
    that it would change the file; the linked file stays as it was."""
    content = "[profile dev]\nregion = us-east-1\n"
    with throwaway_user("/bin/bash") as user, throwaway_user("/bin/bash") as other:
        if target == "another user's file":
            linked = pathlib.Path(other.pw_dir) / "config"
            linked.write_text(content, encoding="utf-8")
            os.chown(str(linked), other.pw_uid, other.pw_gid)
            refused = "is owned by {0}, not by {1} or root: refused".format(other.pw_name, user.pw_name)
        else:
            # Root's, readable by everyone (as /etc is), in a directory the user can reach.
            directory = pathlib.Path(other.pw_dir) / "root-only"
            directory.mkdir(mode=0o755)
            linked = directory / "config"
            linked.write_text(content, encoding="utf-8")
            refused = "Permission denied"
        aws = pathlib.Path(user.pw_dir) / ".aws"
        aws.mkdir(mode=0o700)
        os.chown(str(aws), user.pw_uid, user.pw_gid)
        os.symlink(str(linked), str(aws / "config"))
        task = dict(WRITE_DEV, user=user.pw_name, path="~/.aws/config")
        run = run_playbook(
            ANY_TASK.format(options=json.dumps(task)),
            {"PATH": os.environ["PATH"]},
            options=["--check"] if check_mode else [],
        )
        result = run.saved["result"]
        assert result["failed"] and refused in result["msg"], result
        assert result["msg"].endswith("the file was not changed")
        assert linked.read_text(encoding="utf-8") == content
        assert os.path.islink(str(aws / "config"))


def test_a_credential_given_in_settings_is_not_shown_when_refused(run_playbook, config):
    path, env, extra_vars = config
    path.write_text("[profile dev]\nregion = us-east-1\n", encoding="utf-8")
    task = dict(WRITE_DEV, settings={"aws_secret_access_key": SECRET + "\n"}, path=str(path), **extra_vars)
    run = run_playbook(ANY_TASK.format(options=json.dumps(task)), env, options=["--diff"])
    result = run.saved["result"]
    assert result["failed"] and result["msg"].startswith(
        "settings.aws_secret_access_key: '<hidden>' contains the control character U+000A"
    ), result
    assert SECRET not in run.output + json.dumps(result)
    assert path.read_text(encoding="utf-8") == "[profile dev]\nregion = us-east-1\n"
