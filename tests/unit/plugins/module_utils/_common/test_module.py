# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""RecroModule's one error path: what a failure says, and what it says was changed."""

from __future__ import annotations

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import module as module_base
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import (
    FileRefused,
    OwnedByOther,
    ParameterError,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule
from ansible_collections.recro.aws_sso.plugins.module_utils._common.writing import FileChanged


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


def test_a_rewrite_that_replaced_the_file_before_giving_up_is_a_change():
    error = FileChanged("/h/.bashrc", 3, replaced=True, kept=b"x")
    result = fail_with(error, "; nothing was changed", changed=False)
    assert result["changed"] is True
    assert "it was replaced with this run's change" in result["msg"] and "nothing was changed" not in result["msg"]
    assert fail_with(FileChanged("/h/.bashrc", 3), "; nothing was changed", changed=False)["changed"] is False


def test_a_refused_file_before_any_write_says_nothing_was_changed_once():
    result = fail_with(FileRefused("/h/.zshrc", "a FIFO"), "; nothing was changed")
    assert result["msg"].count("nothing was") == 1


@pytest.mark.parametrize(
    "value, shown",
    [
        (" https://alice:secret@h.example/start", " https://<user info>@h.example/start"),
        (["ok", {"u": "x https://secret@h/p"}], ["ok", {"u": "x https://<user info>@h/p"}]),
        (("https://a@b https://secret@c/",), ("https://<user info>@b https://<user info>@c/",)),
        # A "/" may stand in a password: where the host ends is ambiguous, and more is hidden rather than less.
        ("alice@example.com https://h.example/p@q", "alice@example.com https://<user info>@q"),
        ("https://user:SEC/RET@github.com/o/r", "https://<user info>@github.com/o/r"),
        ("https://user:p@SECRET@github.com/o/r", "https://<user info>@github.com/o/r"),
        # One slash: no URL to git, and still hidden from the scheme's ":" on.
        ("https:/user:SECRET@github.com/o/r", "https:<user info>@github.com/o/r"),
        ("x https:/SECRET@h/p and file:///srv/r", "x https:<user info>@h/p and file:///srv/r"),
        ("alice@example.com", "alice@example.com"),
    ],
)
def test_a_refused_value_never_shows_the_user_info_of_a_url_in_it(value, shown):
    error = ParameterError("option", value, "is refused")
    assert error.value == shown
    assert "secret" not in str(error).lower() and "alice:" not in str(error)
    assert "SEC/RET" not in str(error)


def test_values_holding_a_url_with_user_info_are_hidden_wherever_ansible_shows_the_arguments():
    params = dict(
        a=" https://alice:secret@h.example/start",
        b=[{"url": "git https://ghp_x@h/r"}],
        c="https://h.example/start",
        d="alice@example.com",
        e=["https:/alice:secret@h.example/r", "https://alice:sec/ret@h.example/r"],
    )
    assert sorted(module_base._with_url_user_info(params)) == [
        " https://alice:secret@h.example/start",
        "git https://ghp_x@h/r",
        "https://alice:sec/ret@h.example/r",
        "https:/alice:secret@h.example/r",
    ]
