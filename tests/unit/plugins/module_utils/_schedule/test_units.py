# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The schedule's files: validation, quoting, and the real systemd-analyze and plistlib reading them."""

from __future__ import annotations

import json
import os
import pathlib
import plistlib
import shutil
import subprocess

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units as schedule
from ansible_collections.recro.aws_sso.tests.support.systemd import analyze_verify, exec_argv

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed (Debian package systemd)")
HOSTILE = 'a$b ${HOME} %h "q" \\ ; `x` \'s'


def files(tmp_path, platform="Linux", extra_vars=None, environment=None, when="daily"):
    layout = schedule.Layout(str(tmp_path), platform)
    command = schedule.pull_command(
        "/usr/bin/ansible-pull",
        "file:///srv/repo.git",
        "main",
        "playbooks/drift.yml",
        extra_vars or {},
        layout.checkout,
    )
    return layout, command, schedule.render_files(layout, command, when, 3600, environment or {})


@pytest.mark.parametrize(
    "parameter, function, value",
    [
        ("pull_url", schedule.validate_pull_url, "https://user:secret@git.example.com/r.git"),
        ("pull_url", schedule.validate_pull_url, "https://git.example.com/r.git\nExecStartPre=/bin/evil"),
        ("pull_url", schedule.validate_pull_url, "--upload-pack=/bin/evil"),
        ("pull_url", schedule.validate_pull_url, "not a url"),
        ("pull_branch", schedule.validate_branch, "-x"),
        ("pull_branch", schedule.validate_branch, "main\n"),
        ("pull_playbook", schedule.validate_playbook, "../etc/x.yml"),
        ("pull_playbook", schedule.validate_playbook, "/abs.yml"),
        ("pull_playbook", schedule.validate_playbook, "-e.yml"),
        ("pull_playbook", schedule.validate_playbook, "my playbooks/drift.yml"),
        ("pull_url", schedule.validate_pull_url, "https://git.example.com/my repo.git"),
        ("pull_url", schedule.validate_pull_url, "https://git.example.com/r'.git"),
        ("schedule", lambda value: schedule.validate_schedule(value, None), "daily\nExecStart=/bin/evil"),
        ("schedule", lambda value: schedule.validate_schedule(value, None), "%h"),
    ],
)
def test_invalid_values_are_refused_naming_the_parameter(parameter, function, value):
    with pytest.raises(ParameterError) as caught:
        function(value)
    assert str(caught.value).startswith(parameter + ":")


@pytest.mark.parametrize(
    "url, secret, shown",
    [
        ("https://user:secret@git.example.com/r.git", "user:secret", "https://<user info>@git.example.com/r.git"),
        ("https://ghp_secrettoken@github.com/o/r.git", "ghp_secrettoken", "https://<user info>@github.com/o/r.git"),
        ("HTTP://secret@h.example/r", "secret", "HTTP://<user info>@h.example/r"),
        ("git://secret@h.example/r", "secret", "git://<user info>@h.example/r"),
        ("ssh://git:secret@h.example/r.git", "secret", "ssh://<user info>@h.example/r.git"),
        ("git:secret@github.com:o/r.git", "secret", "<user info>@github.com:o/r.git"),
        ("git:secret@github.com:o/r.git\nx", "secret", "<user info>@github.com:o/r.git\nx"),
        ("https://a:b@c@h.example/r", "a:b@c", "https://<user info>@h.example/r"),
        # Wherever the URL stands in the value: the refusal names the user info before any other problem.
        (" https://ghp_secret@github.com/o/r", "ghp_secret", " https://<user info>@github.com/o/r"),
        ("x https://secret@h.example/r", "secret", "x https://<user info>@h.example/r"),
        ("user:secret@h.example:https://o/r", "secret", "<user info>@h.example:https://o/r"),
        ("https://pass word@h.example/r", "pass word", "https://<user info>@h.example/r"),
        # An "@" in the password of git's scp-like form: all before the last "@" is hidden.
        ("user:p@secret@github.com:org/repo.git", "p@secret", "<user info>@github.com:org/repo.git"),
        ("user:secret@[::1]:org/repo", "secret", "<user info>@[::1]:org/repo"),
        # One slash after the scheme: no URL to git, hidden from the scheme's ":" on.
        ("https:/user:secret@github.com/org/repo.git", "/user:secret", "https:<user info>@github.com/org/repo.git"),
        ("https:user:secret@github.com/org/repo.git", "user:secret", "<user info>@github.com/org/repo.git"),
        # A "/" in the password: where the host ends is ambiguous; up to the last "@" is hidden.
        ("https://user:sec/ret@github.com/org/repo.git", "user:sec/ret", "https://<user info>@github.com/org/repo.git"),
        ("https://github.com/org/secret@x/repo.git", "github.com/org/secret", "https://<user info>@x/repo.git"),
        ("ssh://git@github.com/o/secret@x/r.git", "git@github.com/o/secret", "ssh://<user info>@x/r.git"),
        ("git@github.com:o/secret@x.git", "o/secret", "<user info>@x.git"),
        ("gi t:secret@github.com:o/r.git", "secret", "<user info>@github.com:o/r.git"),
    ],
)
def test_credentials_in_any_form_are_refused_and_never_shown(url, secret, shown):
    assert schedule.url_credentials(url) == secret
    with pytest.raises(ParameterError) as caught:
        schedule.validate_pull_url(url)
    assert secret not in str(caught.value) and "secret" not in str(caught.value)
    assert str(caught.value).startswith("pull_url: {0!r} carries credentials".format(shown))


@pytest.mark.parametrize(
    "url",
    ["ssh://git@h.example/r.git", "git@github.com:o/r.git", "github.com:o/r.git", "file:///srv/r.git", "https://h/r"],
)
def test_an_ssh_user_name_alone_is_no_credential(url):
    assert schedule.url_credentials(url) is None
    assert schedule.validate_pull_url(url) == url


@pytest.mark.parametrize(
    "url", ["https:/github.com/org/repo.git", "HTTPS:/github.com/o/r", "file:/srv/r.git", "ssh:/h/r", "https:h/r"]
)
def test_a_scheme_without_two_slashes_is_not_a_git_url(url):
    # git would take the scheme for the host of its scp-like form.
    assert schedule.url_credentials(url) is None
    with pytest.raises(ParameterError, match=r"^pull_url: .* is not a git URL"):
        schedule.validate_pull_url(url)


@pytest.mark.parametrize("url", ["myhost:/srv/r.git", "git.example.com:/srv/r.git", "deploy_1.x-y@h.example:o/r"])
def test_an_scp_like_url_with_an_absolute_path_or_a_plain_user_is_one(url):
    assert schedule.validate_pull_url(url) == url


def test_the_macos_checkout_has_no_space_for_ansible_pull():
    layout = schedule.Layout("/Users/alice", "Darwin")
    assert layout.checkout == "/Users/alice/.local/state/recro-aws-sso/checkout"
    with pytest.raises(ParameterError, match="user: '/Users/Alice Smith/.local/state/recro-aws-sso/checkout' the"):
        schedule.validate_unsplittable("user", schedule.Layout("/Users/Alice Smith", "Darwin").checkout, "the checkout")


@needs_analyze
def test_calendar_expressions_are_checked_by_systemd():
    assert schedule.validate_schedule("Mon..Fri 09:00", ANALYZE) == "Mon..Fri 09:00"
    with pytest.raises(ParameterError, match="not a systemd calendar expression"):
        schedule.validate_schedule("Mon..Fry 9", ANALYZE)


@pytest.mark.parametrize("extra_vars", [{"bad key": 1}, {"-x": 1}, {"k": [1]}, {"k": "a\nb"}])
def test_extra_vars_must_be_names_and_scalars(extra_vars):
    with pytest.raises(ParameterError):
        schedule.validate_extra_vars(extra_vars)


def test_hostile_values_come_back_as_one_argument(tmp_path):
    layout, command, rendered = files(tmp_path, extra_vars={"note": HOSTILE}, environment={"V": HOSTILE})
    service = rendered[layout.service]
    lines = service.splitlines()
    exec_start = [line for line in lines if line.startswith("ExecStart=")]
    assert len(exec_start) == 1
    assert exec_argv(exec_start[0][len("ExecStart=") :]) == command
    assert json.loads(command[-2])["note"] == HOSTILE
    assert "%%h" in service and "%h" not in service.replace("%%h", "")


@needs_analyze
def test_units_pass_systemd_analyze_verify(tmp_path):
    layout, _command, rendered = files(
        tmp_path, extra_vars={"note": HOSTILE}, environment={"V": HOSTILE}, when="Mon..Fri 09:00"
    )
    timer = tmp_path / schedule.TIMER_NAME
    timer.write_text(rendered[layout.timer])
    completed = analyze_verify(rendered[layout.service], timer, tmp_path, ANALYZE, shutil.which("true"))
    assert completed.returncode == 0, completed.stdout


def test_plist_has_what_launchd_needs(tmp_path):
    layout, command, rendered = files(tmp_path, platform="Darwin", extra_vars={"note": HOSTILE})
    document = plistlib.loads(rendered[layout.plist].encode("utf-8"))
    assert document["Label"] == "com.recro.aws-sso.pull"
    assert document["StartCalendarInterval"] == {"Hour": 0, "Minute": 0}
    assert document["RunAtLoad"] is False
    assert document["StandardOutPath"].endswith("/Library/Logs/recro-aws-sso/pull.log")
    arguments = document["ProgramArguments"]
    assert arguments[:2] == ["/bin/sh", "-c"]
    # The shell reads the command back as the same argv (printf instead of exec ansible-pull).
    script = arguments[2].replace("exec ", "exec printf '%s\\n' ", 1).replace("sleep $((", "true $((", 1)
    printed = subprocess.run(["/bin/sh", "-c", script], stdout=subprocess.PIPE, universal_newlines=True, check=True)
    assert printed.stdout.split("\n")[:-1] == command


def test_launchd_takes_only_the_three_words():
    with pytest.raises(ParameterError, match="on macOS"):
        schedule.launchd_interval("Mon..Fri 09:00")


@pytest.mark.parametrize(
    "url", ["file:///srv/repo{{7*7}}", "https://git.example.com/{%raw%}x.git", "git@git.example.com:{%c%}/x.git"]
)
def test_a_template_in_the_pull_url_is_refused(url):
    # ansible-pull's git step is an ad-hoc task: Ansible would template the URL on every run.
    with pytest.raises(ParameterError, match=r"pull_url: .* holds '\{\{', '\{%' or '\{#'"):
        schedule.validate_pull_url(url)


def test_a_template_in_an_extra_variable_is_refused():
    with pytest.raises(ParameterError, match=r"^pull_extra_vars\.note: .* holds '\{\{'"):
        schedule.validate_extra_vars({"note": "{{ lookup('pipe', 'id') }}"})
    assert schedule.validate_extra_vars({"note": "a { b } ${HOME} %h"}) == {"note": "a { b } ${HOME} %h"}


@pytest.mark.parametrize("ansible_pull", ["/opt/my tools/ansible-pull", "/opt/{{x}}/ansible-pull"])
def test_an_ansible_pull_path_the_git_step_cannot_use_is_refused(tmp_path, ansible_pull):
    params = dict(
        pull_url="https://git.example.com/laptops.git",
        pull_branch="main",
        pull_playbook="playbooks/drift.yml",
        pull_extra_vars={},
        ansible_pull=ansible_pull,
        schedule="daily",
        randomized_delay=0,
        environment={},
    )
    with pytest.raises(ParameterError, match=r"^ansible_pull: "):
        schedule.planned_files(params, schedule.Layout(str(tmp_path), "Linux"))


def test_a_diff_of_a_schedule_file_shows_no_credentials_and_no_environment_value(tmp_path):
    layout, _command, rendered = files(tmp_path, environment={"GITHUB_TOKEN": "ghp_fromtheenvironment"})
    # A service as a version that did not yet refuse URLs with credentials wrote it.
    old = rendered[layout.service].replace("file:///srv/repo.git", "https://ghp_SECRETTOKEN9@github.com/o/r.git")
    shown = schedule.shown_file(
        old
        + "ExecStart=/bin/x --url git:pAssw0rd@git.example.com:o/r.git\n"
        + 'ExecStart="/bin/x" "u:p@sSCPAT@h.example:o/r" "https:/u:ONESLASH@h/r" "https://u:SL/ASH@h/r" "a@b"\n'
    )
    for secret in ("SECRETTOKEN9", "pAssw0rd", "ghp_fromtheenvironment", "SCPAT", "ONESLASH", "SL/ASH"):
        assert secret not in shown
    # Each quoted word on its own: a later word's "@" hides nothing of the words before it.
    assert '"<user info>@h.example:o/r" "https:<user info>@h/r" "https://<user info>@h/r" "a@b"' in shown
    assert '"https://<user info>@github.com/o/r.git"' in shown and "<user info>@git.example.com:o/r.git" in shown
    assert 'Environment="GITHUB_TOKEN=<hidden>"' in shown
    # What carries no secret is shown as it is.
    assert schedule.shown_file(rendered[layout.timer]) == rendered[layout.timer]


@pytest.mark.parametrize(
    "line",
    [
        "Environment='GITHUB_TOKEN=SECRET1'",
        "Environment = GITHUB_TOKEN=SECRET1",
        "  Environment=GITHUB_TOKEN=SECRET1",
        'Environment="A=1" \\\n  "GITHUB_TOKEN=SECRET1"',
        'Environment=" GITHUB_TOKEN=SECRET1"',
        "SetCredential=github:SECRET1",
        "SetCredentialEncrypted = github: SECRET1",
    ],
    ids=["single quotes", "blanks around =", "indented", "continued", "no name first", "credential", "encrypted"],
)
def test_a_diff_hides_an_environment_value_in_every_form_systemd_reads(line):
    """A unit edited by hand, in forms systemd reads as the module never writes them."""
    text = "[Service]\n" + line + "\nExecStart=/bin/true\n"

    shown = schedule.shown_file(text)

    assert "SECRET1" not in shown and "<hidden>" in shown
    assert shown.startswith("[Service]\n") and shown.endswith("\nExecStart=/bin/true\n")


def test_a_diff_of_a_plist_shows_no_environment_value_and_the_rest_as_it_is(tmp_path):
    environment = {"GITHUB_TOKEN": "ghp_fromtheenvironment", "ANSIBLE_COLLECTIONS_PATH": "/opt/collections"}
    layout, _command, rendered = files(tmp_path, "Darwin", environment=environment)
    plist = rendered[layout.plist]

    shown = schedule.shown_file(plist)

    assert "ghp_fromtheenvironment" not in shown and "/opt/collections" not in shown
    assert "<key>GITHUB_TOKEN</key>\n\t\t<string><hidden></string>" in shown
    # Only the values are hidden: with them put back (in the plist's order of names), it is the plist itself.
    for name in sorted(environment):
        shown = shown.replace("<string><hidden></string>", "<string>{0}</string>".format(environment[name]), 1)
    assert shown == plist
    # Without an environment, nothing is hidden.
    layout, _command, rendered = files(tmp_path, "Darwin")
    assert schedule.shown_file(rendered[layout.plist]) == rendered[layout.plist]


BRANCHES = ["main", "release/1.2", "v1.0.0", "a.lock", "a/", "/a", "a//b", ".a", "main.", "x/.y", "a@{1}", "a..b"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git check-ref-format is the oracle")
@pytest.mark.parametrize("branch", BRANCHES)
def test_a_branch_is_accepted_exactly_when_git_accepts_it(branch):
    git = subprocess.run(["git", "check-ref-format", "--branch", branch], capture_output=True, check=False)
    if git.returncode == 0:
        assert schedule.validate_branch(branch) == branch
    else:
        with pytest.raises(ParameterError, match="is not a git branch or tag name"):
            schedule.validate_branch(branch)


def test_a_config_path_with_a_line_break_is_refused_naming_path(tmp_path):
    params = dict(
        pull_url="https://git.example.com/laptops.git",
        pull_branch="main",
        pull_playbook="playbooks/drift.yml",
        pull_extra_vars={},
        ansible_pull="/usr/bin/ansible-pull",
        schedule="daily",
        randomized_delay=0,
        environment={},
    )
    with pytest.raises(ParameterError, match=r"^path: "):
        schedule.planned_files(params, schedule.Layout(str(tmp_path), "Linux"), config_file="/tmp/cfg\nx")


@pytest.mark.parametrize(
    "url",
    [
        "https://git.example.com/o/r.git?access_token=ghp_SECRET",
        "https://git.example.com/o/r.git#ghp_SECRET",
        "git@github.com:o/r.git#ghp_SECRET",
        "github.com:o/r.git?token=ghp_SECRET",
        "ssh://git@github.com/o/r.git?ghp_SECRET",
    ],
)
def test_a_query_string_or_fragment_in_a_pull_url_of_any_form_is_refused_without_showing_it(url):
    with pytest.raises(ParameterError) as refused:
        schedule.validate_pull_url(url)
    assert "ghp_SECRET" not in str(refused.value) and str(refused.value).startswith("pull_url: ")


@pytest.mark.parametrize(
    "parameter, check",
    [
        ("pull_branch", schedule.validate_branch),
        ("pull_extra_vars.team", lambda value: schedule.validate_extra_vars({"team": value})),
    ],
)
def test_a_line_break_is_refused_in_the_words_every_value_is(parameter, check):
    # One rule for every value the collection writes (_common.checks.check_single_line): one message.
    with pytest.raises(ParameterError) as refused:
        check("main\nExecStartPre=/bin/sh")
    assert str(refused.value) == (
        "{0}: 'main\\nExecStartPre=/bin/sh' contains the control character U+000A: line breaks and control "
        "characters could add lines to the files it is written to, so they are refused".format(parameter)
    )


@pytest.mark.parametrize(
    "value, problem",
    [
        ("ghp_0123SECRET\n", "contains the control character U+000A"),
        (12345, "must be a string"),
    ],
    ids=["a token read from a file, with its line break", "a number"],
)
def test_an_environment_value_is_refused_by_the_same_rule_without_showing_it(value, problem):
    """The diff hides environment values, which may be tokens: an error does not show them either."""
    with pytest.raises(ParameterError) as refused:
        schedule.validate_environment({"GITHUB_TOKEN": value})
    assert str(refused.value).startswith("environment.GITHUB_TOKEN: (value not shown) " + problem), refused.value
    assert str(value).strip() not in str(refused.value)


@pytest.mark.skipif(shutil.which("chattr") is None or os.geteuid() != 0, reason="chattr +i needs root and e2fsprogs")
def test_what_the_job_left_and_cannot_be_removed_is_named_and_the_rest_goes(tmp_path):
    layout = schedule.Layout(str(tmp_path), "Linux")
    checkout = pathlib.Path(layout.checkout)
    (checkout / ".git").mkdir(parents=True)
    stuck = checkout / "site.yml"
    stuck.write_text("- hosts: localhost\n")
    pathlib.Path(layout.log_file).write_text("PLAY [localhost]\n")
    subprocess.run(["chattr", "+i", str(stuck)], check=True)
    try:
        removed, failures = schedule.remove_job_output(schedule.job_output_paths(layout))
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)

    assert removed == [layout.log_file]
    assert [(error.filename, error.strerror) for error in failures] == [(str(stuck), "Operation not permitted")]
    assert stuck.exists() and not os.path.exists(layout.log_file)


@pytest.mark.parametrize("platform", ["Linux", "Darwin"])
def test_the_output_an_earlier_run_put_elsewhere_is_found_in_its_files(tmp_path, platform):
    earlier = schedule.Layout(str(tmp_path / "home"), platform, str(tmp_path / "state"))
    earlier.checkout = str(tmp_path / "state" / "recro-aws-sso" / "checkout")  # on macOS too, as an older version
    command = schedule.pull_command(
        "/usr/bin/ansible-pull", "file:///srv/r.git", "main", "site.yml", {}, earlier.checkout
    )
    earlier.log_file = str(tmp_path / "logs" / "recro-aws-sso" / "pull.log")
    files = schedule.render_files(earlier, command, "daily", 600, {"A": "1"})

    found = schedule.job_output_paths(schedule.Layout(str(tmp_path / "home"), platform), files)

    now = schedule.Layout(str(tmp_path / "home"), platform)
    assert found == [now.log_file, now.checkout, earlier.log_file, earlier.checkout]


@pytest.mark.parametrize(
    "directory, log",
    [("/home/alice", "/home/alice/pull.log"), ("/srv/recro-aws-sso/../x/checkout", "/var/log/recro-aws-sso/other.log")],
    ids=["the home itself", "not ours by name"],
)
def test_what_a_unit_edited_by_hand_names_is_not_taken_for_the_jobs_output(tmp_path, directory, log):
    layout = schedule.Layout(str(tmp_path), "Linux")
    command = schedule.pull_command("/usr/bin/ansible-pull", "file:///srv/r.git", "main", "site.yml", {}, directory)
    service = schedule.render_service(command, log, {})

    assert schedule.job_output_paths(layout, {layout.service: service}) == [layout.log_file, layout.checkout]


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),
        ("relative/state", None),
        ("~/state", None),
        ("/home/alice/.state", "/home/alice/.state"),
    ],
)
def test_xdg_state_home_is_taken_only_when_absolute(value, expected):
    assert schedule.state_home(value) == expected
    layout = schedule.Layout("/home/alice", "Linux", schedule.state_home(value))
    assert layout.log_file == (expected or "/home/alice/.local/state") + "/recro-aws-sso/pull.log"


@pytest.mark.parametrize("value", ["/home/alice/state\n[Service]", "/home/alice/\x1b]0;x\x07"])
def test_xdg_state_home_with_a_control_character_is_refused_naming_it(value):
    with pytest.raises(ParameterError) as raised:
        schedule.state_home(value)
    assert str(raised.value).startswith("XDG_STATE_HOME: "), str(raised.value)
    assert "contains the control character" in str(raised.value)
