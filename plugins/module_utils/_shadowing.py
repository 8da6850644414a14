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
_PATTERNS = [
    re.compile(r"^\s*(?:export|declare\s+-[a-zA-Z]*x[a-zA-Z]*|typeset\s+-[a-zA-Z]*x[a-zA-Z]*)\s+(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*"
               r"(?P<name>" + _NAMES + r")\b"),
    re.compile(r"^\s*(?P<name>" + _NAMES + r")=.*;\s*export\s+(?P=name)\b"),
    re.compile(r"^\s*set\s+(?:-[a-zA-Z]*x[a-zA-Z]*\s+)+(?P<name>" + _NAMES + r")\b"),
]

EFFECTS = {
    "static_credentials": "static keys in the environment win over every profile: aws uses them, not the SSO role",
    "profile_override": "this later setting replaces the profile our block exports",
    "config_file": "aws reads another config file, which may not hold the SSO profiles",
    "credentials_file": "static keys in the credentials file win over the SSO settings of this profile",
}


def exported_names(text):
    """(line number, variable) for each watched variable exported/set in shell ``text``."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern in _PATTERNS:
            match = pattern.match(line)
            if match:
                found.append((number, match.group("name")))
                break
    return found


def rc_conflicts(path, text, block):
    """Conflicts in one rc file; ``block`` is (first, last) line numbers of our block or None."""
    conflicts = []
    for number, name in exported_names(text):
        if block and block[0] <= number <= block[1]:
            continue
        if name in STATIC:
            kind = "static_credentials"
        elif name in CONFIG_VARS:
            kind = "config_file"
        elif block is None or number > block[1]:
            kind = "profile_override"
        else:
            continue
        conflicts.append(dict(path=path, line=number, variable=name, kind=kind, effect=EFFECTS[kind]))
    return conflicts


def credentials_conflicts(path, text, profiles):
    """Sections of the credentials file named like ``profiles`` or default holding static keys."""
    conflicts = []
    wanted = set(profiles) | {"default"}
    current = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = (stripped[1:-1].strip(), number)
            continue
        key = stripped.split("=", 1)[0].strip().lower()
        if current and current[0] in wanted and "=" in stripped and key in ("aws_access_key_id", "aws_secret_access_key"):
            conflicts.append(dict(path=path, line=number, variable="[{0}] {1}".format(current[0], key),
                                  kind="credentials_file", effect=EFFECTS["credentials_file"]))
    return conflicts
