# -*- coding: utf-8 -*-
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as rc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TEMPLATE = (
    "{%- for name in exports %}\n"
    "{% if shell == 'fish' %}\nset -gx {{ name }} '{{ profile }}'\n"
    "{% else %}\nexport {{ name }}={{ profile | quote }}\n{% endif %}\n{% endfor %}"
)


def blockinfile(path, block, state="present"):
    """The real ansible.builtin.blockinfile on ``path``, as 0.1.0's role ran it."""
    args = {"path": str(path), "marker": rc.MARKER, "block": block, "state": state, "create": True}
    env = dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "ansible"),
            "localhost",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter=" + sys.executable,
            "-m",
            "ansible.builtin.blockinfile",
            "-a",
            json.dumps(args),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    return path.read_bytes()


def old_block(shell, profile, session, export_aws_profile=True):
    """The block template of 0.1.0's shell.yml, rendered as Jinja renders it."""
    from ansible.plugins.filter.core import FilterModule
    from jinja2 import Environment

    env = Environment(trim_blocks=True)
    env.filters.update(FilterModule().filters())
    text = (
        "# The profile aws and the AWS SDKs use without --profile.\n"
        "# Sign in with: aws sso login --sso-session {{ session }}\n"
        "{% for name in exports %}\n{% if shell == 'fish' %}\nset -gx {{ name }} '{{ profile }}'\n"
        "{% else %}\nexport {{ name }}={{ profile | quote }}\n{% endif %}\n{% endfor %}"
    )
    return env.from_string(text).render(
        shell=shell, profile=profile, session=session, exports=rc.exports(export_aws_profile)
    )


@pytest.mark.parametrize("shell", rc.SHELLS)
@pytest.mark.parametrize("profile", ["dev", "a:b@c+d%e"])
def test_block_text_equals_the_role_template(shell, profile):
    assert "\n".join(rc.render_block(shell, profile, "recro")) + "\n" == old_block(shell, profile, "recro")


@pytest.mark.parametrize(
    "before",
    [
        None,
        b"",
        b"alias x=y\n",
        b"alias x=y",
        b"a\n\n# BEGIN recro.aws_sso: AWS default profile\nold\n# END recro.aws_sso: AWS default profile\nb\n",
    ],
)
@pytest.mark.parametrize("state", ["present", "absent"])
def test_placement_equals_blockinfile(tmp_path, before, state):
    target = tmp_path / "rc"
    if before is not None:
        target.write_bytes(before)
    elif state == "absent":
        return
    lines = rc.render_block("bash", "dev", "recro")
    expected = blockinfile(target, "\n".join(lines), state)
    if state == "absent" and rc.BEGIN.encode() not in before:
        # blockinfile adds a missing final newline even with no block to remove; we leave the file alone.
        expected = before
    if state == "absent" and b"BEGIN" not in (before or b""):
        # blockinfile adds a missing final newline even with no block to remove; we leave the file alone.
        expected = before
    assert rc.place_block(before, lines if state == "present" else None) == expected


def test_crlf_file_keeps_line_ends():
    result = rc.place_block(b"a\r\n", ["x"])
    assert result == b"a\r\n" + rc.BEGIN.encode() + b"\r\nx\r\n" + rc.END.encode() + b"\r\n"
    assert rc.place_block(result, ["x"]) == result
    assert rc.place_block(result, None) == b"a\r\n"


def test_move_to_end_keeps_user_lines():
    data = rc.place_block(b"a\n", ["x"]) + b"export AWS_PROFILE=old\n"
    moved = rc.place_block(data, ["x"], at_end=True)
    assert moved.startswith(b"a\nexport AWS_PROFILE=old\n" + rc.BEGIN.encode())


def test_fish_quote():
    assert rc.fish_quote("a'b\\c") == "'a\\'b\\\\c'"


@pytest.mark.parametrize("bad", ["a b", "x\n", "", "$(id)"])
def test_bad_profile_refused(bad):
    with pytest.raises(rc.ShellRcError, match="profile"):
        rc.check_profile(bad)
