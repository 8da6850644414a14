# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""JMESPath queries as ``aws --query`` applies them: one rule for the modules that take a query
(aws_sso_accounts_info, aws_sso_session_info, aws_sso_profile's discover.query) and for the role's
check of recro_sso_discover_query before any task writes.

jmespath is imported when a query is applied or checked; :func:`search` and :func:`check`
raise ``ImportError`` without it, for the caller to report as it reports a missing library."""

from __future__ import annotations

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

# What a discovery query runs on, with one account of one role: enough for JMESPath to call every
# function the query names with the arguments it gives, so that a function it does not have or a
# wrong number of arguments is refused before a run, not after the portal was asked.
DISCOVERY_SAMPLE = {
    "sso_session": "recro",
    "accounts": [
        {
            "account_id": "123456789012",
            "account_name": "sample",
            "email_address": "aws@example.com",
            "roles": ["AdministratorAccess"],
        }
    ],
}


def search(parameter, query, data):
    """``query`` applied to ``data``; :class:`ParameterError` naming ``parameter`` for a query
    JMESPath cannot parse or run (an unknown function, a wrong number or type of arguments)."""
    import jmespath  # pylint: disable=import-outside-toplevel

    try:
        return jmespath.search(query, data)
    except jmespath.exceptions.JMESPathError as error:
        raise ParameterError(parameter, query, "is not a JMESPath expression: {0}".format(error)) from None
    except TypeError as error:  # a few of jmespath's functions let Python's own type error through
        raise ParameterError(parameter, query, "cannot be applied to these values: {0}".format(error)) from None


def check(parameter, query, sample):
    """``query``, once JMESPath has parsed it and called every function it names on ``sample``
    (data of the shape it will run on); :class:`ParameterError` as :func:`search` raises it. A
    type error that only the real data would cause is left to :func:`search`."""
    import jmespath  # pylint: disable=import-outside-toplevel

    if not isinstance(query, str):
        raise ParameterError(parameter, query, "must be a string")
    try:
        jmespath.search(query, sample)
    except (jmespath.exceptions.JMESPathTypeError, TypeError):
        pass
    except jmespath.exceptions.JMESPathError as error:
        raise ParameterError(parameter, query, "is not a JMESPath expression: {0}".format(error)) from None
    return query
