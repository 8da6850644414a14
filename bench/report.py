"""The benchmarks' results for people: a text table on stdout, the plots, and
docs/performance.md (from the template bench/performance.md.j2)."""

import datetime
import os
import platform
import subprocess

import jinja2
from ansible_runs import BENCH_DIR, executable
from timing import seconds

# The machine -----------------------------------------------------------------


def _first_line(command):
    try:
        output = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False
        ).stdout
    except OSError:
        return None
    return output.strip().splitlines()[0] if output.strip() else None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory():
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return "{0:.1f} GiB".format(int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    return None


def _os_name():
    try:
        with open("/etc/os-release") as os_release:
            for line in os_release:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


def machine_description():
    """What the figures were measured on (no paths, no names)."""
    ansible_version = _first_line([executable("ansible-playbook"), "--version"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory": _memory(),
        "os": "{0}, kernel {1}".format(_os_name(), platform.release()),
        "python": platform.python_version(),
        "ansible_core": ansible_version.split("[core ")[-1].rstrip("]") if ansible_version else None,
        "podman": _first_line(["podman", "--version"]),
        "aws_cli": _first_line(["/usr/bin/aws", "--version"]),
        "load_before": None,
        "load_after": None,
    }


def load_average():
    return "{0:.2f} {1:.2f} {2:.2f}".format(*os.getloadavg())


# Goals ----------------------------------------------------------------------


def goals(sections):
    """Every ratio or value with a goal, from every section."""
    found = []
    for section in sections:
        for ratio in section["ratios"]:
            if ratio["goal"] is not None:
                found.append(dict(ratio, section=section["title"]))
    return found


def value_text(ratio):
    unit = ratio.get("unit")
    if unit:
        return "{0:.1f} {1}".format(ratio["value"], unit)
    # Against a goal, one more digit: 1.10 could be either side of 1.1.
    return "{0:.3f}".format(ratio["value"]) if ratio["goal"] is not None else "{0:.2f}".format(ratio["value"])


def goal_text(ratio):
    if ratio["goal"] is None:
        return ""
    unit = ratio.get("unit")
    return "≤ {0:g}{1}".format(ratio["goal"], " " + unit if unit else "")


def rounds_text(ratio):
    return " ".join("{0:.2f}".format(value) for value in ratio.get("rounds") or [])


def verdict(ratio):
    if ratio["met"] is None:
        return ""
    text = "met" if ratio["met"] else "NOT met"
    rounds = ratio.get("rounds") or []
    above = sum(1 for value in rounds if value > ratio["goal"])
    if ratio["met"] and above:
        # At the edge: say so rather than let the median hide it.
        text += " ({0} of {1} rounds above)".format(above, len(rounds))
    return text


# Text tables (stdout) -----------------------------------------------------------


def _text_table(header, rows):
    widths = [max(len(str(row[column])) for row in [header] + rows) for column in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)
    return "\n".join(lines)


def _runs_text(row):
    return " ".join(seconds(run) for run in row["runs"]) if row["runs"] else row["note"]


def text_report(sections, machine):
    parts = [
        "Machine: {cpu}, {cores} cores, {memory}; {os}; Python {python}; ansible-core {ansible_core}; "
        "{date}; load average {load_before} before, {load_after} after".format(**machine)
    ]
    for section in sections:
        parts.append("\n== {0} ==".format(section["title"]))
        if section["rows"]:
            parts.append(
                _text_table(
                    ["measurement", "median", "runs"],
                    [[row["what"], seconds(row["median"]), _runs_text(row)] for row in section["rows"]],
                )
            )
        if section["ratios"]:
            parts.append("")
            parts.append(
                _text_table(
                    ["ratio", "measured", "goal", "", "each round"],
                    [
                        [ratio["what"], value_text(ratio), goal_text(ratio), verdict(ratio), rounds_text(ratio)]
                        for ratio in section["ratios"]
                    ],
                )
            )
        for table in section["tables"]:
            parts.append("\n" + table["title"] + ":")
            parts.append(_text_table(table["header"], table["rows"]))
        for note in section["notes"]:
            parts.append("* " + note)
    found = goals(sections)
    if found:
        parts.append("\n== Goals ==")
        parts.append(
            _text_table(
                ["measure", "measured", "goal", ""],
                [[ratio["what"], value_text(ratio), goal_text(ratio), verdict(ratio)] for ratio in found],
            )
        )
    return "\n".join(parts)


# Markdown -------------------------------------------------------------------


def _cell(text):
    return str(text).replace("|", "\\|")


def markdown_table(header, rows):
    lines = ["| " + " | ".join(_cell(cell) for cell in header) + " |", "|" + "|".join("---" for cell in header) + "|"]
    lines.extend("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def markdown_section(section):
    parts = [section["description"]] if section["description"] else []
    if section["rows"]:
        parts.append(
            markdown_table(
                ["measurement", "median", "runs"],
                [[row["what"], seconds(row["median"]), _runs_text(row)] for row in section["rows"]],
            )
        )
    if section["ratios"]:
        parts.append(
            markdown_table(
                ["ratio", "measured", "goal", "", "each round"],
                [
                    [ratio["what"], value_text(ratio), goal_text(ratio), verdict(ratio), rounds_text(ratio)]
                    for ratio in section["ratios"]
                ],
            )
        )
    for table in section["tables"]:
        parts.append(table["title"] + ":\n\n" + markdown_table(table["header"], table["rows"]))
    if section["notes"]:
        parts.append("\n".join("- " + note for note in section["notes"]))
    return "\n\n".join(parts)


def write_markdown(path, results, figures, plots):
    sections = results["sections"]
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(BENCH_DIR),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("performance.md.j2")
    text = template.render(
        machine=results["machine"],
        settings=results["settings"],
        sections=dict((section["key"], section) for section in sections),
        section_text=dict((section["key"], markdown_section(section)) for section in sections),
        goals=goals(sections),
        goals_table=markdown_table(
            ["measure", "measured", "goal", ""],
            [[ratio["what"], value_text(ratio), goal_text(ratio), verdict(ratio)] for ratio in goals(sections)],
        ),
        figures=figures,
        plots=plots,
        seconds=seconds,
    )
    with open(path, "w") as output:
        output.write(text)


# Plots ----------------------------------------------------------------------


def plot_profiles(path, sections):
    """Time against number of profiles: onboarding through Ansible (left), the
    module's own work (right). Returns False when there is nothing to plot."""
    by_key = dict((section["key"], section) for section in sections)
    many = by_key.get("many_profiles")
    work = by_key.get("module_work")
    if not many and not work:
        return False
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (left, right) = pyplot.subplots(1, 2, figsize=(12, 5))
    if many:
        series = many["series"]
        left.plot(series["profiles"], series["aws_sso_profile"], "o-", label="recro.aws_sso.aws_sso_profile (one task)")
        left.axhline(series["one ping"], color="grey", linestyle="--", label="playbook of one ping")
    alternatives = by_key.get("alternatives")
    if alternatives:
        for name, marker in (("ini_file", "s-"), ("aws configure set", "^-")):
            points = sorted((int(size), value) for size, value in alternatives["series"][name].items())
            if points:
                label = (
                    "community.general.ini_file (a loop item a key)"
                    if name == "ini_file"
                    else "aws configure set (a call a key, no session)"
                )
                left.plot([size for size, value in points], [value for size, value in points], marker, label=label)
    _log_axes(
        left,
        "profiles written to a new ~/.aws/config",
        "wall time of the run (s)",
        "Onboarding N profiles on localhost",
    )

    if work:
        series = work["series"]
        sizes = series["profiles"]
        right.plot(sizes, [value * 1000 for value in series["edit one"]], "o-", label="parse, edit one profile, render")
        # A line through the smallest size with slope 1: linear growth.
        reference = series["edit one"][0] * 1000 / sizes[0]
        right.plot(sizes, [reference * size for size in sizes], ":", color="grey", label="linear growth")
        if series.get("write all"):
            right.plot(
                series["write sizes"],
                [value * 1000 for value in series["write all"]],
                "s-",
                label="write N profiles to a new file",
            )
        right.plot([5000], [100], "v", color="red", label="goal at 5,000 profiles: under 100 ms")
    _log_axes(right, "profiles in the file", "time (ms)", "The module's own work, without Ansible")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return True


def _log_axes(axes, xlabel, ylabel, title):
    """Log-log axes with a grid and a legend, labelled 1, 10, 100 rather than
    10^0, 10^1, 10^2."""
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _position: "{0:g}".format(value))
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.xaxis.set_major_formatter(plain)
    axes.yaxis.set_major_formatter(plain)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")


def plot_fleet(path, sections):
    """Wall time of each playbook on one host and on the fleet (left), and what
    each task of onboarding costs (right). Returns False when the fleet was not
    measured."""
    fleet = dict((section["key"], section) for section in sections).get("fleet")
    if not fleet or not fleet["series"].get("fleet"):
        return False
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    series = fleet["series"]
    times = series["fleet"]
    size = series["size"]
    tasks = series.get("onboard tasks") or []
    if tasks:
        figure, (left, right) = pyplot.subplots(1, 2, figsize=(14, 6), gridspec_kw={"width_ratios": [1, 1.3]})
    else:
        figure, left = pyplot.subplots(figsize=(9, 4.5))
    labels = [name for name in times if not name.startswith("1 host")]
    positions = list(range(len(labels)))
    left.barh(
        [position + 0.2 for position in positions],
        [times[name] for name in labels],
        height=0.4,
        label="{0} hosts at once".format(size),
    )
    single = [
        (position, times["1 host: " + name]) for position, name in zip(positions, labels) if "1 host: " + name in times
    ]
    left.barh(
        [position - 0.2 for position, value in single],
        [value for position, value in single],
        height=0.4,
        label="1 host",
    )
    left.set_yticks(positions)
    left.set_yticklabels(labels)
    left.invert_yaxis()
    left.set_xlabel("wall time (s)")
    left.set_title(
        "{0} Podman containers reached {1}, forks {0}".format(
            size, "over SSH" if series.get("connection") == "ssh" else "with podman exec"
        )
    )
    left.legend()
    left.grid(True, axis="x", alpha=0.3)

    if tasks:
        task_positions = list(range(len(tasks)))
        right.barh(
            [position + 0.2 for position in task_positions],
            [cost for name, cost, alone in tasks],
            height=0.4,
            label="{0} hosts".format(size),
        )
        right.barh(
            [position - 0.2 for position in task_positions],
            [alone or 0 for name, cost, alone in tasks],
            height=0.4,
            label="1 host",
        )
        right.set_yticks(task_positions)
        right.set_yticklabels([name for name, cost, alone in tasks], fontsize="small")
        right.invert_yaxis()
        right.set_xlabel("time from the task's start to the next task's (s)")
        right.set_title("Each task of playbooks/onboard.yml")
        right.legend()
        right.grid(True, axis="x", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return True
