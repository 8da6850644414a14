"""The three ways to run the role at scale, on one host, in turns: push from a
control node (ansible-playbook over SSH), an AWX or Automation Platform job
(ansible-navigator in the execution environment of `make ee`, over SSH), and
what ansible-pull on a laptop adds to a local run (its fetch of the
repository it pulls)."""

import os
import re
import shutil
import subprocess
import sys

import ansible_runs
import fleet
import yaml
from ansible_runs import REPOSITORY, playbook
from results import Section
from timing import Case, case_log, measure_in_turns, median, progress

# The checkout as the collection recro.aws_sso (`make link`), for the tests' navigator command.
_COLLECTIONS = os.path.join(REPOSITORY, ".cache", "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)
from ansible_collections.recro.aws_sso.tests.support import navigator as navigator_run  # noqa: E402

EE_IMAGE = "localhost/recro-sso-ee:latest"


def _navigator_inventory(workdir, inventory):
    """The fleet inventory with the key where the execution environment sees it:
    ansible-navigator mounts the project directory (the working directory)."""
    with open(inventory) as source:
        data = yaml.safe_load(source)
    key = os.path.join(workdir, "ways-project", "id_ed25519")
    shutil.copy(data["fleet"]["vars"]["ansible_ssh_private_key_file"], key)
    os.chmod(key, 0o600)
    data["fleet"]["vars"]["ansible_ssh_private_key_file"] = key
    path = os.path.join(workdir, "ways-project", "inventory.yml")
    with open(path, "w") as output:
        yaml.safe_dump(data, output, default_flow_style=False)
    return path


def _check_reached(log, host, name):
    """A run that matched no host is fast and exits 0: it must have onboarded the host."""
    with open(log, errors="replace") as output:
        text = output.read()
    if not re.search(r"{0}\s*: ok=\d+ .*unreachable=0 +failed=0".format(re.escape(host)), text):
        raise RuntimeError("{0}: the run did not onboard {1} (output in {2})".format(name, host, log))


def ways_at_scale(ansible, workdir, repeats):
    # ansible-navigator runs in the project directory: every path it gets is absolute or relative to it.
    workdir = os.path.abspath(workdir)
    section = Section(
        "ways",
        "Three ways at scale: push, an AWX job in the execution environment, ansible-pull",
        "One Debian 12 container reached over SSH, onboarded for user {0} with nothing left to change (a second "
        "run), in turns: ansible-playbook from this machine (push), ansible-navigator running the same playbook in "
        "the execution environment {1} (what an AWX or Automation Platform job template runs); and, for "
        "ansible-pull on a laptop, what it adds to a local run: a playbook of facts and one ping run by "
        "ansible-playbook and by ansible-pull from a file URL of this checkout (the role benchmark above gives "
        "the local run of the role).".format(fleet.USER, EE_IMAGE),
    )
    if os.geteuid() != 0 or shutil.which("podman") is None or not fleet.image_exists():
        section.note("Not measured: needs root, Podman and the image {0} (make images).".format(fleet.IMAGE))
        return section
    navigator = ansible_runs.executable("ansible-navigator")
    has_ee = fleet.podman("image", "exists", EE_IMAGE, check=False).returncode == 0
    if navigator is None or not has_ee:
        section.note(
            "The execution environment was not measured: run `make ee` first (it builds {0}).".format(EE_IMAGE)
        )
    if not os.path.isdir("/dev/mqueue"):
        # ansible-navigator refuses to start Podman without it (see tests/ee).
        os.mkdir("/dev/mqueue", 0o1777)
    project = os.path.join(workdir, "ways-project")
    os.makedirs(os.path.join(project, "playbooks"), exist_ok=True)
    shutil.copy(os.path.join(REPOSITORY, "playbooks", "onboard.yml"), os.path.join(project, "playbooks"))
    clone_target = os.path.join(workdir, "ways-clone")
    progress("ways: one host over SSH, push and execution environment, {0} rounds".format(repeats))
    with fleet.Fleet(1, "ssh", workdir) as hosts:
        inventory = hosts.write_inventory(os.path.join(workdir, "ways-inventory.yml"))
        onboard = os.path.join(REPOSITORY, "playbooks", "onboard.yml")
        push = ansible.command(onboard, inventory=inventory, extra_vars=["recro_sso_hosts=fleet"])
        # Onboarded once, so that every measured run is the daily no-change run.
        subprocess.run(push, env=ansible.environment(), check=True, stdout=subprocess.DEVNULL)
        cases = [Case("push: ansible-playbook over SSH", push, env=ansible.environment())]
        if navigator is not None and has_ee:
            environment = dict(os.environ, ANSIBLE_NAVIGATOR_CONFIG=os.devnull)
            environment.pop("ANSIBLE_CONFIG", None)
            _navigator_inventory(workdir, inventory)
            command = navigator_run.run_command(
                navigator,
                "playbooks/onboard.yml",
                EE_IMAGE,
                os.path.join(workdir, "ways-navigator.log"),
                "inventory.yml",
            ) + ["-e", "recro_sso_hosts=fleet"]
            cases.append(
                Case(
                    "AWX job: ansible-navigator in the execution environment",
                    ["sh", "-c", 'cd "$0" && exec "$@"', project] + command,
                    env=environment,
                )
            )
        # What ansible-pull adds to a run of the playbook on the laptop: its own
        # ansible run of the git module (a clone of the repository, here a file
        # URL of this checkout), before the same ansible-playbook run.
        local = ansible.command(playbook("facts_and_ping.yml"))
        # Both on the Python of the benchmarks (ansible-pull's own run of the git module discovers one otherwise).
        local_environment = dict(ansible.environment(), ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        cases.append(Case("local: ansible-playbook of facts and ping", local, env=local_environment))
        cases.append(
            Case(
                "ansible-pull of the same playbook",
                [
                    ansible_runs.executable("ansible-pull"),
                    "--url",
                    "file://" + REPOSITORY,
                    "--directory",
                    clone_target,
                    "--inventory",
                    "localhost,",
                    "bench/playbooks/facts_and_ping.yml",
                ],
                prepare=lambda: shutil.rmtree(clone_target, ignore_errors=True),
                env=local_environment,
            )
        )
        for case in cases:
            if os.path.exists(case_log(workdir, case.name)):
                os.remove(case_log(workdir, case.name))
        times = measure_in_turns(cases, repeats, workdir)
        for case in cases[:-2]:
            _check_reached(case_log(workdir, case.name), hosts.names[0], case.name)
    shutil.rmtree(clone_target, ignore_errors=True)
    push_times = times["push: ansible-playbook over SSH"]
    for name, runs in times.items():
        section.measured(name, runs)
    ee_name = "AWX job: ansible-navigator in the execution environment"
    if ee_name in times:
        section.ratio_in_turns("execution environment / push (same host, same run)", times[ee_name], push_times)
        section.derived("what the execution environment adds to a job", median(times[ee_name]) - median(push_times))
    pull_name = "ansible-pull of the same playbook"
    local_times = times["local: ansible-playbook of facts and ping"]
    section.ratio_in_turns("ansible-pull / ansible-playbook of the same playbook", times[pull_name], local_times)
    section.derived("what ansible-pull adds to a run", median(times[pull_name]) - median(local_times))
    section.series["times"] = dict((name, median(runs)) for name, runs in times.items())
    return section
