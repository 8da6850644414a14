# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_shell through ansible-playbook: check and diff mode, idempotence, static keys reported but left alone,
refused values and files, CRLF files."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from ansible_collections.recro.aws_sso.tests.support.shells import exported_profile, shell_prints

TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_shell:
        profile: "{{ profile | default('dev') }}"
        session_name: "{{ session | default('recro') }}"
        shells: [bash]
        platform: Linux
        lock_timeout: 5
      register: result
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ {'result': result} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""

BLOCK = (
    b"# BEGIN recro.aws_sso: AWS default profile\n"
    b"# The profile aws and the AWS SDKs use without --profile.\n"
    b"# Sign in with: aws sso login --sso-session recro\n"
    b"export AWS_DEFAULT_PROFILE=dev\n"
    b"export AWS_PROFILE=dev\n"
    b"# END recro.aws_sso: AWS default profile\n"
)

# Made-up keys in AWS's documented example format; the test checks they never show up in the output.
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def home(tmp_path):
    directory = tmp_path / "home"
    directory.mkdir()
    return directory


def env_for(home):
    return {"PATH": os.environ["PATH"], "HOME": str(home)}


def test_check_mode_and_diff_write_nothing_then_a_real_run_is_idempotent(run_playbook, home):
    rc = home / ".bashrc"
    rc.write_bytes(b"alias ll='ls -l'")  # no final newline

    check = run_playbook(
        TASK.replace("      register: result", "      check_mode: true\n      diff: true\n      register: result"),
        env_for(home),
    )

    assert check.returncode == 0, check.output
    result = check.saved["result"]
    assert result["changed"] is True and result["files"][0]["action"] == "added", result
    assert rc.read_bytes() == b"alias ll='ls -l'"
    assert sorted(os.listdir(home)) == [".bashrc"]
    diff = result["diff"]
    # The managed block only: the rest of an rc file may hold secrets.
    assert diff == [
        dict(
            before="",
            after=BLOCK.decode(),
            before_header=str(rc) + " (managed block)",
            after_header=str(rc) + " (managed block)",
        )
    ], diff

    run = run_playbook(TASK, env_for(home))

    assert run.returncode == 0, run.output
    assert run.saved["result"]["changed"] is True
    assert rc.read_bytes() == b"alias ll='ls -l'\n" + BLOCK
    again = run_playbook(TASK, env_for(home))
    assert again.returncode == 0 and again.saved["result"]["changed"] is False, again.output
    assert again.saved["result"]["files"][0]["action"] == "unchanged"
    # A real login bash started in that home prints the profile: it reads ~/.profile, which (as Debian's
    # /etc/skel/.profile does) reads ~/.bashrc.
    (home / ".profile").write_text('if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n')
    shell = exported_profile("bash", env_for(home), cwd=str(home), login=True)
    assert shell == "dev"


def test_static_keys_reported_without_values_and_files_left_byte_identical(run_playbook, home):
    rc = home / ".bashrc"
    rc_text = ("export AWS_ACCESS_KEY_ID={0}\nexport AWS_SECRET_ACCESS_KEY={1}\n".format(KEY_ID, SECRET)).encode()
    rc.write_bytes(rc_text + BLOCK)
    (home / ".aws").mkdir(mode=0o700)
    credentials = home / ".aws" / "credentials"
    credentials_text = (
        "[default]\naws_access_key_id = {0}\naws_secret_access_key = {1}\n[other]\naws_access_key_id = {0}\n".format(
            KEY_ID, SECRET
        )
    ).encode()
    credentials.write_bytes(credentials_text)
    os.chmod(credentials, 0o600)

    run = run_playbook(TASK, env_for(home))

    assert run.returncode == 0, run.output
    result = run.saved["result"]
    assert result["changed"] is False, result
    assert rc.read_bytes() == rc_text + BLOCK and credentials.read_bytes() == credentials_text
    found = sorted((c["path"], c["line"], c["kind"]) for c in result["conflicts"])
    assert (str(rc), 1, "static_credentials") in found and (str(rc), 2, "static_credentials") in found, found
    assert any(path == str(credentials) and kind == "credentials_file" for path, _line, kind in found), found
    # [other] is neither default nor a managed profile.
    assert not any(path == str(credentials) and line >= 4 for path, line, _kind in found), found
    for conflict in result["conflicts"]:
        assert set(conflict) == {"path", "line", "variable", "kind", "effect"}
    text = json.dumps(result) + run.output
    assert KEY_ID not in text and SECRET not in text


@pytest.mark.parametrize(
    "profile, session, parameter",
    [
        ("dev\n", "recro", "profile"),
        ("dev; rm -rf ~", "recro", "profile"),
        ("dev", "recro\nexport X=1", "session_name"),
    ],
)
def test_bad_values_refused_naming_the_parameter_before_any_write(run_playbook, home, profile, session, parameter):
    run = run_playbook(TASK, env_for(home), {"profile": profile, "session": session})

    assert run.returncode == 0, run.output
    result = run.saved["result"]
    assert result.get("failed") and result["msg"].startswith(parameter), result
    assert repr(profile if parameter == "profile" else session) in result["msg"], result["msg"]
    assert os.listdir(home) == []


@pytest.mark.parametrize("kind", ["FIFO", "directory", "character device"])
def test_a_non_regular_rc_file_is_refused_naming_path_and_kind_without_blocking(run_playbook, home, kind):
    rc = home / ".bashrc"
    if kind == "FIFO":
        os.mkfifo(str(rc))
    elif kind == "directory":
        rc.mkdir()
    else:
        rc.symlink_to("/dev/null")  # a symlink is followed: what counts is the file it leads to

    run = run_playbook(TASK, env_for(home))  # an open of the FIFO would block until the fixture's timeout

    assert run.returncode == 0, run.output
    result = run.saved["result"]
    assert result.get("failed"), result
    assert str(rc) in result["msg"] and "is a {0}".format(kind) in result["msg"], result["msg"]
    assert os.listdir(home) == [".bashrc"]


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_a_crlf_file_gets_a_block_its_shell_reads_without_a_carriage_return(run_playbook, home, shell):
    if shutil.which(shell) is None:
        pytest.skip("{0} is not installed".format(shell))
    rc = home / (".bashrc" if shell == "bash" else ".zshrc")
    rc.write_bytes(b"alias a=b\r\n")
    task = TASK.replace("shells: [bash]", "shells: [{0}]".format(shell))

    run = run_playbook(task, env_for(home))

    assert run.returncode == 0 and not run.saved["result"].get("failed"), run.output
    # The user's lines keep their CRLF; the block's lines end in LF, as every shell reads them.
    assert rc.read_bytes() == b"alias a=b\r\n" + BLOCK
    assert shell_prints(shell, 'printf %s "$AWS_PROFILE"', env_for(home), cwd=str(home)) == "dev"
    again = run_playbook(task, env_for(home))
    assert again.saved["result"]["changed"] is False


def test_an_old_crlf_block_is_rewritten_with_lf_lines(run_playbook, home):
    rc = home / ".bashrc"
    rc.write_bytes(b"alias a=b\r\n" + BLOCK.replace(b"\n", b"\r\n") + b"alias c=d\r\n")
    # bash exports "dev\r" (4 characters) from a CRLF block.
    assert shell_prints("bash", 'printf %s "${#AWS_PROFILE}"', env_for(home), cwd=str(home)) == "4"

    run = run_playbook(TASK, env_for(home))

    assert run.returncode == 0 and run.saved["result"]["files"][0]["action"] == "updated", run.output
    assert rc.read_bytes() == b"alias a=b\r\n" + BLOCK + b"alias c=d\r\n"
    assert shell_prints("bash", 'printf %s "${#AWS_PROFILE}:$AWS_PROFILE"', env_for(home), cwd=str(home)) == "3:dev"


def test_a_login_file_setting_after_it_reads_bashrc_is_reported(run_playbook, home):
    profile = home / ".profile"
    profile_text = (
        b'if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\nexport AWS_PROFILE=old\n'
    )
    profile.write_bytes(profile_text)
    (home / ".bashrc").write_bytes(b"")

    run = run_playbook(TASK, env_for(home))

    assert run.returncode == 0 and not run.saved["result"].get("failed"), run.output
    overrides = [
        (c["path"], c["line"], c["variable"])
        for c in run.saved["result"]["conflicts"]
        if c["kind"] == "profile_override"
    ]
    assert overrides == [(str(profile), 2, "AWS_PROFILE")], run.saved["result"]
    assert profile.read_bytes() == profile_text
    # The real login bash agrees: the later line wins over our block.
    shell = exported_profile("bash", env_for(home), cwd=str(home), login=True)
    assert shell == "old"


def test_an_odd_startup_or_credentials_file_is_a_warning_read_before_any_write(run_playbook, home):
    # A FIFO where the credentials file and a bash login file are: read while planning, never opened
    # to block, warned about by name; the rc file is still written and the task does not fail.
    (home / ".aws").mkdir(mode=0o700)
    credentials = home / ".aws" / "credentials"
    os.mkfifo(str(credentials))
    os.mkfifo(str(home / ".profile"))
    rc = home / ".bashrc"
    rc.write_bytes(b"# mine\n")

    run = run_playbook(TASK, env_for(home))

    assert run.returncode == 0, run.output
    result = run.saved["result"]
    assert not result.get("failed") and result["changed"] is True, result
    assert rc.read_bytes() == b"# mine\n" + BLOCK
    warnings = "\n".join(result.get("warnings", []))
    assert str(credentials) + ": not checked" in warnings and "FIFO" in warnings, result
    assert str(home / ".profile") + ": not checked" in warnings, result


def test_indented_keys_of_the_credentials_file_are_reported_as_botocore_reads_them(run_playbook, home):
    (home / ".bashrc").write_bytes(BLOCK)
    (home / ".aws").mkdir(mode=0o700)
    credentials = home / ".aws" / "credentials"
    credentials.write_text(
        "[default]\n  aws_access_key_id = {0}\n  aws_secret_access_key = {1}\n".format(KEY_ID, SECRET)
    )

    run = run_playbook(TASK, env_for(home))

    assert run.returncode == 0 and not run.saved["result"].get("failed"), run.output
    found = [(c["line"], c["variable"]) for c in run.saved["result"]["conflicts"]]
    assert found == [(2, "[default] aws_access_key_id"), (3, "[default] aws_secret_access_key")], found
    assert KEY_ID not in run.output and SECRET not in run.output
