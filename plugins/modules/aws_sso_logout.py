#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_logout
short_description: Log out of one AWS IAM Identity Center (SSO) session and delete what its login left behind
version_added: 0.2.0
description:
  - Does what C(aws sso logout) does, for one C([sso-session]) only, and a little more. As O(user), it deletes the
    session's token cache file, the role credentials the AWS CLI cached for the profiles that use the session, the
    session's client registration files, and a pending device authorization of M(recro.aws_sso.aws_sso_login).
    Then, with the token it deleted, when one was cached and had not expired, it calls the SSO portal's C(Logout),
    which ends the session on the service side. The local token goes first, so a logout that hangs or is killed
    while it talks to the portal leaves no usable token on disk. The token is read again under the cache's lock, so
    a login or a refresh that wrote another one while the logout waited for the lock has its session ended.
  - Files are found by the names the AWS CLI and botocore give them, never by looking through the cache
    directories, so no file of another session is touched. A role-credential file is deleted only when it says
    C(ProviderType) V(sso).
  - An expired token, a token the portal no longer accepts, or a portal that cannot be reached does not stop the
    logout; the local files are deleted all the same, and RV(service_logout) is V(false) with the reason in
    RV(service_logout_error).
  - A separate module rather than C(state=absent) of M(recro.aws_sso.aws_sso_login), because a logout needs none of
    the login's options (flow, wait, browser, timeout), must work when they would be meaningless (no stanza left,
    no browser, an expired login), and reads as what it is in an offboarding play.
  - Never returns or logs a token.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.user_config
  - recro.aws_sso.user_config.lock_timeout
  - recro.aws_sso.aws_calls
requirements:
  - boto3 (for the portal's C(Logout); without it the local files are still deleted and RV(service_logout_error) says so)
options:
  sso_session:
    description:
      - The session to log out of, the name of its C([sso-session]) stanza.
      - When the config file has no such stanza (it was removed first), the module still deletes what it can name
        from the session's name alone (the token, the pending authorization, the role credentials of profiles with
        C(sso_session) set to it), and the client registrations when the token file tells their start URL and Region.
      - "A name every AWS tool reads (letters, digits and C(_ . @ % + : -)), as for M(recro.aws_sso.aws_sso_profile)."
    type: str
    required: true
attributes:
  check_mode:
    support: full
    details:
      - Lists in RV(removed) what it would delete (temporary files a killed login left beside the token included), and calls nothing.
  diff_mode:
    support: full
    details:
      - The files deleted (or, in check mode, that would be), one path a line.
  idempotent:
    support: full
notes:
  - The caches are always in C(~/.aws/sso/cache) and C(~/.aws/cli/cache) of O(user), as for the AWS CLI, whatever
    O(path) is; O(path) is read for the session's start URL, Region, scopes and profiles.
  - The portal is called in the session's C(sso_region); C(AWS_ENDPOINT_URL_SSO) where the module runs is honoured.
  - A token or credentials already copied elsewhere (another machine, an environment variable) cannot be deleted
    here; the portal's C(Logout) ends the SSO session, but role credentials already issued stay valid until they
    expire (the permission set's session duration).
  - Fails, naming the path and what it is, when one of the session's files is a directory, FIFO, socket or device;
    nothing is deleted then.
  - When another run holds the lock on C(~/.aws/sso/cache) for more than O(lock_timeout) seconds, no file is deleted;
    the portal's C(Logout) is still called with a token that had not expired, and the failure says whether it
    ended the session.
  - A file in a directory the user cannot delete from (say, role credentials in a directory of root's) is found
    before the first deletion, and nothing is deleted. A deletion that fails all the same stops the logout there. Either
    way the portal's C(Logout) is still called with a token that had not expired, and the failure names the file,
    lists the files deleted (RV(removed)) and says whether the portal ended the session.
seealso:
  - module: recro.aws_sso.aws_sso_login
  - module: recro.aws_sso.aws_sso_session_info
"""

EXAMPLES = r"""
- name: Offboard Alice, end her SSO session and delete its tokens and cached credentials
  recro.aws_sso.aws_sso_logout:
    user: alice
    sso_session: recro
  become: true
  register: logout

- name: Say when the service-side logout did not happen
  ansible.builtin.debug:
    msg: "the portal did not end the session: {{ logout.service_logout_error }}"
  when: not logout.service_logout
"""

RETURN = r"""
removed:
  description:
    - The files deleted (in check mode, that would be deleted).
    - With them, the temporary files a login killed while writing left beside the token, the pending authorization
      and the registrations (C(.NAME.XXXXXXXX.tmp)); check mode does not list these.
    - A role-credential file larger than 1 MiB is not the AWS CLI's and stays, unread beyond that.
  returned: always
  type: list
  elements: str
  sample: [/home/alice/.aws/sso/cache/2c5ce9e2bbb1a4d8d48b1af2e2c6a1a2f5d1d0c4.json]
service_logout:
  description: Whether the SSO portal's C(Logout) succeeded with the session's token.
  returned: always
  type: bool
service_logout_error:
  description: Why the portal's C(Logout) did not happen or failed (no token, expired, refused, unreachable), or null.
  returned: always
  type: str
  sample: the token of sso-session recro expired at 2026-11-26T17:00:00Z; the portal was not called
msg:
  description: What was done, in one sentence.
  returned: always
  type: str
  sample: logged out of sso-session recro; 4 files removed
path:
  description: The config file read.
  returned: always
  type: str
"""

import datetime
import sys

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._aws import clients
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import read_config_file
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common import writing
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import REGION_PATTERN
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileError, LockTimeout, ServiceError
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import session as sso_session
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import sso_cache_directory
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.logout import (
    FILE,
    TOKEN,
    check_deletable,
    leftover_owners,
    named_files,
    present,
    registration_files,
    removable,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import read_cached_token


def plan(account, path, name):
    """``(paths to delete, region, access token or None, why there is no token to log out with, paths whose
    leftovers of a killed write go)``, read as the user."""
    dummy, config = read_config_file(path, user_files.read_bytes)
    named = named_files(config, account.home, name)
    found = present(named)
    token, description = None, {"status": "missing"}
    if any(role == TOKEN and kind == FILE for role, dummy_path, kind in found):
        now = datetime.datetime.now(datetime.timezone.utc)
        token, description = read_cached_token(user_files.read_bytes, account.home, name, now, 0)
    registrations = registration_files(config, account.home, name, token)
    found += present(registrations)
    owners = leftover_owners(named + registrations)
    stanza = sso_session.find(config, name)
    region = stanza.region if stanza is not None else None
    if not region and isinstance(token, dict) and isinstance(token.get("region"), str):
        # A Region the file names goes into a host name and a message: only a Region name.
        region = token["region"] if REGION_PATTERN.fullmatch(token["region"]) else None
    access_token, problem = None, None
    status = description["status"]
    if status in ("valid", "expiring"):
        access_token = token["accessToken"]
    elif status == "expired":
        problem = "the token of sso-session {0} expired at {1}; the portal was not called".format(
            name, description["expires_at"]
        )
    elif status == "invalid":
        problem = "the token cache of sso-session {0} cannot be used ({1}); the portal was not called".format(
            name, description["problem"]
        )
    else:
        problem = "no token is cached for sso-session {0}; the portal was not called".format(name)
    if access_token is not None and not region:
        access_token, problem = (
            None,
            "sso-session {0} has no sso_region, in {1} or its token; the portal was not called".format(name, path),
        )
    return removable(found, user_files.read_bytes), region, access_token, problem, owners


def portal_logout(module, name, region, access_token):
    """``None`` when the portal's Logout succeeded, otherwise why not (never the token)."""
    try:
        clients.load_botocore(module.account)
    except ServiceError as error:  # no botocore, or one too old: the files are gone all the same
        module.warn(str(error))
        return "{0}; the portal was not called".format(error)
    exceptions = sys.modules["botocore.exceptions"]
    try:
        clients.client("sso", region, unsigned=True).logout(accessToken=access_token)
    except exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "UnauthorizedException":
            return (
                "the SSO portal in {0} no longer accepts the token of sso-session {1} (the session had ended)".format(
                    region, name
                )
            )
        return describe_portal_error(error, name, region, access_token)
    except exceptions.BotoCoreError as error:
        return describe_portal_error(error, name, region, access_token)
    return None


def describe_portal_error(error, name, region, access_token):
    return clients.describe(
        error, "sso", "Logout", region, "sso-session " + name, sso_session.login_command(name), secrets=[access_token]
    )


def remove_session_files(module, name, removed, token):
    """Delete, as the user and under the cache's lock, the session's files, adding each
    path deleted to ``removed``. ``token`` is given, before the first deletion, the
    ``region``, ``access_token`` (or None) and ``problem`` (why there is none) of the token
    read under the lock: the session the portal is then told to end, even when a later
    deletion fails."""
    account = module.account
    with user_files.acting_as(account):
        with writing.locked_directory(
            sso_cache_directory(account.home), module.params["lock_timeout"], missing_ok=True
        ):
            # Looked at again under the lock: a login or a refresh may have written another token
            # meanwhile, and the session to end at the portal is the one of the token deleted.
            paths, region, access_token, problem, owners = plan(account, module.config_path, name)
            token.update(region=region, access_token=access_token, problem=problem)
            check_deletable(paths)
            for item in paths:
                if writing.remove_file(item):
                    removed.append(item)
            # A login killed while writing left a temporary file beside the token: it holds a live token.
            for owner in owners:
                removed.extend(writing.remove_leftovers(owner))


def end_at_the_portal(module, name, token, result):
    """Tell the portal to end the session of ``token`` (as :func:`remove_session_files` fills it)
    when it has a usable access token; record the outcome in ``result``; what to say of it."""
    problem = token["problem"]
    if token["access_token"] is not None:
        problem = portal_logout(module, name, token["region"], token["access_token"])
    ended = token["access_token"] is not None and problem is None
    result.update(service_logout=ended, service_logout_error=problem)
    return "the portal ended the session" if ended else "the portal did not end the session: " + problem


def fail_on_lock_timeout(module, error, name, token, result):
    """No file was deleted: end the session at the portal all the same (the token on
    disk is then of no use), and fail saying whether that happened."""
    consequence = end_at_the_portal(module, name, token, result)
    module.fail_json(msg="{0}; {1}".format(error, consequence), **result)


def fail_on_removal(module, error, name, token, result):
    """A deletion failed, or was refused before the first: end the session at the portal all
    the same (a token deleted can end it no more, one left is then of no use), and fail naming
    the file, saying what was deleted and whether the portal ended the session."""
    removed = result["removed"]
    consequence = end_at_the_portal(module, name, token, result)
    if isinstance(error, FileError):
        said = str(error)  # names its path and why
    else:
        said = "{0}: {1} (as user {2!r})".format(error.filename, error.strerror or error, module.account.name)
    if removed:
        done = "{0} files of sso-session {1} were removed before it ({2})".format(
            len(removed), name, ", ".join(removed)
        )
    else:
        done = "no file was removed"
    result.update(changed=bool(removed), diff=dict(before=listing(removed), after=""))
    module.fail_json(msg="{0}; {1}; {2}".format(said, done, consequence), **result)


def listing(paths):
    return "".join(item + "\n" for item in paths)


def main():
    module = RecroModule(argument_spec=dict(sso_session=dict(type="str", required=True)))
    name = module.params["sso_session"]
    result = dict(changed=False, removed=[], service_logout=False, service_logout_error=None)
    with module.failing_on(**result):
        sso_session.check_session_name("sso_session", name)
        with user_files.acting_as(module.account):
            paths, region, access_token, problem, owners = plan(module.account, module.config_path, name)
            if module.check_mode:
                # What a killed login left beside the token holds a live token: a run would remove it.
                paths += [leftover for owner in owners for leftover in writing.leftovers(owner)]
                # The refusal a run would meet before its first deletion.
                check_deletable(paths)
    result.update(path=module.config_path, diff=dict(before=listing(paths), after=""))
    if module.check_mode:
        result.update(
            changed=bool(paths),
            removed=paths,
            service_logout_error=problem,
            msg="would log out of sso-session {0}{1} and remove {2} files".format(
                name, "" if access_token is None else " at the portal", len(paths)
            ),
        )
        module.exit_json(**result)

    removed = result["removed"]
    # The token as first read; remove_session_files replaces it with the one read under the lock.
    token = dict(region=region, access_token=access_token, problem=problem)
    with module.failing_on(**result):
        try:
            remove_session_files(module, name, removed, token)
        except LockTimeout as error:
            fail_on_lock_timeout(module, error, name, token, result)
        except OSError as error:
            fail_on_removal(module, error, name, token, result)
    region, access_token, problem = token["region"], token["access_token"], token["problem"]
    if access_token is not None:
        problem = portal_logout(module, name, region, access_token)
    result.update(
        changed=bool(removed),
        diff=dict(before=listing(removed), after=""),
        service_logout=access_token is not None and problem is None,
        service_logout_error=problem,
    )
    if result["service_logout"]:
        result["msg"] = "logged out of sso-session {0} at the portal; {1} files removed".format(name, len(removed))
    else:
        result["msg"] = "{0} files of sso-session {1} removed; no service-side logout: {2}".format(
            len(removed), name, problem
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
