# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""boto3 for the modules that call AWS, loaded for the user they work for.

boto3 is imported here, on demand, and not at the top of the modules: botocore
fixes the SSO token cache directory (``~/.aws/sso/cache``) from ``HOME`` when it
is imported, so ``HOME`` must be the user's first. The sessions made here read
only the files they are given, whatever ``AWS_PROFILE`` or credentials the
process inherited.
"""

from __future__ import annotations

import os
import traceback
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import missing_required_lib

# Botocore's retries in standard mode: the portal throttles listings of large organisations.
RETRIES = {"mode": "standard", "max_attempts": 5}
# Parallel ListAccountRoles calls: enough to list hundreds of accounts in seconds, few
# enough not to be throttled.
ROLE_LISTING_WORKERS = 8


def import_boto3(account):
    """The ``boto3`` module, imported with ``HOME`` set to ``account``'s home;
    raises ImportError without it."""
    os.environ["HOME"] = account.home
    import boto3  # pylint: disable=import-outside-toplevel

    return boto3


def boto3_for(module, account):
    """The ``boto3`` module, imported with ``HOME`` set to ``account``'s home; the
    standard missing-library failure of ``module`` without it."""
    try:
        return import_boto3(account)
    except ImportError:
        module.fail_json(msg=missing_required_lib("boto3"), exception=traceback.format_exc())


def botocore_session(config_file, credentials_file=os.devnull):
    """A botocore session reading only ``config_file`` and ``credentials_file``,
    with no profile picked from the environment. Import boto3 first."""
    import botocore.session  # pylint: disable=import-outside-toplevel

    # Each entry: (name in the config file, environment variable, default, conversion).
    return botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, config_file, None),
            "credentials_file": (None, None, credentials_file, None),
        }
    )


def portal_client(boto3, sso_region):
    """A client of the SSO portal API (unsigned: the access token is the credential)."""
    from botocore import UNSIGNED  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    session = boto3.session.Session(botocore_session=botocore_session(os.devnull))
    return session.client("sso", region_name=sso_region, config=Config(signature_version=UNSIGNED, retries=RETRIES))


def list_accounts(client, access_token, include_roles=True):
    """Every account of the portal ``client`` for ``access_token`` (all pages), as
    dicts with account_id, account_name, email_address and roles (each account's
    role names when ``include_roles``, listed in parallel; else empty)."""
    pages = client.get_paginator("list_accounts").paginate(accessToken=access_token)
    accounts = [
        dict(
            account_id=item["accountId"],
            account_name=item.get("accountName", ""),
            email_address=item.get("emailAddress", ""),
            roles=[],
        )
        for page in pages
        for item in page["accountList"]
    ]
    if include_roles:

        def roles_of(account):
            pages = client.get_paginator("list_account_roles").paginate(
                accessToken=access_token, accountId=account["account_id"]
            )
            return [item["roleName"] for page in pages for item in page["roleList"]]

        with ThreadPoolExecutor(max_workers=ROLE_LISTING_WORKERS) as pool:
            for account, roles in zip(accounts, pool.map(roles_of, accounts)):
                account["roles"] = roles
    return accounts


def profile_session(boto3, profile, config_file, home):
    """A boto3 session of ``profile`` from ``config_file``, with the user's credentials file."""
    credentials_file = os.path.join(home, ".aws", "credentials")
    return boto3.session.Session(botocore_session=botocore_session(config_file, credentials_file), profile_name=profile)


def describe_aws_error(error, exceptions, service, region, subject, login):
    """One sentence for a botocore error of a call to ``service`` (e.g. "the SSO
    portal", "STS") in ``region`` on behalf of ``subject`` (e.g. "sso-session
    recro", "profile 'dev'"), with ``login``, the command that logs in again,
    where a new login is the cure. ``exceptions`` is ``botocore.exceptions``.
    The modules that call AWS all say the same things the same way."""
    token_errors = tuple(
        getattr(exceptions, name)
        for name in ("SSOTokenLoadError", "TokenRetrievalError", "UnauthorizedSSOTokenError")
        if hasattr(exceptions, name)
    )
    if isinstance(error, token_errors):
        return "{0} has no usable SSO login ({1}): run `{2}`".format(subject, error, login)
    if isinstance(error, exceptions.ClientError):
        code = error.response.get("Error", {}).get("Code")
        if code == "UnauthorizedException":
            return "{0} refused the login of {1} (signed out, or the session ended): run `{2}`".format(
                service, subject, login
            )
        return "{0} refused {1}: {2}".format(service, subject, error)
    return "cannot reach {0} in {1}: {2}".format(service, region, error)
