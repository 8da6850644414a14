# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The checks every value goes through: one rule each, one message style."""

from __future__ import annotations

import os
import stat

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.release import __version__ as ansible_version
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.recro.aws_sso.plugins.module_utils._common import checks
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

MODES = [
    "0600",
    "600",
    "u=rw,go=",
    "u+x",
    "a-w",
    "=r",
    "",
    "u",
    "ug=rwx,o=rX",
    "u=g",
    "u+s,g-t",
    "u=rw,,go=",
    "z=rw",
    "u=rwq",
    "u==r",
    "0800",
    "u=rw go=",
    "0o600",
    "+",
    "ua=rw",
    "u=rw,au=r",
    "aa=r",
    "ag-w",
]
_PROBE = os.stat_result((stat.S_IFREG | 0o600, 0, 0, 1, 0, 0, 0, 0, 0, 0))


def ansible_accepts(mode):
    """What M(ansible.builtin.file) makes of ``mode``: the rules our check must match."""
    try:
        int(mode, 8)
        return True
    except ValueError:
        pass
    try:
        AnsibleModule._symbolic_mode_to_octal(_PROBE, mode)  # pylint: disable=protected-access
    # ansible-core before 2.16 raises KeyError for an unknown letter, and UnboundLocalError for
    # some clauses ("gX="): whatever it raises, it does not take the mode.
    except Exception:  # pylint: disable=broad-except
        return False
    return True


@pytest.mark.parametrize("mode", MODES)
def test_a_text_mode_is_accepted_exactly_when_ansible_accepts_it(mode):
    if ansible_accepts(mode):
        assert checks.check_file_mode("mode", mode) == mode
    else:
        with pytest.raises(ParameterError) as refused:
            checks.check_file_mode("mode", mode)
        assert str(refused.value).startswith("mode: {0!r} is neither an octal mode".format(mode))


# ansible-core before 2.19 also accepts a clause without an operator whose later letters are
# not u, g or o ("uX", a no-op); the check refuses it, as later releases do.
LENIENT_CORE = tuple(int(part) for part in ansible_version.split(".")[:2]) < (2, 19)


@given(st.text(alphabet="ugoa=+-rwxXst,z ", max_size=12))
def test_any_symbolic_mode_is_accepted_exactly_when_ansible_accepts_it(mode):
    if ansible_accepts(mode):
        # An older ansible-core may accept what the check refuses; never the other way round.
        if not LENIENT_CORE:
            assert checks.check_file_mode("mode", mode) == mode
    else:
        with pytest.raises(ParameterError):
            checks.check_file_mode("mode", mode)


@pytest.mark.parametrize(
    "mode, problem",
    [
        (0o17777, "holds more than permission bits (0000 to 07777)"),
        ("17777", "holds more than permission bits (0000 to 07777)"),
        (True, "is not a mode (a bool)"),
        (6.0, "is not a mode (a float)"),
    ],
)
def test_a_mode_that_is_not_permission_bits_is_refused_naming_it(mode, problem):
    with pytest.raises(ParameterError) as refused:
        checks.check_file_mode("mode", mode)
    assert str(refused.value) == "mode: {0!r} {1}".format(mode, problem)


@pytest.mark.parametrize("value", ["a\nb", "a\x85b", "a\u2028b", "a\x00b", "a\x7fb"])
def test_every_line_break_and_control_character_is_refused_naming_it(value):
    with pytest.raises(ParameterError) as refused:
        checks.check_text("sso_session", value)
    assert str(refused.value).startswith("sso_session: {0!r} contains the control character U+".format(value))


@pytest.mark.parametrize("value", ["recro", "a:b@c+d%e", "A_b.c-9"])
def test_names_every_aws_tool_reads_are_accepted(value):
    assert checks.check_name("name", value) == value


@pytest.mark.parametrize("value", ["a b", "a]b", "a#b", "a;b", "", " a", "-x", "--profile"])
def test_other_names_are_refused(value):
    with pytest.raises(ParameterError):
        checks.check_name("name", value)
