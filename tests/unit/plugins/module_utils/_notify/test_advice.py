# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a person whose login only a browser can renew is told: the next step on this host, the
warning before refreshing ends, and one notification per expiry."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._notify import advice
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import (
    BOTOCORE_REFRESH_WINDOW,
    describe_token,
    login_state,
)

START_URL = "https://recrocog.awsapps.com/start"
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc)
DAY = 86400


def test_a_cli_v2_is_told_to_log_in_with_aws_sso_login():
    cli = dict(path="/usr/bin/aws", version="2.9.19", major=2)
    assert advice.next_step("recro", cli) == ("aws sso login --sso-session recro", None)


def test_a_cli_v1_is_named_as_the_reason_for_the_collection_s_own_login():
    command, reason = advice.next_step("recro", dict(path="/home/alice/.local/bin/aws", version="1.46.3", major=1))
    assert command == advice.OWN_LOGIN
    assert (
        reason
        == "the AWS CLI on your PATH (/home/alice/.local/bin/aws) is version 1.46.3, which has no `aws sso login`"
    )


@pytest.mark.parametrize(
    "cli, reason",
    [
        (None, "there is no AWS CLI (aws) on your PATH"),
        (
            dict(path="/usr/local/bin/aws", version=None, major=None),
            "/usr/local/bin/aws on your PATH did not answer as the AWS CLI does",
        ),
    ],
)
def test_without_a_cli_the_collection_s_own_login(cli, reason):
    assert advice.next_step("recro", cli) == (advice.OWN_LOGIN, reason)


def token(expires_in, registration_in=90 * DAY, refresh=True, start_url=START_URL):
    entry = dict(
        accessToken="secret",
        startUrl=start_url,
        expiresAt=(NOW + datetime.timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        registrationExpiresAt=(NOW + datetime.timedelta(seconds=registration_in)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    if refresh:
        entry.update(refreshToken="r", clientId="c", clientSecret="s")
    return entry


def login(entry, now=NOW):
    """The login state every module reports for the cache entry ``entry`` (None: no file)."""
    description = {"status": "missing"} if entry is None else describe_token(entry, now, BOTOCORE_REFRESH_WINDOW)
    return login_state(entry, description, "recro", START_URL)


def test_a_login_only_a_browser_can_renew_is_told_once_per_expiry():
    first = advice.assess("recro", login(token(-60, refresh=False)), NOW, 3 * DAY)
    later_run = NOW + datetime.timedelta(hours=1)
    again = advice.assess("recro", login(token(-60, refresh=False), later_run), later_run, 3 * DAY)
    next_expiry = advice.assess("recro", login(token(-30, refresh=False)), NOW, 3 * DAY)
    assert first == again
    assert first[1] == "The login to sso-session recro has ended."
    assert next_expiry[0] != first[0]
    assert advice.assess("recro", login(None), NOW, 0) == (
        "login:none",
        "You are not logged in to sso-session recro on this computer.",
    )
    assert advice.assess("recro", login(token(3600, start_url="https://other.awsapps.com/start")), NOW, 0) == (
        "login:invalid",
        "The login to sso-session recro on this computer cannot be used.",
    )


def test_an_expired_login_the_aws_tools_refresh_needs_nobody():
    # A refresh that failed for a passing reason (the network) is no reason to send the person to a browser.
    assert advice.assess("recro", login(token(-60, registration_in=30 * DAY)), NOW, 3 * DAY) == (None, None)
    key, text = advice.assess("recro", login(token(-60, registration_in=DAY)), NOW, 3 * DAY)
    assert text == (
        "The login to sso-session recro can be renewed without a browser until 2026-12-08T12:00:00Z: after that "
        "only a new login in the browser renews it."
    )


@pytest.mark.parametrize(
    "entry, text",
    [
        (token(3600, registration_in=90 * DAY), None),
        # The registration bounds refreshes.
        (
            token(3600, registration_in=2 * DAY),
            "The login to sso-session recro can be renewed without a browser until 2026-12-09T12:00:00Z: after that "
            "only a new login in the browser renews it.",
        ),
        # Without a refresh token, the token's own expiry.
        (
            token(3600, registration_in=2 * DAY, refresh=False),
            "The login to sso-session recro ends at 2026-12-07T13:00:00Z: after that only a new login in the browser "
            "renews it.",
        ),
        (token(4 * DAY, registration_in=2 * DAY, refresh=False), None),
    ],
)
def test_a_login_is_warned_about_when_it_ends_within_the_window(entry, text):
    key, told = advice.assess("recro", login(entry), NOW, 3 * DAY)
    assert told == text
    assert (key is None) is (text is None)


def test_one_end_is_warned_about_once_before_and_after_refreshing_ends():
    # The timer refreshes an 8-hour token hourly while it can; the registration ends at 15:00 the next
    # day, and the last token refreshed before it lasts until 20:00: the login ends then, told once.
    registration = NOW + datetime.timedelta(hours=27)
    told = []
    for hour in range(0, 40):
        now = NOW + datetime.timedelta(hours=hour)
        refreshed = min(now, registration - datetime.timedelta(hours=1))
        entry = token(0, registration_in=27 * 3600)
        entry["expiresAt"] = (refreshed + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
        key, _text = advice.assess("recro", login(entry, now), now, 3 * DAY)
        if key is not None and (not told or told[-1] != key):
            told.append(key)
    assert told == ["warning:2026-12-08T15:00:00Z", "login:2026-12-08T22:00:00Z"]


def test_the_notification_is_printable_and_names_the_command_and_the_reason():
    body = advice.notification_text("The login\nended.", advice.OWN_LOGIN, "there is no AWS CLI (aws) on your PATH")
    assert body == (
        "The login ended. Run: make onboard (or: ansible-playbook playbooks/onboard.yml -e recro_sso_login=always)"
        " (there is no AWS CLI (aws) on your PATH)"
    )
