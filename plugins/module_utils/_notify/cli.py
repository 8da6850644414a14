# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS CLI on the user's PATH and its version, as the user.

``aws --version`` starts the whole CLI: for a CLI that is a Python script (pip's v1, Debian's
v2, Homebrew's, one built from source) that is most of a second of CPU, the largest part of a
fleet's onboarding. Such a script is an entry point of the ``awscli`` package, whose
``__version__`` is the number ``aws --version`` prints, and ``awscli/__init__.py`` is small: the
script's own interpreter is asked for it instead, the way running the script would import it.
Anything else (a binary, a shell wrapper such as a pyenv shim, an interpreter that does not
answer with a version) is asked ``aws --version``. Standard library only."""

from __future__ import annotations

import os
import re

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files, programs
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileRefused
from ansible_collections.recro.aws_sso.plugins.module_utils._notify import desktop

# Enough for the shebang and the imports of the entry points pip, Debian and the CLI's own
# sources write (the licence header comes first); a binary is not read to its end.
HEAD_LIMIT = 4096
# One version grammar: "2.9.19" as awscli.__version__ says it and in "aws-cli/2.9.19 Python/..."
# as aws --version prints it (v1 on stderr, v2 on stdout).
_NUMBER = r"(?P<version>(?P<major>\d+)(?:\.\d+)+)"
_PRINTED = re.compile(r"aws-cli/" + _NUMBER)
_ANSWER = re.compile(_NUMBER)
# python, python3, python3.11: what a shebang names when it runs a Python script.
_PYTHON = re.compile(r"python(?:\d+(?:\.\d+)?)?")
# Interpreter options a shebang may carry that take no value (-s, -E, -I, -sE...): kept, since
# they decide what the script imports.
_OPTIONS = re.compile(r"-[bBdEIOqsSuv]+")
_IMPORTS_AWSCLI = re.compile(rb"^[ \t]*(?:import[ \t]+awscli\b|from[ \t]+awscli(?:\.[\w.]+)?[ \t]+import\b)", re.M)
# What the script's interpreter is asked: awscli as the script would import it. Python puts the
# script's directory first on sys.path where -c puts the working directory ("", unless -I or
# -P leave it out), so the question puts the script's directory (argv[1]) there.
QUESTION = "\n".join(
    (
        "import sys",
        "if sys.path and sys.path[0] == '': sys.path[0] = sys.argv[1]",
        "import awscli",
        "print(awscli.__version__)",
    )
)


def parse_shebang(head):
    """``(interpreter, argument)`` of the ``#!`` line at the start of ``head`` (bytes; argument
    None without one, the rest of the line as one word as the kernel passes it); None without a
    complete ``#!`` line."""
    if not head.startswith(b"#!") or b"\n" not in head:
        return None
    try:
        line = head[2 : head.index(b"\n")].decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    words = line.split(None, 1)
    if not words:
        return None
    return words[0], (words[1].strip() if len(words) > 1 else None)


def python_command(shebang, which):
    """The argv start that runs the Python interpreter ``shebang`` names, or None when it names
    something else: ``/abs/path/pythonX[.Y]`` (with options such as ``-s`` kept), or
    ``/usr/bin/env pythonX[.Y]`` resolved with ``which`` (a name to an absolute path or None), as
    env resolves it on the same PATH."""
    interpreter, argument = shebang
    if not os.path.isabs(interpreter):
        return None
    if os.path.basename(interpreter) == "env":
        found = which(argument) if argument and _PYTHON.fullmatch(argument) else None
        return [found] if found and os.path.isabs(found) else None
    if not _PYTHON.fullmatch(os.path.basename(interpreter)):
        return None
    if argument is None:
        return [interpreter]
    return [interpreter, argument] if _OPTIONS.fullmatch(argument) else None


def is_awscli_entry_point(head):
    """Whether the script that starts with ``head`` (bytes) imports the ``awscli`` package."""
    return _IMPORTS_AWSCLI.search(head) is not None


def version_question(script, head, which):
    """The argv that asks the interpreter of ``script`` (its real path; ``head``, its first bytes)
    for ``awscli.__version__``; None unless it is a Python script that is an awscli entry point."""
    shebang = parse_shebang(head)
    if shebang is None or not is_awscli_entry_point(head):
        return None
    command = python_command(shebang, which)
    if command is None:
        return None
    return command + ["-c", QUESTION, os.path.dirname(script)]


def printed_version(output):
    """``(version, major)`` from what ``aws --version`` printed; ``(None, None)`` when it is not
    the AWS CLI's answer."""
    match = _PRINTED.search(output or "")
    return (match.group("version"), int(match.group("major"))) if match else (None, None)


def answered_version(output):
    """``(version, major)`` when ``output`` (the interpreter's answer) is a version and nothing
    else; ``(None, None)`` otherwise."""
    match = _ANSWER.fullmatch((output or "").strip())
    return (match.group("version"), int(match.group("major"))) if match else (None, None)


def read_head(path, limit=HEAD_LIMIT):
    """At most ``limit`` bytes from the start of ``path`` when it is a regular file, else None
    (missing, unreadable, or not a regular file: aws --version is asked instead)."""
    try:
        return files.read_bytes(path, limit)
    except (FileRefused, OSError):
        return None


def find_cli(account, environment):
    """``{path, version, major}`` of the ``aws`` on the PATH of ``environment`` (version and major
    None when it does not answer as the AWS CLI does), or None without one; every look and every
    program with ``account``'s ids (root acting for a user follows none of the user's links)."""

    def which(name):
        return desktop.find_program(name, environment)

    with files.acting_as(account):
        path = which("aws")
        if path is None:
            return None
        script = os.path.realpath(path)
        question = version_question(script, read_head(script) or b"", which)
    version, major = None, None
    if question is not None:
        done = programs.run(account, question, environment, desktop.PROGRAM_TIMEOUT)
        if done.returncode == 0:
            version, major = answered_version(done.stdout)
    if version is None:
        done = programs.run(account, [path, "--version"], environment, desktop.PROGRAM_TIMEOUT)
        if done.returncode == 0:  # an aws that prints a version and fails would fail at the login too
            version, major = printed_version(done.stdout)
    return dict(path=path, version=version, major=major)
