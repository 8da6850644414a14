# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""JMESPath queries: one rule for the modules that apply one and for the role's check before any write."""

from __future__ import annotations

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import queries
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.plugins.plugin_utils._onboarding import setting_errors


@pytest.mark.parametrize(
    "query, problem",
    [
        ("length((", "is not a JMESPath expression: "),
        ("nope(accounts)", "is not a JMESPath expression: Unknown function: nope()"),
        ("length(accounts, accounts)", "is not a JMESPath expression: Expected 1 argument for function length()"),
        (["accounts"], "must be a string"),
    ],
)
def test_a_query_jmespath_cannot_parse_or_call_is_refused_before_it_runs(query, problem):
    with pytest.raises(ParameterError) as refused:
        queries.check("discover.query", query, queries.DISCOVERY_SAMPLE)
    assert str(refused.value).startswith("discover.query: {0!r} {1}".format(query, problem)), str(refused.value)
    # The role's check of recro_sso_discover_query says the same, naming the role's variable.
    errors = setting_errors(
        dict(platform="Linux", default_profile="p", state="present", discover=True, discover_query=query)
    )
    assert errors == ["recro_sso_discover_query: {0}".format(errors[0].split(": ", 1)[1])]
    assert problem.split(":")[0] in errors[0]


@pytest.mark.parametrize(
    "query",
    [
        "accounts[?account_name=='prod'].{account_id: account_id, roles: roles}",
        "accounts[].roles[]",
        # A type error depends on the data: the listing decides, not the sample.
        "abs(accounts)",
        "accounts[?contains(account_name, `1`)]",
    ],
)
def test_a_query_that_runs_passes_the_check(query):
    assert queries.check("discover.query", query, queries.DISCOVERY_SAMPLE) == query


def test_search_applies_the_query_as_aws_query_does_and_names_the_parameter_when_it_cannot():
    data = dict(accounts=[dict(account_id="1", roles=["a", "b"]), dict(account_id="2", roles=["c"])])
    assert queries.search("query", "accounts[].roles[]", data) == ["a", "b", "c"]
    with pytest.raises(ParameterError, match=r"^query: 'abs\(accounts\)' is not a JMESPath expression: "):
        queries.search("query", "abs(accounts)", data)
    with pytest.raises(ParameterError, match=r"^query: .* cannot be applied to these values: "):
        queries.search("query", "accounts[?contains(account_id, `1`)]", data)
