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
    C(${XDG_STATE_HOME:-~/.local/state}/recro-aws-sso/pull.log) (C(XDG_STATE_HOME) of the user the module runs as,
    when absolute, as the XDG base directory specification has it; one with a control character is refused).
    When the user's systemd manager is reachable
    (C(XDG_RUNTIME_DIR/bus) or C(XDG_RUNTIME_DIR/systemd/private) exists), the module runs
    C(systemctl --user daemon-reload) and C(enable --now) as the user; otherwise it creates the
    C(timers.target.wants) symlink as C(systemctl enable) would, and the timer starts at the user's next login.
  - On macOS, a launchd agent C(~/Library/LaunchAgents/com.recro.aws-sso.pull.plist) logging to
    C(~/Library/Logs/recro-aws-sso/pull.log), loaded with C(launchctl bootstrap gui/UID) when the module runs on macOS.
  - The repository is checked out in C(~/.local/state/recro-aws-sso/checkout) (on Linux under C(XDG_STATE_HOME) when
    set), since ansible-pull cannot pass a path with a space, such as C(~/Library/Application Support), to git.
  - Every value is validated before any file is touched and written with the quoting of the file it lands in
    (systemd's Exec quoting, a plist, C(sh) quoting in the agent's command).
  - Every file of the schedule (its kind, owner and directory, the log directory) is checked before the first is
    written, and they are written all or none. Files are written atomically as O(user), mode C(0600) (the job's
    environment may name something private), holding a lock on their directory (O(lock_timeout)); temporary files a
    killed run left are removed.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.ACTION_MODULE
  - recro.aws_sso.user_config
  - recro.aws_sso.user_config.lock_timeout
options:
  state:
    description:
      - V(present) installs (or corrects) the schedule, V(absent) disables it and removes its files.
      - With V(absent), the job is stopped and unloaded while its files are still there (C(systemctl --user stop) and
        C(disable) of the timer, or C(launchctl bootout) of a loaded agent), then its files are removed, then
        C(systemctl --user daemon-reload) runs; RV(msg) says what each program did, and a failure is warned about.
      - With V(absent), what the job's runs left is removed too, once the job is gone (also when it already was), its
        log and ansible-pull's checkout of the repository (a copy of the organisation's playbooks). One that cannot be
        removed is warned about, naming it. A run of the job itself (ansible-pull running a playbook that
        offboards) leaves the checkout it runs from, and says so.
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
        are refused, and never shown (a password, or any user name of an https, http, git or file URL, where a token
        is often given as the user name); use an SSH key or a git credential helper. Required with O(state=present).
      - The only C(@) it may hold follows a plain SSH user name (letters, digits, C(. _ -)) at its start, as in
        C(git@host:path) or C(ssh://git@host/path); any other (C(user:p@ss@host:path), C(https://user:pa/ss@host/r))
        is refused as credentials, everything before its last C(@) hidden. C(https:/host/path), with one slash, is
        refused as no git URL (git would take C(https) for a host).
    type: str
  pull_branch:
    description: The branch (or tag) to check out.
    type: str
    default: main
  pull_playbook:
    description:
      - The playbook, relative to the repository's root, of letters, digits and C(. _ / + -) (ansible-pull splits
        its command line at spaces).
    type: str
    default: playbooks/drift.yml
  pull_extra_vars:
    description:
      - Extra variables for the playbook (names, and scalar values without line breaks). They win over the defaults
        C(recro_sso_drift_mode=enforce) and C(recro_sso_hosts=localhost).
      - They are words of the job's command line, which every user of the host may read while it runs and ansible-pull
        writes to its log; a value with a URL with credentials is refused, and no value should be a secret (use
        O(environment)).
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
      - It, and the interpreter its C(#!) line names, must be executable by O(user); otherwise the module fails.
    type: path
  environment:
    description:
      - Environment variables for the job, for example C(ANSIBLE_COLLECTIONS_PATH) so the pulled playbook finds
        this collection, or C(PATH). With O(path) given, C(AWS_CONFIG_FILE) is set to it.
    type: dict
    default: {}
notes:
  - In diff mode the files are shown without the user info of any URL (a file written before such URLs were refused
    may hold a token) and without the value of each C(Environment=) line of a unit or C(EnvironmentVariables) entry
    of a plist.
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

import contextlib
import os
import platform as host_platform
import shutil

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common import writing
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import activation
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units as schedule_files


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
    )


def layout_of(module):
    platform = module.params["platform"] or host_platform.system()
    account = module.account
    # The user's own environment only: root acting for a user does not take its own for hers.
    state_home = os.environ.get("XDG_STATE_HOME") if account.uid == os.geteuid() else None
    return schedule_files.Layout(account.home, platform, schedule_files.state_home(state_home))


@contextlib.contextmanager
def as_user(module, consequence="", **result):
    """Run the block as the user and fail the module after switching back."""
    with module.failing_on(consequence=consequence, **result):
        with user_files.acting_as(module.account):
            yield


def read_current(layout, paths):
    """Each file's text (None when absent), every target checked before any write:
    the files, the log directory, and the wants link's directory."""
    current = {}
    for path in paths:
        writing.check_replaceable(path, private=True)  # written with mode 0600 (apply)
        data = user_files.read_bytes(path)
        current[path] = None if data is None else data.decode("utf-8", "replace")
    writing.check_directory(layout.log_directory)
    if layout.platform == "Linux":
        writing.check_directory(os.path.dirname(layout.wants_link))
    return current


def write_file(path, before, after):
    """Replace ``path``, read as ``before`` (None: absent), with the text ``after``."""
    data = after.encode("utf-8")
    writing.rewrite(path, lambda _content: data, before=None if before is None else before.encode("utf-8"), mode=0o600)


def restore(done, current, wanted):
    """Put each file of ``done`` (written by this run, as ``wanted`` says) back as it was
    (``current``), removing it from ``done``; one that cannot be stays in ``done``."""
    for path in reversed(list(done)):
        try:
            if current[path] is None:
                writing.remove_file(path)
            else:
                write_file(path, wanted[path], current[path])
        except OSError:
            return
        done.remove(path)


def apply(module, layout, paths, current, wanted, done_before=""):
    """Write (or, without ``wanted``, remove) the schedule's files as the user; leftovers of a
    killed run go. Written all or none: when one cannot be written, those written before are
    put back. A failure names its file and says what is changed: the files this call could
    not put back, after ``done_before`` (what the run did first, such as stopping the job)."""
    done = []

    def step(path):
        if wanted:
            writing.make_directories(layout.log_directory, 0o700)
            writing.make_directories(layout.unit_directory, 0o755)
        if wanted and current[path] != wanted[path]:
            write_file(path, current[path], wanted[path])
            done.append(path)
        elif not wanted and current[path] is not None:
            writing.remove_file(path)
            done.append(path)
        writing.remove_leftovers(path)

    def remove_wants_link(_path):
        if not wanted and layout.platform == "Linux":
            writing.remove_file(layout.wants_link)

    for path, action in [(path, step) for path in paths] + [(getattr(layout, "wants_link", None), remove_wants_link)]:
        try:
            with user_files.acting_as(module.account):
                action(path)
        except Exception as error:  # pylint: disable=broad-exception-caught  # failing_on below says what it is
            if wanted:
                with user_files.acting_as(module.account):
                    restore(done, current, wanted)
            if done:
                verb = "written" if wanted else "removed"
                said = "{0}; already {1}: {2}".format(done_before, verb, ", ".join(done))
            else:
                said = done_before or "; nothing was changed"
            with as_user(module, said, path=path, files=paths, changed=bool(done_before or done)):
                raise error


def remove(module, layout, paths, current):
    """Remove the schedule's files as the user (state=absent), once its job is stopped."""
    apply(module, layout, paths, current, {}, "; the job was stopped first")


def hide_url_secrets(module):
    """A URL with credentials is refused; they must not come back in the result's invocation either."""
    for secret in (
        schedule_files.url_credentials(module.params["pull_url"]),
        schedule_files.url_query(module.params["pull_url"]),
    ):
        if secret:
            module.no_log_values.add(secret)


def file_diffs(paths, current, wanted):
    """The diff of each file that changes, without what the files may hold that is private."""
    return [
        dict(
            before=schedule_files.shown_file(current[path] or ""),
            after=schedule_files.shown_file(wanted.get(path) or ""),
            before_header=path,
            after_header=path,
        )
        for path in paths
        if current[path] != wanted.get(path)
    ]


def summary(module, done, messages, leftovers):
    """The result's message: what was (or would be) done to the job and to what its runs left
    (``done``: present, changed, job_changed, outputs, running_from), then ``messages``."""
    verb = "would be " if module.check_mode else ""
    lines = list(messages)
    if done["present"]:
        lines.insert(0, "Schedule {0}written.".format(verb) if done["changed"] else "Schedule unchanged.")
    else:
        lines.insert(0, "Schedule {0}removed.".format(verb) if done["job_changed"] else "No schedule to remove.")
        if done["outputs"]:
            removal = "Would remove" if module.check_mode else "Removed"
            lines.insert(1, "{0} what its runs left: {1}.".format(removal, ", ".join(done["outputs"])))
        for path in done["running_from"]:
            lines.append("{0} is left: this run was pulled into it (remove it once the run is over).".format(path))
    if leftovers:
        lines.append("Would remove the temporary files a killed run left: {0}.".format(", ".join(leftovers)))
    return " ".join(lines)


def main():
    module = RecroModule(argument_spec=argument_spec())
    hide_url_secrets(module)
    params = module.params
    present = params["state"] == "present"
    command, wanted = None, {}
    with module.failing_on(consequence="; nothing was changed"):
        layout = layout_of(module)
        if present:
            analyze = shutil.which("systemd-analyze") if layout.platform == "Linux" else None
            config_file = module.config_path if params["path"] else None
            command, wanted = schedule_files.planned_files(params, layout, config_file, analyze)
    paths = sorted(wanted) if present else schedule_files.schedule_paths(layout)
    with contextlib.ExitStack() as held:
        with as_user(module, "; nothing was changed", files=paths):
            if present:
                schedule_files.check_runnable("ansible_pull", command[0], module.account.name)
            held.enter_context(writing.locked_directories(paths, params["lock_timeout"]))
            current = read_current(layout, paths)
            link_there = layout.platform == "Linux" and os.path.lexists(layout.wants_link)
            named = [] if present else schedule_files.job_output_paths(layout, current)
            outputs = [path for path in named if os.path.lexists(path)]
            running_from = [path for path in outputs if schedule_files.running_from(path)]
            outputs = [path for path in outputs if path not in running_from]
            # What a killed run left beside the files: a run removes it, check mode names it.
            leftovers = (
                [leftover for path in paths for leftover in writing.leftovers(path)] if module.check_mode else []
            )
        diffs = file_diffs(paths, current, wanted)
        # A timer not linked into timers.target.wants is enabled again: a change, in check mode too.
        needs_link = present and layout.platform == "Linux" and not link_there
        job_changed = bool(diffs) or (link_there and not present) or needs_link
        changed = job_changed or bool(outputs)
        messages, warnings = [], []
        if not module.check_mode and job_changed and not present:
            # Stopped and disabled while its files are there, then removed, then the manager reloaded.
            messages, warnings = activation.deactivate(
                module.account, layout, lambda: remove(module, layout, paths, current)
            )
        elif not module.check_mode:
            apply(module, layout, paths, current, wanted)
        if outputs and not module.check_mode:
            # Once the job is gone: what cannot be removed is warned about, the job stays removed.
            with user_files.acting_as(module.account):
                outputs, failures = schedule_files.remove_job_output(outputs)
            warnings += ["{0}: not removed: {1}".format(error.filename, error.strerror) for error in failures]
    if not module.check_mode and changed and present:
        consequence = "; the schedule's files were written, but the job was not enabled"
        manager_file = layout.wants_link if layout.platform == "Linux" else layout.plist
        with module.failing_on(path=manager_file, consequence=consequence, files=paths, changed=True):
            messages, warnings = activation.activate(module.account, layout)
    for warning in warnings:
        module.warn(warning)
    done = dict(present=present, changed=changed, job_changed=job_changed, outputs=outputs, running_from=running_from)
    result = dict(changed=changed, files=paths, msg=summary(module, done, messages, leftovers))
    if present:
        result["command"] = command
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
