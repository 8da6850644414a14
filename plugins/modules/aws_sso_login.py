#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_login
short_description: Log in to an AWS IAM Identity Center (SSO) session as C(aws sso login) does
version_added: 0.2.0
description:
  - Logs O(user) in to the C([sso-session]) O(sso_session) of the config file and leaves the token cache and client
    registration files that C(aws sso login) leaves, under the same names and with the same fields, so that the AWS
    CLI, botocore and every SDK use and refresh the login as their own.
  - A token valid for more than botocore's refresh window (15 minutes) is left alone, without any call to AWS.
    A token that expires within it, or has expired, is refreshed with its refresh token while the client
    registration is valid, as botocore would. Only otherwise does the module start a new login (when the service
    refuses the refresh token or the registration, C(InvalidGrantException), C(InvalidClientException) and the like).
    A refresh the service fails (its 5xx, throttling) fails the task naming C(CreateToken) and the error, and leaves
    the token file as it was.
  - The device authorization flow (O(flow=device_code)) works over SSH and from another device; the authorization
    code flow with PKCE (O(flow=pkce)) needs the browser on this machine, in the desktop session of O(user).
  - Never returns or logs the access token, the refresh token, the client secret or the device code.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.user_config
  - recro.aws_sso.user_config.lock_timeout
  - recro.aws_sso.aws_calls
attributes:
  check_mode:
    support: full
    details:
      - Reads the cache files only; makes no call to AWS and writes nothing, and says what it would do.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A second run with a valid token changes nothing.
requirements:
  - boto3, imported only to call the sso-oidc service; a valid token or a missing one with O(refresh_only) needs
    none.
options:
  sso_session:
    description:
      - The C([sso-session]) to log in to; its C(sso_start_url), C(sso_region) and C(sso_registration_scopes) are used,
        unless O(sso_start_url) gives them.
      - The token cache file is named after it, as the AWS CLI names it.
      - "A name every AWS tool reads (letters, digits and C(_ . @ % + : -)), as for M(recro.aws_sso.aws_sso_profile)."
    type: str
    required: true
  sso_start_url:
    description:
      - The session's start URL, to log in before the C([sso-session]) stanza is written, as C(aws configure sso)
        does (it logs in, lists the accounts and roles, then writes the config).
      - With it the module does not read the config file. It is checked as M(recro.aws_sso.aws_sso_profile) checks
        it, and goes with O(sso_region) and O(sso_registration_scopes).
    type: str
  sso_region:
    description: The Region of the session's portal (its C(sso_region)); only with O(sso_start_url).
    type: str
  sso_registration_scopes:
    description:
      - The session's C(sso_registration_scopes); only with O(sso_start_url).
      - Default V(sso:account:access), what M(recro.aws_sso.aws_sso_profile) writes by default.
    type: list
    elements: str
  flow:
    description:
      - V(device_code) the device authorization grant (a URL and a code to confirm, from any device).
      - V(pkce) the authorization code grant with PKCE, a redirect to a server on C(127.0.0.1) of this machine. Only
        the callback that carries the login's C(state) ends the wait (any local user may connect); each connection
        has 5 seconds in all to send its request, so one that sends nothing, or a byte at a time, never holds the
        login past O(timeout) by more than that.
      - V(pkce) is refused, before any call to the service, when root runs the module for another O(user), since the
        browser would be opened from root's environment, not on that user's desktop. Run the task as the user
        (C(become_user)), or use V(device_code). A valid token is still reported, and an expiring one refreshed,
        without a browser.
    type: str
    choices: [device_code, pkce]
    default: device_code
  wait:
    description:
      - Wait for the person to approve the login, up to O(timeout).
      - With V(false) and the device flow, start the authorization (or take the one already pending) and return at
        once with RV(verification_uri_complete) and RV(user_code); a later task with O(wait=true) finishes it.
        The device code stays in a private file of O(user), never in a return value.
      - "V(false) is refused with O(flow=pkce): its redirect server lives only as long as the task."
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for the approval.
      - The wait ends within O(timeout) plus 10 seconds, however the service answers. Each poll of the device flow,
        and the exchange of the code once the browser came back with O(flow=pkce), is given what is left of
        O(timeout), at least 10 seconds and at most the deadline of any AWS call (in the notes), so a token endpoint that
        stalls or answers a byte at a time cannot hold the task longer; the failure names C(CreateToken).
      - Before the wait, registering the client and starting the authorization each end within the deadline of any
        AWS call.
    type: int
    default: 600
  force:
    description: Log in again even when the token is valid (for example after permission sets changed).
    type: bool
    default: false
  refresh_only:
    description: Refresh the token when possible but never start a login; RV(status) is then V(login_required).
    type: bool
    default: false
  open_browser:
    description:
      - With O(flow=pkce), open the authorize page with C(xdg-open) (Linux, when C(DISPLAY) or C(WAYLAND_DISPLAY) is set)
        or C(open) (macOS). Without a desktop session the URL is only reported in the failure message on timeout.
    type: bool
    default: true
notes:
  - Endpoints come from botocore, so C(AWS_ENDPOINT_URL_SSO_OIDC) applies.
  - The token cache is C(~/.aws/sso/cache) of O(user), whatever O(path) is. The lock on it (O(lock_timeout)) is held
    while the module reads and writes its files, and across a refresh, a client registration and the start of a
    device authorization (each a call of at most 45 seconds), so that two runs never redeem one refresh token or
    register twice; never while it waits for the person.
  - Before its first call to AWS (a refresh, a registration, a device authorization), the module checks that it can
    write the token, registration and pending-authorization files as O(user) (not another user's file, not a
    directory the user cannot write), and fails naming the file otherwise, since a token that could not be written
    after the person approved would leave the code spent and the login lost.
  - Every answer of the sso-oidc service is checked before it is used or written. A field of the wrong type, a
    token, secret, client id or device code that is not printable ASCII without spaces or is longer than 64 KiB, a
    token lifetime that is not 1 minute to a year, a number botocore cannot read (C(Infinity)), a body that is not a
    JSON object, or a registration that ends before it can be used fails the task naming the call and the field, and
    says what was not written. A device code redeemed by the answer is forgotten.
  - A cached client registration the service no longer knows (C(InvalidClientException)) is removed and replaced
    by a new one, once. Two tasks waiting on the same code both succeed; the one whose poll finds the code spent
    reports the token the other wrote (RV(status) V(valid)).
  - Temporary files that a run killed while writing left beside the session's files are removed, under the lock.
  - The verification URL and the code are shown (RV(verification_uri_complete), RV(user_code), the messages) only
    when the URL is an https URL of printable characters without a backslash on the session's own service (its start
    URL's host, or IAM Identity Center's C(device.sso), C(oidc) and C(portal.sso) hosts in its Region, not every host
    of C(amazonaws.com), where anyone may publish pages) or on the sso-oidc endpoint in use, and the code is letters,
    digits, C(_) and C(-); otherwise the task fails without showing them. A cached file (token, registration) that is
    larger than 1 MiB, has a token or secret that is not printable ASCII, or a time Python cannot represent is not a
    login, and is replaced by a new one.
  - While the module waits for the person, a failed or timed-out poll is tried again until the code expires or
    O(timeout) has passed, and each poll ends by the end of O(timeout) or 10 seconds after it began, whichever is
    later.
seealso:
  - module: recro.aws_sso.aws_sso_session_info
"""

EXAMPLES = r"""
- name: Start the login and show the code
  recro.aws_sso.aws_sso_login:
    sso_session: recro
    wait: false
  register: login

- name: Tell the person what to do
  ansible.builtin.debug:
    msg: "Open {{ login.verification_uri_complete }} and confirm {{ login.user_code }}"
  when: login.status == 'pending'

- name: Wait for the approval
  recro.aws_sso.aws_sso_login:
    sso_session: recro
  when: login.status == 'pending'

- name: On a fleet host, only refresh
  recro.aws_sso.aws_sso_login:
    user: alice
    sso_session: recro
    refresh_only: true
  become: true
"""

RETURN = r"""
status:
  description: V(valid) (nothing to do), V(refreshed), V(pending) (waiting for the person), V(logged_in), V(login_required).
  returned: always
  type: str
  sample: logged_in
flow:
  description: The flow of O(flow).
  returned: always
  type: str
expires_at:
  description: When the token (or, while pending, the device code) expires, UTC; null without one.
  returned: always
  type: str
  sample: "2026-12-02T17:00:00Z"
token_file:
  description: The token cache file.
  returned: always
  type: str
usable:
  description: Whether a token valid now exists.
  returned: always
  type: bool
verification_uri:
  description: Where to confirm the code.
  returned: with the device flow, when a login was started or awaited
  type: str
verification_uri_complete:
  description: The same with the code filled in.
  returned: with the device flow, when a login was started or awaited
  type: str
user_code:
  description: The code to confirm (not a secret; the device code is).
  returned: with the device flow, when a login was started or awaited
  type: str
msg:
  description: What happened, in one sentence.
  returned: always
  type: str
"""

import contextlib
import datetime
import os
import sys
import time

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._aws import clients
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import read_config_file
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common import writing
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_seconds
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError, ServiceError
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import cache as sso_cache
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import login as sso_login
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import session as sso_session


def botocore_exceptions():
    """``botocore.exceptions`` once a client was made, else a stand-in whose
    classes match no error (nothing of botocore ran)."""
    return sys.modules.get("botocore.exceptions", _NoBotocore)


class _NoBotocore:
    class ClientError(Exception):
        pass

    class BotoCoreError(Exception):
        pass

    class ConnectionError(Exception):
        pass

    class HTTPClientError(Exception):
        pass


def is_transient(error):
    """A failure worth trying again while the person approves: the service's 5xx or
    throttling, a connection that failed or timed out, or that was closed or stalled
    while the answer was awaited (HTTPClientError: ConnectionClosedError, ReadTimeoutError,
    ResponseStreamingError). The wait's deadline still ends the login."""
    exceptions = botocore_exceptions()
    if isinstance(error, exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500 or sso_login.error_code(error) in ("ThrottlingException", "TooManyRequestsException")
    return isinstance(error, (exceptions.ConnectionError, exceptions.HTTPClientError))


def check_options(params):
    """The options that do not name the session, checked before anything is read."""
    check_seconds("timeout", params["timeout"])
    if params["flow"] == sso_login.PKCE and not params["wait"]:
        raise ParameterError(
            "wait", False, "needs flow: device_code; the pkce redirect server lives only as long as the task"
        )


def read_session(module):
    """The :class:`~._sso.session.Session` of the options, or else of the config's stanza (read as the user)."""
    session = sso_session.from_options(module.params)
    if session is None:
        with user_files.acting_as(module.account):
            dummy, config = read_config_file(module.config_path, user_files.read_bytes)
        session = sso_session.from_config(config, module.params["sso_session"], module.config_path)
    return session


def as_user(account, function):
    """``function`` run with ``account``'s ids (root acting for a user): the user's files
    are read and written as the user, while botocore is loaded and called as the module runs."""

    def run(*arguments):
        with user_files.acting_as(account):
            return function(*arguments)

    return run


def session_files(account, session):
    """The session's token, registration and pending-authorization files, read and written as the user."""
    home = account.home
    return sso_login.Files(
        token=sso_cache.token_cache_file(home, session.name),
        registration=sso_cache.registration_cache_file(
            home, session.name, session.start_url, session.region, session.scopes
        ),
        pending=sso_cache.pending_authorization_file(home, session.name),
        # One byte over the limit: a larger file is told as such, not cut to a file that is not JSON.
        read=as_user(account, lambda path: user_files.read_bytes(path, sso_cache.FILE_LIMIT + 1)),
        write=as_user(account, writing.write_private_file),
        remove=as_user(account, writing.remove_file),
        home=home,
        remove_leftovers=as_user(account, writing.remove_leftovers),
        check=as_user(account, lambda path: writing.check_replaceable(path, private=True)),
    )


def cache_lock(module):
    """The lock on the user's token cache directory, taken as the user and held (an open
    directory) whatever ids the module has meanwhile."""
    directory = sso_cache.sso_cache_directory(module.account.home)

    @contextlib.contextmanager
    def locked():
        with contextlib.ExitStack() as stack:
            with user_files.acting_as(module.account):
                stack.enter_context(
                    writing.locked_private_directory(directory, module.params["lock_timeout"], module.check_mode)
                )
            yield

    return locked


def failure_teller(session):
    """``tell(error, call)``: one sentence for a botocore failure (no service, a timeout, a
    refused parameter) of ``call`` in the login of ``session``, without any secret."""

    def tell(error, call, consequence=""):
        subject = "sso-session " + session.name
        login_command = sso_session.login_command(session.name)
        return clients.describe(
            error,
            "sso-oidc",
            clients.call_of(error, call),
            session.region,
            subject,
            login_command,
            "; " + consequence if consequence else "",
        )

    return tell


def new_login(module, session, files):
    """The login of ``session``; botocore is loaded only when AWS is called (a valid token needs none)."""

    def client():
        clients.load_botocore(module.account)
        return clients.client("sso-oidc", session.region, unsigned=True)

    def is_client_error(error):
        return isinstance(error, botocore_exceptions().ClientError)

    return sso_login.Login(
        module.params,
        session,
        files,
        client=client,
        clock=lambda: datetime.datetime.now(datetime.timezone.utc),
        sleep=time.sleep,
        is_client_error=is_client_error,
        is_transient=is_transient,
        check_mode=module.check_mode,
        browser=sso_login.browser_opener(os.environ, module.params["open_browser"]),
        locked=cache_lock(module),
        describe_failure=failure_teller(session),
        # Root for another user: a PKCE login's browser would open from root's environment, not the user's desktop.
        acting_for=module.account.name if user_files.needs_switch(module.account) else None,
    )


def run_login(login, session):
    """``login.run()``; a botocore failure (no service, a timeout, a refused parameter) is
    a ``ServiceError`` naming the call in progress, without any secret."""
    try:
        return login.run()
    except botocore_exceptions().BotoCoreError as error:
        raise ServiceError(
            failure_teller(session)(error, login.progress["call"], login.progress["consequence"])
        ) from None


def main():
    module = RecroModule(
        argument_spec=dict(
            sso_session=dict(type="str", required=True),
            sso_start_url=dict(type="str"),
            sso_region=dict(type="str"),
            sso_registration_scopes=dict(type="list", elements="str"),
            flow=dict(type="str", choices=list(sso_login.FLOWS), default=sso_login.DEVICE_CODE),
            wait=dict(type="bool", default=True),
            timeout=dict(type="int", default=600),
            force=dict(type="bool", default=False),
            refresh_only=dict(type="bool", default=False),
            open_browser=dict(type="bool", default=True),
        ),
    )
    failure = dict(status="failed", flow=module.params["flow"])
    with module.failing_on(**failure):
        check_options(module.params)
        session = read_session(module)
    files = session_files(module.account, session)
    failure["token_file"] = files.token
    with module.failing_on(**failure):
        result = run_login(new_login(module, session, files), session)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
