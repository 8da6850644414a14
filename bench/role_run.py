"""The role on one host: playbooks/onboard.yml on the controller itself, for a
throwaway user, against a playbook of the same facts and one ping."""

import contextlib
import os
import pwd
import shutil
import subprocess
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
SYSTEM_PYTHON = "/usr/bin/python3"


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
        "by an administrator) with two profiles as extra vars; the user has a bash login shell, a ~/.zshrc and "
        "fish set up, so three rc files get the block. The baseline gathers the same minimal facts and runs one "
        "ping. 'first run' onboards the user from scratch (their files reset before each run); 'again' is the "
        "run after it, with nothing to change. The user has not signed in (no SSO token), as before a "
        "first `aws sso login`: the tasks that call the SSO portal and STS (discovery, identity) are skipped.",
    )
    if os.geteuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK) or shutil.which("sudo") is None:
        section.note(
            "Not measured: the role benchmark creates a throwaway user, so it needs root, sudo (the role "
            "becomes that user) and {0}.".format(SYSTEM_PYTHON)
        )
        return section
    with throwaway_user() as home:
        extra = ansible_runs.write_json(
            os.path.join(workdir, "role-vars.json"),
            {
                "recro_sso_user": BENCH_USER,
                "recro_sso_profiles": ROLE_PROFILES,
                # The shell tasks become the throwaway user, who cannot run the Python
                # of the project's environment (it lives in root's home): the
                # system's Python runs the modules, for the baseline too.
                "ansible_python_interpreter": SYSTEM_PYTHON,
            },
        )
        task_times = dict(
            (name, os.path.join(workdir, "role-{0}.jsonl".format(name))) for name in ("baseline", "first", "again")
        )
        cases = [
            Case(
                "facts and ping",
                ansible.command(playbook("facts_and_ping.yml"), extra_vars=[extra]),
                env=ansible.environment(task_times["baseline"]),
            ),
            Case(
                "onboard, first run",
                ansible.command(os.path.join(REPOSITORY, "playbooks", "onboard.yml"), extra_vars=[extra]),
                prepare=lambda: reset_home(home),
                env=ansible.environment(task_times["first"]),
            ),
            Case(
                "onboard, again",
                ansible.command(os.path.join(REPOSITORY, "playbooks", "onboard.yml"), extra_vars=[extra]),
                env=ansible.environment(task_times["again"]),
            ),
        ]
        progress("role: playbooks/onboard.yml on localhost for user {0}, {1} rounds".format(BENCH_USER, repeats))
        times = measure_in_turns(cases, repeats, workdir)
        with open(os.path.join(home, ".aws", "config")) as config:
            written = config.read()
        if "[profile recrocog-readonly]" not in written:
            raise RuntimeError("the role did not write the profiles")

    section.series["times"] = dict((name, median(values)) for name, values in times.items())
    section.measured("facts and one ping", times["facts and ping"])
    for key, case_name, run in (("first", "onboard, first run", "first run"), ("again", "onboard, again", "again")):
        section.measured("playbooks/onboard.yml, " + run, times[case_name])
        section.ratio_in_turns(
            "onboard.yml ({0}) / facts and one ping".format(run), times[case_name], times["facts and ping"]
        )
        # Round 0 warmed up: the task costs come from the timed rounds only.
        runs = ansible_runs.read_task_times(task_times[key])[1:]
        costs = ansible_runs.task_costs(runs)
        counts = ansible_runs.outcome_counts(runs)
        if key == "again" and counts.get("changed"):
            raise RuntimeError("the second onboarding run changed something: {0}".format(counts))
        executed = [task for task in costs if set(task["outcomes"]) - {"skipped"}]
        section.series[key] = costs
        section.note(
            "{0}: {1} tasks, {2} executed ({3} on the host, {4} on the controller only) and {5} skipped; "
            "results: {6}.".format(
                case_name,
                len(costs),
                len(executed),
                sum(1 for task in executed if task["on_target"]),
                sum(1 for task in executed if not task["on_target"]),
                len(costs) - len(executed),
                ", ".join("{0} {1}".format(count, status) for status, count in sorted(counts.items())),
            )
        )
        idle = ansible_runs.off_target(costs)
        section.note(
            "{0}: the {1} tasks that never reach the host (controller-only, or skipped) cost {2:.2f} s of the "
            "{3:.2f} s run.".format(case_name, len(idle), sum(task["cost"] for task in idle), median(times[case_name]))
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
            "Cost of each task, onboard.yml {0} (median)".format(run),
            ["task", "action", "outcome", "runs on", "cost"],
            rows,
        )
    return section


def _outcome_text(outcomes):
    return ", ".join(sorted(outcomes)) or "-"
