# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What shadows the SSO profile: exports in shell rc files and static keys in the
credentials file. Pure logic, no Ansible imports; values are never kept."""

from __future__ import annotations

import re

STATIC = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
PROFILE_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
CONFIG_VARS = ("AWS_CONFIG_FILE",)
WATCHED = STATIC + PROFILE_VARS + CONFIG_VARS
_NAMES = "|".join(WATCHED)
# Where a command starts: a line's start, or after ; & | ( { and then/do/else (sh) or
# and/or/begin (fish), so that "cmd && export X=...", "if ...; then export X=...; fi" and
# "test ...; and set -gx X ..." count as the shells run them.
_COMMAND = r"(?:^|[;&|({]|\b(?:then|do|else|and|or|begin)\b)\s*"
# fish's set options: short (-gx, -Ux) or long (--global --export).
_FISH_OPTIONS = r"(?:(?:-[a-zA-Z]+|--[a-z]+)\s+)*"
_FISH_EXPORT = r"(?:-[a-zA-Z]*x[a-zA-Z]*|--export)\s+"
_PATTERNS = [
    re.compile(
        _COMMAND + r"(?:export|declare\s+-[a-zA-Z]*x[a-zA-Z]*|typeset\s+-[a-zA-Z]*x[a-zA-Z]*)\s+"
        r"(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?P<name>" + _NAMES + r")\b"
    ),
    re.compile(_COMMAND + r"(?P<name>" + _NAMES + r")=.*;\s*export\s+(?P=name)\b"),
    re.compile(_COMMAND + r"set\s+" + _FISH_OPTIONS + _FISH_EXPORT + _FISH_OPTIONS + r"(?P<name>" + _NAMES + r")\b"),
    # fish's universal variables (~/.config/fish/fish_variables): "SETUVAR --export NAME:value"
    # (format 3.0), "SET_EXPORT NAME:value" (before).
    re.compile(r"^(?:SETUVAR\s+--export|SET_EXPORT)\s+(?P<name>" + _NAMES + r"):"),
]
# Once our block has exported the profile, a plain assignment (sh) or set (fish) changes the exported value.
_PROFILE_ASSIGNMENTS = [
    re.compile(_COMMAND + r"(?P<name>" + "|".join(PROFILE_VARS) + r")="),
    re.compile(_COMMAND + r"set\s+" + _FISH_OPTIONS + r"(?P<name>" + "|".join(PROFILE_VARS) + r")\s"),
]
# A line of a bash login file that reads the rc file (as Debian's ~/.profile reads ~/.bashrc).
_SOURCES = r"(?:^|[\s;&|])(?:\.|source)\s+[\"']?(?:\$HOME|\$\{{HOME\}}|~)/{0}[\"']?(?:\s|;|$)"

EFFECTS = {
    "static_credentials": "static keys in the environment win over every profile: aws uses them, not the SSO role",
    "profile_override": "this later setting replaces the profile our block exports",
    "config_file": "aws reads another config file, which may not hold the SSO profiles",
    "credentials_file": "static keys in the credentials file win over the SSO settings of this profile",
}


def exported_names(text):
    """(line number, variable) for each watched variable exported/set in shell ``text``, and each
    plain assignment of a profile variable (which changes the value once it is exported)."""
    found = []
    for number, line in enumerate(lines_of(text), 1):
        if line.lstrip().startswith("#"):
            continue
        for pattern in _PATTERNS + _PROFILE_ASSIGNMENTS:
            match = pattern.search(line)
            if match:
                found.append((number, match.group("name")))
                break
    return found


def sourcing_line(text, name):
    """The number of the first line of ``text`` that reads ``~/name``, or None."""
    pattern = re.compile(_SOURCES.format(re.escape(name)))
    for number, line in enumerate(lines_of(text), 1):
        if not line.lstrip().startswith("#") and pattern.search(line):
            return number
    return None


def rc_conflicts(path, text, block, overrides_after=None):
    """Conflicts in one rc file; ``block`` is (first, last) line numbers of our block or None.
    A profile setting counts when the shell reads it after our block: after line ``overrides_after``
    (default: the block's last line, or anywhere in a file without it)."""
    if overrides_after is None:
        overrides_after = block[1] if block else 0
    conflicts = []
    for number, name in exported_names(text):
        if block and block[0] <= number <= block[1]:
            continue
        if name in STATIC:
            kind = "static_credentials"
        elif name in CONFIG_VARS:
            kind = "config_file"
        elif number > overrides_after:
            kind = "profile_override"
        else:
            continue
        conflicts.append(dict(path=path, line=number, variable=name, kind=kind, effect=EFFECTS[kind]))
    return conflicts


# configparser's section header, as botocore reads the credentials file: the name is
# what stands between the brackets, spaces included ("[ default ]" is not the default).
_SECTION = re.compile(r"\[(?P<name>.+)\]")


def credentials_conflicts(path, text, profiles):
    """Sections of the credentials file named like ``profiles`` or default holding static
    keys, read as botocore's configparser reads them: ``key = value`` or ``key: value``,
    keys in any case, an indented line continuing the value above, ``#``/``;`` comments."""
    conflicts = []
    wanted = set(profiles) | {"default"}
    current = None
    for number, line in enumerate(lines_of(text), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or line[0] in " \t":
            continue
        header = _SECTION.match(stripped)
        if header:
            current = header.group("name")
            continue
        key = re.split(r"[=:]", stripped, maxsplit=1)[0].strip().lower()
        if current in wanted and key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token"):
            conflicts.append(
                dict(
                    path=path,
                    line=number,
                    variable="[{0}] {1}".format(current, key),
                    kind="credentials_file",
                    effect=EFFECTS["credentials_file"],
                )
            )
    return conflicts


def lines_of(text):
    """The lines of ``text`` as a shell or configparser counts them: split at LF only (a
    CR before it is part of the line end), not at the form feeds and other separators
    ``str.splitlines`` also splits at."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]
