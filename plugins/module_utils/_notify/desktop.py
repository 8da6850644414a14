# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The environment programs run with as the user (``aws``, ``notify-send``, ``osascript``), how a
notification reaches the user's desktop, and the record of what was notified. Root acting for a
user runs them (``_common.programs``) with the user's ids, HOME and the PATH the user's login
shell ends with (started as the user, as a terminal starts it, with no terminal, stdin closed and
a deadline: :func:`login_shell_path`), else a PATH of the user's usual directories, and reads and
writes the record with the user's ids."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files, programs, writing
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileError
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import verify

# How long a program that answers at once may take.
PROGRAM_TIMEOUT = 10
TITLE = "AWS SSO login"
# How much of what a failed notification program printed its reason keeps.
FAILURE_OUTPUT_LIMIT = 200
# The user's usual directories, for root acting for a user whose login shell gave no PATH (the
# user's own PATH when run as them): Homebrew on macOS and on Linux, snaps.
_USER_PATH = (
    "{home}/.local/bin",
    "{home}/bin",
    "/opt/homebrew/bin",
    "/home/linuxbrew/.linuxbrew/bin",
    "/usr/local/bin",
    "/usr/bin",
    "/bin",
    "/snap/bin",
)
# Seconds the user's login shell may take to say its PATH (a shell file that waits is stopped).
LOGIN_SHELL_TIMEOUT = 5
# How each login shell starts: as a terminal starts it (the verify shells' flags), or as a login.
_LOGIN_FLAGS = dict(verify.LOGIN_FLAGS, sh="-lc", dash="-lc", ksh="-lc")
# What the shell runs last: a line the output is cut at, then its environment, NUL-separated.
_MARK = "--recro-aws-sso-path--"
_PATH_SCRIPT = "printf '\\n%s\\n' {0}; exec env -0".format(_MARK)
_RECORD = "notified.json"


def user_environment(account, environ):
    """The environment programs run with for ``account``: this process's own when it is the
    user, else HOME, USER, LOGNAME; with the PATH of the user's login shell
    (:func:`login_shell_path`) in both cases, the one a person who opens a terminal types the
    next step in (a timer's run has its service manager's PATH, without ~/.local/bin or a
    version manager's shims), else this process's PATH or the user's usual directories."""
    if not files.needs_switch(account):
        own = dict(environ)
        own["PATH"] = login_shell_path(account) or environ.get("PATH") or os.defpath
        return own
    usual = os.pathsep.join(directory.format(home=account.home) for directory in _USER_PATH)
    return dict(
        HOME=account.home,
        USER=account.name,
        LOGNAME=account.name,
        PATH=login_shell_path(account) or usual,
        LANG="C.UTF-8",
    )


def login_shell_path(account, timeout=LOGIN_SHELL_TIMEOUT):
    """The PATH ``account``'s login shell (bash, zsh, fish, sh, dash or ksh) ends with, started
    as the user with the user's ids as a terminal starts it, with no terminal, stdin closed and
    a clean environment, stopped after ``timeout`` seconds: its absolute directories, or None
    when the shell is another, fails, times out or ends without one. Nothing else it printed
    or set is kept."""
    try:
        shell = pwd.getpwnam(account.name).pw_shell
    except KeyError:
        return None
    flags = _LOGIN_FLAGS.get(os.path.basename(shell or ""))
    if flags is None or not os.path.isabs(shell):
        return None
    environment = dict(verify.environment_for(account, shell), LANG="C.UTF-8")
    done = programs.run(account, [shell, flags, _PATH_SCRIPT], environment, timeout)
    _printed, found, after = done.stdout.partition("\n" + _MARK + "\n")
    if done.returncode != 0 or not found:
        return None
    for entry in after.split("\0"):
        name, _equals, value = entry.partition("=")
        if name == "PATH":
            return os.pathsep.join(part for part in value.split(os.pathsep) if os.path.isabs(part)) or None
    return None


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


def desktop_command(platform, account, environ, environment, title, body):
    """``(argv, environment, reason)``: how to show a notification to ``account``, or
    ``(None, None, reason)`` when there is no desktop to show it on. ``environ``: this process's
    environment (where the user's session bus is, when run as the user); ``environment``: the
    user's, :func:`user_environment`'s, which the caller has already worked out (it starts the
    user's login shell, which may take seconds: once a run). ``argv`` runs with the user's ids
    (``_common.programs.run``), except root's on macOS, which starts as root and switches itself
    (:func:`switches_itself`)."""
    environment = dict(environment)
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


def failure_reason(argv, output):
    """Why a notification program (``argv``, from desktop_command) that ended in failure showed
    nothing: its name and the start of what it printed, as printable text only (what a
    program prints may hold escape sequences, which the log and the summary must not carry)."""
    said = "".join(character if character.isprintable() else " " for character in output)
    return "{0} failed: {1}".format(os.path.basename(argv[0]), " ".join(said.split())[:FAILURE_OUTPUT_LIMIT])


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


def record_problem(path):
    """Why the record at ``path`` cannot be written (run with the user's ids: a directory, a
    FIFO, a file of another user's, a directory the user may not write), or None when it can.
    Only looks: a notification whose record cannot be written would be shown again every run."""
    try:
        writing.check_replaceable(path, private=True)
    except FileError as error:
        return str(error)
    except OSError as error:
        return "{0}: {1}".format(error.filename or path, error.strerror or error)
    return None


def write_record(path, record):
    """Write the record 0600 in a 0700 directory (run with the user's ids)."""
    writing.write_private_file(path, json.dumps(record, sort_keys=True).encode("utf-8"))


def record_path(state_directory):
    return os.path.join(state_directory, _RECORD)
