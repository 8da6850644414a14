# -*- coding: utf-8 -*-
from __future__ import annotations

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import shadowing as sh


@pytest.mark.parametrize(
    "line",
    [
        "export AWS_ACCESS_KEY_ID=AKIA",
        "  export AWS_SECRET_ACCESS_KEY='x'",
        "declare -x AWS_SESSION_TOKEN=t",
        "AWS_ACCESS_KEY_ID=AKIA; export AWS_ACCESS_KEY_ID",
        "set -x AWS_ACCESS_KEY_ID AKIA",
        "set -gx AWS_SESSION_TOKEN t",
        "set -Ux AWS_SECRET_ACCESS_KEY s",
    ],
)
def test_static_keys_found_per_shell(line):
    (conflict,) = sh.rc_conflicts("/h/.rc", "a\n" + line + "\n", None)
    assert conflict["line"] == 2 and conflict["kind"] == "static_credentials"
    assert "AKIA" not in str(conflict) and "'x'" not in str(conflict)


@pytest.mark.parametrize("line", ["# export AWS_ACCESS_KEY_ID=x", "echo export AWS_PROFILE=x", "AWS_ACCESS_KEY_ID=x"])
def test_not_exports(line):
    assert sh.rc_conflicts("/h/.rc", line, None) == []


def test_profile_before_block_harmless_after_wins_config_anywhere():
    text = "export AWS_PROFILE=a\nexport AWS_CONFIG_FILE=/x\n#B\nexport AWS_PROFILE=dev\n#E\nexport AWS_DEFAULT_PROFILE=b\n"
    conflicts = sh.rc_conflicts("/h/.rc", text, (3, 5))
    assert [(c["line"], c["kind"]) for c in conflicts] == [(2, "config_file"), (6, "profile_override")]


def test_credentials_sections():
    text = (
        "[default]\naws_access_key_id = AKIA\n[other]\naws_access_key_id=B\n[dev]\nregion=x\naws_secret_access_key=s\n"
    )
    conflicts = sh.credentials_conflicts("/h/c", text, ["dev"])
    assert [(c["line"], c["variable"]) for c in conflicts] == [
        (2, "[default] aws_access_key_id"),
        (7, "[dev] aws_secret_access_key"),
    ]
    assert "AKIA" not in str(conflicts)


@pytest.mark.parametrize("line", ["AWS_PROFILE=old", "set AWS_PROFILE old", "set -g AWS_DEFAULT_PROFILE old"])
def test_plain_assignment_after_the_block_changes_the_exported_profile(line):
    text = "#B\nexport AWS_PROFILE=dev\n#E\n" + line + "\n"
    assert [(c["line"], c["kind"]) for c in sh.rc_conflicts("/h/.rc", text, (1, 3))] == [(4, "profile_override")]
    assert sh.rc_conflicts("/h/.rc", line + "\n#B\nexport AWS_PROFILE=dev\n#E\n", (2, 4)) == []


def test_login_file_settings_after_it_reads_bashrc():
    text = (
        "export AWS_PROFILE=early\nif [ -f \"$HOME/.bashrc\" ]; then\n    . \"$HOME/.bashrc\"\nfi\n"
        "export AWS_PROFILE=late\n"
    )
    after = sh.sourcing_line(text, ".bashrc")
    assert after == 3
    assert [c["line"] for c in sh.rc_conflicts("/h/.profile", text, None, after)] == [5]
    assert sh.sourcing_line("# . ~/.bashrc\n. ~/.bashrc_old\n", ".bashrc") is None
    assert sh.sourcing_line("[ -f ~/.bashrc ] && source ~/.bashrc\n", ".bashrc") == 1
