# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The SSO cache layout: where the AWS CLI v2 and botocore keep what an SSO login
leaves behind (the token, a client registration per scopes, the role credentials),
where ours keeps a pending device authorization. The names are theirs, so that the CLI
and every SDK use (and refresh) a login of ours as their own. Files are read with
``_common.files.read_bytes`` and written with ``_common.writing.write_private_file``
under ``_common.writing.locked_private_directory`` (the cache directory's lock)."""

from __future__ import annotations

import hashlib
import json
import os

__all__ = [
    "FILE_LIMIT",
    "cli_cache_directory",
    "pending_authorization_file",
    "registration_cache_file",
    "role_credentials_cache_file",
    "sso_cache_directory",
    "token_cache_file",
]


# A login's files are a few kilobytes; a larger one is not a login, and reading it whole
# would let a sparse file of the user's exhaust the memory of root's process.
FILE_LIMIT = 1 << 20


def _sha1(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def sso_cache_directory(home):
    return os.path.join(home, ".aws", "sso", "cache")


def cli_cache_directory(home):
    return os.path.join(home, ".aws", "cli", "cache")


def token_cache_file(home, session_name):
    """Where botocore looks for the token of ``session_name``: the sha1 of the name."""
    return os.path.join(sso_cache_directory(home), _sha1(session_name) + ".json")


def registration_cache_file(home, session_name, start_url, region, scopes):
    """The client registration botocore's SSO token fetcher (and so ``aws sso
    login``) reuses: sha1 of its cache key dumped with sorted keys and the
    default separators. ``scopes`` is the parsed list, or ``None`` when the
    stanza has no ``sso_registration_scopes``."""
    key = {
        "tool": "botocore",
        "startUrl": start_url,
        "region": region,
        "scopes": scopes,
        "session_name": session_name,
    }
    return os.path.join(sso_cache_directory(home), _sha1(json.dumps(key, sort_keys=True)) + ".json")


def role_credentials_cache_file(home, account_id, role_name, session_name):
    """The role credentials the CLI caches after ``GetRoleCredentials`` for a
    profile of ``session_name``: sha1 of the compact, sorted JSON key."""
    key = {"accountId": account_id, "roleName": role_name, "sessionName": session_name}
    return os.path.join(
        cli_cache_directory(home), _sha1(json.dumps(key, sort_keys=True, separators=(",", ":"))) + ".json"
    )


def pending_authorization_file(home, session_name):
    """Ours alone: a device authorization started but not yet approved, kept
    so that a second task (or run) polls it instead of starting another. It
    holds the device code, so it is private like the token."""
    return os.path.join(sso_cache_directory(home), "recro-aws-sso-pending-" + _sha1(session_name) + ".json")
