# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Edit a parsed ``~/.aws/config`` (``_aws.config.AwsConfig``) and prove the edit.

Pure logic: no Ansible imports, no I/O. The editor replaces whole lines inside
the sections it is asked to change and appends new sections; every other line
is kept byte for byte, and a re-read of each edited neighbourhood proves that
botocore reads the sections the edit did not touch exactly as before. Only a
run that changes the file loads this module.
"""

from __future__ import annotations

import bisect

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import AwsConfig, ConfigFileError


def render_entry(key, value, indent, newline):
    """The lines of ``key = value``; a dict value becomes a nested block."""
    if isinstance(value, dict):
        lines = ["{0}{1} ={2}".format(indent, key, newline)]
        for sub_key, sub_value in value.items():
            lines.append("{0}    {1}{2}".format(indent, _assignment(sub_key, sub_value), newline))
        return lines
    return ["{0}{1}{2}".format(indent, _assignment(key, value), newline)]


def _assignment(key, value):
    return "{0} = {1}".format(key, value) if value != "" else "{0} =".format(key)


def render_section(header, values, newline):
    """The lines of a new section with ``values`` in their given order."""
    lines = ["[{0}]{1}".format(header, newline)]
    for key, value in values.items():
        lines.extend(render_entry(key, value, "", newline))
    return lines


class ConfigEditor:
    """Line replacements on an :class:`AwsConfig`, rendered and re-read.

    A replacement is a half-open range ``[start, stop)`` of the original lines
    and the lines that take its place; ranges never overlap. Lines outside
    every range are copied unchanged.
    """

    def __init__(self, config):
        self.config = config
        self._replacements = []
        self._appended = []

    def replace(self, start, stop, new_lines):
        self._replacements.append((start, stop, len(self._replacements), new_lines))

    def append(self, new_lines):
        self._appended.extend(new_lines)

    @property
    def changed(self):
        return bool(self._replacements or self._appended)

    def render(self):
        """The new lines, and where each original line that was copied went:
        a list of ``(original start, original stop, new start)`` runs."""
        lines = self.config.lines
        new = []
        copied = []
        position = 0
        for start, stop, _order, new_lines in sorted(self._replacements):
            if start < position:
                raise AssertionError("overlapping edits at line {0}".format(start + 1))
            copied.append((position, start, len(new)))
            new.extend(lines[position:start])
            if new_lines:
                _end_last_line(new, self.config.newline)
                new.extend(new_lines)
            position = stop
        copied.append((position, len(lines), len(new)))
        new.extend(lines[position:])
        if self._appended:
            _end_last_line(new, self.config.newline)
            new.extend(self._appended)
        return new, copied

    def edited_neighbourhoods(self):
        """Ranges of original lines from the header before each edit to the
        header after it (merged): only there can an edit change how a line
        is read, since a header line resets the reader's state."""
        config = self.config
        starts = [section.start for section in config.sections]
        ranges = []
        for start, stop, _order, _new_lines in sorted(self._replacements):
            before = bisect.bisect_left(starts, start)
            after = bisect.bisect_left(starts, stop)
            ranges.append(
                (starts[before - 1] if before else 0, starts[after] if after < len(starts) else len(config.lines))
            )
        if self._appended:
            ranges.append((starts[-1] if starts else 0, len(config.lines)))
        merged = []
        for first, last in sorted(ranges):
            if merged and first <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return merged


def new_position(copied, original):
    """Where original line ``original`` went, per :meth:`ConfigEditor.render`."""
    for start, stop, new_start in copied:
        if start <= original < stop:
            return new_start + original - start
    return None


def _end_last_line(lines, newline):
    """New lines go after a complete line: end a last line that lacks its newline."""
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline


def _signature_entries(section):
    """A section's own keys: a [DEFAULT] shares its key table with the file's other [DEFAULT] sections."""
    return [
        (key, value)
        for (key, value), start in zip(section.raw_values(), section.keys.values())
        if section.start <= start < section.stop
    ]


def _signature(section):
    return section.header, _signature_entries(section)


def render_and_reread(editor, touched, managed):
    """The edited lines, and ``{(kind, name): Section}`` of the ``managed`` sections as
    the new text reads them, after proving that every section of the edited
    neighbourhoods whose first line is not in ``touched`` reads exactly as before.
    Sections outside those neighbourhoods are copied unchanged."""
    config = editor.config
    new_lines, copied = editor.render()
    found = {}
    for first, last in editor.edited_neighbourhoods():
        for section in _reread(config, first, last, new_lines, copied, touched, managed):
            found[(section.kind, section.name)] = section
    return new_lines, found


def _reread(config, first, last, new_lines, copied, touched, managed):
    """Re-read the new lines from original line ``first`` (a header, or the
    start) to the header at original line ``last`` (or the end); return the
    managed sections read there."""
    new_first = 0 if first == 0 else new_position(copied, first)
    at_end = last >= len(config.lines)
    window = new_lines[new_first:] if at_end else new_lines[new_first : new_position(copied, last) + 1]
    try:
        reread = AwsConfig.from_lines(window)
    except ConfigFileError as error:
        raise ConfigFileError(
            "the change would make the file unreadable ({0}). "
            "This happens next to indented section headers: unindent them".format(error.message),
            first + 1,
        ) from error
    sections = list(reread.sections)
    if not at_end:
        boundary = sections.pop() if sections else None
        if boundary is None or boundary.start != len(window) - 1:
            raise ConfigFileError(
                "the change would turn the header {0} into part of a value. "
                "This happens next to indented section headers: unindent them".format(config.lines[last].strip()),
                last + 1,
            )
    untouched = [
        section for section in config.sections if first <= section.start < last and section.start not in touched
    ]
    unmanaged = [section for section in sections if (section.kind, section.name) not in managed]
    if [_signature(section) for section in untouched] != [_signature(section) for section in unmanaged]:
        raise ConfigFileError(
            "the change would alter how botocore reads sections this task does not manage. "
            "This happens next to indented section headers: unindent them",
            first + 1,
        )
    return [section for section in sections if (section.kind, section.name) in managed]
