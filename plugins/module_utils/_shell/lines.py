# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a line of an rc file ends, as the shells decide it. Pure logic, no Ansible
imports; the one place the collection splits shell text into lines.

- bash, zsh and fish end a line at LF only. A CR on its own, a form feed and the other
  separators ``splitlines`` also breaks at are characters of the line: bash and zsh run
  ``a<CR>export X=1`` as one command named ``a<CR>export``, fish reads that CR as a blank
  between two words of the same line. A marker or an ``export`` after a lone CR is
  therefore never a line of its own, and line numbers are those the shells print.
- Not so configparser, botocore's reader of the config and credentials files: it ends a
  line at LF, CRLF or a lone CR (``_aws.config_lines.split_lines`` owns that rule).

A CR just before an LF is taken as part of the line end (:func:`content`): a CRLF file is
read line by line as its author meant it (the value a shell sees still ends in that CR,
which :mod:`rc` writes no block with)."""

from __future__ import annotations

# The blanks between the words of a command, and before a comment's "#". bash and zsh read
# only space and tab: a CR is a character of the word ("true;<CR>export X=1" runs a command
# named "<CR>export", "<CR>#" is no comment); fish also reads a CR as a blank.
BLANKS = {"bash": " \t", "zsh": " \t", "fish": " \t\r"}


def shell_lines(data):
    """The lines of ``data`` (bytes or str) as bash, zsh and fish read them, each with its
    LF (the last without one when the file does not end in LF)."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    parts = data.split(newline)
    lines = [part + newline for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def content(line):
    """``line`` without its line end: the LF, and a CR just before it."""
    newline, carriage_return = (b"\n", b"\r") if isinstance(line, bytes) else ("\n", "\r")
    if line.endswith(newline):
        line = line[:-1]
        if line.endswith(carriage_return):
            line = line[:-1]
    return line


def shell_text_lines(text):
    """The lines of shell ``text`` without their line ends, numbered from 1 as the shells number them."""
    return [content(line) for line in shell_lines(text)]
