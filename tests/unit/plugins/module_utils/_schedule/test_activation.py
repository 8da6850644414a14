# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Telling systemd or launchd: a manager that does not answer never holds the task."""

from __future__ import annotations

import time

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import activation


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


def test_a_manager_program_that_cannot_start_is_a_warning_not_an_exception(tmp_path):
    done = activation.run_as(user_files.find_account(), [str(tmp_path / "systemctl"), "--user"], "")
    assert done.returncode != 0
    assert done.stdout == "{0}: No such file or directory".format(tmp_path / "systemctl")
