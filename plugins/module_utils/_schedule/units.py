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

import errno
import json
import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_single_line
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import (
    URL_USER_INFO,
    ParameterError,
    hide_url_user_info,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.files import file_kind

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
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
# scp-like syntax: [user@]host:path (no "://"; a host is not a single letter, which is a Windows drive).
_SCP_LIKE = re.compile(
    r"^(?:(?P<userinfo>[^@/]*)@)?(?P<host>[A-Za-z0-9.-]{2,}|\[[0-9A-Fa-f:.]+\]):(?P<path>.*)\Z", re.DOTALL
)
_GIT_SCHEMES = ("https", "http", "ssh", "git", "file")
# ansible-pull hands the URL, the checkout directory and the playbook to ansible's git
# module and to ansible-playbook as words of a command line it splits with shlex, and
# the module splits its "name=URL dest=DIR" at spaces: none of these may hold one, nor
# a quote or backslash that would change the splitting.
_UNSPLITTABLE = re.compile(r"[\s'\"\\]")
# Jinja's delimiters: ansible-pull's git step is an ad-hoc task whose arguments Ansible
# templates, and extra variables are templated where the playbook reads them, so a
# "{{ ... }}" in the URL, a path or a variable would run as code in every scheduled run.
_TEMPLATE = re.compile(r"\{[{%#]")
# A conservative subset of systemd.time(7) calendar events, for hosts without systemd-analyze.
_CALENDAR = re.compile(r"^[A-Za-z0-9*,.:/~ -]+$")


def _plain(parameter, value):
    if not isinstance(value, str) or not value:
        raise ParameterError(parameter, value, "must be a non-empty string")
    return check_single_line(parameter, value)


# The only "@" a pull URL may hold: an SSH user name alone, before the host of git's scp-like
# form or of an ssh:// URL. Anything else with an "@" ("user:p@ss@host:path", "https:/user:pw@host",
# "https://user:pa/ss@host", "https://host/p@q") may hide a password, and is refused.
_SSH_USER_NAME = r"[A-Za-z0-9._-]+"
_PLAIN_SCP = re.compile(r"^" + _SSH_USER_NAME + r"@(?:[A-Za-z0-9.-]{2,}|\[[0-9A-Fa-f:.]+\]):[^@]*\Z")
_PLAIN_SSH = re.compile(r"^ssh://" + _SSH_USER_NAME + r"@[^@]*\Z", re.IGNORECASE)
# URL schemes, never a host: "https:/host/path" and "https:host/path" are no scp-like form.
_NOT_HOSTS = _GIT_SCHEMES + ("ftp", "ftps")


def url_credentials(url):
    """The part of a pull URL that may be a secret, else ``None`` (also ``""`` counts as
    found): whatever comes before the last ``@`` of a URL holding one anywhere but after a
    plain SSH user name (``git@host:path``, ``ssh://git@host/path``). That is the user info
    of a URL (:data:`URL_USER_INFO`: a token is often given as the user name; a password
    may hold a ``/`` or an ``@``), and of an ssh or scp-like one the password after the
    user name. The module hides it everywhere in its result, the invocation included, and
    refuses the URL."""
    url = url or ""
    if "@" not in url or _PLAIN_SCP.match(url) or _PLAIN_SSH.match(url):
        return None
    found = URL_USER_INFO.search(url)
    if found:
        scheme, user_info = found.group(1).lower(), found.group(2)
    else:
        scheme, user_info = "scp", url[: url.rindex("@")].lstrip()
    if scheme in ("ssh", "scp") and ":" in user_info:
        return user_info.split(":", 1)[1]
    return user_info


def url_query(url):
    """The query string and fragment of a pull URL of any form (``?access_token=...``,
    ``git@host:repo.git#token``), else ``None``: a git URL needs neither, and a token there
    would reach the job's files. The module refuses the URL and hides it everywhere in its
    result."""
    if _scheme(url) is None:
        return None
    start = min([index for index in (url.find("?"), url.find("#")) if index >= 0] or [-1])
    return url[start:] if start >= 0 else None


def _scheme(url):
    """A URL's scheme in lower case, ``scp`` for git's ``[user@]host:path``, or None for
    neither (``https:/host/path``, with one slash, is neither: git would take ``https`` for a host)."""
    scheme = _SCHEME.match(url or "")
    if scheme:
        return scheme.group(1).lower()
    scp = _SCP_LIKE.match(url or "")
    return "scp" if scp and scp.group("host").lower() not in _NOT_HOSTS else None


def shown_url(url):
    """``url`` as an error may show it: the user info of a URL hidden
    (:func:`hide_url_user_info`), and when an ``@`` is left, everything before the last
    one replaced by ``<user info>`` (git's scp-like form, or no URL at all)."""
    shown = hide_url_user_info(url)
    last = shown.rfind("@")
    if last >= 0 and not shown[:last].endswith("<user info>"):
        shown = "<user info>" + shown[last:]
    return shown


# In a schedule's file as a diff shows it: the user info of any URL ("https://token@host",
# "user:password@host:path"), which a file written before URLs with credentials were
# refused may hold, and the value of each Environment= line, which may be a secret.
# A word ending with "@" before "host:" (git's scp-like form), from its start: between quotes
# or spaces, up to the last such "@" ("user:p@ss@host:path"); a URL's is hidden before.
_SCP_USER_INFO = re.compile(
    r"(?<![^\s\"'=])(?![A-Za-z][A-Za-z0-9+.-]*:/)[^\s\"']*@(?=(?:[A-Za-z0-9.-]{2,}|\[[0-9A-Fa-f:.]+\]):)"
)
# As systemd reads a unit: blanks around the key and "=", either quote, lines continued with a
# backslash; a credential's value follows its name and ":" (SetCredential=name:value).
_ENVIRONMENT_VALUE = re.compile(
    r"""^([ \t]*Environment[ \t]*=[ \t]*(["']?)(?:[A-Za-z_][A-Za-z0-9_]*=)?)(?:[^\n]*\\\n)*[^\n]*$""", re.M
)
_CREDENTIAL_VALUE = re.compile(r"^([ \t]*SetCredential(?:Encrypted)?[ \t]*=[ \t]*[^:\n]*:)(?:[^\n]*\\\n)*[^\n]*$", re.M)
# What lies between two double quotes of a file: one word of an Exec line, or a whole other line.
_UNQUOTED = re.compile(r'[^"\n]+')


# A launchd agent's environment, each value of it (EnvironmentVariables' dict in a plist).
_PLIST_ENVIRONMENT = re.compile(r"(<key>EnvironmentVariables</key>\s*<dict>)(.*?)(</dict>)", re.DOTALL)
_PLIST_VALUE = re.compile(r"(<key>[^<]*</key>\s*)<(string|integer|real|data|date)>[^<]*</\2>")


def shown_file(text):
    """A schedule file's ``text`` as a diff may show it: no user info of a URL, no
    environment value (of an Environment= line of a unit, of EnvironmentVariables of a
    plist). The user info of a URL is hidden within each quoted word, so one word's ``@``
    does not hide the words up to it."""
    text = _UNQUOTED.sub(lambda part: hide_url_user_info(part.group(0)), text)
    text = _SCP_USER_INFO.sub("<user info>@", text)
    text = _PLIST_ENVIRONMENT.sub(
        lambda found: (
            found.group(1) + _PLIST_VALUE.sub(r"\1<string><hidden></string>", found.group(2)) + found.group(3)
        ),
        text,
    )
    text = _CREDENTIAL_VALUE.sub(lambda match: match.group(1) + "<hidden>", text)
    return _ENVIRONMENT_VALUE.sub(lambda match: match.group(1) + "<hidden>" + match.group(2), text)


def validate_untemplated(parameter, value, shown=None):
    """Refuse a value holding Jinja's delimiters (:data:`_TEMPLATE`); ``shown``: how an
    error may show it (a URL without its user info)."""
    if _TEMPLATE.search(value):
        raise ParameterError(
            parameter,
            value if shown is None else shown,
            "holds '{{', '{%' or '{#', which Ansible would run as a template in every scheduled run",
        )
    return value


def validate_pull_url(url):
    """``url`` when git and ansible-pull can use it and it can carry no secret: checked for
    credentials (:func:`url_credentials`) before any message shows it, and then shown
    without them (:func:`shown_url`)."""
    if url_credentials(url) is not None:
        raise ParameterError(
            "pull_url",
            shown_url(url),
            "carries credentials (an '@' other than after a plain SSH user name, as in git@host:path or "
            "ssh://git@host/path: a password, or a token as the user name): they would be written into the job's "
            "files and shown in its logs; use an SSH key or a git credential helper",
        )
    _plain("pull_url", url)
    kind = _scheme(url)
    if url.startswith("-") or kind not in _GIT_SCHEMES + ("scp",) or len(url) <= len(kind or "") + 3:
        raise ParameterError(
            "pull_url", shown_url(url), "is not a git URL (https://, ssh://, git://, file:// or user@host:path)"
        )
    if _UNSPLITTABLE.search(url):
        raise ParameterError(
            "pull_url", shown_url(url), "holds a space, quote or backslash, which ansible-pull's git step cannot pass"
        )
    query = url_query(url)
    if query is not None:
        raise ParameterError(
            "pull_url",
            url[: -len(query)] + "?<query>",
            "has a query string or fragment, which a git URL does not need and where a token "
            "(?access_token=...) would be written into the job's files and shown in its logs",
        )
    return validate_untemplated("pull_url", url, shown_url(url))


def validate_unsplittable(parameter, value, what):
    """Refuse a path ansible-pull would split into several words (:data:`_UNSPLITTABLE`)."""
    if _UNSPLITTABLE.search(value):
        raise ParameterError(
            parameter,
            value,
            "{0} holds a space, quote or backslash, which ansible-pull cannot pass to its git step and "
            "ansible-playbook".format(what),
        )
    return validate_untemplated(parameter, value)


def validate_branch(branch):
    """A branch or tag name by ``git check-ref-format``'s rules, in the characters every
    shell and ansible-pull pass unchanged."""
    _plain("pull_branch", branch)
    parts = branch.split("/")
    if (
        branch.startswith("-")
        or ".." in branch
        or "@{" in branch
        or branch == "@"
        or branch.endswith(".")
        or not re.match(r"^[A-Za-z0-9._/@+-]+$", branch)
        or any(not part or part.startswith(".") or part.endswith(".lock") for part in parts)
    ):
        raise ParameterError("pull_branch", branch, "is not a git branch or tag name")
    return branch


def validate_playbook(playbook):
    _plain("pull_playbook", playbook)
    parts = playbook.split("/")
    if playbook.startswith(("-", "/")) or ".." in parts or not re.match(r"^[A-Za-z0-9._/+-]+$", playbook):
        raise ParameterError(
            "pull_playbook",
            playbook,
            "must be a relative path in the repository of letters, digits and . _ / + - (no space: ansible-pull "
            "splits its command line at spaces), without '..' and not starting with '-'",
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
        try:
            # Pure logic without the module object, and a timeout: not run_command.
            completed = subprocess.run(  # pylint: disable=ansible-bad-function
                [analyze, "calendar", "--", schedule],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                universal_newlines=True,
                timeout=30,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ParameterError(
                "schedule", schedule, "could not be checked: systemd-analyze calendar did not answer within 30 s"
            ) from None
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
        if isinstance(value, str):
            check_single_line("pull_extra_vars." + key, value)
            if "@" in value and URL_USER_INFO.search(value):
                # Refused as in pull_url: the job's command line is seen by every user (ps), and ansible-pull logs it.
                raise ParameterError(
                    "pull_extra_vars." + key,
                    value,
                    "holds a URL with credentials: they would be written into the job's command line, which every "
                    "user on the host may read while it runs and ansible-pull writes to its log",
                )
            validate_untemplated("pull_extra_vars." + key, value)
    return extra_vars


class _NotShown:
    """Stands for a value an error refuses without showing it: an environment value may be a
    token (the diff hides them too), and one read from a file often ends in a line break."""

    def __repr__(self):
        return "(value not shown)"


def validate_environment(environment):
    if not isinstance(environment, dict):
        raise ParameterError("environment", _NotShown(), "must be a dict")
    for key, value in environment.items():
        if not isinstance(key, str) or not _NAME.match(key):
            raise ParameterError("environment", key, "is not an environment variable name")
        try:
            check_single_line("environment." + key, value)
        except ParameterError as error:
            raise ParameterError(error.parameter, _NotShown(), error.problem) from None
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


def state_home(value):
    """The user's ``XDG_STATE_HOME`` as the XDG base directory specification has it: one that is
    not absolute is ignored (None: ``~/.local/state``); one with a line break or another control
    character is refused, since the log's path goes into the unit file (:class:`ParameterError`)."""
    if not value or not os.path.isabs(value):
        return None
    return check_single_line("XDG_STATE_HOME", value)


class Layout:
    """Where the files of one user's schedule go."""

    def __init__(self, home, platform, state_home=None):
        self.platform = platform
        if platform == "Darwin":
            agents = os.path.join(home, "Library", "LaunchAgents")
            self.unit_directory = agents
            self.plist = os.path.join(agents, LAUNCHD_LABEL + ".plist")
            self.log_directory = os.path.join(home, "Library", "Logs", "recro-aws-sso")
            # Not under "Library/Application Support": ansible-pull cannot pass a path with a space to git.
            self.checkout = os.path.join(home, ".local", "state", "recro-aws-sso", "checkout")
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


def planned_files(params, layout, config_file=None, analyze=None):
    """``(command, files)`` of a present schedule: the argv the job runs and, per path,
    the content of each file of the schedule, every value of ``params`` (the module's
    options) checked first (:class:`ParameterError` names the option). ``config_file``:
    the config the job's runs use (``AWS_CONFIG_FILE``); ``analyze``: systemd-analyze,
    to check a calendar expression with."""
    if not params["pull_url"]:
        raise ParameterError("pull_url", params["pull_url"], "is required with state=present")
    environment = dict(params["environment"])
    if config_file:
        environment["AWS_CONFIG_FILE"] = _plain("path", config_file)  # named as the option it comes from
    ansible_pull = params["ansible_pull"] or find_ansible_pull()
    if not ansible_pull:
        raise ParameterError("ansible_pull", None, "not given, and no ansible-pull was found")
    validate_path("ansible_pull", ansible_pull)
    validate_unsplittable("ansible_pull", ansible_pull, "the path of ansible-pull")
    schedule = validate_schedule(params["schedule"], analyze)
    if layout.platform == "Darwin":
        launchd_interval(schedule)
    for value in (layout.log_file, layout.checkout):
        validate_path("user", value)
    validate_unsplittable("user", layout.checkout, "the checkout directory in the user's home")
    command = pull_command(
        ansible_pull,
        validate_pull_url(params["pull_url"]),
        validate_branch(params["pull_branch"]),
        validate_playbook(params["pull_playbook"]),
        validate_extra_vars(params["pull_extra_vars"]),
        layout.checkout,
    )
    delay = validate_delay(params["randomized_delay"])
    validate_environment(environment)
    return command, render_files(layout, command, schedule, delay, environment)


def schedule_paths(layout):
    """Every file a schedule of ``layout`` may have (what state=absent removes)."""
    return [layout.plist] if layout.platform == "Darwin" else [layout.service, layout.timer]


def job_output_paths(layout, files=None):
    """What the job's runs leave (the log, ansible-pull's checkout of the repository) that
    state=absent removes with the schedule: the checkout is a copy of the organisation's
    repository, which an offboarded user keeps no more than the schedule. Those of ``layout``,
    and those the schedule's ``files`` (path to text, None when absent) name, where the run
    that wrote them put them elsewhere (with another XDG_STATE_HOME); of these, only a log and
    a checkout named as this module names them (``.../recro-aws-sso/pull.log``, ``checkout``)."""
    paths = [layout.log_file, layout.checkout]
    for text in (files or {}).values():
        for path in _outputs_named_in(text or ""):
            if path not in paths:
                paths.append(path)
    return paths


def _outputs_named_in(text):
    """The log and checkout a unit or plist of the schedule names, as far as they are ours."""
    named = []
    if text.lstrip().startswith("<?xml"):
        try:
            agent = plistlib.loads(text.encode("utf-8"))
            script = agent["ProgramArguments"][2]
            words = shlex.split(script[script.index("exec ") + len("exec ") :])
            named.append(agent["StandardOutPath"])
        except (ValueError, LookupError, TypeError, AttributeError, plistlib.InvalidFileException):
            words = []
    else:
        log = re.search(r"^StandardOutput=append:(.+)$", text, re.M)
        named += [log.group(1).replace("%%", "%")] if log else []
        exec_start = re.search(r"^ExecStart=(.+)$", text, re.M)
        words = [
            re.sub(r"\\(.)", r"\1", word.replace("%%", "%").replace("$$", "$"))
            for word in re.findall(r'"((?:[^"\\]|\\.)*)"', exec_start.group(1) if exec_start else "")
        ]
    if "--directory" in words[:-1]:
        named.append(words[words.index("--directory") + 1])
    return [
        path
        for path in named
        if isinstance(path, str)
        and os.path.isabs(path)
        and os.path.normpath(path) == path
        and os.path.basename(path) in ("pull.log", "checkout")
        and os.path.basename(os.path.dirname(path)) == "recro-aws-sso"
    ]


def remove_job_output(paths):
    """Remove the job's log and checkout (``paths``, :func:`job_output_paths`), then each one's
    directory when nothing else is left in it; run as the user. ``(removed, failures)``: the
    paths removed, and for each one that could not be, its ``OSError`` (naming it)."""
    removed, failures = [], []
    for path in paths:
        if running_from(path):
            continue
        errors = []
        if os.path.isdir(path) and not os.path.islink(path):
            _remove_tree(path, errors)
        elif os.path.lexists(path):
            try:
                os.unlink(path)
            except OSError as error:
                errors.append(OSError(error.errno, error.strerror, path))
        else:
            continue
        if errors:
            # The first that stopped it: the directories it is in then could not be emptied.
            failures.append(([error for error in errors if error.errno != errno.ENOTEMPTY] or errors)[0])
        else:
            removed.append(path)
    for directory in sorted(set(os.path.dirname(path) for path in paths)):
        try:
            os.rmdir(directory)
        except OSError:
            pass  # not empty (another module's record), or not there: it stays
    return removed, failures


def running_from(directory):
    """Whether this process runs in ``directory`` (or below it): a run of the job itself
    (ansible-pull runs the pulled playbook from its checkout, and the modules in its
    directory), which still reads from it after this module is done."""
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:  # a working directory removed meanwhile
        return False
    return os.path.isdir(directory) and os.path.commonpath([here, os.path.realpath(directory)]) == os.path.realpath(
        directory
    )


def _remove_tree(path, errors):
    """Remove the directory ``path`` and all in it, never following a symbolic link in it
    (only what is in it goes), appending to ``errors`` an ``OSError`` naming each path that
    could not be removed (``shutil.rmtree`` names some by their base name only)."""

    def failed(_function, failed_path, error):
        error = error[1] if isinstance(error, tuple) else error
        errors.append(OSError(error.errno, error.strerror, failed_path))

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=failed)  # pylint: disable=unexpected-keyword-arg
    else:
        shutil.rmtree(path, onerror=failed)


def check_runnable(parameter, path, user):
    """Refuse an ansible-pull that ``user`` (this process's effective ids: call it acting
    as the user) cannot run, or whose script interpreter (its ``#!`` line) the user cannot
    run: the job would fail at every run, long after this one reported success. Each must
    be a regular file (after symbolic links): a directory has an x bit too, and reading the
    first line of a FIFO would wait for a writer without end."""
    effective = os.access in os.supports_effective_ids
    _check_program(parameter, path, path, user, effective)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return path  # a binary the user may run but not read
    with os.fdopen(descriptor, "rb") as handle:
        first_line = handle.readline(512)
    words = first_line[2:].split() if first_line.startswith(b"#!") else []
    if words:
        interpreter = words[0].decode("utf-8", "replace")
        _check_program(parameter, path, interpreter, user, effective, "runs {0}, which ".format(interpreter))
    return path


def _check_program(parameter, path, program, user, effective, what=""):
    """Refuse ``program`` (``path`` itself, or the interpreter it ``runs``) unless it is a
    regular file ``user`` may run; the error names O(parameter), its value and ``what`` it is."""
    try:
        kind = file_kind(os.stat(program).st_mode)
    except OSError as error:
        if error.errno != errno.EACCES:
            raise ParameterError(parameter, path, "{0}cannot be run: {1}".format(what, error.strerror)) from None
        kind = None  # behind a directory closed to the user: said below
    if kind not in (None, "a regular file"):
        raise ParameterError(parameter, path, "{0}is {1}, not a program".format(what, kind))
    if kind is None or not os.access(program, os.X_OK, effective_ids=effective):
        if what:
            raise ParameterError(
                parameter,
                path,
                "{0}user {1!r} cannot run (a directory on its way may be closed to the user)".format(what, user),
            )
        raise ParameterError(parameter, path, "cannot be run by user {0!r}".format(user))
