# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""recro.aws_sso.aws_sso_profile's work on one config file: the request planned on the file as it
is, written under the directory's lock (planned again on each read), and the result; the login of
the request's session, read as the user; and whether O(discover) applies. Discovery's own part is in
_aws.profile_discovery, loaded only by a run that discovers. Here rather than in the module: Python
compiles a module file twice on each run, the module_utils after _compile_once once."""

from __future__ import annotations

import datetime
import os

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import hide_secret_lines, read_config_file
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import apply_request, describe_changes
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import read_login


class ConfigFileTask:
    """One run of the module against one file, for ``account``."""

    def __init__(self, module, request, path, account):
        self.module = module
        self.request = request
        self.path = path
        self.account = account

    def plan(self, data):
        """``(text, outcome)`` of the request on the file's content ``data`` (``None``: no file)."""
        before, config = read_config_file(self.path, lambda _path: data)
        try:
            return before, apply_request(config, self.request)
        except AssertionError as error:
            # The edit is re-read before anything is written; a mismatch is a
            # bug of ours, reported as such rather than as a traceback.
            self.module.fail_json(
                msg="{0}: not written, nothing was changed: the edit would not read back as intended ({1}); "
                "this is a bug of recro.aws_sso, please report it with the file".format(self.path, error),
                path=self.path,
            )

    def run(self):
        """Apply the request; in check mode only compute it. Returns the result."""
        module = self.module
        # Files are replaced by rename, so a read without the lock sees a whole file: a
        # file already as wanted (every later run's case) needs neither the lock nor a write.
        with user_files.acting_as(self.account):
            data = user_files.read_bytes(self.path)
        # Planned with the module's own ids: the code an edit needs is loaded here, from
        # Ansible's payload, which only root may read when root runs the module for a user.
        before, outcome = self.plan(data)
        if not outcome.changed:
            with user_files.acting_as(self.account):
                return self.finish(before, outcome)
        # Only a run that writes, or says it would, loads the code that writes (as root for a user,
        # loaded before acting as the user).
        from ansible_collections.recro.aws_sso.plugins.module_utils._common import (  # pylint: disable=import-outside-toplevel
            writing,
        )

        with user_files.acting_as(self.account):
            if module.check_mode:
                # Check mode meets the refusals of the write it stands for (a file or directory the
                # user may not replace), rather than promising a change the run cannot make.
                writing.check_replaceable(self.path)
                return self.finish(before, outcome)
            return self.write(writing)

    def write(self, writing):
        """Write the change under the directory's lock (as the user); the result."""
        module = self.module
        directory = os.path.dirname(os.path.realpath(self.path))
        if not os.path.isdir(directory):
            writing.make_directories(directory)
        with writing.locked_directory(directory, timeout=module.params["lock_timeout"]):
            # Planned again on each read under the lock: another run may have written
            # before it, and another program (an installer appending a profile) while
            # the file is rewritten; its change is kept, never overwritten.
            planned = {}

            def change(data):
                planned["before"], planned["outcome"] = self.plan(data)
                if not planned["outcome"].changed:
                    return data
                if module.params["backup"] and data is not None and "backup_file" not in planned:
                    planned["backup_file"] = module.backup_local(os.path.realpath(self.path))
                return planned["outcome"].text.encode("utf-8")

            writing.rewrite(self.path, change)
            return self.finish(planned["before"], planned["outcome"], planned.get("backup_file"))

    def finish(self, before, outcome, backup_file=None):
        module = self.module
        result = dict(
            changed=outcome.changed,
            path=self.path,
            changes=outcome.changes,
            messages=describe_changes(outcome.changes),
            removed_profiles=outcome.removed_profiles,
            removed_sessions=outcome.removed_sessions,
            profile_names=outcome.profile_names,
        )
        if self.request.state == "present":
            result["profiles"] = outcome.profiles
            if outcome.sessions:
                result["sessions"] = outcome.sessions
        if backup_file:
            result["backup_file"] = backup_file
        if module._diff:
            # Every line, as a diff of the file shows it, but the values of credentials.
            result["diff"] = dict(
                before=hide_secret_lines(before or ""),
                after=hide_secret_lines(outcome.text),
                before_header=self.path,
                after_header=self.path,
            )
        if self.request.skipped:
            result["skipped_profiles"] = [
                dict(item=item, name=name, problem=problem) for item, name, problem in self.request.skipped
            ]
        for warning in outcome.warnings:
            module.warn(warning)
        mode = module.params["mode"]
        exists = before is not None or (outcome.changed and not module.check_mode)
        if mode is not None and exists:
            result["changed"] = module.set_mode_if_different(os.path.realpath(self.path), mode, result["changed"])
        return result


def check_discover(options, request):
    """Raise :class:`ParameterError` when O(discover) cannot apply to ``request``."""
    if options is None:
        return
    if request.state != "present":
        raise ParameterError("state", request.state, "does not go with discover, which only writes: use state=present")
    if request.session is None:
        raise ParameterError(
            "sso_start_url",
            None,
            "is missing: discover needs sso_start_url, sso_session and sso_region (the session whose login lists the "
            "accounts)",
        )
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profile_names import (  # pylint: disable=import-outside-toplevel
        check_template,
    )

    check_template(options["profile_name_template"], "discover.profile_name_template")
    if options.get("query") is not None:
        from ansible_collections.recro.aws_sso.plugins.module_utils._common import (  # pylint: disable=import-outside-toplevel
            queries,
        )

        try:
            queries.check("discover.query", options["query"], queries.DISCOVERY_SAMPLE)
        except ImportError:
            pass  # discovery says jmespath is missing, as it says boto3 is


def read_session_login(account, request):
    """``(access token, login)`` of the request's session, read as the user; ``(None,
    None)`` when the task names no session settings. What the caller does next (log
    in, discover) depends on it; reading it here saves a task."""
    if request.session is None:
        return None, None
    with user_files.acting_as(account):
        return read_login(
            user_files.read_bytes,
            account.home,
            request.session_name,
            datetime.datetime.now(datetime.timezone.utc),
            request.session.values["sso_start_url"],
        )
