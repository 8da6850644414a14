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

from ansible.module_utils.basic import missing_required_lib

# Botocore's retries in standard mode: the portal throttles listings of large organisations.
RETRIES = {"mode": "standard", "max_attempts": 5}


def boto3_for(module, account):
    """The ``boto3`` module, imported with ``HOME`` set to ``account``'s home; the
    standard missing-library failure of ``module`` without it."""
    os.environ["HOME"] = account.home
    try:
        import boto3  # pylint: disable=import-outside-toplevel
    except ImportError:
        module.fail_json(msg=missing_required_lib("boto3"), exception=traceback.format_exc())
    return boto3


def botocore_session(config_file, credentials_file=os.devnull):
    """A botocore session reading only ``config_file`` and ``credentials_file``,
    with no profile picked from the environment. Import boto3 first."""
    import botocore.session  # pylint: disable=import-outside-toplevel

    # Each entry: (name in the config file, environment variable, default, conversion).
    return botocore.session.Session(session_vars={
        "profile": (None, None, None, None),
        "config_file": (None, None, config_file, None),
        "credentials_file": (None, None, credentials_file, None),
    })


def portal_client(boto3, sso_region):
    """A client of the SSO portal API (unsigned: the access token is the credential)."""
    from botocore import UNSIGNED  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    session = boto3.session.Session(botocore_session=botocore_session(os.devnull))
    return session.client("sso", region_name=sso_region, config=Config(signature_version=UNSIGNED, retries=RETRIES))


def profile_session(boto3, profile, config_file, home):
    """A boto3 session of ``profile`` from ``config_file``, with the user's credentials file."""
    credentials_file = os.path.join(home, ".aws", "credentials")
    return boto3.session.Session(botocore_session=botocore_session(config_file, credentials_file), profile_name=profile)
