# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plays the end-to-end tests run, and the person who answers them at the browser."""

from __future__ import annotations

import pathlib
import threading
import time

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]

# playbooks/onboard.yml (what `make onboard` runs), then a play that saves recro_sso_result.
ONBOARD = """
- name: Onboard
  ansible.builtin.import_playbook: {onboard}

- name: Save what the role did
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Save recro_sso_result
      ansible.builtin.copy:
        content: "{{{{ recro_sso_result | to_json }}}}"
        dest: "{{{{ results_file }}}}"
        mode: "0600"
""".format(onboard=REPOSITORY / "playbooks" / "onboard.yml")


def approve_when_asked(oidc, deny=False, after=0.0):
    """The person at the browser, in a thread: approves (or denies) the first code the
    stand-in sso-oidc service ``oidc`` shows, ``after`` seconds after it appears."""

    def act():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            codes = oidc.pending_user_codes()
            if codes:
                time.sleep(after)
                (oidc.deny if deny else oidc.approve)(codes[0])
                return
            time.sleep(0.1)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread
