# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Throw-away local users, for the tests where root acts for another user."""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile

# useradd and userdel edit /etc/passwd: parallel test workers take turns on this lock.
USERS_LOCK = "/tmp/recro-users.lock"
_numbers = itertools.count()


@contextlib.contextmanager
def _users_lock():
    with open(USERS_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def throwaway_user(shell="/bin/sh", prefix="recro"):
    """A new user with a home of its own under /tmp and login ``shell``; its ``pwd``
    entry. The user and the home are removed afterwards. Needs root."""
    name = "{0}-{1}-{2}".format(prefix, os.getpid(), next(_numbers))
    home = tempfile.mkdtemp(prefix=name + "-home-", dir="/tmp")
    os.rmdir(home)
    with _users_lock():
        subprocess.run(["useradd", "--create-home", "--home-dir", home, "--shell", shell, name], check=True)
    try:
        yield pwd.getpwnam(name)
    finally:
        with _users_lock():
            subprocess.run(["userdel", "--remove", name], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(home, ignore_errors=True)


def as_user(user, argv, env=None, timeout=60):
    """What ``argv`` prints, run as ``user`` (a ``pwd`` entry) through ``runuser``, with a
    clean environment whose HOME is the user's (plus ``env``), stdin closed."""
    clean = dict(PATH="/usr/local/bin:/usr/bin:/bin", HOME=user.pw_dir, USER=user.pw_name, TERM="dumb")
    clean.update(env or {})
    return subprocess.run(
        [shutil.which("runuser"), "-u", user.pw_name, "--"] + list(argv),
        env=clean,
        cwd=user.pw_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=timeout,
        check=False,
    ).stdout


def assert_a_missing_home_is_refused(run_playbook, playbook, target, tmp_path, variables):
    """Remove ``target``'s home, run ``playbook`` for it (``target``: ``home``, ``env``,
    ``extra_vars``, as the e2e tests' targets have them) and assert that the module refused
    the user, naming the user and the home, and made no home."""
    shutil.rmtree(str(target.home))
    name = target.extra_vars.get("user") or pwd.getpwuid(os.geteuid()).pw_name
    # ansible's own temporary files elsewhere: by default it makes ~/.ansible/tmp, home and all.
    env = dict(target.env, ANSIBLE_REMOTE_TMP=str(tmp_path / "ansible-tmp"))

    completed = run_playbook(playbook, env, dict(target.extra_vars, **variables))

    result = completed.saved["result"]
    assert result.get("failed"), result
    assert result["msg"] == (
        "user: {0!r} has no home directory ({1} is not a directory): refused, nothing was created".format(
            name, target.home
        )
    ), result["msg"]
    assert not target.home.exists()
