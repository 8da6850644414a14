# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reader against botocore itself: same sections, same values, same refusals."""

from __future__ import annotations

import configparser

import pytest
from botocore.exceptions import ConfigParseError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import (
    _SECTION_HEADER,
    SECRET_KEYS,
    AwsConfig,
    ConfigFileError,
    botocore_value,
    hide_secret_lines,
    resolve_header,
)
from ansible_collections.recro.aws_sso.tests.support.config_strategies import botocore_read, config_texts


def our_read(text):
    """Our reading in botocore's shape: profiles, sso_sessions, services and the rest."""
    config = AwsConfig(text)
    result = {"profiles": {}, "sso_sessions": {}, "services": {}}
    buckets = {"profile": "profiles", "sso-session": "sso_sessions", "services": "services"}
    defaults = {}  # configparser adds [DEFAULT]'s keys to every section
    for section in config.sections:
        if section.header == "DEFAULT":
            defaults.update(section.raw_values())
    for section in config.sections:
        if section.header == "DEFAULT":
            continue
        raw_values = dict(defaults)
        raw_values.update(section.raw_values())
        values = dict((key, botocore_value(value)) for key, value in raw_values.items())
        if section.kind is not None:
            result[buckets[section.kind]][section.name] = values
        elif not section.header.startswith(("profile", "sso-session", "services")):
            result[section.header] = values
    return result


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(config_texts())
def test_reads_every_file_as_botocore_does(text):
    try:
        expected = botocore_read(text)
    except ConfigParseError:
        with pytest.raises(ConfigFileError):
            our_read(text)
        return
    try:
        ours = our_read(text)
    except ConfigFileError as error:
        # The only files we refuse that botocore reads are ambiguous ones.
        assert "botocore reads only the later one" in str(error)
        return
    assert ours == expected


SAMPLE = (
    "# Managed by hand\n"
    "[default]\n"
    "region = eu-west-1\n"
    "\n"
    "[profile  spaced ]\n"
    "Region = us-east-1\n"
    "s3 =\n"
    "    max_concurrent_requests = 20\n"
    "\n"
    "    addressing_style = path\n"
    "; between\n"
    "[profile \"quoted\"]\n"
    "output : json\n"
    "[services local]\n"
    "sts =\n"
    "  endpoint_url = http://localhost:4566\n"
)


def test_finds_sections_under_botocore_names_with_positions():
    config = AwsConfig(SAMPLE)
    spaced = config.find("profile", "spaced")
    assert spaced.header == "profile  spaced "
    assert (spaced.start, spaced.stop, spaced.content_stop) == (4, 11, 10)
    assert spaced.values() == {
        "region": "us-east-1",
        "s3": {"max_concurrent_requests": "20", "addressing_style": "path"},
    }
    s3 = spaced.entry("s3")
    assert (s3.start, s3.stop) == (6, 10)
    assert config.find("profile", "quoted").values() == {"output": "json"}
    assert config.find("profile", "default").start == 1
    assert config.find("services", "local").values() == {"sts": {"endpoint_url": "http://localhost:4566"}}
    assert config.find("profile", "missing") is None
    assert "".join(config.lines) == SAMPLE


@pytest.mark.parametrize(
    "header, expected",
    [
        ("default", ("profile", "default")),
        ("profile x", ("profile", "x")),
        ("profile  x ", ("profile", "x")),
        ('profile "a b"', ("profile", "a b")),
        ("profiles x", ("profile", "x")),
        ("profile a b", (None, None)),
        ("profile a'b", (None, None)),
        ("profile", (None, None)),
        ("Default", (None, None)),
        ("sso-session recro", ("sso-session", "recro")),
        ("services s", ("services", "s")),
        ("preview", (None, None)),
    ],
)
def test_resolves_headers_as_botocore(header, expected):
    assert resolve_header(header) == expected


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("[a]\nx = 1\n[a]\n", 3, "section [a] appears a second time (first at line 1)"),
        (
            "[profile a]\nregion = x\nRegion = y\n",
            3,
            "key 'region' appears a second time in section [profile a] (first at line 2)",
        ),
        ("region = x\n[default]\n", 1, "text before the first section header: 'region = x'"),
        ("\ufeff[default]\n", 1, "text before the first section header: '\\ufeff[default]'"),
        ("[default]\njust words\n", 2, "no '=' between a key and its value in 'just words' in section [default]"),
        ("[default]\n= x\n", 2, "no key before '=' in '= x' in section [default]"),
        (
            "[default]\ns3 =\n  no equals here\n",
            2,
            "the value in section [default]: nested line 'no equals here' has no '='",
        ),
        ("[default]\n[profile default]\n", 2, "[profile default] and [default] (line 1) both name profile 'default'"),
        ("[profile a]\n[profile \"a\"]\n", 2, "[profile \"a\"] and [profile a] (line 1) both name profile 'a'"),
        ("[sso-session s]\n[sso-session  s]\n", 2, "both name sso-session 's'"),
    ],
)
def test_refuses_what_botocore_cannot_read_or_reads_ambiguously(text, line, message):
    with pytest.raises(ConfigFileError) as raised:
        AwsConfig(text)
    assert raised.value.line_number == line
    assert message in raised.value.message


@pytest.mark.parametrize(
    "text",
    [
        "[a]\nx = 1\n[a]\n",
        "[profile a]\nregion = x\nRegion = y\n",
        "region = x\n[default]\n",
        "\ufeff[default]\n",
        "[default]\njust words\n",
        "[default]\ns3 =\n  no equals here\n",
    ],
)
def test_the_refused_files_are_ones_botocore_cannot_read(text):
    with pytest.raises(ConfigParseError):
        botocore_read(text)


def test_indented_header_after_a_key_is_part_of_its_value_as_in_configparser():
    config = AwsConfig("[profile a]\nx = 1\n  [profile b]\n  y = 2\n")
    assert config.find("profile", "b") is None
    assert config.find("profile", "a").values() == {"x": "1\n[profile b]\ny = 2"}


def test_repeated_defaults_sections_share_keys_as_in_configparser():
    with pytest.raises(ConfigFileError, match="key 'x' appears a second time in section \\[DEFAULT\\]"):
        AwsConfig("[DEFAULT]\nx = 1\n[DEFAULT]\nx = 2\n")
    assert len(AwsConfig("[DEFAULT]\nx = 1\n[DEFAULT]\ny = 2\n").sections) == 2


@pytest.mark.parametrize(
    "text, newline", [("[a]\r\nx = 1\r\n", "\r\n"), ("[a]\rx = 1\r", "\r"), ("[a]\nx = 1", "\n"), ("", "\n")]
)
def test_new_lines_take_the_line_ending_of_the_first_line(text, newline):
    assert AwsConfig(text).newline == newline


def headers(line):
    """The header the reader and this Python's configparser each find on ``line`` (None: no header)."""
    ours = _SECTION_HEADER.match(line)
    theirs = configparser.RawConfigParser.SECTCRE.match(line)
    return (ours and ours.group("header")), (theirs and theirs.group("header"))


# Where the versions differ: up to 3.9 a header holds no "]", from 3.10 on it runs to the last "]".
HEADER_LINES = [
    "[profile a]",
    "[]x[]",
    "[profile x] y]",
    "[profile x]]",
    "[[profile x]",
    "[]",
    "[ ]",
    "[profile\tx]  ",
    "[sso-session \u00e9]",
    "[a\x0bb]",
    "profile x]",
    "[profile x",
]


@pytest.mark.parametrize("line", HEADER_LINES)
def test_section_header_is_the_running_pythons_configparser_rule(line):
    """The reader's header pattern is written out (a read imports no configparser);
    it must take exactly what this Python's configparser takes for a header."""
    ours, theirs = headers(line)
    assert ours == theirs


@given(st.text(alphabet=st.sampled_from("[] \tpx\x0b-\u00e9"), max_size=12))
def test_section_header_agrees_with_configparser_on_any_line(line):
    ours, theirs = headers(line)
    assert ours == theirs


STATIC = (
    "[profile static]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "AWS_Secret_Access_Key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
)


def test_a_diff_hides_the_value_of_every_credential_line():
    hidden = hide_secret_lines(STATIC + "credential_process=get --token s3cr3t\r\nregion = us-east-1\n")
    assert hidden == (
        "[profile static]\naws_access_key_id = <hidden>\nAWS_Secret_Access_Key: <hidden>\n"
        "credential_process= <hidden>\r\nregion = us-east-1\n"
    )


def test_a_diff_hides_the_lines_botocore_reads_as_part_of_a_credential():
    text = (
        "[profile k]\naws_session_token = FIRSTPART\n    SECONDPART\n\n# a note\n  THIRDPART\n"
        "region = us-east-1\n  [profile looks-like-a-header]\naws_secret_access_key =\n\tNESTED = 1\n[profile x]\n"
    )
    assert hide_secret_lines(text) == (
        "[profile k]\naws_session_token = <hidden>\n    <hidden>\n\n# a note\n  <hidden>\n"
        "region = us-east-1\n  [profile looks-like-a-header]\naws_secret_access_key = <hidden>\n\t<hidden>\n"
        "[profile x]\n"
    )


# Keys of the generated files that become credentials, so that their values (one line, several
# lines, nested blocks) are credentials' values.
_AS_SECRETS = (("cli_pager", "aws_session_token"), ("s3", "Credential_Process"), ("output", "aws_access_key_id"))


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow])
@given(config_texts())
def test_a_diff_hides_every_credential_value_botocore_reads_and_nothing_else(text):
    for key, secret_key in _AS_SECRETS:
        text = text.replace(key, secret_key)
    try:
        expected = botocore_read(text)
    except ConfigParseError:
        return
    shown = botocore_read(hide_secret_lines(text))
    assert list(shown) == list(expected)
    for kind, sections in expected.items():
        if kind not in ("profiles", "sso_sessions", "services"):
            assert_section_hidden(shown[kind], sections)  # another section: load_config keeps it as it is
            continue
        assert list(shown[kind]) == list(sections)
        for name, values in sections.items():
            assert_section_hidden(shown[kind][name], values)


def assert_section_hidden(shown, expected):
    """``shown`` (a section of botocore's reading of the hidden text) is ``expected`` but for the
    value of each credential key, every line of which is hidden (or, as in the file, blank)."""
    assert list(shown) == list(expected)
    for key, value in expected.items():
        if key in SECRET_KEYS:
            assert set(shown[key].split("\n")) <= {"<hidden>", ""}, (key, value)
        else:
            assert shown[key] == value


@pytest.mark.parametrize(
    "text, line, shown",
    [
        ("aws_secret_access_key=EXAMPLEKEY\n[default]\n", 1, "'aws_secret_access_key' <hidden>"),
        ("[default]\nAWS_Access_Key_Id EXAMPLEKEY\n", 2, "'AWS_Access_Key_Id' <hidden>"),
        # A value written on the line after its key.
        ("[default]\naws_secret_access_key =\nEXAMPLEKEY\n", 3, "no '=' between a key and its value in <hidden>"),
        ("[default]\naws_session_token =\n    EXAMPLEKEY\n", 2, "a line of the value of aws_session_token has no '='"),
    ],
)
def test_a_line_botocore_cannot_read_is_named_without_a_credential_it_holds(text, line, shown):
    with pytest.raises(ConfigFileError) as raised:
        AwsConfig(text)
    assert raised.value.line_number == line
    assert shown in raised.value.message
    assert "EXAMPLEKEY" not in str(raised.value) and raised.value.__cause__ is None


@pytest.mark.parametrize(
    "config, credentials, found",
    [
        ("[profile p]\nregion = x\n", "", []),
        ("[profile p]\ncredential_process = get\n", "", ["[profile p] of the config file"]),
        (
            "[profile p]\n",
            "[p]\ncredential_process = get\n[profile p]\ncredential_process = x\n",
            ["[p] of the credentials file"],
        ),
        (
            "[profile p]\nsource_profile = q\n[profile q]\nsource_profile = p\n[profile r]\ncredential_process = x\n",
            "[q]\nsource_profile = r\n",
            ["[profile r] of the config file"],
        ),
        ("[DEFAULT]\ncredential_process = get\n[profile p]\n", "", ["[DEFAULT] of the config file"]),
        ("[profile other]\ncredential_process = get\n[profile p]\n", "", []),
    ],
    ids=[
        "none",
        "the profile's",
        "the credentials file's",
        "through source_profile, with a loop",
        "[DEFAULT]'s",
        "another profile's",
    ],
)
def test_finds_each_credential_process_botocore_would_run_for_a_profile(config, credentials, found):
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import credential_programs

    assert credential_programs("p", AwsConfig(config), AwsConfig(credentials)) == found
