# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""recro.aws_sso.onboarding_settings: the recro_sso role's settings for one host, on the controller. One
task instead of three (learn the few facts it reads when the play has none, work out the values, fail
on bad settings): each task costs every host of a fleet a worker process. The rules are in
plugins/plugin_utils/_onboarding.py."""

from __future__ import annotations

import os
import subprocess

from ansible.plugins.action import ActionBase

from ansible_collections.recro.aws_sso.plugins.plugin_utils import _onboarding

ARGUMENT_SPEC = dict(
    platform=dict(type="str"),
    user=dict(type="str"),
    report_only=dict(type="bool", default=False),
    shells=dict(type="raw", default=[]),
    default_profile=dict(type="raw", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    schedule=dict(type="raw"),
    pull_url=dict(type="str"),
    pull_branch=dict(type="raw", default="main"),
    pull_playbook=dict(type="raw", default="playbooks/drift.yml"),
    session_name=dict(type="raw", default="recro"),
    install_cli=dict(type="bool", default=False),
    login=dict(type="str", choices=list(_onboarding.LOGIN_MODES), default="auto"),
    login_flow=dict(type="str", choices=["device_code", "pkce"], default="device_code"),
    login_force=dict(type="bool", default=False),
    notify=dict(type="bool", default=True),
    profiles=dict(type="list", elements="dict", default=[]),
    account_id=dict(type="raw"),
    prune=dict(type="bool", default=False),
    discover=dict(type="bool", default=True),
    verify_identity=dict(type="bool", default=True),
    login_warning_window=dict(type="int", default=_onboarding.DEFAULT_WARNING_WINDOW),
    login_timeout=dict(type="raw", default=600),
    discover_query=dict(type="raw"),
    # What every config write takes: checked by aws_sso_profile's rules before any task writes.
    start_url=dict(type="raw"),
    session_region=dict(type="raw"),
    registration_scopes=dict(type="raw"),
    region=dict(type="raw"),
    output=dict(type="raw"),
    role_name=dict(type="raw"),
    profile_settings=dict(type="raw"),
    profile_name_template=dict(type="raw"),
    config_path=dict(type="raw"),
)
# Hosts that are the controller itself whatever their connection (as Ansible's implicit localhost).
LOCAL_NAMES = ("localhost", "127.0.0.1")
# A terminal device's path as /proc shows an open file.
TERMINAL_PREFIXES = ("/dev/pts/", "/dev/tty", "/dev/console")
FACT_PREFIX = "ansible_"


def controller_has_terminal():
    """Whether ansible-playbook on the controller reads from or writes to a terminal (``make onboard``,
    also piped through tee, has one; a timer's run logs to a file with stdin on /dev/null). This runs
    in one of its worker processes, which Ansible detaches from the terminal (new session, stdio on
    /dev/null): the process that forked it, ansible-playbook itself, is the one to ask. On Linux
    its stdin or stdout as /proc shows them; elsewhere (macOS) whether it has a controlling
    terminal, as ps shows it. A timer, a launchd agent, an AWX job or a pipeline has neither."""
    parent = os.getppid()
    descriptors = "/proc/{0}/fd".format(parent)
    if os.path.isdir(descriptors):
        try:
            targets = [os.readlink("{0}/{1}".format(descriptors, fd)) for fd in (0, 1)]
        except OSError:
            return False
        return any(target.startswith(TERMINAL_PREFIXES) for target in targets)
    try:
        terminal = subprocess.run(
            ["ps", "-o", "tty=", "-p", str(parent)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            universal_newlines=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return terminal not in ("", "?", "??")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        settings = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]

        facts = dict(task_vars.get("ansible_facts") or {})
        result["facts_from"] = _onboarding.facts_to_gather(facts, settings["install_cli"])
        if result["facts_from"] == "setup":
            gathered = self._execute_module(
                module_name="ansible.legacy.setup", module_args=dict(gather_subset=["min"]), task_vars=task_vars
            )
            if gathered.get("failed"):
                return dict(result, **gathered)
            new_facts = gathered.get("ansible_facts") or {}
            result["ansible_facts"] = new_facts
            # The result keeps the facts hidden unless asked for, as setup's does.
            result["_ansible_verbose_override"] = True
            facts.update(
                (name[len(FACT_PREFIX) :] if name.startswith(FACT_PREFIX) else name, value)
                for name, value in new_facts.items()
            )
        elif result["facts_from"] == "question":
            # Not published as facts: a few of setup's names would pass for the whole set.
            answer = self._low_level_execute_command(_onboarding.HOST_QUESTION)
            try:
                facts.update(_onboarding.host_facts(answer.get("rc"), answer.get("stdout")))
            except ValueError as error:
                return dict(result, failed=True, msg=str(error))

        # The connection plugin's transport, not the name it was chosen by: ansible_connection may
        # name it as local, ansible.builtin.local or ansible.legacy.local, or the play's keyword.
        local = self._connection.transport == "local" or task_vars.get("inventory_hostname") in LOCAL_NAMES
        attended = _onboarding.person_can_answer(local, local and controller_has_terminal(), os.environ)
        values = _onboarding.host_settings(
            settings, facts, check_mode=task_vars.get("ansible_check_mode", False), attended=attended
        )
        errors = values.pop("errors")
        # Only from usable settings: a refused pull URL may carry credentials.
        values["schedule_options"] = (
            None
            if errors
            else _onboarding.schedule_options(dict(settings, user=values["user"], platform=values["platform"]))
        )
        if (values["schedule_options"] or {}).get("state") == "present":
            errors = self._schedule_errors(values["schedule_options"], task_vars)
        result.update(values, changed=False)
        if errors:
            # The host stops here: the facts would only bury the message (and the
            # environment's values) in the failure's output.
            result.pop("ansible_facts", None)
            result.pop("_ansible_verbose_override", None)
            result.update(failed=True, msg=" ".join(errors))
        return result

    def _schedule_errors(self, options, task_vars):
        """The schedule the role will install, checked on the host by aws_sso_schedule itself in
        check mode (which writes nothing), before any task of the role writes: [] or one sentence."""
        check_mode = self._task.check_mode
        self._task.check_mode = True
        try:
            checked = self._execute_module(
                module_name="recro.aws_sso.aws_sso_schedule", module_args=options, task_vars=task_vars
            )
        finally:
            self._task.check_mode = check_mode
        error = _onboarding.schedule_check_error(checked, options["user"])
        return [error] if error else []
