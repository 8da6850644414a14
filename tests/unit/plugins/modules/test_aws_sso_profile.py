# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module itself: check mode, diff, errors, and runs racing on one file."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys

import pytest
from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19 (meta/runtime.yml claims 2.15 and later)
    patch_module_args = None

from ansible_collections.recro.aws_sso.plugins.modules import aws_sso_profile
from ansible_collections.recro.aws_sso.tests.unit.plugins.seed import SEED


@contextlib.contextmanager
def module_args(options):
    """The options as AnsibleModule reads them, with the ansible-core the tests run on."""
    if patch_module_args is not None:
        with patch_module_args(options):
            yield
        return
    arguments = dict({"_ansible_remote_tmp": "/tmp", "_ansible_keep_remote_files": False}, **options)
    saved = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": arguments}).encode("utf-8")
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved


class ModuleExit(Exception):
    """The module's result, raised instead of printing it and exiting."""

    def __init__(self, result):
        super(ModuleExit, self).__init__(result)
        self.result = result


@pytest.fixture
def run_module(monkeypatch):
    """Run the module in this process with the given options; return its result."""

    def exit_json(_module, **result):
        raise ModuleExit(dict(result, failed=False))

    def fail_json(_module, **result):
        raise ModuleExit(dict(result, failed=True))

    monkeypatch.setattr(aws_sso_profile.RecroModule, "exit_json", exit_json)
    monkeypatch.setattr(aws_sso_profile.RecroModule, "fail_json", fail_json)

    def run(**options):
        with module_args(options):
            with pytest.raises(ModuleExit) as exited:
                aws_sso_profile.main()
        return exited.value.result

    return run


def test_check_mode_reports_the_change_and_writes_nothing(run_module, tmp_path):
    path = tmp_path / "home" / ".aws" / "config"
    result = run_module(path=str(path), _ansible_check_mode=True, _ansible_diff=True, **SEED)
    assert result["changed"] and not result["failed"]
    assert not path.parent.exists()
    assert result["diff"]["before"] == ""
    assert result["diff"]["after"].startswith("[profile recrocog-admin]\nsso_session = recro\n")
    assert result["diff"]["before_header"] == str(path)
    assert [change["section"] for change in result["changes"]] == ["profile recrocog-admin", "sso-session recro"]


def test_applies_then_reports_no_change(run_module, tmp_path):
    path = tmp_path / "config"
    first = run_module(path=str(path), **SEED)
    second = run_module(path=str(path), **SEED)
    assert first["changed"] and not second["changed"]
    assert second["changes"] == []
    assert second["profiles"]["recrocog-admin"]["sso_account_id"] == "012345678901"
    assert second["sessions"]["recro"]["sso_start_url"] == "https://recrocog.awsapps.com/start"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_file_as_wanted_needs_no_lock_but_a_change_waits_for_it(run_module, tmp_path):
    """Another run holding the directory's lock (flock, as _common.files takes it) does
    not hold up a run that finds nothing to do; a run that must write waits for it
    at most lock_timeout and writes nothing."""
    path = tmp_path / "config"
    run_module(path=str(path), **SEED)
    before = path.read_bytes()
    holder = os.open(str(tmp_path), os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        unchanged = run_module(path=str(path), lock_timeout=1, **SEED)
        changing = run_module(path=str(path), lock_timeout=1, **dict(SEED, region="eu-west-1"))
    finally:
        os.close(holder)
    assert not unchanged["failed"] and not unchanged["changed"]
    assert changing["failed"]
    assert "lock_timeout" in changing["msg"] and str(tmp_path) in changing["msg"]
    assert path.read_bytes() == before


def test_bad_option_fails_and_leaves_the_file(run_module, tmp_path):
    path = tmp_path / "config"
    path.write_text("[profile keep]\nregion = us-east-1\n")
    result = run_module(path=str(path), name="keep", region="us-east-1\ncredential_process = /bin/sh")
    assert result["failed"]
    assert result["msg"].startswith(
        "region: 'us-east-1\\ncredential_process = /bin/sh' contains the control character U+000A"
    )
    assert path.read_text() == "[profile keep]\nregion = us-east-1\n"


def test_unreadable_file_fails_with_path_and_line(run_module, tmp_path):
    path = tmp_path / "config"
    path.write_text("[default]\nregion = a\nregion = b\n")
    result = run_module(path=str(path), name="default", output="json")
    assert result["failed"]
    assert result["msg"] == (
        "{0}: line 3: key 'region' appears a second time in section [default] (first at line 2); "
        "botocore cannot read a file with a duplicate key; the file was not changed".format(path)
    )
    assert path.read_text() == "[default]\nregion = a\nregion = b\n"


def test_warns_about_a_missing_session(run_module, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(aws_sso_profile.RecroModule, "warn", lambda _module, warning: warnings.append(warning))
    run_module(
        path=str(tmp_path / "config"), name="p", sso_session="recro", sso_account_id="012345678901", sso_role_name="r"
    )
    assert warnings == [
        "profiles use sso_session 'recro', but there is no [sso-session recro] stanza: "
        "give sso_start_url and sso_region to write it"
    ]


def _module_process(args_file):
    """The module as Ansible runs it: a separate Python process reading its options from a file."""
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen(
        [sys.executable, aws_sso_profile.__file__, str(args_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )


def test_runs_at_the_same_time_lose_no_change(tmp_path):
    # A large file makes each read-edit-write take long enough for the runs to overlap.
    path = tmp_path / "config"
    path.write_text(
        "".join("[profile filler-{0}]\nregion = us-east-1\noutput = json\n".format(index) for index in range(6000))
    )
    processes = []
    for index in range(12):
        args_file = tmp_path / "args-{0}.json".format(index)
        args_file.write_text(
            json.dumps(
                {"ANSIBLE_MODULE_ARGS": {"path": str(path), "name": "racer-{0}".format(index), "output": "json"}}
            )
        )
        processes.append(_module_process(args_file))
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        results.append(json.loads(stdout))
    text = path.read_text()
    assert all(result["changed"] for result in results)
    assert [
        name for name in ("racer-{0}".format(index) for index in range(12)) if "[profile {0}]".format(name) not in text
    ] == []


@pytest.mark.parametrize("mode", ["rw-r--r--", "u=rwz", "0999", "077777", True, [1], "bogus"])
def test_a_bad_mode_fails_before_the_file_is_touched(run_module, tmp_path, mode):
    path = tmp_path / "config"
    path.write_text("[profile keep]\nregion = us-east-1\n")
    path.chmod(0o640)
    before = path.stat()
    result = run_module(path=str(path), mode=mode, **SEED)
    assert result["failed"]
    assert result["msg"].startswith("mode: {0!r} ".format(mode)) and result["msg"].endswith("nothing was changed")
    assert path.read_text() == "[profile keep]\nregion = us-east-1\n"
    assert (path.stat().st_mode, path.stat().st_mtime_ns) == (before.st_mode, before.st_mtime_ns)


@pytest.mark.parametrize("mode, expected", [("0600", 0o600), ("u=rw,g=r,o=", 0o640), (0o644, 0o644), ("u+x", 0o700)])
def test_good_modes_are_applied(run_module, tmp_path, mode, expected):
    path = tmp_path / "config"
    result = run_module(path=str(path), mode=mode, **SEED)
    assert not result["failed"], result
    assert path.stat().st_mode & 0o7777 == expected


def test_a_profiles_item_that_is_not_a_dict_is_named(run_module, tmp_path):
    path = tmp_path / "config"
    result = run_module(path=str(path), sso_session="recro", profiles=["a"])
    assert result["failed"]
    assert result["msg"] == "profiles[0]: 'a' must be a dict with at least name (a str here)"
    assert not path.exists()


def test_skip_invalid_warns_and_writes_the_rest(run_module, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(aws_sso_profile.RecroModule, "warn", lambda _module, warning: warnings.append(warning))
    path = tmp_path / "config"
    result = run_module(
        path=str(path),
        sso_session="recro",
        sso_start_url=SEED["sso_start_url"],
        sso_region="us-east-1",
        skip_invalid=True,
        profiles=[
            dict(name="odd account-admin", sso_account_id="012345678901", sso_role_name="admin"),
            dict(name="billing", sso_account_id="012345678901", sso_role_name="Billing,ReadOnly"),
        ],
    )
    assert not result["failed"] and result["changed"]
    assert (
        result["skipped_profiles"][0]["item"] == "profiles[0]"
        and result["skipped_profiles"][0]["name"] == "odd account-admin"
    )
    assert warnings[0].startswith("skipped profiles[0] ('odd account-admin'): ")
    assert "sso_role_name = Billing,ReadOnly\n" in path.read_text()


def test_a_contradicting_default_key_fails_naming_file_and_line_and_writes_nothing(run_module, tmp_path):
    path = tmp_path / "config"
    text = "[DEFAULT]\noutput = json\nsso_start_url = https://other.awsapps.com/start\n"
    path.write_text(text)
    result = run_module(path=str(path), **SEED)
    assert result["failed"]
    assert result["msg"].startswith(
        "{0}: line 3: profile recrocog-admin would read sso_start_url = https://other.awsapps.com/start and "
        "[sso-session recro] reads sso_start_url = https://recrocog.awsapps.com/start (every section inherits "
        "[DEFAULT]'s); botocore finds them inconsistent".format(path)
    )
    assert result["msg"].endswith("; the file was not changed")
    assert path.read_text() == text


def test_the_aws_cli_refuses_what_the_module_refuses(tmp_path):
    """The oracle for the refusal above: the real CLI rejects a profile that inherits a contradicting start URL."""
    if not os.path.exists("/usr/bin/aws"):
        pytest.skip("no AWS CLI at /usr/bin/aws")
    config = tmp_path / "config"
    config.write_text(
        "[DEFAULT]\nsso_start_url = https://other.awsapps.com/start\n\n[profile p]\nsso_session = recro\n"
        "sso_account_id = 012345678901\nsso_role_name = r\n[sso-session recro]\n"
        "sso_start_url = https://recrocog.awsapps.com/start\nsso_region = us-east-1\n"
    )
    env = dict(os.environ, HOME=str(tmp_path), AWS_CONFIG_FILE=str(config))
    result = subprocess.run(
        ["/usr/bin/aws", "configure", "export-credentials", "--profile", "p"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "sso_start_url is inconsistent between profile" in result.stderr


def test_returns_one_message_per_change(run_module, tmp_path):
    path = tmp_path / "config"
    path.write_text("[profile recrocog-admin]\nregion = eu-west-1\nsso_start_url = https://old\n")
    result = run_module(path=str(path), **SEED)
    assert len(result["messages"]) == len(result["changes"])
    assert "changed region in [profile recrocog-admin] from eu-west-1 to us-east-1" in result["messages"]
    assert "removed sso_start_url from [profile recrocog-admin]" in result["messages"]
    assert "added [sso-session recro]" in result["messages"]
    assert run_module(path=str(path), **SEED)["messages"] == []


@pytest.mark.parametrize(
    "options, message",
    [
        (
            dict(state="absent"),
            "state: 'absent' does not go with discover, which only writes: use state=present; nothing was changed",
        ),
        (
            dict(),
            "sso_start_url: None is missing: discover needs sso_start_url, sso_session and sso_region (the session "
            "whose login lists the accounts); nothing was changed",
        ),
        (
            dict(sso_start_url=SEED["sso_start_url"], sso_region="us-east-1", template="{account}"),
            "discover.profile_name_template: '{account}' uses {account}: the fields are {account_id}, "
            "{account_name}, {role_name}, {role}; nothing was changed",
        ),
    ],
)
def test_a_discovery_that_cannot_apply_fails_before_the_file_is_touched(run_module, tmp_path, options, message):
    path = tmp_path / "config"
    path.write_text("[profile keep]\nregion = us-east-1\n")
    template = options.pop("template", "{account_name}-{role}")
    result = run_module(
        path=str(path),
        sso_session="recro",
        profiles=[dict(name="listed", sso_account_id="012345678901", sso_role_name="adminAccess")],
        discover=dict(profile_name_template=template),
        **options,
    )
    assert result["failed"]
    assert result["msg"] == message
    assert path.read_text() == "[profile keep]\nregion = us-east-1\n"


@pytest.mark.parametrize(
    "start_url", ["https://alice:pAssw0rdX@recrocog.awsapps.com/start", "https://pAssw0rdX@recrocog.awsapps.com/start"]
)
def test_a_start_url_with_user_info_is_refused_and_shown_nowhere(tmp_path, start_url):
    # As Ansible runs the module: its result (the invocation included, which -vvv prints) is what leaves the host.
    path = tmp_path / "config"
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(SEED, path=str(path), sso_start_url=start_url)}))
    stdout, stderr = _module_process(args_file).communicate(timeout=120)
    result = json.loads(stdout)
    assert result["failed"] and "sso_start_url: 'https://<user info>@recrocog.awsapps.com/start'" in result["msg"]
    # The module's invocation, where this ansible-core has the module return it (-vvv prints it).
    if "invocation" in result:
        assert result["invocation"]["module_args"]["sso_start_url"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "pAssw0rdX" not in stdout.decode() + stderr.decode()
    assert not path.exists()
