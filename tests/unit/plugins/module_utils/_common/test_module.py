# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""RecroModule's one error path: what a failure says, and what it says was changed."""

from __future__ import annotations

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileRefused, OwnedByOther
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule


class Failed(Exception):
    pass


class _Module:
    """What failing_on uses of a module: its config path, account and fail_json."""

    config_path = None
    account = None

    def fail_json(self, **result):
        raise Failed(result)


def fail_with(error, consequence, **result):
    with pytest.raises(Failed) as failed:
        with RecroModule.failing_on(_Module(), consequence=consequence, **result):
            raise error
    return failed.value.args[0]


@pytest.mark.parametrize(
    "error", [OwnedByOther("/h/.zshrc", "bob", "alice"), FileRefused("/h/.zshrc", "a FIFO")], ids=["owner", "fifo"]
)
def test_a_refused_file_after_another_was_written_says_which_was(error):
    result = fail_with(error, "; already written: ~/.bashrc", changed=True)
    assert result["msg"].startswith("/h/.zshrc: ") and result["msg"].endswith("; already written: ~/.bashrc")
    assert result["changed"] is True


def test_a_refused_file_before_any_write_says_nothing_was_changed_once():
    result = fail_with(FileRefused("/h/.zshrc", "a FIFO"), "; nothing was changed")
    assert result["msg"].count("nothing was") == 1
