# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The environment programs run with as the user (``aws``, ``notify-send``, ``osascript``), how a
notification reaches the user's desktop, and the record of what was notified. Root acting for a
user runs them (``_common.programs``) with the user's ids, HOME and a PATH of the user's usual
directories (never the user's shell files), and reads and writes the record with the user's ids."""

from __future__ import annotations

import json
import os
import shutil
import stat

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files, writing

# How long a program that answers at once may take.
PROGRAM_TIMEOUT = 10
TITLE = "AWS SSO login"
# The user's usual directories, for root acting for a user (the user's own PATH when run as them).
_USER_PATH = ("{home}/.local/bin", "{home}/bin", "/opt/homebrew/bin", "/usr/local/bin", "/usr/bin", "/bin")
_RECORD = "notified.json"


def user_environment(account, environ):
    """The environment programs run with for ``account``: this process's own when it is the
    user, else HOME, USER, LOGNAME and the user's usual PATH."""
    if not files.needs_switch(account):
        return dict(environ)
    return dict(
        HOME=account.home,
        USER=account.name,
        LOGNAME=account.name,
        PATH=os.pathsep.join(directory.format(home=account.home) for directory in _USER_PATH),
        LANG="C.UTF-8",
    )


def find_program(name, environment):
    """The path of ``name`` on the PATH of ``environment``, or None."""
    return shutil.which(name, path=environment.get("PATH") or os.defpath)


def session_bus(account, environ):
    """The address of the user's session bus when there is one (a desktop session), else None:
    the user's own DBUS_SESSION_BUS_ADDRESS or XDG_RUNTIME_DIR when run as the user (a timer's
    service has them), else /run/user/UID/bus."""
    if not files.needs_switch(account) and environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return environ["DBUS_SESSION_BUS_ADDRESS"]
    runtime = environ.get("XDG_RUNTIME_DIR") if not files.needs_switch(account) else None
    path = os.path.join(runtime or "/run/user/{0}".format(account.uid), "bus")
    try:
        is_socket = stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return None
    return "unix:path={0}".format(path) if is_socket else None


def desktop_command(platform, account, environ, title, body):
    """``(argv, environment, reason)``: how to show a notification to ``account``, or
    ``(None, None, reason)`` when there is no desktop to show it on. ``argv`` runs with the user's
    ids (``_common.programs.run``), except root's on macOS, which starts as root and switches itself
    (:func:`switches_itself`)."""
    environment = user_environment(account, environ)
    if platform == "Darwin":
        osascript = find_program("osascript", environment)
        if osascript is None:
            return None, None, "osascript is not on the PATH"
        script = "display notification {0} with title {1}".format(_applescript(body), _applescript(title))
        argv = [osascript, "-e", script]
        if files.needs_switch(account):
            # Into the user's GUI session (launchctl asuser needs root), then the user's ids (sudo).
            argv = ["launchctl", "asuser", str(account.uid), "sudo", "-u", account.name, "--"] + argv
        return argv, environment, None
    bus = session_bus(account, environ)
    if bus is None:
        return None, None, "no desktop session (no session bus for uid {0})".format(account.uid)
    notify_send = find_program("notify-send", environment)
    if notify_send is None:
        return None, None, "notify-send is not on the PATH (Debian: libnotify-bin)"
    environment["DBUS_SESSION_BUS_ADDRESS"] = bus
    return [notify_send, "--app-name=recro.aws_sso", "--urgency=normal", title, body], environment, None


def switches_itself(argv):
    """Whether ``argv`` (from desktop_command) takes the user's ids itself."""
    return argv[0] == "launchctl"


def _applescript(text):
    return '"{0}"'.format(text.replace("\\", "\\\\").replace('"', '\\"'))


def read_record(path):
    """What was notified, per session (``{session: key}``); {} without a readable record."""
    try:
        data = files.read_bytes(path)
        record = json.loads(data.decode("utf-8")) if data else {}
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def write_record(path, record):
    """Write the record 0600 in a 0700 directory (run with the user's ids)."""
    writing.write_private_file(path, json.dumps(record, sort_keys=True).encode("utf-8"))


def record_path(state_directory):
    return os.path.join(state_directory, _RECORD)
