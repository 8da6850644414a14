# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_schedule through ansible-playbook, then the exact command its timer runs:
a real ansible-pull from a git repository on a file URL corrects drift planted before it."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units as schedule
from ansible_collections.recro.aws_sso.tests.support.playbooks import REPOSITORY
from ansible_collections.recro.aws_sso.tests.support.systemd import (
    PULLED_PLAYBOOK,
    exec_argv,
    git_repository,
    stand_in_manager,
)

TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule:
        schedule: daily
        pull_url: "{{ pull_url }}"
        pull_playbook: site.yml
        pull_extra_vars: {role_name: adminAccess}
        randomized_delay: 600
        platform: Linux
        environment: {ANSIBLE_COLLECTIONS_PATH: "{{ collections }}", ANSIBLE_PYTHON_INTERPRETER: "{{ python }}"}
      register: first
    - recro.aws_sso.aws_sso_schedule:
        schedule: daily
        pull_url: "{{ pull_url }}"
        pull_playbook: site.yml
        pull_extra_vars: {role_name: adminAccess}
        randomized_delay: 600
        platform: Linux
        environment: {ANSIBLE_COLLECTIONS_PATH: "{{ collections }}", ANSIBLE_PYTHON_INTERPRETER: "{{ python }}"}
      register: second
    - ansible.builtin.copy:
        content: "{{ {'first': first, 'second': second} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_the_timer_command_pulls_and_corrects_planted_drift(tmp_path, run_playbook):
    repo = git_repository(tmp_path / "repo", {"site.yml": PULLED_PLAYBOOK})
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    config = home / ".aws" / "config"
    config.write_text(
        "[profile recrocog-admin]\nsso_session = recro\nsso_account_id = 111111111111\nsso_role_name = readOnly\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "XDG_STATE_HOME", "AWS_CONFIG_FILE")}
    env["HOME"] = str(home)
    collections = str(REPOSITORY / ".cache" / "collections")
    run = run_playbook(TASK, env, dict(pull_url="file://" + str(repo), collections=collections, python=sys.executable))
    assert run.returncode == 0, run.output
    first, second = run.saved["first"], run.saved["second"]
    assert first["changed"] is True and second["changed"] is False
    units = home / ".config" / "systemd" / "user"
    assert first["files"] == [str(units / schedule.SERVICE_NAME), str(units / schedule.TIMER_NAME)]
    assert (units / "timers.target.wants" / schedule.TIMER_NAME).is_symlink()
    service = (units / schedule.SERVICE_NAME).read_text()
    exec_start = [line for line in service.splitlines() if line.startswith("ExecStart=")][0]
    argv = exec_argv(exec_start[len("ExecStart=") :])
    assert argv == first["command"]
    assert 'Environment="ANSIBLE_PYTHON_INTERPRETER={0}"'.format(sys.executable) in service
    assert json.loads(argv[argv.index("--extra-vars") + 1])["recro_sso_drift_mode"] == "enforce"
    pulled = subprocess.run(
        argv,
        env=dict(env, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_PYTHON_INTERPRETER=sys.executable),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=300,
        check=False,
    )
    assert pulled.returncode == 0, pulled.stdout
    assert "sso_role_name = adminAccess" in config.read_text()


# The ansible-pull beside the tests' Python, which every run as this user may use.
ANSIBLE_PULL = str(pathlib.Path(sys.executable).parent / "ansible-pull")


def user_home(tmp_path):
    """``(home, env)``: an empty home in ``tmp_path`` and the environment of its user, without
    the runtime and state directories of the user running the tests."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "XDG_STATE_HOME")}
    env["HOME"] = str(home)
    return home, env


DRIFT_AND_ABSENT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule: &args
        pull_url: file:///srv/laptops.git
        platform: Linux
        ansible_pull: "{{ ansible_pull }}"
      register: written
    - ansible.builtin.copy: {dest: "{{ timer }}", content: "[Timer]\\nOnCalendar=yearly\\n", mode: "0644"}
    - recro.aws_sso.aws_sso_schedule: *args
      register: rewritten
      diff: true
    - recro.aws_sso.aws_sso_schedule: {state: absent, platform: Linux}
      check_mode: true
      register: would_remove
    - recro.aws_sso.aws_sso_schedule: {state: absent, platform: Linux}
      register: removed
    - recro.aws_sso.aws_sso_schedule: {state: absent, platform: Linux}
      register: removed_again
    - recro.aws_sso.aws_sso_schedule: {pull_url: "https://u:p@example.com/r.git", platform: Linux}
      register: refused
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ {'written': written, 'rewritten': rewritten, 'would_remove': would_remove, 'removed': removed,
                      'removed_again': removed_again, 'refused': refused} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_an_altered_timer_is_rewritten_and_absent_removes_everything(tmp_path, run_playbook):
    home, env = user_home(tmp_path)
    units = home / ".config" / "systemd" / "user"
    run = run_playbook(DRIFT_AND_ABSENT, env, dict(timer=str(units / schedule.TIMER_NAME), ansible_pull=ANSIBLE_PULL))
    assert run.returncode == 0, run.output
    saved = run.saved
    assert saved["written"]["changed"] and saved["rewritten"]["changed"]
    assert "OnCalendar=yearly" in saved["rewritten"]["diff"][0]["before"]
    assert "OnCalendar=daily" in saved["rewritten"]["diff"][0]["after"]
    assert saved["would_remove"]["changed"] and saved["removed"]["changed"]
    assert not saved["removed_again"]["changed"]
    assert not list(units.glob("recro-aws-sso-pull.*"))
    assert not os.path.lexists(str(units / "timers.target.wants" / schedule.TIMER_NAME))
    assert saved["refused"]["failed"] and "credentials" in saved["refused"]["msg"]
    # Nowhere in the result, the module's invocation included.
    assert "u:p@" not in json.dumps(saved["refused"])


XDG_STATE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule:
        pull_url: file:///srv/laptops.git
        platform: Linux
        ansible_pull: "{{ ansible_pull }}"
      register: written
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ {'written': written} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


@pytest.mark.parametrize("state_home", ["relative/state", "./state", "~/state"])
def test_an_xdg_state_home_that_is_not_absolute_is_ignored_as_the_specification_says(
    tmp_path, run_playbook, state_home
):
    home, env = user_home(tmp_path)
    env["XDG_STATE_HOME"] = state_home
    run = run_playbook(XDG_STATE, env, dict(ansible_pull=ANSIBLE_PULL))
    assert run.returncode == 0, run.output
    service = (home / ".config" / "systemd" / "user" / schedule.SERVICE_NAME).read_text()
    log = home / ".local" / "state" / "recro-aws-sso" / "pull.log"
    assert "StandardOutput=append:{0}".format(log) in service, service
    assert (home / ".local" / "state" / "recro-aws-sso").is_dir()


def test_an_xdg_state_home_with_a_line_break_is_refused_naming_it_and_nothing_is_written(tmp_path, run_playbook):
    home, env = user_home(tmp_path)
    env["XDG_STATE_HOME"] = str(home / "state\n[Service]\nExecStartPre=/bin/sh")
    run = run_playbook(XDG_STATE, env, dict(ansible_pull=ANSIBLE_PULL))
    assert run.returncode == 0, run.output
    written = run.saved["written"]
    assert written["failed"], written
    assert written["msg"].startswith("XDG_STATE_HOME: "), written["msg"]
    assert "contains the control character U+000A" in written["msg"], written["msg"]
    assert "nothing was changed" in written["msg"], written["msg"]
    assert not (home / ".config").exists()


LINK_MISSING = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule: &args
        pull_url: file:///srv/laptops.git
        platform: Linux
        ansible_pull: "{{ ansible_pull }}"
    - ansible.builtin.file: {path: "{{ link }}", state: absent}
    - recro.aws_sso.aws_sso_schedule: *args
      check_mode: true
      register: would_link
    - recro.aws_sso.aws_sso_schedule: *args
      register: linked
    - recro.aws_sso.aws_sso_schedule: *args
      register: again
    - ansible.builtin.copy:
        content: "{{ {'would_link': would_link, 'linked': linked, 'again': again} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_check_mode_says_a_timer_that_is_no_longer_enabled_would_be_enabled_again(tmp_path, run_playbook):
    home, env = user_home(tmp_path)
    link = home / ".config" / "systemd" / "user" / "timers.target.wants" / schedule.TIMER_NAME
    run = run_playbook(LINK_MISSING, env, dict(link=str(link), ansible_pull=ANSIBLE_PULL))
    assert run.returncode == 0, run.output
    saved = run.saved
    # What the real run then does, check mode says first.
    assert saved["would_link"]["changed"] and saved["linked"]["changed"], saved
    assert not saved["again"]["changed"] and link.is_symlink()


def test_a_pull_url_with_a_token_in_its_query_is_refused_and_shown_nowhere(tmp_path, run_playbook):
    home, env = user_home(tmp_path)
    task = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule:
        pull_url: https://git.example.com/o/r.git?access_token=ghp_QUERYSECRET
        platform: Linux
        ansible_pull: "{{ ansible_pull }}"
      register: refused
      ignore_errors: true
    - ansible.builtin.copy: {content: "{{ {'refused': refused} | to_json }}", dest: "{{ results_file }}", mode: "0600"}
"""
    run = run_playbook(task, env, dict(ansible_pull=ANSIBLE_PULL))
    refused = run.saved["refused"]
    assert refused["failed"] and "has a query string or fragment" in refused["msg"]
    assert "QUERYSECRET" not in json.dumps(refused) and "QUERYSECRET" not in run.output
    assert not (home / ".config").exists()


OFFBOARD = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule: {pull_url: file:///srv/laptops.git, platform: Linux, ansible_pull: "{{ ansible_pull }}"}
      register: installed
    - ansible.builtin.copy: {src: "{{ log }}", dest: "{{ log }}.installed", mode: "0600"}
    - recro.aws_sso.aws_sso_schedule: {state: absent, platform: Linux}
      register: removed
    - recro.aws_sso.aws_sso_schedule: {pull_url: file:///srv/laptops.git, platform: Linux, ansible_pull: "{{ ansible_pull }}"}
    - ansible.builtin.copy: {content: "stop\n", dest: "{{ runtime }}/standin-fail", mode: "0600"}
    - recro.aws_sso.aws_sso_schedule: {state: absent, platform: Linux}
      register: not_stopped
    - ansible.builtin.copy:
        content: "{{ {'installed': installed, 'removed': removed, 'not_stopped': not_stopped} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_offboarding_stops_and_disables_the_timer_before_removing_its_files(tmp_path, run_playbook):
    """With the user's manager running: stop and disable while the timer's file is there (once it
    is gone, systemctl can no longer disable it and the timer runs on), then remove, then reload;
    the message says what each program did, by its exit code."""
    home, env = user_home(tmp_path)
    bin_directory, runtime = stand_in_manager(tmp_path)
    env.update(PATH="{0}:{1}".format(bin_directory, env["PATH"]), XDG_RUNTIME_DIR=str(runtime))
    log = runtime / "standin-systemctl.log"
    run = run_playbook(OFFBOARD, env, dict(ansible_pull=ANSIBLE_PULL, log=str(log), runtime=str(runtime)))
    assert run.returncode == 0, run.output
    saved = run.saved
    assert saved["installed"]["msg"] == "Schedule written. Timer enabled.", saved["installed"]
    installed_calls = (runtime / "standin-systemctl.log.installed").read_text().splitlines()
    calls = log.read_text().splitlines()[len(installed_calls) :]
    assert calls[:3] == [
        "stop recro-aws-sso-pull.timer timer file present",
        "disable recro-aws-sso-pull.timer timer file present",
        "daemon-reload timer file absent",
    ]
    assert saved["removed"]["msg"] == "Schedule removed. Timer stopped. Timer disabled.", saved["removed"]
    assert "warnings" not in saved["removed"]
    assert not list((home / ".config" / "systemd" / "user").glob("recro-aws-sso-pull.*"))
    # A stop that fails is said, and not hidden behind "disabled".
    not_stopped = saved["not_stopped"]
    assert not_stopped["msg"] == "Schedule removed. The timer could not be stopped. Timer disabled.", not_stopped
    assert not_stopped["warnings"] == [
        "systemctl --user stop recro-aws-sso-pull.timer failed: Failed to stop unit: Access denied"
    ]
    assert (runtime / "standin-running").exists()  # what the stand-in says: the timer still runs
