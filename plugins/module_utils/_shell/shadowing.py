# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What shadows the SSO profile: exports in shell rc files and static keys in the
credentials file. Pure logic, no Ansible imports; values are never kept."""

from __future__ import annotations

import configparser
import re

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config_lines import split_lines as config_lines
from ansible_collections.recro.aws_sso.plugins.module_utils._shell.lines import BLANKS, shell_text_lines

STATIC = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
PROFILE_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
CONFIG_VARS = ("AWS_CONFIG_FILE",)
WATCHED = STATIC + PROFILE_VARS + CONFIG_VARS
_NAMES = "|".join(WATCHED)


def _patterns(blank):
    """(exports, profile assignments) as a shell reads them whose blanks ``blank`` (a regex class) matches."""
    # Where a command starts: a line's start, or after ; & | ( { and then/do/else (sh) or
    # and/or/begin (fish), so that "cmd && export X=...", "if ...; then export X=...; fi" and
    # "test ...; and set -gx X ..." count as the shells run them.
    command = r"(?:^|[;&|({]|\b(?:then|do|else|and|or|begin)\b)" + blank + "*"
    # fish's set options: short (-gx, -Ux) or long (--global --export).
    fish_options = r"(?:(?:-[a-zA-Z]+|--[a-z]+)" + blank + "+)*"
    fish_export = r"(?:-[a-zA-Z]*x[a-zA-Z]*|--export)" + blank + "+"
    word = "(?:(?!" + blank + ").)*"
    exports = [
        re.compile(
            command
            + r"(?:export|declare"
            + blank
            + r"+-[a-zA-Z]*x[a-zA-Z]*|typeset"
            + blank
            + r"+-[a-zA-Z]*x[a-zA-Z]*)"
            + r"(?:"
            + blank
            + r"+--)?"
            + blank
            + r"+(?:[A-Za-z_][A-Za-z0-9_]*="
            + word
            + blank
            + r"+)*(?P<name>"
            + _NAMES
            + r")\b"
        ),
        re.compile(command + r"(?P<name>" + _NAMES + r")=.*;" + blank + r"*export" + blank + r"+(?P=name)\b"),
        re.compile(
            command + r"set" + blank + "+" + fish_options + fish_export + fish_options + r"(?P<name>" + _NAMES + r")\b"
        ),
        # fish's universal variables (~/.config/fish/fish_variables): "SETUVAR --export NAME:value"
        # (format 3.0), "SET_EXPORT NAME:value" (before).
        re.compile(r"^(?:SETUVAR\s+--export|SET_EXPORT)\s+(?P<name>" + _NAMES + r"):"),
    ]
    # Once our block has exported the profile, a plain assignment (sh) or set (fish) changes the exported value.
    # typeset, declare, local and readonly assign too; unset removes what the block exported.
    assigning = r"(?:(?:typeset|declare|local|readonly)(?:" + blank + r"+-[a-zA-Z]+)*" + blank + "+)?"
    assignments = [
        re.compile(command + assigning + r"(?P<name>" + "|".join(PROFILE_VARS) + r")="),
        re.compile(command + r"unset(?:" + blank + r"+-v)?" + blank + r"+(?P<name>" + "|".join(PROFILE_VARS) + r")\b"),
        re.compile(
            command + r"set" + blank + "+" + fish_options + r"(?P<name>" + "|".join(PROFILE_VARS) + r")" + blank
        ),
    ]
    return exports + assignments


# A watched variable given a value in an export's words.
_ASSIGNED = re.compile(r"(?<![\w$])(" + _NAMES + r")(?==)")
_PATTERNS = dict((shell, _patterns("[" + re.escape(blanks) + "]")) for shell, blanks in BLANKS.items())
# A line of a bash login file that reads the rc file (as Debian's ~/.profile reads ~/.bashrc).
_SOURCES = r"(?:^|[\s;&|])(?:\.|source)\s+[\"']?(?:\$HOME|\$\{{HOME\}}|~)/{0}[\"']?(?:\s|;|$)"

EFFECTS = {
    "static_credentials": "static keys in the environment win over every profile: aws uses them, not the SSO role",
    "profile_override": "this later setting replaces the profile our block exports",
    "config_file": "aws reads another config file, which may not hold the SSO profiles",
    "credentials_file": "static keys in the credentials file win over the SSO settings of this profile",
}


def exported_names(text, shell="bash"):
    """(line number, variable) for each watched variable exported/set in ``shell``'s ``text``, and
    each plain assignment of a profile variable (which changes the value once it is exported)."""
    found = []
    for number, line in enumerate(shell_text_lines(text), 1):
        if line.lstrip(BLANKS[shell]).startswith("#"):  # only blanks before it make "#" a comment
            continue
        names = []
        for pattern in _PATTERNS[shell]:
            for match in pattern.finditer(line):
                # One export may set several: "export AWS_ACCESS_KEY_ID=... AWS_PROFILE=...".
                for name in _ASSIGNED.findall(match.group(0)) + [match.group("name")]:
                    if name not in names:
                        names.append(name)
        found.extend((number, name) for name in names)
    return found


def sourcing_line(text, name):
    """The number of the first line of ``text`` that reads ``~/name``, or None."""
    pattern = re.compile(_SOURCES.format(re.escape(name)))
    for number, line in enumerate(shell_text_lines(text), 1):
        if not line.lstrip(BLANKS["bash"]).startswith("#") and pattern.search(line):
            return number
    return None


def rc_conflicts(path, text, block, overrides_after=None, shell="bash"):
    """Conflicts in one rc file of ``shell``; ``block`` is (first, last) line numbers of our block or None.
    A profile setting counts when the shell reads it after our block: after line ``overrides_after``
    (default: the block's last line, or anywhere in a file without it)."""
    if overrides_after is None:
        overrides_after = block[1] if block else 0
    conflicts = []
    for number, name in exported_names(text, shell):
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
_SECTION = configparser.RawConfigParser.SECTCRE
# configparser's section whose keys every other section has unless it sets its own.
_CONFIGPARSER_DEFAULTS = configparser.DEFAULTSECT
_STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


def credentials_conflicts(path, text, profiles):
    """Sections of the credentials file named like ``profiles`` or default holding static
    keys, read as botocore's configparser reads them: ``key = value`` or ``key: value``,
    keys in any case, an indented line continuing the value above, ``#``/``;`` comments, a
    lone CR ending a line (universal newlines), and the keys of ``[DEFAULT]`` in every
    section that lacks its own (reported at the ``[DEFAULT]`` key's line)."""
    keys = {}  # section -> {static key: its line}, sections in file order
    current = None
    for number, line in enumerate(config_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or line[0] in " \t":
            continue
        header = _SECTION.match(stripped)
        if header:
            current = header.group("header")
            keys.setdefault(current, {})
            continue
        key = re.split(r"[=:]", stripped, maxsplit=1)[0].strip().lower()
        if current is not None and key in _STATIC_KEYS:
            keys[current].setdefault(key, number)
    inherited = keys.pop(_CONFIGPARSER_DEFAULTS, {})
    wanted = set(profiles) | {"default"}
    found = [
        (number, "[{0}] {1}".format(section, key))
        for section, own in keys.items()
        if section in wanted
        for key, number in dict(inherited, **own).items()
    ]
    return [
        dict(path=path, line=number, variable=variable, kind="credentials_file", effect=EFFECTS["credentials_file"])
        for number, variable in sorted(found)
    ]
