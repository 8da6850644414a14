#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_notify
short_description: The next step of an SSO login that only a browser can renew, and a desktop notification of it
version_added: 0.3.0
description:
  - Works out the one command that logs O(user) in to O(sso_session) again on this host, C(aws sso login --sso-session
    NAME) where an AWS CLI v2 is on the user's PATH, otherwise the collection's own login (C(make onboard), or
    C(ansible-playbook playbooks/onboard.yml -e recro_sso_login=always)), naming an AWS CLI v1 as the reason.
  - The CLI's version is learned as the user, with the user's environment. Where C(aws) (its symlinks resolved) is a
    Python script that imports the C(awscli) package and whose C(#!) line names a Python interpreter
    (C(/path/to/python3) or C(/usr/bin/env python3), found on the same PATH), that interpreter is asked for
    C(awscli.__version__), the number C(aws --version) prints, without starting the whole CLI (pip's and Debian's CLI
    v1 and v2, Homebrew's, one built from source). Anything else (the official installer's binary, a shell wrapper such
    as a pyenv shim, an interpreter that does not answer with a version) is asked C(aws --version).
  - Reads the session's token in the SSO cache as the user (never returning it), and judges it as every module of the
    collection does. A login that is neither usable nor refreshable must be renewed in a browser; one that the AWS
    tools refresh on next use needs nobody. A login whose end comes within O(warning_window) seconds is warned about,
    the end of refreshing (the client registration's C(registrationExpiresAt)) where it can be refreshed, else the
    token's own C(expiresAt).
  - With O(notify), tells the user on the desktop, once per expiry (a record of what was notified, C(notified.json),
    0600, in the collection's state directory C(~/.local/state/recro-aws-sso), the schedule's), as the user,
    C(notify-send) through the user's session bus on Linux and C(osascript) on macOS. Without a desktop, RV(notification)
    says why, for the log and the summary.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
options:
  sso_session:
    description: The C([sso-session]) whose login is looked at.
    type: str
    required: true
  sso_start_url:
    description:
      - The session's start URL. When given, a cached login to another start URL counts as no usable login, as it does
        for M(recro.aws_sso.aws_sso_login) and M(recro.aws_sso.aws_sso_profile).
    type: str
  user:
    description:
      - Whose login and desktop. Run as root (C(become)) with O(user=alice), the module reads her token cache and
        record and runs C(aws), C(notify-send) or C(osascript) with her uid, gid and groups, HOME, and the PATH her
        login shell ends with. Her shell (bash, zsh, fish, sh, dash or ksh) is started as her, as a terminal starts it
        (C(-lic), fish C(-lc)), with no terminal, stdin closed and 5 seconds to answer; only its PATH is kept.
      - When that shell fails, does not answer in time or is another (C(nologin)), a PATH of her usual directories
        (C(~/.local/bin), C(~/bin), C(/opt/homebrew/bin), C(/home/linuxbrew/.linuxbrew/bin), C(/usr/local/bin),
        C(/usr/bin), C(/bin), C(/snap/bin)).
      - Default is the user the module runs as, with its own environment and session bus (C(DBUS_SESSION_BUS_ADDRESS),
        else C(XDG_RUNTIME_DIR/bus)), and the PATH of its login shell as above (a timer's run has the service
        manager's PATH, not the one a terminal gives), else its own PATH.
    type: str
  platform:
    description: V(Linux) or V(Darwin). Default is the platform the module runs on.
    type: str
    choices: [Linux, Darwin]
  notify:
    description: Show a desktop notification when the person must act, once per expiry.
    type: bool
    default: true
  warning_window:
    description:
      - Seconds before the login ends (refreshing ends, or the token expires where it cannot be refreshed) from which
        it is warned about. 0 to 31622400 (a year).
    type: int
    default: 259200
attributes:
  check_mode:
    support: full
    details: Says whether it would notify, without notifying or writing the record.
  diff_mode:
    support: none
  idempotent:
    support: full
    details: One notification per expiry; a second run for the same expiry notifies nobody.
notes:
  - Every program it runs (the CLI's interpreter, C(aws --version), C(notify-send), C(osascript)) gets 10 seconds.
seealso:
  - module: recro.aws_sso.aws_sso_login
  - module: recro.aws_sso.aws_sso_session_info
"""

EXAMPLES = r"""
- name: Tell Alice on her desktop when her login has ended, with the command to run
  recro.aws_sso.aws_sso_notify:
    sso_session: recro
    user: alice
  become: true
  register: next_step

- name: Show the next step
  ansible.builtin.debug:
    msg: "{{ next_step.message }}"
  when: next_step.message is not none
"""

RETURN = r"""
next_step:
  description: The one command that logs the user in to the session on this host.
  returned: always
  type: str
  sample: aws sso login --sso-session recro
reason:
  description: Why RV(next_step) is not the AWS CLI's C(aws sso login); null when it is.
  returned: always
  type: str
  sample: there is no AWS CLI (aws) on your PATH
cli:
  description: The C(aws) on the user's PATH (C(path), C(version), C(major)); null without one.
  returned: always
  type: dict
  sample: {path: /usr/bin/aws, version: 2.9.19, major: 2}
usable:
  description: Whether the session's token is valid now.
  returned: always
  type: bool
message:
  description: What the person must be told, with the command to run; null when nothing.
  returned: always
  type: str
  sample: "The login to sso-session recro has ended. Run: aws sso login --sso-session recro"
warning:
  description: For a login that ends within O(warning_window) but needs nothing yet, when and what to do; else null.
  returned: always
  type: str
notification:
  description:
    - C(sent) (a notification was shown, or in check mode would be), C(reason) (why not, e.g. already told for this
      expiry, no desktop session, or a record that cannot be written, which would have it shown on every run; with
      C(sent), why it was not recorded), C(record) (the record file).
  returned: always
  type: dict
  sample: {sent: true, reason: null, record: /home/alice/.local/state/recro-aws-sso/notified.json}
"""

import datetime
import os
import platform as platform_module

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common import programs
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_seconds
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule
from ansible_collections.recro.aws_sso.plugins.module_utils._notify import advice, desktop
from ansible_collections.recro.aws_sso.plugins.module_utils._notify import cli as aws_cli
from ansible_collections.recro.aws_sso.plugins.module_utils._schedule.units import Layout
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import token as sso_token
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import check_session_name, check_start_url


def notify_once(module, account, environment, key, title, body, record_path):
    """Show the notification unless the record says this ``key`` was told; record it once shown.
    ``environment``: the user's (``desktop.user_environment``)."""
    with user_files.acting_as(account):
        record = desktop.read_record(record_path)
        problem = desktop.record_problem(record_path)
    session = module.params["sso_session"]
    if record.get(session) == key:
        return dict(sent=False, reason="already told for this expiry", record=record_path)
    if problem is not None:
        # Shown without a record, it would be shown again on every run, not once per expiry.
        return dict(
            sent=False,
            reason="its record cannot be written, so every run would show it again: {0}".format(problem),
            record=record_path,
        )
    argv, environment, reason = desktop.desktop_command(
        module.params["platform"], account, os.environ, environment, title, body
    )
    if argv is None:
        return dict(sent=False, reason=reason, record=record_path)
    if module.check_mode:
        return dict(sent=True, reason=None, record=record_path)
    done = programs.run(account, argv, environment, desktop.PROGRAM_TIMEOUT, switch=not desktop.switches_itself(argv))
    if done.returncode != 0:
        return dict(sent=False, reason=desktop.failure_reason(argv, done.stdout), record=record_path)
    try:
        with user_files.acting_as(account):
            desktop.write_record(record_path, dict(record, **{session: key}))
    except OSError as error:
        # Shown all the same: the person was told, and the next run will tell them again.
        return dict(
            sent=True,
            reason="not recorded, so the next run shows it again: {0}".format(error),
            record=record_path,
        )
    return dict(sent=True, reason=None, record=record_path)


def main():
    module = RecroModule(
        argument_spec=dict(
            sso_session=dict(type="str", required=True),
            sso_start_url=dict(type="str"),
            platform=dict(type="str", choices=["Linux", "Darwin"]),
            notify=dict(type="bool", default=True),
            warning_window=dict(type="int", default=259200),
        ),
        shared=("user",),
    )
    params = module.params
    params["platform"] = params["platform"] or platform_module.system()
    account = module.account
    result = dict(changed=False, message=None, warning=None, notification=dict(sent=False, reason=None))
    with module.failing_on(**result):
        session = check_session_name("sso_session", params["sso_session"])
        start_url = params["sso_start_url"]
        if start_url is not None:
            check_start_url("sso_start_url", start_url)
        window = check_seconds("warning_window", params["warning_window"])
        environment = desktop.user_environment(account, os.environ)
        cli = aws_cli.find_cli(account, environment)
        command, reason = advice.next_step(session, cli)
        now = datetime.datetime.now(datetime.timezone.utc)
        with user_files.acting_as(account):
            dummy, login = sso_token.read_login(user_files.read_bytes, account.home, session, now, start_url)
        usable = login["usable"]
        key, text = advice.assess(session, login, now, window)
        result.update(next_step=command, reason=reason, cli=cli, usable=usable)
        if key is not None:
            body = advice.notification_text(text, command, reason)
            result.update(message=body, warning=body if key.startswith("warning:") else None)
            record_path = desktop.record_path(os.path.dirname(Layout(account.home, params["platform"]).checkout))
            result["notification"] = dict(sent=False, reason="not asked to notify", record=record_path)
            if params["notify"]:
                result["notification"] = notify_once(
                    module, account, environment, key, desktop.TITLE, body, record_path
                )
    result["changed"] = result["notification"]["sent"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
