# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a user's real shells end up with: the proof that a managed block works is the
shell itself, not a scan of the file."""

from __future__ import annotations

import subprocess

# The flags that make each shell read what a person's terminal reads.
_INTERACTIVE = {"bash": "-ic", "zsh": "-ic"}
_LOGIN_INTERACTIVE = {"bash": "-lic", "zsh": "-lic", "fish": "-lc"}


def shell_prints(shell, command, env, cwd=None, login=False, timeout=60):
    """What ``command`` prints in a real interactive (``login``: login and interactive)
    ``shell`` started with ``env`` (HOME among it) in ``cwd``, stdin closed, TERM=dumb."""
    flag = (_LOGIN_INTERACTIVE if login else _INTERACTIVE)[shell]
    return subprocess.run(
        [shell, flag, command],
        env=dict(env, TERM="dumb"),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=timeout,
        check=False,
    ).stdout


def exported_profile(shell, env, cwd=None, login=False):
    """``AWS_PROFILE`` as a real interactive ``shell`` of the user ends up with."""
    return shell_prints(shell, 'printf %s "$AWS_PROFILE"', env, cwd=cwd, login=login)
