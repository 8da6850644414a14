# -*- coding: utf-8 -*-
from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import lines

# Characters str.splitlines breaks at besides LF; no shell does.
SEPARATORS = [b"\r", b"\r\n", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\xc2\x85", b"\xe2\x80\xa8"]


@pytest.mark.parametrize("shell", ["bash", "zsh"])
@pytest.mark.parametrize("separator", SEPARATORS, ids=repr)
def test_shell_lines_are_counted_as_the_shell_counts_them(tmp_path, shell, separator):
    if shutil.which(shell) is None:
        pytest.skip("{0} is not installed".format(shell))
    script = tmp_path / "rc"
    data = b": one" + separator + b": two\n: three\necho $LINENO\n"
    script.write_bytes(data)
    printed = subprocess.run([shell, str(script)], stdout=subprocess.PIPE, check=True).stdout
    assert int(printed) == len(lines.shell_lines(data))


def test_shell_lines_keep_their_ends_and_content_drops_a_crlf_or_lf():
    assert lines.shell_lines(b"a\rb\r\nc\x0cd\ne") == [b"a\rb\r\n", b"c\x0cd\n", b"e"]
    assert lines.shell_lines("a\n\n") == ["a\n", "\n"]
    assert lines.shell_lines(b"") == []
    assert [lines.content(line) for line in lines.shell_lines(b"a\r\r\nb\rc\n")] == [b"a\r", b"b\rc"]
    assert lines.shell_text_lines("x\r\ny") == ["x", "y"]
