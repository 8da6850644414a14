# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Telling the user's service manager (systemd's user manager, launchd) about the
schedule's files, as the user. Standard library only; returns what it did in words and
what went wrong as warnings, since the files are written whatever the manager says."""

from __future__ import annotations

import os
import platform as host_platform
import shutil

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common import programs, writing
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units

# Seconds systemctl or launchctl may take: a user manager that does not answer must not
# hold the task (the files are written by then; the message says the job was not loaded).
PROGRAM_TIMEOUT = 30


def run_as(account, argv, runtime_dir):
    """``argv`` run as ``account`` with its service manager's runtime directory: a
    ``CompletedProcess`` (:func:`programs.run`; returncode ``programs.TIMED_OUT`` when it did
    not end within :data:`PROGRAM_TIMEOUT`)."""
    environment = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir, HOME=account.home)
    return programs.run(account, argv, environment, PROGRAM_TIMEOUT)


def runtime_dir_of(account):
    if account.uid == os.geteuid() and os.environ.get("XDG_RUNTIME_DIR"):
        return os.environ["XDG_RUNTIME_DIR"]
    return "/run/user/{0}".format(account.uid)


def manager_reachable(runtime_dir):
    return any(os.path.exists(os.path.join(runtime_dir, name)) for name in ("bus", os.path.join("systemd", "private")))


def activate(account, layout, present):
    """Load or unload the job; ``(messages, warnings)``."""
    if layout.platform == "Darwin":
        return _launchd(account, layout, present)
    runtime_dir = runtime_dir_of(account)
    if manager_reachable(runtime_dir) and shutil.which("systemctl"):
        reload = ["systemctl", "--user", "daemon-reload"]
        if present:
            steps = [reload, ["systemctl", "--user", "enable", "--now", units.TIMER_NAME]]
        else:
            steps = [["systemctl", "--user", "disable", "--now", units.TIMER_NAME], reload]
        warnings = []
        for step in steps:
            done = run_as(account, step, runtime_dir)
            if done.returncode != 0:
                warnings.append("{0} failed: {1}".format(" ".join(step), done.stdout.strip()))
        return ["Timer enabled." if present else "Timer disabled."], warnings
    if present:
        with user_files.acting_as(account):
            writing.make_directories(os.path.dirname(layout.wants_link), 0o755)
            if not os.path.lexists(layout.wants_link):
                os.symlink(layout.timer, layout.wants_link)
        message = (
            "The user's systemd manager is not running: the timer was enabled with the timers.target.wants "
            "symlink and starts at the user's next login."
        )
        return [message], []
    return [], []


def _launchd(account, layout, present):
    if host_platform.system() != "Darwin":
        return ["Not on macOS: the agent was written, not loaded."], []
    domain = "gui/{0}".format(account.uid)
    run_as(account, ["launchctl", "bootout", domain + "/" + units.LAUNCHD_LABEL], "")
    if not present:
        return [], []
    done = run_as(account, ["launchctl", "bootstrap", domain, layout.plist], "")
    if done.returncode != 0:
        warning = "launchctl bootstrap {0} failed: {1}".format(domain, done.stdout.strip())
        return ["The agent was written; launchctl could not load it."], [warning]
    return ["Loaded into {0}.".format(domain)], []
