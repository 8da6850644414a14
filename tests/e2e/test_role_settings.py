# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role's first task, recro.aws_sso.onboarding_settings, through ``ansible-playbook``: in a
play that gathered no facts, and with settings the role cannot work with; and the tags that
select the role's parts. No SSO service is called here (``recro_sso_login: never``, no login in
the cache)."""

from __future__ import annotations

import getpass
import os
import shutil

import pytest

from ansible_collections.recro.aws_sso.tests.support.ansible_pull import ansible_pull_the_user_can_run
from ansible_collections.recro.aws_sso.tests.support.playbooks import REPOSITORY
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

ROLE_WITHOUT_FACTS = """
- name: Onboard from a play that gathers no facts
  hosts: localhost
  gather_facts: false
  roles:
    - role: recro.aws_sso.recro_sso

- name: Save what the role did
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Save recro_sso_result and the facts the play has
      ansible.builtin.copy:
        content: "{{ {'result': recro_sso_result, 'facts': ansible_facts, 'facts_from': _recro_sso_settings.facts_from}
                     | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_a_play_without_facts_asks_the_host_in_one_shell_command_and_runs_no_setup(aws_servers, run_playbook):
    run = run_playbook(
        ROLE_WITHOUT_FACTS,
        aws_servers.env,
        {"recro_sso_account_id": "012345678901", "recro_sso_login": "never"},
        options=["-vvv"],
    )
    assert run.returncode == 0, run.output
    assert run.saved["result"]["user"] == getpass.getuser()
    assert run.saved["result"]["platform"] == "Linux"
    assert "[profile recrocog-admin]" in aws_servers.config_file.read_text(encoding="utf-8")
    # The settings task asked the host (uname -s and the login name), and ran no setup module, nor
    # a task of the play's; it publishes none of setup's names, which would pass for the whole set.
    assert "uname -s" in run.output.split("TASK [recro.aws_sso.recro_sso : Check the settings]")[1]
    assert "AnsiballZ_setup" not in run.output
    assert "TASK [Gathering Facts]" not in run.output
    assert not {"system", "user_id", "env"} & set(run.saved["facts"])
    assert run.saved["facts_from"] == "question"


def test_a_play_with_facts_is_not_asked_again(aws_servers, run_playbook):
    with_facts = ROLE_WITHOUT_FACTS.replace(
        "gather_facts: false\n  roles:", "gather_facts: true\n  gather_subset: [min]\n  roles:"
    )
    run = run_playbook(
        with_facts,
        aws_servers.env,
        {"recro_sso_account_id": "012345678901", "recro_sso_login": "never"},
        options=["-vvv"],
    )
    assert run.returncode == 0, run.output
    assert run.saved["facts_from"] == "play"
    assert "uname -s" not in run.output
    assert run.saved["result"]["user"] == getpass.getuser()


def test_installing_the_cli_gathers_the_minimal_facts_for_the_distribution(aws_servers, run_playbook):
    # The install itself is not selected: the settings check reads the distribution to decide it.
    install = {"recro_sso_account_id": "012345678901", "recro_sso_login": "never", "recro_sso_install_cli": True}
    run = run_playbook(ROLE_WITHOUT_FACTS, aws_servers.env, install, options=["--skip-tags", "recro_sso_install"])
    assert run.returncode == 0, run.output
    assert run.saved["facts_from"] == "setup"
    assert run.saved["facts"]["distribution"] == "Debian"
    assert run.saved["facts"]["system"] == "Linux"


@pytest.mark.parametrize(
    "settings, message",
    [
        (
            {"recro_sso_default_profile": "dev\nexport X=1"},
            'recro_sso_default_profile: "dev\\nexport X=1" is not a profile name every AWS tool and shell reads',
        ),
        ({"recro_sso_platform": "Windows"}, 'recro_sso_platform: "Windows" is not supported'),
        ({"recro_sso_schedule": "daily"}, 'recro_sso_schedule: "daily" needs recro_sso_pull_url'),
        ({"recro_sso_session_name": "x]y"}, 'recro_sso_session_name: "x]y" is not a name every AWS tool reads'),
        (
            {"recro_sso_schedule": "daily", "recro_sso_pull_url": "https://ghp_secrettoken@git.example.com/w.git"},
            "recro_sso_pull_url: \"https://<user info>@git.example.com/w.git\" carries credentials",
        ),
        (
            {"recro_sso_schedule": "daily", "recro_sso_pull_url": " https://ghp_secrettoken@git.example.com/w.git"},
            "recro_sso_pull_url: \" https://<user info>@git.example.com/w.git\" carries credentials",
        ),
        (
            {
                "recro_sso_schedule": "daily",
                "recro_sso_pull_url": "https://git.example.com/w.git",
                "recro_sso_pull_branch": "a b",
            },
            'recro_sso_pull_branch: "a b" is not a git branch or tag name',
        ),
        # What every config write takes, checked by aws_sso_profile's rules and named as the role's variable
        # (the module would name its option: sso_start_url, profiles[1].name, path), before any task writes:
        # a config path with a line break was written by the config task, then refused by the shell task.
        (
            {"recro_sso_config_path": "~/.aws/con\nfig"},
            'recro_sso_config_path: "~/.aws/con\\nfig" contains the control character U+000A',
        ),
        (
            {"recro_sso_start_url": "https://ghp_secrettoken@recrocog.awsapps.com/start"},
            'recro_sso_start_url: "https://<user info>@recrocog.awsapps.com/start" holds a user name or password',
        ),
        (
            {"recro_sso_account_id": "012345678901", "recro_sso_profiles": [{"name": "a\nb", "sso_account_id": "1"}]},
            'recro_sso_profiles[0].name: "a\\nb" contains the control character U+000A',
        ),
        (
            {"recro_sso_profile_settings": {"cli_pager": "less\n[profile x]"}},
            'recro_sso_profile_settings.cli_pager: "less\\n[profile x]" contains the control character U+000A',
        ),
        (
            {"recro_sso_registration_scopes": ["sso:account:access", "a b"]},
            'recro_sso_registration_scopes[1]: "a b" is not a scope',
        ),
        # Installing the CLI is the first task that writes: the settings check comes before it.
        (
            {"recro_sso_install_cli": True, "recro_sso_session_region": "us east"},
            'recro_sso_session_region: "us east" is not an AWS Region name such as us-east-1',
        ),
        (
            {"recro_sso_profile_name_template": "{account_name!r}"},
            'recro_sso_profile_name_template: "{account_name!r}"',
        ),
        # Checked on the host, by aws_sso_schedule in check mode, before the config and rc files are written.
        pytest.param(
            {"recro_sso_schedule": "foo bar", "recro_sso_pull_url": "https://git.example.com/w.git"},
            "recro_sso_schedule: 'foo bar' is not a systemd calendar expression",
            marks=pytest.mark.skipif(
                shutil.which("systemd-analyze") is None, reason="systemd-analyze (Debian package systemd) checks it"
            ),
        ),
        (
            {
                "recro_sso_schedule": "Mon *-*-* 00:00:00",
                "recro_sso_pull_url": "https://git.example.com/w.git",
                "recro_sso_platform": "Darwin",
            },
            "recro_sso_schedule: 'Mon *-*-* 00:00:00' must be daily, hourly or weekly on macOS (launchd)",
        ),
    ],
)
def test_an_unusable_setting_fails_first_naming_it_and_writes_nothing(aws_servers, run_playbook, settings, message):
    home_before = sorted(path.name for path in aws_servers.home.iterdir())
    run = run_playbook(ROLE_WITHOUT_FACTS, aws_servers.env, dict(settings, recro_sso_login="never"))
    assert run.returncode == 2, run.output
    assert message in run.output
    assert "secrettoken" not in run.output
    assert "recro.aws_sso.recro_sso : Check the settings" in run.output.split("fatal:")[0]
    # The settings check is the task that failed: no later task ran.
    tasks = [line for line in run.output.split("fatal:")[0].splitlines() if line.startswith("TASK [")]
    assert tasks[-1].startswith("TASK [recro.aws_sso.recro_sso : Check the settings]"), run.output
    # The facts the task gathered are not in the failure (nor the environment's values with them).
    assert "ansible_facts" not in run.output.split("fatal:")[1]
    assert not aws_servers.config_file.exists()
    assert sorted(path.name for path in aws_servers.home.iterdir()) == home_before


def test_a_drift_mode_other_than_report_or_enforce_fails_before_anything_is_written(aws_servers, run_playbook):
    drift = "- ansible.builtin.import_playbook: {0}\n".format(REPOSITORY / "playbooks" / "drift.yml")
    home_before = sorted(path.name for path in aws_servers.home.iterdir())
    run = run_playbook(drift, aws_servers.env, {"recro_sso_drift_mode": "fix", "recro_sso_account_id": "012345678901"})
    assert run.returncode == 2, run.output
    assert 'recro_sso_drift_mode: \\"fix\\" is not report or enforce.' in run.output
    assert not aws_servers.config_file.exists()
    assert sorted(path.name for path in aws_servers.home.iterdir()) == home_before


ROLE_TWICE = """
- name: Run the role twice for one host, the second time without a schedule
  hosts: localhost
  gather_facts: false
  tasks:
    - name: With a schedule
      ansible.builtin.include_role:
        name: recro.aws_sso.recro_sso
      vars:
        recro_sso_schedule: daily
        recro_sso_pull_url: https://git.example.com/platform/workstations.git

    - name: Keep the first result
      ansible.builtin.set_fact:
        first: "{{ recro_sso_result }}"

    - name: Without one
      ansible.builtin.include_role:
        name: recro.aws_sso.recro_sso

    - name: Save both results
      ansible.builtin.copy:
        content: "{{ {'first': first, 'second': recro_sso_result} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_a_second_run_of_the_role_reports_only_its_own_steps(aws_servers, run_playbook):
    run = run_playbook(
        ROLE_TWICE, aws_servers.env, {"recro_sso_account_id": "012345678901", "recro_sso_login": "never"}
    )
    assert run.returncode == 0, run.output
    first, second = run.saved["first"], run.saved["second"]
    assert first["schedule"]["files"] and any(line.startswith("Schedule:") for line in first["summary"])
    # The schedule step did not run the second time: neither its result nor its line is carried over.
    assert second["schedule"] == {}
    assert not any(line.startswith("Schedule:") for line in second["summary"])


def test_the_tags_select_installing_and_offboarding_and_the_settings_are_always_checked(aws_servers, run_playbook):
    settings = {"recro_sso_account_id": "012345678901", "recro_sso_login": "never"}
    absent = dict(settings, recro_sso_state="absent")

    # Everything but the install: the settings check, which every task reads, still runs.
    run = run_playbook(ROLE_WITHOUT_FACTS, aws_servers.env, settings, options=["--skip-tags", "recro_sso_install"])
    assert run.returncode == 0, run.output
    onboarded = aws_servers.config_file.read_text(encoding="utf-8")
    assert "[profile recrocog-admin]" in onboarded

    # Offboarding and installing share one include: the install's tag selects no offboarding...
    run = run_playbook(ROLE_WITHOUT_FACTS, aws_servers.env, absent, options=["--tags", "recro_sso_install"])
    assert run.returncode == 0, run.output
    assert "Remove the session's profiles" not in run.output
    assert aws_servers.config_file.read_text(encoding="utf-8") == onboarded

    # ... the config's tag no install (Debian 12 packages the CLI: the setting is usable here) ...
    install = dict(settings, recro_sso_install_cli=True)
    run = run_playbook(ROLE_WITHOUT_FACTS, aws_servers.env, install, options=["--tags", "recro_sso_config"])
    assert run.returncode == 0, run.output
    assert "install-Linux.yml for localhost" in run.output  # included, its task not selected
    assert "Install the AWS CLI v2 (Debian's awscli package)" not in run.output

    # ... and skipping the install still offboards.
    run = run_playbook(ROLE_WITHOUT_FACTS, aws_servers.env, absent, options=["--skip-tags", "recro_sso_install"])
    assert run.returncode == 0, run.output
    assert "[profile recrocog-admin]" not in aws_servers.config_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_user_the_host_does_not_have_is_named_as_the_role_variable(aws_servers, run_playbook, state):
    settings = {"recro_sso_user": "no-such-user-recro", "recro_sso_state": state, "recro_sso_login": "never"}
    run = run_playbook(ROLE_WITHOUT_FACTS, aws_servers.env, settings)
    assert run.returncode == 2, run.output
    assert 'recro_sso_user: \\"no-such-user-recro\\" is not an account on localhost (user:' in run.output
    assert not aws_servers.config_file.exists()


def test_a_default_profile_the_config_lacks_is_neither_exported_nor_verified(aws_servers, run_playbook):
    # Logged in, with discovery: the profiles of the login are written, but none is the default profile.
    aws_servers.log_in()
    settings = {"recro_sso_default_profile": "not-a-profile", "recro_sso_login": "never"}
    run = run_playbook(ROLE_WITHOUT_FACTS, dict(aws_servers.env, SHELL="/bin/bash"), settings)
    assert run.returncode == 0, run.output
    result = run.saved["result"]
    assert result["login"]["status"] == "valid" and result["discovered_profiles"]
    assert result["default_profile_exists"] is False and result["shell_blocks_present"] is False
    # No identity check ran: it needs the profile.
    assert result["identity"] == {} and "Verify whom the default profile signs in as" not in run.output
    assert "Default profile not-a-profile not exported: it is not in" in "\n".join(result["summary"])
    assert "Next: no profile not-a-profile: set recro_sso_default_profile to one of" in "\n".join(result["summary"])


ONBOARD_THEN_OFFBOARD = """
- name: Onboard with a schedule, then offboard with the role's defaults
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Onboard with a nightly drift run
      ansible.builtin.include_role:
        name: recro.aws_sso.recro_sso
      vars:
        recro_sso_schedule: daily
        recro_sso_pull_url: https://git.example.com/platform/workstations.git

    - name: Keep the onboarding result
      ansible.builtin.set_fact:
        onboarded: "{{ recro_sso_result }}"

    - name: Offboard, with no recro_sso_schedule (as make offboard runs)
      ansible.builtin.include_role:
        name: recro.aws_sso.recro_sso
      vars:
        recro_sso_state: absent

    - name: Save both results
      ansible.builtin.copy:
        content: "{{ {'onboarded': onboarded, 'offboarded': recro_sso_result} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def test_offboarding_removes_the_schedule_onboarding_installed_whatever_its_variables(aws_servers, run_playbook):
    run = run_playbook(
        ONBOARD_THEN_OFFBOARD, aws_servers.env, {"recro_sso_account_id": "012345678901", "recro_sso_login": "never"}
    )
    assert run.returncode == 0, run.output
    installed = run.saved["onboarded"]["schedule"]["files"]
    assert any(path.endswith(".timer") for path in installed), installed
    # A timer left behind would onboard the user again every night.
    assert [path for path in installed if os.path.exists(path)] == []


def test_the_users_login_shells_are_started_to_prove_the_export_when_asked(aws_servers, run_playbook):
    import pathlib

    # A login bash reads ~/.profile, which (as Debian's /etc/skel/.profile does) reads ~/.bashrc.
    profile = pathlib.Path(aws_servers.env["HOME"]) / ".profile"
    profile.write_text('if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n')
    settings = {"recro_sso_account_id": "012345678901", "recro_sso_login": "never", "recro_sso_verify_shells": True}
    run = run_playbook(ROLE_WITHOUT_FACTS, dict(aws_servers.env, SHELL="/bin/bash"), settings)
    assert run.returncode == 0, run.output
    verified = {entry["shell"]: entry for entry in run.saved["result"]["verified_shells"]}
    assert verified["bash"]["status"] == "ok", verified
    assert "AWS_PROFILE" in verified["bash"]["exported"], verified
    assert "Shell bash (started as a login shell): ends with" in "\n".join(run.saved["result"]["summary"])
    # Not asked: no shell is started.
    quiet = run_playbook(
        ROLE_WITHOUT_FACTS, dict(aws_servers.env, SHELL="/bin/bash"), dict(settings, recro_sso_verify_shells=False)
    )
    assert quiet.returncode == 0 and quiet.saved["result"]["verified_shells"] == [], quiet.output


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for a throwaway user needs root")
def test_offboarding_as_root_for_a_user_removes_the_schedule_onboarding_installed(run_playbook):
    """As a fleet runs it: root onboards a user with a schedule (the user's files, with the
    user's ids), then offboards with the role's defaults; the timer is gone."""
    pull_bin = ansible_pull_the_user_can_run()
    # Root's own environment, with nothing that points the AWS tools or systemd at root's files.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    with throwaway_user("/bin/bash") as user:
        settings = {"recro_sso_account_id": "012345678901", "recro_sso_login": "never", "recro_sso_user": user.pw_name}
        run = run_playbook(ONBOARD_THEN_OFFBOARD, env, settings, interpreter=str(pull_bin / "python"))
        assert run.returncode == 0, run.output
        installed = run.saved["onboarded"]["schedule"]["files"]
        timers = [path for path in installed if path.endswith(".timer")]
        assert timers and all(path.startswith(user.pw_dir + os.sep) for path in installed), installed
        assert run.saved["onboarded"]["user"] == user.pw_name
        assert [path for path in installed if os.path.exists(path)] == []
        # Only the schedule's files went: the config onboarding wrote for the user stays theirs.
        config = os.path.join(user.pw_dir, ".aws", "config")
        assert os.stat(config).st_uid == user.pw_uid


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for a throwaway user needs root")
def test_as_root_for_a_user_an_unusable_setting_fails_first_and_leaves_the_user_s_files_alone(run_playbook):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "XDG_"))}
    with throwaway_user("/bin/bash") as user:
        home_before = sorted(os.listdir(user.pw_dir))
        settings = {
            "recro_sso_user": user.pw_name,
            "recro_sso_login": "never",
            "recro_sso_account_id": "012345678901",
            "recro_sso_config_path": "~/.aws/config\n",
        }
        run = run_playbook(ROLE_WITHOUT_FACTS, env, settings)
        assert run.returncode == 2, run.output
        assert 'recro_sso_config_path: \\"~/.aws/config\\\\n\\" contains the control character U+000A' in run.output
        tasks = [line for line in run.output.split("fatal:")[0].splitlines() if line.startswith("TASK [")]
        assert tasks[-1].startswith("TASK [recro.aws_sso.recro_sso : Check the settings]"), run.output
        assert sorted(os.listdir(user.pw_dir)) == home_before
