#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_session_info
short_description: Report the login state of AWS IAM Identity Center (SSO) sessions
version_added: 0.1.0
description:
  - For one C([sso-session]) of C(~/.aws/config), or all of them, reports where its token cache file is, whether
    a token exists, when it expires, whether it has expired or will within O(expiry_margin), and whether botocore can
    refresh it without a new login.
  - Reads the token cache that C(aws sso login) writes (C(~/.aws/sso/cache/<sha1 of the session name>.json)). Never
    returns or logs the token itself.
  - Needs only the Python standard library, except for O(query).
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.INFO_MODULE
  - recro.aws_sso.user_config
requirements:
  - jmespath (only for O(query))
options:
  sso_session:
    description:
      - One session to look up, returned as RV(session) and as the one item of RV(sessions). Default is every
        C([sso-session]) in the config file.
      - "A session the config file does not have is not a failure: RV(session.status) is V(missing),
        RV(session.stanza_found) is false and RV(sessions) is empty."
      - "A name every AWS tool reads (letters, digits and C(_ . @ % + : -)), as for M(recro.aws_sso.aws_sso_profile)."
      - The alias O(name) is the option's name in 0.2.0; the session is O(sso_session) in every module of the
        collection.
    type: str
    aliases: [name]
  expiry_margin:
    description:
      - Seconds. A token that expires within this margin is reported as expiring (RV(sessions[].expiring)).
      - The default is botocore's refresh window. 0 to 31622400 (a year).
    type: int
    default: 900
  query:
    description:
      - A JMESPath expression over the result (its RV(sessions) and RV(path)), as C(aws --query) takes;
        its value is returned as RV(query_result).
      - For example V(sessions[?status!='valid'].login_command).
    type: str
notes:
  - The token cache is always in C(~/.aws/sso/cache) of O(user), as for botocore, whatever O(path) is.
seealso:
  - module: recro.aws_sso.aws_sso_profile
  - module: recro.aws_sso.aws_sso_accounts_info
"""

EXAMPLES = r"""
- name: Is Alice logged in?
  recro.aws_sso.aws_sso_session_info:
    user: alice
    sso_session: recro
  become: true
  register: login

- name: Tell her how to log in when she is not
  ansible.builtin.debug:
    msg: "{{ login.session.message }}"
  when: login.session.status != 'valid'

- name: The sessions that need a login within the hour
  recro.aws_sso.aws_sso_session_info:
    expiry_margin: 3600
    query: "sessions[?status!='valid'].name"
  register: to_renew
"""

RETURN = r"""
path:
  description: The config file read.
  returned: always
  type: str
  sample: /home/alice/.aws/config
sessions:
  description: One item per session, in the order of the config file.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The session's name.
      type: str
      sample: recro
    sso_start_url:
      description: The session's start URL, when it has one.
      type: str
      sample: https://recrocog.awsapps.com/start
    sso_region:
      description: The session's Region, when it has one.
      type: str
      sample: us-east-1
    profiles:
      description: The profiles that use the session.
      type: list
      elements: str
      sample: [recrocog-admin]
    token_cache_file:
      description: Where botocore looks for the session's token.
      type: str
      sample: /home/alice/.aws/sso/cache/2c5ce9e2bbb1a4d8d48b1af2e2c6a1a2f5d1d0c4.json
    token_found:
      description: Whether the token cache file exists.
      type: bool
    status:
      description:
        - V(valid), V(expiring) (within O(expiry_margin)), V(expired), V(missing) (no token, never logged in or
          logged out), or V(invalid) (a cache file botocore cannot use, or a login to another start URL than the stanza's).
      type: str
      sample: valid
    expires_at:
      description: When the token expires, in UTC.
      returned: when a token was found
      type: str
      sample: "2026-11-26T17:00:00Z"
    expires_in:
      description: Seconds until the token expires; negative once it has.
      returned: when a token was found
      type: int
      sample: 28800
    expired:
      description: Whether the token has expired.
      returned: when a token was found
      type: bool
    expiring:
      description: Whether the token has expired or expires within O(expiry_margin).
      returned: when a token was found
      type: bool
    refreshable:
      description: Whether botocore can refresh the token without a new login (a refresh token and an unexpired client registration).
      returned: when a token was found
      type: bool
    login_command:
      description: The command that logs in to the session.
      type: str
      sample: aws sso login --sso-session recro
    message:
      description: The state in one sentence, with what to do.
      type: str
      sample: "logged in to sso-session recro until 2026-11-26T17:00:00Z (in 7 h 59 min)"
session:
  description:
    - The session O(sso_session), with the same keys as an item of RV(sessions), and RV(session.stanza_found).
    - Without a C([sso-session]) stanza of that name, only C(name), C(stanza_found), C(status) (V(missing)),
      C(login_command), C(token_cache_file) and C(message).
  returned: when O(sso_session) is given
  type: dict
  version_added: 0.2.0
  contains:
    stanza_found:
      description: Whether the config file has the C([sso-session]) stanza.
      type: bool
    status:
      description: As RV(sessions[].status); V(missing) when the config file has no such stanza.
      type: str
      sample: valid
  sample:
    name: recro
    stanza_found: true
    status: valid
    message: "logged in to sso-session recro until 2026-11-26T17:00:00Z (in 7 h 59 min)"
query_result:
  description: The value of O(query).
  returned: when O(query) is given
  type: raw
"""

import datetime

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import SSO_SESSION, read_config_file
from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_seconds
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule, run_query
from ansible_collections.recro.aws_sso.plugins.module_utils._sso import session as sso_session
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import token_cache_file
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import (
    BOTOCORE_REFRESH_WINDOW,
    explain,
    for_start_url,
    read_cached_token,
)


def session_report(config, account, name, now, margin):
    """What can be said of the session ``name`` and its login, without the token."""
    stanza = sso_session.find(config, name)
    report = dict(
        name=name,
        profiles=list(config.profiles_using(name)),
        login_command=sso_session.login_command(name),
        token_cache_file=token_cache_file(account.home, name),
    )
    if stanza is not None:
        for key, value in (("sso_start_url", stanza.start_url), ("sso_region", stanza.region)):
            if value is not None:
                report[key] = value
    token, description = read_cached_token(user_files.read_bytes, account.home, name, now, margin)
    description = for_start_url(token, description, stanza.start_url if stanza is not None else None)
    report["token_found"] = description["status"] != "missing"
    report["message"] = explain(name, description)
    description.pop("problem", None)
    report.update(description)
    return report


def missing_session(account, name, path):
    """The look-up of a session the config does not have: a status, not a failure."""
    return dict(
        name=name,
        stanza_found=False,
        status="missing",
        login_command=sso_session.login_command(name),
        token_cache_file=token_cache_file(account.home, name),
        message="{0} has no [sso-session {1}] stanza: nothing to log in to yet".format(path, name),
    )


def main():
    module = RecroModule(
        argument_spec=dict(
            sso_session=dict(type="str", aliases=["name"]),
            expiry_margin=dict(type="int", default=BOTOCORE_REFRESH_WINDOW),
            query=dict(type="str"),
        ),
        shared=("user", "path"),
    )
    account, path, wanted = module.account, module.config_path, module.params["sso_session"]
    now = datetime.datetime.now(datetime.timezone.utc)
    with module.failing_on():
        if wanted is not None:
            sso_session.check_session_name("sso_session", wanted)
        check_seconds("expiry_margin", module.params["expiry_margin"])
        with user_files.acting_as(account):
            dummy, config = read_config_file(path, user_files.read_bytes)
            names = list(config.named_sections(SSO_SESSION))
            if wanted is not None:
                names = [wanted] if wanted in names else []
            sessions = [session_report(config, account, name, now, module.params["expiry_margin"]) for name in names]
    result = dict(changed=False, path=path, sessions=sessions)
    if wanted is not None:
        result["session"] = dict(sessions[0], stanza_found=True) if sessions else missing_session(account, wanted, path)
    if module.params["query"]:
        result["query_result"] = run_query(module, dict(path=path, sessions=sessions))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
