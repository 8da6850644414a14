"""Benchmarks of recro.aws_sso, side by side with what people use instead.

    make bench                                # the full run (as root, with Podman and `make images`):
                                              # writes docs/performance.md and its plots
    .venv/bin/python bench/run.py --quick     # small sizes, no fleet: a check in a couple of minutes,
                                              # written under .cache/bench/quick
    .venv/bin/python bench/run.py --report-only .cache/bench/results.json   # the report again, from saved results

Every figure is the median of several runs, and the runs compared with each
other are made in turns, in one invocation on one machine (see timing.py):
ratios are only ever taken between numbers of the same run. The results are
saved as JSON next to the run's logs (.cache/bench/last/), and the report is
written from them.
"""

import argparse
import json
import os
import shutil
import signal
import sys

import ansible_runs
import report
from ansible_runs import REPOSITORY
from timing import progress

# What each mode measures. The full run keeps to well under 30 minutes on 2
# cores: the slow alternatives (ini_file at about 0.3 s and `aws configure
# set` at about 0.5 s a key) run only at the sizes that finish in minutes.
FULL = {
    "repeats": 5,
    "per_task_count": 20,
    "many_sizes": [10, 50, 200, 1000],
    "alternative_repeats": 3,
    "ini_file_sizes": [10, 50],
    "cli_sizes": [10],
    "module_sizes": [1000, 5000, 20000],
    "module_write_sizes": [10, 50, 200, 1000],
    "module_repeats": 7,
    "role_repeats": 5,
    "fleet_size": 20,
    "fleet_repeats": 3,
    "ways_repeats": 3,
}
QUICK = {
    "repeats": 3,
    "per_task_count": 5,
    "many_sizes": [10, 200],
    "alternative_repeats": 1,
    "ini_file_sizes": [5],
    "cli_sizes": [2],
    "module_sizes": [1000, 5000],
    "module_write_sizes": [10, 200],
    "module_repeats": 3,
    "role_repeats": 2,
    "fleet_size": 0,
    "fleet_repeats": 0,
    "ways_repeats": 0,
}

# The role as 0.1.0 shipped it, measured by `make bench` of 0.1.0 on a machine of this kind
# (ratios to facts and one ping, each in its own run): for the report's "before and after".
BEFORE_0_1_0 = dict(role_first_ratio=2.4, fleet_onboard_ratio=4.1)

CACHE = os.path.join(REPOSITORY, ".cache", "bench")
DOCS = os.path.join(REPOSITORY, "docs")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes, fewer runs, no fleet; writes the report under .cache/bench/quick, not docs/",
    )
    parser.add_argument("--skip-role", action="store_true", help="do not measure the role on this host")
    parser.add_argument("--skip-fleet", action="store_true", help="do not start the Podman fleet")
    parser.add_argument(
        "--fleet-connection",
        choices=["ssh", "podman"],
        default="ssh",
        help="how Ansible reaches the fleet's containers: ssh (as laptops; builds an image with an SSH "
        "server from Debian's archive on first use) or podman (podman exec, no network)",
    )
    parser.add_argument(
        "--output",
        help="directory of performance.md and the plots (default: docs/, or .cache/bench/quick with --quick)",
    )
    parser.add_argument(
        "--report-only", metavar="RESULTS_JSON", help="write the report from saved results, measure nothing"
    )
    return parser.parse_args()


def measure(settings, workdir, skip_role, skip_fleet, fleet_connection):
    # Imported here: module_work needs the collection link (`make link`).
    import fleet
    import local_tasks
    import module_work
    import role_run
    import ways

    ansible = ansible_runs.Ansible()
    sections = []

    def keep(section):
        sections.append(section.as_dict())
        # After each part, so that an interrupted run still leaves what it measured.
        with open(os.path.join(workdir, "sections.json"), "w") as output:
            json.dump(sections, output, indent=1)

    keep(local_tasks.per_task(ansible, workdir, settings["per_task_count"], settings["repeats"]))
    keep(local_tasks.many_profiles(ansible, workdir, settings["many_sizes"], settings["repeats"]))
    keep(
        local_tasks.alternatives(
            ansible, workdir, settings["ini_file_sizes"], settings["cli_sizes"], settings["alternative_repeats"]
        )
    )
    keep(module_work.module_work(settings["module_sizes"], settings["module_write_sizes"], settings["module_repeats"]))
    if not skip_role:
        keep(role_run.role_on_one_host(ansible, workdir, settings["role_repeats"]))
    if not skip_fleet and settings["fleet_size"]:
        if os.geteuid() != 0 or shutil.which("podman") is None or not fleet.image_exists():
            progress("fleet: skipped (needs root, Podman and the image {0}: make images)".format(fleet.IMAGE))
        else:
            keep(fleet.fleet_run(ansible, workdir, settings["fleet_size"], settings["fleet_repeats"], fleet_connection))
    if not skip_fleet and settings["ways_repeats"]:
        keep(ways.ways_at_scale(ansible, workdir, settings["ways_repeats"]))
    return sections


def figures(sections):
    """The numbers the hand-written text of the report quotes, by name (None when not measured)."""
    by_key = dict((section["key"], section) for section in sections)
    found = dict.fromkeys(
        (
            "ping_task",
            "profile_task",
            "compile_module",
            "compile_module_later",
            "compile_ping",
            "module_10",
            "module_50",
            "ini_file_50",
            "ini_file_50_ratio",
            "cli_10",
            "cli_10_ratio",
            "role_first",
            "role_again",
            "role_first_ratio",
            "role_again_ratio",
            "role_logged_in",
            "role_logged_in_ratio",
            "role_logged_in_again_ratio",
            "role_trips",
            "role_trips_logged_in",
            "role_trips_0_1_0",
            "fleet_size",
            "fleet_connection",
            "fleet_baseline",
            "fleet_onboard",
            "fleet_drift",
            "fleet_single_onboard",
            "fleet_onboard_ratio",
            "fleet_drift_ratio",
            "fleet_onboard_cores_busy",
            "ways_push",
            "ways_ee",
            "ways_ee_ratio",
            "ways_ee_added",
            "ways_pull_added",
        )
    )

    def row(section, prefix):
        return [entry["median"] for entry in section["rows"] if entry["what"].startswith(prefix)][0]

    def ratio(section, prefix):
        values = [entry["value"] for entry in section["ratios"] if entry["what"].startswith(prefix)]
        return values[0] if values else None

    found["before_0_1_0"] = BEFORE_0_1_0
    if "per_task" in by_key:
        found.update(
            ping_task=row(by_key["per_task"], "one ping task"),
            profile_task=row(by_key["per_task"], "one aws_sso_profile task"),
        )
    if "alternatives" in by_key:
        # Sizes are keys of JSON objects, so strings.
        series = by_key["alternatives"]["series"]
        found.update(
            module_10=series["aws_sso_profile"].get("10"),
            module_50=series["aws_sso_profile"].get("50"),
            ini_file_50=series["ini_file"].get("50"),
            cli_10=series["aws configure set"].get("10"),
            ini_file_50_ratio=ratio(by_key["alternatives"], "ini_file / aws_sso_profile at 50 "),
            cli_10_ratio=ratio(
                by_key["alternatives"], "aws configure set (profile keys only) / aws_sso_profile at 10 "
            ),
        )
    if "module_work" in by_key:
        found.update(
            compile_module=row(by_key["module_work"], "compile aws_sso_profile and the module_utils"),
            compile_module_later=row(by_key["module_work"], "compile aws_sso_profile and load"),
            compile_ping=row(by_key["module_work"], "compile ansible.builtin.ping"),
        )
    if "role" in by_key and by_key["role"]["series"].get("times"):
        times = by_key["role"]["series"]["times"]
        trips = by_key["role"]["series"].get("trips", {})
        found.update(
            role_first=times["onboard, first run"],
            role_again=times["onboard, again"],
            role_first_ratio=ratio(by_key["role"], "onboard, first run /"),
            role_again_ratio=ratio(by_key["role"], "onboard, again /"),
            role_logged_in=times.get("onboard logged in, first run"),
            role_logged_in_ratio=ratio(by_key["role"], "onboard logged in, first run /"),
            role_logged_in_again_ratio=ratio(by_key["role"], "onboard logged in, again /"),
            role_trips=trips.get("first"),
            role_trips_logged_in=trips.get("logged_in_first"),
            role_trips_0_1_0=trips.get("0.1.0"),
        )
    if "fleet" in by_key:
        series = by_key["fleet"]["series"]
        times = series["fleet"]
        found.update(
            fleet_size=series["size"],
            fleet_connection=series["connection"],
            fleet_baseline=times["facts and ping"],
            fleet_onboard=times["onboard"],
            fleet_drift=times["drift report, no drift"],
            fleet_single_onboard=times["1 host: onboard"],
            fleet_onboard_ratio=ratio(
                by_key["fleet"], "playbooks/onboard.yml / facts and one ping ({0} hosts)".format(series["size"])
            ),
            fleet_drift_ratio=ratio(by_key["fleet"], "playbooks/drift.yml, no drift / facts"),
            fleet_onboard_cores_busy=series.get("machine cores busy", {}).get("onboard"),
        )
    if "ways" in by_key and by_key["ways"]["series"].get("times"):
        times = by_key["ways"]["series"]["times"]
        found.update(
            ways_push=times.get("push: ansible-playbook over SSH"),
            ways_ee=times.get("AWX job: ansible-navigator in the execution environment"),
            ways_ee_ratio=ratio(by_key["ways"], "execution environment / push"),
            ways_ee_added=[e["median"] for e in by_key["ways"]["rows"] if e["what"].startswith("what the execution")][0]
            if any(e["what"].startswith("what the execution") for e in by_key["ways"]["rows"])
            else None,
            ways_pull_added=[e["median"] for e in by_key["ways"]["rows"] if e["what"].startswith("what ansible-pull")][
                0
            ],
        )
    return found


def write_report(results, output):
    os.makedirs(output, exist_ok=True)
    sections = results["sections"]
    plots = {}
    if report.plot_profiles(os.path.join(output, "performance.png"), sections):
        plots["profiles"] = "performance.png"
    if report.plot_fleet(os.path.join(output, "performance-fleet.png"), sections):
        plots["fleet"] = "performance-fleet.png"
    report.write_markdown(os.path.join(output, "performance.md"), results, figures(sections), plots)
    print(report.text_report(sections, results["machine"]))
    progress(
        "\nwritten: "
        + ", ".join(
            os.path.relpath(os.path.join(output, name), REPOSITORY)
            for name in ["performance.md"] + sorted(plots.values())
        )
    )


def main():
    arguments = parse_arguments()
    if arguments.report_only:
        with open(arguments.report_only) as saved:
            results = json.load(saved)
        write_report(
            results, arguments.output or (os.path.join(CACHE, "quick") if results["settings"]["quick"] else DOCS)
        )
        return

    # Podman needs the project's settings here (runtime, ulimits), as under make.
    os.environ.setdefault("CONTAINERS_CONF", os.path.join(REPOSITORY, "molecule", "containers.conf"))
    # A terminated run must still remove its containers and user: turn SIGTERM
    # into an exception, which unwinds through their clean-up.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit("terminated"))

    settings = dict(QUICK if arguments.quick else FULL, quick=arguments.quick)
    workdir = os.path.join(CACHE, "last")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    machine = report.machine_description()
    machine["load_before"] = report.load_average()
    sections = measure(settings, workdir, arguments.skip_role, arguments.skip_fleet, arguments.fleet_connection)
    machine["load_after"] = report.load_average()
    results = {"machine": machine, "settings": settings, "sections": sections}
    results_path = os.path.join(CACHE, "results-quick.json" if arguments.quick else "results.json")
    with open(results_path, "w") as output:
        json.dump(results, output, indent=1)
    # The report is written from the saved results, as with --report-only.
    with open(results_path) as saved:
        results = json.load(saved)
    write_report(results, arguments.output or (os.path.join(CACHE, "quick") if arguments.quick else DOCS))


if __name__ == "__main__":
    main()
