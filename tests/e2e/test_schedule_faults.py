# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_schedule through ansible-playbook where it could leak or half-do something:
credentials in the pull URL, who may read the job's files, targets that are not what they
should be, a killed run's leftovers; and the macOS agent's exact command, run. As the user
and as root for a user; systemd-analyze, plistlib and a real ansible-pull are the oracles."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import pathlib
import plistlib
import pwd
import shutil
import stat
import subprocess
import sys

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units as schedule
from ansible_collections.recro.aws_sso.tests.support.ansible_pull import ansible_pull_the_user_can_run
from ansible_collections.recro.aws_sso.tests.support.playbooks import REPOSITORY
from ansible_collections.recro.aws_sso.tests.support.systemd import (
    PULLED_PLAYBOOK,
    analyze_verify,
    exec_argv,
    git_repository,
    shared_directory,
)
from ansible_collections.recro.aws_sso.tests.support.users import assert_a_missing_home_is_refused, throwaway_user

TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule:
        user: "{{ user | default(omit) }}"
        state: "{{ state | default(omit) }}"
        pull_url: "{{ pull_url | default('file:///srv/laptops.git') }}"
        pull_playbook: "{{ playbook | default('site.yml') }}"
        platform: "{{ platform | default('Linux') }}"
        ansible_pull: "{{ ansible_pull | default(stub_pull) }}"
        randomized_delay: 0
        environment: "{{ job_environment | default({}) }}"
        pull_extra_vars: "{{ pull_vars | default({}) }}"
      check_mode: "{{ check | default(false) }}"
      register: result
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ {'result': result} | to_json }}"
        dest: "{{ results_file }}"
        mode: "0600"
"""

Target = collections.namedtuple("Target", "home env extra_vars owner run")
ANALYZE = shutil.which("systemd-analyze")


@pytest.fixture
def shared_tmp_path():
    with shared_directory() as path:
        yield path


def runner(prefix, env, cwd):
    """``run(argv, extra)``: ``argv`` after ``prefix``, with ``env`` plus ``extra``."""

    def run(argv, extra):
        return subprocess.run(
            list(prefix) + list(argv),
            env=dict(env, **extra),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=300,
            check=False,
        )

    return run


@pytest.fixture(params=["the user", "root for a user"])
def target(request, tmp_path):
    """Whose schedule: the user running the module (HOME in tmp_path), or a throwaway user
    root works for (O(user)). ``run(argv, env)`` runs a command as that user."""
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "XDG_STATE_HOME")}
    if request.param == "the user":
        home = tmp_path / "home"
        home.mkdir()
        env["HOME"] = str(home)
        yield Target(home, env, {}, (os.getuid(), os.getgid()), runner([], env, str(home)))
        return
    if os.geteuid() != 0:
        pytest.skip("root acts for another user: needs root (CI runs as root)")
    with throwaway_user("/bin/bash") as user:
        clean = dict(PATH="/usr/local/bin:/usr/bin:/bin", HOME=user.pw_dir, USER=user.pw_name)
        as_the_user = runner([shutil.which("runuser"), "-u", user.pw_name, "--"], clean, user.pw_dir)
        yield Target(pathlib.Path(user.pw_dir), env, {"user": user.pw_name}, (user.pw_uid, user.pw_gid), as_the_user)


@pytest.fixture
def stub_pull(shared_tmp_path):
    """An ansible-pull every user may run, for the runs whose job is not started."""
    stub = shared_tmp_path / "stub" / "ansible-pull"
    stub.parent.mkdir(mode=0o755)
    stub.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(str(stub), 0o755)
    return str(stub)


@pytest.fixture
def run(run_playbook, stub_pull):
    def run_task(_run_playbook, target, **variables):
        completed = run_playbook(TASK, target.env, dict(target.extra_vars, stub_pull=stub_pull, **variables))
        assert completed.returncode == 0, completed.output
        return completed, completed.saved["result"]

    return run_task


@pytest.mark.parametrize(
    "url, secret",
    [
        ("https://ghp_0123456789abcdefSECRET@github.com/org/laptops.git", "ghp_0123456789abcdefSECRET"),
        ("https://deploy:hunter2SECRET@git.example.com/laptops.git", "hunter2SECRET"),
        ("git:hunter2SECRET@git.example.com:org/laptops.git", "hunter2SECRET"),
        ("ssh://git:hunter2SECRET@git.example.com/org/laptops.git", "hunter2SECRET"),
        ("user:p@hunter2SECRET@github.com:org/laptops.git", "hunter2SECRET"),
        ("https:/user:hunter2SECRET@github.com/org/laptops.git", "hunter2SECRET"),
        ("https://user:hunter2/SECRET@github.com/org/laptops.git", "hunter2/SECRET"),
    ],
    ids=[
        "token as the user name",
        "user and password",
        "scp-like with a password",
        "ssh with a password",
        "scp-like with an @ in the password",
        "one slash after the scheme",
        "a slash in the password",
    ],
)
def test_a_pull_url_with_credentials_is_refused_and_never_shown(run, run_playbook, target, url, secret):
    completed, result = run(run_playbook, target, pull_url=url)

    assert result.get("failed") and "carries credentials" in result["msg"], result
    assert "<user info>@" in result["msg"]
    for part in (secret, secret.split("/")[-1]):
        assert part not in completed.output and part not in json.dumps(result)
    assert not (target.home / ".config").exists()


def test_an_environment_value_refused_for_its_line_break_is_not_shown(run, run_playbook, target):
    """A token read from a file ends in a line break: refused, and its error shows no token."""
    secret = "ghp_0123456789abcdefNEWLINESECRET"

    completed, result = run(run_playbook, target, job_environment={"GITHUB_TOKEN": secret + "\n"})

    assert result.get("failed"), result
    assert result["msg"].startswith(
        "environment.GITHUB_TOKEN: (value not shown) contains the control character U+000A"
    ), result["msg"]
    assert secret not in completed.output and secret not in result["msg"]
    assert not (target.home / ".config").exists()


def test_an_extra_variable_with_a_url_with_credentials_is_refused_and_never_shown(run, run_playbook, target):
    """The job's command line is in /proc of every user's ps while it runs, and ansible-pull logs it."""
    secret = "hunter2EXTRASECRET"
    mirror = "https://deploy:{0}@git.example.com/mirror.git".format(secret)

    completed, result = run(run_playbook, target, pull_vars={"mirror": mirror, "role_name": "adminAccess"})

    assert result.get("failed"), result
    assert result["msg"].startswith(
        "pull_extra_vars.mirror: 'https://<user info>@git.example.com/mirror.git' holds a URL with credentials"
    ), result["msg"]
    assert result["msg"].endswith("; nothing was changed"), result["msg"]
    assert secret not in completed.output and secret not in json.dumps(result)
    assert not (target.home / ".config").exists()


@pytest.mark.parametrize("platform", ["Linux", "Darwin"])
@pytest.mark.parametrize(
    "variable, value, parameter",
    [
        ("playbook", "my playbooks/site.yml", "pull_playbook"),
        ("playbook", "site.yml -e x=1", "pull_playbook"),
        ("pull_url", "file:///srv/my laptops.git", "pull_url"),
    ],
    ids=["playbook with a space", "playbook with an option", "URL with a space"],
)
def test_what_ansible_pull_would_split_is_refused_before_any_write(
    run, run_playbook, target, platform, variable, value, parameter
):
    """ansible-pull splits its command line at spaces: such a value could never reach git or
    ansible-playbook intact, so it is refused, named, and nothing of the job is written."""
    home_before = sorted(os.listdir(str(target.home)))

    completed, result = run(run_playbook, target, platform=platform, **{variable: value})

    assert result.get("failed"), result
    assert result["msg"].startswith("{0}: {1!r} ".format(parameter, value)), result["msg"]
    assert "space" in result["msg"]
    assert sorted(os.listdir(str(target.home))) == home_before  # no .config, .local or Library made


@pytest.mark.parametrize("platform", ["Linux", "Darwin"])
def test_a_user_whose_home_does_not_exist_is_refused_and_given_none(
    run_playbook, target, stub_pull, tmp_path, platform
):
    assert_a_missing_home_is_refused(run_playbook, TASK, target, tmp_path, dict(stub_pull=stub_pull, platform=platform))


@pytest.mark.parametrize("platform", ["Linux", "Darwin"])
def test_absent_removes_the_job_whatever_the_other_options(run, run_playbook, target, platform):
    """Offboarding with none of onboarding's options (another URL and playbook here) still
    finds and removes every file of the job, and a second run has nothing to remove."""
    completed, installed = run(run_playbook, target, platform=platform)
    assert not installed.get("failed") and installed["changed"] is True, installed
    assert all(os.path.exists(path) for path in installed["files"])

    completed, removed = run(
        run_playbook, target, platform=platform, state="absent", pull_url="https://example.com/x.git", playbook="x.yml"
    )

    assert not removed.get("failed") and removed["changed"] is True, removed
    assert sorted(removed["files"]) == sorted(installed["files"])
    assert not any(os.path.lexists(path) for path in installed["files"])
    wants = target.home / ".config" / "systemd" / "user" / "timers.target.wants" / schedule.TIMER_NAME
    assert not os.path.lexists(str(wants))
    completed, again = run(run_playbook, target, platform=platform, state="absent")
    assert not again.get("failed") and again["changed"] is False, again


@pytest.mark.parametrize("platform", ["Linux", "Darwin"])
def test_the_diff_shows_no_value_of_the_jobs_environment(run, run_playbook, target, platform):
    secret = "ghp_0123456789abcdefENVSECRET"
    shown = target._replace(env=dict(target.env, ANSIBLE_DIFF_ALWAYS="1"))

    completed, result = run(run_playbook, shown, platform=platform, job_environment={"GITHUB_TOKEN": secret})

    assert not result.get("failed") and result["changed"] is True, result
    assert result["diff"] and "GITHUB_TOKEN" in json.dumps(result["diff"]), result
    assert secret not in completed.output and secret not in json.dumps(result)
    # The job has it, in files only the user may read.
    (job,) = [path for path in result["files"] if secret in pathlib.Path(path).read_text()]
    assert stat.S_IMODE(os.stat(job).st_mode) == 0o600


def test_the_diff_of_a_unit_edited_by_hand_shows_no_value_of_its_environment(run, run_playbook, target):
    secret = "ghp_0123456789abcdefHANDSECRET"
    completed, installed = run(run_playbook, target)
    service = pathlib.Path(installed["files"][0])
    edited = service.read_text().replace(
        "[Service]\n", "[Service]\nEnvironment = 'GITHUB_TOKEN={0}'\nSetCredential=github:{0}\n".format(secret)
    )
    service.write_text(edited)
    shown = target._replace(env=dict(target.env, ANSIBLE_DIFF_ALWAYS="1"))

    completed, result = run(run_playbook, shown)

    assert not result.get("failed") and result["changed"] is True, result
    assert secret not in completed.output and secret not in json.dumps(result)
    (diff,) = result["diff"]
    assert "Environment = 'GITHUB_TOKEN=<hidden>'\nSetCredential=github:<hidden>\n" in diff["before"], diff
    assert secret not in service.read_text()


def test_the_job_files_are_the_users_alone_and_systemd_reads_them(run, run_playbook, target, tmp_path):
    completed, result = run(run_playbook, target, job_environment={"GIT_CONFIG_GLOBAL": "/etc/private-git-config"})

    assert not result.get("failed") and result["changed"] is True, result
    for path in result["files"]:
        info = os.stat(path)
        assert stat.S_IMODE(info.st_mode) == 0o600, path
        assert (info.st_uid, info.st_gid) == target.owner, path
    if ANALYZE:
        units = target.home / ".config" / "systemd" / "user"
        probe = tmp_path / "probe"
        probe.mkdir()
        verified = analyze_verify(
            (units / schedule.SERVICE_NAME).read_text(),
            units / schedule.TIMER_NAME,
            probe,
            ANALYZE,
            shutil.which("true"),
        )
        assert verified.returncode == 0, verified.stdout


@pytest.mark.parametrize("where", ["systemd user directory", "state directory"])
def test_a_target_that_is_not_a_directory_is_refused_before_any_write(run, run_playbook, target, where):
    if where == "systemd user directory":
        blocker = target.home / ".config" / "systemd" / "user"
    else:
        blocker = target.home / ".local" / "state" / "recro-aws-sso"
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"a file\n")
    for made in [blocker] + [p for p in blocker.parents if target.home in p.parents]:
        os.chown(str(made), *target.owner)

    completed, result = run(run_playbook, target)

    assert result.get("failed"), result
    assert result["msg"].startswith("{0}: is a regular file, not a directory".format(blocker)), result["msg"]
    assert "nothing was changed" in result["msg"]
    assert blocker.read_bytes() == b"a file\n"
    written = [p for p in target.home.rglob("*") if p.name.startswith(("recro-aws-sso-pull", "com.recro"))]
    assert written == []


@contextlib.contextmanager
def small_home(target, tmp_path, options, directories=()):
    """``target`` with its home a tmpfs mounted with ``options`` (its size, its number of
    files), holding ``directories`` (the user's), and Ansible's own temporary files elsewhere."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options + ",mode=0755", "tmpfs", str(target.home)], check=True)
    try:
        os.chown(str(target.home), *target.owner)
        for directory in directories:
            path = target.home / directory
            path.mkdir(parents=True)
            for made in [path] + [p for p in path.parents if target.home in p.parents]:
                os.chown(str(made), *target.owner)
        yield target._replace(env=dict(target.env, ANSIBLE_REMOTE_TMP=str(tmp_path / "ansible-tmp")))
    finally:
        subprocess.run(["umount", str(target.home)], check=True)


def schedule_files(home):
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if not p.is_dir())


def test_a_unit_that_does_not_fit_fails_naming_it_and_leaves_no_file_of_the_schedule(
    run, run_playbook, target, tmp_path
):
    """The service fits in the home's one free page, the timer then does not: the service
    written first is taken back, so the run changed nothing, as it says."""
    with small_home(target, tmp_path, "size=4k") as small:
        completed, result = run(run_playbook, small)

        assert result.get("failed"), result
        timer = small.home / ".config" / "systemd" / "user" / schedule.TIMER_NAME
        assert result["msg"] == "{0}: No space left on device (as user {1!r}); nothing was changed".format(
            timer, small.extra_vars.get("user", "root")
        ), result["msg"]
        assert result["changed"] is False and result["path"] == str(timer), result
        assert schedule_files(small.home) == []


def test_a_timer_that_cannot_be_enabled_says_its_files_were_written(run, run_playbook, target, tmp_path):
    """Room for the service and the timer but no file more, not the directory
    timers.target.wants (no user manager runs here): the files are written, and the
    failure says so, naming the directory, where it was a traceback that said nothing changed."""
    directories = [".config/systemd/user", ".local/state/recro-aws-sso"]
    # The home, its five directories above and the two we made, the service and the timer.
    with small_home(target, tmp_path, "size=1m,nr_inodes=9", directories) as small:
        completed, result = run(run_playbook, small)

        assert result.get("failed"), result
        wants = small.home / ".config" / "systemd" / "user" / "timers.target.wants"
        assert result["msg"] == (
            "{0}: No space left on device (as user {1!r}); the schedule's files were written, but the job was not "
            "enabled".format(wants, small.extra_vars.get("user", "root"))
        ), result["msg"]
        assert result["changed"] is True, result
        assert schedule_files(small.home) == [
            ".config/systemd/user/" + schedule.SERVICE_NAME,
            ".config/systemd/user/" + schedule.TIMER_NAME,
        ]


def test_leftovers_of_a_killed_run_are_removed(run, run_playbook, target):
    completed, result = run(run_playbook, target)
    assert not result.get("failed"), result
    units = target.home / ".config" / "systemd" / "user"
    leftover = units / ("." + schedule.TIMER_NAME + ".x1y2z3w4.tmp")
    leftover.write_bytes(b"[Timer]\n")
    os.chown(str(leftover), *target.owner)

    completed, checked = run(run_playbook, target, check=True)

    assert "Would remove the temporary files a killed run left: {0}.".format(leftover) in checked["msg"], checked
    assert leftover.exists() and checked["changed"] is False

    completed, result = run(run_playbook, target)

    assert not result.get("failed") and result["changed"] is False, result
    assert not leftover.exists()


def test_an_ansible_pull_the_user_cannot_run_is_refused_naming_what(run, run_playbook, target, shared_tmp_path):
    script = shared_tmp_path / "ansible-pull"
    interpreter = shared_tmp_path / "closed" / "python3"
    interpreter.parent.mkdir(mode=0o700)
    interpreter.write_text("#!/bin/sh\n")
    script.write_text("#!{0}\n".format(interpreter))
    os.chmod(str(interpreter), 0o755)
    os.chmod(str(script), 0o755)
    if not target.extra_vars:
        os.chmod(str(interpreter.parent), 0o000)  # root may enter any directory: only its x bit stops even root
    try:
        completed, result = run(run_playbook, target, ansible_pull=str(script))
    finally:
        os.chmod(str(interpreter.parent), 0o700)

    if not target.extra_vars and os.geteuid() == 0:
        # Root runs whatever has an x bit: nothing a run as root can be refused here.
        assert not result.get("failed"), result
        return
    assert result.get("failed"), result
    assert result["msg"].startswith("ansible_pull: {0!r} runs {1}, which user".format(str(script), interpreter))
    assert not (target.home / ".config").exists()


@pytest.mark.parametrize("kind", ["FIFO", "directory", "interpreter that is a directory"])
def test_an_ansible_pull_that_is_no_program_is_refused_without_waiting(
    run, run_playbook, target, shared_tmp_path, kind
):
    """A FIFO with an x bit: reading its #! line waited for a writer without end. A directory
    with an x bit: taken for a program the user could run, and written into the job."""
    program = shared_tmp_path / "ansible-pull"
    if kind == "FIFO":
        os.mkfifo(str(program))
        refused, why = program, "is a FIFO (named pipe), not a program"
    elif kind == "directory":
        program.mkdir()
        refused, why = program, "is a directory, not a program"
    else:
        program.write_text("#!{0}\n".format(shared_tmp_path))
        refused, why = program, "runs {0}, which is a directory, not a program".format(shared_tmp_path)
    os.chmod(str(program), 0o755)

    completed, result = run(run_playbook, target, ansible_pull=str(program))

    assert result.get("failed"), result
    assert result["msg"] == "ansible_pull: {0!r} {1}; nothing was changed".format(str(refused), why), result["msg"]
    assert not (target.home / ".config").exists()


@pytest.fixture
def users_manager(target, shared_tmp_path):
    """``(env, calls)``: ``target``'s environment with a user manager the module finds (a bus in
    the runtime directory: /run/user/UID for another user) and a systemctl that records, as the
    user it runs as, the environment it was given, in the file ``calls``."""
    bin_directory = shared_tmp_path / "bin"
    bin_directory.mkdir()
    calls = target.home / "systemctl-calls"
    systemctl = bin_directory / "systemctl"
    systemctl.write_text('#!/bin/sh\n{ id -un; env; echo; } >> "$HOME/systemctl-calls"\n')
    systemctl.chmod(0o755)
    env = dict(target.env, PATH="{0}:{1}".format(bin_directory, target.env["PATH"]))
    if target.extra_vars:
        runtime = pathlib.Path("/run/user/{0}".format(target.owner[0]))
        runtime.mkdir(mode=0o700, parents=True)
    else:
        runtime = shared_tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        env["XDG_RUNTIME_DIR"] = str(runtime)
    (runtime / "bus").write_text("")
    os.chown(str(runtime), *target.owner)
    try:
        yield env, calls
    finally:
        shutil.rmtree(str(runtime))


def test_the_users_systemctl_gets_none_of_the_modules_environment(run, run_playbook, target, users_manager):
    """Run as the user, a program's environment is the user's to read (/proc/PID/environ): root's,
    with whatever secret it holds, went to the user's systemctl."""
    env, calls = users_manager
    secret = "vault-token-0123456789ROOTSECRET"
    with_secret = target._replace(env=dict(env, ROOT_ONLY_SECRET=secret))

    completed, installed = run(run_playbook, with_secret)
    completed, removed = run(run_playbook, with_secret, state="absent")

    assert installed["msg"] == "Schedule written. Timer enabled.", installed
    assert removed["msg"].startswith("Schedule removed. Timer stopped. Timer disabled."), removed
    recorded = [call.splitlines() for call in calls.read_text().strip().split("\n\n")]
    assert len(recorded) == 5  # daemon-reload, enable; stop, disable, daemon-reload
    user = target.extra_vars.get("user") or pwd.getpwuid(os.getuid()).pw_name
    for call in recorded:
        assert call[0] == user
        names = sorted(line.split("=", 1)[0] for line in call[1:])
        assert secret not in "\n".join(call) and "ROOT_ONLY_SECRET" not in names, call
        assert {"HOME=" + str(target.home), "USER=" + user, "LOGNAME=" + user} <= set(call), call


@pytest.fixture
def ansible_pull_bin(target):
    """The directory of the ansible-pull (and its Python) the target user runs."""
    if target.extra_vars:
        return ansible_pull_the_user_can_run()
    return pathlib.Path(sys.executable).parent


def test_the_macos_agent_runs_its_exact_command(run, run_playbook, target, shared_tmp_path, ansible_pull_bin):
    """The plist's ProgramArguments, run as launchd would run them: a real ansible-pull
    clones into the checkout directory (no space in it) and runs the pulled playbook."""
    repository = git_repository(shared_tmp_path / "laptops", {"site.yml": PULLED_PLAYBOOK})
    # git reads no repository another user owns, and its local transport drops the safe.directory
    # of GIT_CONFIG_*: the stand-in for the fleet's server is the user's own.
    for path in [repository] + list(repository.rglob("*")):
        os.lchown(str(path), *target.owner)
    environment = {
        "ANSIBLE_COLLECTIONS_PATH": str(REPOSITORY / ".cache" / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": str(ansible_pull_bin / "python"),
    }

    completed, result = run(
        run_playbook,
        target,
        platform="Darwin",
        pull_url="file://" + str(repository),
        ansible_pull=str(ansible_pull_bin / "ansible-pull"),
        job_environment=environment,
    )

    assert not result.get("failed"), result
    (plist,) = result["files"]
    assert stat.S_IMODE(os.stat(plist).st_mode) == 0o600
    with open(plist, "rb") as handle:
        agent = plistlib.load(handle)
    checkout = target.home / ".local" / "state" / "recro-aws-sso" / "checkout"
    assert agent["ProgramArguments"][2].startswith("exec ")  # randomized_delay 0: no sleep before it
    assert result["command"][result["command"].index("--directory") + 1] == str(checkout)
    ran = target.run(agent["ProgramArguments"], agent["EnvironmentVariables"])
    assert ran.returncode == 0, ran.stdout
    assert (checkout / "site.yml").is_file()
    assert "sso_role_name = adminAccess" in (target.home / ".aws" / "config").read_text()


def timer_that_ran(run, run_playbook, target, repository_files, directory, ansible_pull_bin):
    """``(installed, ran)``: the timer installed for ``target`` to pull a repository of
    ``repository_files`` (made in ``directory``, the user's: git reads no repository another
    user owns), and its exact command run once as the user (``ran``: it succeeded)."""
    repository = git_repository(directory / "laptops", repository_files)
    for path in [repository] + list(repository.rglob("*")):
        os.lchown(str(path), *target.owner)
    environment = {
        "ANSIBLE_COLLECTIONS_PATH": str(REPOSITORY / ".cache" / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": str(ansible_pull_bin / "python"),
    }
    pull = dict(pull_url="file://" + str(repository), ansible_pull=str(ansible_pull_bin / "ansible-pull"))
    completed, installed = run(run_playbook, target, job_environment=environment, **pull)
    assert not installed.get("failed"), installed
    service = pathlib.Path(installed["files"][0]).read_text()
    ran = target.run(exec_argv(service.split("ExecStart=", 1)[1].splitlines()[0]), environment)
    assert ran.returncode == 0, ran.stdout
    return installed, ran


def test_absent_removes_the_checkout_and_log_its_runs_left(
    run, run_playbook, target, shared_tmp_path, ansible_pull_bin
):
    """The timer's exact command, run: ansible-pull clones the organisation's repository into
    the checkout, and systemd appends its output to the log. Offboarding left both; a link in
    the checkout is removed, never followed."""
    files = {"site.yml": PULLED_PLAYBOOK}
    installed, ran = timer_that_ran(run, run_playbook, target, files, shared_tmp_path, ansible_pull_bin)
    state = target.home / ".local" / "state" / "recro-aws-sso"
    checkout, log = state / "checkout", state / "pull.log"
    log.write_text(ran.stdout)
    kept = shared_tmp_path / "kept"
    kept.write_text("not the job's\n")
    (checkout / "link").symlink_to(kept)
    for path in (log, checkout / "link"):
        os.lchown(str(path), *target.owner)
    assert (checkout / "site.yml").is_file()

    completed, would = run(run_playbook, target, state="absent", check=True)
    assert would["changed"] is True and (checkout / "site.yml").is_file(), would

    completed, removed = run(run_playbook, target, state="absent")
    completed, again = run(run_playbook, target, state="absent")

    assert "Would remove what its runs left: {0}, {1}.".format(log, checkout) in would["msg"], would["msg"]
    assert (
        removed["changed"] is True and "Removed what its runs left: {0}, {1}.".format(log, checkout) in removed["msg"]
    ), removed
    assert not any(os.path.lexists(path) for path in installed["files"] + [str(checkout), str(log), str(state)])
    assert kept.read_text() == "not the job's\n"
    assert again["changed"] is False and again["msg"] == "No schedule to remove.", again


OFFBOARDING_PULL = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_schedule: {state: absent, platform: Linux}
      register: removed
    # Read from the checkout after the module: the run goes on from it.
    - ansible.builtin.include_tasks: record.yml
"""
RECORD = """
- ansible.builtin.copy:
    content: "{{ removed | to_json }}"
    dest: "{{ lookup('env', 'HOME') }}/removed.json"
    mode: "0600"
"""


def test_a_job_that_offboards_removes_itself_but_not_the_checkout_it_runs_from(
    run, run_playbook, target, shared_tmp_path, ansible_pull_bin
):
    files = {"site.yml": OFFBOARDING_PULL, "record.yml": RECORD}

    installed, _ran = timer_that_ran(run, run_playbook, target, files, shared_tmp_path, ansible_pull_bin)

    removed = json.loads((target.home / "removed.json").read_text())
    checkout = target.home / ".local" / "state" / "recro-aws-sso" / "checkout"
    assert removed["changed"] is True and removed["msg"].startswith("Schedule removed."), removed
    assert "{0} is left: this run was pulled into it".format(checkout) in removed["msg"], removed
    assert not any(os.path.lexists(path) for path in installed["files"])
    assert (checkout / "record.yml").is_file()


def test_absent_removes_the_output_where_an_earlier_run_put_it(run, run_playbook, target, shared_tmp_path):
    """Installed by a run with XDG_STATE_HOME set (as the user in a desktop session), removed by
    one without (root for the user, as a fleet offboards): the log and checkout the unit names go,
    and nothing else the unit names."""
    elsewhere = shared_tmp_path / "state"
    earlier = schedule.Layout(str(target.home), "Linux", str(elsewhere))
    command = schedule.pull_command("/usr/bin/ansible-pull", "file:///srv/laptops.git", "main", "site.yml", {}, "")
    command[command.index("--directory") + 1] = earlier.checkout
    for path, text in schedule.render_files(earlier, command, "daily", 0, {}).items():
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(path).write_text(text)
    (pathlib.Path(earlier.checkout) / ".git").mkdir(parents=True)
    pathlib.Path(earlier.log_file).write_text("PLAY [localhost]\n")
    # Another module's record beside them: it stays, and so does their directory.
    pathlib.Path(elsewhere / "recro-aws-sso" / "notified.json").write_text("{}\n")
    for path in [target.home / ".config"] + list((target.home / ".config").rglob("*")) + list(elsewhere.rglob("*")):
        os.lchown(str(path), *target.owner)
    os.lchown(str(elsewhere), *target.owner)

    completed, result = run(run_playbook, target, state="absent")

    assert not result.get("failed") and result["changed"] is True, result
    assert "Removed what its runs left: {0}, {1}.".format(earlier.log_file, earlier.checkout) in result["msg"], result
    assert sorted(str(p.relative_to(elsewhere)) for p in elsewhere.rglob("*")) == [
        "recro-aws-sso",
        "recro-aws-sso/notified.json",
    ]
    assert not any(os.path.lexists(path) for path in result["files"])
