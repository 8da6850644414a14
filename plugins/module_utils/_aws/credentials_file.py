# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a user's AWS credentials file is: the one rule every module follows.

Standard library only."""

from __future__ import annotations

import os

from ansible_collections.recro.aws_sso.plugins.module_utils._common.files import expand_home


def credentials_path(given, account, environ):
    """The credentials file botocore reads for ``account``: ``given`` (a module's
    ``credentials_path`` option, ``~`` the account's home), else ``AWS_SHARED_CREDENTIALS_FILE``
    of ``environ`` when the module runs as ``account`` (the environment is then the
    account's own), else ``~/.aws/credentials`` of the account. Root working for another
    user never takes its own environment's file for the user's."""
    if given:
        return expand_home(given, account, "credentials_path")
    # The real uid: root's effective one is the user's while it acts for her (_common.files.acting_as).
    if environ.get("AWS_SHARED_CREDENTIALS_FILE") and os.getuid() == account.uid:
        return expand_home(environ["AWS_SHARED_CREDENTIALS_FILE"], account)
    return os.path.join(account.home, ".aws", "credentials")
