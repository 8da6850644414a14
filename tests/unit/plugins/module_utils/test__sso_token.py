# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading the SSO token cache: times, states, and never the token."""

from __future__ import annotations

import datetime

import pytest
from botocore.utils import SSOTokenLoader

from ansible_collections.recro.aws_sso.plugins.module_utils._sso_token import (
    describe_token,
    explain,
    parse_timestamp,
    token_cache_file,
)

NOW = datetime.datetime(2026, 11, 26, 12, 0, 0, tzinfo=datetime.timezone.utc)


def token(expires_at, **extra):
    values = {"accessToken": "secret-token", "expiresAt": expires_at, "refreshToken": "r", "clientId": "c",
              "clientSecret": "s", "registrationExpiresAt": "2027-01-01T00:00:00Z"}
    values.update(extra)
    return values


def test_cache_file_is_where_botocore_looks():
    # The reference's example, and botocore's own loader agree.
    assert token_cache_file("/home/a", "my-sso") == "/home/a/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json"
    assert token_cache_file("/h", "recro").endswith(SSOTokenLoader(cache={})._generate_cache_key(None, "recro") + ".json")


@pytest.mark.parametrize("text", ["2026-11-26T17:00:00Z", "2026-11-26T17:00:00UTC", "2026-11-26T17:00:00+00:00",
                                  "2026-11-26T18:00:00+01:00", "2026-11-26T17:00:00.123Z", "2026-11-26T17:00:00.1234567Z",
                                  "2026-11-26 17:00:00Z"])
def test_parses_the_timestamps_the_tools_write(text):
    parsed = parse_timestamp(text)
    assert parsed.replace(microsecond=0) == datetime.datetime(2026, 11, 26, 17, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("text", ["2026-11-26T17:00:00", "tomorrow", None, 17])
def test_refuses_timestamps_botocore_cannot_use(text):
    with pytest.raises(ValueError):
        parse_timestamp(text)


@pytest.mark.parametrize("expires_at, status, expires_in", [
    ("2026-11-26T20:00:00Z", "valid", 8 * 3600),
    ("2026-11-26T12:10:00Z", "expiring", 600),
    ("2026-11-26T12:00:00Z", "expired", 0),
    ("2026-11-26T11:00:00Z", "expired", -3600),
])
def test_describes_the_token_state(expires_at, status, expires_in):
    description = describe_token(token(expires_at), NOW, 900)
    assert (description["status"], description["expires_in"]) == (status, expires_in)
    assert "secret-token" not in str(description)


@pytest.mark.parametrize("extra, refreshable", [
    ({}, True),
    ({"refreshToken": None}, False),
    ({"registrationExpiresAt": "2026-11-01T00:00:00Z"}, False),
    ({"clientSecret": ""}, False),
])
def test_refreshable_needs_a_refresh_token_and_a_live_registration(extra, refreshable):
    assert describe_token(token("2026-11-26T20:00:00Z", **extra), NOW, 900)["refreshable"] is refreshable


@pytest.mark.parametrize("cached, problem", [
    ({"expiresAt": "2026-11-26T20:00:00Z"}, "the cache file holds no accessToken"),
    (token("2026-11-26T20:00:00"), "expiresAt: timestamp '2026-11-26T20:00:00' has no time zone"),
    ([], "the cache file holds no accessToken"),
])
def test_unusable_cache_files_are_invalid(cached, problem):
    assert describe_token(cached, NOW, 900) == {"status": "invalid", "problem": problem}


def test_explains_each_state_with_what_to_do():
    assert explain("recro", {"status": "missing"}) == "not logged in to sso-session recro: run `aws sso login --sso-session recro`"
    assert explain("recro", describe_token(token("2026-11-26T20:00:00Z"), NOW, 900)) == (
        "logged in to sso-session recro until 2026-11-26T20:00:00Z (in 8 h 0 min)")
    assert explain("recro", describe_token(token("2026-11-26T11:00:00Z"), NOW, 900)) == (
        "the login to sso-session recro expired at 2026-11-26T11:00:00Z (1 h 0 min ago): the AWS tools refresh it on next use")
    assert explain("recro", describe_token(token("2026-11-26T11:00:00Z", refreshToken=None), NOW, 900)) == (
        "the login to sso-session recro expired at 2026-11-26T11:00:00Z (1 h 0 min ago): run `aws sso login --sso-session recro`")


def test_a_token_cache_that_cannot_be_read_is_invalid_naming_the_token_file(tmp_path):
    import datetime
    import os

    from ansible_collections.recro.aws_sso.plugins.module_utils import _user_files
    from ansible_collections.recro.aws_sso.plugins.module_utils._sso_token import read_cached_token, token_cache_file

    now = datetime.datetime(2026, 11, 26, tzinfo=datetime.timezone.utc)
    path = token_cache_file(str(tmp_path), "recro")
    os.makedirs(path)  # a directory where the token file belongs
    token, description = read_cached_token(_user_files.read_bytes, str(tmp_path), "recro", now, 900)
    assert token is None
    assert description["status"] == "invalid"
    assert path in description["problem"] and "directory" in description["problem"]
    os.rmdir(path)
    os.mkfifo(path)
    token, description = read_cached_token(_user_files.read_bytes, str(tmp_path), "recro", now, 900)
    assert description["status"] == "invalid" and "FIFO" in description["problem"]
