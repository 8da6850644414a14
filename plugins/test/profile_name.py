# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The test recro.aws_sso.profile_name: a name every AWS tool and shell reads the same way,
with the pattern aws_sso_profile checks (one owner: the module_utils)."""

from __future__ import annotations

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import NAME_PATTERN


def profile_name(value):
    """True for a string of letters, digits and _ . @ % + : - only, with nothing after it (not even a newline)."""
    return isinstance(value, str) and NAME_PATTERN.match(value) is not None


class TestModule(object):
    def tests(self):
        return {"profile_name": profile_name}
