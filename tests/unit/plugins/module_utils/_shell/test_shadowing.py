# -*- coding: utf-8 -*-
from __future__ import annotations

import os
import shutil
import subprocess

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


def test_credentials_read_as_botocore_reads_them():
    text = (
        "[ default ]\naws_access_key_id = A\n"  # not the default profile: the name has spaces
        "[default]\nregion = x\n  aws_access_key_id = continued value\n"  # indented: part of region
        "AWS_SECRET_ACCESS_KEY: s\n"  # ':' and any case are a key as well
        "# aws_access_key_id = commented\n; aws_access_key_id = commented\n"
        "[dev]\naws_session_token=t\n"
    )
    conflicts = sh.credentials_conflicts("/h/c", text, ["dev"])
    assert [(c["line"], c["variable"]) for c in conflicts] == [
        (6, "[default] aws_secret_access_key"),
        (10, "[dev] aws_session_token"),
    ]


def test_line_numbers_are_the_shells_a_form_feed_is_no_line_break():
    text = "# section\x0c\nalias a=b\x0b\r\nexport AWS_ACCESS_KEY_ID=x\n"
    assert [c["line"] for c in sh.rc_conflicts("/h/.rc", text, None)] == [3]


@pytest.mark.parametrize(
    "line, name",
    [
        ("set --global --export AWS_ACCESS_KEY_ID AKIA", "AWS_ACCESS_KEY_ID"),
        ("set --export AWS_SESSION_TOKEN t", "AWS_SESSION_TOKEN"),
        ("set -g -x AWS_SECRET_ACCESS_KEY s", "AWS_SECRET_ACCESS_KEY"),
        ("test -f ~/.keys && export AWS_ACCESS_KEY_ID=AKIA", "AWS_ACCESS_KEY_ID"),
        ('if [ -n "$WORK" ]; then export AWS_SECRET_ACCESS_KEY=s; fi', "AWS_SECRET_ACCESS_KEY"),
        ("true || { export AWS_SESSION_TOKEN=t; }", "AWS_SESSION_TOKEN"),
        ("SETUVAR --export AWS_ACCESS_KEY_ID:AKIA", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_static_keys_as_the_shells_run_them(line, name):
    (conflict,) = sh.rc_conflicts("/h/.rc", line + "\n", None)
    assert (conflict["variable"], conflict["kind"]) == (name, "static_credentials")


@pytest.mark.parametrize(
    "line",
    ["# a && export AWS_ACCESS_KEY_ID=x", "set --global AWS_ACCESS_KEY_ID x", "SETUVAR AWS_ACCESS_KEY_ID:x"],
)
def test_what_exports_nothing_is_not_reported(line):
    assert sh.rc_conflicts("/h/.rc", line + "\n", None) == []


def test_a_one_line_conditional_profile_setting_after_the_block_wins():
    text = "#B\nexport AWS_PROFILE=dev\n#E\n[ -n \"$WORK\" ] && export AWS_PROFILE=work\n"
    assert [(c["line"], c["kind"]) for c in sh.rc_conflicts("/h/.rc", text, (1, 3))] == [(4, "profile_override")]


@pytest.mark.parametrize(
    "shell, line, exported",
    [
        ("bash", "echo hi\rexport AWS_PROFILE=other", False),
        ("bash", "true;\rexport AWS_PROFILE=other", False),
        ("zsh", "true &&\rexport AWS_PROFILE=other", False),
        ("bash", "true; export\rAWS_PROFILE=other", False),
        ("bash", "export AWS_PROFILE=other\r", True),
        ("fish", "echo hi\rset -gx AWS_PROFILE other", False),
        ("fish", "true;\rset -gx AWS_PROFILE other", True),
        ("fish", "set\r-gx\rAWS_PROFILE other", True),
        # "#" starts a comment after the shell's blanks only: to bash and zsh "<CR>#" is a word.
        ("bash", "\r# x; export AWS_PROFILE=other", True),
        ("zsh", "\r# x; export AWS_PROFILE=other", True),
        ("bash", " \t# x; export AWS_PROFILE=other", False),
        ("fish", "\r# x; set -gx AWS_PROFILE other", False),
    ],
)
def test_a_cr_is_a_blank_to_fish_only_and_never_ends_a_line(shell, line, exported):
    text = "#B\nexport AWS_PROFILE=dev\n#E\n" + line + "\n"
    expected = [(4, "profile_override")] if exported else []
    assert [(c["line"], c["kind"]) for c in sh.rc_conflicts("/h/.rc", text, (1, 3), shell=shell)] == expected


def test_a_lone_cr_ends_a_line_of_the_credentials_file_as_configparser_reads_it():
    conflicts = sh.credentials_conflicts(
        "/h/c", "[dev]\raws_access_key_id = AKIA\n[ default ]\naws_session_token=t\n", []
    )
    assert [(c["line"], c["variable"]) for c in conflicts] == []
    conflicts = sh.credentials_conflicts("/h/c", "[default]\raws_access_key_id = AKIA\n", [])
    assert [(c["line"], c["variable"]) for c in conflicts] == [(2, "[default] aws_access_key_id")]


def test_the_keys_of_default_reach_every_section_without_its_own():
    text = "[DEFAULT]\naws_access_key_id = A\n[dev]\naws_access_key_id = B\n[default]\nregion = x\n[other]\n"
    conflicts = sh.credentials_conflicts("/h/c", text, ["dev"])
    assert [(c["line"], c["variable"]) for c in conflicts] == [
        (2, "[default] aws_access_key_id"),
        (4, "[dev] aws_access_key_id"),
    ]


BASH_LINES = [
    "export AWS_ACCESS_KEY_ID=AKIA2 AWS_DEFAULT_PROFILE=other2",
    "export AWS_DEFAULT_PROFILE=x AWS_SESSION_TOKEN=t",
    "export A=1; export AWS_CONFIG_FILE=/x",
    "export -- AWS_PROFILE=x",
    "typeset AWS_PROFILE=x",
    "declare AWS_DEFAULT_PROFILE=x",
    "readonly AWS_PROFILE=x",
    "unset AWS_PROFILE",
    "unset -v AWS_DEFAULT_PROFILE",
    "echo AWS_PROFILE=x",
    "true && export AWS_SECRET_ACCESS_KEY=s AWS_PROFILE=y",
]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash proves what each line changes")
@pytest.mark.parametrize("line", BASH_LINES)
def test_every_variable_a_line_changes_in_bash_is_reported(line):
    # What the real bash changes after a block exported the profile, against what the scan reports.
    script = "export AWS_PROFILE=dev AWS_DEFAULT_PROFILE=dev\n{0} >/dev/null\nenv -0".format(line)
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env={"PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        check=True,
    )
    after = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
    before = {"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "dev"}
    changed = sorted(name for name in sh.WATCHED if after.get(name) != before.get(name))
    assert sorted(name for dummy, name in sh.exported_names(line + "\n")) == changed


# Forms the shells run that a scan line by line with patterns missed: quoted words, options in any
# order, command prefixes, continued lines, case branches, every name an unset or unexport names.
BASH_FORMS = [
    'export FOO="a b" AWS_ACCESS_KEY_ID=AKIA',
    "export FOO='a b' AWS_SECRET_ACCESS_KEY=s",
    'export "AWS_ACCESS_KEY_ID=AKIA"',
    "export 'AWS_PROFILE=x'",
    "declare -r -x AWS_SESSION_TOKEN=t",
    "declare -x -r AWS_PROFILE=x",
    "case x in x) export AWS_PROFILE=x;; esac",
    "! export AWS_PROFILE=x",
    "time export AWS_DEFAULT_PROFILE=x 2>/dev/null",
    "builtin export AWS_PROFILE=x",
    "command export AWS_CONFIG_FILE=/x",
    "export \\\n  AWS_ACCESS_KEY_ID=AKIA",
    "unset FOO AWS_PROFILE",
    "unset AWS_DEFAULT_PROFILE AWS_PROFILE",
    "export -n AWS_PROFILE",
    'eval "export AWS_PROFILE=x"',
    'export X="$(echo "a b")" AWS_PROFILE=x',
    "f() { export AWS_PROFILE=x; }; f",
    "true # export AWS_PROFILE=x",
    "echo 'export AWS_PROFILE=x'",
]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash proves what each line changes")
@pytest.mark.parametrize("line", BASH_FORMS)
def test_every_form_bash_runs_is_reported(line):
    test_every_variable_a_line_changes_in_bash_is_reported(line)


ZSH_FORMS = [
    'export FOO="a b" AWS_ACCESS_KEY_ID=AKIA',
    "typeset -x -g AWS_PROFILE=x",
    "builtin export AWS_PROFILE=x",
    "unset FOO AWS_PROFILE",
    "typeset +x AWS_PROFILE",
]


def _changed_by(argv, line, setup):
    done = subprocess.run(
        argv + [setup + "\n" + line + " >/dev/null\nenv -0"],
        env={"PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        check=True,
    )
    after = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
    return sorted(
        name for name in sh.WATCHED if after.get(name) != {"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "dev"}.get(name)
    )


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh proves what each line changes")
@pytest.mark.parametrize("line", ZSH_FORMS)
def test_every_form_zsh_runs_is_reported(line):
    changed = _changed_by(["zsh", "-f", "-c"], line, "export AWS_PROFILE=dev AWS_DEFAULT_PROFILE=dev")
    assert sorted(name for dummy, name in sh.exported_names(line + "\n", "zsh")) == changed


FISH_FORMS = [
    "set -gx -- AWS_PROFILE x",
    "set -e AWS_PROFILE",
    "set --erase AWS_DEFAULT_PROFILE",
    "set -e FOO AWS_PROFILE",
    "set -x -g AWS_ACCESS_KEY_ID k",
    "set --global --export AWS_SESSION_TOKEN t",
    "set AWS_PROFILE -x",
    "set -u AWS_PROFILE",
    "true; and set -gx AWS_CONFIG_FILE /x",
    "set -q AWS_PROFILE",
    "set -gx AWS_ACCESS_KEY_ID (echo k)",
    "# set -gx AWS_PROFILE x",
    "set -gx AWS_OTHER x",
]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish proves what each line changes")
@pytest.mark.parametrize("line", FISH_FORMS)
def test_every_form_fish_runs_is_reported(line):
    changed = _changed_by(
        ["fish", "--no-config", "-c"], line, "set -gx AWS_PROFILE dev; set -gx AWS_DEFAULT_PROFILE dev"
    )
    assert sorted(name for dummy, name in sh.exported_names(line + "\n", "fish")) == changed


def test_a_continued_line_is_numbered_where_the_name_stands_and_here_documents_are_data():
    assert sh.exported_names("true\nexport \\\n  AWS_ACCESS_KEY_ID=AKIA\n") == [(3, "AWS_ACCESS_KEY_ID")]
    text = "cat <<EOF\nit's\nexport AWS_PROFILE=x\nEOF\nexport AWS_SESSION_TOKEN=t\n"
    assert sh.exported_names(text) == [(5, "AWS_SESSION_TOKEN")]


CREDENTIALS = [
    "[default]\n  aws_access_key_id = A\n  aws_secret_access_key = s\n",
    "  [default]\n\taws_access_key_id = A\n",
    "[default]\nregion = x\n  aws_access_key_id = continued\n",
    "[dev]\nregion = x\n\n  aws_access_key_id = continued over a blank line\n",
    "[dev]\nregion = x\n# comment\n    aws_session_token = continued over a comment\n",
    "[dev]\n  region = x\n  aws_access_key_id = as indented as the key before\n",
    "[dev]\n  region = x\n aws_access_key_id = less indented\n",
    "[dev] ; c\nAws_Access_Key_Id=A\n[default]  \naws_session_token: t\n",
]


@pytest.mark.parametrize("text", CREDENTIALS)
def test_credentials_keys_are_those_botocore_reads(tmp_path, text):
    configloader = pytest.importorskip("botocore.configloader")
    path = tmp_path / "credentials"
    path.write_text(text)
    parsed = configloader.raw_config_parse(str(path))
    expected = sorted(
        "[{0}] {1}".format(section, key)
        for section in ("default", "dev")
        for key in parsed.get(section, {})
        if key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
    )
    assert sorted(c["variable"] for c in sh.credentials_conflicts(str(path), text, ["dev"])) == expected


def test_what_static_keys_of_the_credentials_file_do_is_what_botocore_does(tmp_path, monkeypatch):
    botocore_session = pytest.importorskip("botocore.session")
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text(
        "[profile dev]\nsso_session = recro\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n"
        "[sso-session recro]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n"
    )
    text = "[dev]\naws_access_key_id = A\naws_secret_access_key = s\n[default]\naws_access_key_id = B\naws_secret_access_key = s\n"
    credentials.write_text(text)
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("HOME", str(tmp_path))
    # The profile's SSO settings come before its keys in the credentials file; without a profile, [default]'s keys.
    assert botocore_session.Session(profile="dev").get_credentials().method == "sso"
    assert botocore_session.Session().get_credentials().method == "shared-credentials-file"
    effects = {c["variable"].split()[0]: c["effect"] for c in sh.credentials_conflicts(str(credentials), text, ["dev"])}
    assert "SSO settings before them" in effects["[dev]"]
    assert "neither AWS_PROFILE nor AWS_DEFAULT_PROFILE is set" in effects["[default]"]


@pytest.mark.parametrize(
    "text",
    [
        "eval " * 1000 + "export AWS_ACCESS_KEY_ID=x",  # evals of plain words
        "x=$y eval " * 500 + "export AWS_ACCESS_KEY_ID=x",  # evals whose text is split again
        "x=" + '"$(echo ' * 500 + " a " + ')"' * 500,  # substitutions in quotes in substitutions
        "x=" + "$(echo '" * 500 + " a " + "')" * 500,  # quotes in substitutions in quotes
    ],
    ids=["eval eval ...", "x=$y eval x=$y eval ...", '"$(echo "$(echo ...', "$(echo '$(echo ..."],
)
def test_deep_nesting_is_read_without_a_recursion_error(text):
    conflicts = sh.rc_conflicts("/h/.bashrc", text + "\nexport AWS_SECRET_ACCESS_KEY=y\n", None)
    expected = [(2, "AWS_SECRET_ACCESS_KEY")]
    if text.endswith("AWS_ACCESS_KEY_ID=x"):
        expected.insert(0, (1, "AWS_ACCESS_KEY_ID"))
    assert [(c["line"], c["variable"]) for c in conflicts] == expected


def test_an_eval_of_plain_words_is_read_as_its_words():
    text = (
        "FOO=1 eval time -p export AWS_PROFILE=a\neval eval unset AWS_DEFAULT_PROFILE\neval echo export AWS_PROFILE=b\n"
    )
    assert sh.exported_names(text) == [(1, "AWS_PROFILE"), (2, "AWS_DEFAULT_PROFILE")]
