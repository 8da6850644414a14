# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Another program acting at an exact point of a module's work, every time, not by luck:
inotify (Linux) reports the module's reads and creations, and a thread acts on them."""

from __future__ import annotations

import ctypes
import os
import select
import struct
import threading
import time

IN_CLOSE_NOWRITE = 0x10


def on_inotify(path, mask, action, wanted=lambda name: True, timeout=120):
    """Run ``action`` in a thread as soon as inotify reports ``mask`` on ``path`` (for a
    directory, for an entry whose name ``wanted`` accepts)."""
    return on_each_inotify(path, mask, [action], wanted, timeout)


def on_each_inotify(path, mask, actions, wanted=lambda name: True, timeout=120):
    """Run ``actions[0]`` at the first event as for :func:`on_inotify`, ``actions[1]`` at
    the second, and so on; the thread ends after the last (or at ``timeout``)."""
    libc = ctypes.CDLL(None, use_errno=True)
    descriptor = libc.inotify_init1(os.O_NONBLOCK)
    assert descriptor >= 0, os.strerror(ctypes.get_errno())
    assert libc.inotify_add_watch(descriptor, str(path).encode(), mask) >= 0, os.strerror(ctypes.get_errno())
    pending = list(actions)

    def watch():
        deadline = time.monotonic() + timeout
        try:
            while pending and time.monotonic() < deadline:
                if not select.select([descriptor], [], [], max(0, deadline - time.monotonic()))[0]:
                    return
                events = os.read(descriptor, 65536)
                while events and pending:
                    length = struct.unpack_from("iIII", events)[3]
                    name = events[16 : 16 + length].rstrip(b"\0").decode()
                    events = events[16 + length :]
                    if wanted(name):
                        pending.pop(0)()
        finally:
            os.close(descriptor)

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


def after_first_read(path, action):
    """``action`` once a process has read ``path`` and closed it (IN_CLOSE_NOWRITE): another
    program writing to the file between the module's read and its rename."""
    return on_inotify(path, IN_CLOSE_NOWRITE, action)


def after_each_read(path, actions):
    """``actions[n]`` after the module's ``n+1``-th read of ``path``: another program
    writing to it however many times the module reads it before its rename."""
    return on_each_inotify(path, IN_CLOSE_NOWRITE, actions)
