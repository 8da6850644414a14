# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading back what aws_sso_schedule writes into a systemd unit, as systemd reads it."""

from __future__ import annotations

import re


def exec_argv(line):
    """The argv of a rendered ``ExecStart=`` value: every word double-quoted, with
    systemd's escapes (``\\``, ``%%``, ``$$``) undone, the inverse of ``systemd_quote``."""
    words = []
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"', line):
        text = match.group(1).replace("%%", "%").replace("$$", "$")
        words.append(re.sub(r"\\(.)", r"\1", text))
    return words
