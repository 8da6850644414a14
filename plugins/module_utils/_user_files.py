# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A user's files: whose they are, where they are, and writing them safely.

Standard library only. When root edits another user's file, the work runs
with that user's effective uid, gid and groups (:func:`acting_as`): files and
directories it creates belong to the user, and a symlink the user planted
cannot make root write where the user may not.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pwd
import stat
import tempfile


class Account:
    """A local user: name, uid, primary gid and home directory."""

    def __init__(self, name, uid, gid, home):
        self.name = name
        self.uid = uid
        self.gid = gid
        self.home = home

    @classmethod
    def from_passwd(cls, entry):
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_dir)


def find_account(name=None):
    """The account called ``name``, or the one this process runs as.

    For the account this process runs as, the home is ``HOME`` when set, as for
    botocore and the AWS CLI. Raises ``KeyError`` for an unknown name.
    """
    entry = pwd.getpwuid(os.geteuid()) if name is None else pwd.getpwnam(name)
    account = Account.from_passwd(entry)
    if account.uid == os.geteuid():
        account.home = os.path.expanduser("~")
    return account


def target_account(name):
    """The account a module works for: ``name`` (or the one it runs as), which this
    process must be able to act as. Raises ``ValueError`` with the message for the user."""
    try:
        account = find_account(name)
    except KeyError:
        raise ValueError("user: {0!r} is not an account on this host".format(name))
    if os.geteuid() not in (0, account.uid):
        raise ValueError("user: {0!r}: the module runs as {1!r} and cannot act for another user; "
                         "run the task with become: true".format(name, find_account().name))
    return account


def expand_home(path, account):
    """``path`` with a leading ``~`` meaning ``account``'s home and environment
    variables expanded, as botocore expands ``AWS_CONFIG_FILE``."""
    path = os.path.expandvars(path)
    if path == "~" or path.startswith("~/"):
        return account.home + path[1:]
    return os.path.expanduser(path)


def config_path(path, account, environ):
    """The config file: ``path``, else ``AWS_CONFIG_FILE``, else ``~/.aws/config``."""
    if path:
        return expand_home(path, account)
    if environ.get("AWS_CONFIG_FILE"):
        return expand_home(environ["AWS_CONFIG_FILE"], account)
    return os.path.join(account.home, ".aws", "config")


def needs_switch(account):
    """Whether this process must act as ``account`` (it runs as root, for someone else)."""
    return os.geteuid() == 0 and account.uid != 0


@contextlib.contextmanager
def acting_as(account):
    """Run the block with ``account``'s effective ids when root acts for another user."""
    if not needs_switch(account):
        yield
        return
    saved_groups = os.getgroups()
    saved_gid = os.getegid()
    try:
        os.setgroups(os.getgrouplist(account.name, account.gid))
    except OSError:  # macOS refuses more than 16 supplementary groups
        os.setgroups([account.gid])
    os.setegid(account.gid)
    os.seteuid(account.uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(saved_gid)
        os.setgroups(saved_groups)


def read_bytes(path):
    """The content of ``path``, or ``None`` when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as error:
        if error.errno == errno.ENOENT:
            return None
        raise


def make_directories(directory, mode=0o700):
    """Create ``directory`` and missing parents with ``mode`` (not the umask's)."""
    try:
        os.mkdir(directory, mode)
    except OSError as error:
        if error.errno == errno.EEXIST and os.path.isdir(directory):
            return
        if error.errno != errno.ENOENT:
            raise
        make_directories(os.path.dirname(directory), mode)
        os.mkdir(directory, mode)
    os.chmod(directory, mode)


@contextlib.contextmanager
def locked_directory(directory):
    """Hold an exclusive lock on ``directory`` so that two runs editing a file
    in it take turns. The file itself is replaced by a rename, so its inode
    cannot carry the lock; the directory's can, and it leaves no lock file."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def write_atomically(path, data, new_file_mode=0o600):
    """Replace the file ``path`` resolves to with ``data`` by a rename in its
    directory: readers see the old or the new file, never a part. A symlink
    stays a symlink; an existing file keeps its mode (and, when root writes,
    its owner); a new file gets ``new_file_mode``. Returns the real path."""
    real_path = os.path.realpath(path)
    directory = os.path.dirname(real_path)
    try:
        current = os.stat(real_path)
    except OSError as error:
        if error.errno != errno.ENOENT:
            raise
        current = None
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(real_path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if current is None:
            os.chmod(temporary, new_file_mode)
        else:
            os.chmod(temporary, stat.S_IMODE(current.st_mode))
            if os.geteuid() == 0:
                os.chown(temporary, current.st_uid, current.st_gid)
        os.rename(temporary, real_path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_directory(directory)
    return real_path


def _sync_directory(directory):
    """Make the rename durable; not every system can fsync a directory."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
