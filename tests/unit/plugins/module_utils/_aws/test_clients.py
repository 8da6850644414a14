# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one sentence every module gives for a botocore error."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.clients import describe_aws_error

LOGIN = "aws sso login --sso-session recro"


def client_error(code):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "no"}}, "ListAccounts")


@pytest.mark.parametrize(
    "error, message",
    [
        (
            botocore.exceptions.TokenRetrievalError(provider="sso", error_msg="expired"),
            "sso-session recro has no usable SSO login (Error when retrieving token from sso: expired): run `{0}`".format(
                LOGIN
            ),
        ),
        (botocore.exceptions.UnauthorizedSSOTokenError(), "sso-session recro has no usable SSO login ("),
        (
            client_error("UnauthorizedException"),
            "the SSO portal refused the login of sso-session recro (signed out, or the session ended): run `{0}`".format(
                LOGIN
            ),
        ),
        (
            client_error("TooManyRequestsException"),
            "the SSO portal refused sso-session recro: An error occurred (TooManyRequestsException) when calling the "
            "ListAccounts operation: no",
        ),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://portal.sso.us-east-1.amazonaws.com"),
            "cannot reach the SSO portal in us-east-1: Could not connect to the endpoint URL: "
            '"https://portal.sso.us-east-1.amazonaws.com"',
        ),
    ],
)
def test_each_kind_of_error_reads_the_same_in_every_module(error, message):
    text = describe_aws_error(error, botocore.exceptions, "the SSO portal", "us-east-1", "sso-session recro", LOGIN)
    assert text.startswith(message)
