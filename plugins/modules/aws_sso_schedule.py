#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_schedule
short_description: Make a laptop correct its AWS SSO settings itself, with C(ansible-pull) on a schedule
version_added: 0.2.0
description:
  - Installs, for O(user), a job that runs C(ansible-pull) of the organisation's playbook repository on a schedule,
    by default the collection's drift playbook in enforce mode for the local host
    (C(recro_sso_drift_mode=enforce), C(recro_sso_hosts=localhost)), so a laptop that was off when a central job ran
    still corrects itself.
  - On Linux, a systemd user service and timer in C(~/.config/systemd/user) (C(recro-aws-sso-pull.service) and
    C(.timer), C(Persistent=true) so a missed run happens at the next boot). The output goes to
    C(${XDG_STATE_HOME:-~/.local/state}/recro-aws-sso/pull.log). When the user's systemd manager is reachable
    (C(XDG_RUNTIME_DIR/bus) or C(XDG_RUNTIME_DIR/systemd/private) exists), the module runs
    C(systemctl --user daemon-reload) and C(enable --now) as the user; otherwise it creates the
    C(timers.target.wants) symlink as C(systemctl enable) would, and the timer starts at the user's next login.
  - On macOS, a launchd agent C(~/Library/LaunchAgents/com.recro.aws-sso.pull.plist) logging to
    C(~/Library/Logs/recro-aws-sso/pull.log), loaded with C(launchctl bootstrap gui/UID) when the module runs on macOS.
  - Every value is validated before any file is touched and written with the quoting of the file it lands in
    (systemd's Exec quoting, a plist, C(sh) quoting in the agent's command).
  - Files are written atomically as O(user), mode C(0644) (they hold no secret).
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.ACTION_MODULE
  - recro.aws_sso.user_config
options:
  state:
    description: V(present) installs (or corrects) the schedule, V(absent) disables it and removes its files.
    type: str
    choices: [present, absent]
    default: present
  schedule:
    description:
      - V(daily), V(hourly), V(weekly), or on Linux a systemd calendar expression (C(OnCalendar=)), checked with
        C(systemd-analyze calendar) when that is installed. On macOS only the three words.
    type: str
    default: daily
  pull_url:
    description:
      - The git URL of the playbook repository (https, ssh, git, file, or C(user@host:path)). Credentials in the URL
        are refused; use an SSH key or a git credential helper. Required with O(state=present).
    type: str
  pull_branch:
    description: The branch (or tag) to check out.
    type: str
    default: main
  pull_playbook:
    description: The playbook, relative to the repository's root.
    type: str
    default: playbooks/drift.yml
  pull_extra_vars:
    description:
      - Extra variables for the playbook (names, and scalar values without line breaks). They win over the defaults
        C(recro_sso_drift_mode=enforce) and C(recro_sso_hosts=localhost).
    type: dict
    default: {}
  randomized_delay:
    description: A random delay of up to this many seconds before each run, so a fleet does not pull at once.
    type: int
    default: 3600
  platform:
    description: Which kind of job to write. Default is the system the module runs on.
    type: str
    choices: [Linux, Darwin]
  ansible_pull:
    description:
      - The C(ansible-pull) the job runs (absolute path). Default is the one next to the Python running the module
        (a virtual environment's C(bin)), else the first on C(PATH).
    type: path
  environment:
    description:
      - Environment variables for the job, for example C(ANSIBLE_COLLECTIONS_PATH) so the pulled playbook finds
        this collection, or C(PATH). With O(path) given, C(AWS_CONFIG_FILE) is set to it.
    type: dict
    default: {}
notes:
  - The job runs C(ansible-pull --url URL --checkout BRANCH --directory DIR --inventory localhost, --extra-vars JSON
    PLAYBOOK); RV(command) is its exact argv.
"""

EXAMPLES = r"""
- name: Correct drift every day from the organisation's repository
  recro.aws_sso.aws_sso_schedule:
    user: alice
    schedule: daily
    pull_url: https://git.example.com/platform/laptops.git
    environment:
      ANSIBLE_COLLECTIONS_PATH: /opt/ansible/collections
  become: true

- name: Stop the schedule (offboarding)
  recro.aws_sso.aws_sso_schedule:
    user: alice
    state: absent
  become: true
"""

RETURN = r"""
files:
  description: The files of the schedule (written, unchanged, or removed with O(state=absent)).
  returned: always
  type: list
  elements: str
  sample: [/home/alice/.config/systemd/user/recro-aws-sso-pull.service, /home/alice/.config/systemd/user/recro-aws-sso-pull.timer]
command:
  description: The argv the timer (or agent) runs.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [/usr/bin/ansible-pull, --url, https://git.example.com/laptops.git, --checkout, main, --directory,
           /home/alice/.local/state/recro-aws-sso/checkout, --inventory, "localhost,", --extra-vars,
           '{"recro_sso_drift_mode":"enforce","recro_sso_hosts":"localhost"}', playbooks/drift.yml]
msg:
  description: What the module did.
  returned: always
  type: str
"""

import os
import platform as host_platform
import shutil
import subprocess

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import user_and_path
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units as schedule_files
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import remove_file


def argument_spec():
    return dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        schedule=dict(type="str", default="daily"),
        pull_url=dict(type="str"),
        pull_branch=dict(type="str", default="main"),
        pull_playbook=dict(type="str", default="playbooks/drift.yml"),
        pull_extra_vars=dict(type="dict", default={}),
        randomized_delay=dict(type="int", default=3600),
        platform=dict(type="str", choices=["Linux", "Darwin"]),
        ansible_pull=dict(type="path"),
        environment=dict(type="dict", default={}),
        user=dict(type="str"),
        path=dict(type="str"),
    )


def as_user(account):
    """A preexec function that makes a child process run as ``account``."""
    if not user_files.needs_switch(account):
        return None

    def switch():
        os.setgroups(os.getgrouplist(account.name, account.gid))
        os.setgid(account.gid)
        os.setuid(account.uid)

    return switch


def run_as(account, argv, runtime_dir):
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime_dir, HOME=account.home)
    return subprocess.run(
        argv,
        preexec_fn=as_user(account),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        check=False,
    )


def runtime_dir_of(account):
    if account.uid == os.geteuid() and os.environ.get("XDG_RUNTIME_DIR"):
        return os.environ["XDG_RUNTIME_DIR"]
    return "/run/user/{0}".format(account.uid)


def manager_reachable(runtime_dir):
    return any(os.path.exists(os.path.join(runtime_dir, name)) for name in ("bus", os.path.join("systemd", "private")))


def plan(module, account):
    params = module.params
    platform = params["platform"] or host_platform.system()
    state_home = os.environ.get("XDG_STATE_HOME") if account.uid == os.geteuid() else None
    layout = schedule_files.Layout(account.home, platform, state_home)
    if params["state"] == "absent":
        return layout, None, {}
    if not params["pull_url"]:
        module.fail_json(msg="pull_url is required with state=present")
    analyze = shutil.which("systemd-analyze") if platform == "Linux" else None
    environment = dict(params["environment"])
    if params["path"]:
        environment["AWS_CONFIG_FILE"] = user_files.expand_home(params["path"], account)
    ansible_pull = params["ansible_pull"] or schedule_files.find_ansible_pull()
    try:
        if not ansible_pull:
            raise ParameterError("ansible_pull", None, "not given, and no ansible-pull was found")
        schedule_files.validate_path("ansible_pull", ansible_pull)
        schedule = schedule_files.validate_schedule(params["schedule"], analyze)
        if platform == "Darwin":
            schedule_files.launchd_interval(schedule)
        command = schedule_files.pull_command(
            ansible_pull,
            schedule_files.validate_pull_url(params["pull_url"]),
            schedule_files.validate_branch(params["pull_branch"]),
            schedule_files.validate_playbook(params["pull_playbook"]),
            schedule_files.validate_extra_vars(params["pull_extra_vars"]),
            layout.checkout,
        )
        delay = schedule_files.validate_delay(params["randomized_delay"])
        schedule_files.validate_environment(environment)
        for value in (layout.log_file, layout.checkout):
            schedule_files.validate_path("user", value)
    except ParameterError as error:
        module.fail_json(msg=to_native(error))
    return layout, command, schedule_files.render_files(layout, command, schedule, delay, environment)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    # A URL with a password is refused, and the password must not come back in
    # the result's invocation either.
    credentials = schedule_files.url_credentials(module.params["pull_url"])
    if credentials:
        module.no_log_values.add(credentials)
    account, _config = user_and_path(module)
    layout, command, wanted = plan(module, account)
    paths = (
        sorted(wanted)
        if command
        else ([layout.plist] if layout.platform == "Darwin" else [layout.service, layout.timer])
    )
    diffs, changed, messages = [], False, []
    try:
        with user_files.acting_as(account):
            current = {}
            for path in paths:
                user_files.check_regular(path)
                data = user_files.read_bytes(path)
                current[path] = None if data is None else data.decode("utf-8", "replace")
            link_missing = layout.platform == "Linux" and command is not None and not os.path.lexists(layout.wants_link)
            for path in paths:
                after = wanted.get(path)
                if current[path] != after:
                    changed = True
                    diffs.append(
                        dict(before=current[path] or "", after=after or "", before_header=path, after_header=path)
                    )
            if layout.platform == "Linux" and command is None and os.path.lexists(layout.wants_link):
                changed = True
            if module.check_mode or not (changed or link_missing):
                pass
            elif command is not None:
                user_files.make_directories(layout.log_directory, 0o700)
                user_files.make_directories(layout.unit_directory, 0o755)
                for path in paths:
                    if current[path] != wanted[path]:
                        user_files.write_atomically(path, wanted[path].encode("utf-8"), new_file_mode=0o644)
            else:
                for path in paths:
                    if current[path] is not None:
                        remove_file(path)
                if layout.platform == "Linux":
                    remove_file(layout.wants_link)
    except (IOError, OSError) as error:
        module.fail_json(msg="{0} (as user {1!r})".format(to_native(error), account.name), files=paths)
    if not module.check_mode and (changed or link_missing):
        messages += activate(module, account, layout, command is not None)
        changed = True
    verb = "would be " if module.check_mode else ""
    if command is None:
        messages.insert(0, "Schedule {0}removed.".format(verb) if changed else "No schedule to remove.")
    else:
        messages.insert(0, "Schedule {0}written.".format(verb) if changed else "Schedule unchanged.")
    result = dict(changed=changed, files=paths, msg=" ".join(messages))
    if command is not None:
        result["command"] = command
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


def activate(module, account, layout, present):
    """Tell the service manager; returns messages."""
    if layout.platform == "Darwin":
        if host_platform.system() != "Darwin":
            return ["Not on macOS: the agent was written, not loaded."]
        domain = "gui/{0}".format(account.uid)
        run_as(account, ["launchctl", "bootout", domain + "/" + schedule_files.LAUNCHD_LABEL], "")
        if present:
            done = run_as(account, ["launchctl", "bootstrap", domain, layout.plist], "")
            if done.returncode != 0:
                module.warn("launchctl bootstrap {0} failed: {1}".format(domain, done.stdout.strip()))
                return ["The agent was written; launchctl could not load it."]
            return ["Loaded into {0}.".format(domain)]
        return []
    runtime_dir = runtime_dir_of(account)
    if manager_reachable(runtime_dir) and shutil.which("systemctl"):
        reload = ["systemctl", "--user", "daemon-reload"]
        if present:
            steps = [reload, ["systemctl", "--user", "enable", "--now", schedule_files.TIMER_NAME]]
        else:
            steps = [["systemctl", "--user", "disable", "--now", schedule_files.TIMER_NAME], reload]
        for step in steps:
            done = run_as(account, step, runtime_dir)
            if done.returncode != 0:
                module.warn("{0} failed: {1}".format(" ".join(step), done.stdout.strip()))
        return ["Timer enabled." if present else "Timer disabled."]
    if present:
        with user_files.acting_as(account):
            user_files.make_directories(os.path.dirname(layout.wants_link), 0o755)
            if not os.path.lexists(layout.wants_link):
                os.symlink(layout.timer, layout.wants_link)
        return [
            "The user's systemd manager is not running: the timer was enabled with the timers.target.wants "
            "symlink and starts at the user's next login."
        ]
    return []


if __name__ == "__main__":
    main()
