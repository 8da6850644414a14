# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whose file, where, and how it is written: real files in a temporary directory."""

from __future__ import annotations

import fcntl
import os
import pathlib
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import errors, writing
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users and owners needs root; CI runs as root")


def mode_of(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


def test_config_path_prefers_path_then_environment_then_home(monkeypatch):
    alice = user_files.Account("alice", 1000, 1000, "/home/alice")
    monkeypatch.setattr(os, "getuid", lambda: 1000)  # the module runs as alice: the environment is hers
    assert user_files.config_path("~/cfg", alice, {"AWS_CONFIG_FILE": "/x"}) == "/home/alice/cfg"
    assert user_files.config_path(None, alice, {"AWS_CONFIG_FILE": "~/.aws/other"}) == "/home/alice/.aws/other"
    assert user_files.config_path(None, alice, {"AWS_CONFIG_FILE": ""}) == "/home/alice/.aws/config"
    assert user_files.config_path(None, alice, {}) == "/home/alice/.aws/config"


@pytest.mark.parametrize(
    "given, environ, named",
    [
        ("~/.aws/con\nfig", {}, "path: '~/.aws/con\\nfig' contains the control character U+000A"),
        ("/tmp/a\x1b[31m", {}, "path: '/tmp/a\\x1b[31m' contains the control character U+001B"),
        (None, {"AWS_CONFIG_FILE": "/x\ny"}, "AWS_CONFIG_FILE: '/x\\ny' contains the control character U+000A"),
        ("$EVIL/config", {}, "contains the control character U+000D"),
    ],
    ids=["newline in path", "escape in path", "newline in AWS_CONFIG_FILE", "a variable expanding to a CR"],
)
def test_an_aws_file_path_is_one_line_as_given_and_as_expanded(monkeypatch, given, environ, named):
    # It goes into messages and into the rc files' export line: a line break would add a line of code.
    alice = user_files.Account("alice", 1000, 1000, "/home/alice")
    monkeypatch.setattr(os, "getuid", lambda: 1000)
    monkeypatch.setenv("EVIL", "/tmp/x\r")
    with pytest.raises(errors.ParameterError) as raised:
        user_files.config_path(given, alice, environ)
    assert named in str(raised.value), str(raised.value)


@pytest.mark.parametrize(
    "where, variable, default",
    [
        (user_files.config_path, "AWS_CONFIG_FILE", "/home/alice/.aws/config"),
        (user_files.credentials_path, "AWS_SHARED_CREDENTIALS_FILE", "/home/alice/.aws/credentials"),
    ],
)
def test_root_acting_for_a_user_never_takes_its_own_environment_s_file_for_hers(monkeypatch, where, variable, default):
    alice = user_files.Account("alice", 1000, 1000, "/home/alice")
    monkeypatch.setattr(os, "getuid", lambda: 0)
    assert where(None, alice, {variable: "/root/.aws/mine"}) == default
    monkeypatch.setattr(os, "getuid", lambda: 1000)
    assert where(None, alice, {variable: "~/.aws/mine"}) == "/home/alice/.aws/mine"


def test_write_keeps_the_mode_and_goes_through_a_symlink(tmp_path):
    target = tmp_path / "dotfiles" / "config"
    target.parent.mkdir()
    target.write_bytes(b"old")
    os.chmod(str(target), 0o640)
    link = tmp_path / "config"
    link.symlink_to(target)
    written = writing.write_atomically(str(link), b"new")
    assert written == str(target)
    assert link.is_symlink() and os.readlink(str(link)) == str(target)
    assert target.read_bytes() == b"new"
    assert mode_of(target) == 0o640
    assert sorted(os.listdir(str(target.parent))) == ["config"]  # no temporary file left behind


def test_new_file_is_0600_and_new_directories_0700_whatever_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        writing.make_directories(str(tmp_path / "a" / ".aws"))
        writing.write_atomically(str(tmp_path / "a" / ".aws" / "config"), b"x")
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "a") == 0o700
    assert mode_of(tmp_path / "a" / ".aws") == 0o700
    assert mode_of(tmp_path / "a" / ".aws" / "config") == 0o600


def test_failed_write_leaves_the_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_bytes(b"old")

    def refuse(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(OSError):
        writing.write_atomically(str(path), b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(str(tmp_path)) == ["config"]


def test_the_directory_lock_excludes_another_process(tmp_path):
    probe = (
        "import fcntl, os, sys\n"
        "descriptor = os.open(sys.argv[1], os.O_RDONLY)\n"
        "try:\n"
        "    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except OSError:\n"
        "    sys.exit(3)\n"
    )
    with writing.locked_directory(str(tmp_path)):
        held = subprocess.call([sys.executable, "-c", probe, str(tmp_path)])
    released = subprocess.call([sys.executable, "-c", probe, str(tmp_path)])
    assert (held, released) == (3, 0)
    assert fcntl  # the probe uses the same flock


@pytest.fixture
def shared_tmp_path():
    """A directory other users may enter (pytest's own is root's alone)."""
    path = tempfile.mkdtemp()
    os.chmod(path, 0o755)
    yield pathlib.Path(path)
    shutil.rmtree(path)


@needs_root
def test_acting_as_a_user_creates_files_they_own_and_restores_root(shared_tmp_path):
    tmp_path = shared_tmp_path
    nobody = user_files.Account.from_passwd(pwd.getpwnam("nobody"))
    home = tmp_path / "home"
    home.mkdir()
    os.chown(str(home), nobody.uid, nobody.gid)
    with user_files.acting_as(nobody):
        assert (os.geteuid(), os.getegid()) == (nobody.uid, nobody.gid)
        writing.make_directories(str(home / ".aws"))
        writing.write_atomically(str(home / ".aws" / "config"), b"x")
        with pytest.raises(PermissionError):
            writing.write_atomically(str(tmp_path / "roots-file"), b"x")
    assert (os.geteuid(), os.getegid()) == (0, 0)
    created = os.stat(str(home / ".aws" / "config"))
    assert (created.st_uid, created.st_gid) == (nobody.uid, nobody.gid)
    assert not (tmp_path / "roots-file").exists()


@needs_root
def test_root_keeps_the_owner_of_a_file_it_rewrites(tmp_path):
    nobody = pwd.getpwnam("nobody")
    path = tmp_path / "config"
    path.write_bytes(b"old")
    os.chown(str(path), nobody.pw_uid, nobody.pw_gid)
    writing.write_atomically(str(path), b"new")
    assert (os.stat(str(path)).st_uid, os.stat(str(path)).st_gid) == (nobody.pw_uid, nobody.pw_gid)


# Files that are not regular files -------------------------------------------------


def _special_files(tmp_path):
    """One of each kind that is not a regular file, each also behind a symlink."""
    import socket

    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    directory = tmp_path / "directory"
    directory.mkdir()
    sock_path = tmp_path / "socket"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    kinds = {
        "/dev/null": "a character device",
        str(fifo): "a FIFO",
        str(directory): "a directory",
        str(sock_path): "a socket",
    }
    cases = []
    for index, (path, kind) in enumerate(sorted(kinds.items())):
        link = tmp_path / "link{0}".format(index)
        link.symlink_to(path)
        cases.extend([(path, kind), (str(link), kind)])
    return cases, server


def _snapshot(path):
    status = os.stat(path)
    return status.st_ino, status.st_mode, status.st_uid, status.st_mtime_ns


def test_every_non_regular_file_is_refused_naming_path_and_kind_and_left_alone(tmp_path):
    cases, server = _special_files(tmp_path)
    try:
        for path, kind in cases:
            before = _snapshot(path)
            for operation in (
                lambda path=path: user_files.read_bytes(path),
                lambda path=path: writing.write_atomically(path, b"[default]\n"),
                lambda path=path: user_files.check_regular(path),
            ):
                with pytest.raises(errors.FileRefused) as raised:
                    operation()
                assert raised.value.path == path
                assert kind in str(raised.value) and path in str(raised.value)
                assert "nothing was read or changed" in str(raised.value)
            assert _snapshot(path) == before
        assert [name for name in os.listdir(str(tmp_path)) if name.endswith(".tmp")] == []
    finally:
        server.close()


def test_a_fifo_swapped_in_after_the_check_cannot_block_the_read(tmp_path, monkeypatch):
    """The stat says regular file, then the path becomes a FIFO: the non-blocking
    open and the fstat of what was opened still refuse it at once."""
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    monkeypatch.setattr(user_files, "check_regular", lambda path: os.stat(__file__))
    with pytest.raises(errors.FileRefused, match="FIFO"):
        user_files.read_bytes(str(fifo))


def test_absent_and_dangling_symlinks_read_as_nothing(tmp_path):
    assert user_files.read_bytes(str(tmp_path / "none")) is None
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert user_files.read_bytes(str(tmp_path / "dangling")) is None
    assert user_files.check_regular(str(tmp_path / "dangling")) is None
    (tmp_path / "file").write_bytes(b"x" * 200000)
    assert user_files.read_bytes(str(tmp_path / "file")) == b"x" * 200000


def test_file_kind_names_each_kind():
    assert user_files.file_kind(stat.S_IFREG | 0o600) == "a regular file"
    assert user_files.file_kind(stat.S_IFBLK) == "a block device"
    assert user_files.file_kind(stat.S_IFCHR) == "a character device"


# Bounded lock -----------------------------------------------------------------------


def test_a_held_lock_times_out_naming_the_directory_and_nothing_changed(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "d = os.open(sys.argv[1], os.O_RDONLY)\n"
            "fcntl.flock(d, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(30)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        import time

        started = time.monotonic()
        with pytest.raises(errors.LockTimeout) as raised:
            with writing.locked_directory(str(tmp_path), timeout=0.5):
                pytest.fail("the lock was taken while another process held it")
        waited = time.monotonic() - started
        assert 0.4 <= waited < 5
        assert str(tmp_path) in str(raised.value) and "nothing was changed" in str(raised.value)
        assert "lock_timeout" in str(raised.value)
    finally:
        holder.kill()
        holder.wait()
    with writing.locked_directory(str(tmp_path), timeout=0):
        pass  # free again: taken at once even with no time to wait


def test_lock_timeout_must_be_seconds():
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_seconds
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

    for bad in (-1, "15", True, None, 10**12, 31622401):
        with pytest.raises(ParameterError) as refused:
            check_seconds("lock_timeout", bad)
        assert str(
            refused.value
        ) == "lock_timeout: {0!r} is not a number of seconds from 0 to 31622400 (a year)".format(bad)
    assert check_seconds("lock_timeout", 0) == 0


# Ownership ----------------------------------------------------------------------------


@needs_root
def test_acting_as_a_user_refuses_a_file_of_a_third_user_and_keeps_roots(shared_tmp_path):
    nobody = user_files.Account.from_passwd(pwd.getpwnam("nobody"))
    third = [entry for entry in pwd.getpwall() if entry.pw_uid not in (0, nobody.uid)][0]
    home = shared_tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    for path in (home, home / ".aws"):
        os.chown(str(path), nobody.uid, nobody.gid)
    theirs = home / ".aws" / "config"
    theirs.write_bytes(b"old")
    os.chmod(str(theirs), 0o644)
    os.chown(str(theirs), third.pw_uid, third.pw_gid)
    roots = home / ".aws" / "credentials"
    roots.write_bytes(b"old")
    os.chmod(str(roots), 0o640)
    with user_files.acting_as(nobody):
        with pytest.raises(errors.OwnedByOther) as raised:
            writing.write_atomically(str(theirs), b"new")
        writing.write_atomically(str(roots), b"new")
    assert str(theirs) in str(raised.value) and third.pw_name in str(raised.value)
    assert "nothing was changed" in str(raised.value)
    assert theirs.read_bytes() == b"old" and os.stat(str(theirs)).st_uid == third.pw_uid
    assert roots.read_bytes() == b"new"
    status = os.stat(str(roots))
    assert (status.st_uid, stat.S_IMODE(status.st_mode)) == (0, 0o640)


def test_a_file_changed_since_it_was_read_is_not_replaced(tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\nappended by an installer\n")

    with pytest.raises(writing.FileChanged) as raised:
        writing.write_atomically(str(rc), b"mine\nblock\n", expected=b"mine\n")

    assert str(rc) in str(raised.value) and "not replaced" in str(raised.value)
    assert rc.read_bytes() == b"mine\nappended by an installer\n"
    assert os.listdir(str(tmp_path)) == [".bashrc"]


def _writing_to_it_during_the_rename(monkeypatch, rc, write):
    """os.rename that lets another program write to ``rc`` (``write``: it, on the open file)
    once, after the last look and just before the rename replaces it."""
    real_rename = os.rename
    done = []

    def rename(source, target):
        if target == str(rc) and not done:
            done.append(True)
            write(rc)
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    return done


def _append(rc):
    with open(str(rc), "ab") as handle:
        handle.write(b"export PATH=$PATH:/opt/tool\n")


def _rewrite_in_place(rc):
    with open(str(rc), "r+b") as handle:
        handle.truncate(0)
        handle.write(b"theirs\n")


@pytest.mark.parametrize(
    "write, kept",
    [(_append, b"mine\nexport PATH=$PATH:/opt/tool\nblock\n"), (_rewrite_in_place, b"theirs\nblock\n")],
)
def test_rewrite_keeps_what_another_program_wrote_to_the_file_during_the_rename(tmp_path, monkeypatch, write, kept):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    seen = []

    def add_block(content):
        seen.append(content)
        return content + b"block\n"

    done = _writing_to_it_during_the_rename(monkeypatch, rc, write)
    before, after = writing.rewrite(str(rc), add_block)

    # Their write went to the file the rename replaced: the block is added again to it.
    assert done and seen == [b"mine\n", kept[: -len(b"block\n")]]
    assert rc.read_bytes() == after == kept
    assert before == kept[: -len(b"block\n")]
    assert os.listdir(str(tmp_path)) == [".bashrc"]


def test_write_atomically_says_what_another_program_wrote_during_the_rename(tmp_path, monkeypatch):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    _writing_to_it_during_the_rename(monkeypatch, rc, _append)

    with pytest.raises(writing.ChangedDuringRename) as raised:
        writing.write_atomically(str(rc), b"mine\nblock\n", expected=b"mine\n")

    assert raised.value.content == b"mine\nexport PATH=$PATH:/opt/tool\n"
    assert raised.value.written == rc.read_bytes() == b"mine\nblock\n"


def test_a_fifo_swapped_in_before_the_rename_is_not_waited_on_and_not_replaced(tmp_path, monkeypatch):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    real_fsync = os.fsync
    swapped = []

    def fsync(descriptor):
        # Right after the new content is written, another program puts a FIFO where the file was.
        real_fsync(descriptor)
        if not swapped:
            swapped.append(True)
            rc.unlink()
            os.mkfifo(str(rc))

    monkeypatch.setattr(os, "fsync", fsync)
    # A blocking open of the FIFO would wait for a writer: the alarm ends the test instead.
    signal.signal(signal.SIGALRM, lambda *_args: pytest.fail("waited on the FIFO"))
    signal.alarm(10)
    try:
        with pytest.raises(writing.FileChanged):
            writing.write_atomically(str(rc), b"mine\nblock\n", expected=b"mine\n")
    finally:
        signal.alarm(0)
    assert swapped and stat.S_ISFIFO(os.lstat(str(rc)).st_mode)
    assert os.listdir(str(tmp_path)) == [".bashrc"]


def test_a_rewrite_nobody_else_touches_writes_once(tmp_path, monkeypatch):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    renames = []
    real_rename = os.rename
    monkeypatch.setattr(os, "rename", lambda source, target: renames.append(target) or real_rename(source, target))

    assert writing.rewrite(str(rc), lambda content: content + b"block\n") == (b"mine\n", b"mine\nblock\n")
    assert renames == [str(rc)] and rc.read_bytes() == b"mine\nblock\n"


def test_rewrite_reads_again_and_keeps_what_another_program_appended_meanwhile(tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"mine\n")
    seen = []

    def add_block(content):
        seen.append(content)
        if len(seen) == 1:  # another program appends between our read and our rename
            with open(str(rc), "ab") as handle:
                handle.write(b"export PATH=$PATH:/opt/tool\n")
        return content + b"block\n"

    before, after = writing.rewrite(str(rc), add_block)

    assert seen == [b"mine\n", b"mine\nexport PATH=$PATH:/opt/tool\n"]
    assert rc.read_bytes() == after == b"mine\nexport PATH=$PATH:/opt/tool\nblock\n"
    assert before == b"mine\nexport PATH=$PATH:/opt/tool\n"
    assert os.listdir(str(tmp_path)) == [".bashrc"]


def test_rewrite_gives_up_naming_the_file_when_it_keeps_changing(tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"")

    def add_block(content):
        with open(str(rc), "ab") as handle:
            handle.write(b"# again\n")
        return content + b"block\n"

    with pytest.raises(writing.FileChanged, match="3 attempts") as raised:
        writing.rewrite(str(rc), add_block, attempts=3)

    assert raised.value.filename == str(rc)
    assert rc.read_bytes() == b"# again\n" * 3


def test_leftovers_of_a_killed_write_are_removed_and_nothing_else(tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_bytes(b"x")
    # What write_atomically's mkstemp names them: "." + the file's name + "." + 8 characters + ".tmp".
    leftovers = [tmp_path / "..bashrc.a1b2c3d_.tmp", tmp_path / "..bashrc.zzzzzzzz.tmp"]
    for leftover in leftovers:
        leftover.write_bytes(b"\0" * 1024)
    others = [tmp_path / "..bashrc.notours.tmp", tmp_path / "..zshrc.a1b2c3d4.tmp", tmp_path / ".bashrc.backup"]
    for other in others:
        other.write_bytes(b"keep")
    (tmp_path / "..bashrc.abcdefgh.tmp").mkdir()

    removed = writing.remove_leftovers(str(rc))

    assert sorted(removed) == sorted(str(p) for p in leftovers)
    assert all(p.read_bytes() == b"keep" for p in others)
    assert (tmp_path / "..bashrc.abcdefgh.tmp").is_dir() and rc.read_bytes() == b"x"


def test_check_replaceable_refuses_a_parent_that_is_a_file_naming_it(tmp_path):
    (tmp_path / "conf.d").write_bytes(b"")

    with pytest.raises(writing.NotADirectory) as raised:
        writing.check_replaceable(str(tmp_path / "conf.d" / "recro_sso.fish"))

    assert str(
        raised.value
    ) == "{0}: is a regular file, not a directory (to hold {1}): refused, nothing was changed".format(
        tmp_path / "conf.d", tmp_path / "conf.d" / "recro_sso.fish"
    )
    assert writing.check_replaceable(str(tmp_path / "new" / "dir" / "file")) is None


def test_check_replaceable_refuses_a_directory_it_cannot_write(shared_tmp_path):
    locked = shared_tmp_path / "locked"
    locked.mkdir()
    os.chmod(str(locked), 0o555)
    # Root may write anywhere: as root, check as nobody (what acting_as does for a user).
    nobody = pwd.getpwnam("nobody")
    account = user_files.Account.from_passwd(nobody) if os.geteuid() == 0 else user_files.find_account()
    try:
        with user_files.acting_as(account):
            with pytest.raises(PermissionError, match="cannot create or replace files in"):
                writing.check_replaceable(str(locked / "file"))
    finally:
        os.chmod(str(locked), 0o700)


@pytest.mark.parametrize("limit", [0, 1, 4096, (1 << 16) + 3, None])
def test_a_read_with_a_limit_returns_at_most_that_many_bytes_from_the_start(tmp_path, limit):
    content = bytes(range(256)) * 1024  # 256 KiB, several reads
    path = tmp_path / "big"
    path.write_bytes(content)
    assert user_files.read_bytes(str(path), limit) == (content if limit is None else content[:limit])


def test_a_path_option_means_the_users_home_and_must_be_absolute():
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

    alice = user_files.Account("alice", 1000, 1000, "/home/alice")
    # Root acting for alice: $HOME is hers, not root's.
    for given in ("~/.aws/config", "$HOME/.aws/config", "${HOME}/.aws/config"):
        assert user_files.config_path(given, alice, {}) == "/home/alice/.aws/config"
    assert user_files.config_path("/etc/aws/config", alice, {}) == "/etc/aws/config"
    for given in ("relative/config", "~bob/.aws/config", "config"):
        with pytest.raises(ParameterError, match=r"^path: .* is not an absolute path or one under ~/"):
            user_files.config_path(given, alice, {})
