# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""An ``[sso-session]``: its name, start URL, Region and registration scopes.

Pure logic and the standard library. Every module that reads a session (login,
logout, session and account look-ups) or writes one (aws_sso_profile) takes its
rules from here: which names are valid, how ``sso_registration_scopes`` is parsed
(as the AWS CLI parses it, so that the registration cache key is the CLI's), the
default scope, how the stanza is found and what is said when it is not."""

from __future__ import annotations

import collections
import re
import shlex

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_name, check_region, check_text
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

# What ``aws configure sso`` suggests, what the role writes, and what the PKCE flow
# registers when the stanza names no scopes: the scope that lets a token list accounts
# and roles and get role credentials (and, with it, a refresh token).
DEFAULT_SCOPES = ("sso:account:access",)
SCOPE_PATTERN = re.compile(r"[!-+\--~]+\Z")  # printable ASCII except space and comma
# The section kind in the config file (``_aws.config.SSO_SESSION``).
_STANZA = "sso-session"

Session = collections.namedtuple("Session", "name start_url region scopes")
Session.__doc__ = """One session's settings. ``scopes``: the parsed ``sso_registration_scopes``
(a list, possibly empty), or ``None`` when the stanza has none: the registration cache
key tells the two apart, as the AWS CLI does."""


def login_command(session_name, profile=None):
    """The AWS CLI v2 command that logs in to ``session_name`` again (without one, to
    ``profile``: a legacy SSO profile), the name quoted for a shell should it come from a
    file no check has read (a valid name needs no quotes); without either, the CLI's login
    of the default profile."""
    if session_name:
        return "aws sso login --sso-session {0}".format(shlex.quote(session_name))
    if profile:
        return "aws sso login --profile {0}".format(shlex.quote(profile))
    return "aws sso login"


def check_session_name(parameter, value):
    """An sso-session name every AWS tool reads (the profile-name rule)."""
    return check_name(parameter, value)


def check_start_url(parameter, value):
    """An https start URL without user info (never shown: :class:`ParameterError` hides it)."""
    check_text(parameter, value)
    if not value.startswith("https://") or len(value) == len("https://") or " " in value:
        raise ParameterError(parameter, value, "is not an https URL such as https://my-org.awsapps.com/start")
    authority = value[len("https://") :].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in authority:
        raise ParameterError(
            parameter,
            value,
            "holds a user name or password before the host: the config file is read by every AWS tool and often "
            "shared, and the portal needs none; give the URL without it",
        )
    return value


def check_scopes(parameter, value):
    """Scopes (a list, or one string) as the stanza's comma-separated value."""
    scopes = value if isinstance(value, list) else [value]
    if not scopes:
        raise ParameterError(parameter, value, "must name at least one scope")
    for index, scope in enumerate(scopes):
        item = "{0}[{1}]".format(parameter, index) if isinstance(value, list) else parameter
        check_text(item, scope)
        if not SCOPE_PATTERN.fullmatch(scope):
            raise ParameterError(item, scope, "is not a scope: scopes are comma-separated words without whitespace")
    return ",".join(scopes)


def parse_scopes(raw_value):
    """``sso_registration_scopes`` as the AWS CLI parses it: ``None`` when the stanza
    has none; otherwise the comma-separated scopes without whitespace, so an empty
    value or ``,`` is an empty list (a key of its own in the registration cache)."""
    if raw_value is None:
        return None
    return [scope.strip() for scope in raw_value.split(",") if scope.strip()]


def from_config(config, name, path):
    """The :class:`Session` of ``[sso-session name]`` in ``config`` (an ``AwsConfig``
    read from ``path``); :class:`ParameterError` naming ``sso_session`` when the
    stanza is missing or lacks a start URL or Region."""
    found = find(config, name)
    if found is None:
        names = list(config.named_sections(_STANZA))
        raise ParameterError(
            "sso_session",
            name,
            "has no [sso-session {0}] stanza in {1}; it has {2}".format(name, path, ", ".join(names) or "none"),
        )
    for key, value in (("sso_start_url", found.start_url), ("sso_region", found.region)):
        if value is None:
            raise ParameterError(
                "sso_session", name, "has no {0} in its [sso-session {1}] stanza in {2}".format(key, name, path)
            )
    return found


def find(config, name):
    """The :class:`Session` of ``[sso-session name]``, its start URL, Region and scopes
    each ``None`` when unset, or ``None`` without the stanza: for a caller that can go
    on without it (a logout, a report)."""
    section = config.find(_STANZA, name)
    if section is None:
        return None
    # botocore reads the stanza with configparser, which gives it [DEFAULT]'s keys.
    defaults = config.default_section()
    values = dict(defaults.values() if defaults is not None else {}, **section.values())
    return Session(
        name,
        values.get("sso_start_url") or None,
        values.get("sso_region") or None,
        parse_scopes(values.get("sso_registration_scopes")),
    )


def from_options(params):
    """The :class:`Session` given as options (``sso_session``, ``sso_start_url``,
    ``sso_region``, ``sso_registration_scopes``), checked as aws_sso_profile checks them
    before it writes them to the stanza (:func:`settings_from_options`), so that the
    registration cache key is the one a later read of the stanza gives; ``None`` when
    ``sso_start_url`` is not given (read the stanza instead). Raises :class:`ParameterError`."""
    name = check_session_name("sso_session", params["sso_session"])
    settings = settings_from_options(params)
    if settings is None:
        return None
    start_url, region, scopes = settings
    return Session(name, start_url, region, parse_scopes(scopes))


def settings_from_options(params):
    """``(sso_start_url, sso_region, sso_registration_scopes)`` of the options, each checked
    and the scopes as the stanza holds them (default :data:`DEFAULT_SCOPES`); ``None`` when
    ``sso_start_url`` is not given. The settings go together: a Region or scopes without a
    start URL, or a start URL without a Region, raise :class:`ParameterError`."""
    start_url = params.get("sso_start_url")
    if start_url is None:
        for option in ("sso_region", "sso_registration_scopes"):
            if params.get(option) is not None:
                raise ParameterError(
                    option,
                    params[option],
                    "needs sso_start_url: the session's settings (sso_start_url, sso_region, sso_registration_scopes) "
                    "go together",
                )
        return None
    if params.get("sso_region") is None:
        raise ParameterError("sso_region", None, "is missing: it goes with sso_start_url")
    scopes = params.get("sso_registration_scopes")
    return (
        check_start_url("sso_start_url", start_url),
        check_region("sso_region", params["sso_region"]),
        check_scopes("sso_registration_scopes", list(DEFAULT_SCOPES) if scopes is None else scopes),
    )
