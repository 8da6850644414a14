"""A fleet run: Podman containers from the Debian 12 image, reached over SSH
(as laptops are) or with the containers.podman.podman connection, onboarded
and checked for drift all at once (forks = number of hosts), against the same
fleet gathering facts and running one ping."""

import hashlib
import os
import re
import socket
import subprocess
import time

import ansible_runs
import yaml
from ansible_runs import REPOSITORY, playbook
from results import Section
from role_run import ROLE_PROFILES
from timing import Case, measure_in_turns, median, progress, seconds

IMAGE = "localhost/recro-sso-debian12:latest"
# Issue goal: onboarding and a drift report at most this many times facts and
# one ping on the same hosts (0.1.0: 4.1 for onboarding 20 hosts).
FLEET_GOAL = 2.0
SSHD_IMAGE = "localhost/recro-sso-bench-sshd"
SSHD_CONTAINERFILE = os.path.join(ansible_runs.BENCH_DIR, "sshd.Containerfile")
NAME_PREFIX = "recro-sso-bench-"
# Every container this benchmark starts carries this label: leftovers of an
# interrupted run are found by it (and the name prefix), never by name alone.
LABEL = "org.recro.aws-sso.bench=fleet"
USER = "alice"
HOME = "/home/" + USER

# The user's files before onboarding: a bash login shell, a ~/.zshrc and fish set up.
RESET_SCRIPT = """
rm -rf {home}/.aws {home}/.config
mkdir -p {home}/.config/fish
cp /etc/skel/.bashrc {home}/.bashrc
printf '# alice zsh settings\\n' > {home}/.zshrc
chown -R {user}:{user} {home}
""".format(home=HOME, user=USER)

# What people do by hand, one kind on each drifted host: another role for the
# admin profile, another Region, the shell block deleted.
TAMPERING = [
    "sed -i 's/^sso_role_name = adminAccess$/sso_role_name = readOnly/' {home}/.aws/config",
    "sed -i 's/^region = us-east-1$/region = eu-west-1/' {home}/.aws/config",
    "sed -i '/^# BEGIN recro.aws_sso/,/^# END recro.aws_sso/d' {home}/.bashrc",
]

# Keywords that make Ansible run hosts one after the other, run per-host work in
# one place, or stop the whole fleet at one host's failure (which a drift report,
# failing the hosts that drifted, must not do).
SERIALISING_KEYWORDS = (
    "run_once",
    "serial",
    "throttle",
    "delegate_to",
    "delegate_facts",
    "local_action",
    "strategy",
    "order",
    "any_errors_fatal",
    "max_fail_percentage",
)


def podman(*arguments, check=True):
    return subprocess.run(
        ["podman"] + list(arguments),
        check=check,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
    )


def image_exists():
    return podman("image", "exists", IMAGE, check=False).returncode == 0


def sshd_image():
    """The image of SSH hosts, built from IMAGE when missing. Its tag is a hash
    of the recipe and of the base image, so a new base image means a new build."""
    with open(SSHD_CONTAINERFILE, "rb") as recipe:
        digest = hashlib.sha256(recipe.read())
    digest.update(podman("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.encode())
    image = "{0}:{1}".format(SSHD_IMAGE, digest.hexdigest()[:12])
    if podman("image", "exists", image, check=False).returncode != 0:
        progress("fleet: building {0} (the Debian archive must be reachable)".format(image))
        podman("build", "--tag", image, "--file", SSHD_CONTAINERFILE, ansible_runs.BENCH_DIR)
    return image


class Fleet:
    """``size`` containers named recro-sso-bench-01, -02, ...; removed on exit,
    also when a measurement fails or the run is interrupted.

    ``connection`` ssh: each runs an SSH server on Podman's network, root logs
    in with a key made for the run. podman: no network at all, Ansible goes
    through `podman exec`."""

    def __init__(self, size, connection, workdir):
        self.names = ["{0}{1:02d}".format(NAME_PREFIX, number) for number in range(1, size + 1)]
        self.connection = connection
        self.key = os.path.join(workdir, "fleet-ssh-key")
        self.addresses = {}

    def __enter__(self):
        self.remove_leftovers()
        if self.connection == "ssh":
            image, network = sshd_image(), []
        else:
            image, network = IMAGE, ["--network", "none"]
        try:
            for name in self.names:
                command = ["sleep", "infinity"] if self.connection == "podman" else []
                podman(
                    "run", "--detach", "--name", name, "--hostname", name, "--label", LABEL, *network, image, *command
                )
            self.run_everywhere("useradd --create-home --shell /bin/bash {0}".format(USER))
            self.reset()
            if self.connection == "ssh":
                self._authorise_key()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc_info):
        self.remove()

    def remove(self):
        podman("rm", "--force", "--time", "0", *self.names, check=False)

    @staticmethod
    def remove_leftovers():
        listed = podman("ps", "--all", "--filter", "label=" + LABEL, "--format", "{{.Names}}").stdout.split()
        leftovers = [name for name in listed if name.startswith(NAME_PREFIX)]
        if leftovers:
            progress("fleet: removing {0} containers left by an interrupted run".format(len(leftovers)))
            podman("rm", "--force", "--time", "0", *leftovers, check=False)

    def _authorise_key(self):
        for path in (self.key, self.key + ".pub"):
            if os.path.exists(path):
                os.remove(path)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "recro-sso-bench", "-f", self.key], check=True
        )
        with open(self.key + ".pub") as public_key:
            line = public_key.read().strip()
        self.run_everywhere("install -d -m 0700 /root/.ssh && echo '{0}' > /root/.ssh/authorized_keys".format(line))
        for name in self.names:
            self.addresses[name] = podman("inspect", "--format", "{{.NetworkSettings.IPAddress}}", name).stdout.strip()
        # sshd starts with the container; wait until every one accepts connections.
        deadline = time.time() + 60
        for address in self.addresses.values():
            while True:
                try:
                    socket.create_connection((address, 22), timeout=2).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("no SSH server answers on {0}".format(address)) from None
                    time.sleep(0.5)

    def run_everywhere(self, script, names=None):
        """``script`` (sh) as root in each container, all at once."""
        running = [
            (
                name,
                subprocess.Popen(
                    ["podman", "exec", name, "sh", "-ec", script],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    universal_newlines=True,
                ),
            )
            for name in names or self.names
        ]
        for name, process in running:
            output = process.communicate()[0]
            if process.returncode:
                raise RuntimeError("{0}: `{1}` failed: {2}".format(name, script.strip(), output.strip()))

    def reset(self, names=None):
        self.run_everywhere(RESET_SCRIPT, names)

    def tamper(self):
        """Hand edits on the first len(TAMPERING) hosts; returns their names."""
        tampered = self.names[: len(TAMPERING)]
        for name, script in zip(tampered, TAMPERING):
            self.run_everywhere(script.format(home=HOME), [name])
        return tampered

    def write_inventory(self, path):
        if self.connection == "ssh":
            # As for laptops: key login, connection reuse (Ansible's default
            # ControlPersist) and pipelining, which the role's become tasks use too.
            connection = {
                "ansible_user": "root",
                "ansible_ssh_private_key_file": self.key,
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                "ansible_pipelining": True,
            }
            hosts = dict((name, {"ansible_host": self.addresses[name]}) for name in self.names)
        else:
            connection = {"ansible_connection": "containers.podman.podman"}
            hosts = dict((name, None) for name in self.names)
        inventory = {
            "fleet": {
                "hosts": hosts,
                "vars": dict(
                    connection,
                    **{
                        "ansible_python_interpreter": "/usr/bin/python3",
                        "recro_sso_user": USER,
                        "recro_sso_profiles": ROLE_PROFILES,
                    },
                ),
            }
        }
        with open(path, "w") as output:
            yaml.safe_dump(inventory, output, default_flow_style=False)
        return path


def _task_files():
    """The files holding plays and tasks: playbooks/*.yml and each role's tasks
    and handlers (not argument specs or variables, whose keys are option names)."""
    playbooks = os.path.join(REPOSITORY, "playbooks")
    paths = [
        os.path.join(playbooks, name) for name in sorted(os.listdir(playbooks)) if name.endswith((".yml", ".yaml"))
    ]
    roles = os.path.join(REPOSITORY, "roles")
    for role in sorted(os.listdir(roles)):
        for part in ("tasks", "handlers"):
            directory = os.path.join(roles, role, part)
            if os.path.isdir(directory):
                paths.extend(
                    os.path.join(directory, name)
                    for name in sorted(os.listdir(directory))
                    if name.endswith((".yml", ".yaml"))
                )
    return paths


def find_serialising_keywords():
    """Where the plays and tasks use a keyword that serialises hosts or stops
    the fleet: ``(file, line number, line)``."""
    pattern = re.compile(r"^\s*-?\s*({0})\s*:".format("|".join(SERIALISING_KEYWORDS)))
    found = []
    for path in _task_files():
        with open(path) as lines:
            for number, line in enumerate(lines, 1):
                if pattern.match(line):
                    found.append((os.path.relpath(path, REPOSITORY), number, line.strip()))
    return found


CONNECTIONS = {
    "ssh": "over SSH (Podman's network, key login as root, pipelining and Ansible's default ControlPersist, as "
    "for laptops)",
    "podman": "with the containers.podman.podman connection (no network; no pipelining, so each module run is "
    "several `podman exec` calls)",
}


def fleet_run(ansible, workdir, size, repeats, connection):
    if connection == "ssh":
        try:
            sshd_image()
        except subprocess.CalledProcessError as error:
            progress(
                "fleet: cannot build the SSH image ({0}); using the podman connection".format(error.stderr.strip())
            )
            connection = "podman"
    section = Section(
        "fleet",
        "A fleet of {0} hosts: onboarding and drift reports, against facts and one ping".format(size),
        "{0} Podman containers from {1}, reached {2}, all at once (--forks {0}). User {3} on each (bash login "
        "shell, ~/.zshrc, fish set up, not signed in to AWS, so the tasks that call the SSO portal are skipped) gets "
        "two profiles, for root with become. The baseline gathers the minimal facts and runs one ping (the role gathers "
        "none: its first task, the settings check, asks the host its system and user in one shell command). "
        "Onboarding starts from the user's files as before onboarding (reset before each run); the drift reports "
        "(playbooks/drift.yml, report mode) run on the onboarded fleet, then after hand edits on {4} hosts, which "
        "the report must fail. The baseline and onboarding also run on one host of the same fleet (--limit), to "
        "show how the time grows with the hosts. The containers run on the controller's own cores.".format(
            size, IMAGE, CONNECTIONS[connection], USER, len(TAMPERING)
        ),
    )
    section.series["connection"] = connection
    keywords = find_serialising_keywords()
    if keywords:
        section.note(
            "Keywords that serialise hosts or stop the fleet, in playbooks/*.yml and the role's tasks: "
            + "; ".join("{0}:{1} `{2}`".format(path, number, line) for path, number, line in keywords)
            + "."
        )
    else:
        section.note(
            "No keyword that serialises hosts or stops the fleet ({0}) in playbooks/*.yml or in the "
            "role's tasks and handlers ({1} files).".format(", ".join(SERIALISING_KEYWORDS), len(_task_files()))
        )

    progress(
        "fleet: starting {0} containers, reached {1}".format(
            size, "over SSH" if connection == "ssh" else "with podman exec"
        )
    )
    with Fleet(size, connection, workdir) as fleet:
        inventory = fleet.write_inventory(os.path.join(workdir, "fleet-inventory.yml"))
        one_host = fleet.names[-1]  # never one of the tampered hosts
        hosts = "-e", "recro_sso_hosts=fleet", "-e", "bench_hosts=fleet"
        onboard = os.path.join(REPOSITORY, "playbooks", "onboard.yml")
        drift = os.path.join(REPOSITORY, "playbooks", "drift.yml")
        task_times = {}

        def case(name, path, limit=None, prepare=None, expect_status=0, warm_up=False):
            task_times[name] = os.path.join(workdir, "fleet-{0}.jsonl".format(len(task_times)))
            command = ansible.command(path, inventory=inventory, forks=size, limit=limit) + list(hosts)
            return Case(
                name,
                command,
                prepare=prepare,
                expect_status=expect_status,
                warm_up=warm_up,
                env=ansible.environment(task_times[name]),
            )

        tampered = []

        def tamper():
            tampered[:] = fleet.tamper()

        cases = [
            case("1 host: facts and ping", playbook("facts_and_ping.yml"), limit=one_host, warm_up=True),
            case("1 host: onboard", onboard, limit=one_host, prepare=lambda: fleet.reset([one_host])),
            case("facts and ping", playbook("facts_and_ping.yml"), warm_up=True),
            case("onboard", onboard, prepare=fleet.reset),
            case("drift report, no drift", drift),
            # ansible-playbook exits with 2 when hosts failed: the report's alert.
            case("drift report, {0} hosts drifted".format(len(TAMPERING)), drift, prepare=tamper, expect_status=2),
        ]
        progress("fleet: {0} hosts, forks {0}, {1} rounds (only the baselines warm up)".format(size, repeats))
        times = measure_in_turns(cases, repeats, workdir)

    # The task costs come from the timed rounds only, not from a warm-up run.
    runs = dict(
        (case.name, ansible_runs.read_task_times(task_times[case.name])[1 if case.warm_up else 0 :]) for case in cases
    )
    drifted_name = "drift report, {0} hosts drifted".format(len(TAMPERING))
    for run in runs[drifted_name]:
        if ansible_runs.failed_hosts(run) != sorted(tampered):
            raise RuntimeError(
                "the drift report failed {0}, expected the tampered {1}".format(
                    ansible_runs.failed_hosts(run), sorted(tampered)
                )
            )
    for name in ("onboard", "drift report, no drift"):
        for run in runs[name]:
            if ansible_runs.failed_hosts(run):
                raise RuntimeError("{0} failed on {1}".format(name, ansible_runs.failed_hosts(run)))

    section.measured("{0} hosts: facts and one ping".format(size), times["facts and ping"])
    for name in ("onboard", "drift report, no drift", drifted_name):
        label = (
            "playbooks/onboard.yml" if name == "onboard" else "playbooks/drift.yml, " + name[len("drift report, ") :]
        )
        section.measured("{0} hosts: {1}".format(size, label), times[name])
        section.ratio_in_turns(
            "{0} / facts and one ping ({1} hosts)".format(label, size),
            times[name],
            times["facts and ping"],
            goal=None if name == drifted_name else FLEET_GOAL,
        )
    section.measured("1 host: facts and one ping", times["1 host: facts and ping"])
    section.measured("1 host: playbooks/onboard.yml", times["1 host: onboard"])
    section.ratio_in_turns(
        "playbooks/onboard.yml / facts and one ping (1 host)", times["1 host: onboard"], times["1 host: facts and ping"]
    )
    section.ratio_in_turns(
        "facts and one ping: {0} hosts / 1 host".format(size), times["facts and ping"], times["1 host: facts and ping"]
    )
    section.ratio_in_turns(
        "playbooks/onboard.yml: {0} hosts / 1 host".format(size), times["onboard"], times["1 host: onboard"]
    )

    # The controller's CPU time (Ansible, and the ssh or podman clients it runs;
    # not the containers' own processes) sizes the machine that drives a fleet.
    # The whole machine's busy time says whether the run waited for CPU: the
    # containers share the controller's cores (and other users' processes count).
    cpu_rows = []
    section.series["machine cores busy"] = {}
    for fleet_case in cases:
        hosts_in_run = 1 if fleet_case.name.startswith("1 host") else size
        wall = median(times[fleet_case.name])
        cpu = median(fleet_case.cpu_runs)
        machine = [value for value in fleet_case.machine_cpu_runs if value is not None]
        if machine:
            section.series["machine cores busy"][fleet_case.name] = median(machine) / wall
        cpu_rows.append(
            [
                fleet_case.name,
                seconds(wall),
                seconds(cpu),
                "{0:.2f}".format(cpu / wall),
                "{0:.2f}".format(median(machine) / wall) if machine else "-",
                seconds(cpu / hosts_in_run),
            ]
        )
    section.table(
        "CPU time: Ansible and the connection's client processes on the controller, and the whole machine "
        "({0} cores, also running the containers)".format(os.cpu_count()),
        ["run", "wall", "controller CPU", "controller cores busy", "machine cores busy", "controller CPU per host"],
        cpu_rows,
    )
    section.series["size"] = size
    section.series["fleet"] = dict((name, median(values)) for name, values in times.items())

    # A task that grows with the fleet much faster than the baseline's tasks is
    # one whose per-host work does not run in parallel.
    single = dict((task["name"], task["cost"]) for task in ansible_runs.task_costs(runs["1 host: onboard"]))
    rows = []
    section.series["onboard tasks"] = []
    for task in ansible_runs.task_costs(runs["onboard"]):
        alone = single.get(task["name"])
        section.series["onboard tasks"].append([ansible_runs.short_task_name(task["name"]), task["cost"], alone])
        rows.append(
            [
                ansible_runs.short_task_name(task["name"]),
                _outcomes(task["outcomes"]),
                "{0:.3f} s".format(alone) if alone else "-",
                "{0:.3f} s".format(task["cost"]),
                "{0:.1f}".format(task["cost"] / alone) if alone else "-",
            ]
        )
    for name, label in (("1 host: onboard", "1 host"), ("onboard", "{0} hosts".format(size))):
        costs = ansible_runs.task_costs(runs[name])
        idle = ansible_runs.off_target(costs)
        section.note(
            "playbooks/onboard.yml on {0}: the {1} tasks that never reach a host (controller-only, or skipped "
            "everywhere) cost {2:.2f} s of the {3:.2f} s run.".format(
                label, len(idle), sum(task["cost"] for task in idle), median(times[name])
            )
        )
    section.table(
        "Cost of each task of playbooks/onboard.yml on 1 host and on {0} (median)".format(size),
        ["task", "outcomes ({0} hosts)".format(size), "1 host", "{0} hosts".format(size), "growth"],
        rows,
    )
    base_single = dict((task["name"], task["cost"]) for task in ansible_runs.task_costs(runs["1 host: facts and ping"]))
    base_rows = []
    for task in ansible_runs.task_costs(runs["facts and ping"]):
        alone = base_single[task["name"]]
        base_rows.append(
            [
                task["name"],
                "{0:.3f} s".format(alone),
                "{0:.3f} s".format(task["cost"]),
                "{0:.1f}".format(task["cost"] / alone),
            ]
        )
    section.table(
        "Cost of each task of the baseline on 1 host and on {0} (median)".format(size),
        ["task", "1 host", "{0} hosts".format(size), "growth"],
        base_rows,
    )
    return section


def _outcomes(outcomes):
    return ", ".join("{0} {1}".format(count, status) for status, count in sorted(outcomes.items()))
