# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""recro.aws_sso.aws_sso_profile's O(discover): the write's request with the profiles of every
account and role the session's login gives access to. Loaded only by a run that discovers: a write
without discovery compiles neither this nor the listing's code (_aws.discovery, botocore)."""

from __future__ import annotations

from ansible_collections.recro.aws_sso.plugins.module_utils._aws import discovery
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import build_request
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError, ServiceError
from ansible_collections.recro.aws_sso.plugins.module_utils._common.module import run_query

# What a discovery that could not be done leaves: the rest of the task still happens.
NOT_DISCOVERED = "; no profile was discovered: the other profiles are written and none is pruned"


def discover(module, request, access_token, login):
    """``(request, discovery)``: the write's request with the profiles of every
    account and role the login gives access to (O(discover)), and what was found.
    Without them the request keeps the listed profiles and prunes nothing."""
    options = module.params["discover"]
    name = request.session_name

    def not_done(status, msg):
        if status == "failed":
            module.warn("discover: not done: {0}".format(msg))
        # The listed profiles alone are not the complete list: nothing is pruned.
        request.prune = False
        return request, dict(status=status, msg=msg, accounts=0, profiles=[], skipped=[])

    if access_token is None:
        return not_done("not_logged_in", login["message"])
    try:
        accounts = discovery.list_accounts(
            name, request.session.values["sso_region"], access_token, consequence=NOT_DISCOVERED
        )
    except ServiceError as error:
        return not_done("failed", str(error))
    query = options["query"]
    selected = accounts
    if query is not None:
        selected = run_query(module, dict(sso_session=name, accounts=accounts), query, parameter="discover.query")
    with module.failing_on(consequence="; nothing was changed"):
        profiles, skipped = discovery.discovered_profiles(
            name,
            discovery.check_query_result(selected, query, "discover.query"),
            options["profile_name_template"],
            prefix="discover.",
        )
    for reason in skipped:
        module.warn("skipped a profile: {0}".format(reason))
    merged = discovery.with_discovered(profiles, module.params["profiles"])
    found = dict(
        status="done",
        msg="{0} account(s), {1} profile(s)".format(len(accounts), len(profiles)),
        accounts=len(accounts),
        profiles=profiles,
        skipped=skipped,
    )
    # The list is complete now, so prune may drop the profiles of accounts the user lost; an empty list never does.
    return final_request(module, profiles=merged, prune=module.params["prune"] and bool(merged)), found


def final_request(module, profiles, prune):
    """The request of the options with these ``profiles`` and ``prune``; the options were
    checked as given, so a refusal here is of a discovered profile that should have been left out."""
    try:
        return build_request(dict(module.params, profiles=profiles, prune=prune))
    except ParameterError as error:
        module.fail_json(
            msg="not written, nothing was changed: {0}; this is a bug of recro.aws_sso, please report it".format(error)
        )
