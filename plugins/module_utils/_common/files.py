# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A user's files: whose they are, where they are, and reading them safely.

Standard library only. When root edits another user's file, the work runs
with that user's effective uid, gid and groups (:func:`acting_as`): files and
directories it creates belong to the user, and a symlink the user planted
cannot make root read or write where the user may not. Writing is in
``_common.writing``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
import re
import stat

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_single_line
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import (
    FileRefused,
    ParameterError,
)

# How long a run waits for another run's lock on a directory (_common.writing), by default:
# here, so that the modules' lock_timeout option does not load the code that writes.
DEFAULT_LOCK_TIMEOUT = 15


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode):
    """What ``mode`` (an ``st_mode``) is, in words: ``a regular file``, ``a FIFO (named pipe)``..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file (mode {0:o})".format(stat.S_IFMT(mode))


def check_regular(path):
    """The ``os.stat`` of what ``path`` resolves to, or ``None`` when nothing is
    there (or a dangling symlink); raises :class:`FileRefused` for anything but a
    regular file. Only stats: never opens, so it cannot block."""
    try:
        status = os.stat(path)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise
    if not stat.S_ISREG(status.st_mode):
        raise FileRefused(path, file_kind(status.st_mode))
    return status


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
    process must be able to act as, and whose home directory exists (a user without one
    is refused, never given a new one). Raises :class:`ParameterError` naming ``user``."""
    try:
        account = find_account(name)
    except KeyError:
        raise ParameterError("user", name, "is not an account on this host") from None
    if os.geteuid() not in (0, account.uid):
        raise ParameterError(
            "user",
            name,
            "is another user than the one the module runs as ({0!r}): run the task with become: true".format(
                find_account().name
            ),
        )
    if not os.path.isdir(account.home):
        raise ParameterError(
            "user",
            account.name,
            "has no home directory ({0} is not a directory): refused, nothing was created".format(account.home),
        )
    return account


# $HOME and ${HOME}, as the user's own shell would expand them (a pattern, compiled only
# for a path that has a "$": every module loads this file).
_HOME_VARIABLE = r"\$(?:HOME\b|\{HOME\})"


def expand_home(path, account, parameter=None):
    """``path`` with a leading ``~`` and ``$HOME`` meaning ``account``'s home (root acting
    for a user means the user's, not its own) and other environment variables expanded, as
    botocore expands ``AWS_CONFIG_FILE``. A path given as option ``parameter`` must come out
    absolute and may not name another user's home (``~bob/``): :class:`ParameterError`."""
    if "$" in path:
        path = re.sub(_HOME_VARIABLE, lambda match: account.home, path)
    path = os.path.expandvars(path)
    if path == "~" or path.startswith("~/"):
        return account.home + path[1:]
    if parameter is not None:
        check_path_form(parameter, path, account.name)
    return os.path.expanduser(path)


def check_path_form(parameter, path, user_name=None):
    """Raise :class:`ParameterError` unless ``path`` (option ``parameter``, with its variables
    expanded) is absolute or under ``~/``, the home of ``user_name`` (None: not known yet, as on the
    controller): never relative to wherever the module runs, nor another user's home (``~bob/``)."""
    if path == "~" or path.startswith("~/") or (os.path.isabs(path) and not path.startswith("~")):
        return
    home = "the home of user {0!r}".format(user_name) if user_name else "the user's home"
    raise ParameterError(parameter, path, "is not an absolute path or one under ~/ ({0})".format(home))


def config_path(path, account, environ):
    """The config file: ``path`` (option O(path)), else ``AWS_CONFIG_FILE``, else ``~/.aws/config``
    (:func:`aws_file_path`)."""
    return aws_file_path(path, account, environ, "path", "AWS_CONFIG_FILE", ".aws/config")


def credentials_path(given, account, environ):
    """The credentials file botocore reads for ``account``: ``given`` (a module's
    ``credentials_path`` option), else ``AWS_SHARED_CREDENTIALS_FILE``, else
    ``~/.aws/credentials`` (:func:`aws_file_path`)."""
    return aws_file_path(given, account, environ, "credentials_path", "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")


def aws_file_path(given, account, environ, parameter, variable, default):
    """A file the AWS tools read for ``account``: ``given`` (the option ``parameter``, ``~`` the
    account's home), else the environment ``variable`` of ``environ`` when the module runs as
    ``account`` (the environment is then the account's own), else ``default`` in the account's
    home. Root working for another user never takes its own environment's file for the user's."""
    # One line, as given and as expanded: the path goes into messages, and into the export line
    # of the user's rc files that names the config file (aws_sso_shell).
    if given:
        return check_single_line(parameter, expand_home(check_single_line(parameter, given), account, parameter))
    # The real uid: root's effective one is the user's while it acts for her (acting_as).
    if environ.get(variable) and os.getuid() == account.uid:
        return check_single_line(variable, expand_home(check_single_line(variable, environ[variable]), account))
    return os.path.join(account.home, default)


def needs_switch(account):
    """Whether this process must act as ``account`` (it runs as root, for someone else)."""
    return os.geteuid() == 0 and account.uid != 0


def _set_groups(account):
    try:
        os.setgroups(os.getgrouplist(account.name, account.gid))
    except OSError:  # macOS refuses more than 16 supplementary groups
        os.setgroups([account.gid])


@contextlib.contextmanager
def acting_as(account):
    """Run the block with ``account``'s effective ids when root acts for another user."""
    if not needs_switch(account):
        yield
        return
    saved_groups = os.getgroups()
    saved_gid = os.getegid()
    _set_groups(account)
    os.setegid(account.gid)
    os.seteuid(account.uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(saved_gid)
        os.setgroups(saved_groups)


def read_bytes(path, limit=None):
    """The content of ``path`` (at most ``limit`` bytes from its start), or ``None`` when it
    does not exist. Refuses (:class:`FileRefused`) anything but a regular file after symlinks:
    stat first, then open it with :func:`open_regular`, so a FIFO or device cannot make it hang."""
    if check_regular(path) is None:
        return None
    descriptor = open_regular(path)
    if descriptor is None:
        return None
    try:
        return read_descriptor(descriptor, limit)
    finally:
        os.close(descriptor)


def open_regular(path, follow=True):
    """A read-only descriptor of the regular file ``path``, or ``None`` when it does not exist.
    Opened without blocking and checked again once open (the path may have changed since it was
    looked at), so a FIFO or device cannot make it hang: :class:`FileRefused` for anything else.
    ``follow=False``: a symlink there is refused by the system (OSError ELOOP)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ENOENT:
            return None
        raise
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise FileRefused(path, file_kind(mode))
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_descriptor(descriptor, limit=None):
    """The bytes of the open file ``descriptor`` from where it stands (at most ``limit``)."""
    chunks, left = [], limit
    while left is None or left > 0:
        chunk = os.read(descriptor, 1 << 16 if left is None else min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        left = None if left is None else left - len(chunk)
    return b"".join(chunks)


def child_as(account):
    """A ``preexec_fn`` that makes a child process run as ``account`` (all its ids and
    groups) when root works for another user; None otherwise."""
    if not needs_switch(account):
        return None

    def switch():
        _set_groups(account)
        os.setgid(account.gid)
        os.setuid(account.uid)

    return switch
