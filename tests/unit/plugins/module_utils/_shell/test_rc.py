# -*- coding: utf-8 -*-
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc

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
@pytest.mark.skipif(
    sys.version_info < (3, 9),
    reason="the oracle, ansible-core's blockinfile run by the ansible command, needs a controller Python (3.9 or later)",
)
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


def test_a_crlf_file_gets_an_lf_block_and_an_old_crlf_block_is_rewritten_with_lf():
    # A CRLF block made bash and zsh export "dev\r": the block's lines end as every shell reads them.
    result = rc.place_block(b"a\r\n", ["x"])
    assert result == b"a\r\n" + rc.BEGIN.encode() + b"\nx\n" + rc.END.encode() + b"\n"
    assert rc.place_block(result, ["x"]) == result
    assert rc.place_block(result, None) == b"a\r\n"
    old = b"a\r\n" + rc.BEGIN.encode() + b"\r\nx\r\n" + rc.END.encode() + b"\r\nb\r\n"
    assert rc.place_block(old, ["x"]) == b"a\r\n" + rc.BEGIN.encode() + b"\nx\n" + rc.END.encode() + b"\nb\r\n"


BEGIN = rc.BEGIN.encode() + b"\n"
END = rc.END.encode() + b"\n"


@pytest.mark.parametrize(
    "data, lines",
    [
        (BEGIN + b"x\n" + END + b"mine\n" + BEGIN + b"more of mine\n", "2 BEGIN marker line(s) (line 1, 5)"),
        (BEGIN + b"x\n" + END + BEGIN + b"y\n" + END, "2 BEGIN marker line(s) (line 1, 4) and 2 END"),
        (b"mine\n" + BEGIN + b"x\n", "1 BEGIN marker line(s) (line 2) and 0 END marker line(s) (line none)"),
        (b"mine\n" + END, "0 BEGIN marker line(s) (line none) and 1 END marker line(s) (line 2)"),
        (END + b"mine\n" + BEGIN, "the END marker (line 1) comes before the BEGIN marker (line 3)"),
        (b"cat > f <<'EOF'\n" + BEGIN + b"x\n" + END + b"EOF\n", "inside a here-document (line 2, 4)"),
        (b"cat <<-EOF > f\n" + BEGIN + b"\tEOF\n" + END, "inside a here-document (line 2)"),
    ],
)
@pytest.mark.parametrize("block", [["export AWS_PROFILE=dev"], None])
def test_marker_lines_that_are_not_one_block_of_ours_are_refused_naming_them(data, lines, block):
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(data, block, path="/home/a/.bashrc")
    message = str(raised.value)
    assert message.startswith("/home/a/.bashrc: ") and lines in message, message
    assert "not changed" in message


def test_a_heredoc_elsewhere_does_not_hide_our_block():
    data = b"cat <<EOF\n# BEGIN other\nEOF\n" + BEGIN + b"old\n" + END + b"echo <<<here\n"
    assert (
        rc.place_block(data, ["new"]) == b"cat <<EOF\n# BEGIN other\nEOF\n" + BEGIN + b"new\n" + END + b"echo <<<here\n"
    )


def test_fish_has_no_heredocs():
    data = b"echo <<EOF\n" + BEGIN + b"old\n" + END
    assert rc.place_block(data, ["new"], shell="fish") == b"echo <<EOF\n" + BEGIN + b"new\n" + END


def test_block_text_is_only_the_block():
    data = b"export AWS_SECRET_ACCESS_KEY=secret\n" + BEGIN + b"x\n" + END + b"tail\n"
    assert rc.block_text(data) == (BEGIN + b"x\n" + END).decode()
    assert rc.block_text(b"export AWS_SECRET_ACCESS_KEY=secret\n") == ""


def test_the_block_exports_the_config_file_when_one_is_given():
    lines = rc.render_block("bash", "dev", "recro", True, "/home/a/my aws/config")
    assert lines[-1] == "export AWS_CONFIG_FILE='/home/a/my aws/config'"
    assert rc.render_block("fish", "dev", "recro", False, "/c'x")[-1] == "set -gx AWS_CONFIG_FILE '/c\\'x'"


def test_move_to_end_keeps_user_lines():
    data = rc.place_block(b"a\n", ["x"]) + b"export AWS_PROFILE=old\n"
    moved = rc.place_block(data, ["x"], at_end=True)
    assert moved.startswith(b"a\nexport AWS_PROFILE=old\n" + rc.BEGIN.encode())


def test_fish_quote():
    assert rc.fish_quote("a'b\\c") == "'a\\'b\\\\c'"


def test_a_marker_after_a_lone_cr_is_no_line_of_its_own():
    # bash and zsh read "alias a=b<CR># BEGIN ..." as one line: that BEGIN is not a marker line.
    data = b"alias a=b\r" + BEGIN + b"export AWS_PROFILE=old\n" + END
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(data, ["x"], path="/home/a/.bashrc")
    assert "0 BEGIN marker line(s) (line none) and 1 END marker line(s) (line 3)" in str(raised.value)
    assert rc.place_block(b"alias a=b\r" + BEGIN, ["x"]) == b"alias a=b\r" + BEGIN + BEGIN + b"x\n" + END


def test_block_lines_are_numbered_as_the_shell_numbers_them():
    data = b"echo a\recho b\n" + BEGIN + b"x\n" + END + b"export AWS_PROFILE=other\n"
    assert rc.block_position(data) == (2, 4)


def test_a_here_document_of_a_crlf_file_ends_at_its_delimiter_with_the_cr():
    # <<'EOF'<CR> has the delimiter "EOF<CR>": the CRLF line "EOF<CR>" ends it, as bash and zsh read it.
    crlf = b"cat <<'EOF'\r\nbody\r\nEOF\r\n" + BEGIN + b"old\n" + END
    assert rc.place_block(crlf, ["new"]) == b"cat <<'EOF'\r\nbody\r\nEOF\r\n" + BEGIN + b"new\n" + END
    # <<EOF (LF) is not ended by "EOF<CR>": the block after it is data.
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(b"cat <<EOF\nEOF\r\n" + BEGIN + b"old\n" + END + b"EOF\n", ["new"])
    assert "inside a here-document (line 3, 5)" in str(raised.value)


def test_a_cr_before_a_hash_makes_no_comment_and_the_here_document_opens():
    # bash and zsh read "<CR>#" as a word: "<CR># <<EOF" opens a here-document.
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(b"\r# <<EOF\n" + BEGIN + b"old\n" + END + b"EOF\n", ["new"])
    assert "inside a here-document (line 2, 4)" in str(raised.value)
    assert rc.block_position(b" \t# <<EOF\n" + BEGIN + b"old\n" + END) == (2, 4)
