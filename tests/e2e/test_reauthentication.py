# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Re-authentication after expiry: the exact command the installed timer runs (ansible-pull of the
drift playbook, as the user, with no terminal), against the stand-in sso-oidc service, portal and
STS; the next step on hosts with an AWS CLI v1 or none; and ``make onboard`` at a terminal.

The desktop is a session bus socket in the user's XDG_RUNTIME_DIR and a stand-in ``notify-send``
on PATH that records its arguments; the AWS CLI is the machine's v2 (itself, or under an entry
point that records being run, to prove its version is asked of its interpreter), a stand-in v1 (a
shell script answering as v1 does, or an entry point of a stand-in awscli 1.x), or none (PATH holds
the system's programs without ``aws``)."""

from __future__ import annotations

import datetime
import json
import os
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units as schedule
from ansible_collections.recro.aws_sso.tests.support.aws_servers import write_endpoint_overrides, write_token_cache
from ansible_collections.recro.aws_sso.tests.support.playbooks import ONBOARD, REPOSITORY, approve_when_asked
from ansible_collections.recro.aws_sso.tests.support.sso_oidc import SsoOidc
from ansible_collections.recro.aws_sso.tests.support.systemd import commit_all
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

NOTIFY_SEND = """#!/bin/sh
# A stand-in notify-send: one JSON line per notification, with the bus it was sent on.
exec {python} -c 'import json, os, sys; \\
record = dict(argv=sys.argv[2:], uid=os.getuid(), bus=os.environ.get("DBUS_SESSION_BUS_ADDRESS")); \\
open(sys.argv[1], "a").write(json.dumps(record) + "\\n")' {record} "$@"
"""
AWS_V1 = """#!/bin/sh
# What `aws --version` of the AWS CLI v1 (pip install awscli) prints, on stderr; each run recorded.
echo ran >> {record}
echo "aws-cli/1.46.3 Python/3.11.7 Linux/6.1.0 botocore/1.43.0" >&2
"""
# The machine's AWS CLI v2 (Debian's, a Python script), whose version the module asks its interpreter.
DEBIAN_AWS = Path("/usr/bin/aws")
# An awscli entry point as pip and Debian write it, under {shebang}, that records each run of it.
AWS_ENTRY_POINT = """{shebang}
import sys
open({record!r}, "a").write("ran\\n")
import awscli.clidriver
sys.exit(awscli.clidriver.main())
"""
# A stand-in awscli package v1 for that entry point: its version, and what its aws --version prints.
AWSCLI_V1 = {
    "__init__.py": "__version__ = '1.46.3'\n",
    "clidriver.py": (
        "import sys\nfrom awscli import __version__\n\n\ndef main():\n"
        "    sys.stderr.write('aws-cli/%s Python/3.11.7 Linux/6.1.0 botocore/1.43.0\\n' % __version__)\n"
        "    return 0\n"
    ),
}


def write_cli(directory, kind, record):
    """The ``aws`` of ``kind`` in ``directory``, recording each run of it in ``record``: ``v2``
    Debian's itself; ``v2-recording`` an entry point of Debian's awscli under its interpreter;
    ``v1`` a shell script answering as the CLI v1; ``v1-python`` an entry point of a stand-in
    awscli 1.46.3 beside it (which the interpreter imports first, before the machine's v2)."""
    aws = directory / "aws"
    if kind == "v2":
        aws.symlink_to(DEBIAN_AWS)
        return
    if kind == "v1":
        Laptop.write_program(aws, AWS_V1.format(record=shlex.quote(str(record))))
        return
    shebang = DEBIAN_AWS.read_text(encoding="utf-8").splitlines()[0]
    Laptop.write_program(aws, AWS_ENTRY_POINT.format(shebang=shebang, record=str(record)))
    if kind == "v1-python":
        (directory / "awscli").mkdir()
        for name, text in AWSCLI_V1.items():
            (directory / "awscli" / name).write_text(text, encoding="utf-8")


OWN_LOGIN = "make onboard (or: ansible-playbook playbooks/onboard.yml -e recro_sso_login=always)"


class Laptop:
    """The user's desktop and PATH: a session bus, a recording notify-send, and the AWS CLI asked for."""

    def __init__(self, workdir, aws_servers, oidc, cli="v2", desktop=True):
        self.workdir = workdir
        self.notifications_file = workdir / "notifications.jsonl"
        stand_ins = workdir / "stand-ins"
        stand_ins.mkdir()
        self.write_program(
            stand_ins / "notify-send", NOTIFY_SEND.format(python=sys.executable, record=self.notifications_file)
        )
        # The system's programs, without aws (Debian's /usr/bin/aws is the CLI v2).
        system = workdir / "system-bin"
        system.mkdir()
        for entry in os.scandir("/usr/bin"):
            if entry.name != "aws":
                (system / entry.name).symlink_to(entry.path)
        path = [str(Path(sys.executable).parent), str(stand_ins), str(system)]
        self.cli_runs_file = workdir / "aws-runs"
        if cli is not None:
            write_cli(stand_ins, cli, self.cli_runs_file)
        # A short directory: a socket's path has at most 107 bytes.
        self.runtime = Path(tempfile.mkdtemp(prefix="run-"))
        self.bus = None
        if desktop:
            self.bus = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.bus.bind(str(self.runtime / "bus"))
        # The PATH of the user's login shell, which aws_sso_notify asks: the one a person opening a
        # terminal types the next step in (a timer's run has only the service manager's).
        with open(str(Path(aws_servers.home) / ".profile"), "a") as profile:
            profile.write('PATH="{0}"; export PATH\n'.format(os.pathsep.join(path)))
        variables = {k: v for k, v in aws_servers.env.items() if k not in ("DBUS_SESSION_BUS_ADDRESS", "CI")}
        self.env = dict(
            variables,
            PATH=os.pathsep.join(path),
            XDG_RUNTIME_DIR=str(self.runtime),
            AWS_ENDPOINT_URL_SSO_OIDC=oidc.url,
            SHELL="/bin/bash",
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        )

    @staticmethod
    def write_program(path, text):
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)

    def cli_runs(self):
        """How many times the stand-in aws ran (Debian's own records nothing)."""
        return self.cli_runs_file.read_text(encoding="utf-8").count("ran") if self.cli_runs_file.exists() else 0

    def notifications(self):
        if not self.notifications_file.exists():
            return []
        return [json.loads(line) for line in self.notifications_file.read_text(encoding="utf-8").splitlines()]

    def close(self):
        if self.bus is not None:
            self.bus.close()
        shutil.rmtree(str(self.runtime), ignore_errors=True)


@pytest.fixture
def oidc(aws_servers):
    with SsoOidc(on_access_token=aws_servers.portal.add_access_token) as server:
        # AWS CLI 2.9.19 predates AWS_ENDPOINT_URL_*: its endpoint rule set points it at the stand-in.
        write_endpoint_overrides(aws_servers.endpoint_data_dir, {"sso-oidc": server.url})
        yield server


@pytest.fixture
def laptop(request, tmp_path, aws_servers, oidc):
    (tmp_path / "laptop").mkdir()
    made = Laptop(tmp_path / "laptop", aws_servers, oidc, **getattr(request, "param", {}))
    yield made
    made.close()


def workstations_repository(tmp_path):
    """The organisation's playbook repository that ansible-pull clones: this collection's drift playbook."""
    repo = tmp_path / "workstations"
    shutil.copytree(str(REPOSITORY / "playbooks"), str(repo / "playbooks"), ignore=shutil.ignore_patterns("inventory"))
    commit_all(repo, "workstations")
    return "file://" + str(repo)


def timer_command(run_playbook, aws_servers, laptop, tmp_path):
    """Onboard with the schedule (no login: recro_sso_login never), and return the argv of the
    installed service's ExecStart, read back as systemd reads it."""
    run = run_playbook(
        ONBOARD,
        laptop.env,
        dict(
            recro_sso_account_id="111111111111",
            recro_sso_login="never",
            recro_sso_schedule="daily",
            recro_sso_pull_url=workstations_repository(tmp_path),
        ),
    )
    assert run.returncode == 0, run.output
    service = aws_servers.home / ".config" / "systemd" / "user" / schedule.SERVICE_NAME
    exec_start = [line for line in service.read_text(encoding="utf-8").splitlines() if line.startswith("ExecStart=")]
    argv = [word.replace("%%", "%").replace("$$", "$") for word in shlex.split(exec_start[0][len("ExecStart=") :])]
    assert argv == run.saved["schedule"]["command"]
    return argv


def run_timer(argv, laptop, tmp_path):
    """The service's command as systemd runs it: as the user, stdin on /dev/null, output to the log file."""
    log = tmp_path / "pull.log"
    env = dict(
        laptop.env,
        ANSIBLE_COLLECTIONS_PATH=str(REPOSITORY / ".cache" / "collections"),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_NOCOLOR="1",
    )
    started = time.monotonic()
    with open(str(log), "a", encoding="utf-8") as output:
        completed = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, timeout=300, check=False
        )
    elapsed = time.monotonic() - started
    return completed.returncode, log.read_text(encoding="utf-8"), elapsed


def test_the_timer_never_starts_a_login_and_tells_the_desktop_once_per_expiry(
    aws_servers, oidc, laptop, run_playbook, tmp_path
):
    argv = timer_command(run_playbook, aws_servers, laptop, tmp_path)
    assert json.loads(argv[argv.index("--extra-vars") + 1])["recro_sso_login"] == "refresh"
    aws_servers.log_in(expired=True, refreshable=False)

    code, log, elapsed = run_timer(argv, laptop, tmp_path)
    assert code == 0, log
    # Nobody watches a timer: no client registered, no device code, no waiting.
    assert oidc.count("RegisterClient") == 0 and oidc.count("StartDeviceAuthorization") == 0, log
    assert elapsed < 90, log
    notifications = laptop.notifications()
    assert len(notifications) == 1, log
    title, body = notifications[0]["argv"][-2:]
    assert title == "AWS SSO login"
    assert body == "The login to sso-session recro has ended. Run: aws sso login --sso-session recro"
    assert notifications[0]["bus"] == "unix:path={0}".format(laptop.runtime / "bus")
    record = aws_servers.home / ".local" / "state" / "recro-aws-sso" / "notified.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert "Notification: shown on the desktop of" in log
    assert "Next: aws sso login --sso-session recro, then run this again" in log

    # The same expiry the next night: the log says it again, the desktop is not told twice.
    code, log, _elapsed = run_timer(argv, laptop, tmp_path)
    assert code == 0, log
    assert len(laptop.notifications()) == 1, log
    assert "Notification: not shown (already told for this expiry)." in log
    assert oidc.count("StartDeviceAuthorization") == 0


def test_the_timer_refreshes_a_login_that_can_be_refreshed_and_tells_nobody(
    aws_servers, oidc, laptop, run_playbook, tmp_path
):
    argv = timer_command(run_playbook, aws_servers, laptop, tmp_path)
    # A real login through the stand-in (the person approves it), then its token expires.
    approver = approve_when_asked(oidc)
    run = run_playbook(ONBOARD, laptop.env, dict(recro_sso_account_id="111111111111", recro_sso_login="always"))
    approver.join(timeout=5)
    assert run.returncode == 0, run.output
    assert run.saved["login"]["status"] == "logged_in"
    cache = aws_servers.token_cache_file()
    token = json.loads(cache.read_text(encoding="utf-8"))
    token["expiresAt"] = "2020-01-01T00:00:00Z"
    cache.write_text(json.dumps(token), encoding="utf-8")

    code, log, _elapsed = run_timer(argv, laptop, tmp_path)
    assert code == 0, log
    refreshed = json.loads(cache.read_text(encoding="utf-8"))
    assert refreshed["expiresAt"] > "2026" and refreshed["accessToken"] != token["accessToken"]
    assert oidc.count("StartDeviceAuthorization") == 1  # the first login's only
    assert laptop.notifications() == []
    assert "Login: refreshed the token of sso-session recro until" in log, log
    for secret in (refreshed["accessToken"], refreshed["refreshToken"], refreshed["clientSecret"]):
        assert secret not in log


def test_the_timer_warns_before_refreshing_ends(aws_servers, oidc, laptop, run_playbook, tmp_path):
    argv = timer_command(run_playbook, aws_servers, laptop, tmp_path)
    # A valid login whose client registration (which bounds refreshes) ends in a day.
    token = aws_servers.log_in()
    ends = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token["registrationExpiresAt"] = ends
    aws_servers.token_cache_file().write_text(json.dumps(token), encoding="utf-8")

    code, log, _elapsed = run_timer(argv, laptop, tmp_path)
    assert code == 0, log
    warning = (
        "The login to sso-session recro can be renewed without a browser until {0}: after that only a new login in "
        "the browser renews it.".format(ends)
    )
    assert [n["argv"][-1] for n in laptop.notifications()] == [warning + " Run: aws sso login --sso-session recro"], log
    assert "Warning: " + warning in log
    assert oidc.count("StartDeviceAuthorization") == 0 and oidc.count("CreateToken") == 0


V1_NEXT_STEP = (
    "Next: {0} (the AWS CLI on your PATH ({{stand_ins}}/aws) is version 1.46.3, which has no `aws sso login`), "
    "then run this again".format(OWN_LOGIN)
)


@pytest.mark.parametrize(
    "laptop, next_step, cli_runs",
    [
        ({"cli": "v2", "desktop": False}, "Next: aws sso login --sso-session recro, then run this again", 0),
        # Debian's CLI v2 under a recording entry point: its version is asked of its interpreter, aws never runs.
        ({"cli": "v2-recording", "desktop": False}, "Next: aws sso login --sso-session recro, then run this again", 0),
        # A shell script is asked aws --version: 1.46.3 is only in what it prints.
        ({"cli": "v1", "desktop": False}, V1_NEXT_STEP, 1),
        ({"cli": "v1-python", "desktop": False}, V1_NEXT_STEP, 0),
        (
            {"cli": None, "desktop": False},
            "Next: {0} (there is no AWS CLI (aws) on your PATH), then run this again".format(OWN_LOGIN),
            0,
        ),
    ],
    indirect=["laptop"],
    ids=["v2", "v2-recording", "v1-shell", "v1-python", "no-cli"],
)
def test_the_next_step_works_on_the_host(aws_servers, oidc, laptop, run_playbook, next_step, cli_runs):
    # An onboarding that nobody watches (no terminal): no login started; the summary says what to run.
    run = run_playbook(ONBOARD, laptop.env, dict(recro_sso_account_id="111111111111"))
    assert run.returncode == 0, run.output
    assert oidc.count("StartDeviceAuthorization") == 0
    summary = "\n".join(run.saved["summary"])
    assert next_step.replace("{stand_ins}", str(laptop.workdir / "stand-ins")) in summary, summary
    assert laptop.cli_runs() == cli_runs
    # Without a desktop, the summary says the person was not told there.
    assert "Notification: not shown (no desktop session (no session bus for uid {0}))".format(os.getuid()) in summary
    if OWN_LOGIN in next_step:
        # Not even the login's own line sends the person to a command this host does not have.
        assert "aws sso login --sso-session" not in summary, summary
    assert laptop.notifications() == []


def playbook_at_a_terminal(playbook, laptop, tmp_path, variables, options=()):
    """``(return code, output, saved)`` of ``ansible-playbook`` run with a terminal, as a person's
    shell runs it (script(1) gives it one), on ``playbook`` (text) with ``variables``; ``saved``: what
    the playbook wrote to ``results_file``."""
    playbook_file = tmp_path / "at-a-terminal.yml"
    playbook_file.write_text(playbook, encoding="utf-8")
    results = tmp_path / "results.json"
    arguments = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook_file)] + list(options)
    arguments += ["-e", json.dumps(dict(variables, results_file=str(results)))]
    env = dict(
        laptop.env,
        ANSIBLE_CONFIG=str(REPOSITORY / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
    )
    completed = subprocess.run(
        ["script", "-qec", " ".join(shlex.quote(word) for word in arguments), "/dev/null"],
        cwd=str(REPOSITORY),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=300,
        check=False,
    )
    saved = json.loads(results.read_text(encoding="utf-8")) if results.exists() else {}
    return completed.returncode, completed.stdout.decode("utf-8", "replace"), saved


def test_make_onboard_at_a_terminal_still_logs_in(aws_servers, oidc, laptop, tmp_path):
    approver = approve_when_asked(oidc)
    code, output, result = playbook_at_a_terminal(ONBOARD, laptop, tmp_path, dict(recro_sso_account_id="111111111111"))
    approver.join(timeout=5)
    assert code == 0, output
    assert "Log in to sso-session recro: open http" in output, output
    assert oidc.count("StartDeviceAuthorization") == 1
    assert result["login"]["status"] == "logged_in"
    # A person was there: no desktop notification.
    assert laptop.notifications() == []


@pytest.mark.parametrize("connection", ["ansible.builtin.local", "ansible.legacy.local"])
def test_a_local_connection_named_in_full_at_a_terminal_logs_in(aws_servers, oidc, laptop, tmp_path, connection):
    # The connection is the controller's whatever name chose it: a person at the terminal is asked.
    variables = dict(
        recro_sso_hosts="laptop",
        recro_sso_account_id="111111111111",
        ansible_connection=connection,
        ansible_python_interpreter=sys.executable,
    )
    approver = approve_when_asked(oidc)
    code, output, result = playbook_at_a_terminal(
        ONBOARD.replace("hosts: localhost", "hosts: laptop"), laptop, tmp_path, variables, ["-i", "laptop,"]
    )
    approver.join(timeout=5)
    assert code == 0, output
    assert oidc.count("StartDeviceAuthorization") == 1, output
    assert result["login"]["status"] == "logged_in"
    assert laptop.notifications() == []


NOTIFY_AS_ROOT = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_notify: &notify {sso_session: recro, user: "{{ user }}", platform: Linux}
      register: first
    - recro.aws_sso.aws_sso_notify: *notify
      register: second
    - ansible.builtin.copy:
        content: "{{ {'first': first, 'second': second} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""


def notify_as_root_for(user, aws_servers, run_playbook, prepare):
    """Root runs NOTIFY_AS_ROOT (aws_sso_notify twice) for ``user``, whose login has ended and cannot
    be refreshed, with a recording notify-send in ~/.local/bin (its record: ~/notifications.jsonl),
    what ``prepare()`` adds to the home, and the user's session bus in /run/user/UID: the run."""
    home = Path(user.pw_dir)
    write_token_cache(home, "expired-token", expired=True, refreshable=False)
    tools = home / ".local" / "bin"
    tools.mkdir(parents=True)
    record = home / "notifications.jsonl"
    Laptop.write_program(tools / "notify-send", NOTIFY_SEND.format(python="/usr/bin/python3", record=record))
    prepare()
    subprocess.run(["chown", "-R", "{0}:{1}".format(user.pw_uid, user.pw_gid), str(home)], check=True)
    runtime = Path("/run/user/{0}".format(user.pw_uid))
    runtime.mkdir(parents=True, mode=0o700)
    bus = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        bus.bind(str(runtime / "bus"))
        os.chown(str(runtime), user.pw_uid, user.pw_gid)
        return run_playbook(NOTIFY_AS_ROOT, aws_servers.env, dict(user=user.pw_name))
    finally:
        bus.close()
        shutil.rmtree(str(runtime), ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for a throwaway user needs root")
@pytest.mark.parametrize("cli, cli_runs", [("v1", 1), ("v1-python", 0), ("v2-recording", 0)])
def test_root_acting_for_a_user_reads_and_runs_everything_as_that_user(aws_servers, run_playbook, cli, cli_runs):
    with throwaway_user() as user:
        home = Path(user.pw_dir)
        tools = home / ".local" / "bin"
        record = home / "notifications.jsonl"
        run = notify_as_root_for(user, aws_servers, run_playbook, lambda: write_cli(tools, cli, home / "aws-runs"))
        assert run.returncode == 0, run.output
        first, second = run.saved["first"], run.saved["second"]
        # The user's PATH (~/.local/bin first), not root's: the CLI there decides the next step.
        if cli == "v2-recording":
            assert (first["next_step"], first["reason"]) == ("aws sso login --sso-session recro", None)
            assert first["cli"] == dict(path=str(tools / "aws"), version="2.9.19", major=2)
        else:
            assert first["next_step"] == OWN_LOGIN
            assert first["reason"] == (
                "the AWS CLI on your PATH ({0}/aws) is version 1.46.3, which has no `aws sso login`".format(tools)
            )
        # Two tasks, each asking once: aws itself runs only where it is no awscli entry point.
        runs = home / "aws-runs"
        assert (runs.read_text(encoding="utf-8").count("ran") if runs.exists() else 0) == 2 * cli_runs
        assert first["changed"] is True and second["changed"] is False
        assert second["notification"]["reason"] == "already told for this expiry"
        notifications = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
        assert len(notifications) == 1
        # Through the user's session bus, by a process with the user's ids.
        assert notifications[0]["bus"] == "unix:path=/run/user/{0}/bus".format(user.pw_uid)
        assert notifications[0]["uid"] == user.pw_uid
        state = home / ".local" / "state" / "recro-aws-sso" / "notified.json"
        assert (state.stat().st_uid, stat.S_IMODE(state.stat().st_mode)) == (user.pw_uid, 0o600)
        assert "expired-token" not in run.output


def test_onboarding_warns_in_its_summary_before_refreshing_ends(aws_servers, oidc, laptop, run_playbook):
    # A valid login whose client registration (which bounds refreshes) ends in a day: a person running
    # the onboarding (no schedule) is told in the summary, as the timer tells the desktop.
    token = aws_servers.log_in()
    ends = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token["registrationExpiresAt"] = ends
    aws_servers.token_cache_file().write_text(json.dumps(token), encoding="utf-8")

    run = run_playbook(ONBOARD, laptop.env, dict(recro_sso_account_id="111111111111"))
    assert run.returncode == 0, run.output
    warning = "Warning: The login to sso-session recro can be renewed without a browser until {0}: ".format(ends)
    assert [line for line in run.saved["summary"] if line.startswith(warning)], run.output
    assert oidc.count("StartDeviceAuthorization") == 0 and oidc.count("CreateToken") == 0

    # A registration that lasts beyond the window: no warning.
    token["registrationExpiresAt"] = "2099-01-01T00:00:00Z"
    aws_servers.token_cache_file().write_text(json.dumps(token), encoding="utf-8")
    calm = run_playbook(ONBOARD, laptop.env, dict(recro_sso_account_id="111111111111"))
    assert calm.returncode == 0, calm.output
    assert not [line for line in calm.saved["summary"] if "can be renewed without a browser until" in line]


FAILING_NOTIFY_SEND = """#!/bin/sh
# A notify-send that fails, printing escape sequences (a terminal title, colours) as it goes; each run recorded.
echo ran >> {record}
printf '\\033]0;owned\\007\\033[31mcannot reach the notification daemon\\033[0m\\n'
exit 1
"""


def test_a_failing_notify_send_is_reported_in_printable_words_and_tried_again_next_run(
    aws_servers, oidc, laptop, run_playbook, tmp_path
):
    runs = tmp_path / "notify-send-runs"
    Laptop.write_program(
        laptop.workdir / "stand-ins" / "notify-send", FAILING_NOTIFY_SEND.format(record=shlex.quote(str(runs)))
    )
    # Each start of the user's login shell (which says the PATH the next step is typed in) is counted.
    starts = tmp_path / "login-shell-starts"
    with open(str(aws_servers.home / ".profile"), "a") as profile:
        profile.write("echo started >> {0}\n".format(shlex.quote(str(starts))))
    aws_servers.log_in(expired=True, refreshable=False)
    settings = dict(recro_sso_account_id="111111111111", recro_sso_login="refresh")

    run = run_playbook(ONBOARD, laptop.env, settings)
    assert run.returncode == 0, run.output
    notification = run.saved["next_step"]["notification"]
    assert notification["sent"] is False
    assert (
        notification["reason"].startswith("notify-send failed: ")
        and "cannot reach the notification daemon" in (notification["reason"])
    )
    # What the program printed is kept as words: no escape sequence reaches the log or the summary.
    assert all(line.isprintable() for line in run.saved["summary"]), run.saved["summary"]
    assert "Notification: not shown (notify-send failed: " in "\n".join(run.saved["summary"])
    # One login shell for the whole task, though it both looked the CLI up and notified.
    assert starts.read_text(encoding="utf-8").count("started") == 1
    # Nothing was shown: no record, so the next run tries again.
    assert not (aws_servers.home / ".local" / "state" / "recro-aws-sso" / "notified.json").exists()
    again = run_playbook(ONBOARD, laptop.env, settings)
    assert again.returncode == 0, again.output
    assert runs.read_text(encoding="utf-8").count("ran") == 2


def test_a_record_that_cannot_be_written_shows_no_notification_on_every_run(aws_servers, oidc, laptop, run_playbook):
    # Once per expiry needs the record: without one that can be written, every run would show it again.
    record = aws_servers.home / ".local" / "state" / "recro-aws-sso" / "notified.json"
    record.mkdir(parents=True)
    aws_servers.log_in(expired=True, refreshable=False)
    settings = dict(recro_sso_account_id="111111111111", recro_sso_login="refresh")
    for _night in range(2):
        run = run_playbook(ONBOARD, laptop.env, settings)
        assert run.returncode == 0, run.output
        summary = "\n".join(run.saved["summary"])
        assert (
            "Notification: not shown (its record cannot be written, so every run would show it again: {0}: is a "
            "directory, not a regular file".format(record)
        ) in summary, summary
        assert "Next: aws sso login --sso-session recro, then run this again" in summary
    assert laptop.notifications() == []


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for a throwaway user needs root")
def test_root_acting_for_a_user_whose_record_cannot_be_written_shows_nothing(aws_servers, run_playbook):
    with throwaway_user() as user:
        home = Path(user.pw_dir)
        record = home / ".local" / "state" / "recro-aws-sso" / "notified.json"

        def fifo_for_a_record():
            os.makedirs(str(record.parent))
            os.mkfifo(str(record))

        run = notify_as_root_for(user, aws_servers, run_playbook, fifo_for_a_record)
        assert run.returncode == 0, run.output
        for result in (run.saved["first"], run.saved["second"]):
            assert result["changed"] is False
            assert result["notification"]["sent"] is False
            assert result["notification"]["reason"].startswith("its record cannot be written, so every run would")
            assert "is a FIFO (named pipe), not a regular file" in result["notification"]["reason"]
        assert not (home / "notifications.jsonl").exists()
