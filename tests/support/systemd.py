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
import sys
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


# A stand-in for `systemctl --user` against a running user manager, where none can run (no
# systemd as PID 1): it answers as systemd 252's systemctl does online. A unit whose file is gone
# cannot be enabled or disabled ("Unit file ... does not exist", exit 1: offline, the real one
# says so and exits 0), while a started timer, loaded, is stopped all the same. Each call is
# logged with whether the timer's file was there; whether the timer runs is a file in
# XDG_RUNTIME_DIR; the file standin-fail there names a verb that fails ("Access denied"): the
# module passes systemctl none of its own environment.
STAND_IN_SYSTEMCTL = r'''#!{python}
import os, sys
args = [a for a in sys.argv[1:] if a != "--user"]
verb, now = args[0], "--now" in args
names = [a for a in args[1:] if not a.startswith("-")]
units = os.path.join(os.environ["HOME"], ".config", "systemd", "user")
running = os.path.join(os.environ["XDG_RUNTIME_DIR"], "standin-running")
def there(name):
    return os.path.exists(os.path.join(units, name))
with open(os.path.join(os.environ["XDG_RUNTIME_DIR"], "standin-systemctl.log"), "a") as log:
    log.write("{{0}} timer file {{1}}\n".format(" ".join(args), "present" if there("recro-aws-sso-pull.timer") else "absent"))
failing = os.path.join(os.environ["XDG_RUNTIME_DIR"], "standin-fail")
if os.path.exists(failing) and verb == open(failing).read().strip():
    sys.exit("Failed to {{0}} unit: Access denied".format(verb))
for name in names:
    wants = os.path.join(units, "timers.target.wants", name)
    if verb in ("enable", "disable") and not there(name):
        sys.exit("Failed to {{0}} unit: Unit file {{1}} does not exist.".format(verb, name))
    if verb == "stop" and not (there(name) or os.path.exists(running)):
        sys.exit("Failed to stop {{0}}: Unit {{0}} not loaded.".format(name))
    if verb == "enable":
        os.makedirs(os.path.dirname(wants), exist_ok=True)
        os.path.lexists(wants) or os.symlink(os.path.join(units, name), wants)
        now and open(running, "w").close()
    if verb == "disable" and os.path.lexists(wants):
        os.unlink(wants)
    if verb == "stop" or (verb == "disable" and now):
        os.path.exists(running) and os.unlink(running)
'''


def stand_in_manager(directory):
    """``(bin, runtime)``: a directory holding the stand-in ``systemctl`` and a runtime
    directory where the module finds the user's manager (a ``bus``), both made in ``directory``."""
    bin_directory, runtime = directory / "stand-in-bin", directory / "runtime"
    bin_directory.mkdir()
    runtime.mkdir(mode=0o700)
    (runtime / "bus").write_text("")
    systemctl = bin_directory / "systemctl"
    systemctl.write_text(STAND_IN_SYSTEMCTL.format(python=sys.executable))
    systemctl.chmod(0o755)
    return bin_directory, runtime
