# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Validating the module's options and applying them to config files."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import AwsConfig, ConfigFileError
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import (
    apply_request,
    build_request,
    describe_changes,
    writable_profiles,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.tests.support.config_strategies import botocore_read, readable_texts
from ansible_collections.recro.aws_sso.tests.unit.plugins.seed import SEED, SEED_SESSION_STANZA, SEED_STANZAS


def apply(text, **params):
    return apply_request(AwsConfig(text), build_request(params))


def with_seed(**changes):
    params = dict(SEED)
    params.update(changes)
    return params


# Options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        (
            with_seed(sso_account_id="12345678901"),
            "sso_account_id: '12345678901' is not an AWS account ID of exactly 12 digits. YAML reads an unquoted "
            "012345678901 as a number and drops its leading zero: quote account IDs ('012345678901')",
        ),
        (
            with_seed(sso_account_id=12345678901),
            "sso_account_id: '12345678901' is not an AWS account ID of exactly 12 digits.",
        ),
        (
            with_seed(sso_account_id="1234567890123"),
            "sso_account_id: '1234567890123' is not an AWS account ID of exactly 12 digits",
        ),
        (
            with_seed(sso_role_name="admin\ncredential_process = sh -c id"),
            "sso_role_name: 'admin\\ncredential_process = sh -c id' contains the control character U+000A",
        ),
        (
            with_seed(region="us-east-1\r\ncredential_process=x"),
            "region: 'us-east-1\\r\\ncredential_process=x' contains the control character U+000D",
        ),
        (
            with_seed(sso_start_url="https://x\x00"),
            "sso_start_url: 'https://x\\x00' contains the control character U+0000",
        ),
        (
            with_seed(settings={"cli_pager": "less\u2028x"}),
            "settings.cli_pager: 'less\\u2028x' contains the control character U+2028",
        ),
        (with_seed(name="my profile"), "name: 'my profile' is not a name every AWS tool reads"),
        (with_seed(name="a/b"), "name: 'a/b' is not a name every AWS tool reads"),
        (with_seed(name="x]\n[profile y"), "name: 'x]\\n[profile y' contains the control character U+000A"),
        (with_seed(sso_session="re cro"), "sso_session: 're cro' is not a name every AWS tool reads"),
        (
            with_seed(sso_start_url="http://recrocog.awsapps.com/start"),
            "sso_start_url: 'http://recrocog.awsapps.com/start' is not an https URL",
        ),
        (with_seed(sso_region="us_east_1"), "sso_region: 'us_east_1' is not an AWS Region name such as us-east-1"),
        (with_seed(region="US-EAST-1"), "region: 'US-EAST-1' is not an AWS Region name"),
        (
            with_seed(sso_registration_scopes=["sso:account:access", "a b"]),
            "sso_registration_scopes[1]: 'a b' is not a scope",
        ),
        (with_seed(sso_registration_scopes=[]), "sso_registration_scopes: [] must name at least one scope"),
        (
            with_seed(output="xml"),
            "output: 'xml' is not an output format: use one of json, yaml, yaml-stream, text, table",
        ),
        (
            with_seed(settings={"region": "eu-west-1"}),
            "settings.region: 'eu-west-1' sets region through settings: use the region option",
        ),
        (
            with_seed(settings={"sso_start_url": "https://x"}),
            "settings.sso_start_url: 'https://x' belongs in the [sso-session] stanza",
        ),
        (with_seed(settings={"Cli_Pager": "a", "cli_pager": "b"}), "settings.cli_pager: 'b' repeats key 'cli_pager'"),
        (with_seed(settings={"bad key": "a"}), "settings: 'bad key' has a key that is not a config key"),
        (
            with_seed(settings={"s3": {"a": {"b": "c"}}}),
            "settings.s3.a: {'b': 'c'} cannot be written to the config file (a nested block inside a nested block)",
        ),
        (with_seed(settings={"s3": {"a b": "c"}}), "settings.s3.a b: 'a b' is not a key name"),
        (with_seed(settings={"x": [1]}), "settings.x: [1] cannot be written to the config file (list)"),
        (with_seed(settings={"x": " padded"}), "settings.x: ' padded' has leading or trailing whitespace"),
        (
            with_seed(sso_account_id=None),
            "sso_account_id: None is missing: an SSO profile needs sso_account_id and sso_role_name",
        ),
        (
            with_seed(sso_session=None, sso_start_url=None, sso_region=None),
            "sso_account_id: '012345678901' needs sso_session, the session that signs in to the account",
        ),
        (
            with_seed(sso_region=None),
            "sso_region: None is missing: it goes with sso_start_url",
        ),
        (with_seed(sso_start_url=None), "sso_region: 'us-east-1' needs sso_start_url"),
        (
            dict(sso_start_url="https://x.awsapps.com/start", sso_region="us-east-1"),
            "sso_start_url: 'https://x.awsapps.com/start' needs sso_session",
        ),
        (dict(prune=True), "prune: True needs sso_session"),
        (
            dict(state="present", sso_session="recro", remove_unused_session=True),
            "remove_unused_session: True only applies with state=absent",
        ),
        (dict(), "name: None is missing: give name or profiles"),
        (
            dict(
                sso_session="recro",
                profiles=[
                    {"name": "a", "sso_account_id": "012345678901", "sso_role_name": "r"},
                    {"name": "a", "sso_account_id": "012345678901", "sso_role_name": "r"},
                ],
            ),
            "profiles[1].name: 'a' is listed twice (also profiles[0].name)",
        ),
        (
            dict(sso_session="recro", profiles=[{"name": "a", "sso_account_id": "1", "sso_role_name": "r"}]),
            "profiles[0].sso_account_id: '1' is not an AWS account ID",
        ),
        (
            dict(
                sso_session="recro",
                region="nowhere",
                profiles=[{"name": "a", "sso_account_id": "012345678901", "sso_role_name": "r"}],
            ),
            "region: 'nowhere' is not an AWS Region name",
        ),
        (
            dict(sso_session="recro", sso_account_id="012345678901", profiles=[]),
            "sso_account_id: '012345678901' applies to name; give it in each item of profiles",
        ),
        (
            dict(sso_session="recro", profiles=[{"name": "a", "sso_account_id": "012345678901"}]),
            "sso_role_name: None is missing: an SSO profile needs sso_account_id and sso_role_name",
        ),
        (
            dict(
                sso_session="recro",
                sso_role_name="bad role",
                profiles=[{"name": "a", "sso_account_id": "012345678901"}],
            ),
            "sso_role_name: 'bad role'",
        ),
        (
            dict(
                sso_session="recro",
                sso_role_name="r",
                profiles=[{"name": "a", "sso_account_id": "012345678901", "sso_role_name": "bad role"}],
            ),
            "profiles[0].sso_role_name: 'bad role'",
        ),
    ],
)
def test_refuses_bad_options_naming_option_and_value(params, message):
    with pytest.raises(ParameterError) as raised:
        build_request(params)
    assert message in str(raised.value)


# Applying -----------------------------------------------------------------------------


def test_seed_values_on_an_empty_file_give_the_wizards_stanzas():
    outcome = apply("", **SEED)
    assert outcome.text == SEED_STANZAS
    assert [change["section"] for change in outcome.changes] == ["profile recrocog-admin", "sso-session recro"]
    assert outcome.profiles["recrocog-admin"]["sso_role_name"] == "adminAccess"
    assert outcome.sessions["recro"]["sso_registration_scopes"] == "sso:account:access"
    assert outcome.profile_names == ["recrocog-admin"]


def test_a_task_level_role_is_the_default_of_every_item():
    outcome = apply(
        "",
        sso_session="recro",
        sso_start_url="https://x.awsapps.com/start",
        sso_region="us-east-1",
        sso_role_name="readOnly",
        profiles=[
            {"name": "a", "sso_account_id": "012345678901"},
            {"name": "b", "sso_account_id": "012345678901", "sso_role_name": "adminAccess"},
        ],
    )
    assert outcome.profiles["a"]["sso_role_name"] == "readOnly"
    assert outcome.profiles["b"]["sso_role_name"] == "adminAccess"


def test_second_application_changes_nothing():
    once = apply("", **SEED)
    twice = apply(once.text, **SEED)
    assert not twice.changed
    assert twice.text == once.text


EDIT_CASES = {
    "changes a key in place, keeping hand-added keys and comments": (
        "# mine\n[profile recrocog-admin]\n# role below\nsso_role_name = readOnly\ncli_pager =\n" + SEED_SESSION_STANZA,
        with_seed(),
        "# mine\n[profile recrocog-admin]\n# role below\nsso_role_name = adminAccess\ncli_pager =\n"
        "sso_session = recro\nsso_account_id = 012345678901\nregion = us-east-1\noutput = json\n" + SEED_SESSION_STANZA,
    ),
    "finds [profile  name ] and keys in any case, keeps indentation": (
        "[profile  recrocog-admin ]\n  Region = eu-west-1\n  output=json\n\n[profile other]\nx = 1\n",
        dict(name="recrocog-admin", region="us-east-1", output="json"),
        "[profile  recrocog-admin ]\n  region = us-east-1\n  output=json\n\n[profile other]\nx = 1\n",
    ),
    "removes legacy keys that contradict the session": (
        "[profile recrocog-admin]\nsso_start_url = https://old.awsapps.com/start\nsso_region = eu-west-1\n"
        "sso_account_id = 012345678901\nsso_role_name = adminAccess\n",
        dict(name="recrocog-admin", sso_session="recro", sso_account_id="012345678901", sso_role_name="adminAccess"),
        "[profile recrocog-admin]\nsso_account_id = 012345678901\nsso_role_name = adminAccess\nsso_session = recro\n",
    ),
    "keeps CRLF and writes new lines with CRLF": (
        "[default]\r\nregion = eu-west-1\r\n",
        dict(name="default", region="us-east-1", output="text"),
        "[default]\r\nregion = us-east-1\r\noutput = text\r\n",
    ),
    "appends after a last line without newline": (
        "[profile a]\nx = 1",
        dict(name="b", output="json"),
        "[profile a]\nx = 1\n[profile b]\noutput = json\n",
    ),
    "new keys go after a nested block, before trailing comments": (
        "[profile a]\ns3 =\n    addressing_style = path\n\n# about b\n[profile b]\ny = 2\n",
        dict(name="a", region="us-east-1"),
        "[profile a]\ns3 =\n    addressing_style = path\nregion = us-east-1\n\n# about b\n[profile b]\ny = 2\n",
    ),
    "writes nested settings and removes null ones": (
        "[profile a]\ncli_pager = less\n",
        dict(name="a", settings={"cli_pager": None, "s3": {"max_concurrent_requests": 20}, "cli_auto_prompt": False}),
        "[profile a]\ns3 =\n    max_concurrent_requests = 20\ncli_auto_prompt = false\n",
    ),
    "exclusive removes keys the task does not set": (
        "[profile a]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = r\nregion = us-east-1\nhand = 1\n",
        dict(name="a", sso_session="recro", sso_account_id="012345678901", sso_role_name="r", exclusive=True),
        "[profile a]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = r\n",
    ),
    "an equal value written differently is left alone": (
        "[sso-session recro]\nsso_start_url=https://recrocog.awsapps.com/start\nsso_region : us-east-1\n"
        "sso_registration_scopes = sso:account:access, codecatalyst:read_write\n",
        dict(
            sso_session="recro",
            sso_start_url="https://recrocog.awsapps.com/start",
            sso_region="us-east-1",
            sso_registration_scopes=["sso:account:access", "codecatalyst:read_write"],
        ),
        "[sso-session recro]\nsso_start_url=https://recrocog.awsapps.com/start\nsso_region : us-east-1\n"
        "sso_registration_scopes = sso:account:access, codecatalyst:read_write\n",
    ),
    "prune removes the session's other profiles with their blank lines, keeping comments": (
        "[profile keep]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = r\n\n"
        "[profile gone]\nsso_session = recro\n\n# other tool\n[profile mine]\nsso_session = other\n",
        dict(
            sso_session="recro",
            prune=True,
            profiles=[dict(name="keep", sso_account_id="012345678901", sso_role_name="r")],
        ),
        "[profile keep]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = r\n\n"
        "# other tool\n[profile mine]\nsso_session = other\n",
    ),
    "absent with prune and remove_unused_session offboards the session only": (
        "[default]\nregion = us-east-1\n[profile a]\nsso_session = recro\n[sso-session recro]\nsso_start_url = https://x\n"
        "[sso-session other]\nsso_start_url = https://y\n",
        dict(state="absent", sso_session="recro", prune=True, remove_unused_session=True),
        "[default]\nregion = us-east-1\n[sso-session other]\nsso_start_url = https://y\n",
    ),
    "new key lines take the next header's indentation so it stays a header": (
        "  [profile a]\n    [profile b]\n",
        dict(name="a", output="json"),
        "  [profile a]\n    output = json\n    [profile b]\n",
    ),
}


@pytest.mark.parametrize("before, params, after", EDIT_CASES.values(), ids=list(EDIT_CASES))
def test_edits_in_place(before, params, after):
    outcome = apply(before, **params)
    assert outcome.text == after
    assert outcome.changed == (before != after)
    assert not apply(after, **params).changed


def test_describes_each_change_in_one_line():
    changes = [
        {"section": "profile a", "key": None, "action": "add", "before": None, "after": {"region": "x"}},
        {
            "section": "sso-session recro",
            "key": "sso_region",
            "action": "change",
            "before": "eu-west-1",
            "after": "us-east-1",
        },
        {"section": "profile b", "key": "output", "action": "remove", "before": "json", "after": None},
        {"section": "profile b", "key": "region", "action": "add", "before": None, "after": "us-east-1"},
        {"section": "profile c", "key": None, "action": "remove", "before": {}, "after": None},
    ]
    assert describe_changes(changes) == [
        "added [profile a]",
        "changed sso_region in [sso-session recro] from eu-west-1 to us-east-1",
        "removed output from [profile b]",
        "added region = us-east-1 to [profile b]",
        "removed [profile c]",
    ]


def test_reports_each_change():
    outcome = apply(
        "[profile recrocog-admin]\nsso_role_name = readOnly\nsso_region = x\n",
        **with_seed(sso_start_url=None, sso_region=None),
    )
    assert outcome.changes[:2] == [
        {
            "section": "profile recrocog-admin",
            "key": "sso_role_name",
            "action": "change",
            "before": "readOnly",
            "after": "adminAccess",
        },
        {"section": "profile recrocog-admin", "key": "sso_region", "action": "remove", "before": "x", "after": None},
    ]
    assert [change["key"] for change in outcome.changes[2:]] == ["sso_session", "sso_account_id", "region", "output"]
    assert outcome.warnings == [
        "profiles use sso_session 'recro', but there is no [sso-session recro] stanza: "
        "give sso_start_url and sso_region to write it"
    ]


def test_keeps_a_session_other_profiles_still_use():
    text = "[profile a]\nsso_session = recro\n[profile b]\nsso_session = recro\n[sso-session recro]\nsso_start_url = https://x\n"
    outcome = apply(text, state="absent", name="a", sso_session="recro", remove_unused_session=True)
    assert outcome.text == "[profile b]\nsso_session = recro\n[sso-session recro]\nsso_start_url = https://x\n"
    assert outcome.removed_profiles == ["a"] and outcome.removed_sessions == []
    assert outcome.profile_names == ["b"]
    assert outcome.warnings == ["kept [sso-session recro]: profiles b still use it"]


def test_refuses_an_edit_that_would_change_an_untouched_section():
    # Removing [profile b] would make the indented [profile c] part of a's value.
    text = "[profile a]\nx = 1\n[profile b]\n    y = 2\n    [profile c]\nz = 3\n"
    assert AwsConfig(text).find("profile", "c") is not None
    with pytest.raises(ConfigFileError, match="turn the header \\[profile c\\] into part of a value"):
        apply(text, state="absent", name="b")


def test_absent_profile_that_does_not_exist_changes_nothing():
    outcome = apply("[profile a]\nx = 1\n", state="absent", name="zzz")
    assert not outcome.changed and outcome.text == "[profile a]\nx = 1\n"


# Properties -----------------------------------------------------------------------------

ACCOUNT_IDS = st.sampled_from(["012345678901", "111111111111", "999999999999"])
PROFILE_NAMES = st.sampled_from(["a", "b", "dev", "default", "first", "spaced", "quoted", "x.y"])
SETTINGS = st.dictionaries(
    st.sampled_from(["cli_pager", "s3", "x", "duration_seconds"]),
    st.one_of(
        st.none(),
        st.sampled_from(["", "less", "3600", "[profile z]", "a = b"]),
        st.fixed_dictionaries({"max_concurrent_requests": st.sampled_from(["10", "20"])}),
    ),
    max_size=3,
)


@st.composite
def profile_items(draw, state):
    item = {"name": draw(PROFILE_NAMES)}
    if state == "present":
        item.update(sso_account_id=draw(ACCOUNT_IDS), sso_role_name=draw(st.sampled_from(["adminAccess", "ReadOnly"])))
        for option, values in (("region", ["us-east-1", "eu-west-1"]), ("output", ["json", "text"])):
            if draw(st.booleans()):
                item[option] = draw(st.sampled_from(values))
        if draw(st.booleans()):
            item["settings"] = draw(SETTINGS)
    return item


@st.composite
def requests(draw):
    state = draw(st.sampled_from(["present", "present", "present", "absent"]))
    params = {"state": state, "sso_session": draw(st.sampled_from(["recro", "dev", "a"]))}
    params["profiles"] = draw(
        st.lists(profile_items(state), unique_by=lambda item: item["name"], min_size=1, max_size=4)
    )
    params["prune"] = draw(st.booleans())
    if state == "present":
        params["exclusive"] = draw(st.booleans())
        if draw(st.booleans()):
            params.update(sso_start_url="https://recrocog.awsapps.com/start", sso_region="us-east-1")
    else:
        params["remove_unused_session"] = draw(st.booleans())
    return params


def section_texts_by_header(config):
    """Each section's text, from its header to the next header."""
    return dict((section.header, "".join(config.lines[section.start : section.stop])) for section in config.sections)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(readable_texts(), requests())
def test_any_request_on_any_readable_file(text, params):
    assume("[DEFAULT]" not in text)  # its keys would show in every profile botocore reads
    try:
        before = botocore_read(text)
        config = AwsConfig(text)
    except Exception:  # pylint: disable=broad-except
        assume(False)
    request = build_request(params)
    try:
        outcome = apply_request(config, request)
    except ConfigFileError as error:
        inconsistent = re.search(r"botocore finds them inconsistent .* Remove (\S+) from ", str(error))
        if inconsistent:
            # A key the session sets otherwise than a written profile: on the line named.
            assert config.lines[error.line_number - 1].split("=")[0].strip().lower() == inconsistent.group(1)
            return
        if "as part of" in str(error):
            # A section indented into a value the edit replaces or deletes: on the line named.
            assert config.lines[error.line_number - 1][:1].isspace()
            assert config.lines[error.line_number - 1].strip().startswith("[")
            return
        # The other refusal: an edit next to an indented header that would change how it is read.
        assert "unindent them" in str(error)
        assert any(line[:1].isspace() and line.strip() for line in config.lines)
        return

    after = botocore_read(outcome.text)  # botocore reads the result
    managed = set(item["name"] for item in params["profiles"])
    removed = set(outcome.removed_profiles)
    for name, values in after["profiles"].items():
        if name not in managed:
            assert values == before["profiles"][name], name  # untouched profiles read the same
    for name in removed:
        assert name not in after["profiles"]
    if params["state"] == "present":
        for item in params["profiles"]:
            values = after["profiles"][item["name"]]
            assert values["sso_session"] == params["sso_session"]
            assert values["sso_account_id"] == item["sso_account_id"]
            assert "sso_start_url" not in values and "sso_region" not in values
            for key, value in (item.get("settings") or {}).items():
                assert values.get(key) == (None if value is None else value)
            if params["exclusive"]:
                assert set(values) <= {"sso_session", "sso_account_id", "sso_role_name", "region", "output"} | set(
                    item.get("settings") or {}
                )
        if params["prune"]:
            assert [
                name
                for name, values in after["profiles"].items()
                if values.get("sso_session") == params["sso_session"] and name not in managed
            ] == []
    else:
        assert not managed & set(after["profiles"])

    # Sections neither managed nor removed keep their text byte for byte (a last line may gain its newline).
    old_texts = section_texts_by_header(config)
    new_texts = section_texts_by_header(AwsConfig(outcome.text))
    for section in config.sections:
        if (section.kind == "profile" and section.name in managed | removed) or (
            section.kind == "sso-session" and section.name == params["sso_session"]
        ):
            continue
        assert new_texts[section.header].startswith(old_texts[section.header]), section.header
    preamble = config.sections[0].start if config.sections else len(config.lines)
    assert outcome.text.startswith("".join(config.lines[:preamble]).rstrip("\r\n"))

    assert outcome.profile_names == list(after["profiles"])

    # Applying the same request to the result changes nothing.
    again = apply_request(AwsConfig(outcome.text), request)
    assert not again.changed
    assert again.text == outcome.text


# Hostile inputs (issue 13) -------------------------------------------------------------

ROLE_NAMES_AWS_ALLOWS = ["Billing,ReadOnly", "Ops=Full", "a+b", "dev.ops@team", "x-y_z", "A" * 32, "1", "=,.@+-_"]


@pytest.mark.parametrize("role_name", ROLE_NAMES_AWS_ALLOWS)
def test_accepts_every_permission_set_name_aws_allows_and_botocore_reads_it_back(role_name, tmp_path):
    outcome = apply("", **with_seed(sso_role_name=role_name))
    assert outcome.profiles["recrocog-admin"]["sso_role_name"] == role_name
    assert botocore_read(outcome.text)["profiles"]["recrocog-admin"]["sso_role_name"] == role_name
    # botocore's session, as the AWS tools build it, scoped to the profile
    import botocore.session

    config = tmp_path / "config"
    config.write_text(outcome.text)
    session = botocore.session.Session(
        session_vars={"config_file": (None, None, str(config), None)}, profile="recrocog-admin"
    )
    assert session.get_scoped_config()["sso_role_name"] == role_name
    assert session.full_config["profiles"]["recrocog-admin"]["sso_role_name"] == role_name


def test_the_aws_cli_reads_the_permission_set_names_back(tmp_path):
    import os
    import shutil
    import subprocess

    if not shutil.which("aws", path="/usr/bin"):
        pytest.skip("no AWS CLI at /usr/bin/aws")
    config = tmp_path / "config"
    config.write_text(
        apply(
            "",
            sso_session="recro",
            sso_start_url=SEED["sso_start_url"],
            sso_region="us-east-1",
            profiles=[
                dict(name="p{0}".format(index), sso_account_id="012345678901", sso_role_name=role)
                for index, role in enumerate(ROLE_NAMES_AWS_ALLOWS)
            ],
        ).text
    )
    env = dict(
        os.environ, AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), HOME=str(tmp_path)
    )
    for index, role in enumerate(ROLE_NAMES_AWS_ALLOWS):
        result = subprocess.run(
            ["/usr/bin/aws", "configure", "get", "sso_role_name", "--profile", "p{0}".format(index)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert result.stdout == role + "\n"


@pytest.mark.parametrize("role_name", ["Billing ReadOnly", "a/b", "A" * 33, "", "rôle", "a;b", "a#b", "a\n"])
def test_refuses_permission_set_names_aws_does_not_allow(role_name):
    with pytest.raises(ParameterError, match="sso_role_name"):
        build_request(with_seed(sso_role_name=role_name))


@pytest.mark.parametrize("option", ["name", "sso_session", "sso_role_name", "sso_account_id", "region"])
def test_nothing_may_follow_a_name_not_even_a_newline(option):
    params = with_seed()
    params[option] = params[option] + "\n"
    with pytest.raises(ParameterError, match=option):
        build_request(params)
    params[option] = params[option][:-1] + "\nx"
    with pytest.raises(ParameterError, match=option):
        build_request(params)


@pytest.mark.parametrize(
    "url",
    [
        "https://alice@recrocog.awsapps.com/start",
        "https://alice:s3cret@recrocog.awsapps.com/start",
        "https://:s3cret@recrocog.awsapps.com/start?x=1",
    ],
)
def test_refuses_a_start_url_with_user_info_without_showing_it(url):
    with pytest.raises(ParameterError) as refused:
        build_request(with_seed(sso_start_url=url))
    message = str(refused.value)
    assert message.startswith("sso_start_url: 'https://<user info>@recrocog.awsapps.com/start")
    assert "s3cret" not in message and "alice" not in message


def test_an_at_sign_after_the_host_is_no_user_info():
    assert apply("", **with_seed(sso_start_url="https://recrocog.awsapps.com/start?u=a@b")).changed


@pytest.mark.parametrize(
    "item, message",
    [
        ("a", "profiles[0]: 'a' must be a dict with at least name (a str here)"),
        (["a"], "profiles[0]: ['a'] must be a dict"),
        (
            dict(name="p", sso_account_id="012345678901", sso_role_name="r", colour="red"),
            "profiles[0].colour: 'red' is not an option",
        ),
        (
            dict(name="p", sso_account_id="012345678901", sso_role_name="r", settings="a=b"),
            "profiles[0].settings: 'a=b' must be a dict",
        ),
        (dict(name=7, sso_account_id="012345678901", sso_role_name="r"), "profiles[0].name: 7 must be a string"),
    ],
)
def test_a_bad_profiles_item_is_named(item, message):
    with pytest.raises(ParameterError) as refused:
        build_request(dict(sso_session="recro", profiles=[item]))
    assert str(refused.value).startswith(message)


GOOD_ITEM = dict(name="good", sso_account_id="012345678901", sso_role_name="Billing,ReadOnly")


def test_skip_invalid_writes_the_rest_and_names_each_skipped_item():
    items = [
        dict(name="bad name", sso_account_id="012345678901", sso_role_name="r"),
        "junk",
        GOOD_ITEM,
        dict(name="good", sso_account_id="012345678901", sso_role_name="r"),
        dict(name="ok2", sso_account_id="12", sso_role_name="r"),
    ]
    request = build_request(dict(sso_session="recro", profiles=items, skip_invalid=True))
    outcome = apply_request(AwsConfig(""), request)
    assert list(outcome.profiles) == ["good"]
    assert [(item, name) for item, name, _problem in request.skipped] == [
        ("profiles[0]", "bad name"),
        ("profiles[1]", None),
        ("profiles[3]", "good"),
        ("profiles[4]", "ok2"),
    ]
    assert outcome.warnings[0].startswith(
        "skipped profiles[0] ('bad name'): profiles[0].name: 'bad name' is not a name"
    )
    assert outcome.warnings[1].startswith("skipped profiles[1]: profiles[1]: 'junk' must be a dict")
    assert "is listed twice" in outcome.warnings[2]


def test_without_skip_invalid_one_bad_item_fails_the_task():
    with pytest.raises(ParameterError, match=r"profiles\[1\].name"):
        build_request(dict(sso_session="recro", profiles=[GOOD_ITEM, dict(GOOD_ITEM, name="bad name")]))


def test_prune_keeps_the_profile_of_a_skipped_item():
    text = (
        "[profile kept]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = r\n\n"
        "[profile gone]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = r\n"
    )
    items = [GOOD_ITEM, dict(name="kept", sso_account_id="0123", sso_role_name="r")]
    outcome = apply(text, sso_session="recro", profiles=items, skip_invalid=True, prune=True)
    assert outcome.removed_profiles == ["gone"]
    assert "kept" in outcome.profile_names


# [DEFAULT] (issue 13) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[DEFAULT]\ncli_pager =\n\n[profile x]\nregion = us-east-1\n\n[DEFAULT]\noutput = json\n",
        "[DEFAULT]\ncli_pager =\n[DEFAULT]\noutput = json\n",
        "[profile x]\nregion = us-east-1\n[DEFAULT]\noutput = json\n\n[DEFAULT]\ncli_pager =\n",
    ],
)
def test_two_default_sections_are_no_obstacle(text):
    outcome = apply(text, **with_seed())
    read = botocore_read(outcome.text)["profiles"]["recrocog-admin"]
    # botocore (configparser) merges every [DEFAULT] section into every profile
    assert read["output"] == "json" and read["cli_pager"] == "" and read["sso_role_name"] == "adminAccess"
    assert outcome.text.startswith(text)


@pytest.mark.parametrize(
    "key, value",
    [
        ("sso_start_url", "https://other.awsapps.com/start"),
        ("sso_region", "eu-west-1"),
        ("sso_registration_scopes", "sso:account:access,other"),
    ],
)
def test_refuses_a_session_key_in_default_that_contradicts_the_session(key, value):
    text = "[profile x]\nregion = us-east-1\n\n[DEFAULT]\n# shared\n{0} = {1}\n".format(key, value)
    # what botocore does: every profile inherits the key, and the session's value contradicts it
    assert botocore_read(text)["profiles"]["x"][key] == value
    with pytest.raises(ConfigFileError) as refused:
        apply(text, **with_seed())
    assert refused.value.line_number == 6
    assert "[sso-session recro] reads {0} = ".format(key) in str(refused.value)
    assert "botocore finds them inconsistent and the AWS CLI refuses every profile of that session" in str(
        refused.value
    )
    assert str(refused.value).endswith("Remove {0} from [DEFAULT] (or make it match)".format(key))


def botocore_sso_config(text, profile):
    """What botocore's SSO credential provider makes of ``profile`` in ``text``: the
    profile merged with its sso-session, or the InvalidConfigError it raises."""
    from botocore.credentials import SSOProvider  # pylint: disable=import-outside-toplevel

    loaded = botocore_read(text)
    provider = SSOProvider(load_config=lambda: loaded, client_creator=None, profile_name=profile)
    return provider._load_sso_config()  # pylint: disable=protected-access


SESSION = "[sso-session recro]\nsso_start_url = https://recrocog.awsapps.com/start\nsso_region = us-east-1\n"


@pytest.mark.parametrize(
    "text, written, line, where",
    [
        # a [DEFAULT] key that the session inherits, the profile sets otherwise
        ("[DEFAULT]\nregion = us-east-1\n", dict(region="eu-west-1"), 2, "[DEFAULT]"),
        ("[DEFAULT]\noutput = json\n\n" + SESSION, dict(output="text"), 2, "[DEFAULT]"),
        # a key added to the session by hand, the profile sets otherwise
        (SESSION + "output = json\n", dict(output="text"), 4, "[sso-session recro]"),
        (SESSION + "region = eu-west-1\n", dict(region="us-east-1"), 4, "[sso-session recro]"),
    ],
)
def test_refuses_what_botocore_finds_inconsistent_between_a_profile_and_its_session(text, written, line, where):
    params = with_seed(**written)
    with pytest.raises(ConfigFileError) as refused:
        apply(text, **params)
    assert refused.value.line_number == line
    assert str(refused.value).endswith("Remove {0} from {1} (or make it match)".format(list(written)[0], where))
    # The oracle: the same profile written as asked (as a hand edit would) is refused by botocore.
    stanza = "".join("{0} = {1}\n".format(key, value) for key, value in written.items())
    by_hand = text + "\n[profile p]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = r\n" + stanza
    if "[sso-session recro]" not in by_hand:
        by_hand += SESSION
    with pytest.raises(Exception) as botocore_refused:
        botocore_sso_config(by_hand, "p")
    assert type(botocore_refused.value).__name__ == "InvalidConfigError"


@pytest.mark.parametrize(
    "text, written",
    [
        ("[DEFAULT]\nregion = eu-west-1\n", dict(region="eu-west-1")),
        ("[DEFAULT]\noutput = json\n", dict(output=None)),
        (SESSION + "output = json\n", dict(output="json")),
    ],
)
def test_a_profile_that_agrees_with_its_session_is_written_and_botocore_reads_it(text, written):
    outcome = apply(text, **with_seed(**written))
    merged = botocore_sso_config(outcome.text, "recrocog-admin")
    assert merged["sso_start_url"] == "https://recrocog.awsapps.com/start"


def test_a_session_key_in_default_that_matches_the_session_is_fine():
    text = "[DEFAULT]\nsso_region = us-east-1\n"
    assert "[profile recrocog-admin]" in apply(text, **with_seed()).text


def test_removing_a_continued_legacy_key_keeps_the_comment_inside_it():
    text = (
        "[profile recrocog-admin]\nsso_start_url = https://old.awsapps.com/start\n  continued\n# mine, keep\n"
        "  more\n; and this\nregion = us-east-1\n"
    )
    outcome = apply(text, **with_seed())
    assert outcome.text.startswith("[profile recrocog-admin]\n# mine, keep\n; and this\nregion = us-east-1\n")
    assert "sso_start_url" not in botocore_read(outcome.text)["profiles"]["recrocog-admin"]


def test_a_task_level_role_name_is_the_default_of_every_item():
    outcome = apply(
        "",
        sso_session="recro",
        sso_role_name="Ops=Full",
        profiles=[
            dict(name="a", sso_account_id="012345678901"),
            dict(name="b", sso_account_id="012345678902", sso_role_name="Billing,ReadOnly"),
        ],
    )
    assert [profile["sso_role_name"] for profile in outcome.profiles.values()] == ["Ops=Full", "Billing,ReadOnly"]


def test_a_bad_task_level_role_name_is_named_as_the_task_option():
    with pytest.raises(ParameterError, match=r"^sso_role_name: 'a b'"):
        build_request(
            dict(sso_session="recro", sso_role_name="a b", profiles=[dict(name="a", sso_account_id="012345678901")])
        )


def test_writable_profiles_keeps_what_a_write_accepts_and_says_why_for_the_rest():
    items = [
        {"name": "recrocog-admin", "sso_account_id": "111111111111", "sso_role_name": "adminAccess"},
        {"name": "recrocog-evil", "sso_account_id": "111111111111", "sso_role_name": "Evil\n[profile injected]"},
        {"name": "recrocog-short", "sso_account_id": "1111", "sso_role_name": "readOnly"},
        {"name": "recrocog-billing", "sso_account_id": "111111111111", "sso_role_name": "Billing,ReadOnly"},
    ]
    writable, refused = writable_profiles("recro", items)
    assert writable == [items[0], items[3]]
    assert [reason.split(":")[0] for reason in refused] == ["profiles[1].sso_role_name", "profiles[2].sso_account_id"]
    # What it keeps, a write takes without skip_invalid.
    request = build_request(dict(sso_session="recro", profiles=writable))
    assert [spec.name for spec in request.profiles] == ["recrocog-admin", "recrocog-billing"]


def test_scopes_without_the_start_url_are_refused_naming_them():
    with pytest.raises(ParameterError, match=r"^sso_registration_scopes: \['not a scope', ','\] needs sso_start_url"):
        build_request(dict(name="a", sso_session="recro", sso_registration_scopes=["not a scope", ","]))


STATIC = (
    "[profile static]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "AWS_Secret_Access_Key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)


def test_credentials_in_a_managed_profile_are_never_in_the_changes_or_the_profiles():
    text = (
        "[profile recrocog-admin]\nsso_session = recro\nsso_account_id = 012345678901\nsso_role_name = adminAccess\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\ncredential_process = get --token s3cr3t\n"
    )
    outcome = apply(text, **with_seed(exclusive=True))
    removed = dict((change["key"], change) for change in outcome.changes if change["action"] == "remove")
    assert removed["aws_secret_access_key"]["before"] == "<hidden>"
    assert removed["credential_process"]["before"] == "<hidden>"
    shown = repr(outcome.changes) + repr(describe_changes(outcome.changes)) + repr(outcome.profiles)
    assert "EXAMPLEKEY" not in shown and "s3cr3t" not in shown
    # Without exclusive the key stays, and the profile's values say it is there without its value.
    kept = apply(text, **with_seed())
    assert kept.profiles["recrocog-admin"]["aws_secret_access_key"] == "<hidden>"


@pytest.mark.parametrize(
    "params",
    [dict(name="old", state="absent"), dict(sso_session="recro", profiles=[], prune=True)],
    ids=["state=absent", "prune"],
)
def test_a_removed_profile_is_reported_without_the_credentials_it_held(params):
    text = (
        "[profile old]\nsso_session = recro\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "credential_process = get --token s3cr3t\n[profile keep]\nregion = us-east-1\n"
    )
    outcome = apply(text, **params)
    assert outcome.removed_profiles == ["old"]
    [removed] = outcome.changes
    assert removed["before"] == {
        "sso_session": "recro",
        "aws_secret_access_key": "<hidden>",
        "credential_process": "<hidden>",
    }
    shown = repr(outcome.changes) + repr(describe_changes(outcome.changes))
    assert "EXAMPLEKEY" not in shown and "s3cr3t" not in shown


def test_a_credential_the_profile_and_its_session_read_differently_is_named_without_its_values():
    # configparser gives [DEFAULT]'s key to the session; the profile has its own.
    text = (
        "[DEFAULT]\naws_access_key_id = AKIAIOSFODNN7DEFAULT\n"
        "[profile recrocog-admin]\naws_access_key_id = AKIAIOSFODNN7PROFILE\n"
    )
    with pytest.raises(ConfigFileError) as refused:
        apply(text, **SEED)
    assert refused.value.line_number == 2
    assert "profile recrocog-admin would read aws_access_key_id = <hidden> and [sso-session recro] reads " in str(
        refused.value
    )
    assert "AKIAIOSFODNN7" not in str(refused.value)
    # The oracle: botocore refuses the file as written by hand.
    with pytest.raises(Exception) as botocore_refused:
        botocore_sso_config(
            text.replace("\n[profile", "\n" + SESSION + "[profile") + "sso_session = recro\n"
            "sso_account_id = 012345678901\nsso_role_name = r\n",
            "recrocog-admin",
        )
    assert type(botocore_refused.value).__name__ == "InvalidConfigError"


INDENTED_SECTION = "  [profile mine]\n  region = eu-west-1\n"


@pytest.mark.parametrize(
    "text, params, doing",
    [
        (
            "[profile recrocog-admin]\nregion = eu-west-1\n" + INDENTED_SECTION,
            with_seed(),
            "changing region in [profile recrocog-admin]",
        ),
        (
            "[profile recrocog-admin]\ncli_pager = less\n" + INDENTED_SECTION,
            with_seed(exclusive=True),
            "removing cli_pager from [profile recrocog-admin]",
        ),
        (
            "[profile old]\nsso_session = recro\nregion = x\n" + INDENTED_SECTION,
            dict(sso_session="recro", profiles=[], prune=True),
            "removing [profile old]",
        ),
        ("[profile old]\nregion = x\n" + INDENTED_SECTION, dict(name="old", state="absent"), "removing [profile old]"),
    ],
    ids=["a changed value", "a removed key", "a pruned profile", "state=absent"],
)
def test_a_section_indented_into_a_value_is_never_deleted_with_it(text, params, doing):
    # botocore reads the indented section as part of the value before it, not as a profile...
    assert "mine" not in botocore_read(text)["profiles"]
    # ...but it is the person's, and an edit that replaces or deletes the value would delete it.
    lines = text.split("\n")
    header = lines.index(INDENTED_SECTION.split("\n", maxsplit=1)[0])
    key = lines[header - 1].split(" ")[0]
    with pytest.raises(ConfigFileError) as refused:
        apply(text, **params)
    assert refused.value.line_number == header + 1
    assert str(refused.value).startswith(
        "line {0}: '[profile mine]' is indented deeper than the key {1} on line {2}, so botocore reads it and the "
        "lines after it as part of {1}'s value, not as a section; {3} would delete them".format(
            header + 1, key, header, doing
        )
    )


def test_a_nested_block_is_still_replaced():
    text = "[profile recrocog-admin]\ns3 =\n    max_concurrent_requests = 20\n"
    outcome = apply(text, **with_seed(settings={"s3": {"addressing_style": "path"}}))
    assert botocore_read(outcome.text)["profiles"]["recrocog-admin"]["s3"] == {"addressing_style": "path"}


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"aws_secret_access_key": " s3cr3t"}, "settings.aws_secret_access_key: '<hidden>' has leading or trailing"),
        (
            {"aws_session_token": "x", "AWS_Session_Token": "s3cr3t"},
            "settings.AWS_Session_Token: '<hidden>' repeats key 'aws_session_token'",
        ),
        ({"credential_process": {"a": "s3cr3t\n"}}, "settings.credential_process.a: '<hidden>' contains the control"),
        ({"credential_process": ["s3cr3t"]}, "settings.credential_process: '<hidden>' cannot be written"),
    ],
)
def test_a_refused_credential_in_settings_is_not_shown(settings, message):
    with pytest.raises(ParameterError) as refused:
        build_request(with_seed(settings=settings))
    assert str(refused.value).startswith(message)
    assert "s3cr3t" not in str(refused.value)


def test_a_refused_setting_that_is_no_credential_is_shown():
    with pytest.raises(ParameterError, match=r"^settings.cli_pager: ' less' has leading or trailing whitespace"):
        build_request(with_seed(settings={"cli_pager": " less"}))
