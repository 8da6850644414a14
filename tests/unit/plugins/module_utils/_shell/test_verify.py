# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading what a login shell ended with: names only, and the profile names."""

from __future__ import annotations

import os
import pwd
import shutil

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files, programs
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
    # With a config path, the block exports AWS_CONFIG_FILE too: the shell must end with it.
    assert verify.verdict(dict(ok, config_file="/h/aws"), "dev", config_file="/h/aws") is None
    assert (
        verify.verdict(dict(ok, config_file=None, profile="old"), "dev", config_file="/h/aws")
        == "bash: a login shell ends with AWS_CONFIG_FILE=None, AWS_PROFILE='old' (expected '/h/aws' and 'dev')"
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="a real bash without a terminal")
@pytest.mark.parametrize("rc, printed", [("", False), ("export AWS_PROFILE=dev\n", False), ("echo hello\n", True)])
def test_printed_is_what_the_users_files_printed_not_bashs_job_control_lines(tmp_path, rc, printed):
    (tmp_path / ".bashrc").write_text(rc)
    (tmp_path / ".bash_profile").write_text(". ~/.bashrc\n")
    me = pwd.getpwuid(os.geteuid())
    account = files.Account(me.pw_name, me.pw_uid, me.pw_gid, str(tmp_path))
    report = verify.verify_shell(account, "bash")
    assert report["status"] == "ok" and report["printed"] is printed, report
    # bash did say it: these are its own lines, not the user's.
    path = shutil.which("bash")
    said = programs.run(account, [path, "-lic", "true"], verify.environment_for(account, path), 10).stdout
    assert "no job control in this shell" in said
