#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_accounts_info
short_description: List the AWS accounts and roles an IAM Identity Center (SSO) login gives access to
version_added: 0.1.0
description:
  - With the cached token of an C([sso-session]) (what C(aws sso login) wrote), lists every account the user may
    use and each account's roles (permission sets), through the SSO portal API, all pages.
  - What C(aws configure sso) shows as "The only AWS account available to you is ...", for any number of accounts.
  - Fails with the command to run (C(aws sso login --sso-session NAME)) when there is no token or it has expired.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.INFO_MODULE
  - recro.aws_sso.user_config
  - recro.aws_sso.aws_calls
requirements:
  - boto3
  - jmespath (only for O(query); boto3 depends on it)
options:
  sso_session:
    description:
      - The session whose login to use. Default is the only C([sso-session]) in the config file.
    type: str
  sso_region:
    description:
      - The Region of the session's portal, to list the accounts before the C([sso-session]) stanza is written, as
        C(aws configure sso) does before it writes the profile it offers.
      - With it, O(sso_session) is required and the config file is not read.
    type: str
  include_roles:
    description: List each account's roles (one more call per account, made in parallel).
    type: bool
    default: true
  query:
    description:
      - A JMESPath expression over the result (its RV(accounts) and RV(sso_session)), as C(aws --query) takes;
        its value is returned as RV(query_result).
      - "For example V(accounts[?starts_with(account_name, 'prod')]), or
        V(accounts[].{account_id: account_id, roles: roles[?@ != 'ReadOnly']})."
    type: str
  profile_name_template:
    description:
      - Also return RV(profiles), one per account and role (of RV(query_result) when O(query) is given, which must
        then be a list of accounts), ready for the O(recro.aws_sso.aws_sso_profile#module:profiles) option.
      - Each name is this template with the fields C({account_name}), C({account_id}), C({role_name}) and C({role})
        (the role name without a trailing C(Access), so V(adminAccess) gives V(admin)), in lower case, with any run
        of characters other than letters, digits and C(_.@%+:-) turned into one C(-).
      - V({account_name}-{role}) names the guide's account C(recrocog) and role C(adminAccess) V(recrocog-admin).
      - Two accounts or roles that would get the same name fail the task, naming both. A role the template cannot
        name, or whose profile M(recro.aws_sso.aws_sso_profile) would refuse (an account ID or role name that is not
        one), is left out with a warning, so that one odd account never stops the others.
    type: str
notes:
  - The portal is reached at C(portal.sso.REGION.amazonaws.com) for the session's C(sso_region), or at
    C(AWS_ENDPOINT_URL_SSO) where the module runs when that is set.
  - The whole listing (every page, every account's roles) is one operation with the deadline below. Nothing is
    changed, whatever the outcome.
  - An expired token is not refreshed here; the AWS CLI refreshes a refreshable one on its next use.
seealso:
  - module: recro.aws_sso.aws_sso_session_info
  - module: recro.aws_sso.aws_sso_profile
"""

EXAMPLES = r"""
- name: Every account and role Alice has
  recro.aws_sso.aws_sso_accounts_info:
    user: alice
    sso_session: recro
  become: true
  register: access

- name: Production accounts only, without the ReadOnly role
  recro.aws_sso.aws_sso_accounts_info:
    sso_session: recro
    query: "accounts[?starts_with(account_name, 'prod')].{account_id: account_id, account_name: account_name, roles: roles[?@ != 'ReadOnly']}"
  register: production

- name: A profile per account and role (aws_sso_profile's discover option does both in one task)
  recro.aws_sso.aws_sso_accounts_info:
    sso_session: recro
    query: "accounts[?account_name != 'sandbox']"
    profile_name_template: "{account_name}-{role}"
  register: discovered

- name: Write them
  recro.aws_sso.aws_sso_profile:
    sso_session: recro
    profiles: "{{ discovered.profiles }}"
    prune: true

- name: The login has expired or is missing
  recro.aws_sso.aws_sso_accounts_info:
    sso_session: recro
  register: access
  ignore_errors: true

- name: Say what to run
  ansible.builtin.debug:
    msg: "{{ access.msg }}"  # e.g. "not logged in to sso-session recro: run `aws sso login --sso-session recro`"
  when: access is failed
"""

RETURN = r"""
path:
  description: The config file read.
  returned: always
  type: str
  sample: /home/alice/.aws/config
sso_session:
  description: The session whose login was used.
  returned: always
  type: str
  sample: recro
expires_at:
  description: When the session's token expires, in UTC.
  returned: always
  type: str
  sample: "2026-11-26T17:00:00Z"
accounts:
  description: Every account, in the portal's order.
  returned: always
  type: list
  elements: dict
  contains:
    account_id:
      description: The 12-digit account ID.
      type: str
      sample: "012345678901"
    account_name:
      description: The account's name.
      type: str
      sample: recrocog
    email_address:
      description: The account's root email address.
      type: str
      sample: aws@recrocog.com
    roles:
      description: The roles (permission sets) the user has in the account; empty without O(include_roles).
      type: list
      elements: str
      sample: [adminAccess, ReadOnly]
query_result:
  description: The value of O(query).
  returned: when O(query) is given
  type: raw
profiles:
  description: One profile per account and role, named by O(profile_name_template).
  returned: when O(profile_name_template) is given
  type: list
  elements: dict
  contains:
    name:
      description: The profile's name.
      type: str
      sample: recrocog-admin
    sso_account_id:
      description: The account.
      type: str
      sample: "012345678901"
    sso_role_name:
      description: The role.
      type: str
      sample: adminAccess
"""

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._aws import discovery
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import read_config_file
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profile_names import check_template
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule, run_query


def main():
    module = RecroModule(
        argument_spec=dict(
            sso_session=dict(type="str"),
            sso_region=dict(type="str"),
            include_roles=dict(type="bool", default=True),
            query=dict(type="str"),
            profile_name_template=dict(type="str"),
        ),
        shared=("user", "path"),
        required_by=dict(sso_region="sso_session"),
    )
    params, account, path = module.params, module.account, module.config_path
    template = params["profile_name_template"]
    with module.failing_on():
        if template is not None:
            check_template(template)
        with user_files.acting_as(account):
            name, region, start_url = discovery.session_region(
                params["sso_session"],
                params["sso_region"],
                lambda: read_config_file(path, user_files.read_bytes)[1],
                path,
            )
            access_token, expires_at = discovery.usable_token(user_files.read_bytes, account.home, name, start_url)
        # After the login check: without a token there is nothing to call AWS with.
        accounts = discovery.list_accounts(name, region, access_token, params["include_roles"])

    result = dict(changed=False, path=path, sso_session=name, expires_at=expires_at, accounts=accounts)
    selected = accounts
    if params["query"]:
        selected = result["query_result"] = run_query(module, dict(sso_session=name, accounts=accounts))
    if template is not None:
        with module.failing_on():
            profiles, skipped = discovery.discovered_profiles(
                name, discovery.check_query_result(selected, params["query"]), template
            )
        for reason in skipped:
            module.warn("skipped a profile: {0}".format(reason))
        result["profiles"] = profiles
    module.exit_json(**result)


if __name__ == "__main__":
    main()
