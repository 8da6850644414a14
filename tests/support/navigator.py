# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the tests and the benchmarks run a playbook in the execution environment,
as an AWX or Automation Platform job does: ansible-navigator in stdout mode,
with the image already in Podman's store (no registry is reached)."""

from __future__ import annotations


def run_command(navigator, playbook, image, log_file, inventory):
    """The argv of ``ansible-navigator run``; paths are relative to the project
    directory it runs in (the one it mounts into the container)."""
    return [
        navigator,
        "run",
        playbook,
        "--mode",
        "stdout",
        "--eei",
        image,
        "--pull-policy",
        "never",
        "--ee",
        "true",
        "--ce",
        "podman",
        "--pae",
        "false",
        "--lf",
        log_file,
        "-i",
        inventory,
    ]
