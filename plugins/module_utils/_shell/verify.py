# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The proof a scan cannot give: start the user's real login shells, as the user, with no
terminal, stdin closed and a short timeout, and say which AWS_* variables each ends with.

Standard library only. Only variable names leave this module, and the values of the two
profile variables (profile names); a shell that hangs is killed, one that prints is
reported as printing, never with what it printed (it may be a secret)."""

from __future__ import annotations

import re
import shutil

from ansible_collections.recro.aws_sso.plugins.module_utils._common import programs
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as shell_rc

# How each shell starts as a person's login terminal does, without a terminal.
LOGIN_FLAGS = {"bash": "-lic", "zsh": "-lic", "fish": "-lc"}
# What the shell runs last: a line the output is cut at, then its environment, NUL-separated.
_MARK = "--recro-aws-sso-environment--"
_SCRIPT = "printf '\\n%s\\n' {0}; exec env -0".format(_MARK)
# Values that may be shown: profile names, and the config file's path.
SHOWN = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE")
DEFAULT_TIMEOUT = 10
# What an interactive bash itself prints when it starts without a terminal (no job control):
# not something the user's files printed.
_BASH_NO_TERMINAL = re.compile(
    r"^-?(?:[^\s:]*/)?bash: (?:cannot set terminal process group \(-?\d+\): [^\n]*|no job control in this shell)\n?",
    re.M,
)


def environment_for(account, shell_path):
    """A login's environment: no variable of the module's run (AWS_* of the controller
    must not look like the shell's own)."""
    return {
        "HOME": account.home,
        "USER": account.name,
        "LOGNAME": account.name,
        "SHELL": shell_path,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "TERM": "dumb",
    }


def parse(output):
    """``(printed, variables)`` from a run's output (text): whether the user's files printed
    anything before the mark (bash's own lines about the missing terminal do not count), and
    its AWS_* variables (values only for :data:`SHOWN`)."""
    before, found, after = output.partition("\n" + _MARK + "\n")
    before = _BASH_NO_TERMINAL.sub("", before)
    if not found:
        return bool(before.strip()), None
    variables = {}
    for entry in after.split("\0"):
        name, _equals, value = entry.partition("=")
        if name.startswith("AWS_"):
            variables[name] = value if name in SHOWN else None
    return bool(before.strip()), variables


def verify_shell(account, shell, timeout=DEFAULT_TIMEOUT):
    """What ``shell`` (bash, zsh or fish) ends with as ``account``'s login shell: a dict
    with ``shell``, ``status`` (``ok``, ``timed out``, ``failed``, ``not installed``),
    ``printed``, ``exported`` (the AWS_* names) and ``profile``/``default_profile``."""
    report = dict(
        shell=shell,
        status="not installed",
        printed=False,
        exported=[],
        profile=None,
        default_profile=None,
        config_file=None,
    )
    path = shutil.which(shell)
    if path is None:
        return report
    completed = programs.run(account, [path, LOGIN_FLAGS[shell], _SCRIPT], environment_for(account, path), timeout)
    printed, variables = parse(completed.stdout)
    if completed.returncode == programs.TIMED_OUT and variables is None:
        # Stopped with everything it started; what it printed is not kept (it may be a secret).
        report["status"] = "timed out"
        return report
    report["printed"] = printed
    if variables is None:
        report["status"] = "failed"
        return report
    report.update(
        status="ok",
        exported=sorted(variables),
        profile=variables.get("AWS_PROFILE"),
        default_profile=variables.get("AWS_DEFAULT_PROFILE"),
        config_file=variables.get("AWS_CONFIG_FILE"),
    )
    return report


def verdict(report, profile, export_aws_profile=True, config_file=None):
    """A message when ``report`` shows the shell does not end with what the block exports
    (``_shell.rc.exported_values``), else None."""
    if report["status"] != "ok":
        return "{0}: the login shell {1}".format(report["shell"], report["status"])
    wanted = shell_rc.exported_values(profile, export_aws_profile, config_file)
    got = {
        "AWS_DEFAULT_PROFILE": report["default_profile"],
        "AWS_PROFILE": report["profile"],
        "AWS_CONFIG_FILE": report.get("config_file"),
    }
    wrong = [name for name in sorted(wanted) if got[name] != wanted[name]]
    if wrong:
        expected = sorted(set(wanted[name] for name in wrong))
        return "{0}: a login shell ends with {1} (expected {2})".format(
            report["shell"],
            ", ".join("{0}={1!r}".format(name, got[name]) for name in wrong),
            " and ".join(repr(value) for value in expected),
        )
    static = [
        name
        for name in report["exported"]
        if name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    ]
    if static:
        return "{0}: a login shell exports {1}, which win over the profile".format(report["shell"], ", ".join(static))
    return None
