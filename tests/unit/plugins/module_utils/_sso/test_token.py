# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading the SSO token cache: times, states, and never the token."""

from __future__ import annotations

import datetime
import os

import pytest
from botocore.utils import SSOTokenLoader

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.cache import token_cache_file
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import (
    describe_token,
    explain,
    parse_timestamp,
    read_cached_token,
    seconds_left,
)

NOW = datetime.datetime(2026, 11, 26, 12, 0, 0, tzinfo=datetime.timezone.utc)


def token(expires_at, **extra):
    values = {
        "accessToken": "secret-token",
        "expiresAt": expires_at,
        "refreshToken": "r",
        "clientId": "c",
        "clientSecret": "s",
        "registrationExpiresAt": "2027-01-01T00:00:00Z",
    }
    values.update(extra)
    return values


def test_cache_file_is_where_botocore_looks():
    # The reference's example, and botocore's own loader agree.
    assert (
        token_cache_file("/home/a", "my-sso") == "/home/a/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json"
    )
    assert token_cache_file("/h", "recro").endswith(
        SSOTokenLoader(cache={})._generate_cache_key(None, "recro") + ".json"
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-26T17:00:00Z",
        "2026-11-26T17:00:00UTC",
        "2026-11-26T17:00:00+00:00",
        "2026-11-26T18:00:00+01:00",
        "2026-11-26T17:00:00.123Z",
        "2026-11-26T17:00:00.1234567Z",
        "2026-11-26 17:00:00Z",
    ],
)
def test_parses_the_timestamps_the_tools_write(text):
    parsed = parse_timestamp(text)
    assert parsed.replace(microsecond=0) == datetime.datetime(2026, 11, 26, 17, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("text", ["2026-11-26T17:00:00", "tomorrow", None, 17])
def test_refuses_timestamps_botocore_cannot_use(text):
    with pytest.raises(ValueError):
        parse_timestamp(text)


@pytest.mark.parametrize(
    "expires_at, status, expires_in",
    [
        ("2026-11-26T20:00:00Z", "valid", 8 * 3600),
        ("2026-11-26T12:10:00Z", "expiring", 600),
        ("2026-11-26T12:00:00Z", "expired", 0),
        ("2026-11-26T11:00:00Z", "expired", -3600),
    ],
)
def test_describes_the_token_state(expires_at, status, expires_in):
    description = describe_token(token(expires_at), NOW, 900)
    assert (description["status"], description["expires_in"]) == (status, expires_in)
    assert "secret-token" not in str(description)


@pytest.mark.parametrize(
    "extra, refreshable",
    [
        ({}, True),
        ({"refreshToken": None}, False),
        ({"registrationExpiresAt": "2026-11-01T00:00:00Z"}, False),
        ({"clientSecret": ""}, False),
    ],
)
def test_refreshable_needs_a_refresh_token_and_a_live_registration(extra, refreshable):
    assert describe_token(token("2026-11-26T20:00:00Z", **extra), NOW, 900)["refreshable"] is refreshable


@pytest.mark.parametrize(
    "cached, problem",
    [
        ({"expiresAt": "2026-11-26T20:00:00Z"}, "the cache file holds no accessToken"),
        (
            token("2026-11-26T20:00:00"),
            "expiresAt: timestamp '2026-11-26T20:00:00' is not an ISO 8601 or RFC 2822 time with a time zone",
        ),
        ([], "the cache file holds no accessToken"),
    ],
)
def test_unusable_cache_files_are_invalid(cached, problem):
    assert describe_token(cached, NOW, 900) == {"status": "invalid", "problem": problem}


def test_explains_each_state_with_what_to_do():
    assert (
        explain("recro", {"status": "missing"})
        == "not logged in to sso-session recro: run `aws sso login --sso-session recro`"
    )
    assert explain("recro", describe_token(token("2026-11-26T20:00:00Z"), NOW, 900)) == (
        "logged in to sso-session recro until 2026-11-26T20:00:00Z (in 8 h 0 min)"
    )
    assert explain("recro", describe_token(token("2026-11-26T11:00:00Z"), NOW, 900)) == (
        "the login to sso-session recro expired at 2026-11-26T11:00:00Z (1 h 0 min ago): the AWS tools refresh it on next use"
    )
    assert explain("recro", describe_token(token("2026-11-26T11:00:00Z", refreshToken=None), NOW, 900)) == (
        "the login to sso-session recro expired at 2026-11-26T11:00:00Z (1 h 0 min ago): run `aws sso login --sso-session recro`"
    )


def test_a_token_cache_nested_deeper_than_python_parses_is_invalid_for_every_reader(tmp_path):
    # aws_sso_logout and aws_sso_session_info read it too: a hostile file ends no module with a traceback.
    path = token_cache_file(str(tmp_path), "recro")
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as cache:
        cache.write(b"[" * 100000 + b"]" * 100000)
    assert read_cached_token(files.read_bytes, str(tmp_path), "recro", NOW, 0) == (
        None,
        {"status": "invalid", "problem": "not JSON (nested too deeply)"},
    )


def test_a_token_cache_that_cannot_be_read_is_invalid_naming_the_token_file(tmp_path):
    now = datetime.datetime(2026, 11, 26, tzinfo=datetime.timezone.utc)
    path = token_cache_file(str(tmp_path), "recro")
    os.makedirs(path)  # a directory where the token file belongs
    token, description = read_cached_token(files.read_bytes, str(tmp_path), "recro", now, 900)
    assert token is None
    assert description["status"] == "invalid"
    assert path in description["problem"] and "directory" in description["problem"]
    os.rmdir(path)
    os.mkfifo(path)
    token, description = read_cached_token(files.read_bytes, str(tmp_path), "recro", now, 900)
    assert description["status"] == "invalid" and "FIFO" in description["problem"]


# What botocore's dateutil.parser.parse makes of expiresAt, the oracle of the table below.
TIMESTAMP_FORMS = [
    "2099-01-01T00:00:00Z",
    "2099-01-01t00:00:00z",
    "2099-01-01T00:00:00+00:00",
    "2099-01-01T00:00:00+0000",
    "2099-01-01T00:00:00+00",
    "2099-01-01T00:00:00-0000",
    "2099-01-01T02:30:00+02:30",
    "2098-12-31T19:00:00-05:00",
    "2099-01-01T00:00Z",
    "2099-01-01 00:00:00Z",
    "2099-01-01T00:00:00 UTC",
    "2099-01-01T00:00:00UTC",
    "2099-01-01T00:00:00 GMT",
    "2099-01-01T00:00:00 +00:00",
    "2099-01-01T00:00:00.5Z",
    "2099-01-01T00:00:00,5Z",
    "2099-01-01T00:00:00.123Z",
    "2099-01-01T00:00:00.123456Z",
    "2099-01-01T00:00:00.1234567Z",
    "2099-01-01T00:00:00.999999999+00:00",
    "2099-1-1T0:0:0Z",
    "20990101T000000Z",
    "20990101T0000Z",
    " 2099-01-01T00:00:00Z\n",
    "Wed, 01 Jan 2099 00:00:00 GMT",
    "Thu, 01 Jan 2099 00:00:00 GMT",
    "01 Jan 2099 00:00:00 GMT",
    "Wed, 01 Jan 2099 00:00:00 +0000",
    "Wed, 1 jan 2099 00:00 GMT",
    "Wed, 01 January 2099 00:00:00 UTC",
    "Wed, 01 Jan 2099 01:00:00 +0100",
    "Wed, 01 Jan 2099 00:00:00 Z",
    # refused by both, or read by dateutil without a zone (botocore then fails comparing it with now)
    "2099-01-01T00:00:00",
    "2099-01-01",
    "2099-01-01Z",
    "2099-01-01T00:00:00 utc",
    "2099-01-01T00:00:00UT",
    "2099-01-01T00:00:00 EST",
    "2099-01-01T24:00:00Z",
    "2099-02-30T00:00:00Z",
    "2099-01-01T00:00:00+25:00",
    "2099-01-01T00:00:00.Z",
    "2099-01-01T00:00:00+00:00:00",
    "Wed, 01 Jan 2099 00:00:00",
    "tomorrow",
    "",
]


def _dateutil_reading(text):
    """What botocore gets: an aware time in UTC, or None where it fails."""
    import warnings

    from dateutil import parser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UnknownTimezoneWarning: botocore then has a naive time
        try:
            parsed = parser.parse(text)
            if parsed.tzinfo is None or parsed.utcoffset() is None:
                return None
            return parsed.astimezone(datetime.timezone.utc)
        except (ValueError, OverflowError):
            return None


def _our_reading(text):
    try:
        return parse_timestamp(text)
    except ValueError:
        return None


@pytest.mark.parametrize("text", TIMESTAMP_FORMS)
def test_reads_timestamps_as_botocore_does(text):
    assert _our_reading(text) == _dateutil_reading(text)


def test_the_table_covers_both_outcomes():
    readings = [_dateutil_reading(text) for text in TIMESTAMP_FORMS]
    assert sum(r is None for r in readings) >= 10 and sum(r is not None for r in readings) >= 25


_OTHER_PYTHON_SCRIPT = """
import json, sys
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import parse_timestamp
out = []
for text in json.load(sys.stdin):
    try:
        out.append(parse_timestamp(text).isoformat())
    except ValueError:
        out.append(None)
print(json.dumps(out))
"""


def _pythons():
    import glob
    import os

    found = []
    for version in ("3.8", "3.9", "3.10", "3.12", "3.13"):
        paths = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/{0}*/bin/python".format(version))))
        found.append(
            pytest.param(
                paths[-1] if paths else None,
                id=version,
                marks=[] if paths else [pytest.mark.skip(reason="no Python {0} under ~/.pyenv".format(version))],
            )
        )
    return found


@pytest.mark.parametrize("python", _pythons())
def test_every_supported_python_reads_timestamps_the_same(python):
    import json
    import os
    import subprocess
    import sys

    # the directory holding ansible_collections/recro/aws_sso (.cache/collections after `make link`)
    module_file = sys.modules[parse_timestamp.__module__].__file__
    collections_root = module_file
    for _level in range(7):
        collections_root = os.path.dirname(collections_root)
    here = [None if reading is None else reading.isoformat() for reading in map(_our_reading, TIMESTAMP_FORMS)]
    result = subprocess.run(
        [python, "-E", "-s", "-c", _OTHER_PYTHON_SCRIPT],
        input=json.dumps(TIMESTAMP_FORMS),
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
        cwd=collections_root,
        check=True,
        timeout=60,
    )
    assert json.loads(result.stdout) == here


def test_a_refreshable_login_says_until_when_it_can_be_refreshed_and_never_shows_a_secret():
    import json

    from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import read_login

    now = datetime.datetime(2026, 11, 26, 12, tzinfo=datetime.timezone.utc)
    token = {
        "startUrl": "https://example.awsapps.com/start",
        "region": "eu-west-1",
        "accessToken": "secret-access",
        "expiresAt": "2026-11-26T20:00:00Z",
        "refreshToken": "secret-refresh",
        "clientId": "client",
        "clientSecret": "secret-client",
        "registrationExpiresAt": "2027-02-24T12:00:00+00:00",
    }

    def read_bytes(path, limit=None):
        return json.dumps(token).encode("utf-8")

    access, state = read_login(read_bytes, "/h", "recro", now)
    assert access == "secret-access"
    assert state["refresh_until"] == "2027-02-24T12:00:00Z"
    assert "secret" not in json.dumps(state)
    del token["refreshToken"]
    assert "refresh_until" not in read_login(read_bytes, "/h", "recro", now)[1]


@pytest.mark.parametrize(
    "access_token", [{"not": "a token"}, ["x"], "tok\nX-Injected: 1", "tok\r", "tok\x1b[2J", "a b"]
)
def test_an_access_token_that_cannot_be_sent_as_it_is_is_invalid(access_token):
    description = describe_token(token("2026-11-26T20:00:00Z", accessToken=access_token), NOW, 0)
    assert description == {"status": "invalid", "problem": "its accessToken is not a string of printable characters"}


@pytest.mark.parametrize("text", ["9999-12-31T23:30:00-01:00", "0001-01-01T00:10:00+01:00"])
def test_a_timestamp_past_the_dates_python_knows_is_invalid_not_a_crash(text):
    with pytest.raises(ValueError, match="timestamp"):
        parse_timestamp(text)
    assert describe_token(token(text), NOW, 0)["status"] == "invalid"


def test_a_cache_file_larger_than_a_login_is_invalid_without_reading_it_whole(tmp_path):
    path = tmp_path / ".aws" / "sso" / "cache"
    path.mkdir(parents=True)
    cache_file = token_cache_file(str(tmp_path), "recro")
    with open(cache_file, "wb") as handle:
        handle.truncate(400 * 1024 * 1024)  # sparse: costs the user no disk
    read = []

    def read_bytes(name, limit=None):
        read.append(limit)
        return files.read_bytes(name, limit)

    token_, description = read_cached_token(read_bytes, str(tmp_path), "recro", NOW, 0)
    assert token_ is None and description["status"] == "invalid" and "is larger than" in description["problem"]
    assert read == [1024 * 1024 + 1]


@pytest.mark.parametrize(
    "ends_at, left",
    [("2026-01-01T01:00:00Z", 3600.0), ("2025-12-31T23:59:00Z", -60.0), (None, None), ("soon", None), (7, None)],
)
def test_seconds_left_is_counted_to_ends_at_and_none_without_a_readable_one(ends_at, left):
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    assert seconds_left({"ends_at": ends_at}, now) == left


@pytest.mark.parametrize(
    "cached, problem",
    [
        ({"accessToken": 1}, "its accessToken is not a string of printable characters"),
        (
            {"startUrl": "https://other.awsapps.com/start", "expiresAt": "2026-11-26T20:00:00Z"},
            "the cache file holds no accessToken",
        ),
        (token("soon"), "expiresAt: timestamp 'soon' is not an ISO 8601 or RFC 2822 time with a time zone"),
    ],
)
def test_a_cache_file_that_is_no_login_is_told_by_its_own_problem_not_as_a_login_to_another_start_url(cached, problem):
    from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import login_state

    state = login_state(cached, describe_token(cached, NOW, 900), "recro", "https://recrocog.awsapps.com/start")
    assert state["status"] == "invalid"
    assert state["message"] == (
        "the token cache of sso-session recro cannot be used ({0}): run `aws sso login --sso-session recro`".format(
            problem
        )
    )


def test_a_usable_login_to_another_start_url_is_invalid_as_such():
    from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import login_state

    cached = token("2026-11-26T20:00:00Z", startUrl="https://other.awsapps.com/start")
    state = login_state(cached, describe_token(cached, NOW, 900), "recro", "https://recrocog.awsapps.com/start")
    assert state["status"] == "invalid" and not state["usable"]
    assert "(it is a login to another start URL)" in state["message"]
