# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writing a user's files safely: the one lock, atomic replacement, rewrites that
lose no concurrent change, leftovers of killed runs, removal.

Standard library only. Run inside :func:`_common.files.acting_as` when root works
for a user, so what is created belongs to the user. A run that only reads (every
info module, a run that finds its file as wanted) never loads this module.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import pwd
import re
import stat
import struct
import sys
import tempfile
import time

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_seconds
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import (
    FileError,
    FileRefused,
    LockTimeout,
    OwnedByOther,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.files import (
    DEFAULT_LOCK_TIMEOUT,
    check_regular,
    file_kind,
    open_regular,
    read_bytes,
    read_descriptor,
)

# What holds a secret (a token, a registration's client secret, a device code) and where it is.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700


class FileChanged(FileError):
    """Another program changed the file between the read a rewrite was computed from
    and the rename that would have replaced it: nothing was replaced (its change is
    kept). With ``attempts``, the rewrite gave up after reading it again that often.

    With ``replaced`` (only :func:`rewrite` gives up so), the rewrite did replace the file
    (its change is on disk) but another program wrote to the replaced file during a rename,
    and that write could not be made again before the rewrite gave up: it is not in the file
    (``kept``: the content the rewrite built on, that write included)."""

    def __init__(self, path, attempts=None, replaced=False, kept=None):
        self.path = path
        self.attempts = attempts
        self.replaced = replaced
        self.kept = kept
        why = "changed on disk while it was being rewritten"
        if attempts:
            why = "kept changing on disk while it was being rewritten ({0} attempts)".format(attempts)
        if replaced:
            outcome = (
                "another program is writing it; it was replaced with this run's change, but what the other "
                "program wrote to the file during a replacement is not in it (what it wrote since is kept)"
            )
        else:
            outcome = "another program is writing it; it was not replaced, so its changes are kept"
        super().__init__(errno.EAGAIN, "{0}: {1}".format(why, outcome), path)


class ChangedDuringRename(FileChanged):
    """Another program wrote to the file (appended, or rewrote it in place) after the last look
    before the rename replaced it: ``written`` is on disk now, and the other program's change is
    only in ``content``, the replaced file's. :func:`rewrite` applies its change again to
    ``content`` and writes that over ``written``."""

    def __init__(self, path, content, written):
        super().__init__(path)
        self.content = content
        self.written = written


class NotADirectory(FileError):
    """Where a directory must be (to hold ``path``), there is something else: refused
    before anything was written."""

    def __init__(self, directory, kind, path):
        self.path = directory
        needed = " (to hold {0})".format(path) if path != directory else ""
        super().__init__(
            errno.ENOTDIR,
            "is {0}, not a directory{1}: refused, nothing was changed".format(kind, needed),
            directory,
        )


class HardLinked(FileRefused):
    """The regular file ``path`` resolves to has other names (``links`` hard links in all): a
    replacement by a rename gives the new file to this name only, and the other names keep the
    old one, so it is refused before anything is written."""

    def __init__(self, path, links):  # pylint: disable=super-init-not-called
        self.path = path
        self.links = links
        self.kind = "a file with {0} hard links".format(links)
        target = os.path.realpath(path)
        what = "leads to {0}, which has".format(target) if target != os.path.abspath(path) else "has"
        FileError.__init__(  # pylint: disable=non-parent-init-called  # the parent's words are not these
            self,
            errno.EMLINK,
            "{0} {1} hard links (other names for the same file, such as a dotfiles copy): replacing it "
            "would split it from them and they would not get the change: refused, nothing was changed "
            "(make it a symbolic link to the other name instead)".format(what, links),
            path,
        )


class PrivateOwnedByRoot(OwnedByOther):
    """Root acting for a user (:func:`acting_as`) found a file holding a secret of the user's
    owned by root, in a directory that is not the user's: replacing it as the user would put
    the user's file where they do not own the directory, keeping it root's would leave it
    unreadable to the user, so it is refused before anything is written."""

    def __init__(self, path, writer):  # pylint: disable=super-init-not-called
        self.path = path
        FileError.__init__(  # pylint: disable=non-parent-init-called  # the parent's words are not these
            self,
            errno.EPERM,
            "holds a secret of {0}'s but is owned by root, in a directory that is not {0}'s: "
            "refused, nothing was changed (kept root's, {0} could not read it; give it, or its "
            "directory, to {0} or remove it first)".format(writer),
            path,
        )


_LOCK_POLL_INTERVAL = 0.1


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return "uid {0}".format(uid)


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
def locked_directory(directory, timeout=DEFAULT_LOCK_TIMEOUT, clock=time.monotonic, sleep=time.sleep, missing_ok=False):
    """Hold an exclusive lock on ``directory`` so that two runs editing a file
    in it take turns. The file itself is replaced by a rename, so its inode
    cannot carry the lock; the directory's can, and it leaves no lock file.
    The collection's one lock: the config's directory, the SSO token cache.

    Waits at most ``timeout`` seconds (polling a non-blocking lock), then
    raises :class:`LockTimeout` naming the directory; nothing has been changed then.
    With ``missing_ok``, a directory that does not exist needs no lock: there is
    nothing in it to take turns on."""
    check_seconds("lock_timeout", timeout)
    try:
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        if not (missing_ok and error.errno == errno.ENOENT):
            raise
        yield
        return
    try:
        deadline = clock() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            left = deadline - clock()
            if left <= 0:
                raise LockTimeout(directory, timeout)
            sleep(min(_LOCK_POLL_INTERVAL, left))
        yield
    finally:
        os.close(descriptor)


def check_replaceable(path, private=False):
    """The ``os.stat`` of the regular file ``path`` resolves to (``None`` when there is
    none yet), once everything :func:`write_atomically` needs is there: a regular file
    (:class:`FileRefused`) with no other name (:class:`HardLinked`), one this process may
    replace without handing it to someone else (:class:`OwnedByOther`; ``private``: a file
    written with ``mode``, see :func:`_check_owner`), and a directory to rename in, or the
    nearest existing parent to create it in, that is a directory this process may write. Only
    looks: a run that writes several files checks them all before the first write."""
    current = _check_links(path, check_regular(path))
    real_path = os.path.realpath(path)
    _check_owner(real_path, current, private)
    if current is None and os.path.islink(path) and not os.path.isdir(os.path.dirname(real_path)):
        # Creating the directory a dangling symlink points into would write where nobody asked.
        raise OSError(
            errno.ENOENT,
            "is a symbolic link to {0}, whose directory does not exist: refused".format(real_path),
            path,
        )
    check_directory(os.path.dirname(real_path), path)
    _check_directories_to_make(path)
    for target in ([real_path] if current is not None else []) + [os.path.dirname(real_path)]:
        attribute = _unchangeable(target)
        if attribute:
            raise OSError(
                errno.EPERM,
                "Operation not permitted: {0} is {1} (chattr), so it cannot be replaced".format(target, attribute),
                path,
            )
    return current


def _check_directories_to_make(path):
    """Refuse a path whose missing directories cannot be made where the path says: one of
    them exists as something else, a file or a symbolic link to nowhere (a dotfiles
    checkout not there yet), which creating the path would fail on after other writes."""
    directory = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(directory):
        if os.path.lexists(directory):
            what = (
                "a symbolic link to {0}, which does not exist".format(os.path.realpath(directory))
                if os.path.islink(directory)
                else "not a directory"
            )
            raise OSError(errno.ENOTDIR, "needs the directory {0}, which is {1}: refused".format(directory, what), path)
        directory = os.path.dirname(directory)


# Linux's FS_IOC_GETFLAGS and the flags that forbid replacing a file or changing a directory.
_GET_FLAGS = 0x80086601 if struct.calcsize("P") == 8 else 0x80046601


_IMMUTABLE, _APPEND_ONLY = 0x10, 0x20


def _unchangeable(path):
    """ "immutable" or "append-only" when ``path`` has that attribute (Linux), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return None  # what cannot be opened is reported by the write itself
    try:
        flags = struct.unpack("l", fcntl.ioctl(descriptor, _GET_FLAGS, struct.pack("l", 0)))[0]
    except OSError:  # a file system without attributes
        return None
    finally:
        os.close(descriptor)
    if flags & _IMMUTABLE:
        return "immutable"
    if flags & _APPEND_ONLY:
        return "append-only"
    return None


def check_directory(directory, path=None):
    """Refuse, before anything is written, a ``directory`` to create files in (``path``,
    default the directory itself, is what errors name) that is not a directory this process
    may write, or whose nearest existing parent, where it is to be created, is not."""
    path = path or directory
    while not os.path.lexists(directory):
        directory = os.path.dirname(directory)
    if not os.path.isdir(directory):
        status = os.stat(directory)
        raise NotADirectory(directory, file_kind(status.st_mode), path)
    if not os.access(directory, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids):
        raise OSError(errno.EACCES, "Permission denied: cannot create or replace files in {0}".format(directory), path)


def _check_links(path, current):
    """``current`` (the ``os.stat`` of what ``path`` resolves to, or ``None``), unless it is a
    file with other names (hard links): :class:`HardLinked`, since a rename splits them."""
    if current is not None and current.st_nlink > 1:
        raise HardLinked(path, current.st_nlink)
    return current


def _check_owner(real_path, current, private=False):
    """Whether the file replacing ``real_path`` (``current``: its ``os.stat``) is to be given the
    owner of the one it replaces. Root keeps the owner of a file it rewrites. Acting as a user
    (:func:`acting_as`), a file of that user or of root may be replaced (its owner is kept); one
    owned by anybody else is refused (:class:`OwnedByOther`). A ``private`` file (one holding a
    secret) of root's is the exception: kept root's, the user could no longer read it (a token
    left by an earlier ``sudo aws sso login``), so it is written as the user, their own file, when
    it is in a directory of theirs, and refused otherwise (:class:`PrivateOwnedByRoot`)."""
    if current is None or current.st_uid == os.geteuid():
        return False
    if os.geteuid() == 0:
        return True
    if current.st_uid == 0 and os.getuid() == 0:
        if not private:
            return True
        if os.stat(os.path.dirname(real_path)).st_uid == os.geteuid():
            return False
        raise PrivateOwnedByRoot(real_path, _user_name(os.geteuid()))
    raise OwnedByOther(real_path, _user_name(current.st_uid), _user_name(os.geteuid()))


# What write_atomically's caller read, when it did not say: no comparison.
_UNREAD = object()


def write_atomically(path, data, new_file_mode=0o600, mode=None, expected=_UNREAD):
    """Replace the file ``path`` resolves to with ``data`` by a rename in its
    directory: readers see the old or the new file, never a part. A symlink
    stays a symlink; an existing file keeps its mode and owner; a new file gets
    ``new_file_mode``. With ``mode`` (a file holding a secret), the new file has
    that mode whatever the old one had, set before a byte is written. Acting as a user
    (:func:`acting_as`), a file of that user or of root is kept so; one owned by anybody
    else is refused (:class:`OwnedByOther`), since replacing it would hand it to the user;
    a file holding a secret (``mode``) of root's in a directory of the user's becomes the
    user's (:func:`_check_owner`). Returns the real path. Anything but a regular file (or
    nothing) there is refused (:class:`FileRefused`), and so is a file with other names
    (:class:`HardLinked`: the rename would split them), before anything is written.

    ``expected`` is the content the caller read and computed ``data`` from (``None``:
    no file): when the file on disk is no longer that just before the rename (another
    program appended a line meanwhile), nothing is replaced and :class:`FileChanged`
    is raised, so the caller can read again (:func:`rewrite` does). When another program
    wrote to the replaced file from that last look on (the rename itself, or a file it
    held open), :class:`ChangedDuringRename` is raised after it with that file's content."""
    current = _check_links(path, check_regular(path))
    real_path = os.path.realpath(path)
    directory = os.path.dirname(real_path)
    keep_owner = _check_owner(real_path, current, private=mode is not None)
    if expected is not _UNREAD and read_bytes(path) != expected:
        raise FileChanged(real_path)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=_temporary_prefix(real_path), suffix=".tmp", dir=directory)
    except OSError as error:
        raise _naming(error, path) from None
    replaced = None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            # On the descriptor, not the name: the directory may be someone else's to rename in.
            if mode is None:
                mode = new_file_mode if current is None else stat.S_IMODE(current.st_mode)
            os.fchmod(handle.fileno(), mode)
            if current is not None and (keep_owner or os.geteuid() == 0):
                with _root_for_a_moment():
                    os.fchown(handle.fileno(), current.st_uid, current.st_gid)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if expected is not _UNREAD and expected is not None:
            # Held across the rename: whatever another program writes to the file being
            # replaced from the last look on is read back after it.
            replaced = _open_replaced(real_path)
        # The last look before the rename.
        if expected is not _UNREAD and read_bytes(path) != expected:
            raise FileChanged(real_path)
        os.rename(temporary, real_path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if replaced is not None:
            os.close(replaced)
        if isinstance(error, OSError) and error.filename in (None, temporary):
            raise _naming(error, path) from None
        raise
    _sync_directory(directory)
    if replaced is not None:
        # Read as late as may be: a program that opened the file before the rename may still
        # be writing to it, and what it writes after this read is not seen.
        try:
            late = read_descriptor(replaced)
        finally:
            os.close(replaced)
        if late != expected:
            raise ChangedDuringRename(real_path, late, data)
    return real_path


def _naming(error, path):
    """``error`` (an ``OSError`` of writing the temporary file: no space left, a quota) as one
    naming ``path``, the file being replaced: the temporary file is gone, and an error without
    a file name would be taken for one about whatever file its caller names by default."""
    if isinstance(error, FileError):
        return error
    return OSError(error.errno, error.strerror or str(error), path)


def _open_replaced(real_path):
    """A descriptor of the regular file at ``real_path`` (symlinks resolved), to read after it is
    replaced; :class:`FileChanged` when something else is there now (another program swapped it)."""
    try:
        descriptor = open_regular(real_path, follow=False)
    except FileRefused as error:
        raise FileChanged(real_path) from error
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            raise FileChanged(real_path) from error
        raise
    if descriptor is None:
        raise FileChanged(real_path)
    return descriptor


# How many times a file another program keeps changing is read again.
REWRITE_ATTEMPTS = 5


def rewrite(path, change, before=_UNREAD, attempts=REWRITE_ATTEMPTS, **options):
    """Write ``change(content)`` over ``path`` (content: the file's bytes, ``None``
    when absent), comparing before the rename that the file is still what ``change``
    was given (``before``, when the caller has already read it); when another program
    changed it meanwhile, read it again and apply ``change`` to what is there now, at
    most ``attempts`` times, then raise :class:`FileChanged`. A change another program
    made to the replaced file during the rename is not lost either: it is kept, with what
    the program adds to the file afterwards on top of it, ``change`` is applied to that
    and written over what the rename put there. A rewrite never gives up right after such
    a rename without trying to write what it kept (up to ``attempts`` more times); when it
    still cannot, :class:`FileChanged` says that the file was replaced and what is not in it.
    ``options`` go to :func:`write_atomically`. Returns ``(before, after)`` of the write
    that counted (equal when there was nothing to change)."""
    # ``before``: what ``change`` is applied to, every other program's change included;
    # ``on_disk``: what the file holds, as far as this run knows. After a ChangedDuringRename
    # (``late``) they differ: the other program's change is only in ``before`` until written.
    on_disk = before
    stale = before is _UNREAD
    late = False
    tries = 0
    while True:
        if tries >= attempts and not (late and tries < 2 * attempts):
            raise FileChanged(os.path.realpath(path), tries, replaced=late, kept=before if late else None)
        if stale:
            now = read_bytes(path)
            before = _on_top(path, before, on_disk, now, tries) if late else now
            on_disk, stale = now, False
        after = change(before)
        if after == on_disk:
            return before, after
        tries += 1
        try:
            write_atomically(path, after, expected=on_disk, **options)
            return before, after
        except ChangedDuringRename as error:
            # What the other program wrote is in the replaced file: on top of what this run
            # saw there (an append), or over it (a rewrite in place, taken as it is).
            before = _on_top(path, before, on_disk, error.content, tries, None if late else error.content)
            on_disk, late = error.written, True
        except FileChanged:
            stale = True


def _on_top(path, base, seen, now, tries, written_over=None):
    """``base`` with what another program added to the file since it held ``seen``: when ``now``
    extends ``seen`` (an append), what follows ``seen`` goes on top of ``base``. A file written
    over instead is ``written_over`` when given; otherwise ``base`` holds a change of another
    program that is not on disk and cannot be put on top of ``now``: :class:`FileChanged` says
    that the file was replaced and that change is not in it."""
    if seen is not None and now is not None and now.startswith(seen):
        return base + now[len(seen) :]
    if written_over is not None:
        return written_over
    raise FileChanged(os.path.realpath(path), tries, replaced=True, kept=base)


def _temporary_prefix(real_path):
    return "." + os.path.basename(real_path) + "."


def leftovers(path):
    """The temporary files a killed run of :func:`write_atomically` left beside ``path``
    (``.NAME.XXXXXXXX.tmp``, regular files), sorted: what :func:`remove_leftovers` removes."""
    real_path = os.path.realpath(path)
    directory = os.path.dirname(real_path)
    pattern = re.compile(re.escape(_temporary_prefix(real_path)) + r"[A-Za-z0-9_]{8}\.tmp\Z")
    try:
        names = os.listdir(directory)
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return []
        raise
    found = []
    for name in sorted(names):
        leftover = os.path.join(directory, name)
        if pattern.match(name) and stat.S_ISREG(os.lstat(leftover).st_mode):
            found.append(leftover)
    return found


def remove_leftovers(path):
    """Remove the temporary files a killed run of :func:`write_atomically` left beside
    ``path`` (:func:`leftovers`) that this process may remove. Call it only while holding
    :func:`locked_directory` on their directory, so that no other run of the collection is
    writing one. Returns the paths removed."""
    removed = []
    for leftover in leftovers(path):
        os.unlink(leftover)
        removed.append(leftover)
    return removed


@contextlib.contextmanager
def _root_for_a_moment():
    """Root's effective uid for one call when root acts as a user (see :func:`acting_as`)."""
    euid = os.geteuid()
    if euid == 0:
        yield
        return
    os.seteuid(0)
    try:
        yield
    finally:
        os.seteuid(euid)


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


@contextlib.contextmanager
def locked_directories(paths, timeout=DEFAULT_LOCK_TIMEOUT):
    """:func:`locked_directory` on the directory of each file of ``paths`` (after
    symlinks), each once and in one order, so that two runs wanting the same ones cannot
    each hold what the other waits for. A directory not there yet needs no lock. An
    error names the file whose directory could not be opened."""
    directories = {}
    for path in paths:
        directories.setdefault(os.path.dirname(os.path.realpath(path)), path)
    with contextlib.ExitStack() as stack:
        for directory in sorted(directories):
            # What is not a directory, or not one this process may write, is named as such.
            check_directory(directory, directories[directory])
            try:
                stack.enter_context(locked_directory(directory, timeout, missing_ok=True))
            except FileError:
                raise
            except OSError as error:
                raise OSError(
                    error.errno,
                    "{0}: cannot open {1}, the directory it is in, to lock it".format(error.strerror, directory),
                    directories[directory],
                ) from None
        yield sorted(directories)


def remove_file(path):
    """Delete ``path`` (the link itself when it is a symlink); ``True`` when something
    was deleted, ``False`` when there was nothing."""
    try:
        os.unlink(path)
    except OSError as error:
        if error.errno == errno.ENOENT:
            return False
        raise
    return True


def write_private_file(path, data):
    """Write ``data`` to ``path`` atomically, 0600 from the first byte in a 0700
    directory, as the caller's effective ids (run inside ``files.acting_as``): a file
    holding a secret, the user's own even where root owned the one it replaces (see
    :func:`_check_owner`). Refuses a target that is not a regular file, or has hard links."""
    directory = os.path.dirname(path)
    make_directories(directory, PRIVATE_DIRECTORY_MODE)
    os.chmod(directory, PRIVATE_DIRECTORY_MODE)
    write_atomically(path, data, mode=PRIVATE_FILE_MODE)


@contextlib.contextmanager
def locked_private_directory(directory, timeout, check_mode=False):
    """Hold the collection's one lock (:func:`locked_directory`) on ``directory`` of
    private files, such as the SSO token cache (created 0700 unless in check mode),
    waiting up to ``timeout`` seconds for another run (then ``LockTimeout``). In check
    mode a directory that does not exist is not locked: nothing is in it."""
    if not check_mode:
        make_directories(directory, PRIVATE_DIRECTORY_MODE)
    with locked_directory(directory, timeout, missing_ok=True):
        yield
