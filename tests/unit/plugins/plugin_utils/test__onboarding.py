# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recro_sso role's settings for a host (and what it asks the host), its result and summary, from its
modules' results; and the profile_name test."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.recro.aws_sso.plugins.module_utils._notify.advice import OWN_LOGIN
from ansible_collections.recro.aws_sso.plugins.plugin_utils._onboarding import (
    HOST_MARKER,
    HOST_QUESTION,
    default_profile_exists,
    drift_mode,
    facts_to_gather,
    failure_message,
    host_facts,
    host_settings,
    login_state,
    person_can_answer,
    profile_list,
    result,
    result_with_summary,
    run_plan,
    schedule_check_error,
    schedule_options,
    setting_errors,
    steps,
    summary,
)
from ansible_collections.recro.aws_sso.plugins.test.profile_name import profile_name
from ansible_collections.recro.aws_sso.tests.support.playbooks import REPOSITORY

PATH = "/home/alice/.aws/config"
SKIPPED = {"skipped": True, "changed": False}


def config(changes=(), names=("recrocog-admin",), **extra):
    return dict(
        dict(
            path=PATH,
            changes=list(changes),
            profiles=dict((name, {}) for name in names),
            profile_names=list(names),
            removed_profiles=[],
            removed_sessions=[],
            changed=bool(changes),
        ),
        **extra,
    )


def parts(**extra):
    base = dict(
        state="present",
        user="alice",
        platform="Linux",
        check_mode=False,
        session="recro",
        default_profile="recrocog-admin",
        manage_shell=True,
        discover=True,
        prune=False,
        config=config(),
        login={},
        discovery=SKIPPED,
        shell=SKIPPED,
        identity=SKIPPED,
        schedule=SKIPPED,
        logout=SKIPPED,
    )
    base.update(extra)
    return base


def run(**extra):
    given = parts(**extra)
    res = result(given)
    return res, summary(res, given)


def test_later_sources_win_for_a_profile_name():
    listed = profile_list(
        [
            {"name": "recrocog-admin", "sso_account_id": "1", "sso_role_name": "readOnly"},
            {"name": "other", "sso_account_id": "2"},
        ],
        [{"name": "recrocog-admin", "sso_account_id": "3"}],
        "recrocog-admin",
        4,
    )
    assert listed == [{"name": "recrocog-admin", "sso_account_id": "3"}, {"name": "other", "sso_account_id": "2"}]


@pytest.mark.parametrize("account_id", [None, ""])
def test_no_account_shortcut_without_an_account(account_id):
    assert profile_list([], [], "recrocog-admin", account_id) == []


# What aws_sso_profile read of a session without a token (its result's login).
NO_TOKEN = {
    "status": "missing",
    "expires_at": None,
    "usable": False,
    "refreshable": False,
    "message": "not logged in to sso-session recro: run `aws sso login --sso-session recro`",
}


def test_without_a_login_task_the_state_is_what_the_config_write_read():
    assert login_state(SKIPPED, NO_TOKEN) == {
        "status": "missing",
        "expires_at": None,
        "usable": False,
        "message": "not logged in to sso-session recro: run `aws sso login --sso-session recro`",
    }


def test_a_login_or_refresh_wins_over_what_the_config_write_read():
    state = login_state(
        {
            "status": "refreshed",
            "expires_at": "2026-12-02T10:00:00Z",
            "usable": True,
            "msg": "refreshed the login to sso-session recro",
        },
        dict(NO_TOKEN, status="expired", refreshable=True),
    )
    assert state == {
        "status": "refreshed",
        "expires_at": "2026-12-02T10:00:00Z",
        "usable": True,
        "message": "refreshed the login to sso-session recro",
    }


def test_of_the_role_s_login_tasks_the_last_that_ran_says_the_state():
    started = {"status": "pending", "usable": False, "msg": "open the page"}
    waited = {"status": "logged_in", "expires_at": "2026-12-02T10:00:00Z", "usable": True, "msg": "logged in"}
    assert login_state([waited, started], NO_TOKEN)["status"] == "logged_in"
    assert login_state([SKIPPED, started], NO_TOKEN)["status"] == "pending"
    assert login_state([SKIPPED, SKIPPED], NO_TOKEN)["status"] == "missing"
    assert login_state([SKIPPED, SKIPPED]) == {}


def test_a_login_that_did_not_run_is_no_state():
    assert login_state(SKIPPED) == {} and login_state(None, {}) == {}


def test_a_failed_login_is_not_usable():
    assert login_state({"failed": True, "msg": "access denied"})["usable"] is False
    assert login_state({"failed": True, "msg": "access denied"}, NO_TOKEN)["status"] == "failed"


def test_config_changes_and_shell_writes_are_drift_with_file_and_message():
    change = dict(
        section="profile recrocog-admin", key="sso_role_name", before="readOnly", after="adminAccess", action="update"
    )
    shell = dict(
        changed=True,
        files=[
            dict(shell="bash", path="/home/alice/.bashrc", file="~/.bashrc", action="updated"),
            dict(shell="zsh", path="/home/alice/.zshrc", file="~/.zshrc", action="unchanged"),
        ],
        conflicts=[],
        exports=["AWS_DEFAULT_PROFILE", "AWS_PROFILE", "AWS_CONFIG_FILE"],
    )
    res, lines = run(config=config([change]), shell=shell)
    assert [item["message"] for item in res["drift"]] == [
        '/home/alice/.aws/config: [profile recrocog-admin] sso_role_name: "readOnly" -> "adminAccess"',
        "/home/alice/.bashrc: the managed block differs from the settings (write)",
    ]
    assert res["shell_files"] == ["/home/alice/.bashrc", "/home/alice/.zshrc"]
    assert lines[0] == PATH + ": session recro and profiles recrocog-admin written."
    # What the shell task says the block exports (with a config path, AWS_CONFIG_FILE too).
    assert lines[1] == (
        "Default profile recrocog-admin exported (AWS_DEFAULT_PROFILE, AWS_PROFILE, AWS_CONFIG_FILE) in "
        "/home/alice/.bashrc, /home/alice/.zshrc; open a new shell to use it."
    )


def test_the_same_change_from_both_writes_is_listed_once():
    change = dict(section="sso-session recro", key=None, before=None, after=None, action="add")
    res, _lines = run(config=config([change]), configs=[config([change]), config([change])])
    assert len(res["drift"]) == 1


def test_nothing_to_do_says_already_in_place():
    shell = dict(files=[dict(shell="bash", path="/home/alice/.bashrc", action="unchanged")], conflicts=[])
    res, lines = run(shell=shell)
    assert res["drift"] == []
    assert lines[0] == PATH + ": session recro and profiles recrocog-admin already in place."
    assert lines[1].startswith("Default profile recrocog-admin already exported")


def test_conflicts_are_warned_with_file_and_line_and_no_value():
    conflict = dict(
        path="/home/alice/.bashrc",
        line=12,
        variable="AWS_PROFILE",
        kind="assignment",
        effect="overrides the managed block",
    )
    shell = dict(files=[dict(shell="bash", path="/home/alice/.bashrc", action="unchanged")], conflicts=[conflict])
    res, lines = run(shell=shell)
    assert res["conflicts"] == [conflict]
    assert any(
        line.startswith("Warning: /home/alice/.bashrc:12: AWS_PROFILE overrides the managed block") for line in lines
    )


def test_not_logged_in_says_how_to_log_in_with_the_aws_cli_v2_found():
    login = login_state(None, NO_TOKEN)
    cli_v2 = dict(NOTIFIED, next_step="aws sso login --sso-session recro", reason=None)
    _res, lines = run(login=login, config=config(names=()), next_step=cli_v2)
    assert "Login: not logged in to sso-session recro: run `aws sso login --sso-session recro`." in lines
    assert (
        lines[-1] == "Next: aws sso login --sso-session recro, then run this again: it finds your accounts and roles."
    )
    assert lines[0].endswith("no profiles yet (none discovered, none in recro_sso_profiles or recro_sso_account_id).")


@pytest.mark.parametrize(
    "next_step, reason",
    [
        (None, "this run did not look up the AWS CLI on this host"),
        (dict(skipped=True), "this run did not look up the AWS CLI on this host"),
        (dict(failed=True, msg="no login shell"), "the AWS CLI on this host could not be looked up"),
        # As the role's task registers a failure (failed_when: false): not failed, and no next_step.
        (
            dict(changed=False, failed=False, failed_when_result=False, msg="no login shell"),
            "the AWS CLI on this host could not be looked up",
        ),
    ],
    ids=["not run", "skipped", "failed", "failed, as registered"],
)
def test_without_the_aws_cli_looked_up_the_next_step_is_the_collection_s_own_login(next_step, reason):
    # aws sso login only where an AWS CLI v2 was found: the own login works on every host.
    extra = dict(login=login_state(None, NO_TOKEN), config=config(names=()))
    if next_step is not None:
        extra["next_step"] = next_step
    res, lines = run(**extra)
    assert res["next_step"] == dict(command=OWN_LOGIN, reason=reason, warning=None, notification={})
    assert (
        "Login: not logged in to sso-session recro: run `make onboard` "
        "(or: `ansible-playbook playbooks/onboard.yml -e recro_sso_login=always`)." in lines
    )
    assert lines[-1] == (
        "Next: make onboard (or: ansible-playbook playbooks/onboard.yml -e recro_sso_login=always) ({0}), then run "
        "this again: it finds your accounts and roles.".format(reason)
    )


def test_discovery_and_identity_when_logged_in():
    login = {"status": "valid", "usable": True, "message": "logged in", "expires_at": None}
    # The discovery of an aws_sso_profile result.
    discovery = {
        "status": "done",
        "msg": "1 account(s), 2 profile(s)",
        "accounts": 1,
        "profiles": [{"name": "recrocog-admin"}, {"name": "recrocog-readonly"}],
    }
    identity = {"account": "111111111111", "arn": "arn:aws:sts::111111111111:assumed-role/x/alice"}
    res, lines = run(login=login, discovery=discovery, identity=identity)
    assert res["discovered_profiles"] == ["recrocog-admin", "recrocog-readonly"]
    assert res["identity"] == identity
    assert (
        "Discovery: 2 profile(s) for the accounts and roles of the login: recrocog-admin, recrocog-readonly." in lines
    )
    assert (
        "Identity: profile recrocog-admin signs in as arn:aws:sts::111111111111:assumed-role/x/alice "
        "(account 111111111111)."
    ) in lines
    assert not any(line.startswith("Next:") for line in lines)


# What Ansible registers for a module that failed in a task with failed_when: false.
FAILED_WHEN_FALSE = {"failed": False, "failed_when_result": False, "changed": False, "msg": "no boto3"}


# A discovery aws_sso_profile could not do (it writes the rest).
DISCOVERY_FAILED = {"status": "failed", "msg": "no boto3", "accounts": 0, "profiles": [{"name": "stale"}]}


@pytest.mark.parametrize("failed", [{"failed": True, "msg": "no boto3"}, FAILED_WHEN_FALSE])
def test_a_failed_discovery_and_identity_are_reported_not_fatal(failed):
    login = {"status": "valid", "usable": True, "message": "logged in"}
    res, lines = run(login=login, prune=True, discovery=DISCOVERY_FAILED, identity=failed)
    assert res["identity"] == {} and res["discovered_profiles"] == []
    assert "Discovery: not done (no boto3); only the listed profiles were written, and none was pruned." in lines
    assert "Identity: not verified (no boto3)." in lines


def test_offboarding_lists_what_went():
    cfg = config(names=(), removed_profiles=["recrocog-admin"], removed_sessions=["recro"])
    shell = dict(files=[dict(shell="bash", path="/home/alice/.bashrc", action="removed")], conflicts=[])
    logout = dict(removed=["/home/alice/.aws/sso/cache/a.json"], service_logout=True, service_logout_error=None)
    res, lines = run(state="absent", config=cfg, shell=shell, logout=logout, login={})
    assert [(i["shell"], i["action"]) for i in res["drift"] if i["what"] == "shell"] == [("bash", "remove")]
    assert lines[0] == PATH + ": profiles removed: recrocog-admin; session recro removed."
    assert lines[1] == "Shell blocks removed from /home/alice/.bashrc."
    assert "Logout: 1 login file(s) removed; the portal's Logout succeeded." in lines
    assert res["logout"]["service_logout"] is True


def test_check_mode_says_would_be():
    change = dict(section="profile recrocog-admin", key="region", before=None, after="us-east-1", action="add")
    _res, lines = run(check_mode=True, config=config([change]))
    assert lines[0].endswith("would be written.")


@pytest.mark.parametrize(
    "name, ok",
    [
        ("recrocog-admin", True),
        ("a_b.c@d%e+f:g", True),
        ("recrocog-admin\n", False),
        ("", False),
        ("two words", False),
        ("x;rm", False),
        (None, False),
        (3, False),
    ],
)
def test_profile_name_is_anchored(name, ok):
    assert profile_name(name) is ok


def test_a_missing_or_altered_timer_is_drift():
    schedule = {
        "changed": True,
        "files": ["/home/alice/.config/systemd/user/recro-aws-sso-pull.timer"],
        "msg": "written",
    }
    res, _lines = run(schedule=schedule)
    assert [item["message"] for item in res["drift"] if item["what"] == "schedule"] == [
        "the scheduled ansible-pull run differs from the settings (write): "
        "/home/alice/.config/systemd/user/recro-aws-sso-pull.timer"
    ]
    res, _lines = run(schedule=dict(schedule, changed=False))
    assert [item for item in res["drift"] if item["what"] == "schedule"] == []


# The settings of a laptop the role onboards without complaint.
GOOD_SETTINGS = dict(
    platform="Linux",
    supported_platforms=["Linux", "Darwin"],
    default_profile="recrocog-admin",
    state="present",
    schedule=None,
    pull_url=None,
    install_cli=True,
    distribution="Debian",
    distribution_version="12.8",
    distribution_major_version="12",
)


def test_usable_settings_have_no_errors():
    assert setting_errors(GOOD_SETTINGS) == []
    assert setting_errors(dict(GOOD_SETTINGS, platform="Darwin", distribution="MacOSX")) == []
    assert setting_errors(dict(GOOD_SETTINGS, schedule="never")) == []
    assert (
        setting_errors(dict(GOOD_SETTINGS, state="absent", schedule="daily", install_cli=True, distribution="")) == []
    )


@pytest.mark.parametrize(
    "changes, error",
    [
        (
            dict(platform="Windows"),
            'recro_sso_platform: "Windows" is not supported: the role knows Linux and Darwin (macOS).',
        ),
        (
            dict(default_profile="dev\nexport X=1"),
            'recro_sso_default_profile: "dev\\nexport X=1" is not a profile name every AWS tool and shell reads the '
            "same way: use letters, digits and _ . @ % + : - only, not starting with -.",
        ),
        (
            dict(default_profile="dev;id"),
            'recro_sso_default_profile: "dev;id" is not a profile name every AWS tool and shell reads the '
            "same way: use letters, digits and _ . @ % + : - only, not starting with -.",
        ),
        (
            dict(schedule="daily", pull_url=""),
            'recro_sso_schedule: "daily" needs recro_sso_pull_url, the repository ansible-pull clones '
            "(with playbooks/drift.yml).",
        ),
        (
            dict(distribution="Debian", distribution_version="11.9", distribution_major_version="11"),
            "recro_sso_install_cli: true, but Debian 11.9 packages no AWS CLI v2 the role installs (it installs "
            "Debian 12+'s awscli and Homebrew's awscli on macOS): install the AWS CLI v2 yourself and set "
            "recro_sso_install_cli: false.",
        ),
        (
            dict(distribution="Ubuntu", distribution_version="24.04", distribution_major_version="24"),
            "recro_sso_install_cli: true, but Ubuntu 24.04 packages no AWS CLI v2 the role installs (it installs "
            "Debian 12+'s awscli and Homebrew's awscli on macOS): install the AWS CLI v2 yourself and set "
            "recro_sso_install_cli: false.",
        ),
    ],
)
def test_each_unusable_setting_is_named_with_its_value(changes, error):
    assert setting_errors(dict(GOOD_SETTINGS, **changes)) == [error]


def test_every_unusable_setting_is_reported_at_once():
    errors = setting_errors(
        dict(GOOD_SETTINGS, platform="Windows", default_profile="", schedule="daily", distribution_major_version="11")
    )
    assert [error.split(":", 1)[0] for error in errors] == [
        "recro_sso_platform",
        "recro_sso_default_profile",
        "recro_sso_schedule",
        "recro_sso_install_cli",
    ]


FACTS = dict(
    system="Linux",
    user_id="alice",
    env=dict(HOME="/home/alice"),
    distribution="Debian",
    distribution_version="12.8",
    distribution_major_version="12",
)
ROLE_SETTINGS = dict(default_profile="recrocog-admin", state="present", schedule=None, install_cli=False)


def test_host_settings_default_to_the_facts():
    values = host_settings(ROLE_SETTINGS, FACTS)
    plan = values.pop("plan")
    assert values == dict(platform="Linux", user="alice", check_only=False, shells=[], needs_become=False, errors=[])
    # Nobody at a terminal was said to be there: auto does not wait, and tells the desktop instead.
    assert (plan["login"], plan["may_wait"], plan["notify"]) == ("auto", False, True)


@pytest.mark.parametrize(
    "user_id, sudo_user, expected",
    [("root", "alice", "alice"), ("root", "root", "root"), ("root", "", "root"), ("bob", "alice", "bob")],
)
def test_root_through_sudo_stands_for_the_user_who_ran_sudo(user_id, sudo_user, expected):
    facts = dict(FACTS, user_id=user_id, env=dict(SUDO_USER=sudo_user))
    assert host_settings(ROLE_SETTINGS, facts)["user"] == expected


@pytest.mark.parametrize(
    "facts, install_cli, expected",
    [
        ({}, False, "question"),
        ({"system": "Linux"}, False, "question"),
        ({"system": "Linux", "user_id": "alice"}, False, "play"),
        ({"system": "Linux", "user_id": "alice"}, True, "setup"),
        (FACTS, True, "play"),
        ({}, True, "setup"),
    ],
)
def test_the_host_is_asked_only_what_the_play_did_not_gather(facts, install_cli, expected):
    assert facts_to_gather(facts, install_cli) == expected


# Login-name variables as getpass.getuser() reads them, in its order.
LOGIN_VARIABLES = ("LOGNAME", "USER", "LNAME", "USERNAME")


@pytest.mark.parametrize(
    "names",
    [
        {},
        {"LOGNAME": "carol", "USER": "dave"},
        {"LOGNAME": "", "USER": "dave"},
        {"LNAME": "erin"},
        {"LOGNAME": "", "USER": "", "LNAME": "", "USERNAME": "frank"},
        {"LOGNAME": "", "USER": ""},
        {"SUDO_USER": "alice"},
        {"USER": "bob", "SUDO_USER": "alice"},
    ],
)
def test_the_host_question_answers_as_setup_would_in_a_real_shell(names):
    # The question run by /bin/sh, with start-up noise before it, against what setup's own code
    # (platform.system(), getpass.getuser(), the environment) says in the same environment.
    environment = dict((name, value) for name, value in os.environ.items() if name not in LOGIN_VARIABLES)
    environment.pop("SUDO_USER", None)
    environment.update(names)
    answer = subprocess.run(
        ["/bin/sh", "-c", "echo 'Welcome, $USER'; " + HOST_QUESTION],
        env=environment,
        stdout=subprocess.PIPE,
        universal_newlines=True,
        check=False,
    )
    setup = subprocess.run(
        [sys.executable, "-c", "import getpass, platform; print(platform.system()); print(getpass.getuser())"],
        env=environment,
        stdout=subprocess.PIPE,
        universal_newlines=True,
        check=True,
    ).stdout.splitlines()
    facts = host_facts(answer.returncode, answer.stdout)
    assert [facts["system"], facts["user_id"]] == setup
    assert facts["env"] == ({"SUDO_USER": names["SUDO_USER"]} if names.get("SUDO_USER") else {})


@pytest.mark.parametrize(
    "returncode, output",
    [
        (0, ""),
        (0, "motd\nLinux\nalice\n\n"),
        (127, HOST_MARKER + "\n\nalice\n\n"),
        (0, HOST_MARKER + "\nLinux\n\n\n"),
        (0, HOST_MARKER + "\nLinux\nal\nice\n\n"),
        (0, HOST_MARKER + "\nLinux\nalice\n"),
        (0, HOST_MARKER + "\nLinux\nalice\n\ntrailing\n"),
    ],
)
def test_an_answer_that_is_not_the_host_question_s_is_refused_naming_it(returncode, output):
    with pytest.raises(ValueError) as refused:
        host_facts(returncode, output)
    assert str(refused.value).startswith("The host did not say its platform and user")
    assert "exit status {0}".format(returncode) in str(refused.value)
    # What start-up files printed before the marker is not repeated.
    assert "motd" not in str(refused.value)


def test_only_the_lines_after_the_last_marker_are_the_answer():
    output = "motd\n{0}\nfake\n{0}\nDarwin\nroot\nalice\n".format(HOST_MARKER)
    assert host_facts(0, output) == dict(system="Darwin", user_id="root", env=dict(SUDO_USER="alice"))


@pytest.mark.parametrize(
    "user_id, user, expected",
    [("root", "alice", True), ("root", "root", False), ("alice", "alice", False), ("bob", "alice", False)],
)
def test_a_task_that_must_run_as_the_user_becomes_the_user_only_from_root(user_id, user, expected):
    facts = dict(FACTS, user_id=user_id)
    assert host_settings(dict(ROLE_SETTINGS, user=user), facts)["needs_become"] is expected


@pytest.mark.parametrize(
    "user_id, login, flow, refused",
    [
        ("root", "always", "pkce", True),
        ("alice", "always", "pkce", False),
        ("root", "always", "device_code", False),
        ("root", "refresh", "pkce", False),
        ("root", "never", "pkce", False),
    ],
)
def test_a_pkce_login_root_would_wait_for_for_another_user_is_refused_before_any_task(user_id, login, flow, refused):
    facts = dict(FACTS, user_id=user_id)
    settings = dict(ROLE_SETTINGS, user="alice", login=login, login_flow=flow)
    errors = host_settings(settings, facts, attended=True)["errors"]
    assert errors == (
        [
            'recro_sso_login_flow: "pkce" cannot log in alice from root: the browser would open from root\'s '
            "environment, not on alice's desktop. Run the play as alice (without become), or use "
            "recro_sso_login_flow: device_code, which works as root for a user."
        ]
        if refused
        else []
    )


def test_set_values_win_over_the_facts():
    facts = dict(FACTS, user_id="root", env=dict(SUDO_USER="bob"))
    values = host_settings(dict(ROLE_SETTINGS, user="carol", platform="Darwin"), facts)
    assert (values["user"], values["platform"]) == ("carol", "Darwin")


@pytest.mark.parametrize("shells", ["bash, zsh,", ["bash ", "", " zsh"]])
def test_shells_are_a_list_also_from_a_comma_separated_string(shells):
    assert host_settings(dict(ROLE_SETTINGS, shells=shells), FACTS)["shells"] == ["bash", "zsh"]


@pytest.mark.parametrize("report_only, check_mode", [(True, False), (False, True)])
def test_report_only_or_check_mode_only_reports(report_only, check_mode):
    values = host_settings(dict(ROLE_SETTINGS, report_only=report_only), FACTS, check_mode=check_mode)
    assert values["check_only"] is True


def test_the_settings_are_checked_with_the_facts_of_the_host():
    facts = dict(FACTS, system="Windows", distribution_major_version="11")
    errors = host_settings(dict(ROLE_SETTINGS, install_cli=True), facts)["errors"]
    assert [error.split(":", 1)[0] for error in errors] == ["recro_sso_platform", "recro_sso_install_cli"]


def test_the_fact_carries_the_summary_lines_it_is_printed_with():
    given = parts(shell=dict(files=[dict(path="/home/alice/.bashrc", action="written")]))
    fact = result_with_summary(given)
    res = result(given)
    assert fact.pop("summary") == summary(res, given)
    assert fact == res


@pytest.mark.parametrize("mode", ["report", "enforce"])
def test_the_drift_modes(mode):
    assert drift_mode(mode) == mode


@pytest.mark.parametrize("mode, shown", [("fix", '"fix"'), ("report\n", '"report\\n"'), (None, "null")])
def test_another_drift_mode_is_named_with_its_value(mode, shown):
    with pytest.raises(ValueError) as raised:
        drift_mode(mode)
    assert str(raised.value) == "recro_sso_drift_mode: {0} is not report or enforce.".format(shown)


# The role's decisions. The conditions the role's YAML held before they moved to Python, word for
# word: the decision table must give what they gave, for every combination.
OLD_CONDITIONS = dict(
    may_log_in="""not check_only and (recro_sso_login == 'always' or (recro_sso_login == 'auto' and local))""",
    log_in="""recro_sso_login != 'never' and ((token.status | default('') != 'valid' or recro_sso_login_force | bool)
        if may_log_in else (token.refreshable | default(false) and token.status | default('') != 'valid'))""",
    start="""recro_sso_login != 'never'
        and (device_login or (not may_log_in and token.refreshable | default(false)))
        and (token.status | default('') != 'valid' or (recro_sso_login_force | bool and device_login))""",
    wait_pkce="""may_log_in and recro_sso_login_flow == 'pkce'
        and (recro_sso_login_force | bool or token.status | default('') != 'valid')""",
)


def old_decisions(mode, local, check_only, flow, force, token):
    import jinja2

    environment = jinja2.Environment()
    environment.filters["bool"] = bool
    values = dict(
        recro_sso_login=mode, local=local, check_only=check_only, recro_sso_login_flow=flow, recro_sso_login_force=force
    )
    values["token"] = token
    values["may_log_in"] = environment.compile_expression(OLD_CONDITIONS["may_log_in"])(**values)
    values["device_login"] = values["may_log_in"] and flow == "device_code"
    decided = dict(
        (name, bool(environment.compile_expression(OLD_CONDITIONS[name])(**values))) for name in OLD_CONDITIONS
    )
    decided["refresh_only"] = not values["device_login"]
    decided["force_device"] = force and values["device_login"]
    return decided


TOKENS = [
    {},
    dict(status="missing", usable=False, refreshable=False),
    dict(status="valid", usable=True, refreshable=True),
    dict(status="expiring", usable=True, refreshable=True),
    dict(status="expiring", usable=True, refreshable=False),
    dict(status="expired", usable=False, refreshable=True),
    dict(status="expired", usable=False, refreshable=False),
]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("flow", ["device_code", "pkce"])
@pytest.mark.parametrize("check_only", [False, True])
@pytest.mark.parametrize("local", [False, True])
@pytest.mark.parametrize("mode", ["auto", "always", "never"])
def test_the_login_decisions_are_the_ones_the_role_made_before(mode, local, check_only, flow, force, token):
    # Where a person can answer (a local connection with a terminal), auto decides as it did.
    plan = run_plan(dict(login=mode, login_flow=flow, login_force=force), check_only, attended=local)
    decided = steps(plan, dict(login=token))
    old = old_decisions(mode, local, check_only, flow, force, token)
    assert plan["may_wait"] == old.pop("may_log_in")
    for name, value in old.items():
        if name in ("refresh_only", "force_device") and not decided["start"]:
            continue  # options of a task that does not run
        assert decided[name] == value, name


@pytest.mark.parametrize("token", TOKENS)
def test_refresh_never_waits_and_refreshes_what_can_be_refreshed(token):
    plan = run_plan(dict(login="refresh", login_force=True), False, attended=True)
    decided = steps(plan, dict(login=token))
    assert plan["may_wait"] is False and plan["notify"] is True
    can_refresh = bool(token.get("refreshable")) and token.get("status") != "valid"
    assert decided["log_in"] == decided["start"] == can_refresh
    assert decided["refresh_only"] is True and decided["force_device"] is False and decided["wait_pkce"] is False


@pytest.mark.parametrize(
    "local, terminal, environ, expected",
    [
        (True, True, {}, True),
        (True, True, {"CI": "false", "HOME": "/home/alice"}, True),
        (True, False, {}, False),  # a timer's ansible-pull, a pipeline: no terminal
        (False, True, {}, False),  # another host: nobody there
        (True, True, {"CI": "true"}, False),
        (True, True, {"JOB_ID": "42"}, False),  # AWX and Automation Platform
        (True, True, {"AWX_HOST": "https://awx.example.com"}, False),
    ],
)
def test_a_person_can_answer_only_at_a_terminal_of_a_local_run_that_is_no_job(local, terminal, environ, expected):
    assert person_can_answer(local, terminal, environ) is expected
    plan = run_plan(dict(login="auto"), False, attended=person_can_answer(local, terminal, environ))
    assert plan["may_wait"] is expected
    assert plan["notify"] is not expected


@pytest.mark.parametrize(
    "prune, discover, listed, first, again",
    [
        (False, True, [], False, False),
        (True, True, [], True, True),  # the module prunes only after a discovery that succeeded
        (True, False, [], False, True),  # an empty list never prunes
        (True, False, [{"name": "a", "sso_account_id": "1"}], True, True),
    ],
)
def test_when_the_config_writes_prune(prune, discover, listed, first, again):
    plan = run_plan(dict(prune=prune, discover=discover, profiles=listed), False, False)
    assert (plan["prune_first"], plan["prune"]) == (first, again)


def test_the_account_shortcut_is_in_the_listed_profiles():
    plan = run_plan(dict(default_profile="recrocog-admin", account_id="012345678901"), False, False)
    assert plan["profiles"] == [dict(name="recrocog-admin", sso_account_id="012345678901")]


@pytest.mark.parametrize(
    "config, check_only, exists, verify",
    [
        (config(login=dict(usable=True)), False, True, True),
        (config(login=dict(usable=True), names=("other",)), False, False, False),
        (config(login=dict(usable=False)), False, True, False),
        # In check mode only a profile already written is verified.
        (config(login=dict(usable=True), changes=[{"section": "profile recrocog-admin"}]), True, True, False),
        (config(login=dict(usable=True)), True, True, True),
        (dict(failed=True, msg="no"), False, False, False),
    ],
)
def test_the_default_profile_and_the_identity_check(config, check_only, exists, verify):
    plan = run_plan(dict(default_profile="recrocog-admin"), check_only, False)
    decided = steps(plan, config)
    assert decided["default_profile_exists"] is exists is default_profile_exists("recrocog-admin", config)
    assert decided["verify_identity"] is verify
    # The parts included after the shell: the identity, and the next step of a login that is not usable.
    usable = config.get("login", {}).get("usable", False)
    assert decided["after_the_shell"] == (["identity"] if verify else []) + ([] if usable else ["next-step"])
    assert decided["follow_up"] is not config.get("login", {}).get("usable", False)
    # The result and summary read the same rule.
    assert result(parts(config=config))["default_profile_exists"] is exists


@pytest.mark.parametrize(
    "mode, check_only, usable, expected",
    [
        ("auto", False, False, True),
        ("always", False, False, True),
        ("refresh", False, False, True),
        ("refresh", False, True, True),  # a scheduled run may warn before refreshing ends
        ("auto", False, True, False),
        # The person logs in elsewhere: the next step that works on the host all the same.
        ("never", False, False, True),
        ("never", False, True, False),
        # Only reporting (a drift report over a fleet): no look-up on each host.
        ("auto", True, False, False),
        ("auto", True, True, False),
    ],
)
def test_when_the_next_step_is_worked_out(mode, check_only, usable, expected):
    plan = run_plan(dict(login=mode), check_only, attended=False)
    assert steps(plan, config(login=dict(usable=usable)))["follow_up"] is expected


@pytest.mark.parametrize(
    "discover, usable, status, expected",
    [
        (True, True, "not_logged_in", True),
        (True, False, "not_logged_in", False),
        (True, True, "done", False),
        (False, True, "not_logged_in", False),
    ],
)
def test_the_config_is_written_again_after_a_new_login_only_to_discover(discover, usable, status, expected):
    plan = run_plan(dict(discover=discover), False, True)
    assert steps(plan, config(login=dict(usable=usable), discovery=dict(status=status)))["write_again"] is expected


def test_a_user_the_host_does_not_have_is_named_as_the_role_variable():
    message = "user: 'bob' is not an account on this host"
    assert failure_message(dict(failed=True, msg=message), "bob", "laptop1") == (
        'recro_sso_user: "bob" is not an account on laptop1 (user: \'bob\' is not an account on this host)'
    )
    assert failure_message(dict(msg="the disk is full"), "bob", "laptop1") == "the disk is full"
    assert failure_message(dict(reason="Could not find x.yml"), "bob", "laptop1") == "Could not find x.yml"


@pytest.mark.parametrize(
    "ends_at, expected",
    [
        ("2026-12-09T11:00:00Z", True),  # within three days
        ("2026-12-20T12:00:00Z", False),
        ("not a time", False),
        (None, False),
    ],
)
def test_a_login_that_ends_soon_is_warned_about(ends_at, expected):
    import datetime

    now = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc)
    plan = run_plan(dict(login="auto", login_warning_window=3 * 86400), False, attended=True)
    token = dict(usable=True, status="valid", ends_at=ends_at)
    assert steps(plan, config(login=token), now=now)["follow_up"] is expected


def test_the_login_shells_verified_are_in_the_result_and_summary_and_a_hang_is_a_warning():
    from ansible_collections.recro.aws_sso.plugins.plugin_utils._onboarding import result, verified_shell_lines

    verified = [
        dict(shell="bash", status="ok", printed=False, exported=["AWS_DEFAULT_PROFILE", "AWS_PROFILE"]),
        dict(shell="zsh", status="timed out", printed=False, exported=[]),
    ]
    res = result(dict(state="present", shell=dict(changed=False, files=[], verified=verified)))
    assert res["verified_shells"] == verified
    assert verified_shell_lines(res["verified_shells"]) == [
        "Shell bash (started as a login shell): ends with AWS_DEFAULT_PROFILE, AWS_PROFILE.",
        "Warning: shell zsh (started as a login shell): timed out.",
    ]
    failed = result(dict(state="present", shell=dict(failed=True, msg="x", verified=verified)))
    assert failed["verified_shells"] == []


@pytest.mark.parametrize(
    "given, message",
    [
        ({"session_name": "a b"}, 'recro_sso_session_name: "a b" is not a name every AWS tool reads'),
        ({"schedule": "every tuesday!"}, 'recro_sso_schedule: "every tuesday!" is not daily, hourly, weekly'),
        ({"pull_branch": "-x"}, 'recro_sso_pull_branch: "-x" is not a git branch or tag name'),
        ({"pull_playbook": "../x.yml"}, 'recro_sso_pull_playbook: "../x.yml" must be a relative path'),
        (
            {"pull_url": "https://ghp_secrettoken@git.example.com/w.git"},
            "recro_sso_pull_url: ",
        ),
    ],
)
def test_the_modules_rules_are_checked_before_any_task_writes_naming_the_role_variable(given, message):
    from ansible_collections.recro.aws_sso.plugins.plugin_utils._onboarding import setting_errors

    settings = dict(
        platform="Linux",
        default_profile="recrocog-admin",
        state="present",
        schedule="daily",
        pull_url="https://git.example.com/w.git",
        pull_branch="main",
        pull_playbook="playbooks/drift.yml",
        session_name="recro",
    )
    assert setting_errors(settings) == []
    errors = setting_errors(dict(settings, **given))
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert "secrettoken" not in errors[0]
    # Without a schedule, only the session name matters.
    if "session_name" not in given and "schedule" not in given:
        assert setting_errors(dict(settings, schedule=None, **given)) == []


# What every config write of the role takes, as the role's defaults give it (the settings check's
# option for each recro_sso_ variable is its name without the prefix), on Linux.
ROLE_DEFAULTS = yaml.safe_load((REPOSITORY / "roles" / "recro_sso" / "defaults" / "main.yml").read_text())
CONFIG_WRITE_SETTINGS = dict(
    {name[len("recro_sso_") :]: value for name, value in ROLE_DEFAULTS.items()}, platform="Linux"
)
CONTROL = "contains the control character U+000A"


@pytest.mark.parametrize(
    "given, message",
    [
        (
            {"start_url": "https://x.awsapps.com/start\nx=1"},
            'recro_sso_start_url: "https://x.awsapps.com/start\\nx=1" ',
        ),
        (
            {"start_url": "https://ghp_secrettoken@x.awsapps.com/start"},
            'recro_sso_start_url: "https://<user info>@x.awsapps.com/start" holds a user name or password',
        ),
        ({"session_region": "us east"}, 'recro_sso_session_region: "us east" is not an AWS Region name'),
        ({"registration_scopes": ["a", "b\nc"]}, 'recro_sso_registration_scopes[1]: "b\\nc" ' + CONTROL),
        ({"region": "us-east-1\nx"}, 'recro_sso_region: "us-east-1\\nx" ' + CONTROL),
        ({"output": "xml"}, 'recro_sso_output: "xml" is not an output format'),
        ({"role_name": "a b"}, 'recro_sso_role_name: "a b" is not a permission set name'),
        ({"profile_settings": {"cli_pager": "less\n[x]"}}, 'recro_sso_profile_settings.cli_pager: "less\\n[x]" '),
        ({"profile_settings": {"sso_start_url": "x"}}, 'recro_sso_profile_settings.sso_start_url: "x" belongs in'),
        ({"account_id": "12\n34"}, 'recro_sso_account_id: "12\\n34" ' + CONTROL),
        ({"account_id": "1234"}, 'recro_sso_account_id: "1234" is not an AWS account ID of exactly 12 digits'),
        # The role lists the account shortcut first: the item is named as recro_sso_profiles has it.
        (
            {
                "account_id": "012345678901",
                "profiles": [{"name": "ok", "sso_account_id": "012345678901"}, {"name": "b", "sso_account_id": "1"}],
            },
            'recro_sso_profiles[1].sso_account_id: "1" is not an AWS account ID',
        ),
        ({"profiles": [{"name": "a\nb", "sso_account_id": "012345678901"}]}, 'recro_sso_profiles[0].name: "a\\nb" '),
        ({"profile_name_template": "{nope}"}, 'recro_sso_profile_name_template: "{nope}" uses {nope}'),
        ({"config_path": "~/.aws/con\nfig"}, 'recro_sso_config_path: "~/.aws/con\\nfig" ' + CONTROL),
        ({"config_path": " ~/.aws/config"}, 'recro_sso_config_path: " ~/.aws/config" has leading or trailing'),
        (
            {"config_path": "aws/config"},
            'recro_sso_config_path: "aws/config" is not an absolute path or one under ~/ (the user\'s home)',
        ),
        (
            {"config_path": "~bob/.aws/config", "user": "alice"},
            'recro_sso_config_path: "~bob/.aws/config" is not an absolute path or one under ~/ (the home of user '
            "'alice')",
        ),
    ],
)
def test_what_every_config_write_takes_is_checked_by_its_rules_naming_the_role_variable(given, message):
    assert setting_errors(CONFIG_WRITE_SETTINGS) == []
    errors = setting_errors(dict(CONFIG_WRITE_SETTINGS, **given))
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert "secrettoken" not in errors[0]


@pytest.mark.parametrize("path", ["/etc/aws/config", "~/.aws/config", "~", "$HOME/.aws/config", "${XDG}/aws"])
def test_a_config_path_the_module_takes_passes_the_settings_check(path):
    # Variables are expanded on the host, as the user: the module checks what they give.
    assert setting_errors(dict(CONFIG_WRITE_SETTINGS, config_path=path)) == []


def test_the_config_write_s_rules_are_not_applied_when_offboarding_or_to_what_is_not_used():
    # Offboarding writes no profile; without discovery the template is not used.
    assert setting_errors(dict(CONFIG_WRITE_SETTINGS, state="absent", region="us east")) == []
    assert setting_errors(dict(CONFIG_WRITE_SETTINGS, discover=False, profile_name_template="{nope}")) == []


def test_a_bad_session_name_is_named_once():
    errors = setting_errors(dict(CONFIG_WRITE_SETTINGS, session_name="a b"))
    assert errors == [
        'recro_sso_session_name: "a b" is not a name every AWS tool reads: use letters, digits and _ . @ % + : - '
        "only, not starting with -."
    ]


# The summary and the fact line for line, as they are, under each condition that shows, hides or
# words a section otherwise: a change to how they are built must leave every one of them alone.
IN_PLACE = PATH + ": session recro and profiles recrocog-admin already in place."
NO_SHELL = (
    "Default profile recrocog-admin not exported: no supported shell (bash, zsh, fish) found for alice; set "
    "recro_sso_shells."
)
EXPIRED = dict(
    status="expired",
    usable=False,
    message="the login to sso-session recro expired: run `aws sso login --sso-session recro`",
)
VALID = dict(status="valid", usable=True, message="logged in")
CONFLICTS = [
    dict(path="/home/alice/.bashrc", line=3, variable="AWS_PROFILE", kind="assignment"),
    dict(path="/home/alice/.profile", line=7, variable="AWS_DEFAULT_PROFILE"),
]
VERIFIED = [
    dict(shell="bash", status="ok", exported=["AWS_PROFILE"]),
    dict(shell="zsh", status="timed out", exported=[]),
]
# What aws_sso_notify returns on a host whose AWS CLI is v1, having shown a notification.
# The next step where the AWS CLI was not looked up: the collection's own login, which works on every host.
NEXT_OWN_LOGIN_NOT_LOOKED_UP = (
    "Next: make onboard (or: ansible-playbook playbooks/onboard.yml -e recro_sso_login=always) (this run did not "
    "look up the AWS CLI on this host), then run this again: it finds your accounts and roles."
)
NOTIFIED = dict(
    changed=True,
    next_step="aws-sso-login recro",
    reason="this host's AWS CLI is v1",
    warning=None,
    message="log in",
    notification=dict(sent=True, reason=None),
)
# What the shell task returns the block exports (aws_sso_shell's exports).
EXPORTS = ["AWS_DEFAULT_PROFILE", "AWS_PROFILE"]
BASHRC_WRITTEN = dict(files=[dict(path="/home/alice/.bashrc", action="written")], exports=EXPORTS)


@pytest.mark.parametrize(
    "given, expected",
    [
        pytest.param(
            dict(
                state="absent",
                config=config(names=()),
                shell=dict(files=[], conflicts=CONFLICTS, verified=VERIFIED),
                login=EXPIRED,
                logout=dict(failed=True, msg="no login file"),
                next_step=NOTIFIED,
            ),
            [PATH + ": no profile of session recro left.", "No shell block left.", "Logout: failed (no login file)."],
            id="offboarded-with-nothing-left",
        ),
        pytest.param(
            dict(
                state="absent",
                check_mode=True,
                config=config(names=(), removed_profiles=["a", "b"], removed_sessions=["recro"]),
                shell=dict(
                    files=[
                        dict(path="/home/alice/.bashrc", action="removed"),
                        dict(path="/home/alice/.zshrc", action="removed"),
                    ]
                ),
                logout=dict(removed=["x.json", "y.json"], service_logout=False, service_logout_error="HTTP 500"),
            ),
            [
                PATH + ": profiles would be removed: a, b; session recro would be removed.",
                "Shell blocks would be removed from /home/alice/.bashrc, /home/alice/.zshrc.",
                "Logout: 2 login file(s) would be removed; the portal's Logout was not done (HTTP 500).",
            ],
            id="offboarding-in-check-mode",
        ),
        pytest.param(
            dict(
                state="absent",
                config=config(names=(), removed_profiles=["a"]),
                logout=dict(removed=[], service_logout=False),
            ),
            [
                PATH + ": profiles removed: a.",
                "No shell block left.",
                "Logout: 0 login file(s) removed; the portal's Logout was not done (no valid token).",
            ],
            id="offboarded-keeping-the-session",
        ),
        pytest.param(
            dict(state="absent", manage_shell=False, config=config(names=())),
            [PATH + ": no profile of session recro left."],
            id="offboarded-without-managing-the-shell",
        ),
        pytest.param(dict(manage_shell=False, shell=BASHRC_WRITTEN), [IN_PLACE], id="shell-not-managed"),
        pytest.param(
            dict(check_mode=True, shell=dict(BASHRC_WRITTEN, conflicts=CONFLICTS, verified=VERIFIED)),
            [
                IN_PLACE,
                "Default profile recrocog-admin would be exported (AWS_DEFAULT_PROFILE, AWS_PROFILE) in "
                "/home/alice/.bashrc; open a new shell to use it.",
                "Warning: /home/alice/.bashrc:3: AWS_PROFILE assignment (after the managed block: it wins over the "
                "default profile).",
                "Warning: /home/alice/.profile:7: AWS_DEFAULT_PROFILE (after the managed block: it wins over the "
                "default profile).",
                "Shell bash (started as a login shell): ends with AWS_PROFILE.",
                "Warning: shell zsh (started as a login shell): timed out.",
            ],
            id="shell-in-check-mode-with-conflicts-and-verified-shells",
        ),
        pytest.param(
            dict(shell=dict(files=[dict(path="/home/alice/.bashrc", action="unchanged")], exports=EXPORTS)),
            [
                IN_PLACE,
                "Default profile recrocog-admin already exported (AWS_DEFAULT_PROFILE, AWS_PROFILE) in "
                "/home/alice/.bashrc.",
            ],
            id="shell-already-exporting",
        ),
        pytest.param(dict(), [IN_PLACE, NO_SHELL], id="no-supported-shell"),
        pytest.param(
            dict(config=config(names=("other", "more"))),
            [
                PATH + ": session recro and profiles other, more already in place.",
                "Default profile recrocog-admin not exported: it is not in /home/alice/.aws/config (an export of a "
                "missing profile breaks every aws command), so no shell block is kept.",
                "Next: no profile recrocog-admin: set recro_sso_default_profile to one of other, more.",
            ],
            id="default-profile-not-in-the-config",
        ),
        pytest.param(
            dict(config=config(names=())),
            [
                PATH + ": session recro already in place; no profiles yet (none discovered, none in "
                "recro_sso_profiles or recro_sso_account_id).",
                "Default profile recrocog-admin not exported: it is not in /home/alice/.aws/config (an export of a "
                "missing profile breaks every aws command), so no shell block is kept.",
                "Next: no profile recrocog-admin: set recro_sso_default_profile to one of your profiles.",
            ],
            id="no-profile-at-all",
        ),
        pytest.param(
            dict(login=EXPIRED, discover=False, next_step=NOTIFIED),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: the login to sso-session recro expired: run `aws-sso-login recro`.",
                "Notification: shown on the desktop of alice.",
                "Next: aws-sso-login recro (this host's AWS CLI is v1), then run this again.",
            ],
            id="the-next-step-aws-sso-notify-found",
        ),
        pytest.param(
            dict(
                login=VALID,
                discover=False,
                next_step=dict(
                    NOTIFIED,
                    reason=None,
                    warning="refreshing ends on 2026-12-09: log in before then",
                    notification=dict(sent=False, reason="no desktop"),
                ),
            ),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: logged in.",
                "Warning: refreshing ends on 2026-12-09: log in before then",
                "Notification: not shown (no desktop).",
            ],
            id="a-warning-and-a-notification-not-shown",
        ),
        pytest.param(
            dict(check_mode=True, login=EXPIRED, next_step=dict(NOTIFIED, next_step=None, reason=None)),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: the login to sso-session recro expired: run `aws sso login --sso-session recro`.",
                "Notification: would be shown on the desktop of alice.",
                "Next: aws sso login --sso-session recro, then run this again: it finds your accounts and roles.",
            ],
            id="a-notification-in-check-mode",
        ),
        pytest.param(
            dict(login=EXPIRED, next_step=dict(NOTIFIED, message=None)),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: the login to sso-session recro expired: run `aws-sso-login recro`.",
                "Next: aws-sso-login recro (this host's AWS CLI is v1), then run this again: it finds your accounts "
                "and roles.",
            ],
            id="no-notification-without-a-message",
        ),
        pytest.param(
            dict(login=dict(usable=False)),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: not usable.",
                NEXT_OWN_LOGIN_NOT_LOOKED_UP,
            ],
            id="a-login-without-a-message",
        ),
        pytest.param(
            dict(login=VALID, discovery=dict(status="done", profiles=[])),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: logged in.",
                "Discovery: 0 profile(s) for the accounts and roles of the login.",
            ],
            id="a-discovery-of-nothing",
        ),
        pytest.param(
            dict(login=VALID),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: logged in.",
                "Discovery: not done (no result); only the listed profiles were written.",
            ],
            id="a-discovery-that-did-not-run",
        ),
        pytest.param(
            dict(login=VALID, discover=False, discovery=dict(status="done", profiles=[{"name": "x"}])),
            [IN_PLACE, NO_SHELL, "Login: logged in."],
            id="discovery-not-asked-for",
        ),
        pytest.param(
            dict(login=EXPIRED, discovery=dict(status="done", profiles=[{"name": "x"}])),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: the login to sso-session recro expired: run `make onboard` "
                "(or: `ansible-playbook playbooks/onboard.yml -e recro_sso_login=always`).",
                NEXT_OWN_LOGIN_NOT_LOOKED_UP,
            ],
            id="no-discovery-line-when-not-logged-in",
        ),
        pytest.param(
            dict(login=VALID, discover=False, identity=dict(changed=False)),
            [IN_PLACE, NO_SHELL, "Login: logged in."],
            id="an-identity-without-arn-or-message",
        ),
        pytest.param(
            dict(login=EXPIRED, discover=False, next_step=dict(NOTIFIED, next_step=OWN_LOGIN)),
            [
                IN_PLACE,
                NO_SHELL,
                "Login: the login to sso-session recro expired: run `make onboard` (or: `ansible-playbook "
                "playbooks/onboard.yml -e recro_sso_login=always`).",
                "Notification: shown on the desktop of alice.",
                "Next: make onboard (or: ansible-playbook playbooks/onboard.yml -e recro_sso_login=always) (this "
                "host's AWS CLI is v1), then run this again.",
            ],
            id="the-collections-own-login-each-command-in-backticks",
        ),
        pytest.param(
            dict(login=VALID, discover=False, identity=dict(account="1", msg="no arn")),
            [IN_PLACE, NO_SHELL, "Login: logged in.", "Identity: not verified (no arn)."],
            id="an-identity-without-arn",
        ),
        pytest.param(
            dict(schedule=dict(changed=True, files=["t"], msg="written: t")),
            [IN_PLACE, NO_SHELL, "Schedule: written: t"],
            id="a-schedule-with-a-message",
        ),
        pytest.param(
            dict(schedule=dict(failed=True)), [IN_PLACE, NO_SHELL, "Schedule: failed"], id="a-failed-schedule"
        ),
        pytest.param(dict(schedule=dict(changed=False)), [IN_PLACE, NO_SHELL, "Schedule: done"], id="a-schedule-done"),
        pytest.param(
            dict(logout=dict(removed=["x.json"], service_logout=False)),
            [IN_PLACE, NO_SHELL, "Logout: 1 login file(s) removed; the portal's Logout was not done (no valid token)."],
            id="a-logout-without-a-token",
        ),
    ],
)
def test_the_summary_line_for_line(given, expected):
    _res, lines = run(**given)
    assert lines == expected


REGION = dict(section="profile recrocog-admin", key="region", before=None, after="us-east-1", action="add")


def test_the_fact_of_an_onboarding_key_for_key():
    res, lines = run(
        config=config([REGION]),
        # A config write that failed adds no drift.
        configs=[dict(failed=True, msg="locked"), config([REGION])],
        login=dict(status="valid", expires_at=None, message="logged in", usable=True, extra="x"),
        discovery=dict(status="done", profiles=[{"name": "recrocog-admin"}]),
        identity=dict(account="111111111111", arn="arn:aws:sts::111111111111:assumed-role/x/alice", user_id="u"),
        shell=dict(
            changed=True,
            files=[
                dict(path="/home/alice/.bashrc", action="written"),
                dict(path="/home/alice/.zshrc", action="removed"),
            ],
            conflicts=CONFLICTS[:1],
            verified=VERIFIED[:1],
            exports=EXPORTS,
        ),
        schedule=dict(changed=True, files=["t"], command=["ansible-pull"], msg="written: t"),
        logout=dict(removed=["x.json"], service_logout=False, service_logout_error="HTTP 500"),
        next_step=NOTIFIED,
    )
    assert res == {
        "state": "present",
        "user": "alice",
        "platform": "Linux",
        "check_mode": False,
        "config_path": PATH,
        "session": "recro",
        "profiles": ["recrocog-admin"],
        "removed_profiles": [],
        "removed_sessions": [],
        "profile_names": ["recrocog-admin"],
        "default_profile": "recrocog-admin",
        "default_profile_exists": True,
        "login": {"status": "valid", "message": "logged in"},
        "discovered_profiles": ["recrocog-admin"],
        "identity": {"account": "111111111111", "arn": "arn:aws:sts::111111111111:assumed-role/x/alice"},
        "shell_blocks_present": True,
        "shell_files": ["/home/alice/.bashrc"],
        "exports": EXPORTS,
        "conflicts": CONFLICTS[:1],
        "verified_shells": VERIFIED[:1],
        "schedule": {"files": ["t"], "command": ["ansible-pull"], "msg": "written: t"},
        "logout": {"removed": ["x.json"], "service_logout": False, "service_logout_error": "HTTP 500"},
        "next_step": {
            "command": "aws-sso-login recro",
            "reason": "this host's AWS CLI is v1",
            "warning": None,
            "notification": {"sent": True, "reason": None},
        },
        "drift": [
            dict(
                REGION,
                what="config",
                path=PATH,
                message=PATH + ': [profile recrocog-admin] region: (absent) -> "us-east-1"',
            ),
            {
                "path": "/home/alice/.bashrc",
                "action": "write",
                "what": "shell",
                "message": "/home/alice/.bashrc: the managed block differs from the settings (write)",
            },
            {
                "path": "/home/alice/.zshrc",
                "action": "remove",
                "what": "shell",
                "message": "/home/alice/.zshrc: the managed block must go (remove)",
            },
            {
                "what": "schedule",
                "action": "write",
                "files": ["t"],
                "message": "the scheduled ansible-pull run differs from the settings (write): t",
            },
        ],
    }
    assert lines == [
        PATH + ": session recro and profiles recrocog-admin written.",
        "Default profile recrocog-admin exported (AWS_DEFAULT_PROFILE, AWS_PROFILE) in /home/alice/.bashrc; open a "
        "new shell to use it.",
        "Warning: /home/alice/.bashrc:3: AWS_PROFILE assignment (after the managed block: it wins over the default "
        "profile).",
        "Shell bash (started as a login shell): ends with AWS_PROFILE.",
        "Login: logged in.",
        "Discovery: 1 profile(s) for the accounts and roles of the login: recrocog-admin.",
        "Identity: profile recrocog-admin signs in as arn:aws:sts::111111111111:assumed-role/x/alice (account "
        "111111111111).",
        "Schedule: written: t",
        "Logout: 1 login file(s) removed; the portal's Logout was not done (HTTP 500).",
        "Notification: shown on the desktop of alice.",
    ]


# The fact when no task did anything.
NOTHING_DONE = {
    "state": "present",
    "user": None,
    "platform": None,
    "check_mode": False,
    "config_path": None,
    "session": None,
    "profiles": [],
    "removed_profiles": [],
    "removed_sessions": [],
    "profile_names": [],
    "default_profile": None,
    "default_profile_exists": False,
    "exports": [],
    "login": {},
    "discovered_profiles": [],
    "identity": {},
    "shell_blocks_present": False,
    "shell_files": [],
    "conflicts": [],
    "verified_shells": [],
    "schedule": {},
    "logout": {},
    "next_step": {"command": OWN_LOGIN, "reason": None, "warning": None, "notification": {}},
    "drift": [],
}


def test_the_fact_of_nothing_given_is_onboarding_with_nothing_done():
    assert result(dict(shell=dict(files=[]))) == NOTHING_DONE


def test_the_fact_of_an_offboarding_key_for_key():
    res, lines = run(
        state="absent",
        manage_shell=False,
        config=config(names=(), removed_profiles=["a"], removed_sessions=["recro"]),
        discovery=dict(status="done", profiles=[{"name": "recrocog-admin"}]),
        shell=dict(changed=True, files=[dict(path="/home/alice/.bashrc", action="removed")]),
        # A schedule that changes while offboarding is its removal, not drift.
        schedule=dict(changed=True, files=["t"]),
        logout=dict(failed=True, msg="no"),
        next_step=dict(NOTIFIED, next_step=None, message=None),
    )
    assert res == dict(
        NOTHING_DONE,
        state="absent",
        user="alice",
        platform="Linux",
        config_path=PATH,
        session="recro",
        removed_profiles=["a"],
        removed_sessions=["recro"],
        default_profile="recrocog-admin",
        schedule={"files": ["t"], "command": [], "msg": None},
        next_step={
            "command": "aws sso login --sso-session recro",
            "reason": "this host's AWS CLI is v1",
            "warning": None,
            "notification": {},
        },
        drift=[
            {
                "path": "/home/alice/.bashrc",
                "action": "remove",
                "what": "shell",
                "message": "/home/alice/.bashrc: the managed block must go (remove)",
            }
        ],
    )
    assert lines == [PATH + ": profiles removed: a; session recro removed.", "Schedule: done", "Logout: failed (no)."]


def test_a_shell_not_managed_has_no_block_present_though_the_files_are_listed():
    res, _lines = run(manage_shell=False, shell=BASHRC_WRITTEN)
    assert (res["shell_blocks_present"], res["shell_files"]) == (False, ["/home/alice/.bashrc"])


def test_the_schedule_options_are_worked_out_once_for_the_check_and_the_task():
    settings = dict(state="present", schedule="daily", pull_url="https://g/x.git", user="alice", platform="Linux")
    settings.update(pull_branch="main", pull_playbook="playbooks/drift.yml")
    # Left alone: no schedule setting, or offboarding (its own task removes the schedule).
    assert schedule_options(dict(settings, schedule=None)) is None
    assert schedule_options(dict(settings, state="absent")) is None
    common = dict(
        pull_branch="main",
        pull_playbook="playbooks/drift.yml",
        pull_extra_vars={"recro_sso_login": "refresh"},
        platform="Linux",
        user="alice",
    )
    # never removes it: nothing to check on the host, no schedule or pull to pass.
    assert schedule_options(dict(settings, schedule="never")) == dict(common, state="absent")
    assert schedule_options(settings) == dict(common, state="present", schedule="daily", pull_url="https://g/x.git")


@pytest.mark.parametrize(
    "result, sentence",
    [
        ({"changed": False}, None),
        (
            {"failed": True, "msg": "schedule: 'foo bar' is not a systemd calendar expression: x; nothing was changed"},
            "recro_sso_schedule: 'foo bar' is not a systemd calendar expression: x.",
        ),
        (
            {"failed": True, "msg": "ansible_pull: '/v/bin/ansible-pull' cannot be run by user 'alice'"},
            'recro_sso_schedule: the schedule cannot be installed for user "alice": ansible_pull: '
            "'/v/bin/ansible-pull' cannot be run by user 'alice'.",
        ),
    ],
)
def test_a_failed_schedule_check_names_the_roles_variable(result, sentence):
    assert schedule_check_error(result, "alice") == sentence


@pytest.mark.parametrize(
    "changes, error",
    [
        (dict(login_timeout=-1), "recro_sso_login_timeout: -1 is not a number of seconds from 0 to 31622400 (a year)."),
        (dict(login_timeout="soon"), 'recro_sso_login_timeout: "soon" is not a number of seconds from 0 to'),
        (
            dict(login_warning_window=-1),
            "recro_sso_login_warning_window: -1 is not a number of seconds from 0 to 31622400 (a year).",
        ),
        (
            dict(login_warning_window=99999999999),
            "recro_sso_login_warning_window: 99999999999 is not a number of seconds from 0 to 31622400 (a year).",
        ),
        (dict(discover=True, discover_query="length(("), 'recro_sso_discover_query: "length((" is not a JMESPath'),
    ],
)
def test_login_and_discovery_settings_are_checked_before_any_write(changes, error):
    settings = dict(platform="Linux", default_profile="recrocog-admin", state="present", login_timeout=600)
    errors = setting_errors(dict(settings, **changes))
    assert len(errors) == 1 and errors[0].startswith(error), errors
    assert setting_errors(dict(settings, discover=False, discover_query="length((")) == []
    assert setting_errors(dict(settings, login_timeout="600")) == []
