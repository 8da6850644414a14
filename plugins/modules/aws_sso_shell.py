#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_shell
short_description: Export the default AWS profile in a user's shell rc files, and report what shadows it
version_added: 0.2.0
description:
  - Writes (or removes) the block between the markers C(# BEGIN recro.aws_sso) and C(# END recro.aws_sso) that exports C(AWS_DEFAULT_PROFILE)
    (and C(AWS_PROFILE)) in the rc file of each of the user's shells, byte-identical to the block the recro_sso role
    of 0.1.0 wrote with M(ansible.builtin.blockinfile).
  - Changes a block only when it is provably its own, one BEGIN and one END marker line, in that order, as lines the
    shell reads (a line ends at LF only, as in bash, zsh and fish; not inside a here-document, a quoted string over
    lines, a substitution, a continued line, or an if, case, loop, function or C({ }) group the shell may never run).
    Any other arrangement of marker lines (a stray copy, two blocks, END before BEGIN, a marker after a lone CR) fails
    naming the lines, and no file is changed.
  - Acts with the user's ids when root works for another user; needs no become. Every rc file (its kind, owner and
    directory) is checked before the first is written, and they are written all or none (when one cannot be written,
    those written before it are put back, unless another program changed them since). Writes atomically, holding a
    lock on each rc file's directory (O(lock_timeout)); a line another program adds to a file while it is rewritten
    is kept (the file is read again).
    Temporary files a killed run left beside an rc file are removed. Symlinks, mode and owner of existing files are
    kept; new files get 0644. The block's lines end in LF, the line end every shell reads, also in a CRLF file.
  - Reports what shadows the profile (static keys and later profile exports in the rc files, static keys in the
    credentials file), never the values. For a profile with SSO settings, botocore and AWS CLI v2 take those before
    the credentials file, so static keys under its name there are reported as used once it loses them; those of
    C([default]) are what a run without a profile uses. The diff shows the managed block only, never other lines of an rc file.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.ACTION_MODULE
  - recro.aws_sso.user_config
options:
  state:
    description: Whether the block is present, or removed from every existing rc file of the candidate shells.
    type: str
    choices: [present, absent]
    default: present
  profile:
    description: The profile to export. Required with O(state=present).
    type: str
  export_aws_profile:
    description: Export C(AWS_PROFILE) as well as C(AWS_DEFAULT_PROFILE).
    type: bool
    default: true
  shells:
    description:
      - The shells to write the block for. Default is the user's login shell plus the shells in use
        (bash or zsh rc file exists; for fish, C(~/.config/fish)).
    type: list
    elements: str
    choices: [bash, zsh, fish]
    default: []
  sso_session:
    description:
      - The sso-session named in the block's login hint (C(aws sso login --sso-session NAME)).
      - Called O(session_name) before 0.3.0; that name still works.
    type: str
    default: ""
    aliases: [session_name]
  platform:
    description: C(Linux) (bash reads C(~/.bashrc)) or C(Darwin) (C(~/.bash_profile)). Default is the host's.
    type: str
    choices: [Linux, Darwin]
  move_block_to_win:
    description: When a later line of an rc file overrides the profile, move our block to the end of that file.
    type: bool
    default: false
  report_conflicts:
    description: Report what shadows the profile in RV(conflicts).
    type: bool
    default: true
  managed_profiles:
    description: Profiles whose sections in the credentials file are checked for static keys. Default is O(profile).
    type: list
    elements: str
    default: []
  credentials_path:
    description:
      - The credentials file. Default is C(AWS_SHARED_CREDENTIALS_FILE) of the module's environment when the module
        runs as O(user), else C(~/.aws/credentials) of O(user) (root working for another user never takes its own
        environment's file for the user's).
      - Read, with the shells' other startup files, before any rc file is written; one that is not a regular file or
        cannot be read is a warning, not a failure.
    type: str
  fail_on_conflicts:
    description:
      - Fail, naming file and line of each conflict (RV(conflicts)), when any is found. The conflicts are those the
        files would have once written, found before the first write, so a run that fails writes nothing.
    type: bool
    default: false
  verify_shells:
    description:
      - After writing, start each shell of RV(shells) as the user's login shell does (C(bash -lic), C(zsh -lic),
        C(fish -lc)), as the user, with no terminal, stdin closed and a 10 second timeout, and report in
        RV(verified) which C(AWS_*) variables it ends with (names, and the values of the two profile variables
        only). A shell that hangs is killed and reported; one that prints is reported as printing, never with what
        it printed. Not in check mode (the files are not written then).
      - What the shell does, where RV(conflicts) is what a scan of the files found.
    type: bool
    default: false
  path:
    description:
      - The AWS config file that holds O(profile). When given, the block also exports C(AWS_CONFIG_FILE) with it, so
        that the shells' C(aws) reads the profile from there; when not, the block leaves C(AWS_CONFIG_FILE) alone (the
        AWS tools' default, C(~/.aws/config)).
      - A leading C(~) means the home of O(user).
    type: str
  lock_timeout:
    description:
      - How many seconds to wait for another run's lock on the directory of each rc file before failing; nothing is
        changed then.
    type: int
    default: 15
"""

EXAMPLES = r"""
- name: Export the default profile for alice
  recro.aws_sso.aws_sso_shell:
    user: alice
    profile: dev
    sso_session: recro
    move_block_to_win: true
"""

RETURN = r"""
files:
  description: Each rc file considered, with RV(files[].action) C(added), C(updated), C(removed), C(unchanged) or C(moved).
  type: list
  elements: dict
  returned: always
  contains:
    shell:
      description: The shell the file belongs to.
      type: str
      returned: always
    path:
      description: The file's absolute path.
      type: str
      returned: always
    file:
      description: The file's path relative to the home directory, as C(~/...).
      type: str
      returned: always
    action:
      description: What the run did (or would do in check mode) to the file.
      type: str
      returned: always
      choices: [added, updated, removed, unchanged, moved]
shells:
  description: The shells the block was written for.
  type: list
  elements: str
  returned: always
login_shell:
  description: The user's login shell (base name).
  type: str
  returned: always
conflicts:
  description: What shadows the profile (never a value).
  type: list
  elements: dict
  returned: always
  contains:
    path:
      description: The file that sets the variable.
      type: str
      returned: always
    line:
      description: The line number in RV(conflicts[].path).
      type: int
      returned: always
    variable:
      description: The variable set, for example C(AWS_PROFILE).
      type: str
      returned: always
    kind:
      description: What kind of setting it is, one of C(static_credentials), C(config_file), C(profile_override) or C(credentials_file).
      type: str
      returned: always
    effect:
      description: What the setting does to the exported profile.
      type: str
      returned: always
verified:
  description: With O(verify_shells), what each login shell ended with.
  type: list
  elements: dict
  returned: when O(verify_shells) is true and not in check mode
  contains:
    shell:
      description: The shell.
      type: str
      returned: always
    status:
      description: V(ok), V(timed out) (killed after 10 seconds), V(failed) (it ended before printing its
        environment) or V(not installed).
      type: str
      returned: always
    printed:
      description: Whether the shell printed anything while starting (what it printed is never returned).
      type: bool
      returned: always
    exported:
      description: The names of the C(AWS_*) variables it ended with.
      type: list
      elements: str
      returned: always
    profile:
      description: The value of C(AWS_PROFILE), or null.
      type: str
      returned: always
    default_profile:
      description: The value of C(AWS_DEFAULT_PROFILE), or null.
      type: str
      returned: always
    config_file:
      description: The value of C(AWS_CONFIG_FILE), or null.
      type: str
      returned: always
exports:
  description:
    - The variables the block exports, in order (C(AWS_DEFAULT_PROFILE), C(AWS_PROFILE) unless O(export_aws_profile) is
      false, C(AWS_CONFIG_FILE) with O(path)); empty with O(state=absent).
  type: list
  elements: str
  returned: always
  sample: [AWS_DEFAULT_PROFILE, AWS_PROFILE]
messages:
  description: One message per change or conflict.
  type: list
  elements: str
  returned: always
"""

import contextlib
import os
import platform as platform_module
import pwd

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common import writing
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_name
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileRefused
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import plan as shell_plan
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as shell_rc
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import shadowing
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import verify as shell_verify
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import check_session_name


def block_settings(module):
    """What the block holds (profile, session, both exports?, config file), every value
    checked; None for O(state=absent)."""
    params = module.params
    for index, name in enumerate(params["managed_profiles"]):
        check_name("managed_profiles[{0}]".format(index), name)
    if params["sso_session"]:
        # Named as the task names it: session_name is the option's older name.
        check_session_name("session_name" if "session_name" in params else "sso_session", params["sso_session"])
    if params["state"] == "absent":
        return None
    check_name("profile", params["profile"])
    # One line, as every AWS file path is (_common.files.aws_file_path): quoted, it exports as it is.
    config_file = module.config_path if params["path"] else None
    return (params["profile"], params["sso_session"], params["export_aws_profile"], config_file)


def shells_and_rc_files(module, login_shell, present, platform):
    """``(shells, rc_files)``: the shells the run considers (_shell.plan.select_shells) and
    their rc files as the user's files set them (zsh's ZDOTDIR, which ~/.zshenv sets: read as
    the user). A ~/.zshenv that cannot be read, or sets ZDOTDIR where the module cannot
    follow, stops the run only where zsh is one of the shells."""
    home = module.account.home
    try:
        rc_files, unresolved = shell_rc.rc_files(platform, home, user_files.read_bytes), None
    except OSError as error:  # FileRefused, UnresolvedZdotdir, no permission
        rc_files, unresolved = shell_rc.rc_files(platform), error
    shells = shell_plan.select_shells(module.params["shells"], login_shell, present, home, platform, rc_files=rc_files)
    if unresolved is not None and "zsh" in shells:
        raise unresolved
    return shells, rc_files


def plan_files(module, home, shells, rc_files, settings):
    """One plan per rc file, every file read and checked before any is written."""
    plans = []
    for shell in shells:
        path = os.path.join(home, rc_files[shell])
        before = user_files.read_bytes(path)
        lines = None if settings is None else shell_rc.render_block(shell, *settings)
        after, action, conflicts = shell_plan.plan_file(
            shell, path, before, lines, module.params["move_block_to_win"], module.params["report_conflicts"]
        )
        if after != before:
            # Only a file to write must be writable: one without the block (a read-only
            # .zshrc of a home manager) never stops the others, nor offboarding.
            writing.check_replaceable(path)
        plans.append(
            dict(
                shell=shell,
                path=path,
                file="~/" + rc_files[shell],
                before=before,
                after=after,
                action=action,
                conflicts=conflicts,
                lines=lines,
            )
        )
    return plans


@contextlib.contextmanager
def as_user(module, account, consequence="", path=None, **result):
    """Run the block as ``account`` (:func:`acting_as`) and fail the module on the
    collection's errors after switching back: a module fails as the user it started as."""
    with module.failing_on(path=path, consequence=consequence, **result):
        with user_files.acting_as(account):
            yield


def write(module, account, plan, written):
    """Write one planned file, reading it again when another program changed it since. All or
    nothing: when it cannot be written, the files written before (``written``) are put back."""
    move = module.params["move_block_to_win"]

    def change(content):
        return shell_plan.plan_file(plan["shell"], plan["path"], content, plan["lines"], move, False)[0]

    try:
        with user_files.acting_as(account):
            directory = os.path.dirname(plan["path"])  # conf.d; never where a symlink points (refused when missing)
            if not os.path.isdir(directory):
                writing.make_directories(directory, 0o755)
            before, after = writing.rewrite(plan["path"], change, before=plan["before"], new_file_mode=0o644)
    except Exception as error:  # pylint: disable=broad-exception-caught  # failing_on below says what it is
        with user_files.acting_as(account):
            put_back(written)
        names = [done["file"] for done, _before, _after in written]
        consequence = "; already written: {0}".format(", ".join(names)) if names else "; nothing was changed"
        with as_user(module, account, consequence, plan["path"], changed=bool(names)):
            raise error
    written.append((plan, before, after))


def put_back(written):
    """Put each file of ``written`` (``(plan, before, after)``: what this run read and wrote)
    back as it was, last first, while it is still what this run wrote; one that another
    program changed since, or that cannot be written, stays (and so do those before it)."""
    while written:
        plan, before, after = written[-1]
        try:
            if before is None:
                if user_files.read_bytes(plan["path"]) != after:
                    return
                writing.remove_file(plan["path"])
            else:
                writing.write_atomically(plan["path"], before, expected=after)
        except OSError:
            return
        written.pop()


def apply(module, account, plans, result):
    """Record each plan in ``result``; outside check mode write the changed files and
    remove what a killed run left beside each (in check mode, say what would be removed)."""
    written = []
    for plan in plans:
        result["files"].append(dict((key, plan[key]) for key in ("shell", "path", "file", "action")))
        result["conflicts"].extend(plan["conflicts"])
        if plan["after"] != plan["before"]:
            result["changed"] = True
            result["messages"].append("{0}: block {1}".format(plan["file"], plan["action"]))
            if not module.check_mode:
                write(module, account, plan, written)
        with as_user(module, account, "", plan["path"], **result):
            found = writing.leftovers(plan["path"]) if module.check_mode else writing.remove_leftovers(plan["path"])
        for leftover in found:  # not a change of the user's files: changed stays as the plans say
            result["messages"].append(
                "{0}: {1} a temporary file a killed run left".format(
                    leftover, "would remove" if module.check_mode else "removed"
                )
            )


def read_or_warn(module, path):
    """The bytes of a file read for the conflict report only, or None: one that is not a
    regular file or cannot be read is a warning naming it, never a failure (nothing of it
    is written)."""
    try:
        return user_files.read_bytes(path)
    except FileRefused as error:
        module.warn("{0}: not checked for what shadows the profile: {1}".format(path, error.kind))
    except OSError as error:
        module.warn("{0}: not checked for what shadows the profile: {1}".format(path, error.strerror))
    return None


def other_conflicts(module, account, shells, platform, rc_paths, rc_files):
    """What shadows the profile outside our rc files: the shells' other startup files
    and the credentials file (``_aws.credentials_file``), read before anything is written."""
    params = module.params
    if not params["report_conflicts"]:
        return []

    def read(path):
        return read_or_warn(module, path)

    conflicts = shell_plan.startup_file_conflicts(account.home, shells, platform, rc_paths, read, rc_files=rc_files)
    if params["state"] == "present":
        path = user_files.credentials_path(params["credentials_path"], account, os.environ)
        data = read(path)
        if data is not None:
            managed = params["managed_profiles"] or [params["profile"]]
            conflicts += shadowing.credentials_conflicts(path, data.decode("utf-8", "replace"), managed)
    return conflicts


def verify_shells(module, shells, settings, result):
    """What each shell ends with as the user's login shell (``_shell.verify``), against what
    the block exports (``settings``: block_settings(), None to remove it)."""
    result["verified"] = [shell_verify.verify_shell(module.account, shell) for shell in shells]
    for report in result["verified"]:
        message = None
        if settings is not None:
            profile, _session, export_aws_profile, config_file = settings
            message = shell_verify.verdict(report, profile, export_aws_profile, config_file)
        elif report["status"] != "ok":
            message = "{0}: the login shell {1}".format(report["shell"], report["status"])
        if message:
            result["messages"].append(message)


def block_diff(plans):
    """The managed block before and after, per changed file: never the file's other lines."""
    return [
        dict(
            before=shell_rc.block_text(plan["before"], plan["path"], plan["shell"]),
            after=shell_rc.block_text(plan["after"], plan["path"], plan["shell"]),
            before_header="{0} (managed block)".format(plan["path"]),
            after_header="{0} (managed block)".format(plan["path"]),
        )
        for plan in plans
        if plan["after"] != plan["before"]
    ]


def main():
    module = RecroModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            profile=dict(type="str"),
            export_aws_profile=dict(type="bool", default=True),
            shells=dict(type="list", elements="str", choices=list(shell_rc.SHELLS), default=[]),
            sso_session=dict(type="str", default="", aliases=["session_name"]),
            platform=dict(type="str", choices=["Linux", "Darwin"]),
            move_block_to_win=dict(type="bool", default=False),
            report_conflicts=dict(type="bool", default=True),
            managed_profiles=dict(type="list", elements="str", default=[]),
            credentials_path=dict(type="str"),
            fail_on_conflicts=dict(type="bool", default=False),
            verify_shells=dict(type="bool", default=False),
        ),
        required_if=[("state", "present", ["profile"])],
    )
    params, account = module.params, module.account
    platform = params["platform"] or platform_module.system()
    login_shell = os.path.basename(pwd.getpwnam(account.name).pw_shell or "")
    result = dict(changed=False, files=[], shells=[], login_shell=login_shell, conflicts=[], messages=[])
    with module.failing_on(consequence="; nothing was changed", **result):
        settings = block_settings(module)
    result["exports"] = [] if settings is None else shell_rc.exports(settings[2], settings[3])
    with contextlib.ExitStack() as held:  # the rc files' directories stay locked until every write is done
        with as_user(module, account, "; nothing was changed", **result):
            shells, rc_files = shells_and_rc_files(module, login_shell, settings is not None, platform)
            result["shells"] = shells
            rc_paths = [os.path.join(account.home, rc_files[shell]) for shell in shells]
            held.enter_context(writing.locked_directories(rc_paths, params["lock_timeout"]))
            plans = plan_files(module, account.home, shells, rc_files, settings)
            others = other_conflicts(module, account, shells, platform, rc_paths, rc_files)
        conflicts = [conflict for plan in plans for conflict in plan["conflicts"]] + others
        conflict_messages = [shell_plan.conflict_message(conflict) for conflict in conflicts]
        if params["fail_on_conflicts"] and conflicts:
            # Before the first write: a run that fails changes nothing.
            result.update(conflicts=conflicts, messages=list(conflict_messages))
            module.fail_json(msg="; ".join(conflict_messages) + "; nothing was changed", **result)
        apply(module, account, plans, result)
    result["conflicts"].extend(others)
    if params["verify_shells"] and not module.check_mode:
        verify_shells(module, shells, settings, result)
    result["messages"].extend(conflict_messages)
    if module._diff:
        result["diff"] = block_diff(plans)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
