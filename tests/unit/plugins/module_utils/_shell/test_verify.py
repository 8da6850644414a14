# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading what a login shell ended with: names only, and the profile names."""

from __future__ import annotations

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import verify


def output(printed, variables):
    return printed + "\n--recro-aws-sso-environment--\n" + "\0".join(variables) + "\0"


def test_only_names_and_the_profile_values_are_kept():
    printed, variables = verify.parse(
        output("motd\n", ["HOME=/h", "AWS_PROFILE=dev", "AWS_SECRET_ACCESS_KEY=s3cr3t", "AWS_X=a=b"])
    )
    assert printed is True
    assert variables == {"AWS_PROFILE": "dev", "AWS_SECRET_ACCESS_KEY": None, "AWS_X": None}


def test_a_shell_that_ended_early_or_printed_nothing():
    assert verify.parse("bash: syntax error\n") == (True, None)
    assert verify.parse(output("", ["AWS_DEFAULT_PROFILE=dev"])) == (False, {"AWS_DEFAULT_PROFILE": "dev"})


def test_verdicts():
    ok = dict(
        shell="bash", status="ok", exported=["AWS_DEFAULT_PROFILE", "AWS_PROFILE"], profile="dev", default_profile="dev"
    )
    assert verify.verdict(ok, "dev") is None
    assert (
        verify.verdict(dict(ok, profile="old"), "dev")
        == "bash: a login shell ends with AWS_PROFILE='old' (expected 'dev')"
    )
    assert verify.verdict(dict(ok, profile=None), "dev", export_aws_profile=False) is None
    assert verify.verdict(dict(ok, status="timed out"), "dev") == "bash: the login shell timed out"
