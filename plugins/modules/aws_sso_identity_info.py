#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_identity_info
short_description: Verify whom an AWS profile signs in as (sts get-caller-identity)
version_added: 0.1.0
description:
  - Resolves O(profile) through botocore's own credential chain (for an SSO profile, the session's cached token,
    the portal's GetRoleCredentials, then STS) and calls STS GetCallerIdentity, as
    C(aws sts get-caller-identity --profile PROFILE) does.
  - Runs as O(user), with that user's config, credentials file and token cache, so that a token botocore refreshes
    stays the user's file.
  - Fails with the login command when the profile's SSO session has no usable token.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.INFO_MODULE
  - recro.aws_sso.user_config
  - recro.aws_sso.aws_calls
requirements:
  - boto3
options:
  profile:
    description: The profile to verify.
    type: str
    required: true
notes:
  - STS is reached at its usual endpoint for the profile's Region, or at C(AWS_ENDPOINT_URL_STS) where the module runs
    when that is set (and the portal at C(AWS_ENDPOINT_URL_SSO)).
  - The whole check (role credentials from the portal, then STS) is one operation with the deadline below.
  - Root acting for a user (O(user)) refuses a profile that gets its credentials by running a program
    (C(credential_process), in the profile, C([DEFAULT]) or a C(source_profile) it names, in the config or the
    credentials file), since the program would run with root's real user ID, from which it could take root back.
seealso:
  - module: recro.aws_sso.aws_sso_session_info
"""

EXAMPLES = r"""
- name: Verify the identity, as the guide's "Verify Your Identity" step
  recro.aws_sso.aws_sso_identity_info:
    profile: recrocog-admin
    user: alice
  become: true
  register: identity

- name: Show it
  ansible.builtin.debug:
    msg: "{{ identity.arn }} in account {{ identity.account }}"
"""

RETURN = r"""
profile:
  description: The profile verified.
  returned: always
  type: str
  sample: recrocog-admin
account:
  description: The account the profile signs in to.
  returned: success
  type: str
  sample: "012345678901"
arn:
  description: The identity's ARN.
  returned: success
  type: str
  sample: arn:aws:sts::012345678901:assumed-role/AWSReservedSSO_adminAccess_0123456789abcdef/cwilson
user_id:
  description: The identity's unique ID.
  returned: success
  type: str
  sample: "AROAEXAMPLEID:cwilson"
"""

import os

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import (
    PROFILE,
    ConfigFileError,
    credential_programs,
    read_config_file,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import login_command


def main():
    module = RecroModule(argument_spec=dict(profile=dict(type="str", required=True)), shared=("user", "path"))
    profile = module.params["profile"]
    account, path = module.account, module.config_path
    result = dict(changed=False, profile=profile)
    with module.failing_on(**result):
        with user_files.acting_as(account):
            config = read_config_file(path, user_files.read_bytes)[1]
        section = config.find(PROFILE, profile)
        if section is None:
            raise ParameterError("profile", profile, "is not in {0}".format(path))
        credentials = user_files.credentials_path(None, account, os.environ)
        if user_files.needs_switch(account):
            # botocore runs a credential_process as this process, whose real user is root: the program
            # could take root back. Root acting for a user runs none of the user's programs.
            with user_files.acting_as(account):
                try:
                    credentials_config = read_config_file(credentials, user_files.read_bytes)[1]
                except ConfigFileError as error:
                    raise ParameterError(
                        "profile", profile, "cannot be verified: {0}: {1}".format(credentials, error)
                    ) from None
            programs = credential_programs(profile, config, credentials_config)
            if programs:
                raise ParameterError(
                    "profile",
                    profile,
                    "gets its credentials by running a program (credential_process in {0}), which root acting for "
                    "user {1} does not run: verify it as the user".format(", ".join(programs), account.name),
                )
        session_entry = section.entry("sso_session")
        login = login_command(session_entry.raw_value if session_entry is not None else None, profile)
        # Only now, with HOME the user's: botocore's SSO provider reads the user's token cache.
        from ansible_collections.recro.aws_sso.plugins.module_utils._aws import (  # pylint: disable=import-outside-toplevel
            clients,
        )

        sts, region = clients.profile_client("sts", profile, path, credentials, account, user_files.acting_as)
        # As the user: a token botocore refreshes is written back to the user's cache, as the user's.
        with user_files.acting_as(account):
            with clients.calling("sts", region, "profile {0!r}".format(profile), login) as step:
                step["call"] = "GetCallerIdentity"
                identity = sts.get_caller_identity()
    result.update(path=path, account=identity["Account"], arn=identity["Arn"], user_id=identity["UserId"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
