# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a person whose login only a browser can renew is told: the next step on this host, the
warning before refreshing ends, and one notification per expiry."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._notify import advice
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import parse_timestamp

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


def token(expires_in, registration_in=90 * DAY, refresh=True):
    entry = dict(
        accessToken="secret",
        expiresAt=(NOW + datetime.timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        registrationExpiresAt=(NOW + datetime.timedelta(seconds=registration_in)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    if refresh:
        entry.update(refreshToken="r", clientId="c", clientSecret="s")
    return entry


def test_a_login_that_is_not_usable_is_told_once_per_expiry():
    first = advice.assess("recro", token(-60), False, NOW, 3 * DAY, parse_timestamp)
    again = advice.assess("recro", token(-60), False, NOW + datetime.timedelta(hours=1), 3 * DAY, parse_timestamp)
    later = advice.assess("recro", token(-60 + DAY), False, NOW, 3 * DAY, parse_timestamp)
    assert first == again
    assert first[1] == "The login to sso-session recro has ended."
    assert later[0] != first[0]
    assert advice.assess("recro", None, False, NOW, 0, parse_timestamp) == (
        "login:none",
        "You are not logged in to sso-session recro on this computer.",
    )


@pytest.mark.parametrize(
    "entry, warned",
    [
        (token(3600, registration_in=90 * DAY), False),
        (token(3600, registration_in=2 * DAY), True),  # the registration bounds refreshes
        (token(3600, registration_in=2 * DAY, refresh=False), True),  # no refresh: the token's own expiry
        (token(4 * DAY, registration_in=2 * DAY, refresh=False), False),
    ],
)
def test_a_usable_login_is_warned_about_when_refreshing_ends_within_the_window(entry, warned):
    key, text = advice.assess("recro", entry, True, NOW, 3 * DAY, parse_timestamp)
    assert (key is not None) is warned
    if warned:
        assert text.startswith("The login to sso-session recro can be renewed without a browser until 2026-12-")


def test_the_notification_is_printable_and_names_the_command_and_the_reason():
    body = advice.notification_text("The login\nended.", advice.OWN_LOGIN, "there is no AWS CLI (aws) on your PATH")
    assert body == (
        "The login ended. Run: make onboard (or: ansible-playbook playbooks/onboard.yml -e recro_sso_login=always)"
        " (there is no AWS CLI (aws) on your PATH)"
    )
