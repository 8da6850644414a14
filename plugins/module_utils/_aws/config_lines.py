# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How botocore divides an AWS config or credentials file into lines: it reads them
through Python's text mode, which ends a line at CR LF, a lone CR or LF. Its own module,
so that what only scans a credentials file (aws_sso_shell) does not load the config's
reader."""

from __future__ import annotations

import re

# A line and its ending.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text):
    """The lines of ``text``, each with its line ending."""
    return _LINE.findall(text)
