# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The managed block that exports the default profile in shell rc files.

Pure logic, no Ansible imports. The block text and its placement are those of
``ansible.builtin.blockinfile`` as roles/recro_sso/tasks/shell.yml used it in
0.1.0 (marker, append at the end of the file when new, replace in place), so
a file written by 0.1.0 is unchanged. Unlike blockinfile:

- a block is changed only when it is provably ours: one BEGIN and one END marker
  line, in that order, both lines the shell reads (not inside a heredoc); any
  other arrangement of marker lines is refused (:class:`UnprovenBlock`), naming
  them, and the file is left as it was;
- lines end where the shells end them, at LF only (:mod:`lines`): blockinfile also
  breaks at a lone CR, so a marker after one passed for a line of its own, and the
  line numbers drifted from those the shells (and the scan of what shadows) count;
- removing an absent block leaves the file untouched (blockinfile adds a missing
  final newline);
- the block's lines always end in LF, the one line end every shell reads: in a
  CRLF file a CRLF block made zsh and bash export ``name\r``.
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileError
from ansible_collections.recro.aws_sso.plugins.module_utils._shell.lines import BLANKS, content, shell_lines
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import login_command

SHELLS = ("bash", "zsh", "fish")
MARKER = "# {mark} recro.aws_sso: AWS default profile"
BEGIN = MARKER.format(mark="BEGIN")
END = MARKER.format(mark="END")


class UnreadPlace(FileError):
    """Where the block would go, the shell would not read it: the file ends inside a
    here-document."""

    def __init__(self, path, line, shell):
        super().__init__(
            22,  # EINVAL
            "line {0}, where the block would go, is inside a here-document that does not end, so {1} would not read "
            "it: the file was not changed; end the here-document first".format(line, shell),
            path,
        )


class UnprovenBlock(FileError):
    """The rc file's marker lines do not make one block the module can prove its own."""

    def __init__(self, path, problem):
        super().__init__(
            22,  # EINVAL
            "{0}: the managed block cannot be told apart from lines written by hand, so the file was "
            "not changed; leave exactly one BEGIN and one END marker line, in that order, outside any "
            "heredoc (or remove them all)".format(problem),
            path,
        )


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


def fish_quote(value):
    """``value`` in single quotes as fish reads it (backslash escapes ``'`` and ``\\``)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def exports(export_aws_profile):
    return ["AWS_DEFAULT_PROFILE"] + (["AWS_PROFILE"] if export_aws_profile else [])


def render_block(shell, profile, session_name, export_aws_profile=True, config_file=None):
    """The block's lines between the markers, without line ends (as the role's template).
    ``config_file``: also export ``AWS_CONFIG_FILE``, the config that holds the profile."""
    lines = [
        "# The profile aws and the AWS SDKs use without --profile.",
        "# Sign in with: " + login_command(session_name or ""),
    ]
    variables = [(name, profile) for name in exports(export_aws_profile)]
    if config_file is not None:
        variables.append(("AWS_CONFIG_FILE", config_file))
    for name, value in variables:
        if shell == "fish":
            # 0.1.0 wrote '{{ profile }}': the same bytes for every valid profile name.
            lines.append("set -gx {0} {1}".format(name, fish_quote(value)))
        else:
            lines.append("export {0}={1}".format(name, shlex.quote(value)))
    return lines


# Where a here-document starts in sh, bash and zsh: << or <<- (not the here-string <<<),
# then its delimiter word. Its lines up to the delimiter are data, not commands.
_HEREDOC = re.compile(rb"(?<!<)<<(?!<)(-?)[ \t]*")
# One part of a shell word: '...', "...", a backslash and the character it quotes, or
# characters that are no metacharacter (a CR is none: it belongs to the word).
_WORD_PART = re.compile(rb"'([^']*)'|\"((?:[^\"\\]|\\.)*)\"|\\(.)|([^ \t\n|&;()<>'\"\\]+)")


def _delimiter(text, start):
    """The here-document delimiter of the word at ``start`` of ``text``, quotes removed, or None."""
    delimiter = b""
    part = _WORD_PART.match(text, start)
    while part:
        delimiter += next(group for group in part.groups() if group is not None)
        part = _WORD_PART.match(text, part.end())
    return delimiter or None


def heredoc_lines(lines):
    """The indexes of ``lines`` (with their ends, :func:`shell_lines`) that sh, bash
    and zsh read as the body or delimiter of a here-document. A delimiter is compared with
    the line as the shell reads it: in a CRLF file, ``<<EOF`` ends at ``EOF<CR>``."""
    inside = set()
    pending = []  # (strip leading tabs, delimiter) of the here-documents still open
    for index, line in enumerate(lines):
        text = line[:-1] if line.endswith(b"\n") else line
        if pending:
            inside.add(index)
            strip_tabs, delimiter = pending[0]
            if (text.lstrip(b"\t") if strip_tabs else text) == delimiter:
                pending.pop(0)
            continue
        if text.lstrip(BLANKS["bash"].encode()).startswith(b"#"):
            continue
        for match in _HEREDOC.finditer(text):
            delimiter = _delimiter(text, match.end())
            if delimiter is not None:
                pending.append((bool(match.group(1)), delimiter))
    return inside


def find_block(lines, path="rc file", shell="bash"):
    """(begin, end) indexes of our marker lines in ``lines`` (:func:`shell_lines`), or None
    when there are none. Raises :class:`UnprovenBlock`, naming the lines, for any other
    arrangement: several BEGIN or END lines, one without the other, END before BEGIN,
    or a marker line inside a here-document (fish has none)."""
    begins, ends = [], []
    for index, line in enumerate(lines):
        if content(line) == BEGIN.encode():
            begins.append(index)
        elif content(line) == END.encode():
            ends.append(index)
    if not begins and not ends:
        return None
    quoted = sorted(heredoc_lines(lines).intersection(begins + ends)) if shell != "fish" else []

    def numbers(indexes):
        return ", ".join(str(index + 1) for index in indexes) or "none"

    if quoted:
        problem = "marker line(s) inside a here-document (line {0})".format(numbers(quoted))
    elif len(begins) != 1 or len(ends) != 1:
        problem = "{0} BEGIN marker line(s) (line {1}) and {2} END marker line(s) (line {3})".format(
            len(begins), numbers(begins), len(ends), numbers(ends)
        )
    elif begins[0] > ends[0]:
        problem = "the END marker (line {0}) comes before the BEGIN marker (line {1})".format(
            ends[0] + 1, begins[0] + 1
        )
    else:
        return begins[0], ends[0]
    raise UnprovenBlock(path, problem)


def place_block(original, block_lines, at_end=False, path="rc file", shell="bash"):
    """The file content with the block present (``block_lines`` not None) or absent,
    by blockinfile's algorithm (insertafter=EOF). ``at_end`` moves an existing block
    to the end of the file. ``original`` is bytes or None (no file). The block's lines
    end in LF whatever the file's line ends (see the module's docstring)."""
    lines = shell_lines(original or b"")
    if block_lines is not None:
        block = [BEGIN.encode() + b"\n"] + [line.encode("utf-8") + b"\n" for line in block_lines]
        block.append(END.encode() + b"\n")
    else:
        block = []
    found = find_block(lines, path, shell)
    if found is None:
        n0 = len(lines)
    else:
        lines[found[0] : found[1] + 1] = []
        n0 = len(lines) if at_end else found[0]
    if not block and found is None:
        return original
    if n0 > 0 and not lines[n0 - 1].endswith(b"\n"):
        lines[n0 - 1] += b"\n"
    lines[n0:n0] = block
    result = b"".join(lines)
    if block:
        # Written only where the shell reads it as lines of its own: not after a
        # here-document that is never closed, which would swallow it.
        try:
            placed = find_block(shell_lines(result), path, shell)
        except UnprovenBlock:
            placed = None
        if placed != (n0, n0 + len(block) - 1):
            raise UnreadPlace(path, n0 + 1, shell)
    return result


def block_position(data, path="rc file", shell="bash"):
    """(first, last) 1-based line numbers of the block in ``data``, or None."""
    found = find_block(shell_lines(data or b""), path, shell)
    return None if found is None else (found[0] + 1, found[1] + 1)


def block_text(data, path="rc file", shell="bash"):
    """Only the block's lines in ``data`` (markers included), as text, or "" without one:
    what a diff may show, since the rest of an rc file may hold secrets."""
    lines = shell_lines(data or b"")
    found = find_block(lines, path, shell)
    if found is None:
        return ""
    return b"".join(lines[found[0] : found[1] + 1]).decode("utf-8", "replace")
