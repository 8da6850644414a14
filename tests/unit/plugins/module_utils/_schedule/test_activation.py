# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Telling systemd or launchd: a manager that does not answer never holds the task."""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import activation, units


def test_a_program_that_does_not_answer_is_given_up_on_and_named(monkeypatch):
    monkeypatch.setattr(activation, "PROGRAM_TIMEOUT", 0.5)
    started = time.monotonic()
    done = activation.run_as(user_files.find_account(), ["sleep", "30"], "")
    assert time.monotonic() - started < 10
    assert done.returncode == 124 and done.stdout == "sleep did not answer within 0.5 s"


def test_a_program_that_answers_is_run_with_stdin_closed():
    done = activation.run_as(user_files.find_account(), ["cat"], "")
    assert done.returncode == 0 and done.stdout == ""


def test_it_runs_with_the_manager_s_runtime_directory_and_the_user_s_home(tmp_path):
    account = user_files.find_account()
    done = activation.run_as(account, ["sh", "-c", 'echo "$XDG_RUNTIME_DIR $HOME"'], str(tmp_path))
    assert done.stdout == "{0} {1}\n".format(tmp_path, account.home)


def test_it_runs_with_none_of_this_process_s_other_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("ROOT_ONLY_SECRET", "vault-token-SECRET")
    monkeypatch.setenv("LANG", "C.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    account = user_files.find_account()
    done = activation.run_as(account, ["env"], str(tmp_path))
    names = sorted(line.split("=", 1)[0] for line in done.stdout.splitlines())
    assert names == ["HOME", "LANG", "LOGNAME", "PATH", "USER", "XDG_RUNTIME_DIR"], done.stdout


def test_a_manager_program_that_cannot_start_is_a_warning_not_an_exception(tmp_path):
    done = activation.run_as(user_files.find_account(), [str(tmp_path / "systemctl"), "--user"], "")
    assert done.returncode != 0
    assert done.stdout == "{0}: No such file or directory".format(tmp_path / "systemctl")


# A stand-in launchctl (no launchd runs here): `print` answers whether the agent is loaded (a
# file beside it), `bootout` unloads it, or fails where the file bootout-fails is; each call logged
# with whether the agent's plist was there. Its paths are written in: it gets no test's environment.
LAUNCHCTL = """#!/bin/sh
if [ -e '{plist}' ]; then there=present; else there=absent; fi
echo "$1 $2 plist $there" >> '{log}'
case "$1" in
  print) [ -e '{loaded}' ] ;;
  bootout) [ ! -e '{fails}' ] || {{ echo "Boot-out failed: 5: Input/output error"; exit 5; }}; rm -f '{loaded}' ;;
esac
"""


@pytest.fixture
def launchd(tmp_path, monkeypatch):
    """A macOS user's layout, a stand-in launchctl first on PATH, and the agent loaded."""
    account = user_files.find_account()
    layout = units.Layout(str(tmp_path / "home"), "Darwin")
    os.makedirs(os.path.dirname(layout.plist))
    with open(layout.plist, "w") as plist:
        plist.write("<plist/>")
    tools = tmp_path / "bin"
    tools.mkdir()
    log, loaded = tmp_path / "log", tmp_path / "loaded"
    launchctl = LAUNCHCTL.format(plist=layout.plist, log=log, loaded=loaded, fails=tmp_path / "bootout-fails")
    (tools / "launchctl").write_text(launchctl)
    (tools / "launchctl").chmod(0o755)
    loaded.write_text("")
    monkeypatch.setattr(activation.host_platform, "system", lambda: "Darwin")
    monkeypatch.setenv("PATH", "{0}:{1}".format(tools, os.environ["PATH"]))
    return account, layout, log, loaded


def test_offboarding_on_macos_unloads_the_agent_before_removing_its_plist(launchd):
    account, layout, log, loaded = launchd
    messages, warnings = activation.deactivate(account, layout, lambda: os.unlink(layout.plist))
    target = "gui/{0}/com.recro.aws-sso.pull".format(account.uid)
    assert log.read_text().splitlines() == [
        "print {0} plist present".format(target),
        "bootout {0} plist present".format(target),
    ]
    assert messages == ["Unloaded from gui/{0}.".format(account.uid)] and warnings == []
    assert not loaded.exists() and not os.path.exists(layout.plist)


def test_an_agent_launchd_does_not_have_is_not_booted_out(launchd):
    account, layout, log, loaded = launchd
    loaded.unlink()
    messages, warnings = activation.deactivate(account, layout, lambda: os.unlink(layout.plist))
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["print"]
    assert messages == ["The agent was not loaded."] and warnings == []


def test_a_bootout_that_fails_is_said(launchd):
    account, layout, log, loaded = launchd
    (log.parent / "bootout-fails").write_text("")
    messages, warnings = activation.deactivate(account, layout, lambda: os.unlink(layout.plist))
    assert messages == ["launchctl could not unload the agent: it stays loaded until the user logs out."]
    assert warnings == [
        "launchctl bootout gui/{0}/com.recro.aws-sso.pull failed: Boot-out failed: 5: Input/output error".format(
            account.uid
        )
    ]
    assert loaded.exists() and not os.path.exists(layout.plist)
