"""How the benchmarks run ansible-playbook: one environment for every run, so
that the only difference between two measured runs is the playbook."""

import json
import os
import shutil
import sys

import jinja2
from timing import median

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.dirname(BENCH_DIR)
PLAYBOOKS = os.path.join(BENCH_DIR, "playbooks")
LOCALHOST_INVENTORY = os.path.join(BENCH_DIR, "inventory", "localhost.yml")

# Actions that run on the controller only (ansible.builtin.*): they never reach the target.
# recro.aws_sso.onboarding_settings reaches it only in a play that gathered no facts (as
# playbooks/onboard.yml and drift.yml): the callback marks a task that did ("reached_host").
CONTROLLER_ACTIONS = frozenset(
    (
        "assert",
        "debug",
        "fail",
        "set_fact",
        "include_vars",
        "include_tasks",
        "import_tasks",
        "include_role",
        "import_role",
        "meta",
        "set_stats",
        "add_host",
        "group_by",
        "validate_argument_spec",
        "onboarding_settings",
    )
)


def executable(name):
    """A tool of the Python environment running the benchmarks (the project's
    .venv under `make bench`), else the one on PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.access(candidate, os.X_OK) else shutil.which(name)


class Ansible:
    """ansible-playbook with the checkout's ansible.cfg (which finds the collection
    as recro.aws_sso) and, when asked, the task-times callback."""

    def __init__(self):
        self.playbook_command = executable("ansible-playbook")
        if self.playbook_command is None:
            raise SystemExit("ansible-playbook not found: run `make venv link` and `make bench`")

    def environment(self, task_times=None):
        """The environment of a run; with ``task_times``, the callback appends each run's task times to that file."""
        env = dict(os.environ)
        env.update(
            {
                "ANSIBLE_CONFIG": os.path.join(REPOSITORY, "ansible.cfg"),
                "ANSIBLE_CALLBACK_PLUGINS": os.path.join(BENCH_DIR, "callback_plugins"),
                "ANSIBLE_NOCOLOR": "1",
                # The tools of the Python running the benchmarks first, for every run alike.
                "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
            }
        )
        env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
        # Python's defaults, as on a laptop, for every run alike: where it is set, it turns off the
        # bytecode that Python and module_utils/_compile_once.py keep between runs.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if task_times:
            env["ANSIBLE_CALLBACKS_ENABLED"] = "bench_task_times"
            env["BENCH_TASK_TIMES"] = task_times
        return env

    def command(self, playbook, inventory=LOCALHOST_INVENTORY, extra_vars=(), forks=None, limit=None):
        """The argv of one run; ``extra_vars`` are paths of JSON files or key=value strings."""
        argv = [self.playbook_command, "-i", inventory, playbook]
        for extra in extra_vars:
            argv += ["-e", "@" + extra if os.path.isabs(extra) else extra]
        if forks:
            argv += ["--forks", str(forks)]
        if limit:
            argv += ["--limit", limit]
        return argv


def playbook(name):
    return os.path.join(PLAYBOOKS, name)


def render_tasks_playbook(path, module, args, count):
    """A playbook of ``count`` tasks of ``module`` with ``args`` on localhost
    (playbooks/tasks.yml.j2), written to ``path``."""
    with open(os.path.join(PLAYBOOKS, "tasks.yml.j2")) as template_file:
        template = jinja2.Template(template_file.read(), keep_trailing_newline=True)
    with open(path, "w") as output:
        output.write(template.render(module=module, args=args, count=count))
    return path


def write_json(path, data):
    with open(path, "w") as output:
        json.dump(data, output)
    return path


def read_task_times(path):
    """The runs recorded by the bench_task_times callback, one dict per run."""
    with open(path) as lines:
        return [json.loads(line) for line in lines if line.strip()]


def short_task_name(name):
    """A task's name without its role's prefix (and the argument check without its description)."""
    name = name.split(" : ", 1)[-1]
    return name.split(" - ", 1)[0] if name.startswith("Validating arguments against arg spec") else name


def short_action(action):
    return action[len("ansible.builtin.") :] if action.startswith("ansible.builtin.") else action


def task_costs(runs):
    """Per task of the playbook (in order): its name, action, the median of its
    cost over ``runs`` (seconds from its start to the next task's) and the
    outcomes on each host in the last run, e.g. {"ok": 19, "skipped": 1}."""
    first = runs[0]["tasks"]
    costs = []
    for index, task in enumerate(first):
        durations = [
            run["tasks"][index]["end"] - run["tasks"][index]["start"]
            for run in runs
            if len(run["tasks"]) > index and run["tasks"][index]["name"] == task["name"]
        ]
        outcomes = {}
        for status in runs[-1]["tasks"][index]["hosts"].values():
            outcomes[status] = outcomes.get(status, 0) + 1
        costs.append(
            {
                "name": task["name"],
                "action": task["action"],
                "cost": median(durations),
                "outcomes": outcomes,
                "on_target": task["action"].rsplit(".", 1)[-1] not in CONTROLLER_ACTIONS
                or any(run["tasks"][index].get("reached_host") for run in runs if len(run["tasks"]) > index),
            }
        )
    return costs


def off_target(costs):
    """The tasks that never reach a host: controller-only actions, and tasks skipped on every host."""
    return [task for task in costs if not task["on_target"] or set(task["outcomes"]) == {"skipped"}]


def outcome_counts(runs):
    """Status -> how many (task, host) results had it, in the last run."""
    counts = {}
    for task in runs[-1]["tasks"]:
        for status in task["hosts"].values():
            counts[status] = counts.get(status, 0) + 1
    return counts


def failed_hosts(run):
    return sorted(host for host, summary in run["hosts"].items() if summary["failures"] or summary["unreachable"])
