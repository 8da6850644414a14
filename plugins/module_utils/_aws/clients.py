# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one way the collection calls AWS: botocore loaded once, checked against the
minimum release, clients with one retry policy, timeouts and a deadline for the whole
operation, and one description of what failed.

botocore is imported here, on demand, and not at the top of the modules: a module
that calls no service must not pay for it (a third of a second). botocore fixes the
SSO token cache directory (``~/.aws/sso/cache``) from ``HOME`` when it is imported, so
``HOME`` is the user's first: the credential chain of a profile (aws_sso_identity_info)
reads and refreshes the user's token.

What root does for a user never reads what that user controls: every session made here
reads service models only from botocore's own data (never ``~/.aws/models`` or
``AWS_DATA_PATH``, which could send a call elsewhere), and only the config and
credentials files it is given.

Every operation runs in a thread of its own that the caller waits for at most
:data:`DEADLINE` seconds: botocore's read timeout applies to each read, so a service
that sends one byte every few seconds would otherwise hold the task for ever. A
timed-out call is left behind in its (daemon) thread, which ends with the module's
process: the module fails right after, saying what was and was not changed.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import CONTROL_CHARACTERS
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ServiceError

# The first botocore whose sso-oidc CreateToken takes codeVerifier and redirectUri (the
# PKCE login); sso-session profiles need 1.27.60 and AWS_ENDPOINT_URL_<SERVICE> 1.31.0.
MINIMUM_BOTOCORE_VERSION = "1.34.103"
# Seconds to open a connection, and to wait for each read of an answer.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15
# Botocore's standard retry mode (throttling and transient errors, with back-off), in
# every client: attempts per call, the first included.
MAX_ATTEMPTS = 3
# Seconds one operation may take, every attempt and retry included (for a listing: every
# page and every account's roles). Well under a fleet's task timeout.
DEADLINE = 45
# The least a call bounded by what is left of a wait (a login's poll while the person
# approves, :meth:`BoundedClient.within`) is given: time to connect and read one answer of a
# healthy service. A wait therefore ends at most this many seconds after its end.
MINIMUM_DEADLINE = 10
# Parallel ListAccountRoles calls: enough to list hundreds of accounts in seconds, few
# enough not to be throttled.
ROLE_LISTING_WORKERS = 8
# The names of the services in messages.
SERVICE_NAMES = {"sso": "the SSO portal", "sso-oidc": "the sso-oidc service", "sts": "STS"}
# The longest sentence describe() makes of a failure, before what was and was not changed: the
# service's own text in it (its error message) is the service's to choose, of any length.
DESCRIPTION_LIMIT = 1000
# A line break with the blanks around it: a message is one line.
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\u2028\u2029\x85]+[ \t]*")
# Forms in which botocore may echo a parameter: never shown.
_SECRET_PARAMETERS = re.compile(
    r"((?:access|refresh)_?token|client_?secret|device_?code|code_?verifier|secret_?access_?key|session_?token)"
    r"(['\"]?\s*[:=]\s*)(\S+)",
    re.IGNORECASE,
)


def _version(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def check_botocore_version(version):
    """Raise :class:`ServiceError` when botocore ``version`` is older than the minimum."""
    if _version(version) < _version(MINIMUM_BOTOCORE_VERSION):
        raise ServiceError(
            "botocore {0} is older than {1}, which recro.aws_sso needs (the sso-oidc parameters of a PKCE login, "
            "AWS_ENDPOINT_URL_<SERVICE>): install boto3 and botocore {1} or later where the module runs "
            "(the collection's requirements.txt)".format(version, MINIMUM_BOTOCORE_VERSION)
        )


def load_botocore(account=None):
    """botocore, imported (with ``HOME`` set to ``account``'s home when given, before
    the first import) and checked against :data:`MINIMUM_BOTOCORE_VERSION`. Raises
    :class:`ServiceError` with Ansible's missing-library message without it."""
    if account is not None and "botocore" not in sys.modules:
        os.environ["HOME"] = account.home
    try:
        import botocore  # pylint: disable=import-outside-toplevel
        import botocore.config  # noqa: F401 pylint: disable=import-outside-toplevel
        import botocore.exceptions  # noqa: F401 pylint: disable=import-outside-toplevel
        import botocore.loaders  # noqa: F401 pylint: disable=import-outside-toplevel
        import botocore.session  # noqa: F401 pylint: disable=import-outside-toplevel
    except ImportError:
        from ansible.module_utils.basic import missing_required_lib  # pylint: disable=import-outside-toplevel

        raise ServiceError(missing_required_lib("boto3")) from None
    check_botocore_version(botocore.__version__)
    return botocore


def session(config_file=os.devnull, credentials_file=os.devnull, account=None):
    """A botocore session reading only ``config_file`` and ``credentials_file`` (none by
    default), with no profile picked from the environment, and service models only from
    botocore's own data."""
    botocore = load_botocore(account)
    # Each entry: (name in the config file, environment variable, default, conversion).
    made = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, config_file, None),
            "credentials_file": (None, None, credentials_file, None),
            "data_path": (None, None, None, None),
        }
    )
    loader = botocore.loaders.Loader(
        extra_search_paths=[botocore.loaders.Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
    )
    made.register_component("data_loader", loader)
    return made


def client_config(unsigned=False):
    """The one retry policy and the timeouts, as a botocore ``Config``."""
    botocore = load_botocore()
    options = dict(
        retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
    )
    if unsigned:
        options["signature_version"] = botocore.UNSIGNED
    return botocore.config.Config(**options)


def client(service, region, unsigned=False, botocore_session=None):
    """A :class:`BoundedClient` of ``service`` in ``region`` (``AWS_ENDPOINT_URL_<SERVICE>``
    applies). ``unsigned`` for the portal and sso-oidc, whose token is the credential;
    ``botocore_session`` (default: one reading no file, :func:`session`) for a profile's
    credentials."""
    made = (botocore_session or session()).create_client(
        service, region_name=region, config=client_config(unsigned=unsigned)
    )
    return BoundedClient(made)


def profile_client(service, profile, config_file, credentials_file, account, acting_as):
    """``(client, region)``: a :class:`BoundedClient` of ``service`` signed with the
    credentials of ``profile`` (botocore's own chain: for an SSO profile, the user's token
    cache, the portal's role credentials), in the profile's Region (default us-east-1).

    The user's files (``config_file``, ``credentials_file``, the token cache) are read
    inside ``acting_as(account)``, so call the client's operations inside it too;
    botocore itself and its data are loaded before, by this process, since the user may
    not be able to read the interpreter's files. The clients the credential chain makes
    (the portal, sso-oidc for a refresh) are made once here, which loads their models."""
    made = session(config_file, credentials_file, account=account)
    made.set_config_variable("profile", profile)
    with acting_as(account):
        made.get_scoped_config()  # reads the user's config, once
        region = made.get_config_variable("region") or "us-east-1"
    for helper in ("sso", "sso-oidc"):
        made.create_client(helper, region_name=region, config=client_config(unsigned=True))
    return client(service, region, botocore_session=made), region


class BoundedClient:
    """A botocore client whose operations (``client.list_accounts(...)``) each end within
    ``seconds`` (default :data:`DEADLINE`); everything else (``meta``, ``exceptions``) is the
    client's. ``raw`` is the client itself, for a caller that bounds a whole sequence of calls
    (pages) with :func:`bounded`."""

    def __init__(self, raw, seconds=None):
        self.raw = raw
        self.seconds = seconds

    def within(self, seconds):
        """This client with its operations bounded by ``seconds`` (what is left of a wait),
        never more than :data:`DEADLINE` and never less than :data:`MINIMUM_DEADLINE`."""
        return BoundedClient(self.raw, max(MINIMUM_DEADLINE, min(DEADLINE, seconds)))

    def __getattr__(self, name):
        attribute = getattr(self.raw, name)
        operation = self.raw.meta.method_to_api_mapping.get(name)
        if operation is None:
            return attribute

        def call(*args, **kwargs):
            return bounded_within(self.seconds, operation, attribute, *args, **kwargs)

        return call


def bounded(call, function, *args, **kwargs):
    """``function(*args, **kwargs)``, or botocore's ``ReadTimeoutError``-like
    :func:`deadline_error` naming ``call`` when it takes more than :data:`DEADLINE`
    seconds. Errors it raises are raised here."""
    return bounded_within(None, call, function, *args, **kwargs)


def bounded_within(seconds, call, function, *args, **kwargs):
    """:func:`bounded` with a deadline of ``seconds`` (``None``: :data:`DEADLINE`)."""
    seconds = DEADLINE if seconds is None else seconds
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # pylint: disable=broad-except
            outcome["error"] = error

    # A daemon thread: one stuck in a read must not keep the process alive when the module exits.
    worker = threading.Thread(target=run, name="recro-aws-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise deadline_error(call, seconds)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


_DEADLINE_ERRORS = {}


def deadline_error(call, seconds=None):
    """A ``botocore.exceptions.BotoCoreError`` saying ``call`` did not end within ``seconds``
    (default :data:`DEADLINE`), so that code catching botocore's errors catches it too."""
    exceptions = load_botocore().exceptions
    if "class" not in _DEADLINE_ERRORS:

        class DeadlineExceeded(exceptions.ConnectionError):
            fmt = "{call} did not end within {seconds} s"

        _DEADLINE_ERRORS["class"] = DeadlineExceeded
    return _DEADLINE_ERRORS["class"](call=call, seconds=DEADLINE if seconds is None else seconds)


def parallel_map(function, items, workers=ROLE_LISTING_WORKERS):
    """``[function(item) for item in items]``, ``workers`` at a time, in daemon threads
    (a pool's threads are joined at exit, so a stuck call would hold the process).
    The first error raised is raised here."""
    results = [None] * len(items)
    errors = []
    indexes = iter(range(len(items)))
    lock = threading.Lock()

    def work():
        while not errors:
            with lock:
                index = next(indexes, None)
            if index is None:
                return
            try:
                results[index] = function(items[index])
            except Exception as error:  # pylint: disable=broad-except
                errors.append(error)

    threads = [threading.Thread(target=work, daemon=True) for dummy in range(min(workers, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def scrub(text, secrets=()):
    """``text`` without ``secrets`` and without any value botocore echoes for a
    parameter that holds a secret (``refreshToken``, ``value: ...``)."""
    for secret in secrets:
        if secret and isinstance(secret, str):
            # As it is, and as Python and botocore quote it ("Invalid header value b'...\\n...'").
            for form in (secret, repr(secret)[1:-1], repr(secret.encode("utf-8"))[2:-1]):
                text = text.replace(form, "<secret>")
    text = _SECRET_PARAMETERS.sub(lambda match: match.group(1) + match.group(2) + "<secret>", text)
    return re.sub(r"(Invalid type for parameter \w+, value: )(.*?)(, type: )", r"\1<secret>\3", text)


def describe(error, service, call, region, subject, login, consequence="", secrets=()):
    """One sentence for ``error`` (a botocore error, or :func:`deadline_error`) of
    ``call`` (the operation, e.g. ``ListAccounts``) to ``service`` (``"sso"``) in
    ``region`` on behalf of ``subject`` (``"sso-session recro"``), with ``login``, the
    command that logs in again, where a new login is the cure, then ``consequence``
    (what was and was not changed). Never a token or another of ``secrets``; at most
    :data:`DESCRIPTION_LIMIT` characters before ``consequence``, however long the service's text."""
    exceptions = load_botocore().exceptions
    name = SERVICE_NAMES.get(service, service)
    token_errors = tuple(
        getattr(exceptions, kind)
        for kind in ("SSOTokenLoadError", "TokenRetrievalError", "UnauthorizedSSOTokenError")
        if hasattr(exceptions, kind)
    )
    if isinstance(error, token_errors):
        text = "{0} has no usable SSO login ({1}): run `{2}`".format(subject, error, login)
    elif isinstance(error, exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code")
        if code == "UnauthorizedException":
            text = "{0} refused the login of {1} (signed out, or the session ended): run `{2}`".format(
                name, subject, login
            )
        else:
            text = "{0} refused {1} of {2}: {3}".format(name, call, subject, error)
    elif "class" in _DEADLINE_ERRORS and isinstance(error, _DEADLINE_ERRORS["class"]):
        seconds = error.kwargs["seconds"]
        limits = "{0} attempts, {1} s to connect, {2} s per read".format(MAX_ATTEMPTS, CONNECT_TIMEOUT, READ_TIMEOUT)
        if seconds >= DEADLINE:
            limit = "the deadline of the whole operation ({0})".format(limits)
        else:  # a call given what was left of a wait (BoundedClient.within)
            limit = "what was left of the wait (a whole operation may take {0} s: {1})".format(DEADLINE, limits)
        text = "{0} in {1} did not finish {2} for {3} within {4:.0f} s, {5}".format(
            name, region, call, subject, seconds, limit
        )
    elif isinstance(error, (exceptions.ReadTimeoutError, exceptions.ConnectTimeoutError)):
        text = "{0} in {1} timed out on {2} for {3} ({4} attempts, {5} s to connect, {6} s per read): {7}".format(
            name, region, call, subject, MAX_ATTEMPTS, CONNECT_TIMEOUT, READ_TIMEOUT, error
        )
    elif isinstance(error, (exceptions.ConnectionError, exceptions.HTTPClientError)):
        text = "cannot reach {0} in {1}: {2} (calling {3} for {4})".format(name, region, error, call, subject)
    elif isinstance(error, exceptions.ParamValidationError):
        # Not the network: botocore refused a value before sending anything.
        text = "{0} was not called: botocore refused a value of {1} for {2}: {3}".format(name, call, subject, error)
    else:
        text = "{0} in {1}: {2} for {3} failed: {4}".format(name, region, call, subject, error)
    # What a service or a file said goes to a terminal: one line (botocore's own reports have
    # several), and no escape sequence of the service's choosing.
    one_line = CONTROL_CHARACTERS.sub("?", _LINE_BREAKS.sub(" ", scrub(text, secrets)))
    # Cut once scrubbed, so that no secret is cut short of being recognised.
    if len(one_line) > DESCRIPTION_LIMIT:
        one_line = one_line[: DESCRIPTION_LIMIT - 3] + "..."
    return one_line + consequence


def call_of(error, default="the call"):
    """The operation a botocore error (or :func:`deadline_error`) names, else ``default``."""
    return getattr(error, "operation_name", None) or getattr(error, "kwargs", {}).get("call") or default


@contextlib.contextmanager
def calling(service, region, subject, login, consequence="", secrets=()):
    """Turn a botocore error (or the deadline) of the calls in the block into a
    :class:`ServiceError` worded by :func:`describe`. The block may set ``["call"]`` of
    the dict it is given to name the call in progress where botocore names none (a
    timeout, the deadline)."""
    exceptions = load_botocore().exceptions
    step = dict(call=None)
    try:
        yield step
    except (exceptions.ClientError, exceptions.BotoCoreError) as error:
        # The operation botocore names, else the step in progress, else what the deadline names.
        call = getattr(error, "operation_name", None) or step["call"] or call_of(error)
        raise ServiceError(describe(error, service, call, region, subject, login, consequence, secrets)) from None
