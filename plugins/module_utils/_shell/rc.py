# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The managed block that exports the default profile in shell rc files.

Pure logic, no Ansible imports. The block text and its placement are those of
``ansible.builtin.blockinfile`` as roles/recro_sso/tasks/shell.yml used it in
0.1.0 (marker, append at the end of the file when new, replace in place), so
a file written by 0.1.0 is unchanged. Unlike blockinfile, removing an absent
block leaves the file untouched (blockinfile adds a missing final newline),
and a CRLF file keeps
its line ends: markers match with either line end and the block is written
with the file's.
"""

from __future__ import annotations

import shlex

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import CONTROL_CHARACTERS, NAME_PATTERN

SHELLS = ("bash", "zsh", "fish")
MARKER = "# {mark} recro.aws_sso: AWS default profile"
BEGIN = MARKER.format(mark="BEGIN")
END = MARKER.format(mark="END")
# Profile names every AWS tool and shell reads the same way (as the role checks).
PROFILE_PATTERN = NAME_PATTERN


class ShellRcError(ValueError):
    """A value that cannot go into an rc file."""


def rc_files(platform):
    """Shell -> rc file relative to the home (vars/Linux.yml, vars/Darwin.yml, vars/main.yml)."""
    return {
        "bash": ".bash_profile" if platform == "Darwin" else ".bashrc",
        "zsh": ".zshrc",
        "fish": ".config/fish/conf.d/recro_sso.fish",
    }


def shell_markers(platform):
    """Shell -> the path (relative to the home) whose existence shows the shell is in use."""
    return dict(rc_files(platform), fish=".config/fish")


def check_value(parameter, value):
    """Refuse a newline or control character in ``value`` naming ``parameter``."""
    if value is not None and CONTROL_CHARACTERS.search(value):
        raise ShellRcError("{0}: {1!r} holds a newline or control character".format(parameter, value))


def check_profile(profile):
    check_value("profile", profile)
    if not isinstance(profile, str) or not PROFILE_PATTERN.match(profile):
        raise ShellRcError("profile: {0!r} does not match {1}".format(profile, PROFILE_PATTERN.pattern))


def fish_quote(value):
    """``value`` in single quotes as fish reads it (backslash escapes ``'`` and ``\\``)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def exports(export_aws_profile):
    return ["AWS_DEFAULT_PROFILE"] + (["AWS_PROFILE"] if export_aws_profile else [])


def render_block(shell, profile, session_name, export_aws_profile=True):
    """The block's lines between the markers, without line ends (as the role's template)."""
    lines = [
        "# The profile aws and the AWS SDKs use without --profile.",
        "# Sign in with: aws sso login --sso-session {0}".format(session_name or ""),
    ]
    for name in exports(export_aws_profile):
        if shell == "fish":
            # 0.1.0 wrote '{{ profile }}': the same bytes for every valid profile name.
            lines.append("set -gx {0} {1}".format(name, fish_quote(profile)))
        else:
            lines.append("export {0}={1}".format(name, shlex.quote(profile)))
    return lines


def line_end(data):
    """The file's line end: CRLF when its first line ends so, else LF."""
    first = data.find(b"\n")
    return b"\r\n" if first > 0 and data[first - 1 : first] == b"\r" else b"\n"


def _strip(line):
    return line.rstrip(b"\r\n")


def find_block(lines):
    """(begin, end) indexes of the marker lines in ``lines`` (with their ends), or None."""
    n0 = n1 = None
    for index, line in enumerate(lines):
        if _strip(line) == BEGIN.encode():
            n0 = index
        if _strip(line) == END.encode():
            n1 = index
    if n0 is None or n1 is None:
        return None
    return (n0, n1) if n0 < n1 else (n1, n0)


def place_block(original, block_lines, at_end=False):
    """The file content with the block present (``block_lines`` not None) or absent,
    by blockinfile's algorithm (insertafter=EOF). ``at_end`` moves an existing block
    to the end of the file. ``original`` is bytes or None (no file)."""
    lines = (original or b"").splitlines(True)
    eol = line_end(original or b"")
    if block_lines is not None:
        block = [BEGIN.encode() + eol] + [line.encode("utf-8") + eol for line in block_lines] + [END.encode() + eol]
    else:
        block = []
    found = find_block(lines)
    if found is None:
        n0 = len(lines)
    else:
        lines[found[0] : found[1] + 1] = []
        n0 = len(lines) if at_end else found[0]
    if not block and found is None:
        return original
    if n0 > 0 and not lines[n0 - 1].endswith(b"\n"):
        lines[n0 - 1] += eol
    lines[n0:n0] = block
    return b"".join(lines)


def block_position(data):
    """(first, last) 1-based line numbers of the block in ``data``, or None."""
    found = find_block((data or b"").splitlines(True))
    return None if found is None else (found[0] + 1, found[1] + 1)
