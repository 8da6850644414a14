# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the schedule's tests share: reading back a systemd unit as systemd reads it,
systemd-analyze's verdict, a git repository to pull from, a directory other users may enter."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import shutil
import subprocess
import tempfile


def exec_argv(line):
    """The argv of a rendered ``ExecStart=`` value: every word double-quoted, with
    systemd's escapes (``\\``, ``%%``, ``$$``) undone, the inverse of ``systemd_quote``."""
    words = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', line):
        text = match.group(1).replace("%%", "%").replace("$$", "$")
        words.append(re.sub(r"\\(.)", r"\1", text))
    return words


def analyze_verify(service_text, timer_path, directory, analyze, program):
    """``systemd-analyze verify --user`` of a service with ``service_text`` and the timer
    at ``timer_path``. verify needs ExecStart's program to exist: the service is written in
    ``directory`` with ``program`` in its place, the rest byte for byte. The completed process."""
    service = directory / "recro-aws-sso-pull.service"
    service.write_text(
        re.sub(r'^ExecStart="(?:[^"\\]|\\.)*"', 'ExecStart="{0}"'.format(program), service_text, flags=re.M)
    )
    runtime = directory / "runtime"
    runtime.mkdir(mode=0o700)
    return subprocess.run(
        [analyze, "verify", "--user", str(service), str(timer_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        check=False,
        env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)),
    )


# A playbook for the pulled repository: it corrects a profile planted with another role.
PULLED_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_profile:
        name: recrocog-admin
        sso_session: recro
        sso_account_id: "111111111111"
        sso_role_name: "{{ role_name | default('adminAccess') }}"
"""


def git_repository(directory, files):
    """A git repository in ``directory`` (created) with ``files`` (name to text) committed on main."""
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    return commit_all(directory)


def commit_all(directory, message="playbooks"):
    """``directory`` made a git repository with everything in it committed on main."""
    for arguments in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", message]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments,
            cwd=str(directory),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return directory


@contextlib.contextmanager
def shared_directory():
    """A directory other users may enter (pytest's own is root's alone), removed afterwards."""
    path = tempfile.mkdtemp()
    os.chmod(path, 0o755)
    try:
        yield pathlib.Path(path)
    finally:
        shutil.rmtree(path)
