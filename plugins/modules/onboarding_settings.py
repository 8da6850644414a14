#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The documentation of the action plugin plugins/action/onboarding_settings.py, which does the work
# on the controller (it gathers facts on the host only when the play did not).

from __future__ import annotations

DOCUMENTATION = r"""
module: onboarding_settings
short_description: The recro_sso role's settings for one host, checked before anything is written
version_added: 0.2.0
description:
  - The first task of the C(recro.aws_sso.recro_sso) role. It works out, for one host, the platform, the user whose
    files the role manages, whether the run only reports, and the list of shells; and fails, naming each setting and
    its value, when a setting cannot work on this host (an unsupported platform, a default profile name the AWS tools
    or shells read differently, a schedule without a repository, a CLI install on a system that packages no AWS CLI
    v2).
  - Runs on the controller from the host's facts. When the play gathered none (C(gather_facts=false)), it gathers the
    minimal subset (C(ansible.builtin.setup) with C(gather_subset=min)) in the same task and returns them, as
    C(ansible.builtin.setup) would.
  - Its interface follows the role's variables; outside the role, prefer the role itself.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.INFO_MODULE
options:
  platform:
    description: C(recro_sso_platform). Default is the facts' C(system).
    type: str
  user:
    description:
      - C(recro_sso_user). Default is the user the facts were gathered as; when that is root reached through sudo,
        the user who ran sudo (C(SUDO_USER)).
    type: str
  report_only:
    description: C(recro_sso_report_only). The result's RV(check_only) is true with it or in check mode.
    type: bool
    default: false
  shells:
    description: C(recro_sso_shells), as a list or a comma-separated string.
    type: raw
    default: []
  default_profile:
    description: C(recro_sso_default_profile), checked to be a name every AWS tool and shell reads the same way.
    type: raw
    required: true
  state:
    description: C(recro_sso_state).
    type: str
    choices: [present, absent]
    default: present
  schedule:
    description: C(recro_sso_schedule); a value other than V(never) needs O(pull_url).
    type: raw
  pull_url:
    description: C(recro_sso_pull_url).
    type: str
  install_cli:
    description: C(recro_sso_install_cli); refused on a system that packages no AWS CLI v2 the role installs.
    type: bool
    default: false
attributes:
  action:
    description: Runs on the controller, as an action plugin.
    support: full
  async:
    description: Supports being used with the C(async) keyword.
    support: none
seealso:
  - module: ansible.builtin.setup
"""

EXAMPLES = r"""
- name: Check the settings
  recro.aws_sso.onboarding_settings:
    user: alice
    default_profile: recrocog-admin
    shells: bash,zsh
  register: settings

- name: Show whose files the role manages
  ansible.builtin.debug:
    msg: "{{ settings.user }} on {{ settings.platform }}"
"""

RETURN = r"""
platform:
  description: The platform whose account conventions apply.
  returned: success
  type: str
  sample: Linux
user:
  description: The user whose files the role manages.
  returned: success
  type: str
  sample: alice
check_only:
  description: Whether the writing tasks run in check mode (only reporting).
  returned: success
  type: bool
  sample: false
shells:
  description: The shells asked for; empty for the user's login shell and the shells in use.
  returned: success
  type: list
  elements: str
  sample: [bash, zsh]
needs_become:
  description:
    - Whether a task that must run as the user (Homebrew refuses root) becomes the user.
    - True when the play runs as root for another user.
  returned: success
  type: bool
  sample: true
ansible_facts:
  description: The minimal facts, when the task gathered them.
  returned: when the play had gathered no facts and the settings are usable
  type: dict
  sample: {system: Linux, user_id: alice}
"""
