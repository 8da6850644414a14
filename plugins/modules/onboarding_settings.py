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
  - Runs on the controller from the host's facts. When the play gathered none (C(gather_facts=false)), it asks the
    host the two it reads in one shell command, in the same task (no module runs), its system (C(uname -s)) and the
    user it runs as (as C(ansible_facts.user_id) says it, and C(SUDO_USER) under sudo). These are not returned as
    facts. With O(install_cli), which also reads the distribution, it gathers the minimal subset instead
    (C(ansible.builtin.setup) with C(gather_subset=min)) and returns them, as C(ansible.builtin.setup) would.
  - Returns the role's decisions for the host in RV(plan), whether the run may wait for a person at a browser, whether
    the config writes prune, which profiles are listed.
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
    description:
      - C(recro_sso_schedule); a value other than V(never) needs O(pull_url).
      - With O(state=present), the schedule is then checked on the host by M(recro.aws_sso.aws_sso_schedule) in check
        mode (which writes nothing), before any task of the role writes, so that what only the host can tell (the
        calendar expression by C(systemd-analyze), launchd's three words on macOS, an ansible-pull the user can run)
        fails the settings check naming C(recro_sso_schedule).
    type: raw
  pull_url:
    description: C(recro_sso_pull_url); with a schedule, checked by the rules of M(recro.aws_sso.aws_sso_schedule).
    type: str
  pull_branch:
    description: C(recro_sso_pull_branch); with a schedule, checked by the rules of M(recro.aws_sso.aws_sso_schedule).
    type: raw
    default: main
  pull_playbook:
    description: C(recro_sso_pull_playbook); with a schedule, checked by the rules of M(recro.aws_sso.aws_sso_schedule).
    type: raw
    default: playbooks/drift.yml
  session_name:
    description: C(recro_sso_session_name), checked by the rule every module applies to a session name.
    type: raw
    default: recro
  install_cli:
    description: C(recro_sso_install_cli); refused on a system that packages no AWS CLI v2 the role installs.
    type: bool
    default: false
  login:
    description:
      - C(recro_sso_login). V(auto) may wait for a person only where one can answer, a local connection whose
        ansible-playbook has a terminal (stdin or stdout) and no C(CI), C(JOB_ID) or C(AWX_*) environment variable
        on the controller; V(refresh) never starts a login; V(never) does not log in.
    type: str
    choices: [auto, always, refresh, never]
    default: auto
  login_flow:
    description: C(recro_sso_login_flow).
    type: str
    choices: [device_code, pkce]
    default: device_code
  login_force:
    description: C(recro_sso_login_force).
    type: bool
    default: false
  notify:
    description: C(recro_sso_notify), whether a run that nobody watches tells the person on the desktop.
    type: bool
    default: true
  profiles:
    description: C(recro_sso_profiles).
    type: list
    elements: dict
    default: []
  account_id:
    description: C(recro_sso_account_id), the shortcut for the profile O(default_profile).
    type: raw
  prune:
    description: C(recro_sso_prune).
    type: bool
    default: false
  discover:
    description: C(recro_sso_discover).
    type: bool
    default: true
  verify_identity:
    description: C(recro_sso_verify_identity).
    type: bool
    default: true
  login_warning_window:
    description: C(recro_sso_login_warning_window), seconds before refreshing the login ends from which the role warns.
    type: int
    default: 259200
  login_timeout:
    description: C(recro_sso_login_timeout), the seconds a login waits for the person; 0 to a year.
    type: raw
    default: 600
  discover_query:
    description: C(recro_sso_discover_query); with O(discover), checked as a JMESPath expression where jmespath is installed.
    type: raw
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
plan:
  description:
    - The decisions the settings make for this host, which the role's tasks pass on.
    - C(login) (the mode), C(may_wait) (this run may start a login and wait for a person), C(notify) (a login only a
      browser can renew is told on the desktop), C(profiles) (the listed profiles, one per name), C(prune_first) and
      C(prune) (whether the config writes before and after a new login prune), and the settings the role's steps
      read (C(flow), C(force), C(check_only), C(discover), C(default_profile), C(verify_identity), C(schedule),
      C(warning_window)).
  returned: success
  type: dict
  sample: {login: auto, may_wait: true, notify: false, prune_first: false, prune: false, profiles: []}
schedule_options:
  description:
    - The options of M(recro.aws_sso.aws_sso_schedule) for O(schedule) on this host, which the role's schedule task
      passes on; null when the role leaves the schedule alone (no O(schedule), or O(state=absent)).
    - C(state) is C(absent) for V(never); otherwise it is C(present), with C(schedule) and C(pull_url), and was run in
      check mode on the host before this task returned.
  returned: success
  type: dict
  sample: {state: present, schedule: daily, pull_url: "https://git.example.com/platform/workstations.git",
           pull_branch: main, pull_playbook: playbooks/drift.yml, pull_extra_vars: {recro_sso_login: refresh},
           platform: Linux, user: alice}
facts_from:
  description:
    - Where the facts the settings read came from, C(play) (the play had gathered them), C(question) (the one shell
      command on the host) or C(setup) (the minimal subset, gathered for O(install_cli)).
  returned: always
  type: str
  sample: question
ansible_facts:
  description: The minimal facts, when the task gathered them.
  returned: when it gathered them with C(ansible.builtin.setup) (O(install_cli) in a play without facts) and the
    settings are usable
  type: dict
  sample: {system: Linux, user_id: alice}
"""
