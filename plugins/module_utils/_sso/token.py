# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SSO token cache that ``aws sso login`` writes, read as botocore reads it.

Pure logic and the standard library. ``~/.aws/sso/cache/<sha1 of the session
name>.json`` (``_sso.cache.token_cache_file``) holds the access token of an
``[sso-session]``; this module reads it, says when it expires and whether
botocore can refresh it, and never puts the token itself in what it returns.
"""

from __future__ import annotations

import datetime
import json
import re

from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import FILE_LIMIT, token_cache_file
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import login_command

# botocore refreshes a token within this many seconds of its expiry.
BOTOCORE_REFRESH_WINDOW = 15 * 60
_UTC = datetime.timezone.utc


def read_cached_token(read_bytes, home, session_name, now, margin):
    """``(token, description)`` of the session's cache file, read with
    ``read_bytes(path, limit)`` (content or ``None``); ``token`` is ``None`` when there
    is none to use. Only ``description`` is fit to show."""
    path = token_cache_file(home, session_name)
    try:
        data = read_bytes(path, FILE_LIMIT + 1)
    except (IOError, OSError) as error:  # a directory, a FIFO, no permission...
        return None, {"status": "invalid", "problem": "{0}: {1}".format(path, error.strerror or error)}
    if data is None:
        return None, {"status": "missing"}
    if len(data) > FILE_LIMIT:
        return None, {"status": "invalid", "problem": "{0} is larger than {1} bytes".format(path, FILE_LIMIT)}
    try:
        token = json.loads(data.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError too
        return None, {"status": "invalid", "problem": "not JSON ({0})".format(error)}
    except RecursionError:  # JSON nested deeper than Python parses
        return None, {"status": "invalid", "problem": "not JSON (nested too deeply)"}
    return token, describe_token(token, now, margin)


# What botocore's dateutil.parser.parse reads as an aware time, in the forms
# the tools write: ISO 8601 (extended or basic) and RFC 2822. A zone is
# ``Z``/``z``/``UTC``/``GMT`` or a numeric offset (``+00:00``, ``+0000``, ``+00``);
# fractions of a second of any length, cut to microseconds as dateutil does.
_ZONE = r"\s*(?:(?P<utc>Z|z|UTC|GMT)|(?P<sign>[+-])(?P<oh>\d{2})(?::?(?P<om>\d{2}))?)"
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{1,2})(?::(?P<S>\d{1,2})(?:[.,](?P<f>\d+))?)?"
# In the order they are tried, compiled when first tried: a module reads a timestamp the
# tools wrote in the first form on every run and compiles its Python anew each time.
_TIMESTAMP_PATTERNS = (
    r"(?P<Y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})[Tt ]" + _TIME + _ZONE,
    r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})[Tt](?P<H>\d{2})(?P<M>\d{2})(?:(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?" + _ZONE,
    r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-zA-Z]*,?\s+)?(?P<d>\d{1,2})\s+(?P<b>(?i:[a-z]{3,9}))\s+(?P<Y>\d{4})\s+"
    + _TIME
    + _ZONE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def usable_secret(value):
    """Whether a token or secret from a file can be sent as it is: a non-empty string of
    printable ASCII without spaces (what the service issues), never a line break or an
    escape that would change the request it goes in or the message that names it."""
    # Printable ASCII without a space, by str methods: no pattern compiled on every run.
    return isinstance(value, str) and bool(value) and value.isascii() and value.isprintable() and " " not in value


def parse_timestamp(text):
    """A cache timestamp as an aware datetime in UTC, parsed as botocore parses
    ``expiresAt`` (``dateutil.parser.parse``) for the forms the tools write:
    ``2026-11-26T17:00:00Z`` (``z``, ``UTC``, ``+00:00``, ``+0000``, ``+00``,
    other offsets, fractions of a second, a space for ``T``), the basic
    ``20261126T170000Z`` and RFC 2822 ``Thu, 26 Nov 2026 17:00:00 GMT``.

    Regular expressions and arithmetic only, so that every Python from 3.8 on
    reads the same text the same way (``datetime.fromisoformat`` does not).
    botocore cannot compare a time without a zone; such a timestamp, and any
    other text, raises ``ValueError``.
    """
    if not isinstance(text, str):
        raise ValueError("not a timestamp: {0!r}".format(text))
    value = text.strip()
    for pattern in _TIMESTAMP_PATTERNS:
        match = re.fullmatch(pattern, value)
        if match:
            break
    else:
        raise ValueError("timestamp {0!r} is not an ISO 8601 or RFC 2822 time with a time zone".format(text))
    fields = match.groupdict()
    if fields.get("b") is not None:
        name = fields["b"].lower()
        if name in _MONTH_NAMES:
            month = _MONTH_NAMES.index(name) + 1
        elif name in _MONTHS:
            month = _MONTHS.index(name) + 1
        elif name == "sept":
            month = 9
        else:
            raise ValueError("timestamp {0!r}: no such month {1!r}".format(text, fields["b"]))
    else:
        month = int(fields["m"])
    microsecond = int((fields["f"] or "0").ljust(6, "0")[:6])
    try:
        parsed = datetime.datetime(
            int(fields["Y"]),
            month,
            int(fields["d"]),
            int(fields["H"]),
            int(fields["M"]),
            int(fields["S"] or 0),
            microsecond,
        )
    except ValueError as error:
        raise ValueError("timestamp {0!r}: {1}".format(text, error)) from error
    if fields["utc"]:
        return parsed.replace(tzinfo=_UTC)
    offset = datetime.timedelta(hours=int(fields["oh"]), minutes=int(fields["om"] or 0))
    if offset >= datetime.timedelta(hours=24):
        raise ValueError("timestamp {0!r}: the offset is not under 24 hours".format(text))
    if fields["sign"] == "-":
        offset = -offset
    try:
        return (parsed - offset).replace(tzinfo=_UTC)
    except OverflowError as error:  # 9999-12-31T23:30:00-01:00 is past the last year Python knows
        raise ValueError("timestamp {0!r}: {1}".format(text, error)) from error


def describe_token(token, now, margin):
    """What can be said of a token cache entry without showing the token.

    ``token``: the parsed cache file (a dict), ``now``: an aware datetime,
    ``margin``: seconds; a token expiring within it counts as expiring.
    """
    if not isinstance(token, dict) or not token.get("accessToken"):
        return {"status": "invalid", "problem": "the cache file holds no accessToken"}
    if not usable_secret(token["accessToken"]):
        # It would go into an HTTP header: a line break there is a request of the file's choosing.
        return {"status": "invalid", "problem": "its accessToken is not a string of printable characters"}
    try:
        expires_at = parse_timestamp(token.get("expiresAt"))
    except ValueError as error:
        return {"status": "invalid", "problem": "expiresAt: {0}".format(error)}
    expires_in = int((expires_at - now).total_seconds())
    description = {
        "expires_at": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expires_in": expires_in,
        "expired": expires_in <= 0,
        "expiring": expires_in <= margin,
        "refreshable": _refreshable(token, now),
    }
    if description["expired"]:
        description["status"] = "expired"
    elif description["expiring"]:
        description["status"] = "expiring"
    else:
        description["status"] = "valid"
    return description


def _refreshable(token, now):
    """botocore refreshes with a refresh token and a registration that has not expired."""
    # Strings only: a value of another type would be echoed by botocore's parameter check.
    if not all(usable_secret(token.get(key)) for key in ("refreshToken", "clientId", "clientSecret")):
        return False
    if not isinstance(token.get("registrationExpiresAt"), str):
        return False
    try:
        return parse_timestamp(token["registrationExpiresAt"]) > now
    except ValueError:
        return False


def read_login(read_bytes, home, session_name, now, start_url=None):
    """``(access token, login_state)`` of the session's cache file (:func:`login_state`): the
    token only while it is usable (else None), for a caller that calls the portal with it and
    must never return it."""
    token, description = read_cached_token(read_bytes, home, session_name, now, BOTOCORE_REFRESH_WINDOW)
    state = login_state(token, description, session_name, start_url)
    return (token["accessToken"] if state["usable"] else None), state


def _registration_end(token):
    """The client registration's ``registrationExpiresAt`` of a cache entry as
    ``%Y-%m-%dT%H:%M:%SZ``, or None without a readable one."""
    try:
        return parse_timestamp(token["registrationExpiresAt"]).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, KeyError, ValueError):
        return None


def for_start_url(token, description, start_url):
    """``description`` of the cache entry ``token``, or ``invalid`` when it is a login to
    another start URL than ``start_url`` (None: not known, not checked): botocore's provider
    would use it, but it signs in to another organisation's portal. A file that is no usable
    login anyway (no accessToken, an expiresAt botocore cannot read) keeps its own problem:
    it is not a login to anything, and the problem named is the one to correct."""
    if description["status"] == "invalid":
        return description
    if isinstance(token, dict) and start_url is not None and token.get("startUrl") != start_url:
        return {"status": "invalid", "problem": "it is a login to another start URL"}
    return description


def login_state(token, description, session_name, start_url=None):
    """The login as every module reports and judges it, one rule for all: ``status``
    (describe_token's, or ``invalid`` for a login to a start URL other than ``start_url``
    when given), ``expires_at``, ``usable`` (valid now: the portal takes it), ``refreshable``
    (botocore can renew it without a browser), ``refresh_until`` (when refreshable: the client
    registration's expiry, after which it cannot), ``ends_at`` (when only a new login in the
    browser helps: the later of ``refresh_until``, when refreshable, and ``expires_at``; None
    without either), ``end_key`` (what names that end for telling it once: the registration's
    expiry where the token has one, which refreshes do not move, else ``expires_at``) and
    ``message``. ``token``: the cache entry, ``description``: read_cached_token's
    or describe_token's for it, with botocore's refresh window."""
    description = for_start_url(token, description, start_url)
    status = description["status"]
    state = dict(
        status=status,
        expires_at=description.get("expires_at"),
        usable=status in ("valid", "expiring"),
        refreshable=bool(description.get("refreshable")),
        message=explain(session_name, description),
    )
    registration_ends = _registration_end(token) if status != "invalid" else None
    if state["refreshable"]:
        state["refresh_until"] = registration_ends
    # Both are "%Y-%m-%dT%H:%M:%SZ" texts: the later one is the greater. A token refreshed just
    # before the registration expires outlives it: the login ends with that token.
    state["ends_at"] = max([end for end in (state.get("refresh_until"), state["expires_at"]) if end] or [None])
    # What the end is told by, once (_notify.advice): the registration's end, which refreshes of
    # the token do not move, where the token has one; else the token's own expiry.
    state["end_key"] = registration_ends or state["expires_at"]
    return state


def seconds_left(state, now):
    """Seconds from ``now`` (an aware datetime) to the ``ends_at`` of ``state``
    (:func:`login_state`): when only a new login in the browser helps; None without one."""
    try:
        end = datetime.datetime.strptime(state.get("ends_at"), "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return None
    return (end.replace(tzinfo=datetime.timezone.utc) - now).total_seconds()


def explain(session_name, description):
    """One sentence for people: the state of the session's login and what to do."""
    status = description["status"]
    login = login_command(session_name)
    if status == "missing":
        return "not logged in to sso-session {0}: run `{1}`".format(session_name, login)
    if status == "invalid":
        return "the token cache of sso-session {0} cannot be used ({1}): run `{2}`".format(
            session_name, description["problem"], login
        )
    left = _duration(abs(description["expires_in"]))
    if status == "expired":
        renewal = "the AWS tools refresh it on next use" if description["refreshable"] else "run `{0}`".format(login)
        return "the login to sso-session {0} expired at {1} ({2} ago): {3}".format(
            session_name, description["expires_at"], left, renewal
        )
    if status == "expiring":
        return "the login to sso-session {0} expires at {1} (in {2}): run `{3}` soon".format(
            session_name, description["expires_at"], left, login
        )
    return "logged in to sso-session {0} until {1} (in {2})".format(session_name, description["expires_at"], left)


def _duration(seconds):
    hours, rest = divmod(int(seconds), 3600)
    minutes = rest // 60
    if hours >= 48:
        return "{0} days".format(hours // 24)
    if hours:
        return "{0} h {1} min".format(hours, minutes)
    return "{0} min".format(minutes)
