"""The module through Ansible on the controller itself (local connection), and
what people use instead of it: community.general.ini_file and the AWS CLI."""

import os
import subprocess

import ansible_runs
import profiles
from ansible_runs import playbook
from results import Section
from timing import Case, measure_in_turns, median, progress

# Debian's AWS CLI v2 (2.9.19 on Debian 12). The `aws` first on PATH may be a
# pyenv shim of the CLI v1.
AWS_CLI = "/usr/bin/aws"


def _remove(path):
    def prepare():
        if os.path.exists(path):
            os.remove(path)

    return prepare


def per_task(ansible, workdir, task_count, repeats):
    """N no-op runs of aws_sso_profile against N ping tasks, over an empty play."""
    section = Section(
        "per_task",
        "Per task: aws_sso_profile with nothing to do, against ping",
        "{0} tasks in one playbook on localhost: ansible.builtin.ping, and recro.aws_sso.aws_sso_profile on a "
        "config that is already as wanted (changed: false). A task's cost is the playbook's time minus that of "
        "the same play with no task, divided by {0}.".format(task_count),
    )
    config_path = os.path.join(workdir, "per-task-config")
    profile_args = {
        "path": config_path,
        "name": profiles.profile_name(0),
        "sso_session": profiles.SESSION_NAME,
        "sso_start_url": profiles.SESSION["sso_start_url"],
        "sso_region": profiles.SESSION["sso_region"],
        "sso_account_id": profiles.account_id(0),
        "sso_role_name": profiles.ROLE_NAME,
        "region": profiles.REGION,
        "output": profiles.OUTPUT,
    }
    with open(config_path, "w") as config:
        config.write(profiles.config_text(1))
    os.chmod(config_path, 0o600)

    plays = {
        "empty play": ansible_runs.render_tasks_playbook(
            os.path.join(workdir, "empty.yml"), "ansible.builtin.ping", {}, 0
        ),
        "ping": ansible_runs.render_tasks_playbook(
            os.path.join(workdir, "ping-tasks.yml"), "ansible.builtin.ping", {}, task_count
        ),
        "aws_sso_profile": ansible_runs.render_tasks_playbook(
            os.path.join(workdir, "profile-tasks.yml"), "recro.aws_sso.aws_sso_profile", profile_args, task_count
        ),
    }
    task_times = dict(
        (name, os.path.join(workdir, "per-task-{0}.jsonl".format(index))) for index, name in enumerate(plays)
    )
    cases = [
        Case(name, ansible.command(path), env=ansible.environment(task_times[name])) for name, path in plays.items()
    ]
    progress("per task: {0} tasks of ping and of aws_sso_profile (no-op), {1} rounds".format(task_count, repeats))
    times = measure_in_turns(cases, repeats, workdir)

    # Every aws_sso_profile task must have found nothing to do, or this is not the no-op cost.
    outcomes = ansible_runs.outcome_counts(ansible_runs.read_task_times(task_times["aws_sso_profile"]))
    if set(outcomes) != {"ok"}:
        raise RuntimeError("the aws_sso_profile tasks were not all no-ops: {0}".format(outcomes))
    with open(config_path) as config:
        if config.read() != profiles.config_text(1):
            raise RuntimeError("the no-op tasks changed the config file")

    empty = section.measured("empty play (start-up)", times["empty play"])
    ping = section.measured("{0} ping tasks".format(task_count), times["ping"])
    profile = section.measured("{0} aws_sso_profile tasks, changed: false".format(task_count), times["aws_sso_profile"])
    section.derived("one ping task", (ping - empty) / task_count, "(playbook - empty play) / {0}".format(task_count))
    section.derived(
        "one aws_sso_profile task (no-op)",
        (profile - empty) / task_count,
        "(playbook - empty play) / {0}".format(task_count),
    )
    # In each round: (module playbook - empty play) / (ping playbook - empty play).
    ping_tasks = [run - start for run, start in zip(times["ping"], times["empty play"])]
    profile_tasks = [run - start for run, start in zip(times["aws_sso_profile"], times["empty play"])]
    section.ratio_in_turns("aws_sso_profile task / ping task (cost of one task)", profile_tasks, ping_tasks, goal=1.1)
    section.ratio_in_turns(
        "{0} aws_sso_profile tasks / {0} ping tasks (whole playbooks)".format(task_count),
        times["aws_sso_profile"],
        times["ping"],
    )
    # CPU time depends much less than wall time on what else the machine runs:
    # the same comparison, steadier.
    cpu = dict((case.name, case.cpu_runs) for case in cases)
    ping_cpu = [run - start for run, start in zip(cpu["ping"], cpu["empty play"])]
    profile_cpu = [run - start for run, start in zip(cpu["aws_sso_profile"], cpu["empty play"])]
    section.derived(
        "CPU time of one ping task (Ansible and the module)", median(ping_cpu) / task_count, "CPU, same subtraction"
    )
    section.derived(
        "CPU time of one aws_sso_profile task (no-op)", median(profile_cpu) / task_count, "CPU, same subtraction"
    )
    section.ratio_in_turns("CPU time: aws_sso_profile task / ping task", profile_cpu, ping_cpu)
    return section


def many_profiles(ansible, workdir, sizes, repeats):
    """One aws_sso_profile task writing many profiles to a new file, against a one-ping playbook."""
    section = Section(
        "many_profiles",
        "Onboarding many profiles in one aws_sso_profile task, against one ping",
        "One task writes N profiles and their [sso-session] to a new file (removed before each run); the "
        "baseline is a playbook of one ansible.builtin.ping task. Both on localhost, without facts.",
    )
    cases = [Case("one ping", ansible.command(playbook("ping.yml")), env=ansible.environment())]
    paths = {}
    for size in sizes:
        paths[size] = os.path.join(workdir, "many-{0}-config".format(size))
        extra = ansible_runs.write_json(
            os.path.join(workdir, "many-{0}.json".format(size)),
            {"bench_config_path": paths[size], "bench_profiles": profiles.profile_items(size)},
        )
        cases.append(
            Case(
                "aws_sso_profile {0}".format(size),
                ansible.command(playbook("many_profiles.yml"), extra_vars=[extra]),
                prepare=_remove(paths[size]),
                env=ansible.environment(),
            )
        )
    progress(
        "many profiles: one aws_sso_profile task writing {0} profiles, {1} rounds".format(
            ", ".join(str(size) for size in sizes), repeats
        )
    )
    times = measure_in_turns(cases, repeats, workdir)
    for size in sizes:
        _check_written(paths[size], size)

    ping = section.measured("playbook of one ping", times["one ping"])
    section.series["profiles"] = list(sizes)
    section.series["aws_sso_profile"] = []
    section.series["one ping"] = ping
    for size in sizes:
        name = "aws_sso_profile {0}".format(size)
        section.series["aws_sso_profile"].append(
            section.measured("one aws_sso_profile task writing {0} profiles".format(size), times[name])
        )
        section.ratio_in_turns(
            "{0} profiles / one ping".format(size), times[name], times["one ping"], goal=1.25 if size == 200 else None
        )
    return section


def alternatives(ansible, workdir, ini_file_sizes, cli_sizes, repeats):
    """The same profiles written with community.general.ini_file (key by key) and
    with `aws configure set`, each against one aws_sso_profile task, in turns."""
    section = Section(
        "alternatives",
        "The same profiles with ini_file and with aws configure set",
        "community.general.ini_file writes the same stanzas (5 keys a profile, 3 for the session) in one task "
        "looping over every key; `aws configure set profile.NAME.KEY VALUE` (Debian's AWS CLI v2) is called once a "
        "key. The CLI cannot write an [sso-session] stanza without its wizard (`aws configure set "
        "sso-session.recro.sso_start_url` writes into [default] in 2.9.19), so its runs write the profile keys "
        "only: it is measured doing less than the others. Each against one aws_sso_profile task writing the same "
        "profiles and the session, in the same rounds. Every file written is read back with configparser (as "
        "botocore reads it) and checked to hold exactly the profiles asked for. The slow sizes run without a "
        "warm-up round.",
    )
    if not os.access(AWS_CLI, os.X_OK):
        section.note(
            "{0} is not installed: `aws configure set` was not measured (apt-get install awscli).".format(AWS_CLI)
        )
        cli_sizes = []
    sizes = sorted(set(ini_file_sizes) | set(cli_sizes))
    cases = []
    outputs = {}
    for size in sizes:
        path = outputs[("aws_sso_profile", size)] = os.path.join(workdir, "alt-module-{0}-config".format(size))
        extra = ansible_runs.write_json(
            os.path.join(workdir, "alt-module-{0}.json".format(size)),
            {"bench_config_path": path, "bench_profiles": profiles.profile_items(size)},
        )
        cases.append(
            Case(
                "aws_sso_profile {0}".format(size),
                ansible.command(playbook("many_profiles.yml"), extra_vars=[extra]),
                prepare=_remove(path),
                env=ansible.environment(),
            )
        )
    for size in ini_file_sizes:
        path = outputs[("ini_file", size)] = os.path.join(workdir, "alt-ini-file-{0}-config".format(size))
        extra = ansible_runs.write_json(
            os.path.join(workdir, "alt-ini-file-{0}.json".format(size)),
            {"bench_config_path": path, "bench_stanza_keys": profiles.stanza_keys(size)},
        )
        cases.append(
            Case(
                "ini_file {0}".format(size),
                ansible.command(playbook("ini_file_profiles.yml"), extra_vars=[extra]),
                prepare=_remove(path),
                env=ansible.environment(),
                warm_up=size == min(ini_file_sizes),
            )
        )
    for size in cli_sizes:
        path = outputs[("aws configure set", size)] = os.path.join(workdir, "alt-cli-{0}-config".format(size))
        cases.append(
            Case(
                "aws configure set {0}".format(size),
                function=_configure_set_calls(path, size, workdir),
                prepare=_remove(path),
                warm_up=size == min(cli_sizes),
            )
        )
    progress(
        "alternatives: ini_file at {0} profiles, aws configure set at {1}, {2} rounds".format(
            list(ini_file_sizes), list(cli_sizes), repeats
        )
    )
    times = measure_in_turns(cases, repeats, workdir)

    for (tool, size), path in outputs.items():
        _check_written(path, size, with_session=tool != "aws configure set")
    section.series["aws_sso_profile"] = {}
    section.series["ini_file"] = {}
    section.series["aws configure set"] = {}
    for size in sizes:
        module_runs = times["aws_sso_profile {0}".format(size)]
        section.series["aws_sso_profile"][size] = section.measured(
            "aws_sso_profile, {0} profiles and the session".format(size), module_runs
        )
        if size in ini_file_sizes:
            runs = times["ini_file {0}".format(size)]
            section.series["ini_file"][size] = section.measured(
                "ini_file, {0} profiles and the session ({1} loop items)".format(size, len(profiles.stanza_keys(size))),
                runs,
            )
            section.ratio_in_turns("ini_file / aws_sso_profile at {0} profiles".format(size), runs, module_runs)
        if size in cli_sizes:
            runs = times["aws configure set {0}".format(size)]
            section.series["aws configure set"][size] = section.measured(
                "aws configure set, {0} profiles, no session ({1} calls)".format(
                    size, size * len(profiles.PROFILE_KEYS)
                ),
                runs,
            )
            section.ratio_in_turns(
                "aws configure set (profile keys only) / aws_sso_profile at {0} profiles".format(size),
                runs,
                module_runs,
            )
    if cli_sizes:
        calls = dict((size, size * len(profiles.PROFILE_KEYS)) for size in cli_sizes)
        per_call = median([section.series["aws configure set"][size] / calls[size] for size in cli_sizes])
        section.note(
            "One `aws configure set` call costs {0:.2f} s (CLI start-up); the calls scale with the keys "
            "written.".format(per_call)
        )
    return section


def _configure_set_calls(path, size, workdir):
    """One call of the AWS CLI per profile key, as a shell script onboarding a laptop would make them."""
    env = dict(os.environ)
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        env.pop(variable, None)
    env["AWS_CONFIG_FILE"] = path
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(workdir, "no-credentials")
    calls = []
    for index in range(size):
        for key, value in profiles.profile_values(index).items():
            calls.append(
                [AWS_CLI, "configure", "set", "profile.{0}.{1}".format(profiles.profile_name(index), key), value]
            )

    def run():
        for call in calls:
            subprocess.run(call, env=env, check=True, stdout=subprocess.DEVNULL)

    return run


def _check_written(path, size, with_session=True):
    """The file a tool wrote must read (as botocore reads it) as the profiles asked for:
    the tools compared must have done the same work."""
    expected = dict(
        ("profile " + profiles.profile_name(index), profiles.profile_values(index)) for index in range(size)
    )
    if with_session:
        expected["sso-session " + profiles.SESSION_NAME] = dict(profiles.SESSION)
    found = profiles.read_back(path)
    if found != expected:
        missing = sorted(set(expected) ^ set(found))[:3]
        raise RuntimeError(
            "{0} does not hold the {1} profiles asked for (first differences: {2})".format(path, size, missing)
        )
