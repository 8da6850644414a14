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
  - Acts with the user's ids when root works for another user; needs no become. Writes atomically; symlinks, mode,
    owner and line ends (CRLF) of existing files are kept; new files get 0644.
  - Reports what shadows the profile (static keys and later profile exports in the rc files, static keys in the
    credentials file), never the values.
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
  session_name:
    description: The sso-session named in the block's login hint.
    type: str
    default: ""
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
    description: The credentials file. Default is C(AWS_SHARED_CREDENTIALS_FILE) of the module's environment, else
      C(~/.aws/credentials).
    type: path
  fail_on_conflicts:
    description: Fail, naming file and line of each conflict, when any is found.
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds, as for the other modules of the C(recro.aws_sso) action group, so that a task or group default applies.
      - The rc files are replaced atomically by a rename and no lock is taken, so the value is not used.
    type: int
    default: 15
"""

EXAMPLES = r"""
- name: Export the default profile for alice
  recro.aws_sso.aws_sso_shell:
    user: alice
    profile: dev
    session_name: recro
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
messages:
  description: One message per change or conflict.
  type: list
  elements: str
  returned: always
"""

import errno
import os
import platform as platform_module
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import user_and_path
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as shell_rc
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import shadowing

KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)

# Other startup files of each shell, checked for static keys and AWS_CONFIG_FILE.
EXTRA_RC = {
    "bash": (".bashrc", ".bash_profile", ".bash_login", ".profile"),
    "zsh": (".zshenv", ".zprofile", ".zshrc"),
    "fish": (".config/fish/config.fish",),
}


def read_regular(path):
    """The bytes of ``path`` (after symlinks), None when absent; ValueError for a non-regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise
    refuse_non_regular(path, mode)
    # Non-blocking: a FIFO swapped in after the stat must not hang the open.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(descriptor, "rb") as handle:
        refuse_non_regular(path, os.fstat(descriptor).st_mode)
        return handle.read()


def refuse_non_regular(path, mode):
    for test, kind in KINDS:
        if test(mode):
            raise ValueError("{0} is a {1}, not a regular file".format(path, kind))
    if not stat.S_ISREG(mode):
        raise ValueError("{0} is not a regular file".format(path))


def check_writable(path):
    """Refuse, before anything is written, a file whose directory (after symlinks) the user may not write:
    the write replaces the file by a rename there. A missing directory needs its nearest existing parent."""
    directory = os.path.dirname(os.path.realpath(path))
    while not os.path.lexists(directory):
        directory = os.path.dirname(directory)
    if not os.access(directory, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids):
        raise OSError(13, "Permission denied: cannot write in {0}".format(directory), path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            user=dict(type="str"),
            path=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            profile=dict(type="str"),
            export_aws_profile=dict(type="bool", default=True),
            shells=dict(type="list", elements="str", choices=list(shell_rc.SHELLS), default=[]),
            session_name=dict(type="str", default=""),
            platform=dict(type="str", choices=["Linux", "Darwin"]),
            move_block_to_win=dict(type="bool", default=False),
            report_conflicts=dict(type="bool", default=True),
            managed_profiles=dict(type="list", elements="str", default=[]),
            credentials_path=dict(type="path"),
            fail_on_conflicts=dict(type="bool", default=False),
            lock_timeout=dict(type="int", default=15),
        ),
        required_if=[("state", "present", ["profile"])],
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    try:
        if present:
            shell_rc.check_profile(params["profile"])
        shell_rc.check_value("session_name", params["session_name"])
        for name in params["managed_profiles"]:
            shell_rc.check_value("managed_profiles", name)
    except ValueError as error:
        module.fail_json(msg=to_native(error))
    account, config_path = user_and_path(module)
    platform = params["platform"] or platform_module.system()
    rc_files = shell_rc.rc_files(platform)
    markers = shell_rc.shell_markers(platform)
    login_shell = os.path.basename(pwd.getpwnam(account.name).pw_shell or "")
    result = dict(changed=False, files=[], shells=[], login_shell=login_shell, conflicts=[], messages=[])
    diffs = []
    home = account.home
    candidates = params["shells"] or list(shell_rc.SHELLS)
    try:
        with user_files.acting_as(account):
            if present:
                in_use = [s for s in candidates if os.path.exists(os.path.join(home, markers[s]))]
                selected = params["shells"] or [s for s in shell_rc.SHELLS if s == login_shell or s in in_use]
            else:
                selected = [s for s in candidates if os.path.lexists(os.path.join(home, rc_files[s]))]
            result["shells"] = selected
            plans = []
            writes = []
            for shell in selected:
                path = os.path.join(home, rc_files[shell])
                plans.append((shell, path, read_regular(path)))  # all refused before any write
            for shell, path, before in plans:
                block = (
                    shell_rc.render_block(
                        shell, params["profile"], params["session_name"], params["export_aws_profile"]
                    )
                    if present
                    else None
                )
                after = shell_rc.place_block(before, block)
                action = (
                    "unchanged"
                    if after == before
                    else (
                        "added"
                        if before is None or shell_rc.block_position(before) is None
                        else ("removed" if not present else "updated")
                    )
                )
                conflicts = []
                if params["report_conflicts"] or params["move_block_to_win"]:
                    text = (after or b"").decode("utf-8", "replace")
                    conflicts = shadowing.rc_conflicts(path, text, shell_rc.block_position(after))
                    if (
                        present
                        and params["move_block_to_win"]
                        and any(c["kind"] == "profile_override" for c in conflicts)
                    ):
                        after = shell_rc.place_block(after, block, at_end=True)
                        action = "moved" if action == "unchanged" else action
                        text = after.decode("utf-8", "replace")
                        conflicts = shadowing.rc_conflicts(path, text, shell_rc.block_position(after))
                if params["report_conflicts"]:
                    result["conflicts"].extend(conflicts)
                result["files"].append(dict(shell=shell, path=path, file="~/" + rc_files[shell], action=action))
                if after != before:
                    result["changed"] = True
                    result["messages"].append("{0}: block {1}".format("~/" + rc_files[shell], action))
                    diffs.append(
                        dict(
                            before=(before or b"").decode("utf-8", "replace"),
                            after=(after or b"").decode("utf-8", "replace"),
                            before_header=path,
                            after_header=path,
                        )
                    )
                    writes.append((path, after))
            if not module.check_mode:
                # Every file this run changes must be writable before the first is written.
                for path, _after in writes:
                    check_writable(path)
                for path, after in writes:
                    if not os.path.isdir(os.path.dirname(path)):
                        user_files.make_directories(os.path.dirname(path), 0o755)
                    user_files.write_atomically(path, after, new_file_mode=0o644)
            if params["report_conflicts"]:
                for shell in selected:
                    for extra in EXTRA_RC[shell]:
                        extra_path = os.path.join(home, extra)
                        if extra_path in [plan[1] for plan in plans]:
                            continue
                        data = read_regular(extra_path)
                        if data is not None:
                            text = data.decode("utf-8", "replace")
                            login_file = (
                                shell == "bash"
                                and rc_files["bash"] == ".bashrc"
                                and extra
                                == next(
                                    (
                                        name
                                        for name in (".bash_profile", ".bash_login", ".profile")
                                        if os.path.exists(os.path.join(home, name))
                                    ),
                                    None,
                                )
                            )
                            # A login bash reads the first of its login files; what that file sets after the
                            # line reading ~/.bashrc comes after our block.
                            after = shadowing.sourcing_line(text, ".bashrc") or 0 if login_file else None
                            found = shadowing.rc_conflicts(extra_path, text, None, after)
                            # fish reads config.fish after conf.d: its profile settings win; elsewhere the order is unknown.
                            result["conflicts"].extend(
                                c for c in found if shell == "fish" or login_file or c["kind"] != "profile_override"
                            )
            if params["report_conflicts"] and present:
                credentials = (
                    params["credentials_path"]
                    or os.environ.get("AWS_SHARED_CREDENTIALS_FILE")
                    or os.path.join(home, ".aws", "credentials")
                )
                credentials = user_files.expand_home(credentials, account)
                data = read_regular(credentials)
                if data is not None:
                    result["conflicts"].extend(
                        shadowing.credentials_conflicts(
                            credentials,
                            data.decode("utf-8", "replace"),
                            params["managed_profiles"] or [params["profile"]],
                        )
                    )
    except (IOError, OSError, ValueError) as error:
        module.fail_json(msg="{0} (as user {1!r})".format(to_native(error), account.name), **result)
    conflict_messages = []
    for conflict in result["conflicts"]:
        conflict_messages.append(
            "{0}:{1}: {2} ({3}): {4}".format(
                conflict["path"], conflict["line"], conflict["variable"], conflict["kind"], conflict["effect"]
            )
        )
    result["messages"].extend(conflict_messages)
    if params["fail_on_conflicts"] and result["conflicts"]:
        module.fail_json(msg="; ".join(conflict_messages), **result)
    if module._diff:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
