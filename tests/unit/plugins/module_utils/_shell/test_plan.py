# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which shells, and what shadows the profile in the files each shell reads besides ours."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import plan


def scan(tmp_path, files, shells=("fish",)):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def read(path):
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    ours = [str(tmp_path / ".config/fish/conf.d/recro_sso.fish")]
    found = plan.startup_file_conflicts(str(tmp_path), list(shells), "Linux", ours, read)
    return sorted((c["path"][len(str(tmp_path)) + 1 :], c["line"], c["kind"]) for c in found)


def test_fish_conf_d_files_after_ours_win_before_ours_and_universal_ones_do_not(tmp_path):
    found = scan(
        tmp_path,
        {
            ".config/fish/conf.d/recro_sso.fish": "set -gx AWS_PROFILE dev\n",
            ".config/fish/conf.d/aaa.fish": "set -gx AWS_PROFILE early\nset -gx AWS_ACCESS_KEY_ID AKIA\n",
            ".config/fish/conf.d/zzz.fish": "set --global --export AWS_PROFILE late\n",
            ".config/fish/fish_variables": "# VERSION: 3.0\nSETUVAR --export AWS_PROFILE:universal\n",
            ".config/fish/config.fish": "if status is-interactive\n    set -gx AWS_DEFAULT_PROFILE x\nend\n",
        },
    )
    assert found == [
        (".config/fish/conf.d/aaa.fish", 2, "static_credentials"),
        (".config/fish/conf.d/zzz.fish", 1, "profile_override"),
        (".config/fish/config.fish", 2, "profile_override"),
    ]


def test_zsh_login_files_are_read_and_zlogin_comes_after_zshrc(tmp_path):
    files = {
        ".zlogin": "export AWS_SESSION_TOKEN=t\nexport AWS_PROFILE=late\n",
        ".zprofile": "export AWS_CONFIG_FILE=/x\nexport AWS_PROFILE=early\n",
    }
    found = scan(tmp_path, files, ["zsh"])
    assert found == [
        (".zlogin", 1, "static_credentials"),
        (".zlogin", 2, "profile_override"),
        (".zprofile", 1, "config_file"),
    ]


def test_a_fish_file_is_read_by_fishs_rules_when_its_block_is_updated():
    # fish has no here-documents: "<<X" in a string is no reason to refuse its block.
    from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc

    old = rc.render_block("fish", "old", "recro")
    before = ('echo "<<X"\n' + "\n".join([rc.BEGIN] + old + [rc.END]) + "\n").encode()
    after, action, conflicts = plan.plan_file(
        "fish", "/h/.config/fish/conf.d/recro_sso.fish", before, rc.render_block("fish", "new", "recro")
    )
    assert action == "updated" and b"new" in after and b"old" not in after
    assert conflicts == []


@pytest.mark.parametrize("scan", [True, False])
def test_a_block_is_never_placed_where_the_shell_would_not_read_it(scan):
    from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc

    before = b"export KEEP=1\ncat >/dev/null <<EOF\nsome text\n"  # a here-document that never ends
    with pytest.raises(rc.UnreadPlace) as refused:
        plan.plan_file("bash", "/h/.bashrc", before, rc.render_block("bash", "p", "recro"), scan=scan)
    assert str(refused.value).startswith("/h/.bashrc: line 4, where the block would go, is inside a here-document")
    # bash agrees: what follows the unended here-document is never run.
    done = subprocess.run(
        ["bash", "--norc", "-c", (before + b"echo ran\n").decode()], stdout=subprocess.PIPE, check=False
    )
    assert b"ran" not in done.stdout


CONF_D_NAMES = [
    "Z",
    "recro_ss",
    "recro-sso",
    "recro_sso2",
    "recro_sso10",
    "recro_sso02",
    "RECRO_SSP",
    "recroa",
    "a10",
    "a9",
    "a010",
    "A9",
    "a_b",
    "a-b",
    "9",
    "010",
    "10",
    "[x",
    "`x",
    "~x",
    "\u00e4",
    "a9b",
]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish's own order is the proof")
def test_conf_d_files_are_ordered_and_read_after_ours_as_fish_reads_them(tmp_path):
    conf_d = tmp_path / ".config/fish/conf.d"
    conf_d.mkdir(parents=True)
    for name in CONF_D_NAMES:
        (conf_d / (name + ".fish")).write_text("set -gx AWS_PROFILE {0}\n".format(len(name)))
    (conf_d / "recro_sso.fish").write_text("set -gx AWS_PROFILE dev\n")
    listed = subprocess.run(
        [
            "fish",
            "--no-config",
            "-c",
            "for f in $argv[1]/*.fish; echo (string replace -r '.*/' '' -- $f); end",
            str(conf_d),
        ],
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    ).stdout.split("\n")[:-1]
    assert sorted(os.listdir(str(conf_d)), key=functools.cmp_to_key(plan.fish_name_order)) == listed
    after = listed[listed.index("recro_sso.fish") + 1 :]
    found = scan(tmp_path, {})
    overrides = [
        path.rsplit("/", 1)[1] for path, _line, kind in found if kind == "profile_override" and "conf.d" in path
    ]
    assert sorted(overrides) == sorted(after) and "Z.fish" in overrides and "RECRO_SSP.fish" in overrides


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish proves which file wins")
def test_a_conf_d_file_fish_reads_after_ours_is_reported_as_fish_agrees(tmp_path):
    conf_d = tmp_path / ".config/fish/conf.d"
    found = scan(
        tmp_path,
        {
            ".config/fish/conf.d/recro_sso.fish": "set -gx AWS_PROFILE dev\n",
            ".config/fish/conf.d/Z.fish": "set -gx AWS_PROFILE other\n",
        },
    )
    assert found == [(".config/fish/conf.d/Z.fish", 1, "profile_override")]
    shell = subprocess.run(
        ["fish", "-lc", "printf %s $AWS_PROFILE"],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        check=True,
        text=True,
    ).stdout
    assert shell == "other" and conf_d.is_dir()
