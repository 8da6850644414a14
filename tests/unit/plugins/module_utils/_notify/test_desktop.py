# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a notification reaches the user's desktop, as the user or from root acting for the user."""

from __future__ import annotations

import os
import socket

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common.files import Account
from ansible_collections.recro.aws_sso.plugins.module_utils._notify import desktop

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
        argv, environment, reason = desktop.desktop_command(
            "Linux", ME, dict(XDG_RUNTIME_DIR=str(tmp_path), PATH="/usr/bin"), "Title", "Body"
        )
    assert reason is None
    assert argv == ["/usr/bin/notify-send", "--app-name=recro.aws_sso", "--urgency=normal", "Title", "Body"]
    assert environment["DBUS_SESSION_BUS_ADDRESS"] == "unix:path={0}".format(tmp_path / "bus")
    assert not desktop.switches_itself(argv)


def test_without_a_session_bus_there_is_no_desktop(tmp_path, programs):
    programs["notify-send"] = "/usr/bin/notify-send"
    (tmp_path / "bus").write_text("not a socket")
    assert desktop.desktop_command("Linux", ME, dict(XDG_RUNTIME_DIR=str(tmp_path)), "T", "B") == (
        None,
        None,
        "no desktop session (no session bus for uid {0})".format(os.getuid()),
    )


def test_macos_shows_it_with_osascript_quoting_the_text(programs):
    programs["osascript"] = "/usr/bin/osascript"
    argv = desktop.desktop_command("Darwin", ME, dict(PATH="/usr/bin"), 'AWS "SSO"', "Run: a \\ b")[0]
    assert argv == ["/usr/bin/osascript", "-e", 'display notification "Run: a \\\\ b" with title "AWS \\"SSO\\""']


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user")
def test_root_on_macos_enters_the_user_s_gui_session_then_takes_the_user_s_ids(programs):
    programs["osascript"] = "/usr/bin/osascript"
    argv, environment, _reason = desktop.desktop_command("Darwin", OTHER, dict(PATH="/root/bin"), "T", "B")
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
