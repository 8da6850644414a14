# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ansible-pull schedule of a laptop: the command, the systemd user timer
and service (Linux) and the launchd agent (macOS) that run it.

Standard library only. Every value is validated before it is rendered, and
rendered with the quoting of the file it lands in, so no value can add a line,
an option or an argument.
"""

from __future__ import annotations

import json
import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import CONTROL_CHARACTERS
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

SERVICE_NAME = "recro-aws-sso-pull.service"
TIMER_NAME = "recro-aws-sso-pull.timer"
LAUNCHD_LABEL = "com.recro.aws-sso.pull"
SHORTCUTS = {
    "hourly": dict(Minute=0),
    "daily": dict(Hour=0, Minute=0),
    "weekly": dict(Weekday=1, Hour=0, Minute=0),
}
# What the drift playbook needs to correct the local host (pull_extra_vars win).
DEFAULT_EXTRA_VARS = {"recro_sso_drift_mode": "enforce", "recro_sso_hosts": "localhost"}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL_CREDENTIALS = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@]*:[^/@]*@", re.IGNORECASE)
_GIT_URL = re.compile(r"^((https?|ssh|git|file)://\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$")
# A conservative subset of systemd.time(7) calendar events, for hosts without systemd-analyze.
_CALENDAR = re.compile(r"^[A-Za-z0-9*,.:/~ -]+$")


def _plain(parameter, value):
    if not isinstance(value, str) or not value:
        raise ParameterError(parameter, value, "must be a non-empty string")
    if CONTROL_CHARACTERS.search(value):
        raise ParameterError(parameter, value, "contains a line break or another control character")
    return value


def url_credentials(url):
    """The ``user:password`` part of a URL that carries one, else ``None``: the
    module hides it everywhere in its result, the invocation included."""
    match = _URL_CREDENTIALS.match(url or "")
    if not match:
        return None
    return match.group(0).split("://", 1)[1][:-1]


def validate_pull_url(url):
    _plain("pull_url", url)
    if url.startswith("-"):
        raise ParameterError("pull_url", url, "must not start with '-'")
    if _URL_CREDENTIALS.match(url):
        raise ParameterError(
            "pull_url",
            "<redacted>",
            "must not carry credentials (user:password@); use an SSH key or a credential helper",
        )
    if not _GIT_URL.match(url):
        raise ParameterError("pull_url", url, "is not a git URL (https://, ssh://, git://, file:// or user@host:path)")
    return url


def validate_branch(branch):
    _plain("pull_branch", branch)
    if branch.startswith("-") or ".." in branch or " " in branch or not re.match(r"^[A-Za-z0-9._/@+-]+$", branch):
        raise ParameterError("pull_branch", branch, "is not a git branch or tag name")
    return branch


def validate_playbook(playbook):
    _plain("pull_playbook", playbook)
    parts = playbook.split("/")
    if playbook.startswith(("-", "/")) or ".." in parts or not re.match(r"^[A-Za-z0-9._/ +-]+$", playbook):
        raise ParameterError(
            "pull_playbook",
            playbook,
            "must be a relative path in the repository, without '..' and not starting with '-'",
        )
    return playbook


def validate_schedule(schedule, analyze=None):
    """``schedule`` when it is daily/hourly/weekly or a systemd calendar event.
    ``analyze`` is the path of systemd-analyze (checked with ``calendar``), or None."""
    _plain("schedule", schedule)
    if schedule in SHORTCUTS:
        return schedule
    if "%" in schedule or not _CALENDAR.match(schedule):
        raise ParameterError("schedule", schedule, "is not daily, hourly, weekly or a systemd calendar expression")
    if analyze:
        completed = subprocess.run(
            [analyze, "calendar", "--", schedule],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            check=False,
        )
        if completed.returncode != 0:
            raise ParameterError(
                "schedule", schedule, "is not a systemd calendar expression: " + completed.stderr.strip()
            )
    return schedule


def validate_extra_vars(extra_vars):
    if not isinstance(extra_vars, dict):
        raise ParameterError("pull_extra_vars", extra_vars, "must be a dict")
    for key, value in extra_vars.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise ParameterError("pull_extra_vars", key, "is not a variable name (letters, digits, _)")
        if not isinstance(value, (str, int, float, bool)) and value is not None:
            raise ParameterError("pull_extra_vars." + key, value, "must be a string, number, boolean or null")
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ParameterError("pull_extra_vars." + key, value, "contains a line break or another control character")
    return extra_vars


def validate_environment(environment):
    if not isinstance(environment, dict):
        raise ParameterError("environment", environment, "must be a dict")
    for key, value in environment.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise ParameterError("environment", key, "is not an environment variable name")
        if not isinstance(value, str) or CONTROL_CHARACTERS.search(value):
            raise ParameterError("environment." + key, value, "must be a string without control characters")
    return environment


def validate_path(parameter, path):
    _plain(parameter, path)
    if not os.path.isabs(path):
        raise ParameterError(parameter, path, "must be an absolute path")
    return path


def validate_delay(delay):
    if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0 or delay > 7 * 86400:
        raise ParameterError("randomized_delay", delay, "must be a number of seconds from 0 to 604800")
    return delay


def find_ansible_pull(executable=None, which=shutil.which):
    """The ansible-pull next to the running Python (a virtual environment's bin), else the one on PATH."""
    candidate = os.path.join(os.path.dirname(executable or sys.executable), "ansible-pull")
    if os.access(candidate, os.X_OK):
        return candidate
    return which("ansible-pull")


def pull_command(ansible_pull, url, branch, playbook, extra_vars, checkout):
    """The argv the timer runs."""
    variables = dict(DEFAULT_EXTRA_VARS, **extra_vars)
    return [
        ansible_pull,
        "--url",
        url,
        "--checkout",
        branch,
        "--directory",
        checkout,
        "--inventory",
        "localhost,",
        "--extra-vars",
        json.dumps(variables, sort_keys=True, separators=(",", ":")),
        playbook,
    ]


def systemd_quote(word, exec_line=True):
    """One argv element (or, with ``exec_line`` false, an Environment= assignment,
    where ``$`` is not expanded) as systemd reads it back."""
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    if exec_line:
        escaped = escaped.replace("$", "$$")
    return '"' + escaped + '"'


def systemd_value(value):
    """A value outside Exec lines (paths in StandardOutput=): only specifiers to escape."""
    return value.replace("%", "%%")


def render_service(command, log_file, environment):
    lines = [
        "# Written by recro.aws_sso.aws_sso_schedule; changes are reverted on its next run.",
        "[Unit]",
        "Description=Correct drift from the AWS SSO settings (ansible-pull)",
        "",
        "[Service]",
        "Type=oneshot",
    ]
    for key in sorted(environment):
        lines.append("Environment=" + systemd_quote("{0}={1}".format(key, environment[key]), exec_line=False))
    lines += [
        "ExecStart=" + " ".join(systemd_quote(word) for word in command),
        "StandardOutput=append:" + systemd_value(log_file),
        "StandardError=inherit",
        "",
    ]
    return "\n".join(lines)


def render_timer(schedule, delay):
    return "\n".join(
        [
            "# Written by recro.aws_sso.aws_sso_schedule; changes are reverted on its next run.",
            "[Unit]",
            "Description=Correct drift from the AWS SSO settings on a schedule (ansible-pull)",
            "",
            "[Timer]",
            "OnCalendar=" + schedule,
            "RandomizedDelaySec={0}".format(delay),
            "Persistent=true",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )


def launchd_interval(schedule):
    """StartCalendarInterval for daily/hourly/weekly; other expressions have no launchd form."""
    if schedule not in SHORTCUTS:
        raise ParameterError("schedule", schedule, "must be daily, hourly or weekly on macOS (launchd)")
    return dict(SHORTCUTS[schedule])


def launchd_arguments(command, delay):
    """/bin/sh sleeps a random part of ``delay`` then execs the command; the
    command is quoted for the shell, so no value is shell syntax."""
    script = "exec " + " ".join(shlex.quote(word) for word in command)
    if delay:
        script = "sleep $(( $(od -An -N2 -tu2 /dev/urandom) % {0} )); ".format(delay + 1) + script
    return ["/bin/sh", "-c", script]


def render_plist(command, schedule, delay, log_file, environment):
    document = dict(
        Label=LAUNCHD_LABEL,
        ProgramArguments=launchd_arguments(command, delay),
        StartCalendarInterval=launchd_interval(schedule),
        StandardOutPath=log_file,
        StandardErrorPath=log_file,
        RunAtLoad=False,
    )
    if environment:
        document["EnvironmentVariables"] = dict(environment)
    return plistlib.dumps(document, sort_keys=True).decode("utf-8")


class Layout:
    """Where the files of one user's schedule go."""

    def __init__(self, home, platform, state_home=None):
        self.platform = platform
        if platform == "Darwin":
            agents = os.path.join(home, "Library", "LaunchAgents")
            self.unit_directory = agents
            self.plist = os.path.join(agents, LAUNCHD_LABEL + ".plist")
            self.log_directory = os.path.join(home, "Library", "Logs", "recro-aws-sso")
            self.checkout = os.path.join(home, "Library", "Application Support", "recro-aws-sso", "checkout")
        else:
            units = os.path.join(home, ".config", "systemd", "user")
            self.unit_directory = units
            self.service = os.path.join(units, SERVICE_NAME)
            self.timer = os.path.join(units, TIMER_NAME)
            self.wants_link = os.path.join(units, "timers.target.wants", TIMER_NAME)
            state = os.path.join(state_home or os.path.join(home, ".local", "state"), "recro-aws-sso")
            self.log_directory = state
            self.checkout = os.path.join(state, "checkout")
        self.log_file = os.path.join(self.log_directory, "pull.log")


def render_files(layout, command, schedule, delay, environment):
    """Path to content of every file of the schedule."""
    if layout.platform == "Darwin":
        return {layout.plist: render_plist(command, schedule, delay, layout.log_file, environment)}
    return {
        layout.service: render_service(command, layout.log_file, environment),
        layout.timer: render_timer(schedule, delay),
    }


def parse_exec(line):
    """The argv of a rendered ExecStart= value (the inverse of :func:`systemd_quote`)."""
    words = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', line):
        text = match.group(1).replace("%%", "%").replace("$$", "$")
        words.append(re.sub(r"\\(.)", r"\1", text))
    return words
