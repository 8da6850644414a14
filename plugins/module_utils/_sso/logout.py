# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which files an SSO login of one ``[sso-session]`` left behind, for a logout.

Pure logic and the standard library. A session's files are found by name only
(the names the AWS CLI and botocore give them, see ``_sso.cache``), never by
looking at every file of a cache directory, so no other session's file can be
taken along:

- its token (``~/.aws/sso/cache/<sha1 of the session name>.json``);
- our pending device authorization of it;
- the role credentials the CLI cached for each (``sso_account_id``,
  ``sso_role_name``) of the profiles that use it (``sso_session = NAME``), when
  the file says ``"ProviderType": "sso"``;
- its client registrations, for its start URL and Region, with the configured
  ``sso_registration_scopes``, without any (the device flow of a stanza that has
  none), and with the scope the PKCE flow registers by default.

Without the ``[sso-session]`` stanza the start URL and Region come from the
token file, when it has them; without either, the registrations cannot be named
and stay.
"""

from __future__ import annotations

import errno
import json
import os

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileRefused
from ansible_collections.recro.aws_sso.plugins.module_utils._common.files import check_regular
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import session
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import (
    FILE_LIMIT,
    pending_authorization_file,
    registration_cache_file,
    role_credentials_cache_file,
    token_cache_file,
)

TOKEN = "token"
PENDING = "pending authorization"
ROLE_CREDENTIALS = "role credentials"
REGISTRATION = "client registration"
# What present() says of a path it found: a file to read, or a link to nothing.
FILE = "file"
DANGLING_SYMLINK = "dangling symlink"


def _role_pairs(config, session_name):
    pairs = []
    for section in config.profiles_using(session_name).values():
        values = section.values()
        pair = (values.get("sso_account_id"), values.get("sso_role_name"))
        if all(isinstance(item, str) and item for item in pair) and pair not in pairs:
            pairs.append(pair)
    return pairs


def named_files(config, home, session_name):
    """``[(role, path)]``: the files named by the session's name and its profiles."""
    files = [(TOKEN, token_cache_file(home, session_name)), (PENDING, pending_authorization_file(home, session_name))]
    for account_id, role_name in _role_pairs(config, session_name):
        files.append((ROLE_CREDENTIALS, role_credentials_cache_file(home, account_id, role_name, session_name)))
    return files


def registration_files(config, home, session_name, token):
    """``[(role, path)]``: the session's client registration files. The start URL
    and Region are the stanza's, or the (parsed) ``token``'s without a stanza."""
    found = session.find(config, session_name)
    if found is not None:
        dummy, start_url, region, configured = found
    else:
        token = token if isinstance(token, dict) else {}
        start_url, region, configured = token.get("startUrl"), token.get("region"), None
    if not (isinstance(start_url, str) and start_url and isinstance(region, str) and region):
        return []
    paths = []
    for scopes in (configured, None, list(session.DEFAULT_SCOPES)):
        path = registration_cache_file(home, session_name, start_url, region, scopes)
        if path not in paths:
            paths.append(path)
    return [(REGISTRATION, path) for path in paths]


def present(files):
    """The ``files`` (``[(role, path)]``) that exist, as ``[(role, path, kind)]``, kind
    :data:`FILE` or :data:`DANGLING_SYMLINK`; raises :class:`FileRefused` naming the
    path and its role for the first that is anything else. Never opens a path."""
    found = []
    for role, path in files:
        try:
            status = check_regular(path)
        except FileRefused as error:
            raise FileRefused(path, error.kind, role=role) from None
        if status is not None:
            found.append((role, path, FILE))
        elif os.path.lexists(path):
            found.append((role, path, DANGLING_SYMLINK))
    return found


def is_sso_role_credentials(data):
    """Whether ``data`` (bytes) is a CLI cache entry of SSO role credentials."""
    try:
        entry = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(entry, dict) and entry.get("ProviderType") == "sso"


def removable(found, read_bytes):
    """Of ``present()``'s answer, the paths a logout deletes: all of them, except
    a role-credential file that is not SSO's (``read_bytes(path, limit)`` reads it).
    A file larger than FILE_LIMIT is not the CLI's and stays: reading it whole would let
    a sparse file of the user's exhaust the memory of root's process."""
    paths = []
    for role, path, kind in found:
        if role == ROLE_CREDENTIALS and kind == FILE:
            data = read_bytes(path, FILE_LIMIT + 1) or b""
            if len(data) > FILE_LIMIT or not is_sso_role_credentials(data):
                continue
        paths.append(path)
    return paths


def check_deletable(paths):
    """Raise ``OSError`` (EACCES) naming the first of ``paths`` whose directory this process
    (its effective ids: the user's, when root acts for one) may not delete from, before any
    deletion: a logout that stopped half-way would leave the session's files half removed."""
    effective = os.access in os.supports_effective_ids
    for path in paths:
        directory = os.path.dirname(path)
        if not os.access(directory, os.W_OK | os.X_OK, effective_ids=effective):
            raise OSError(errno.EACCES, "Permission denied: cannot delete files in {0}".format(directory), path)


def leftover_owners(files):
    """Of ``named_files()`` and ``registration_files()`` (``[(role, path)]``), the paths
    whose temporary files a killed write may have left (the token, the pending
    authorization, the registrations: what a login writes), present or not."""
    return [path for role, path in files if role in (TOKEN, PENDING, REGISTRATION)]
