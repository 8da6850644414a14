# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The two kinds of refusal every module of the collection reports the same way.

Standard library only. :class:`ParameterError`: a value the collection will not use
(an option, an item of one, a field of a file), named with the value. The file errors
(:class:`FileRefused`, :class:`OwnedByOther`, :class:`LockTimeout`) are ``OSError``s that
name their path and say that nothing was read or changed. ``RecroModule.fail_on`` turns
each into one message (``_common.module``)."""

from __future__ import annotations

import errno
import os
import re

NOTHING_CHANGED = "nothing was changed"

# A URL's user info, wherever the URL stands in a value: what comes after the scheme's "://"
# (or its ":" when one "/" follows, "https:/user:pw@host", a form git does not read as a URL)
# up to the last "@" before the next URL or the line's end, spaces, "/", "?" and "#" included:
# a password may hold a "/" ("https://user:SEC/RET@host"), and where the host ends is then
# ambiguous, so more is hidden rather than less ("https://h/p@q" shows "https://<user info>@q").
# It may be a password, or a token given as the user name ("https://ghp_...@github.com"),
# so no refusal shows it; groups: the scheme, the user info.
_NEXT_URL = r"[A-Za-z][A-Za-z0-9+.-]*:/"
URL_USER_INFO = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)(?:://|:(?=/))((?:(?!" + _NEXT_URL + r")[^\r\n])*)@")


def _hidden(found):
    """One :data:`URL_USER_INFO` match with its user info replaced by ``<user info>``."""
    return found.group(0)[: found.start(2) - found.start(0)] + "<user info>@"


def hide_url_user_info(value):
    """``value`` as a message may show it: the user info of every URL in it (in a string,
    or in the strings of a list, tuple or dict) replaced by ``<user info>``."""
    if isinstance(value, str):
        return URL_USER_INFO.sub(_hidden, value) if "@" in value else value
    if isinstance(value, list):
        return [hide_url_user_info(item) for item in value]
    if isinstance(value, tuple):
        return tuple(hide_url_user_info(item) for item in value)
    if isinstance(value, dict):
        return dict((hide_url_user_info(key), hide_url_user_info(item)) for key, item in value.items())
    return value


class ParameterError(ValueError):
    """A value refused before anything is done: ``"<parameter>: <value!r> <problem>"``.

    ``parameter`` names where the value came from: an option (``sso_session``), an item
    of one (``profiles[2].name``) or a field of a file or answer. ``value`` is kept as
    it may be shown: without the user info of any URL in it (:func:`hide_url_user_info`)."""

    def __init__(self, parameter, value, problem):
        self.parameter = parameter
        self.value = value = hide_url_user_info(value)
        self.problem = problem
        super().__init__("{0}: {1!r} {2}".format(parameter, value, problem))


class FileError(OSError):
    """A file the collection refuses; ``str()`` is ``"<path>: <why>"``."""

    def __str__(self):
        return "{0}: {1}".format(self.filename, self.strerror)


class FileRefused(FileError):
    """After symlinks, ``path`` is not a regular file (a device, FIFO, directory,
    socket): nothing was opened, read or changed. ``role`` says what the file is to
    the collection (``"token cache"``), when that helps the reader."""

    def __init__(self, path, kind, role=None):
        self.path = path
        self.kind = kind
        target = os.path.realpath(path)
        what = "leads to {0}, which is".format(target) if target != os.path.abspath(path) else "is"
        subject = "the {0} file ".format(role) if role else ""
        super().__init__(
            errno.EINVAL,
            "{0}{1} {2}, not a regular file: refused, nothing was read or changed".format(subject, what, kind),
            path,
        )


class OwnedByOther(FileError):
    """The file belongs to someone other than the user the module writes for (or root)."""

    def __init__(self, path, owner, writer):
        self.path = path
        super().__init__(
            errno.EPERM,
            "is owned by {0}, not by {1} or root: refused, nothing was changed "
            "(replacing it would hand it to {1}; give it to {1} or remove it first)".format(owner, writer),
            path,
        )


class LockTimeout(FileError):
    """Another run held the lock on a directory longer than ``lock_timeout``."""

    def __init__(self, path, timeout):
        self.path = path
        self.timeout = timeout
        super().__init__(
            errno.EWOULDBLOCK,
            "another run has held the lock on this directory for more than {0} s (lock_timeout); "
            "nothing was changed".format(timeout),
            path,
        )


class ServiceError(Exception):
    """A call to AWS (or to the stand-in of a service) that failed, timed out or answered
    what cannot be used. The message names the call and, where it matters, the field,
    and is fit to show: no token, secret or device code (``_aws.clients.describe``)."""
