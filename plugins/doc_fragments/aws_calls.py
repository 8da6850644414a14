# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """How every module of recro.aws_sso that calls AWS makes its calls (``_aws.clients``)."""

    # The numbers are those of _aws.clients (CONNECT_TIMEOUT, READ_TIMEOUT, MAX_ATTEMPTS,
    # DEADLINE, MINIMUM_BOTOCORE_VERSION); a unit test keeps them equal.
    DOCUMENTATION = r"""
options: {}
requirements:
  - botocore 1.34.103 or later wherever the module calls AWS (checked when it runs; an older one fails the task
    naming this minimum).
notes:
  - "Calls to AWS (the SSO portal, sso-oidc, STS): 5 s to connect, 15 s for each read, botocore's standard retries
    (3 attempts). Each operation, its retries and every page included, ends within 45 s, or the task fails naming
    the call that did not finish and saying what was and was not changed."
  - botocore reads only its own service models, never the user's C(~/.aws/models) or C(AWS_DATA_PATH), so nothing in
    the user's files decides where a call goes. Run as root for O(user), botocore is loaded and called with root's
    ids and the user's files are read with the user's ids.
"""
