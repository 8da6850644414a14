# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a notification reaches the user's desktop, as the user or from root acting for the user."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import time

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.files import Account
from ansible_collections.recro.aws_sso.plugins.module_utils._notify import desktop
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

ME = Account("me", os.getuid(), os.getgid(), "/home/me")
# Another user, as root acting for them (needs_switch) when the tests run as root.
OTHER = Account("alice", os.getuid() + 4242, os.getgid() + 4242, "/home/alice")


@pytest.fixture
def programs(monkeypatch):
    found = {}
    monkeypatch.setattr(desktop, "find_program", lambda name, environment: found.get(name))
    return found


def test_as_the_user_the_session_bus_is_the_user_s_own(tmp_path, programs):
    programs["notify-send"] = "/usr/bin/notify-send"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bus:
        bus.bind(str(tmp_path / "bus"))
        environ = dict(XDG_RUNTIME_DIR=str(tmp_path), PATH="/usr/bin")
        argv, environment, reason = desktop.desktop_command("Linux", ME, environ, environ, "Title", "Body")
    assert reason is None
    assert argv == ["/usr/bin/notify-send", "--app-name=recro.aws_sso", "--urgency=normal", "Title", "Body"]
    assert environment["DBUS_SESSION_BUS_ADDRESS"] == "unix:path={0}".format(tmp_path / "bus")
    assert not desktop.switches_itself(argv)


def test_without_a_session_bus_there_is_no_desktop(tmp_path, programs):
    programs["notify-send"] = "/usr/bin/notify-send"
    (tmp_path / "bus").write_text("not a socket")
    environ = dict(XDG_RUNTIME_DIR=str(tmp_path))
    assert desktop.desktop_command("Linux", ME, environ, environ, "T", "B") == (
        None,
        None,
        "no desktop session (no session bus for uid {0})".format(os.getuid()),
    )


def test_macos_shows_it_with_osascript_quoting_the_text(programs):
    programs["osascript"] = "/usr/bin/osascript"
    environ = dict(PATH="/usr/bin")
    argv = desktop.desktop_command("Darwin", ME, environ, environ, 'AWS "SSO"', "Run: a \\ b")[0]
    assert argv == ["/usr/bin/osascript", "-e", 'display notification "Run: a \\\\ b" with title "AWS \\"SSO\\""']


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user")
def test_root_on_macos_enters_the_user_s_gui_session_then_takes_the_user_s_ids(programs):
    programs["osascript"] = "/usr/bin/osascript"
    environ = dict(PATH="/root/bin")
    user_environment = desktop.user_environment(OTHER, environ)
    argv, environment, _reason = desktop.desktop_command("Darwin", OTHER, environ, user_environment, "T", "B")
    assert argv[:8] == ["launchctl", "asuser", str(OTHER.uid), "sudo", "-u", "alice", "--", "/usr/bin/osascript"]
    assert desktop.switches_itself(argv)
    # Root's environment is not the user's: HOME and the user's usual PATH.
    assert environment["HOME"] == "/home/alice" and environment["PATH"].startswith("/home/alice/.local/bin:")


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user")
def test_root_uses_the_user_s_runtime_directory_never_its_own_environment(tmp_path, programs):
    programs["notify-send"] = "/usr/bin/notify-send"
    environ = dict(DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/0/bus", XDG_RUNTIME_DIR=str(tmp_path))
    assert desktop.session_bus(OTHER, environ) is None  # /run/user/<uid>/bus does not exist


def test_the_record_is_a_dict_per_session(tmp_path):
    path = desktop.record_path(str(tmp_path / "state"))
    assert desktop.read_record(path) == {}
    desktop.write_record(path, {"recro": "login:2026-12-07T00:00:00Z"})
    assert desktop.read_record(path) == {"recro": "login:2026-12-07T00:00:00Z"}
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(os.path.dirname(path)).st_mode & 0o777) == "0o700"


def _own(home, entry):
    subprocess.run(["chown", "-R", "{0}:{1}".format(entry.pw_uid, entry.pw_gid), str(home)], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user")
@pytest.mark.parametrize("shell", ["/bin/bash", "/bin/sh"])
def test_root_takes_the_path_the_user_s_login_shell_ends_with(shell):
    # What the audit found: pyenv's shims first on the PATH the user's ~/.profile sets.
    with throwaway_user(shell) as entry:
        home = pathlib.Path(entry.pw_dir)
        with open(str(home / ".profile"), "a") as profile:
            profile.write('echo "a line a shell file prints"\nexport PATH="$HOME/.pyenv/shims:$PATH:relative/bin"\n')
        _own(home, entry)
        account = files.find_account(entry.pw_name)
        path = desktop.login_shell_path(account)
        environment = desktop.user_environment(account, dict(PATH="/root/bin"))
    assert path.split(":")[0] == str(home / ".pyenv" / "shims")
    assert "relative/bin" not in path  # only absolute directories: "" or "x/bin" would be the working directory's
    assert environment["PATH"] == path and environment["HOME"] == str(home)


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user")
@pytest.mark.parametrize(
    "shell, profile",
    [("/bin/bash", "sleep 60\n"), ("/bin/bash", "exit 3\n"), ("/usr/sbin/nologin", "")],
    ids=["hangs", "fails", "no shell"],
)
def test_without_a_path_from_the_login_shell_root_takes_the_usual_directories(monkeypatch, shell, profile):
    monkeypatch.setattr(desktop, "LOGIN_SHELL_TIMEOUT", 1)
    with throwaway_user(shell) as entry:
        home = pathlib.Path(entry.pw_dir)
        (home / ".bash_profile").write_text(profile)
        _own(home, entry)
        account = files.find_account(entry.pw_name)
        started = time.monotonic()
        environment = desktop.user_environment(account, dict(PATH="/root/bin"))
        assert time.monotonic() - started < 10
    directories = environment["PATH"].split(":")
    assert directories[:2] == [str(home / ".local" / "bin"), str(home / "bin")]
    assert "/snap/bin" in directories and "/home/linuxbrew/.linuxbrew/bin" in directories


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a throwaway user")
def test_as_the_user_the_path_is_the_login_shell_s_not_the_service_manager_s(monkeypatch):
    # A timer's run is the user's own process, with systemd's PATH: the next step is typed in a
    # terminal, whose login shell puts ~/.local/bin (where the AWS CLI v2 often is) first.
    with throwaway_user("/bin/bash") as entry:
        home = pathlib.Path(entry.pw_dir)
        with open(str(home / ".profile"), "a") as profile:
            profile.write('export PATH="$HOME/.local/bin:$PATH"\n')
        _own(home, entry)
        account = files.find_account(entry.pw_name)
        monkeypatch.setattr(files, "needs_switch", lambda _account: False)  # as if run by the user
        service = dict(PATH="/usr/local/bin:/usr/bin:/bin", XDG_RUNTIME_DIR="/run/user/1")
        environment = desktop.user_environment(account, service)
    assert environment["PATH"].split(":", maxsplit=1)[0] == str(home / ".local" / "bin")
    assert environment["XDG_RUNTIME_DIR"] == "/run/user/1"  # the rest of its own environment is kept


def test_the_notification_runs_in_the_environment_given_and_starts_no_login_shell(tmp_path, programs, monkeypatch):
    # The user's environment is worked out once a run: a second login shell would double the wait
    # for one that hangs.
    def no_login_shell(*_arguments, **_options):
        raise AssertionError("desktop_command started the user's login shell")

    monkeypatch.setattr(desktop, "login_shell_path", no_login_shell)
    programs["notify-send"] = "/opt/tools/notify-send"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bus:
        bus.bind(str(tmp_path / "bus"))
        environ = dict(XDG_RUNTIME_DIR=str(tmp_path), PATH="/usr/bin")
        given = dict(environ, PATH="/opt/tools:/usr/bin")
        argv, environment, _reason = desktop.desktop_command("Linux", ME, environ, given, "T", "B")
    assert argv[0] == "/opt/tools/notify-send"
    assert environment["PATH"] == "/opt/tools:/usr/bin"
    assert "DBUS_SESSION_BUS_ADDRESS" not in given  # the caller's environment is left as it was


def test_a_failed_notification_s_reason_is_printable_and_short():
    printed = "\x1b]0;title\x07\x1b[31mcannot connect\x1b[0m\r\nto the bus\n" + "x" * 5000
    reason = desktop.failure_reason(["/usr/bin/notify-send"], printed)
    assert reason.startswith("notify-send failed: ]0;title [31mcannot connect [0m to the bus x")
    assert reason.isprintable()
    assert len(reason) == len("notify-send failed: ") + desktop.FAILURE_OUTPUT_LIMIT


def test_a_record_that_cannot_be_written_is_said_before_anything_is_shown(tmp_path):
    record = tmp_path / "state" / "notified.json"
    assert desktop.record_problem(str(record)) is None  # its directories are made when it is written
    record.parent.mkdir()
    record.mkdir()
    assert desktop.record_problem(
        str(record)
    ) == "{0}: is a directory, not a regular file: refused, nothing was read or changed".format(record)
    record.rmdir()
    os.mkfifo(str(record))
    assert "is a FIFO (named pipe), not a regular file" in desktop.record_problem(str(record))
    record.unlink()
    (tmp_path / "blocked").write_text("a file where the state directory would be")
    assert "not a directory" in desktop.record_problem(str(tmp_path / "blocked" / "notified.json"))
