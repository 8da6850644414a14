# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_shell run by root for another user (no become), and the block as real zsh and fish read it."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

from ansible_collections.recro.aws_sso.tests.support.shells import shell_prints
from ansible_collections.recro.aws_sso.tests.support.users import as_user, throwaway_user

TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_shell:
        user: "{{{{ user | default(omit) }}}}"
        profile: "{{{{ profile }}}}"
        session_name: recro
        shells: "{{{{ shells | default([]) }}}}"
        platform: Linux
{extra}      register: result
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{{{ {{'result': result}} | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
"""


def task(extra=""):
    return TASK.format(extra=extra)


@pytest.mark.skipif(os.geteuid() != 0, reason="root acts for another user")
def test_root_writes_the_users_files_as_the_user_and_her_shells_read_them(run_playbook, tmp_path):
    if not shutil.which("runuser"):
        pytest.skip("runuser is needed to start the user's shells")
    with throwaway_user("/bin/bash") as user:
        home = pathlib.Path(user.pw_dir)
        bashrc = home / ".bashrc"
        bashrc_before = bashrc.read_bytes() if bashrc.exists() else None
        # fish is in use for her: its configuration directory exists, conf.d does not yet.
        subprocess.run(["runuser", "-u", user.pw_name, "--", "mkdir", "-p", str(home / ".config" / "fish")], check=True)
        # A symlink she planted towards a file root owns, to make root write there.
        target = tmp_path / "root-owned"
        target.write_bytes(b"root's file\n")
        os.chmod(target, 0o644)
        os.chmod(tmp_path, 0o755)
        zshrc = home / ".zshrc"
        subprocess.run(["runuser", "-u", user.pw_name, "--", "ln", "-s", str(target), str(zshrc)], check=True)

        run = run_playbook(
            task(),
            {"PATH": os.environ["PATH"]},
            {"user": user.pw_name, "profile": "dev", "shells": ["bash", "fish", "zsh"]},
        )

        assert run.returncode == 0, run.output
        result = run.saved["result"]
        # zsh's rc is a symlink to root's file: acting as her, root cannot write there.
        assert result.get("failed"), result
        assert str(zshrc) in result["msg"] or str(target) in result["msg"], result["msg"]
        assert "Permission denied" in result["msg"] and repr(user.pw_name) in result["msg"], result["msg"]
        assert target.read_bytes() == b"root's file\n" and os.stat(target).st_uid == 0
        # Refused before anything was written: not half of her files changed.
        assert (bashrc.read_bytes() if bashrc.exists() else None) == bashrc_before
        assert not (home / ".config" / "fish" / "conf.d").exists()

        zshrc.unlink()
        run = run_playbook(task(), {"PATH": os.environ["PATH"]}, {"user": user.pw_name, "profile": "dev"})

        assert run.returncode == 0, run.output
        result = run.saved["result"]
        assert not result.get("failed"), result
        assert result["changed"] is True and result["login_shell"] == "bash"
        # The login shell plus the shells in use (fish: ~/.config/fish exists); zsh is not in use now.
        assert result["shells"] == ["bash", "fish"], result
        fish_rc = home / ".config" / "fish" / "conf.d" / "recro_sso.fish"
        assert sorted((f["shell"], f["path"], f["action"]) for f in result["files"]) == [
            ("bash", str(bashrc), "added"),
            ("fish", str(fish_rc), "added"),
        ]
        for path in (bashrc, fish_rc, fish_rc.parent):
            info = os.stat(path)
            assert (info.st_uid, info.st_gid) == (user.pw_uid, user.pw_gid), path
        assert oct(os.stat(fish_rc).st_mode & 0o777) == "0o644"
        assert oct(os.stat(fish_rc.parent).st_mode & 0o777) == "0o755"
        if bashrc_before is not None:
            # Her own lines stay, the block comes after them.
            assert bashrc.read_bytes().startswith(bashrc_before)
        # No ~/.ansible or other leftovers of root's in her home.
        assert not (home / ".ansible").exists()
        assert all(os.lstat(p).st_uid == user.pw_uid for p in home.rglob("*")), list(home.rglob("*"))

        # Her real interactive bash reads the profile.
        assert as_user(user, ["bash", "-ic", 'printf %s "$AWS_PROFILE"']) == "dev"
        if shutil.which("fish"):
            assert as_user(user, ["fish", "-c", 'printf %s "$AWS_PROFILE"']) == "dev"
            assert as_user(user, ["fish", "-c", 'printf %s "$AWS_DEFAULT_PROFILE"']) == "dev"

        again = run_playbook(task(), {"PATH": os.environ["PATH"]}, {"user": user.pw_name, "profile": "dev"})
        assert again.returncode == 0 and again.saved["result"]["changed"] is False, again.output


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_reads_the_block(run_playbook, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".zshrc").write_bytes(b"setopt no_beep")  # no final newline
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}

    run = run_playbook(task(), env, {"profile": "a:b@c+d%e", "shells": ["zsh"]})

    assert run.returncode == 0, run.output
    result = run.saved["result"]
    assert result["files"] == [dict(shell="zsh", path=str(home / ".zshrc"), file="~/.zshrc", action="added")], result
    assert (home / ".zshrc").read_bytes().startswith(b"setopt no_beep\n# BEGIN recro.aws_sso: AWS default profile\n")
    shell = shell_prints("zsh", 'printf %s "$AWS_PROFILE/$AWS_DEFAULT_PROFILE"', env, cwd=str(home))
    assert shell == "a:b@c+d%e/a:b@c+d%e"


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_reads_the_block_and_absent_removes_it(run_playbook, tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "fish").mkdir(parents=True)
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    fish_rc = home / ".config" / "fish" / "conf.d" / "recro_sso.fish"

    run = run_playbook(task(), env, {"profile": "dev.x", "shells": ["fish"]})

    assert run.returncode == 0, run.output
    assert fish_rc.read_bytes() == (
        b"# BEGIN recro.aws_sso: AWS default profile\n"
        b"# The profile aws and the AWS SDKs use without --profile.\n"
        b"# Sign in with: aws sso login --sso-session recro\n"
        b"set -gx AWS_DEFAULT_PROFILE 'dev.x'\n"
        b"set -gx AWS_PROFILE 'dev.x'\n"
        b"# END recro.aws_sso: AWS default profile\n"
    )
    shell = subprocess.run(
        ["fish", "-c", 'printf %s "$AWS_PROFILE"'],
        env=env,
        cwd=str(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=60,
        check=False,
    )
    assert shell.stdout == "dev.x"

    absent = task().replace('profile: "{{ profile }}"', "state: absent")
    run = run_playbook(absent, env, {"shells": ["fish"]})

    assert run.returncode == 0, run.output
    assert run.saved["result"]["changed"] is True
    assert fish_rc.read_bytes() == b""


@pytest.mark.skipif(os.geteuid() != 0, reason="root acts for another user")
def test_root_scans_the_users_credentials_file_not_the_one_of_its_own_environment(run_playbook, tmp_path):
    roots = tmp_path / "root-credentials"
    roots.write_text("[default]\naws_session_token = t\n")
    with throwaway_user("/bin/bash") as user:
        home = pathlib.Path(user.pw_dir)
        subprocess.run(["runuser", "-u", user.pw_name, "--", "mkdir", "-p", str(home / ".aws")], check=True)
        subprocess.run(
            [
                "runuser",
                "-u",
                user.pw_name,
                "--",
                "sh",
                "-c",
                "printf '\\n[default]\\naws_access_key_id = A\\n' > ~/.aws/credentials",
            ],
            check=True,
        )
        env = {"PATH": os.environ["PATH"], "AWS_SHARED_CREDENTIALS_FILE": str(roots)}

        run = run_playbook(task(), env, {"user": user.pw_name, "profile": "dev", "shells": ["bash"]})

        assert run.returncode == 0 and not run.saved["result"].get("failed"), run.output
        found = [(c["path"], c["line"], c["variable"]) for c in run.saved["result"]["conflicts"]]
        assert found == [(str(home / ".aws" / "credentials"), 3, "[default] aws_access_key_id")], run.output
