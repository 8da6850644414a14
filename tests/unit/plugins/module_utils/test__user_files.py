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
import stat
import subprocess
import sys
import tempfile

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils import _user_files as user_files

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switching users and owners needs root; CI runs as root")


def mode_of(path):
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


def test_config_path_prefers_path_then_environment_then_home():
    alice = user_files.Account("alice", 1000, 1000, "/home/alice")
    assert user_files.config_path("~/cfg", alice, {"AWS_CONFIG_FILE": "/x"}) == "/home/alice/cfg"
    assert user_files.config_path(None, alice, {"AWS_CONFIG_FILE": "~/.aws/other"}) == "/home/alice/.aws/other"
    assert user_files.config_path(None, alice, {"AWS_CONFIG_FILE": ""}) == "/home/alice/.aws/config"
    assert user_files.config_path(None, alice, {}) == "/home/alice/.aws/config"


def test_write_keeps_the_mode_and_goes_through_a_symlink(tmp_path):
    target = tmp_path / "dotfiles" / "config"
    target.parent.mkdir()
    target.write_bytes(b"old")
    os.chmod(str(target), 0o640)
    link = tmp_path / "config"
    link.symlink_to(target)
    written = user_files.write_atomically(str(link), b"new")
    assert written == str(target)
    assert link.is_symlink() and os.readlink(str(link)) == str(target)
    assert target.read_bytes() == b"new"
    assert mode_of(target) == 0o640
    assert sorted(os.listdir(str(target.parent))) == ["config"]  # no temporary file left behind


def test_new_file_is_0600_and_new_directories_0700_whatever_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        user_files.make_directories(str(tmp_path / "a" / ".aws"))
        user_files.write_atomically(str(tmp_path / "a" / ".aws" / "config"), b"x")
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
        user_files.write_atomically(str(path), b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(str(tmp_path)) == ["config"]


def test_the_directory_lock_excludes_another_process(tmp_path):
    probe = ("import fcntl, os, sys\n"
             "descriptor = os.open(sys.argv[1], os.O_RDONLY)\n"
             "try:\n"
             "    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
             "except OSError:\n"
             "    sys.exit(3)\n")
    with user_files.locked_directory(str(tmp_path)):
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
        user_files.make_directories(str(home / ".aws"))
        user_files.write_atomically(str(home / ".aws" / "config"), b"x")
        with pytest.raises(PermissionError):
            user_files.write_atomically(str(tmp_path / "roots-file"), b"x")
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
    user_files.write_atomically(str(path), b"new")
    assert (os.stat(str(path)).st_uid, os.stat(str(path)).st_gid) == (nobody.pw_uid, nobody.pw_gid)
