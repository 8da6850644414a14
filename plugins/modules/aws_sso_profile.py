#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_sso_profile
short_description: Manage AWS IAM Identity Center (SSO) profiles and sessions in C(~/.aws/config)
version_added: 0.1.0
description:
  - Writes the C([profile ...]) and C([sso-session ...]) stanzas that C(aws configure sso) writes, without the wizard,
    for one profile or hundreds in one task.
  - Edits the file line by line. Every line outside the managed stanzas stays byte for byte as it was, including comments,
    blank lines, nested blocks, C([services ...]) sections, other profiles and sessions, CRLF line ends.
  - Inside a managed stanza a key is changed in place and a new key goes after the stanza's last key; a new stanza
    is appended at the end of the file in the order C(aws configure sso) uses (profiles, then their session).
  - Sections are found under the name botocore gives them (C([profile  x ]) and C([profile "x"]) are profile C(x)),
    keys case-insensitively. In a managed profile, C(sso_start_url), C(sso_region) and C(sso_registration_scopes) left
    from the legacy format are removed, since botocore rejects a profile whose keys contradict its session. Comment
    lines between such a key and the indented lines that continue its value are kept.
  - Every profile and every C([sso-session]) inherits the keys of C([DEFAULT]) (configparser's defaults; several
    C([DEFAULT]) sections are merged, as botocore reads them). botocore merges a session into each profile that names
    it and refuses a key the two read differently (a C(region) in C([DEFAULT]) the profile sets otherwise, an
    C(output) added to the session by hand, a C(sso_start_url) in C([DEFAULT])), so the AWS CLI would refuse the
    profile; the task fails naming the file and the line of that key, and writes nothing.
  - A file botocore cannot read (a duplicate section or key, text before the first section header) or reads
    ambiguously (C([default]) and C([profile default]) both present) is refused with the line at fault, and not written.
  - The file is replaced atomically (a temporary file in the same directory, then a rename), through a symlink to its
    target, keeping its mode and owner. A new file gets mode C(0600), a new C(~/.aws) mode C(0700). Runs on the same
    file take turns (a lock on its directory), so none loses another's change.
  - When the module runs as root for O(user), it reads and writes with that user's identity, so new files belong to
    the user and a symlink cannot make root write where the user may not.
author:
  - Recro platform team (@recrocog)
extends_documentation_fragment:
  - recro.aws_sso.attributes
  - recro.aws_sso.attributes.ACTION_MODULE
  - recro.aws_sso.user_config
  - recro.aws_sso.aws_calls
requirements:
  - boto3, only for O(discover) (without it, or with an older botocore, the discovery
    is reported as not done and the rest is written)
  - jmespath, only for O(discover.query) (boto3 depends on it)
options:
  name:
    description:
      - The profile to manage. V(default) is the C([default]) section.
      - Give O(name) or O(profiles), not both. Without either, the task manages only the C([sso-session]) stanza
        (O(sso_start_url)), or only prunes (O(prune)).
    type: str
  profiles:
    description:
      - Several profiles of the one O(sso_session), managed in one task (and one write).
      - O(region), O(output) and O(settings) given at the task level are the defaults of every item.
      - Each item is a dict with these keys (an item that is not a dict, or has an unknown key, fails naming the
        item, for example C(profiles[0]), unless O(skip_invalid) skips it).
      - C(name) (str, required) is the profile's name; V(default) is the C([default]) section.
      - C(sso_account_id) (str) is the account's 12-digit ID. Quote it in YAML.
      - C(sso_role_name) (str) is the permission set (role) to use in the account. Any name AWS allows (up to 32
        letters, digits and C(_+=,.@-), for example V(Billing,ReadOnly)); it is written unchanged. Default is
        O(sso_role_name).
      - C(region) (str) is the profile's default Region for AWS calls (not the SSO Region). Default is O(region).
      - C(output) (str, one of V(json), V(yaml), V(yaml-stream), V(text), V(table)) is the AWS CLI's output format.
        Default is O(output).
      - C(settings) (dict) holds further keys of the profile; see O(settings). O(settings) are its defaults; an item's
        own settings win.
    type: list
    elements: raw
  state:
    description:
      - V(present) writes the profiles (and the session with O(sso_start_url)).
      - V(absent) removes the profiles; with O(prune) every profile of O(sso_session); with O(remove_unused_session)
        also the session's stanza once no remaining profile uses it.
    type: str
    choices: [present, absent]
    default: present
  sso_session:
    description:
      - The name of the C([sso-session]) stanza the profiles use (C(sso_session = NAME) in each profile).
      - With O(sso_start_url) the task also writes that stanza, in the same write.
      - If no such stanza exists after the task, the module warns.
    type: str
  sso_start_url:
    description:
      - The AWS access portal URL, for example V(https://my-org.awsapps.com/start). Must be https.
      - A URL with a user name or password before the host (V(https://user:secret@...)) is refused, without showing
        them, since the config file is read by every AWS tool.
      - Makes the task manage the C([sso-session NAME]) stanza. Needs O(sso_session) and O(sso_region).
    type: str
  sso_region:
    description: The Region where IAM Identity Center is configured, for the C([sso-session]) stanza.
    type: str
  sso_registration_scopes:
    description:
      - The OAuth scopes of the session, for the C([sso-session]) stanza; written comma-separated.
      - Defaults to V(sso:account:access) when O(sso_start_url) is given.
    type: list
    elements: str
  sso_account_id:
    description:
      - The 12-digit account ID of the O(name) profile. Quote it in YAML, or C(012345678901) becomes a number
        and loses its leading zero.
      - Required with O(sso_session) and O(name) when O(state=present).
    type: str
  sso_role_name:
    description:
      - The permission set (role) of the O(name) profile. Any name AWS allows (up to 32 letters, digits and
        C(_+=,.@-), for example V(Billing,ReadOnly) or V(Ops=Full)); it is written unchanged, and botocore and the
        AWS CLI read it back unchanged.
      - Required with O(sso_session) and O(name) when O(state=present).
      - With O(profiles), the role of every item that does not give its own (since 0.2.0).
    type: str
  region:
    description:
      - The profile's default Region for AWS calls, which may differ from O(sso_region).
      - With O(profiles), the default of every item.
    type: str
  output:
    description:
      - The AWS CLI's output format. With O(profiles), the default of every item.
    type: str
    choices: [json, yaml, yaml-stream, text, table]
  settings:
    description:
      - Further keys of the profile, for example C(cli_pager) or C(duration_seconds). Keys are lower-cased.
      - A dict value is written as a nested block (C(s3 =) and indented keys). A V(null) value removes the key.
      - Booleans are written V(true) and V(false).
      - The keys of the other options and of the session (C(region), C(sso_start_url), ...) are refused here.
      - With O(profiles), the defaults of every item (an item's own settings win).
    type: dict
  prune:
    description:
      - Remove every profile that uses O(sso_session) and is not managed by this task. This is how a fleet drops
        the profiles of accounts people no longer have.
      - With O(state=absent), removes every profile of O(sso_session).
    type: bool
    default: false
  exclusive:
    description:
      - Remove keys of a managed profile or session that the task does not set. By default keys added by hand stay.
    type: bool
    default: false
  skip_invalid:
    description:
      - With O(profiles), an item that cannot be written (not a dict, a name or value the module refuses, a name listed
        twice) is left out with a warning naming the item and its name, and the other items are still written.
        RV(skipped_profiles) lists them. With O(prune), a skipped item's existing profile is kept.
      - Meant for lists made elsewhere (an inventory, another system's export), where one odd item must not stop the
        rest; O(discover) leaves out what it cannot write by itself. By default such an item fails the task and
        nothing is written.
    type: bool
    default: false
    version_added: 0.2.0
  discover:
    description:
      - Also write a profile for every account and role the session's login gives access to, in the same write, as
        M(recro.aws_sso.aws_sso_accounts_info) with its O(recro.aws_sso.aws_sso_accounts_info#module:profile_name_template)
        lists them. The listed O(profiles) win over a discovered profile of the same name.
      - Uses the cached token of O(sso_session) (what C(aws sso login) wrote), read as O(user), and calls the SSO
        portal API of O(sso_region) (or C(AWS_ENDPOINT_URL_SSO) where the module runs). It is never refreshed here.
      - The whole listing (every page, every account's roles) is one operation, with the deadline of every call to
        AWS (see the notes).
      - Without a usable login, without boto3, or when the portal refuses the token, cannot be reached or does not
        answer within that time (RV(discovery.msg) names the call), the discovery is not done, RV(discovery) says why,
        the other profiles are still written, and O(prune) removes nothing, since the list of profiles is not complete.
        A discovery that leaves no profile to write prunes nothing
        either.
      - A role the template cannot name, or a profile the module would refuse (an account ID or role name that is not
        one, such as a role name with a line break), is left out with a warning, so that one odd account never stops
        the others.
      - Needs O(sso_start_url) and O(state=present); not with O(name).
    type: dict
    version_added: 0.2.0
    suboptions:
      profile_name_template:
        description:
          - How the profiles are named, as
            O(recro.aws_sso.aws_sso_accounts_info#module:profile_name_template) (fields C({account_name}),
            C({account_id}), C({role_name}), C({role})); V({account_name}-{role}) names account C(recrocog) and
            role C(adminAccess) V(recrocog-admin).
        type: str
        required: true
      query:
        description:
          - A JMESPath expression over C({sso_session, accounts}) that selects the accounts (and their C(roles)) to
            write, as O(recro.aws_sso.aws_sso_accounts_info#module:query) takes; it must give a list of accounts.
          - "For example V(accounts[?account_name != 'sandbox'])."
        type: str
  remove_unused_session:
    description:
      - With O(state=absent), also remove the C([sso-session]) stanza of O(sso_session), but only when no remaining
        profile uses it (the module warns and keeps it otherwise).
    type: bool
    default: false
  backup:
    description: Keep a copy of the file, with a timestamp in its name, before changing it.
    type: bool
    default: false
  mode:
    description:
      - The file's permissions, as in M(ansible.builtin.file) (for example V('0600') or V(u=rw,go=)).
      - Default keeps an existing file's mode; a new file gets V('0600').
      - A mode that is neither octal nor symbolic (by the rules of M(ansible.builtin.file)) fails before the file is
        touched, naming the value and saying nothing changed.
    type: raw
  lock_timeout:
    description:
      - How many seconds to wait for another run's lock on the file's directory before failing (nothing is changed then).
    type: int
    default: 15
    version_added: 0.2.0
notes:
  - The values of credentials (C(aws_access_key_id), C(aws_secret_access_key), C(aws_session_token),
    C(aws_security_token), C(credential_process)) are never returned or shown, a hand-added one in a managed profile
    included; RV(changes), RV(messages), RV(profiles) and the diff show C(<hidden>) in their place.
  - The module reads and writes only the config file (and, for RV(login) and O(discover), the session's token cache
    file); it needs no AWS credentials, and makes no AWS call except the portal's account listing of O(discover).
  - Profile and session names are limited to letters, digits and the characters C(_.@%+:-), not starting with C(-)
    (which the AWS CLI takes for an option), the names every AWS tool and shell reads the same way. Values must not
    contain line breaks or other control characters, which could otherwise add keys such as C(credential_process) to
    the file.
seealso:
  - name: Configuring IAM Identity Center authentication with the AWS CLI
    description: What C(aws configure sso) writes.
    link: https://docs.aws.amazon.com/cli/latest/userguide/sso-configure-profile-token.html
"""

EXAMPLES = r"""
- name: Onboard a user as `aws configure sso` would
  recro.aws_sso.aws_sso_profile:
    name: recrocog-admin
    sso_session: recro
    sso_start_url: https://recrocog.awsapps.com/start
    sso_region: us-east-1
    sso_account_id: "012345678901"
    sso_role_name: adminAccess
    region: us-east-1
    output: json

- name: Many profiles of one session in one task, dropping those no longer listed
  recro.aws_sso.aws_sso_profile:
    user: alice
    sso_session: recro
    sso_start_url: https://recrocog.awsapps.com/start
    sso_region: us-east-1
    region: eu-west-1
    output: json
    settings:
      cli_pager: ""
    profiles:
      - name: prod-admin
        sso_account_id: "111111111111"
        sso_role_name: adminAccess
      - name: dev-readonly
        sso_account_id: "222222222222"
        sso_role_name: ReadOnly
        region: us-east-1
        settings:
          s3:
            addressing_style: path
    prune: true
  become: true

- name: The session, the admin profile, and a profile for every account and role of the login
  recro.aws_sso.aws_sso_profile:
    user: alice
    sso_session: recro
    sso_start_url: https://recrocog.awsapps.com/start
    sso_region: us-east-1
    region: us-east-1
    sso_role_name: adminAccess
    profiles:
      - name: recrocog-admin
        sso_account_id: "012345678901"
    discover:
      profile_name_template: "{account_name}-{role}"
      query: "accounts[?account_name != 'sandbox']"
    # Drops the profiles of accounts Alice lost, but only after a discovery that succeeded.
    prune: true
  register: written

- name: Say whether the accounts were found
  ansible.builtin.debug:
    msg: "{{ written.discovery.msg }}"

- name: Write only the session, for `aws sso login --sso-session recro`
  recro.aws_sso.aws_sso_profile:
    sso_session: recro
    sso_start_url: https://recrocog.awsapps.com/start
    sso_region: us-east-1

- name: Report drift without changing anything
  recro.aws_sso.aws_sso_profile:
    name: recrocog-admin
    sso_session: recro
    sso_account_id: "012345678901"
    sso_role_name: adminAccess
  check_mode: true
  diff: true
  register: drift

- name: Offboard, removing the session once no profile uses it
  recro.aws_sso.aws_sso_profile:
    state: absent
    sso_session: recro
    prune: true
    remove_unused_session: true
"""

RETURN = r"""
path:
  description: The config file the module read (and wrote, when it changed).
  returned: always
  type: str
  sample: /home/alice/.aws/config
profiles:
  description: Each managed profile's keys and values after the task (hand-added keys included).
  returned: when O(state=present)
  type: dict
  sample:
    recrocog-admin:
      sso_session: recro
      sso_account_id: "012345678901"
      sso_role_name: adminAccess
      region: us-east-1
      output: json
sessions:
  description: The keys and values of the C([sso-session]) stanza of O(sso_session) after the task.
  returned: when O(state=present) and the stanza exists
  type: dict
  sample:
    recro:
      sso_start_url: https://recrocog.awsapps.com/start
      sso_region: us-east-1
      sso_registration_scopes: sso:account:access
profile_names:
  description: The names of all profiles in the file after the task (managed or not), in file order.
  returned: always
  type: list
  elements: str
  sample: [default, recrocog-admin]
messages:
  description: One sentence per change in RV(changes), in the same order (what was, or in check mode would be, changed).
  returned: always
  type: list
  elements: str
  sample: ["added [profile recrocog-admin]", "changed region in [profile old] from us-east-1 to eu-west-1"]
  version_added: 0.2.0
login:
  description:
    - The login to the session O(sso_session) as its token cache file (in C(~/.aws/sso/cache) of O(user)) shows
      it, as M(recro.aws_sso.aws_sso_session_info) reports it; never the token. What to do next (log in, refresh,
      list the accounts) depends on it, so the recro_sso role reads it here rather than in a task of its own.
  returned: when O(sso_start_url) is given (the task writes the C([sso-session]) stanza)
  type: dict
  version_added: 0.2.0
  contains:
    status:
      description: V(missing), V(invalid) (unreadable, or a login to another start URL), V(expired), V(expiring)
        (within botocore's 15-minute refresh window) or V(valid).
      type: str
      sample: valid
    expires_at:
      description: When the token expires, UTC; null without one.
      type: str
      sample: "2026-12-02T17:00:00Z"
    usable:
      description: Whether a token valid now exists.
      type: bool
    refreshable:
      description: Whether it can be renewed without a browser (refresh token and client registration valid).
      type: bool
    refresh_until:
      description:
        - When refreshing ends (UTC), when RV(login.refreshable) is true. It is the client registration's expiry, after
          which only a new login in the browser helps.
      type: str
      returned: when RV(login.refreshable) is true
      sample: "2027-03-01T09:00:00Z"
    ends_at:
      description:
        - When only a new login in the browser helps (UTC) - the later of RV(login.refresh_until), when the login can
          be refreshed, and RV(login.expires_at); null without either. The recro_sso role warns from it.
      type: str
      version_added: 0.3.0
      sample: "2027-03-01T09:00:00Z"
    end_key:
      description:
        - What names that end for telling it once - the client registration's expiry where the token has one (refreshes
          of the token do not move it), else RV(login.expires_at).
      type: str
      version_added: 0.3.0
      sample: "2027-03-01T09:00:00Z"
    message:
      description: The same in one sentence, with the command to log in where one is needed.
      type: str
      sample: "not logged in to sso-session recro: run `aws sso login --sso-session recro`"
discovery:
  description: What O(discover) found; never the token.
  returned: when O(discover) is given
  type: dict
  version_added: 0.2.0
  contains:
    status:
      description: V(done), V(not_logged_in) (no usable login; see RV(login)) or V(failed) (no boto3, a botocore
        older than the minimum, or the portal refused the token, could not be reached or did not answer in time).
      type: str
      sample: done
    msg:
      description: The same in one sentence, with the command to log in where a new login is the cure; when not done,
        the call that failed and that the other profiles were written and none pruned.
      type: str
      sample: "2 accounts, 3 profiles"
    accounts:
      description: How many accounts the login gives access to (before O(discover.query)); 0 unless done.
      type: int
    profiles:
      description: The discovered profiles written (a listed profile of the same name replaces one), each with
        C(name), C(sso_account_id) and C(sso_role_name).
      type: list
      elements: dict
      sample: [{name: recrocog-admin, sso_account_id: "012345678901", sso_role_name: adminAccess}]
    skipped:
      description: Why each role the module left out was left out (also warned about).
      type: list
      elements: str
skipped_profiles:
  description: The items of O(profiles) that O(skip_invalid) left out, with why.
  returned: when O(skip_invalid) skipped an item
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    item:
      description: The item, as C(profiles[N]).
      type: str
    name:
      description: Its name, or null when it has none.
      type: str
    problem:
      description: Why it cannot be written.
      type: str
  sample: [{item: "profiles[3]", name: "odd account-admin", problem: "profiles[3].name: 'odd account-admin' is not a name ..."}]
removed_profiles:
  description: The profiles the task removed (or would remove, in check mode).
  returned: always
  type: list
  elements: str
  sample: [old-account-admin]
removed_sessions:
  description: The sessions whose stanza the task removed (or would remove).
  returned: always
  type: list
  elements: str
  sample: []
changes:
  description:
    - Every change, in order. RV(changes[].key) is null for a whole stanza added or removed.
    - In check mode this is the drift between the file and the task.
  returned: always
  type: list
  elements: dict
  contains:
    section:
      description: The stanza, as C(profile NAME) or C(sso-session NAME).
      type: str
    key:
      description: The key, or null for the whole stanza.
      type: str
    action:
      description: V(add), V(change) or V(remove).
      type: str
    before:
      description: The value before (a dict for a stanza or a nested block), or null.
      type: raw
    after:
      description: The value after, or null.
      type: raw
  sample:
    - section: profile recrocog-admin
      key: sso_role_name
      action: change
      before: readOnly
      after: adminAccess
backup_file:
  description: The copy of the file made before changing it.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /home/alice/.aws/config.12345.2026-11-26@10:00:00~
"""

# First of the collection's imports: the module_utils after it compile once, not twice.
from ansible_collections.recro.aws_sso.plugins.module_utils import _compile_once  # noqa: F401  # pylint: disable=unused-import
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profile_task import (
    ConfigFileTask,
    check_discover,
    read_session_login,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import OUTPUT_FORMATS, build_request
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_file_mode
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import RecroModule


def argument_spec():
    return dict(
        name=dict(type="str"),
        # Items are checked in _aws.profiles, which names the item (profiles[2].name) and can skip it.
        profiles=dict(type="list", elements="raw"),
        skip_invalid=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        sso_session=dict(type="str"),
        sso_start_url=dict(type="str"),
        sso_region=dict(type="str"),
        sso_registration_scopes=dict(type="list", elements="str"),
        sso_account_id=dict(type="str"),
        sso_role_name=dict(type="str"),
        region=dict(type="str"),
        output=dict(type="str", choices=list(OUTPUT_FORMATS)),
        settings=dict(type="dict"),
        prune=dict(type="bool", default=False),
        exclusive=dict(type="bool", default=False),
        remove_unused_session=dict(type="bool", default=False),
        discover=dict(
            type="dict",
            options=dict(profile_name_template=dict(type="str", required=True), query=dict(type="str")),
        ),
        backup=dict(type="bool", default=False),
        mode=dict(type="raw"),
    )


def main():
    module = RecroModule(
        argument_spec=argument_spec(),
        mutually_exclusive=[("name", "profiles"), ("name", "discover")],
    )
    with module.failing_on(consequence="; nothing was changed"):
        if module.params["mode"] is not None:
            check_file_mode("mode", module.params["mode"])
    with module.failing_on():
        request = build_request(module.params)
    with module.failing_on(consequence="; nothing was changed"):
        check_discover(module.params["discover"], request)
    account, path = module.account, module.config_path
    with module.failing_on(consequence="; the file was not changed"):
        access_token, login = read_session_login(account, request)
        discovery = None
        if module.params["discover"] is not None:
            # Only here: a write without discovery loads neither its code nor botocore.
            from ansible_collections.recro.aws_sso.plugins.module_utils._aws import (  # pylint: disable=import-outside-toplevel
                profile_discovery,
            )

            request, discovery = profile_discovery.discover(module, request, access_token, login)
        result = ConfigFileTask(module, request, path, account).run()
    if login is not None:
        result["login"] = login
    if discovery is not None:
        result["discovery"] = discovery
    module.exit_json(**result)


if __name__ == "__main__":
    main()
