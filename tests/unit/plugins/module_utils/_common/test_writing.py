# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""_common.writing against other programs: what they write while a rewrite replaces a file,
files with other names (hard links), and whose a rewritten private file is. Real files in a
temporary directory; the other program is injected at the exact points it would write."""

from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import pwd
import resource
import shutil
import signal
import stat
import tempfile

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import errors, writing
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users and owners needs root; CI runs as root")

BLOCK = b"# recro block\n"


def add_block(content):
    """The change of a rewrite: the block at the end, once."""
    return content if BLOCK in content else content + BLOCK


def append(path, line):
    with open(str(path), "ab") as handle:
        handle.write(line)


def renaming_with(monkeypatch, rc, around):
    """os.rename over ``rc`` calls ``around[n]`` (for the n-th rename, when there is one) with
    ``"before"`` just before the rename (after the last look: a write then goes to the file being
    replaced) and ``"after"`` just after it (a write then goes to the new file). Returns the
    renames made."""
    real_rename = os.rename
    renames = []

    def rename(source, target):
        if target != str(rc):
            return real_rename(source, target)
        hook = around[len(renames)] if len(renames) < len(around) else None
        renames.append(target)
        if hook:
            hook("before")
        real_rename(source, target)
        if hook:
            hook("after")
        return None

    monkeypatch.setattr(os, "rename", rename)
    return renames


# A write during the rename, then more ---------------------------------------------------


def test_a_line_written_during_the_rename_is_kept_when_another_follows_on_the_new_file(tmp_path, monkeypatch):
    """The audit's trace: a line appended to the replaced file during the rename, then one to the
    new file; the next try finds the file changed and reads it again. Both lines are kept."""
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")

    def installer(when):
        append(rc, b"late 1\n" if when == "before" else b"after 2\n")

    renames = renaming_with(monkeypatch, rc, [installer])
    before, after = writing.rewrite(str(rc), add_block)

    assert rc.read_bytes() == after == b"mine\nlate 1\nafter 2\n" + BLOCK
    assert before == b"mine\nlate 1\nafter 2\n"
    assert len(renames) == 2
    assert os.listdir(str(tmp_path)) == [".bashrc"]


def test_lines_written_during_two_renames_in_a_row_are_all_kept(tmp_path, monkeypatch):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    renames = renaming_with(
        monkeypatch,
        rc,
        [
            lambda when: when == "before" and append(rc, b"late 1\n"),
            lambda when: when == "before" and append(rc, b"late 2\n"),
        ],
    )

    before, after = writing.rewrite(str(rc), add_block)

    assert rc.read_bytes() == after == b"mine\nlate 1\nlate 2\n" + BLOCK
    assert before == b"mine\nlate 1\nlate 2\n"
    assert len(renames) == 3


def test_a_rewrite_whose_last_attempt_met_a_write_during_the_rename_writes_it_again(tmp_path, monkeypatch):
    """The last of ``attempts`` replaced the file while another program wrote to it: the rewrite
    does not give up (saying the file was not replaced) but writes what it kept."""
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    calls = []

    def change(content):
        calls.append(content)
        if len(calls) == 1:  # between the read and the last look: not replaced, read again
            append(rc, b"early\n")
        return add_block(content)

    renames = renaming_with(monkeypatch, rc, [lambda when: when == "before" and append(rc, b"late\n")])
    before, after = writing.rewrite(str(rc), change, attempts=2)

    assert rc.read_bytes() == after == b"mine\nearly\nlate\n" + BLOCK
    assert calls == [b"mine\n", b"mine\nearly\n", b"mine\nearly\nlate\n"]
    assert before == b"mine\nearly\nlate\n" and len(renames) == 2


def test_a_rewrite_that_gives_up_after_replacing_the_file_says_so(tmp_path, monkeypatch):
    """Another program writes to the file during every rename: the rewrite gives up, saying that it
    replaced the file and that what was written during a replacement is not in it, never that it
    was not replaced."""
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    count = []

    def installer(when):
        if when == "before":
            count.append(True)
            append(rc, "late {0}\n".format(len(count)).encode())

    renames = renaming_with(monkeypatch, rc, [installer] * 10)
    with pytest.raises(writing.FileChanged) as raised:
        writing.rewrite(str(rc), add_block, attempts=2)

    message = str(raised.value)
    assert message.startswith(str(rc) + ": ")
    assert "was replaced with this run's change" in message and "not in it" in message
    assert "not replaced" not in message
    assert raised.value.replaced is True
    # Four tries (twice the attempts: each after a write during the rename); the last write is on
    # disk, with every line but the one written during the last rename.
    assert len(renames) == 4
    assert rc.read_bytes() == b"mine\nlate 1\nlate 2\nlate 3\n" + BLOCK
    assert raised.value.kept == b"mine\nlate 1\nlate 2\nlate 3\nlate 4\n"
    assert os.listdir(str(tmp_path)) == [".bashrc"]


def test_a_rewrite_that_never_replaced_the_file_says_its_changes_are_kept(tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"")

    def change(content):
        append(rc, b"# again\n")
        return add_block(content)

    with pytest.raises(writing.FileChanged) as raised:
        writing.rewrite(str(rc), change, attempts=3)

    assert "(3 attempts)" in str(raised.value) and "it was not replaced, so its changes are kept" in str(raised.value)
    assert raised.value.replaced is False and raised.value.kept is None
    assert rc.read_bytes() == b"# again\n" * 3


def test_a_file_written_over_after_a_write_during_the_rename_is_not_guessed_at(tmp_path, monkeypatch):
    """A line kept from the replaced file cannot be put on top of a file another program then
    wrote over: the rewrite gives up, saying the file was replaced and the line is not in it."""
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")

    def installer(when):
        if when == "before":
            append(rc, b"late\n")
        else:
            rc.write_bytes(b"theirs\n")  # in place, over what this run wrote

    renaming_with(monkeypatch, rc, [installer])
    with pytest.raises(writing.FileChanged) as raised:
        writing.rewrite(str(rc), add_block)

    assert raised.value.replaced is True and raised.value.kept == b"mine\nlate\n"
    assert "was replaced with this run's change" in str(raised.value)
    assert rc.read_bytes() == b"theirs\n"


# Hard links ------------------------------------------------------------------------------


def _hard_linked(tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    other = dotfiles / "bashrc"
    other.write_bytes(b"# mine\n")
    rc = tmp_path / ".bashrc"
    os.link(str(other), str(rc))
    return rc, other


@pytest.mark.parametrize(
    "write",
    [
        lambda path: writing.write_atomically(path, b"# mine\n" + BLOCK),
        lambda path: writing.rewrite(path, add_block),
        writing.check_replaceable,
        lambda path: writing.write_private_file(path, b"secret"),
    ],
    ids=["write_atomically", "rewrite", "check_replaceable", "write_private_file"],
)
def test_a_hard_linked_file_is_refused_naming_it_and_left_alone(tmp_path, write):
    rc, other = _hard_linked(tmp_path)
    inode = os.stat(str(rc)).st_ino

    with pytest.raises(errors.FileRefused) as raised:
        write(str(rc))

    message = str(raised.value)
    assert message.startswith(str(rc) + ": has 2 hard links")
    assert "nothing was changed" in message and "split" in message
    assert isinstance(raised.value, writing.HardLinked) and raised.value.links == 2
    for name in (rc, other):
        status = os.stat(str(name))
        assert (status.st_ino, status.st_nlink) == (inode, 2)
        assert name.read_bytes() == b"# mine\n"
    assert sorted(os.listdir(str(tmp_path))) == [".bashrc", "dotfiles"]
    assert os.listdir(str(other.parent)) == ["bashrc"]


def test_a_symlink_to_a_hard_linked_file_is_refused_naming_where_it_leads(tmp_path):
    rc, other = _hard_linked(tmp_path)
    link = tmp_path / ".zshrc"
    link.symlink_to(other)

    with pytest.raises(writing.HardLinked) as raised:
        writing.write_atomically(str(link), b"new")

    assert str(raised.value).startswith("{0}: leads to {1}, which has 2 hard links".format(link, other))
    assert other.read_bytes() == rc.read_bytes() == b"# mine\n"


def test_a_file_with_one_name_is_still_replaced(tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"# mine\n")
    writing.rewrite(str(rc), add_block)
    assert rc.read_bytes() == b"# mine\n" + BLOCK and os.stat(str(rc)).st_nlink == 1


# Whose a private file is -----------------------------------------------------------------


@pytest.fixture
def user_home():
    """A home of ``nobody`` in a directory other users may enter, and the account."""
    base = tempfile.mkdtemp()
    os.chmod(base, 0o755)
    nobody = user_files.Account.from_passwd(pwd.getpwnam("nobody"))
    home = pathlib.Path(base) / "home"
    home.mkdir()
    os.chown(str(home), nobody.uid, nobody.gid)
    yield home, nobody
    shutil.rmtree(base)


def _roots_token(directory):
    token = directory / "token.json"
    token.write_bytes(b'{"accessToken": "old"}')
    os.chmod(str(token), 0o644)  # left by an earlier `sudo aws sso login`
    os.chown(str(token), 0, 0)
    return token


@needs_root
def test_root_acting_for_a_user_gives_them_their_private_file_root_owned(user_home):
    home, nobody = user_home
    cache = home / ".aws" / "sso" / "cache"
    with user_files.acting_as(nobody):
        writing.make_directories(str(cache), 0o700)
    token = _roots_token(cache)

    with user_files.acting_as(nobody):
        writing.write_private_file(str(token), b'{"accessToken": "new"}')

    status = os.stat(str(token))
    assert (status.st_uid, status.st_gid) == (nobody.uid, nobody.gid)
    assert stat.S_IMODE(status.st_mode) == 0o600 and status.st_nlink == 1
    assert token.read_bytes() == b'{"accessToken": "new"}'
    assert stat.S_IMODE(os.stat(str(cache)).st_mode) == 0o700
    assert os.listdir(str(cache)) == ["token.json"]


@needs_root
def test_a_private_file_of_roots_outside_the_users_directories_is_refused_naming_root(user_home):
    home, nobody = user_home
    shared = home / "shared"
    shared.mkdir(mode=0o777)
    os.chmod(str(shared), 0o777)  # the user may write in it, but it is root's
    token = _roots_token(shared)

    with user_files.acting_as(nobody):
        with pytest.raises(errors.OwnedByOther) as raised:
            writing.write_atomically(str(token), b"new", mode=0o600)
        with pytest.raises(errors.OwnedByOther):
            writing.check_replaceable(str(token), private=True)

    message = str(raised.value)
    assert message.startswith(str(token) + ": ") and "owned by root" in message
    assert "nothing was changed" in message and nobody.name in message
    status = os.stat(str(token))
    assert (status.st_uid, stat.S_IMODE(status.st_mode)) == (0, 0o644)
    assert token.read_bytes() == b'{"accessToken": "old"}'
    assert os.listdir(str(shared)) == ["token.json"]


@needs_root
def test_a_file_of_roots_that_is_not_private_keeps_root_as_owner(user_home):
    """Only a private file changes hands: a root-owned rc file stays root's, with its mode."""
    home, nobody = user_home
    rc = home / ".bashrc"
    rc.write_bytes(b"# mine\n")
    os.chmod(str(rc), 0o644)

    with user_files.acting_as(nobody):
        writing.rewrite(str(rc), add_block, new_file_mode=0o644)

    status = os.stat(str(rc))
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (0, 0, 0o644)
    assert rc.read_bytes() == b"# mine\n" + BLOCK


@contextlib.contextmanager
def file_size_limit(size):
    """Writes past ``size`` bytes fail with EFBIG, as a full disk or a quota fails them
    with ENOSPC or EDQUOT: an error of the write itself, which names no file."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


@pytest.mark.parametrize(
    "write",
    [
        writing.write_atomically,
        lambda path, data: writing.rewrite(path, lambda _content: data),
        writing.write_private_file,
    ],
    ids=["write_atomically", "rewrite", "write_private_file"],
)
def test_a_write_that_does_not_fit_names_the_file_and_leaves_it(tmp_path, write):
    target = tmp_path / "recro-aws-sso-pull.service"
    target.write_bytes(b"[Unit]\n")

    with file_size_limit(4096):
        with pytest.raises(OSError) as raised:
            write(str(target), b"#" * 8192)

    assert raised.value.errno == errno.EFBIG
    assert raised.value.filename == str(target), raised.value
    assert target.read_bytes() == b"[Unit]\n"
    assert os.listdir(str(tmp_path)) == [target.name]
