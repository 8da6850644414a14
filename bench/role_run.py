"""The role on one host: playbooks/onboard.yml on the controller itself, for a
throwaway user, against a playbook of the same facts and one ping."""

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

import ansible_runs
from ansible_runs import REPOSITORY, playbook
from results import Section
from timing import Case, measure_in_turns, median, progress

BENCH_USER = "recro-sso-bench"
HOME_PREFIX = "recro-sso-bench-home-"
# The person's profiles, as an inventory or -e would give them.
ROLE_PROFILES = [
    {"name": "recrocog-admin", "sso_account_id": "123456789012"},
    {"name": "recrocog-readonly", "sso_account_id": "123456789012", "sso_role_name": "readOnly"},
]
ZSHRC = "# the user's own zsh settings\nsetopt interactive_comments\n"
# The modules run on the Python of the benchmarks (boto3 is there), which may
# live where only root can enter: the role acts for the user without become.
TARGET_PYTHON = sys.executable
# Issue goals: the role on one host at most this many times facts and one ping.
GOAL_NOT_LOGGED_IN = 1.6
GOAL_LOGGED_IN = 2.2
# Tasks of 0.1.0's role that reached the host, first run, not logged in (its
# per-task table in docs/performance.md of 0.1.0): facts, the preflight probe,
# the session look-up, the config write and three blockinfile runs.
TRIPS_0_1_0 = 7
# Logged in: the profiles of the stand-in portal's first account.
LOGGED_IN_PROFILES = [{"name": "recrocog-admin", "sso_account_id": "111111111111"}]
BENCH_TOKEN = "bench-access-token"


@contextlib.contextmanager
def throwaway_user():
    """A local account with a bash login shell, a ~/.zshrc and fish set up (the
    three shells the role knows), in a temporary home; removed afterwards, also
    on failure. Yields its home."""
    _remove_leftover_user()
    base = tempfile.mkdtemp(prefix=HOME_PREFIX)
    os.chmod(base, 0o755)  # the user must reach its home
    home = os.path.join(base, BENCH_USER)
    try:
        subprocess.run(
            ["useradd", "--create-home", "--home-dir", home, "--shell", "/bin/bash", "--user-group", BENCH_USER],
            check=True,
        )
        reset_home(home)
        yield home
    finally:
        subprocess.run(["userdel", "--remove", BENCH_USER], stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(base, ignore_errors=True)


def _remove_leftover_user():
    """An interrupted earlier run may have left the account; remove it only if
    it is recognisably ours (its home under a temporary bench directory)."""
    try:
        entry = pwd.getpwnam(BENCH_USER)
    except KeyError:
        return
    if os.path.basename(os.path.dirname(entry.pw_dir)).startswith(HOME_PREFIX):
        subprocess.run(["userdel", "--remove", BENCH_USER], check=True, stderr=subprocess.DEVNULL)
    else:
        raise SystemExit(
            "a user {0} exists with home {1}; it is not this benchmark's, remove it by hand".format(
                BENCH_USER, entry.pw_dir
            )
        )


def reset_home(home):
    """The home as before onboarding: no ~/.aws, the rc files without the role's blocks."""
    entry = pwd.getpwnam(BENCH_USER)
    shutil.rmtree(os.path.join(home, ".aws"), ignore_errors=True)
    shutil.rmtree(os.path.join(home, ".config"), ignore_errors=True)
    shutil.copyfile("/etc/skel/.bashrc", os.path.join(home, ".bashrc"))
    with open(os.path.join(home, ".zshrc"), "w") as zshrc:
        zshrc.write(ZSHRC)
    os.makedirs(os.path.join(home, ".config", "fish"))
    for path in (".bashrc", ".zshrc", ".config", ".config/fish"):
        os.chown(os.path.join(home, path), entry.pw_uid, entry.pw_gid)


def role_on_one_host(ansible, workdir, repeats):
    section = Section(
        "role",
        "The role on one host: playbooks/onboard.yml, against facts and one ping",
        "playbooks/onboard.yml on localhost as root for a throwaway user (recro_sso_user, as on a laptop managed "
        "by an administrator); the user has a bash login shell, a ~/.zshrc and fish set up, so three rc files get "
        "the block. The baseline gathers the minimal facts and runs one ping (the role gathers none: its first "
        "task, the settings check, asks the host its system and user in one shell command). 'first run' onboards the user "
        "from scratch (their files reset before each run); 'again' is the run after it, with nothing to change. "
        "'not logged in': no SSO token and recro_sso_login: never, two profiles as extra vars, so the tasks that call "
        "the SSO portal and STS (discovery, identity) are skipped. 'logged in': a valid token in the user's cache and "
        "the stand-in SSO portal and STS of the tests (tests/support/sso_portal.py, moto) on 127.0.0.1, so the run "
        "also discovers the accounts and verifies the identity through them.",
    )
    if os.geteuid() != 0:
        section.note("Not measured: the role benchmark creates a throwaway user, so it needs root.")
        return section
    servers = _stand_in_servers()
    with throwaway_user() as home, servers.running(workdir) as endpoints:
        not_logged_in = ansible_runs.write_json(
            os.path.join(workdir, "role-vars.json"),
            {
                "recro_sso_user": BENCH_USER,
                "recro_sso_profiles": ROLE_PROFILES,
                "recro_sso_login": "never",
                "ansible_python_interpreter": TARGET_PYTHON,
            },
        )
        logged_in = ansible_runs.write_json(
            os.path.join(workdir, "role-vars-logged-in.json"),
            {
                "recro_sso_user": BENCH_USER,
                "recro_sso_profiles": LOGGED_IN_PROFILES,
                "ansible_python_interpreter": TARGET_PYTHON,
            },
        )
        onboard = os.path.join(REPOSITORY, "playbooks", "onboard.yml")
        runs = [
            # key, case name, extra vars, environment, reset before each run
            ("first", "onboard, first run", not_logged_in, {}, lambda: reset_home(home)),
            ("again", "onboard, again", not_logged_in, {}, None),
            (
                "logged_in_first",
                "onboard logged in, first run",
                logged_in,
                endpoints,
                lambda: (reset_home(home), servers.log_in(home)),
            ),
            ("logged_in_again", "onboard logged in, again", logged_in, endpoints, None),
        ]
        task_times = dict(
            (key, os.path.join(workdir, "role-{0}.jsonl".format(key))) for key in ["baseline"] + [r[0] for r in runs]
        )
        cases = [
            Case(
                "facts and ping",
                ansible.command(playbook("facts_and_ping.yml"), extra_vars=[not_logged_in]),
                env=ansible.environment(task_times["baseline"]),
            )
        ]
        for key, name, extra, variables, prepare in runs:
            env = dict(ansible.environment(task_times[key]), **variables)
            cases.append(Case(name, ansible.command(onboard, extra_vars=[extra]), prepare=prepare, env=env))
        progress("role: playbooks/onboard.yml on localhost for user {0}, {1} rounds".format(BENCH_USER, repeats))
        times = measure_in_turns(cases, repeats, workdir)
        with open(os.path.join(home, ".aws", "config")) as config:
            written = config.read()
        if "[profile recrocog-admin]" not in written or "[profile recrocog-staging-admin]" not in written:
            raise RuntimeError("the logged-in role run did not write the discovered profiles:\n" + written)

    section.series["times"] = dict((name, median(values)) for name, values in times.items())
    section.measured("facts and one ping", times["facts and ping"])
    trips = {}
    for key, name, _extra, _variables, _prepare in runs:
        goal = GOAL_LOGGED_IN if key.startswith("logged_in") else GOAL_NOT_LOGGED_IN
        section.measured("playbooks/onboard.yml: " + name, times[name])
        section.ratio_in_turns("{0} / facts and one ping".format(name), times[name], times["facts and ping"], goal=goal)
        trips[key] = _report_task_costs(section, key, name, task_times[key], median(times[name]))
    section.series["trips"] = dict(trips, **{"0.1.0": TRIPS_0_1_0})
    section.note(
        "Trips to the host (tasks that reach it), first run not logged in: {0}, against {1} for 0.1.0's role; "
        "logged in: {2}.".format(trips["first"], TRIPS_0_1_0, trips["logged_in_first"])
    )
    return section


def _report_task_costs(section, key, name, task_times, run_time):
    """The per-task table and notes of one case; returns its trips to the host."""
    # Round 0 warmed up: the task costs come from the timed rounds only.
    runs = ansible_runs.read_task_times(task_times)[1:]
    costs = ansible_runs.task_costs(runs)
    counts = ansible_runs.outcome_counts(runs)
    if key.endswith("again") and counts.get("changed"):
        raise RuntimeError("the second onboarding run ({0}) changed something: {1}".format(name, counts))
    executed = [task for task in costs if set(task["outcomes"]) - {"skipped"}]
    trips = sum(1 for task in executed if task["on_target"])
    section.series[key] = costs
    section.note(
        "{0}: {1} tasks, {2} executed ({3} on the host, {4} on the controller only) and {5} skipped; "
        "results: {6}.".format(
            name,
            len(costs),
            len(executed),
            trips,
            len(executed) - trips,
            len(costs) - len(executed),
            ", ".join("{0} {1}".format(count, status) for status, count in sorted(counts.items())),
        )
    )
    idle = ansible_runs.off_target(costs)
    section.note(
        "{0}: the {1} tasks that never reach the host (controller-only, or skipped) cost {2:.2f} s of the "
        "{3:.2f} s run.".format(name, len(idle), sum(task["cost"] for task in idle), run_time)
    )
    rows = []
    for task in costs:
        rows.append(
            [
                ansible_runs.short_task_name(task["name"]),
                ansible_runs.short_action(task["action"]),
                _outcome_text(task["outcomes"]),
                "host" if task["on_target"] else "controller",
                "{0:.3f} s".format(task["cost"]),
            ]
        )
    section.table(
        "Cost of each task, {0} (median)".format(name), ["task", "action", "outcome", "runs on", "cost"], rows
    )
    return trips


class _StandInServers:
    """The tests' stand-ins for the SSO portal and STS (IAM Identity Center and
    STS cannot be reached from here), run as their own program."""

    def __init__(self):
        collections = os.path.join(REPOSITORY, ".cache", "collections")
        if collections not in sys.path:
            sys.path.insert(0, collections)
        from ansible_collections.recro.aws_sso.tests.support import aws_servers  # pylint: disable=import-outside-toplevel

        self._servers = aws_servers

    @contextlib.contextmanager
    def running(self, workdir):
        state_file = os.path.join(workdir, "portal-state.json")
        state = dict(self._servers.DEFAULT_ORGANIZATION, accessTokens=[BENCH_TOKEN])
        with open(state_file, "w") as handle:
            json.dump(state, handle)
        from pathlib import Path  # pylint: disable=import-outside-toplevel

        with self._servers.portal_process(Path(state_file), moto_sts=True) as variables:
            yield dict(variables, AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")

    def log_in(self, home):
        """A valid token in the user's cache, as after `aws sso login`, owned by the user."""
        from pathlib import Path  # pylint: disable=import-outside-toplevel

        self._servers.write_token_cache(Path(home), BENCH_TOKEN)
        entry = pwd.getpwnam(BENCH_USER)
        for directory, _dirs, files in os.walk(os.path.join(home, ".aws")):
            for path in [directory] + [os.path.join(directory, name) for name in files]:
                os.chown(path, entry.pw_uid, entry.pw_gid)


def _stand_in_servers():
    return _StandInServers()


def _outcome_text(outcomes):
    return ", ".join(sorted(outcomes)) or "-"
