# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks every value the collection writes, runs or shows goes through.

Standard library only. Each check returns the value or raises
:class:`~._common.errors.ParameterError` naming the parameter and the value."""

from __future__ import annotations

import re

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

# Line breaks by any reader's definition (a shell, configparser, systemd, a terminal),
# NUL and the other C0 and C1 control characters: a line break in a value would start a
# new line of the file it is written to, which is a way to run code on someone's laptop.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A profile or sso-session name every AWS tool reads back unchanged: configparser,
# botocore, the AWS CLI, the SDKs (no space, quote, bracket, '#' or ';'), and not
# starting with '-', which the AWS CLI's argument parser takes for an option
# ("--profile -x": "expected one argument").
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.@%+:][A-Za-z0-9_.@%+:-]*\Z")


def check_single_line(parameter, value):
    """A string without line breaks or other control characters (:data:`CONTROL_CHARACTERS`)."""
    if not isinstance(value, str):
        raise ParameterError(parameter, value, "must be a string")
    control = CONTROL_CHARACTERS.search(value)
    if control:
        raise ParameterError(
            parameter,
            value,
            "contains the control character U+{0:04X}: line breaks and control characters "
            "could add lines to the files it is written to, so they are refused".format(ord(control.group())),
        )
    return value


def check_text(parameter, value):
    """A string without control characters (:func:`check_single_line`) or surrounding
    whitespace (the AWS tools strip it)."""
    check_single_line(parameter, value)
    if value != value.strip():
        raise ParameterError(parameter, value, "has leading or trailing whitespace, which the AWS tools strip")
    return value


def check_name(parameter, value):
    """A profile or sso-session name (:data:`NAME_PATTERN`)."""
    check_text(parameter, value)
    if not NAME_PATTERN.fullmatch(value):
        raise ParameterError(
            parameter,
            value,
            "is not a name every AWS tool reads: use letters, digits and _ . @ % + : - only, not starting with -",
        )
    return value


# The longest wait or window a module takes: a year. Longer is a mistake, and past
# Python's dates (a deadline of now plus 10**12 s) it would end the module with a bare error.
MAX_SECONDS = 366 * 86400


def check_seconds(parameter, value):
    """A number of seconds from 0 to :data:`MAX_SECONDS` (``lock_timeout``, ``timeout``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SECONDS:
        raise ParameterError(parameter, value, "is not a number of seconds from 0 to {0} (a year)".format(MAX_SECONDS))
    return value


# An AWS Region name (us-east-1, eu-central-2, us-gov-west-1).
REGION_PATTERN = re.compile(r"[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}\Z")


def check_region(parameter, value):
    check_text(parameter, value)
    if not REGION_PATTERN.fullmatch(value):
        raise ParameterError(parameter, value, "is not an AWS Region name such as us-east-1")
    return value


# One clause of a symbolic mode, by the rules M(ansible.builtin.file) applies: who (empty or
# 'a' alone meaning everyone; 'a' mixed with u, g or o is refused), then any number of
# operators each with its permissions.
_SYMBOLIC_MODE_CLAUSE = re.compile(r"(?:a|[ugo]*)(?:[-+=][rwxXstugo]*)*\Z")


def check_file_mode(parameter, value):
    """A file mode Ansible's ``set_mode_if_different`` accepts: an octal number (or its
    text, such as ``'0600'``) of permission bits only, or a symbolic mode such as
    ``'u=rw,go='``; checked before any file is touched, so a bad one changes nothing."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ParameterError(parameter, value, "is not a mode (a {0})".format(type(value).__name__))
    number = value
    if isinstance(value, str):
        try:
            number = int(value, 8)
        except ValueError:
            for clause in value.split(","):
                if not _SYMBOLIC_MODE_CLAUSE.match(clause):
                    raise ParameterError(
                        parameter,
                        value,
                        "is neither an octal mode such as '0600' nor a symbolic one such as 'u=rw,go=' "
                        "(bad symbolic permission for mode: {0})".format(clause),
                    ) from None
            return value
    if not 0 <= number <= 0o7777:
        raise ParameterError(parameter, value, "holds more than permission bits (0000 to 07777)")
    return value
