# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Discovery: the accounts and roles a session's login gives access to, and the
profiles named for them. aws_sso_accounts_info and aws_sso_profile's ``discover``
both go through here, so they list, select and name the same way.

The token is read as the user (the caller acts as the user); the portal is called
through ``_aws.clients``, which reads nothing the user controls. A failed or
timed-out call is a :class:`ServiceError` naming the call; a refused value a
:class:`ParameterError` naming the option."""

from __future__ import annotations

import datetime

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import SSO_SESSION
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profile_names import (
    check_template,
    profiles_for,
    shown,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_region
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError, ServiceError
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import session as sso_session
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import read_login


class NotLoggedIn(ServiceError):
    """The session has no usable token: a new login is the cure (the message says how)."""


def session_region(name, region, read_config, path):
    """``(name, sso_region, sso_start_url)`` of the session whose login lists the accounts: as
    given (``region`` not ``None``: the stanza need not exist yet, and its start URL is None),
    else from the config that ``read_config()`` returns, read from ``path`` (``name`` ``None``:
    its only session). Raises :class:`ParameterError` naming the option."""
    if region is not None:
        return sso_session.check_session_name("sso_session", name), check_region("sso_region", region), None
    config = read_config()
    if name is None:
        names = list(config.named_sections(SSO_SESSION))
        if len(names) != 1:
            raise ParameterError(
                "sso_session",
                None,
                "is missing: {0} has {1} [sso-session] stanzas ({2}); name one".format(
                    path, len(names), ", ".join(names) or "none"
                ),
            )
        name = sso_session.check_session_name("sso_session", names[0])
    session = sso_session.from_config(config, name, path)
    return name, session.region, session.start_url


def usable_token(read_bytes, home, name, start_url=None):
    """``(access token, expiry)`` of sso-session ``name``'s cached login, read with
    ``read_bytes``; :class:`NotLoggedIn`, with the login's message, unless it is usable
    (``_sso.token.login_state``: valid now, and a login to ``start_url`` when it is known).
    Discovery never refreshes: the AWS tools or a login do."""
    now = datetime.datetime.now(datetime.timezone.utc)
    access_token, state = read_login(read_bytes, home, name, now, start_url)
    if access_token is None:
        raise NotLoggedIn(state["message"])
    return access_token, state["expires_at"]


def list_accounts(name, region, access_token, include_roles=True, consequence=""):
    """Every account the portal of ``region`` lists for ``access_token`` (all pages), as
    dicts with account_id, account_name, email_address and roles (each account's role
    names when ``include_roles``, listed in parallel; else empty). The whole listing ends
    within ``clients.DEADLINE``; a failure, or an answer that is not the documented shape
    (:func:`answer_items`), is a :class:`ServiceError` for sso-session ``name`` naming the
    call, then ``consequence``."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws import (  # pylint: disable=import-outside-toplevel
        clients,
    )

    subject = "sso-session " + name
    with clients.calling(
        "sso", region, subject, sso_session.login_command(name), consequence, secrets=(access_token,)
    ) as step:
        portal = clients.client("sso", region, unsigned=True).raw

        def roles_of(account):
            pages = portal.get_paginator("list_account_roles").paginate(
                accessToken=access_token, accountId=account["account_id"]
            )
            answer = PortalAnswer("ListAccountRoles of account " + shown(account["account_id"]), subject, consequence)
            return [answer.text(item, path, "roleName") for path, item in answer.items(pages, "roleList")]

        def listing():
            step["call"] = "ListAccounts"
            pages = portal.get_paginator("list_accounts").paginate(accessToken=access_token)
            answer = PortalAnswer("ListAccounts", subject, consequence)
            accounts = [
                dict(
                    account_id=answer.text(item, path, "accountId"),
                    account_name=answer.text(item, path, "accountName", optional=True),
                    email_address=answer.text(item, path, "emailAddress", optional=True),
                    roles=[],
                )
                for path, item in answer.items(pages, "accountList")
            ]
            if include_roles:
                step["call"] = "ListAccountRoles"
                for account, roles in zip(accounts, clients.parallel_map(roles_of, accounts)):
                    account["roles"] = roles
            return accounts

        return clients.bounded("ListAccounts", listing)


class PortalAnswer:
    """The pages of one portal ``call`` as its API documents them, else a :class:`ServiceError`
    naming the call, the field and its value: botocore checks no type in an answer, so a wrong
    one would otherwise end the module with a traceback."""

    # The longest part of a value an error shows: enough to recognise it.
    SHOWN_LIMIT = 100

    def __init__(self, call, subject, consequence):
        self.call = call
        self.subject = subject
        self.consequence = consequence

    def error(self, problem):
        return ServiceError(
            "the SSO portal's answer to {0} for {1} is not what its API documents: {2}{3}".format(
                self.call, self.subject, problem, self.consequence
            )
        )

    def refuse(self, path, value, problem):
        """The error for ``value`` at ``path``, shown as Python writes it (control characters
        escaped), cut to :attr:`SHOWN_LIMIT` characters."""
        text = repr(value)
        if len(text) > self.SHOWN_LIMIT:
            text = text[: self.SHOWN_LIMIT - 3] + "..."
        return self.error("{0} is {1}, {2}".format(path, text, problem))

    def items(self, pages, field):
        """``(path, item)`` of each item of the list ``field`` of every page, each a dict; a
        page without the list (botocore's reading of a body that is not JSON) is refused."""
        index = 0
        pages = iter(pages)
        while True:
            try:
                page = next(pages, None)
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                # botocore's parser meets an item of the wrong type (a string for an object).
                raise self.error("botocore could not read it ({0}: {1})".format(type(error).__name__, error)) from None
            if page is None:
                return
            if field not in page:
                # The API always sends the list, empty or not. botocore reads a body that is not
                # JSON as a page without it: taken for "no accounts", a prune would remove them all.
                raise self.error("it has no {0} (a body that is not the API's JSON has none)".format(field))
            items = page[field]
            if not isinstance(items, list):
                raise self.refuse(field, items, "not a list")
            for item in items:
                path = "{0}[{1}]".format(field, index)
                if not isinstance(item, dict):
                    raise self.refuse(path, item, "not an object")
                yield path, item
                index += 1

    def text(self, item, path, field, optional=False):
        """The string ``item[field]``; an optional field absent or null is ``""``."""
        value = item.get(field)
        if value is None and optional:
            return ""
        if value is None:
            raise self.error("{0} has no {1}".format(path, field))
        if not isinstance(value, str):
            raise self.refuse("{0}.{1}".format(path, field), value, "not a string")
        return value


def check_query_result(selected, query, parameter="query"):
    """``selected``, what ``query`` gave, when it is a list of accounts to name profiles for."""
    if not isinstance(selected, list):
        raise ParameterError(
            parameter, query, "gives {0!r}, not a list of accounts to name profiles for".format(selected)
        )
    return selected


def discovered_profiles(session_name, accounts, template, prefix=""):
    """``(profiles, skipped)``: one profile per account and role of ``accounts``
    named by ``template``, only those a write for ``session_name`` accepts, and why
    each other one was left out. Raises :class:`ParameterError` (the option after
    ``prefix``, e.g. ``discover.``) for a template or accounts that cannot be named."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import (  # pylint: disable=import-outside-toplevel
        writable_profiles,
    )

    check_template(template, prefix + "profile_name_template")
    skipped = []
    # A role left out is warned about as the template's doing, whichever option holds it.
    named = profiles_for(accounts, template, skipped, accounts_parameter=prefix + "query")
    profiles, refused = writable_profiles(session_name, named)
    return profiles, skipped + refused


def with_discovered(discovered, listed):
    """The ``profiles`` items of one write: ``discovered``, where a ``listed`` item of
    the same name takes the place of the discovered one, then the other listed items,
    in order. Listed items stay as given: the write checks them."""
    listed = list(listed or [])
    named = {}
    for index, item in enumerate(listed):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            named.setdefault(item["name"], index)
    placed = set()
    merged = []
    for profile in discovered:
        index = named.get(profile["name"])
        if index is None:
            merged.append(profile)
        elif index not in placed:
            placed.add(index)
            merged.append(listed[index])
    return merged + [item for index, item in enumerate(listed) if index not in placed]
