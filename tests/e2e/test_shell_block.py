# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_shell through ansible-playbook on rc files that would make it lose, half-do or
leak something: marker lines that are not one block of ours, a conf.d that is a file, a
program appending to the file meanwhile, leftovers of a killed run, secrets beside the
block in --diff. Each as the user and as root for a user; real shells read the result."""

from __future__ import annotations

import collections
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as shell_rc
from ansible_collections.recro.aws_sso.tests.support.inotify import after_first_read, on_inotify
from ansible_collections.recro.aws_sso.tests.support.playbooks import REPOSITORY
from ansible_collections.recro.aws_sso.tests.support.shells import shell_prints
from ansible_collections.recro.aws_sso.tests.support.users import (
    as_user,
    assert_a_missing_home_is_refused,
    throwaway_user,
)

TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_shell:
        user: "{{ user | default(omit) }}"
        path: "{{ path | default(omit) }}"
        state: "{{ state | default('present') }}"
        profile: "{{ 'dev' if (state | default('present')) == 'present' else omit }}"
        sso_session: recro
        shells: "{{ shells | default(['bash']) }}"
        platform: Linux
        verify_shells: "{{ verify | default(false) }}"
        fail_on_conflicts: "{{ fail_on_conflicts | default(false) }}"
      check_mode: "{{ check | default(false) }}"
      register: result
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ {'result': result} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""

BEGIN = shell_rc.BEGIN.encode() + b"\n"
END = shell_rc.END.encode() + b"\n"
BLOCK = (
    BEGIN + b"# The profile aws and the AWS SDKs use without --profile.\n"
    b"# Sign in with: aws sso login --sso-session recro\n"
    b"export AWS_DEFAULT_PROFILE=dev\nexport AWS_PROFILE=dev\n" + END
)
# Made-up key in AWS's documented example format: it must never show up in the output.
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

Target = collections.namedtuple("Target", "home env extra_vars plant shell")


@pytest.fixture(params=["the user", "root for a user"])
def target(request, tmp_path):
    """Whose rc files: the user running the module (HOME in tmp_path), or a throwaway
    user root works for (O(user)). ``plant(path, data)`` writes a file as its owner would;
    ``shell(name, command)`` is what the owner's real interactive shell prints."""
    if request.param == "the user":
        home = tmp_path / "home"
        home.mkdir()
        env = {"PATH": os.environ["PATH"], "HOME": str(home)}

        def plant(path, data):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        def shell(name, command, login=False):
            # fish: -lc (its conf.d is read by every fish); bash, zsh: interactive (-ic), or -lic.
            return shell_prints(name, command, env, cwd=str(home), login=login or name == "fish")

        yield Target(home, env, {}, plant, shell)
        return
    if os.geteuid() != 0:
        pytest.skip("root acts for another user: needs root (CI runs as root)")
    with throwaway_user("/bin/bash") as user:
        home = pathlib.Path(user.pw_dir)

        def plant(path, data):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            for made in [path] + [parent for parent in path.parents if home in parent.parents]:
                os.chown(str(made), user.pw_uid, user.pw_gid)

        def shell(name, command, login=False):
            flag = "-lc" if name == "fish" else ("-lic" if login else "-ic")
            return as_user(user, [name, flag, command])

        yield Target(home, {"PATH": os.environ["PATH"]}, {"user": user.pw_name}, plant, shell)


def run(run_playbook, target, **variables):
    completed = run_playbook(TASK, target.env, dict(target.extra_vars, **variables))
    assert completed.returncode == 0, completed.output
    return completed.saved["result"]


@pytest.mark.parametrize(
    "content, lines",
    [
        (b"mine\n" + BLOCK + b"# my notes\n" + BEGIN + b"alias ll='ls -l'\n", "(line 2, 9)"),
        (BLOCK + b"alias ll='ls -l'\n" + BLOCK, "2 BEGIN marker line(s) (line 1, 8) and 2 END"),
        (b"alias ll='ls -l'\n" + END + b"echo hi\n" + BEGIN, "the END marker (line 2) comes before"),
        (b"cat > ~/notes <<'EOF'\n" + BLOCK + b"EOF\nalias ll='ls -l'\n", "inside a here-document (line 2, 7)"),
        # The shell reads "alias ll='ls -l'<CR># BEGIN ..." as one line: no BEGIN marker line.
        (b"alias ll='ls -l'\r" + BLOCK, "0 BEGIN marker line(s) (line none) and 1 END marker line(s) (line 6)"),
        (b"cat <<EOF\r\nEOF\n" + BLOCK + b"EOF\r\nalias ll='ls -l'\r\n", "inside a here-document (line 3, 8)"),
        # "<CR>#" is a word, not a comment: the here-document opens.
        (b"\r# <<EOF\n" + BLOCK + b"EOF\nalias ll='ls -l'\n", "inside a here-document (line 2, 7)"),
        # The block is the text of a variable: bash ends with no AWS_PROFILE.
        (b"msg='\n" + BLOCK + b"'\nalias ll='ls -l'\n", "inside a quoted string (line 2, 7)"),
        (b"msg=$'it\\'s\n" + BLOCK + b"'\nalias ll='ls -l'\n", "inside a quoted string (line 2, 7)"),
        (b"notes=\"$(cat <<'EOF'\n" + BLOCK + b"EOF\n)\"\nalias ll='ls -l'\n", "inside a here-document (line 2, 7)"),
        # The shell runs the block only when the test holds, or the function is called.
        (b"if [ -n \"$AWS_WORK\" ]; then\n" + BLOCK + b"fi\nalias ll='ls -l'\n", "inside a compound command"),
        (
            b"aws_work() {\n" + BLOCK + b"}\nalias ll='ls -l'\n",
            "function or group), which the shell may not run (line 2, 7)",
        ),
    ],
    ids=[
        "stray BEGIN after a block",
        "two blocks",
        "END before BEGIN",
        "markers in a heredoc",
        "BEGIN after a lone CR",
        "markers in a CRLF heredoc",
        "markers in a heredoc opened after a CR",
        "markers in a quoted string",
        "markers in a $'...' string",
        "markers in a heredoc in a command substitution",
        "markers in an if",
        "markers in a function's body",
    ],
)
@pytest.mark.parametrize("state", ["present", "absent"])
def test_marker_lines_that_are_not_one_block_of_ours_are_refused_and_the_file_kept(
    run_playbook, target, content, lines, state
):
    bashrc = target.home / ".bashrc"
    target.plant(bashrc, content)
    before = target.shell("bash", 'printf %s "$(alias ll 2>/dev/null)"')
    names = sorted(os.listdir(str(target.home)))

    result = run(run_playbook, target, state=state)

    assert result.get("failed"), result
    assert result["msg"].startswith(str(bashrc) + ": ") and lines in result["msg"], result["msg"]
    assert "not changed" in result["msg"]
    assert bashrc.read_bytes() == content
    assert sorted(os.listdir(str(target.home))) == names
    # What the user's shell does with the file is what it did before.
    assert target.shell("bash", 'printf %s "$(alias ll 2>/dev/null)"') == before


@pytest.mark.parametrize("state", ["present", "absent"])
def test_lines_written_inside_the_block_are_refused_named_and_never_shown(run_playbook, target, state):
    bashrc = target.home / ".bashrc"
    secret = "export AWS_SECRET_ACCESS_KEY={0}\n".format(SECRET).encode()
    content = b"alias ll='ls -l'\n" + BLOCK.replace(END, secret + END).replace(b"=dev", b"=old")
    target.plant(bashrc, content)

    completed = run_playbook(TASK, target.env, dict(target.extra_vars, state=state), options=["--diff"])

    assert completed.returncode == 0, completed.output
    result = completed.saved["result"]
    assert result.get("failed"), result
    assert result["msg"].startswith(str(bashrc) + ": line(s) 7 between the markers (line 2, 8)"), result["msg"]
    assert "not changed" in result["msg"]
    assert SECRET not in completed.output and SECRET not in json.dumps(result)
    assert bashrc.read_bytes() == content
    assert target.shell("bash", 'printf %s "$AWS_SECRET_ACCESS_KEY"') == SECRET


@pytest.mark.parametrize(
    "content",
    [
        b"mask=$((1<<4))\n",
        b"((mask = 1<<4))\n",
        b"echo 'a<<b' \"c<<d\" >/dev/null\n",
        b"echo x >/dev/null # <<EOF\n",
        b"cat <<-'E1' <<\\E2 >/dev/null\n\tE1\nE2\nmsg='two\nlines'\n",
    ],
    ids=["<< in $(( ))", "<< in (( ))", "<< in quotes", "<< in a comment", "here-documents and quotes that end"],
)
@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_a_shift_a_quoted_or_commented_heredoc_sign_is_no_here_document(run_playbook, target, content, shell):
    if shutil.which(shell) is None:
        pytest.skip("{0} is not installed".format(shell))
    rc_file = target.home / shell_rc.rc_files("Linux")[shell]
    target.plant(rc_file, content + b"alias ll='ls -l'\n")

    result = run(run_playbook, target, shells=[shell])

    assert not result.get("failed") and result["files"][0]["action"] == "added", result
    assert rc_file.read_bytes() == content + b"alias ll='ls -l'\n" + BLOCK
    assert target.shell(shell, 'printf %s "$AWS_PROFILE"') == "dev"


def test_one_block_of_ours_is_updated_in_place_and_removed_leaving_every_other_line(run_playbook, target):
    bashrc = target.home / ".bashrc"
    old = BLOCK.replace(b"=dev", b"=old")
    heredoc = b"cat > /dev/null <<'EOF'\n# BEGIN something else\nEOF\n"
    target.plant(bashrc, b"alias ll='ls -l'\n" + old + heredoc)

    result = run(run_playbook, target)

    assert not result.get("failed") and result["files"][0]["action"] == "updated", result
    assert bashrc.read_bytes() == b"alias ll='ls -l'\n" + BLOCK + heredoc
    assert target.shell("bash", 'printf %s "$AWS_PROFILE"') == "dev"

    result = run(run_playbook, target, state="absent")

    assert result["files"][0]["action"] == "removed", result
    assert bashrc.read_bytes() == b"alias ll='ls -l'\n" + heredoc
    assert target.shell("bash", 'printf %s "${AWS_PROFILE-unset}"') == "unset"


# What each shell reads after our block, at the line the shell counts: bash and zsh say it
# themselves ($LINENO); a line ends at LF only, whatever CRs or form feeds stand before it.
SH_OVERRIDE = b"export AWS_PROFILE=L$LINENO"
LINE_ENDS = [
    ("bash", b"true a\rtrue b\n", SH_OVERRIDE + b"\n", "lone CR before the block"),
    ("bash", b"", b"true a\r" + SH_OVERRIDE + b"\n", "lone CR before an export"),
    ("bash", b"", b"true;\r" + SH_OVERRIDE + b"\n", "lone CR after a separator"),
    ("bash", b"true a\r\n", SH_OVERRIDE + b"\r\n", "CRLF"),
    ("bash", b"true a\x0ctrue b\x0b\n", SH_OVERRIDE + b"\n", "form feed and vertical tab before the block"),
    ("bash", b"", b"\r# x; " + SH_OVERRIDE + b"\n", "CR before a hash"),
    ("zsh", b"true a\rtrue b\n", SH_OVERRIDE + b"\n", "lone CR before the block"),
    ("zsh", b"", b"true a\r" + SH_OVERRIDE + b"\n", "lone CR before an export"),
    ("zsh", b"", b"true &&\r" + SH_OVERRIDE + b"\n", "lone CR after a separator"),
    ("zsh", b"true a\r\n", SH_OVERRIDE + b"\r\n", "CRLF"),
    ("zsh", b"true a\x0ctrue b\x0b\n", SH_OVERRIDE + b"\n", "form feed and vertical tab before the block"),
    ("zsh", b"", b"\r# x; " + SH_OVERRIDE + b"\n", "CR before a hash"),
    # fish reads a CR as a blank between words, never as a line end.
    ("fish", b"true a\rtrue b\n", b"set -gx AWS_PROFILE late\n", "lone CR before the block"),
    ("fish", b"", b"true a\rset -gx AWS_PROFILE late\n", "lone CR before an export"),
    ("fish", b"", b"true;\rset -gx AWS_PROFILE late\n", "lone CR after a separator"),
    ("fish", b"true a\r\n", b"set -gx AWS_PROFILE late\r\n", "CRLF"),
    ("fish", b"true a\x0ctrue b\x0b\n", b"set -gx AWS_PROFILE late\n", "form feed and vertical tab before the block"),
    ("fish", b"", b"\r# x; set -gx AWS_PROFILE late\n", "CR before a hash"),
]


@pytest.mark.parametrize(
    "shell, head, tail", [case[:3] for case in LINE_ENDS], ids=["{0}, {3}".format(*case) for case in LINE_ENDS]
)
def test_what_shadows_the_block_is_found_where_the_shell_reads_it_whatever_the_line_ends(
    run_playbook, target, shell, head, tail
):
    if shutil.which(shell) is None:
        pytest.skip("{0} is not installed".format(shell))
    rc_file = target.home / shell_rc.rc_files("Linux")[shell]
    target.plant(rc_file, head)
    assert not run(run_playbook, target, shells=[shell]).get("failed")
    content = rc_file.read_bytes() + tail
    target.plant(rc_file, content)

    result = run(run_playbook, target, shells=[shell])

    assert not result.get("failed") and result["changed"] is False, result
    assert rc_file.read_bytes() == content
    reported = [(c["line"], c["kind"]) for c in result["conflicts"] if c["path"] == str(rc_file)]
    # The shell's own verdict: the profile it ends with (its length shows a CR that stayed in it).
    if shell == "fish":
        printed = target.shell("fish", 'printf "%s|%s" (string length -- "$AWS_PROFILE") "$AWS_PROFILE"')
        line = content.count(b"\n")  # the tail is the last line: no CR ended one for fish either
    else:
        printed = target.shell(shell, "printf '%s|%s' \"${#AWS_PROFILE}\" \"${AWS_PROFILE%$'\\r'}\"")
    length, _bar, profile = printed.partition("|")
    if profile.startswith("L"):
        line = int(profile[1:])
    if profile == "dev":
        assert reported == [], (reported, profile)
    else:
        assert profile in ("late", "L{0}".format(content.count(b"\n"))), profile
        assert reported == [(line, "profile_override")], (reported, profile)
    # What the block exports reaches the shell without a CR, whatever the file's line ends.
    assert int(length) == len(profile) + (1 if tail.endswith(b"\r\n") and shell != "fish" else 0)


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_user_whose_home_does_not_exist_is_refused_and_given_none(run_playbook, target, tmp_path, state):
    assert_a_missing_home_is_refused(run_playbook, TASK, target, tmp_path, dict(state=state))


# What botocore takes from a credentials file for a profile: the oracle of the module's report.
BOTOCORE_CREDENTIALS = """
import json, sys
import botocore.exceptions, botocore.session
found = {}
for profile in ("default", "dev"):
    session = botocore.session.Session(profile=profile)
    session.set_config_variable("config_file", "/nonexistent/config")
    session.set_config_variable("credentials_file", sys.argv[1])
    try:
        credentials = session.get_credentials()
    except botocore.exceptions.ProfileNotFound:
        credentials = None
    found[profile] = credentials.method if credentials else None
print(json.dumps(found))
"""


@pytest.mark.parametrize(
    "credentials",
    [
        "[default]\naws_access_key_id: {key}\naws_secret_access_key: {secret}\n",
        "[ default ]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n",
        "[dev]\raws_access_key_id = {key}\raws_secret_access_key = {secret}\r",
        "[other]\r\n[default]\r\nAWS_ACCESS_KEY_ID = {key}\r\nAWS_SECRET_ACCESS_KEY = {secret}\r\n",
        "[DEFAULT]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n[dev]\nregion = eu-west-1\n",
    ],
    ids=["key: value", "[ default ]", "lone CR line ends", "CRLF, keys in capitals", "[DEFAULT] in every section"],
)
def test_static_keys_in_the_credentials_file_are_reported_as_botocore_reads_them(run_playbook, target, credentials):
    path = target.home / ".aws" / "credentials"
    data = credentials.format(key="AKIAIOSFODNN7EXAMPLE", secret=SECRET).encode()
    target.plant(path, data)

    result = run(run_playbook, target)

    assert not result.get("failed"), result
    reported = sorted(
        set(c["variable"].split("]")[0][1:] for c in result["conflicts"] if c["kind"] == "credentials_file")
    )
    read = subprocess.run(
        [sys.executable, "-c", BOTOCORE_CREDENTIALS, str(path)],
        env={"PATH": os.environ["PATH"]},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    used = sorted(profile for profile, method in json.loads(read.stdout).items() if method == "shared-credentials-file")
    assert reported == used, (reported, used)
    assert used == ([] if "[ default ]" in credentials else ["dev"] if "[dev]" in credentials else ["default"])
    assert path.read_bytes() == data
    assert SECRET not in json.dumps(result) and "AKIAIOSFODNN7EXAMPLE" not in json.dumps(result)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="a full file system: mount needs root")
def test_fail_on_conflicts_fails_before_the_first_write_naming_file_and_line(run_playbook, target):
    bashrc, zshrc = target.home / ".bashrc", target.home / ".zshrc"
    target.plant(bashrc, b"alias ll='ls -l'\n")
    target.plant(zshrc, b"alias ll='ls -l'\n" + BLOCK.replace(b"=dev", b"=old") + b"export AWS_PROFILE=mine\n")
    before = dict((path, path.read_bytes()) for path in (bashrc, zshrc))

    result = run(run_playbook, target, shells=["bash", "zsh"], fail_on_conflicts=True)

    assert result.get("failed"), result
    assert result["msg"].startswith("{0}:8: AWS_PROFILE".format(zshrc)), result["msg"]
    assert result["msg"].endswith("; nothing was changed"), result["msg"]
    assert result["changed"] is False
    assert [(c["path"], c["line"]) for c in result["conflicts"]] == [(str(zshrc), 8)]
    assert dict((path, path.read_bytes()) for path in (bashrc, zshrc)) == before


def test_a_full_file_system_fails_naming_the_file_and_leaves_it_and_no_temporary_file(run_playbook, target):
    bashrc = target.home / ".bashrc"
    owner = os.stat(str(target.home))
    # The home a tmpfs of 1 MB, filled by ~/.bashrc but for 300 kB: its rewrite cannot fit.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(target.home)], check=True)
    try:
        os.chown(str(target.home), owner.st_uid, owner.st_gid)
        old = b"alias ll='ls -l'\n" + b"# seven hundred kilobytes of comments\n" * 18000
        target.plant(bashrc, old)

        result = run(run_playbook, target)

        assert result.get("failed"), result
        assert result["msg"].startswith("{0}: ".format(bashrc)), result["msg"]
        assert "No space left on device" in result["msg"] and "nothing was changed" in result["msg"], result["msg"]
        assert bashrc.read_bytes() == old
        assert sorted(os.listdir(str(target.home))) == [".bashrc"]
    finally:
        subprocess.run(["umount", str(target.home)], check=True)


def test_a_zshrc_that_does_not_fit_puts_bashrc_back_and_changes_nothing(run_playbook, target):
    """.bashrc is rewritten first and fits; .zshrc's rewrite needs two pages more than the
    home has left: .bashrc goes back as it was, so the run changed nothing, as it says."""
    bashrc, zshrc = target.home / ".bashrc", target.home / ".zshrc"
    owner = os.stat(str(target.home))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0755", "tmpfs", str(target.home)], check=True)
    try:
        os.chown(str(target.home), owner.st_uid, owner.st_gid)
        target.plant(bashrc, b"alias ll='ls -l'\n")
        target.plant(zshrc, b"# six kilobytes of comments\n" * 220)
        files = {path: path.read_bytes() for path in (bashrc, zshrc)}

        result = run(run_playbook, target, shells=["bash", "zsh"])

        assert result.get("failed"), result
        assert result["msg"].startswith("{0}: No space left on device".format(zshrc)), result["msg"]
        assert result["msg"].endswith("; nothing was changed") and result["changed"] is False, result
        assert {path: path.read_bytes() for path in files} == files
        assert sorted(os.listdir(str(target.home))) == [".bashrc", ".zshrc"]
    finally:
        subprocess.run(["umount", str(target.home)], check=True)


def test_a_conf_d_that_is_a_file_is_refused_before_bashrc_is_written(run_playbook, target):
    bashrc = target.home / ".bashrc"
    target.plant(bashrc, b"alias ll='ls -l'\n")
    conf_d = target.home / ".config" / "fish" / "conf.d"
    target.plant(conf_d, b"not a directory\n")

    result = run(run_playbook, target, shells=["bash", "fish"])

    assert result.get("failed"), result
    assert result["msg"] == (
        "{0}: is a regular file, not a directory (to hold {0}/recro_sso.fish): refused, nothing was changed".format(
            conf_d
        )
    ), result["msg"]
    assert bashrc.read_bytes() == b"alias ll='ls -l'\n"
    assert conf_d.read_bytes() == b"not a directory\n"


@pytest.mark.skipif(shutil.which("chattr") is None or os.geteuid() != 0, reason="chattr +i needs root and e2fsprogs")
def test_an_immutable_zshrc_is_refused_before_bashrc_is_written(run_playbook, target):
    bashrc, zshrc = target.home / ".bashrc", target.home / ".zshrc"
    target.plant(bashrc, b"alias ll='ls -l'\n")
    target.plant(zshrc, b"setopt no_beep\n")
    subprocess.run(["chattr", "+i", str(zshrc)], check=True)
    try:
        result = run(run_playbook, target, shells=["bash", "zsh"])
    finally:
        subprocess.run(["chattr", "-i", str(zshrc)], check=True)

    assert result.get("failed"), result
    assert result["msg"].startswith("{0}: Operation not permitted: {0} is immutable (chattr)".format(zshrc))
    assert result["msg"].endswith("; nothing was changed"), result["msg"]
    assert bashrc.read_bytes() == b"alias ll='ls -l'\n" and zshrc.read_bytes() == b"setopt no_beep\n"


def test_a_symlink_into_a_missing_directory_is_refused_naming_both(run_playbook, target):
    bashrc, zshrc = target.home / ".bashrc", target.home / ".zshrc"
    target.plant(bashrc, b"alias ll='ls -l'\n")
    zshrc.symlink_to(target.home / "dotfiles" / "zsh" / "zshrc")
    os.lchown(str(zshrc), *(os.stat(str(bashrc))[4:6]))

    result = run(run_playbook, target, shells=["bash", "zsh"])

    assert result.get("failed"), result
    assert result["msg"].startswith(
        "{0}: is a symbolic link to {1}, whose directory does not exist: refused".format(
            zshrc, target.home / "dotfiles" / "zsh" / "zshrc"
        )
    ), result["msg"]
    assert result["msg"].endswith("; nothing was changed"), result["msg"]
    assert not (target.home / "dotfiles").exists() and bashrc.read_bytes() == b"alias ll='ls -l'\n"


def test_leftovers_of_a_killed_run_are_removed_by_the_next_run(run_playbook, target):
    bashrc = target.home / ".bashrc"
    target.plant(bashrc, b"alias ll='ls -l'\n" + BLOCK)
    leftover = target.home / "..bashrc.k1ll3d_x.tmp"
    target.plant(leftover, b"\0" * (20 << 20))
    yours = target.home / "..bashrc.backup.tmp"
    target.plant(yours, b"not ours\n")

    checked = run(run_playbook, target, check=True)

    assert "{0}: would remove a temporary file a killed run left".format(leftover) in checked["messages"], checked
    assert leftover.exists() and checked["changed"] is False

    result = run(run_playbook, target)

    assert not result.get("failed") and result["changed"] is False, result
    assert not leftover.exists()
    assert "{0}: removed a temporary file a killed run left".format(leftover) in result["messages"]
    assert yours.read_bytes() == b"not ours\n" and bashrc.read_bytes() == b"alias ll='ls -l'\n" + BLOCK


def test_diff_shows_the_managed_block_only(run_playbook, target):
    bashrc = target.home / ".bashrc"
    target.plant(bashrc, "export AWS_SECRET_ACCESS_KEY={0}\n".format(SECRET).encode() + BLOCK.replace(b"=dev", b"=old"))

    completed = run_playbook(TASK, target.env, target.extra_vars, options=["--diff"])

    assert completed.returncode == 0, completed.output
    result = completed.saved["result"]
    assert result["changed"] is True and result["diff"] == [
        dict(
            before=BLOCK.replace(b"=dev", b"=old").decode(),
            after=BLOCK.decode(),
            before_header="{0} (managed block)".format(bashrc),
            after_header="{0} (managed block)".format(bashrc),
        )
    ], result
    assert SECRET not in completed.output and SECRET not in json.dumps(result)
    assert "+export AWS_PROFILE=dev" in completed.output


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_line_appended_while_the_module_rewrites_the_file_is_kept(run_playbook, target, state):
    """An installer appends to ~/.bashrc after the module read it, before its rename."""
    bashrc = target.home / ".bashrc"
    filler = b"# filler that makes the rewrite take a little while\n" * 40000
    old = BLOCK.replace(b"=dev", b"=old") if state == "absent" else b""
    target.plant(bashrc, b"alias ll='ls -l'\n" + filler + old)
    appended = b"export PATH=$PATH:/opt/installer/bin\n"

    def install():
        with open(str(bashrc), "ab") as handle:
            handle.write(appended)

    thread = after_first_read(bashrc, install)
    try:
        completed = run_playbook(TASK, target.env, dict(target.extra_vars, state=state))
    finally:
        thread.join()

    assert completed.returncode == 0 and not completed.saved["result"].get("failed"), completed.output
    assert completed.saved["result"]["changed"] is True
    data = bashrc.read_bytes()
    assert data.endswith(appended if state == "absent" else appended + BLOCK), data[-400:]
    assert data.startswith(b"alias ll='ls -l'\n" + filler)
    expected = "dev" if state == "present" else "unset"
    assert target.shell("bash", 'printf %s "${AWS_PROFILE-unset}"') == expected


@pytest.mark.skipif(shutil.which("zsh") is None or shutil.which("fish") is None, reason="zsh and fish are needed")
def test_every_shell_reads_the_block_it_gets(run_playbook, target):
    target.plant(target.home / ".zshrc", b"setopt no_beep\r\n")
    target.plant(target.home / ".bashrc", b"alias ll='ls -l'\r\n")
    target.plant(target.home / ".config" / "fish" / "config.fish", b"")

    result = run(run_playbook, target, shells=["bash", "zsh", "fish"])

    assert not result.get("failed"), result
    for shell in ("bash", "zsh"):
        assert target.shell(shell, 'printf %s "${#AWS_PROFILE}:$AWS_PROFILE"') == "3:dev", shell
    assert target.shell("fish", 'printf %s "$AWS_PROFILE"') == "dev"


def kill_writers_of(directory, prefix):
    """An action that SIGKILLs every process with a file named ``prefix``... of ``directory`` open."""

    def kill():
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                opened = [
                    os.readlink("/proc/{0}/fd/{1}".format(pid, fd)) for fd in os.listdir("/proc/{0}/fd".format(pid))
                ]
            except OSError:
                continue  # gone meanwhile
            if any(
                os.path.dirname(name) == str(directory) and os.path.basename(name).startswith(prefix) for name in opened
            ):
                os.kill(int(pid), signal.SIGKILL)

    return kill


def test_kill_9_during_writes_never_tears_the_file_and_the_next_run_leaves_no_leftover(target, tmp_path):
    """ansible-playbook killed (SIGKILL, its whole process group) while the module writes a
    20 MB ~/.bashrc: the file is the old one or the new one, never a part; the next run
    removes the temporary files the killed ones left."""

    home = target.home
    bashrc = home / ".bashrc"
    old = b"alias ll='ls -l'\n" + b"# twenty megabytes of comments\n" * 680000
    target.plant(bashrc, old)
    names = sorted(os.listdir(str(home)))
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(
        TASK.replace("      ignore_errors: true\n", "").split("    - ansible.builtin.copy:", maxsplit=1)[0]
    )
    env = dict(
        target.env,
        ANSIBLE_CONFIG=str(REPOSITORY / "ansible.cfg"),
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
    )
    argv = [
        str(pathlib.Path(sys.executable).parent / "ansible-playbook"),
        str(playbook),
        "-e",
        json.dumps(dict(target.extra_vars, ansible_python_interpreter=sys.executable)),
    ]

    def leftovers():
        return [name for name in os.listdir(str(home)) if name.startswith("..bashrc.")]

    for _attempt in range(3):
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=str(REPOSITORY),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # The module is killed as soon as its temporary file appears (IN_CREATE), while it writes 20 MB into it.
        watcher = on_inotify(home, 0x100, kill_writers_of(home, "..bashrc."), lambda name: name.startswith("..bashrc."))
        process.wait()
        watcher.join()
        assert bashrc.read_bytes() in (old, old + BLOCK)
        if leftovers():
            break
        target.plant(bashrc, old)
    assert leftovers(), "no run was killed while writing"
    target.plant(bashrc, old)

    finished = subprocess.run(
        argv,
        env=env,
        cwd=str(REPOSITORY),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )

    assert finished.returncode == 0, finished.stdout
    assert sorted(os.listdir(str(home))) == names
    assert bashrc.read_bytes() == old + BLOCK


def test_with_path_the_block_exports_the_config_that_holds_the_profile(run_playbook, target):
    """O(path): the shells' aws reads the profile from that config (a space in its name included)."""
    config = target.home / "work config" / "aws"
    target.plant(config, b"[profile dev]\nregion = eu-west-1\n")

    result = run(run_playbook, target, path="~/work config/aws")

    assert not result.get("failed") and result["changed"] is True, result
    assert result["exports"] == ["AWS_DEFAULT_PROFILE", "AWS_PROFILE", "AWS_CONFIG_FILE"]
    assert target.shell("bash", 'printf %s "$AWS_PROFILE|$AWS_CONFIG_FILE"') == "dev|{0}".format(config)
    without = run(run_playbook, target)
    assert without["exports"] == ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"]
    assert without["files"][0]["action"] == "updated"
    assert target.shell("bash", 'printf %s "$AWS_PROFILE|${AWS_CONFIG_FILE-unset}"') == "dev|unset"


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_what_shadows_the_profile_in_fish_is_what_fish_ends_with(run_playbook, target):
    fish = target.home / ".config" / "fish"
    target.plant(fish / "conf.d" / "aaa.fish", b"set -gx AWS_PROFILE early\n")
    target.plant(fish / "fish_variables", b"# VERSION: 3.0\nSETUVAR --export AWS_ACCESS_KEY_ID:AKIAIOSFODNN7EXAMPLE\n")
    target.plant(fish / "conf.d" / "zzz.fish", b"test -n x; and set --global --export AWS_PROFILE late\n")

    result = run(run_playbook, target, shells=["fish"])

    assert not result.get("failed"), result
    found = sorted((c["path"], c["line"], c["kind"]) for c in result["conflicts"])
    assert found == [
        (str(fish / "conf.d" / "zzz.fish"), 1, "profile_override"),
        (str(fish / "fish_variables"), 2, "static_credentials"),
    ], found
    assert "AKIAIOSFODNN7EXAMPLE" not in json.dumps(result)
    # fish agrees: the later conf.d file wins over our block, the universal key is exported.
    assert target.shell("fish", 'printf "%s %s" $AWS_PROFILE $AWS_ACCESS_KEY_ID') == "late AKIAIOSFODNN7EXAMPLE"


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_what_shadows_the_profile_in_zsh_is_what_a_login_zsh_ends_with(run_playbook, target):
    target.plant(target.home / ".zprofile", b"export AWS_PROFILE=early\n")
    target.plant(target.home / ".zlogin", b"[[ -o login ]] && export AWS_PROFILE=late\n")

    result = run(run_playbook, target, shells=["zsh"])

    assert not result.get("failed"), result
    found = [(c["path"], c["line"], c["kind"]) for c in result["conflicts"]]
    assert found == [(str(target.home / ".zlogin"), 1, "profile_override")], found
    assert target.shell("zsh", 'printf %s "$AWS_PROFILE"', login=True) == "late"
    assert target.shell("zsh", 'printf %s "$AWS_PROFILE"') == "dev"  # not a login shell: no .zlogin


@pytest.mark.skipif(shutil.which("zsh") is None or shutil.which("fish") is None, reason="zsh and fish are needed")
def test_verify_shells_reports_what_each_login_shell_ends_with_and_never_waits(run_playbook, target):
    target.plant(target.home / ".bashrc", b"echo 'hello from bashrc: wJalrXUtnFEMI'\n")
    target.plant(target.home / ".zshrc", b"sleep 300\n")
    target.plant(target.home / ".config" / "fish" / "config.fish", b"set -gx AWS_ACCESS_KEY_ID AKIAIOSFODNN7EXAMPLE\n")
    target.plant(
        target.home / ".profile",
        b'[ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"\n',
    )
    started = time.monotonic()

    result = run(run_playbook, target, shells=["bash", "zsh", "fish"], verify=True)

    assert time.monotonic() - started < 120
    assert not result.get("failed"), result
    verified = {report["shell"]: report for report in result["verified"]}
    assert verified["bash"] == dict(
        shell="bash",
        status="ok",
        printed=True,
        exported=["AWS_DEFAULT_PROFILE", "AWS_PROFILE"],
        profile="dev",
        default_profile="dev",
        config_file=None,
    )
    assert verified["zsh"]["status"] == "timed out"
    assert verified["fish"]["exported"] == ["AWS_ACCESS_KEY_ID", "AWS_DEFAULT_PROFILE", "AWS_PROFILE"]
    assert verified["fish"]["profile"] == "dev"
    assert "zsh: the login shell timed out" in result["messages"]
    assert "fish: a login shell exports AWS_ACCESS_KEY_ID, which win over the profile" in result["messages"]
    text = json.dumps(result)
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "wJalrXUtnFEMI" not in text


def test_a_conf_d_that_links_to_nowhere_is_refused_before_bashrc_is_written(run_playbook, target):
    bashrc = target.home / ".bashrc"
    target.plant(bashrc, b"alias ll='ls -l'\n")
    fish = target.home / ".config" / "fish"
    target.plant(fish / "config.fish", b"set -g fish_greeting\n")
    conf_d = fish / "conf.d"
    conf_d.symlink_to(target.home / "dotfiles" / "fish-conf.d")  # a dotfiles checkout not there yet
    os.lchown(str(conf_d), *(os.stat(str(bashrc))[4:6]))

    result = run(run_playbook, target, shells=["bash", "fish"])

    assert result.get("failed"), result
    assert result["msg"].startswith(
        "{0}/recro_sso.fish: needs the directory {0}, which is a symbolic link to {1}, which does not exist: "
        "refused".format(conf_d, target.home / "dotfiles" / "fish-conf.d")
    ), result["msg"]
    assert result["msg"].endswith("; nothing was changed"), result["msg"]
    assert bashrc.read_bytes() == b"alias ll='ls -l'\n" and not (target.home / "dotfiles").exists()


@pytest.mark.skipif(shutil.which("chattr") is None or os.geteuid() != 0, reason="chattr +i needs root and e2fsprogs")
def test_offboarding_passes_over_an_rc_file_without_the_block_it_may_not_replace(run_playbook, target):
    bashrc, zshrc = target.home / ".bashrc", target.home / ".zshrc"
    target.plant(bashrc, b"alias ll='ls -l'\n" + BLOCK)
    # A .zshrc nobody may replace (as a home manager leaves it), without our block.
    target.plant(zshrc, b"setopt no_beep\n")
    subprocess.run(["chattr", "+i", str(zshrc)], check=True)
    try:
        result = run(run_playbook, target, shells=["bash", "zsh"], state="absent")
    finally:
        subprocess.run(["chattr", "-i", str(zshrc)], check=True)

    assert not result.get("failed"), result
    assert bashrc.read_bytes() == b"alias ll='ls -l'\n" and zshrc.read_bytes() == b"setopt no_beep\n"


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_with_zdotdir_the_block_goes_where_zsh_reads_its_zshrc_and_its_login_files_are_scanned(run_playbook, target):
    target.plant(target.home / ".zshenv", b"export ZDOTDIR=$HOME/.config/zsh\n")
    target.plant(target.home / ".config" / "zsh" / ".zshrc", b'PS1="%# "\n')
    target.plant(target.home / ".config" / "zsh" / ".zlogin", b"export AWS_PROFILE=late\n")

    result = run(run_playbook, target, shells=["zsh"])

    assert not result.get("failed"), result
    zshrc = target.home / ".config" / "zsh" / ".zshrc"
    assert [(entry["path"], entry["action"]) for entry in result["files"]] == [(str(zshrc), "added")]
    assert not (target.home / ".zshrc").exists()
    found = [(c["path"], c["line"], c["kind"]) for c in result["conflicts"]]
    assert found == [(str(target.home / ".config" / "zsh" / ".zlogin"), 1, "profile_override")], found
    assert target.shell("zsh", 'printf %s "$AWS_PROFILE"') == "dev"
    assert target.shell("zsh", 'printf %s "$AWS_PROFILE"', login=True) == "late"


def test_a_zdotdir_the_module_cannot_follow_stops_only_a_run_for_zsh(run_playbook, target):
    target.plant(target.home / ".zshenv", b'ZDOTDIR="$(cat ~/.zdot)"\n')
    target.plant(target.home / ".bashrc", b"# bash\n")

    refused = run_playbook(TASK, target.env, dict(target.extra_vars, shells=["zsh"]))
    assert refused.saved["result"]["failed"]
    assert refused.saved["result"]["msg"].startswith(
        "{0}: line 1 sets ZDOTDIR, the directory zsh reads .zshrc from, in a form the module does not resolve".format(
            target.home / ".zshenv"
        )
    ), refused.saved["result"]["msg"]
    assert not (target.home / ".zshrc").exists()
    # bash is not held up by zsh's file.
    result = run(run_playbook, target, shells=["bash"])
    assert [entry["action"] for entry in result["files"]] == ["added"]


ROLE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: recro.aws_sso.recro_sso
      vars:
        recro_sso_user: "{{ user | default(omit) }}"
        recro_sso_account_id: "012345678901"
        recro_sso_login: never
        recro_sso_shells: [bash]
        recro_sso_platform: Linux
    - ansible.builtin.copy:
        content: "{{ {'result': recro_sso_result} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_offboarding_that_cannot_remove_a_block_fails_before_it_changes_anything(run_playbook, target):
    """A stray BEGIN marker after the block: offboarding removed the profiles, then failed on
    .bashrc, whose block went on exporting a profile that was gone (every aws command fails)."""
    onboarded = run_playbook(ROLE, target.env, target.extra_vars)
    assert onboarded.returncode == 0, onboarded.output
    bashrc, config = target.home / ".bashrc", target.home / ".aws" / "config"
    target.plant(bashrc, bashrc.read_bytes() + b"# my notes\n" + BEGIN + b"alias ll='ls -l'\n")
    before = {path: path.read_bytes() for path in (bashrc, config)}

    offboarded = run_playbook(ROLE, target.env, dict(target.extra_vars, recro_sso_state="absent"))

    assert offboarded.returncode != 0, offboarded.output
    assert "{0}: 2 BEGIN marker line(s)".format(bashrc) in offboarded.output, offboarded.output
    assert {path: path.read_bytes() for path in before} == before
    # The profile bash exports is still in the config.
    assert target.shell("bash", 'printf %s "$AWS_PROFILE"') == "recrocog-admin"
    assert b"[profile recrocog-admin]" in config.read_bytes()
