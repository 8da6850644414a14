# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running a program as a user, within a deadline: ``systemctl --user``, ``launchctl``,
``notify-send``, ``aws --version``. Standard library only.

Not ``AnsibleModule.run_command``: the program runs with the user's ids (a ``preexec_fn``)
and is stopped at its deadline, which run_command cannot do."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files

# The return codes of a program that did not end by its deadline and of one that could not
# start, as timeout(1) and the shells report them, so that "not 0" means "did not work".
TIMED_OUT = 124
CANNOT_START = 127
# Seconds a program's output is still read after it ended: what it started in the background
# ("sleep 60 &" in a .bashrc) may hold the pipe open, and is stopped after that.
AFTER_EXIT = 1.0
# Bytes of a program's output kept: its last ones (what the callers read comes last: a version,
# an error, the environment after a marker). More is read and dropped, so that a program that
# prints without end until its deadline costs no more memory than this.
OUTPUT_LIMIT = 1 << 20


def run(account, argv, environment, timeout, switch=True):
    """A ``subprocess.CompletedProcess`` of ``argv`` run as ``account``: stdin on /dev/null,
    stdout and stderr together as text, in the user's home (``/`` without one), with
    ``environment``. With ``switch`` false, ``argv`` takes the user's ids itself (as
    ``launchctl asuser ... sudo -u`` does). A program still running after ``timeout`` seconds is
    killed with every process it started (:data:`TIMED_OUT`); one that cannot start gives
    :data:`CANNOT_START`; either way ``stdout`` says what happened."""
    try:
        process = subprocess.Popen(  # pylint: disable=ansible-bad-function,consider-using-with
            argv,
            env=environment,
            cwd=account.home if os.path.isdir(account.home) else "/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=files.child_as(account) if switch else None,
            # Its own process group, so that the deadline stops what it started too.
            start_new_session=True,
        )
    except OSError as error:
        return subprocess.CompletedProcess(argv, CANNOT_START, "{0}: {1}".format(argv[0], error.strerror or error))
    output, finished = _read_until_exit(process, time.monotonic() + timeout)
    if not finished:
        _stop(process)
        return subprocess.CompletedProcess(argv, TIMED_OUT, "{0} did not answer within {1} s".format(argv[0], timeout))
    if not process.stdout.closed:
        _stop(process)  # what it left running in the background, holding the pipe
    return subprocess.CompletedProcess(argv, process.wait(), output.decode("utf-8", "replace"))


def _read_until_exit(process, deadline):
    """``(output, finished)``: what ``process`` printed until it ended and its output closed,
    or :data:`AFTER_EXIT` seconds after it ended (the pipe is then left open: the caller
    stops what holds it), or until ``deadline`` (``finished`` false: it is still running).
    Of the output, only the last :data:`OUTPUT_LIMIT` bytes are kept."""
    kept, descriptor, ended_at = bytearray(), process.stdout.fileno(), None
    while True:
        now = time.monotonic()
        if ended_at is None and process.poll() is not None:
            ended_at = now
        limit = deadline if ended_at is None else min(deadline, ended_at + AFTER_EXIT)
        if now >= limit:
            return bytes(kept), ended_at is not None
        ready = select.select([descriptor], [], [], min(limit - now, 0.2))[0]
        if ready:
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:  # every writer has closed it
                process.stdout.close()
                process.wait()
                return bytes(kept), True
            kept += chunk
            if len(kept) > OUTPUT_LIMIT:
                del kept[: len(kept) - OUTPUT_LIMIT]


def _stop(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:  # the group is gone already
        process.kill()
    # Not communicate(): a process that left the group may hold the pipe open for ever.
    process.stdout.close()
    process.wait()
