# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An ansible-pull (and a Python) that another user may run, for the tests where root
schedules the drift run for a throwaway user: the schedule refuses an ansible-pull its
user cannot execute."""

from __future__ import annotations

import fcntl
import functools
import importlib.metadata
import os
import shutil
import stat
import subprocess

import pytest
from ansible.release import __version__ as ansible_version

from ansible_collections.recro.aws_sso.tests.support.playbooks import REPOSITORY


def ansible_pull_the_user_can_run():
    """An ansible-pull every user may run, made once and kept: this checkout's Python lives
    under /root, which no other user may enter, so a virtual environment of Debian's
    /usr/bin/python3 in the repository's .cache (every directory up to it others may enter)
    with the ansible-core running here and its dependencies at the versions running here
    (pip takes them from its cache). Built under a lock: xdist's workers build it once."""
    system_python = "/usr/bin/python3"
    if not os.stat(system_python).st_mode & stat.S_IXOTH:
        pytest.fail("{0} is not executable by other users".format(system_python))
    base = REPOSITORY / ".cache" / "ansible-pull-for-others"
    environment = base / "ansible-core-{0}".format(ansible_version)
    made = environment / "made"  # written last: an environment without it is a killed build
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(str(base), 0o755)
    with open(str(base / ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            shutil.rmtree(str(environment), ignore_errors=True)
            pins = base / "pins.txt"
            pins.write_text(
                "".join(
                    "{0}=={1}\n".format(dist.metadata["Name"], dist.version)
                    for dist in importlib.metadata.distributions()
                    if dist.metadata["Name"]
                )
            )
            for argv in (
                [system_python, "-m", "venv", str(environment)],
                [str(environment / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(pins)]
                + ["ansible-core=={0}".format(ansible_version)],
            ):
                built = subprocess.run(
                    argv,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=600,
                    check=False,
                    preexec_fn=functools.partial(os.umask, 0o022),  # others may read and run it
                )
                assert built.returncode == 0, built.stdout
            made.write_text("")
    return environment / "bin"
