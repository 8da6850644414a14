# -*- coding: utf-8 -*-
from __future__ import annotations

import json
import os
import shutil
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
        b"a\n\n# BEGIN recro.aws_sso: AWS default profile\nexport AWS_PROFILE=old\n# END recro.aws_sso: AWS default profile\nb\n",
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
    result = rc.place_block(b"a\r\n", ["export AWS_PROFILE=x"])
    assert result == b"a\r\n" + rc.BEGIN.encode() + b"\nexport AWS_PROFILE=x\n" + rc.END.encode() + b"\n"
    assert rc.place_block(result, ["export AWS_PROFILE=x"]) == result
    assert rc.place_block(result, None) == b"a\r\n"
    old = b"a\r\n" + rc.BEGIN.encode() + b"\r\nexport AWS_PROFILE=x\r\n" + rc.END.encode() + b"\r\nb\r\n"
    assert (
        rc.place_block(old, ["export AWS_PROFILE=x"])
        == b"a\r\n" + rc.BEGIN.encode() + b"\nexport AWS_PROFILE=x\n" + rc.END.encode() + b"\nb\r\n"
    )


BEGIN = rc.BEGIN.encode() + b"\n"
END = rc.END.encode() + b"\n"


@pytest.mark.parametrize(
    "data, lines",
    [
        (
            BEGIN + b"export AWS_PROFILE=x\n" + END + b"mine\n" + BEGIN + b"more of mine\n",
            "2 BEGIN marker line(s) (line 1, 5)",
        ),
        (
            BEGIN + b"export AWS_PROFILE=x\n" + END + BEGIN + b"export AWS_PROFILE=y\n" + END,
            "2 BEGIN marker line(s) (line 1, 4) and 2 END",
        ),
        (
            b"mine\n" + BEGIN + b"export AWS_PROFILE=x\n",
            "1 BEGIN marker line(s) (line 2) and 0 END marker line(s) (line none)",
        ),
        (b"mine\n" + END, "0 BEGIN marker line(s) (line none) and 1 END marker line(s) (line 2)"),
        (END + b"mine\n" + BEGIN, "the END marker (line 1) comes before the BEGIN marker (line 3)"),
        (
            b"cat > f <<'EOF'\n" + BEGIN + b"export AWS_PROFILE=x\n" + END + b"EOF\n",
            "inside a here-document (line 2, 4)",
        ),
        (b"cat <<-EOF > f\n" + BEGIN + b"\tEOF\n" + END, "inside a here-document (line 2)"),
        (
            b"if [ -n \"$WORK\" ]; then\n" + BEGIN + b"export AWS_PROFILE=x\n" + END + b"fi\n",
            "inside a compound command (if, case, loop, function or group), which the shell may not run (line 2, 4)",
        ),
        (b"aws_on() {\n" + BEGIN + b"export AWS_PROFILE=x\n" + END + b"}\n", "inside a compound command"),
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
    data = b"cat <<EOF\n# BEGIN other\nEOF\n" + BEGIN + b"export AWS_PROFILE=old\n" + END + b"echo <<<here\n"
    assert (
        rc.place_block(data, ["export AWS_PROFILE=new"])
        == b"cat <<EOF\n# BEGIN other\nEOF\n" + BEGIN + b"export AWS_PROFILE=new\n" + END + b"echo <<<here\n"
    )


def test_fish_has_no_heredocs():
    data = b"echo <<EOF\n" + BEGIN + b"set -gx AWS_PROFILE 'old'\n" + END
    assert rc.place_block(data, ["set -gx AWS_PROFILE 'new'"], shell="fish") == (
        b"echo <<EOF\n" + BEGIN + b"set -gx AWS_PROFILE 'new'\n" + END
    )


def test_block_text_is_only_the_block():
    data = b"export AWS_SECRET_ACCESS_KEY=secret\n" + BEGIN + b"export AWS_PROFILE=x\n" + END + b"tail\n"
    assert rc.block_text(data) == (BEGIN + b"export AWS_PROFILE=x\n" + END).decode()
    assert rc.block_text(b"export AWS_SECRET_ACCESS_KEY=secret\n") == ""


def test_the_block_exports_the_config_file_when_one_is_given():
    lines = rc.render_block("bash", "dev", "recro", True, "/home/a/my aws/config")
    assert lines[-1] == "export AWS_CONFIG_FILE='/home/a/my aws/config'"
    assert rc.render_block("fish", "dev", "recro", False, "/c'x")[-1] == "set -gx AWS_CONFIG_FILE '/c\\'x'"


def test_move_to_end_keeps_user_lines():
    data = rc.place_block(b"a\n", ["export AWS_PROFILE=x"]) + b"export AWS_PROFILE=old\n"
    moved = rc.place_block(data, ["export AWS_PROFILE=x"], at_end=True)
    assert moved.startswith(b"a\nexport AWS_PROFILE=old\n" + rc.BEGIN.encode())


def test_fish_quote():
    assert rc.fish_quote("a'b\\c") == "'a\\'b\\\\c'"


def test_a_marker_after_a_lone_cr_is_no_line_of_its_own():
    # bash and zsh read "alias a=b<CR># BEGIN ..." as one line: that BEGIN is not a marker line.
    data = b"alias a=b\r" + BEGIN + b"export AWS_PROFILE=old\n" + END
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(data, ["export AWS_PROFILE=x"], path="/home/a/.bashrc")
    assert "0 BEGIN marker line(s) (line none) and 1 END marker line(s) (line 3)" in str(raised.value)
    assert (
        rc.place_block(b"alias a=b\r" + BEGIN, ["export AWS_PROFILE=x"])
        == b"alias a=b\r" + BEGIN + BEGIN + b"export AWS_PROFILE=x\n" + END
    )


def test_block_lines_are_numbered_as_the_shell_numbers_them():
    data = b"echo a\recho b\n" + BEGIN + b"export AWS_PROFILE=x\n" + END + b"export AWS_PROFILE=other\n"
    assert rc.block_position(data) == (2, 4)


def test_a_here_document_of_a_crlf_file_ends_at_its_delimiter_with_the_cr():
    # <<'EOF'<CR> has the delimiter "EOF<CR>": the CRLF line "EOF<CR>" ends it, as bash and zsh read it.
    crlf = b"cat <<'EOF'\r\nbody\r\nEOF\r\n" + BEGIN + b"export AWS_PROFILE=old\n" + END
    assert (
        rc.place_block(crlf, ["export AWS_PROFILE=new"])
        == b"cat <<'EOF'\r\nbody\r\nEOF\r\n" + BEGIN + b"export AWS_PROFILE=new\n" + END
    )
    # <<EOF (LF) is not ended by "EOF<CR>": the block after it is data.
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(
            b"cat <<EOF\nEOF\r\n" + BEGIN + b"export AWS_PROFILE=old\n" + END + b"EOF\n", ["export AWS_PROFILE=new"]
        )
    assert "inside a here-document (line 3, 5)" in str(raised.value)


def test_a_cr_before_a_hash_makes_no_comment_and_the_here_document_opens():
    # bash and zsh read "<CR>#" as a word: "<CR># <<EOF" opens a here-document.
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(
            b"\r# <<EOF\n" + BEGIN + b"export AWS_PROFILE=old\n" + END + b"EOF\n", ["export AWS_PROFILE=new"]
        )
    assert "inside a here-document (line 2, 4)" in str(raised.value)
    assert rc.block_position(b" \t# <<EOF\n" + BEGIN + b"export AWS_PROFILE=old\n" + END) == (2, 4)


# Files where "# m" lines stand in for marker lines: each is replaced in turn by a command
# that exports a variable, and the real shell says whether it ran as a line of its own.
SH_CASES = [
    ("single quotes over lines", b"msg='\n# m\n'\n# m\n"),
    ("double quotes over lines", b'msg="a \\" b\n# m\n"\n# m\n'),
    ("$'...' over lines", b"msg=$'it\\'s\n# m\n'\n# m\n"),
    ("quotes closed on the line", b"echo 'it'\"'\"'s' \"a'b\" $'c\\'d'\n# m\n"),
    ("here-string over lines", b': <<< "a\n# m\n"\n# m\n'),
    ("$( ) over lines", b"x=$(\n# m\necho a)\n# m\n"),
    ("backquotes over lines", b'x=`echo "\n# m\n"`\n# m\n'),
    ("( ) over lines", b"(\n# m\nexport A=1)\n# m\n"),
    ("a quote inside $( ) inside quotes", b"echo \"$(echo ')')\" '\n# m\n'\n# m\n"),
    ("a quote in ${ }", b"echo ${x:-'}'} '\n# m\n'\n# m\n"),
    ("$# and a#b are no comments", b"echo $# a#b '\n# m\n'\n# m\n"),
    ("<< in $(( ))", b"mask=$((1<<4))\n# m\n"),
    ("<< in $(( )) with parentheses", b"mask=$(( (1<<2) + (3) ))\n# m\n"),
    ("<< in (( ))", b"((m = 1<<2))\n# m\n"),
    ("<< in $[ ]", b"m=$[1<<2]\n# m\n"),
    ("<< in quotes", b"echo 'a<<b' \"c<<d\"\n# m\n"),
    ("<< after a comment", b"echo x # <<EOF\n# m\n"),
    ("<< in a comment line", b"  # cat <<EOF\n# m\n"),
    ("a here-document", b"cat <<EOF >/dev/null\n# m\nEOF\n# m\n"),
    ("two here-documents", b"cat <<-'E1' <<\\E2 >/dev/null\n# m\n\tE1\n# m\nE2\n# m\n"),
    ("a here-document after a quote over lines", b"cat <<EOF >/dev/null; x='a\n# m\n'\n# m\nEOF\n# m\n"),
    ("a here-document in $( )", b'x="$(cat <<"EOF"\n# m\nEOF\n)"\n# m\n'),
    ("a continued line", b"alias a=b \\\n# m\n# m\n"),
    ("a case pattern", b"case x in x) : ;; esac\n# m\n"),
    ("$' in double quotes is no quote", b"echo \"price: $'\" >/dev/null\n# m\n"),
    ("# after $( ) goes on with the word", b"echo $(true)#'\n# m\n'\n# m\n"),
    ("# after ` ` goes on with the word", b"echo `true`#'\n# m\n'\n# m\n"),
    ("# after a subshell's ) is a comment", b"(true)#'\n# m\n"),
    ("a comment right after $(", b"x=$(# it's\necho a)\n# m\n"),
    ("a comment right after (", b"(# it's\ntrue)\n# m\n"),
    ("a comment in an array", b"a=(# it's\nx y)\n# m\n"),
    ("an extglob pattern", b"shopt -s extglob 2>/dev/null\n[[ x == @(#x'|x) ]] && :\n# m\n'\n# m\n"),
    # Compound commands: the shell reads their lines only when it runs them (here, never).
    ("an if whose branch does not run", b"if false; then\n# m\n:\nelif false; then\n# m\n:\nfi\n# m\n"),
    ("a function's body", b"f() {\n# m\n:\n}\n# m\nfunction g {\n# m\n:\n}\n# m\n"),
    ("a loop's body", b"while false\ndo\n# m\n:\ndone\nfor x in; do\n# m\n:\ndone\n# m\n"),
    ("a case no pattern matches", b"case x in\n  y)\n# m\n  ;;\nesac\n# m\n"),
    ("a group after &&", b"false && {\n# m\n:\n}\n# m\n"),
    ("done and fi as arguments", b"echo done fi esac\n# m\n"),
]
# zsh only: glob qualifiers and flags, where a # after ( is no comment (bash refuses these lines).
ZSH_CASES = [
    (
        "a glob qualifier (compinit once a day)",
        b"autoload -Uz compinit\nif [[ -n ${ZDOTDIR:-$HOME}/.zcompdump(#qN.mh+24) ]]; then\n  :\nelse\n  :\nfi\n# m\n",
    ),
    ("glob flags", b"setopt extendedglob\n[[ Ab == (#i)ab ]] && :\nls -d /(#i)TMP(#qN) >/dev/null\n# m\n"),
    ("# after a glob group's ) goes on with the word", b"setopt nonomatch\necho /tm(p|x)#'\n# m\n'\n# m\n"),
    ("a comment right after a subshell's (", b"if (#c\ntrue); then (#c\n:); fi\ntrue && (#c\n:)\n# m\n"),
]
FISH_CASES = [
    ("single quotes over lines", b"set msg '\n# m\n'\n# m\n"),
    ("an escaped quote in single quotes", b"set msg 'it\\'s\n# m\n'\n# m\n"),
    ("double quotes over lines", b'set msg "a \\" b\n# m\n"\n# m\n'),
    ("quotes closed on the line", b"echo 'a\\\\' \"b\\\\\" a#b\n# m\n"),
    ("<< in quotes", b"echo '<<EOF' \"<<EOF\"\n# m\n"),
    # fish goes on with a continued line after a comment line; in bash and zsh the comment ends it.
    ("a continued line", b"echo a \\\n# m\n# m\necho b\n# m\n"),
    ("# after ( ) goes on with the word", b"echo (echo a)#'\n# m\n'\n# m\n"),
    ("an if whose branch does not run", b"if false\n# m\nelse if false\n# m\nend\n# m\n"),
    ("a function's body", b"function f\n# m\nend\n# m\n"),
    ("a block after and", b"false; and begin\n# m\nend\n# m\n"),
    ("a switch", b"switch x\ncase y\n# m\nend\n# m\n"),
]


def read_as_own_line(shell, data, index, tmp_path):
    """Whether the real ``shell`` runs line ``index`` of ``data`` as a command of its own."""
    lines = data.split(b"\n")
    command = b"set -gx RECRO_SEEN 1" if shell == "fish" else b"export RECRO_SEEN=1"
    lines[index] = lines[index].replace(b"# m", command)
    script = tmp_path / "rc"
    script.write_bytes(b"\n".join(lines))
    argv = {
        "bash": ["bash", "--norc", "--noprofile", "-c", '. "$0" >/dev/null 2>&1; printf %s "$RECRO_SEEN"'],
        "zsh": ["zsh", "-f", "-c", '. "$0" >/dev/null 2>&1; printf %s "$RECRO_SEEN"'],
        "fish": ["fish", "--no-config", "-c", 'source $argv[1] >/dev/null 2>&1; printf %s "$RECRO_SEEN"'],
    }[shell]
    printed = subprocess.run(
        argv + [str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        timeout=30,
        check=False,
    ).stdout
    return printed == b"1"


@pytest.mark.parametrize(
    "shell, data",
    [(shell, case[1]) for shell in ("bash", "zsh") for case in SH_CASES]
    + [("zsh", case[1]) for case in ZSH_CASES]
    + [("fish", case[1]) for case in FISH_CASES],
    ids=["{0}, {1}".format(shell, case[0]) for shell in ("bash", "zsh") for case in SH_CASES]
    + ["zsh, " + case[0] for case in ZSH_CASES]
    + ["fish, " + case[0] for case in FISH_CASES],
)
def test_the_lines_read_as_lines_of_their_own_are_those_the_shell_runs(tmp_path, shell, data):
    if shutil.which(shell) is None:
        pytest.skip("{0} is not installed".format(shell))
    lines = rc.shell_lines(data)
    unread = rc.unread_lines(lines, shell)
    marks = [index for index, line in enumerate(lines) if line == b"# m\n"]
    expected = dict((index, read_as_own_line(shell, data, index, tmp_path)) for index in marks)
    assert dict((index, index not in unread) for index in marks) == expected, unread


@pytest.mark.parametrize(
    "shell, before",
    [
        ("zsh", b"if [[ -n $WORK ]] {\n  :\n}\nfor x in a b; print $x\n"),
        ("bash", b"f() { :; }\n}\n"),
    ],
    ids=["zsh short forms", "a brace the module cannot pair"],
)
def test_a_count_of_compound_commands_that_does_not_balance_refuses_nothing(shell, before):
    # zsh's short forms (if ... { }, a loop without do) open what no fi or done closes as the
    # module counts: an unbalanced count is not used, so a block after them is still proven ours.
    data = before + BEGIN + b"export AWS_PROFILE=old\n" + END
    assert rc.place_block(data, ["export AWS_PROFILE=new"], shell=shell) == (
        before + BEGIN + b"export AWS_PROFILE=new\n" + END
    )
    assert rc.COMPOUND not in rc.unread_lines(rc.shell_lines(data), shell).values()


def test_a_block_after_compound_commands_is_proven_ours_and_one_inside_is_not_written():
    before = b"case $- in\n  *i*) ;;\n  *) return;;\nesac\nif true; then\n  f() { :; }\nfi\n"
    data = rc.place_block(before, ["export AWS_PROFILE=dev"])
    assert data == before + BEGIN + b"export AWS_PROFILE=dev\n" + END
    assert rc.block_position(data) == (8, 10)


def test_fish_marker_lines_inside_a_command_substitution_are_refused():
    # fish runs a command substitution in the shell itself, but the module never writes its block in one.
    data = b"set x (\n" + BEGIN + b"set -gx AWS_PROFILE 'old'\n" + END + b")\n"
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(data, ["set -gx AWS_PROFILE 'new'"], path="/h/recro_sso.fish", shell="fish")
    assert "marker line(s) inside a subshell, substitution or arithmetic expression (line 2, 4)" in str(raised.value)


@pytest.mark.parametrize("shell", rc.SHELLS)
@pytest.mark.parametrize(
    "profile, session, export_aws_profile, config_file",
    [
        ("dev", "recro", True, None),
        ("a:b@c+d%e", "", False, "/home/a/my aws/it's config"),
        ("p", "s p'q", True, "~/x\\y"),
    ],
)
def test_every_block_the_module_writes_is_proven_its_own(shell, profile, session, export_aws_profile, config_file):
    lines = rc.render_block(shell, profile, session, export_aws_profile, config_file)
    data = rc.place_block(b"alias ll='ls -l'\n", lines, shell=shell)
    assert rc.block_position(data, shell=shell) == (2, len(lines) + 3)
    # And so is every block the next run finds, whatever it writes instead.
    assert rc.place_block(data, rc.render_block(shell, "other", "recro"), shell=shell).count(rc.BEGIN.encode()) == 1


@pytest.mark.parametrize("shell", rc.SHELLS)
@pytest.mark.parametrize("session", ["recro", ""])
def test_blocks_of_0_1_0_are_proven_ours(shell, session):
    old = old_block(shell, "dev", session).encode()
    assert rc.block_position(b"a\n" + BEGIN + old + END, shell=shell) == (2, 7)


SECRET_LINE = b"export AWS_SECRET_ACCESS_KEY=TOPSECRETVALUE\n"


@pytest.mark.parametrize(
    "inside, named",
    [
        (b"export AWS_PROFILE=old\n" + SECRET_LINE, "4"),
        (SECRET_LINE + b"export AWS_PROFILE=old\n", "3"),
        (b"export AWS_PROFILE=old\n\n", "4"),
        (b"export AWS_PROFILE=old # TOPSECRETVALUE\n", "3"),
        (b"export AWS_PROFILE=old;TOPSECRETVALUE=1\n", "3"),
        (b"export AWS_PROFILE='old'TOPSECRETVALUE\n", "3"),
        (b"export AWS_PROFILE=old\nexport AWS_PROFILE=TOPSECRETVALUE\n", "4"),
        (b"export AWS_PROFILE=old\nexport AWS_DEFAULT_PROFILE=TOPSECRETVALUE\n", "4"),
        (b"set -gx AWS_PROFILE 'TOPSECRETVALUE'\n", "3"),
        (b"# Sign in with: aws sso login --sso-session TOPSECRETVALUE and more\n", "3"),
    ],
)
@pytest.mark.parametrize("block", [rc.render_block("bash", "dev", "recro"), None])
def test_lines_no_block_of_ours_holds_are_refused_named_and_not_shown(inside, named, block):
    data = b"alias ll='ls -l'\n" + BEGIN + inside + END
    with pytest.raises(rc.UnprovenBlock) as raised:
        rc.place_block(data, block, path="/home/a/.bashrc")
    message = str(raised.value)
    assert "line(s) {0} between the markers (line 2, {1})".format(named, data.count(b"\n")) in message, message
    assert "TOPSECRETVALUE" not in message and "not changed" in message
    with pytest.raises(rc.UnprovenBlock):
        rc.block_text(data)  # nor does a diff show them


def test_fish_blocks_hold_fish_lines_only():
    with pytest.raises(rc.UnprovenBlock):
        rc.block_position(BEGIN + b"export AWS_PROFILE=dev\n" + END, shell="fish")
    with pytest.raises(rc.UnprovenBlock):
        rc.block_position(BEGIN + b"set -gx AWS_PROFILE dev\n" + END, shell="fish")  # fish_quote always quotes
    assert rc.block_position(BEGIN + b"set -gx AWS_PROFILE 'd\\'v'\n" + END, shell="fish") == (1, 3)


@pytest.mark.parametrize(
    "before, why",
    [
        (b"export KEEP=1\nmsg='never closed\n", "is inside a quoted string that does not end"),
        (b"export KEEP=1\nx=$(echo\n", "is inside a subshell, substitution or arithmetic expression that does not end"),
        (b"export KEEP=1\nalias a=b \\", "continues the file's last line, which ends in a backslash"),
    ],
)
def test_a_block_is_never_placed_where_an_open_quote_or_a_backslash_would_swallow_it(before, why):
    with pytest.raises(rc.UnreadPlace) as refused:
        rc.place_block(before, rc.render_block("bash", "p", "recro"), path="/h/.bashrc")
    assert str(refused.value).startswith("/h/.bashrc: line 3, where the block would go, " + why), str(refused.value)
    # bash agrees: what follows is never run as a command of its own.
    done = subprocess.run(
        ["bash", "--norc", "-c", (before + (b"" if before.endswith(b"\n") else b"\n") + b"echo ran\n").decode()],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    assert not done.stdout.startswith(b"ran")


def read_file(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


@pytest.mark.parametrize(
    "zshenv",
    [
        None,
        b"export ZDOTDIR=$HOME/.config/zsh\n",
        b"ZDOTDIR=~/.config/zsh\n",
        b'export ZDOTDIR="${HOME}/.config/zsh";\n',
        b"ZDOTDIR=$HOME/.config/other\n# ZDOTDIR=/etc\nZDOTDIR={home}/.config/zsh/../zsh\nexport ZDOTDIR\n",
        b"echo 'a\n# b\n' >/dev/null\nZDOTDIR=$HOME\n",
        b'export HISTFILE="$ZDOTDIR/.zsh_history"\n[ -n "${ZDOTDIR}" ] && echo ${ZDOTDIR:-~} >/dev/null\n',
        b'export ZDOTDIR="$HOME/.config/zsh"  # XDG layout\n',
        b"typeset -gx ZDOTDIR=$HOME/.config/zsh; # XDG layout\nexport HISTFILE=$ZDOTDIR/.zsh_history\n",
        b"mkdir -p $HOME/.config/zsh\nif [[ -d $HOME/.config/zsh ]]; then\n  export ZDOTDIR=$HOME/.config/zsh\nfi\n",
    ],
    ids=[
        "no .zshenv",
        "$HOME/dir",
        "~/dir",
        '"${HOME}/dir";',
        "the last assignment, absolute",
        "$HOME",
        "only read",
        "a comment after",
        "typeset, a comment after, read",
        "set in an if that holds",
    ],
)
def test_zsh_s_rc_file_is_the_zshrc_zsh_reads(tmp_path, zshenv):
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    home = tmp_path / "home"
    for directory in ("", ".config/zsh", ".config/other"):
        (home / directory).mkdir(parents=True, exist_ok=True)
        (home / directory / ".zshrc").write_text("WHICH={0}/.zshrc\n".format(directory or "."))
    if zshenv is not None:
        (home / ".zshenv").write_bytes(zshenv.replace(b"{home}", str(home).encode()))

    chosen = rc.rc_files("Linux", str(home), read_file)["zsh"]

    read = subprocess.run(
        ["zsh", "-ic", 'print -r -- "$WHICH"'],
        env={"PATH": os.environ["PATH"], "HOME": str(home), "TERM": "dumb"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    assert os.path.normpath(read) == os.path.normpath(chosen)
    assert rc.rc_files("Linux")["zsh"] == ".zshrc"  # without the home, as before


@pytest.mark.parametrize(
    "zshenv, line, outside",
    [
        (b"# mine\nZDOTDIR=/etc/zsh\n", 2, True),
        (b"ZDOTDIR=$HOME/../other\n", 1, True),
        (b"[ -d ~/.zsh ] && ZDOTDIR=~/.zsh\n", 1, False),
        (b"export ZDOTDIR=$XDG_CONFIG_HOME/zsh\n", 1, False),
        (b"ZDOTDIR='$HOME/zsh'\n", 1, False),
        (b': ${ZDOTDIR:=$HOME/.zsh}\n', 1, False),
        (b"x='a\nZDOTDIR=~/z' ZDOTDIR=~/y\n", 2, False),
        (b"echo 'ZDOTDIR=/etc' >/dev/null\n", 1, False),  # named where the module does not resolve it
        (b"export HISTFILE=${ZDOTDIR:=$HOME/.zsh}/h\n", 1, False),  # read, and assigned when unset
        (b"export ZDOTDIR=$ZDOTDIR/zsh # read\n", 1, False),
        (b"ZDOTDIR=~/z#not-a-comment\n", 1, False),
    ],
)
def test_a_zdotdir_the_module_cannot_resolve_or_outside_the_home_is_refused_naming_the_line(
    tmp_path, zshenv, line, outside
):
    (tmp_path / ".zshenv").write_bytes(zshenv)
    with pytest.raises(rc.UnresolvedZdotdir) as raised:
        rc.rc_files("Linux", str(tmp_path), read_file)
    message = str(raised.value)
    assert message.startswith("{0}: line {1} sets ZDOTDIR".format(tmp_path / ".zshenv", line)), message
    assert ("outside the home" in message) == outside and "nothing was changed" in message


def test_zsh_s_glob_qualifiers_and_flags_are_no_comments():
    # The compinit-once-a-day snippet of many .zshrc files: (#q...) is a glob qualifier, not a comment.
    zshrc = (
        b"autoload -Uz compinit\nif [[ -n ${ZDOTDIR:-$HOME}/.zcompdump(#qN.mh+24) ]]; then\n"
        b"  compinit\nelse\n  compinit -C\nfi\n[[ $x == (#i)yes ]] && echo y\n"
    )
    data = rc.place_block(zshrc, rc.render_block("zsh", "dev", "recro"), path="/h/.zshrc", shell="zsh")
    assert rc.block_position(data, shell="zsh") == (8, 13)
    assert subprocess.run(["zsh", "-n"], input=data, check=False).returncode == 0


def test_a_marker_quoted_by_a_quote_after_a_substitution_is_refused():
    # bash and zsh read "$(true)#'" as one word: the ' opens a quote that holds the block.
    data = b"echo $(true)#'\n" + BEGIN + b"export AWS_PROFILE=old\n" + END + b"' >/dev/null\n"
    for shell in ("bash", "zsh"):
        with pytest.raises(rc.UnprovenBlock) as raised:
            rc.place_block(data, ["export AWS_PROFILE=new"], shell=shell)
        assert "marker line(s) inside a quoted string (line 2, 4)" in str(raised.value)


def test_a_dollar_quote_in_double_quotes_opens_no_quote():
    # In "...", $' is a $ and a '; bash and zsh read the line after as a line of its own.
    data = rc.place_block(b"echo \"price: $'\"\n", ["export AWS_PROFILE=new"], shell="bash")
    assert rc.block_position(data) == (2, 4)
    for shell in ("bash", "zsh"):
        assert subprocess.run([shell, "-n"], input=data, check=False).returncode == 0


def test_a_long_here_document_delimiter_is_read_whole():
    # 2.4 MB of escaped characters make one delimiter (joined once, not added to bytes part by part,
    # which took minutes): the body ends at the line that is that delimiter, unescaped.
    size = 800000
    unread = rc.unread_lines([b"cat <<" + b"\\a" * size + b"\n", b"a" * size + b"\n", b"echo after\n"])
    assert unread == {1: rc.HEREDOC}
