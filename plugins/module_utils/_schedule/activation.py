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


# What systemctl and launchctl need of this process's environment: where programs are, and the
# language of their messages. Nothing else: run as the user, a program's environment is the
# user's to read (/proc/PID/environ), and root's may hold its own secrets.
PASSED_ON = ("PATH", "LANG", "LC_ALL", "LC_MESSAGES")


def run_as(account, argv, runtime_dir):
    """``argv`` run as ``account`` with its service manager's runtime directory and a login's
    few variables (:data:`PASSED_ON`): a ``CompletedProcess`` (:func:`programs.run`;
    returncode ``programs.TIMED_OUT`` when it did not end within :data:`PROGRAM_TIMEOUT`)."""
    environment = dict((name, os.environ[name]) for name in PASSED_ON if name in os.environ)
    environment.update(HOME=account.home, USER=account.name, LOGNAME=account.name, XDG_RUNTIME_DIR=runtime_dir)
    return programs.run(account, argv, environment, PROGRAM_TIMEOUT)


def runtime_dir_of(account):
    if account.uid == os.geteuid() and os.environ.get("XDG_RUNTIME_DIR"):
        return os.environ["XDG_RUNTIME_DIR"]
    return "/run/user/{0}".format(account.uid)


def manager_reachable(runtime_dir):
    return any(os.path.exists(os.path.join(runtime_dir, name)) for name in ("bus", os.path.join("systemd", "private")))


def _systemctl_steps(account, runtime_dir, steps):
    """Run each ``(argv, done, failed)`` of ``steps`` as the user, all of them: ``(messages,
    warnings)``, a message ``done`` (when not None) or ``failed`` as the program's exit code says."""
    messages, warnings = [], []
    for argv, done_text, failed_text in steps:
        done = run_as(account, argv, runtime_dir)
        if done.returncode == 0:
            messages.extend([done_text] if done_text else [])
        else:
            messages.append(failed_text)
            warnings.append("{0} failed: {1}".format(" ".join(argv), done.stdout.strip()))
    return messages, warnings


def _systemd_manager(account):
    """The user's systemd runtime directory when its manager answers there and systemctl is installed, else None."""
    runtime_dir = runtime_dir_of(account)
    return runtime_dir if manager_reachable(runtime_dir) and shutil.which("systemctl") else None


def activate(account, layout):
    """Load the job whose files were just written; ``(messages, warnings)``."""
    if layout.platform == "Darwin":
        return _launchd(account, layout)
    runtime_dir = _systemd_manager(account)
    if runtime_dir:
        return _systemctl_steps(
            account,
            runtime_dir,
            [
                (
                    ["systemctl", "--user", "daemon-reload"],
                    None,
                    "The user's systemd manager did not reload the units.",
                ),
                (
                    ["systemctl", "--user", "enable", "--now", units.TIMER_NAME],
                    "Timer enabled.",
                    "The timer could not be enabled.",
                ),
            ],
        )
    with user_files.acting_as(account):
        writing.make_directories(os.path.dirname(layout.wants_link), 0o755)
        if not os.path.lexists(layout.wants_link):
            os.symlink(layout.timer, layout.wants_link)
    message = (
        "The user's systemd manager is not running: the timer was enabled with the timers.target.wants "
        "symlink and starts at the user's next login."
    )
    return [message], []


def deactivate(account, layout, remove):
    """Stop and unload the job, then ``remove()`` its files, then tell the manager they are
    gone; ``(messages, warnings)`` as each program's exit code says. In that order: once its
    file is gone, systemd can no longer disable a timer ("Unit file ... does not exist") and
    it runs on until the user's manager stops; launchd keeps a loaded agent likewise."""
    if layout.platform == "Darwin":
        return _launchd_removal(account, layout, remove)
    runtime_dir = _systemd_manager(account)
    if not runtime_dir:
        remove()
        return ["The user's systemd manager is not running: nothing to stop."], []
    name = units.TIMER_NAME
    messages, warnings = _systemctl_steps(
        account,
        runtime_dir,
        [
            (["systemctl", "--user", "stop", name], "Timer stopped.", "The timer could not be stopped."),
            (["systemctl", "--user", "disable", name], "Timer disabled.", "The timer could not be disabled."),
        ],
    )
    remove()
    reloaded = _systemctl_steps(
        account,
        runtime_dir,
        [(["systemctl", "--user", "daemon-reload"], None, "The user's systemd manager did not reload the units.")],
    )
    return messages + reloaded[0], warnings + reloaded[1]


def _launchd(account, layout):
    if host_platform.system() != "Darwin":
        return ["Not on macOS: the agent was written, not loaded."], []
    domain = "gui/{0}".format(account.uid)
    run_as(account, ["launchctl", "bootout", domain + "/" + units.LAUNCHD_LABEL], "")
    done = run_as(account, ["launchctl", "bootstrap", domain, layout.plist], "")
    if done.returncode != 0:
        warning = "launchctl bootstrap {0} failed: {1}".format(domain, done.stdout.strip())
        return ["The agent was written; launchctl could not load it."], [warning]
    return ["Loaded into {0}.".format(domain)], []


def _launchd_removal(account, layout, remove):
    """Unload the agent when launchd has it (launchctl print), then ``remove()`` its file."""
    if host_platform.system() != "Darwin":
        remove()
        return ["Not on macOS: nothing was unloaded."], []
    target = "gui/{0}/{1}".format(account.uid, units.LAUNCHD_LABEL)
    if run_as(account, ["launchctl", "print", target], "").returncode != 0:
        remove()
        return ["The agent was not loaded."], []
    done = run_as(account, ["launchctl", "bootout", target], "")
    remove()
    if done.returncode != 0:
        warning = "launchctl bootout {0} failed: {1}".format(target, done.stdout.strip())
        return ["launchctl could not unload the agent: it stays loaded until the user logs out."], [warning]
    return ["Unloaded from gui/{0}.".format(account.uid)], []
