# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The organisation's guide (`aws configure sso` with its four answers) as module options and file text."""

from __future__ import annotations

SEED = dict(
    name="recrocog-admin",
    sso_session="recro",
    sso_start_url="https://recrocog.awsapps.com/start",
    sso_region="us-east-1",
    sso_account_id="012345678901",
    sso_role_name="adminAccess",
    region="us-east-1",
    output="json",
)

# What `aws configure sso` writes for those answers, on an empty file.
SEED_SESSION_STANZA = (
    "[sso-session recro]\n"
    "sso_start_url = https://recrocog.awsapps.com/start\n"
    "sso_region = us-east-1\n"
    "sso_registration_scopes = sso:account:access\n"
)
SEED_STANZAS = (
    "[profile recrocog-admin]\n"
    "sso_session = recro\n"
    "sso_account_id = 012345678901\n"
    "sso_role_name = adminAccess\n"
    "region = us-east-1\n"
    "output = json\n"
) + SEED_SESSION_STANZA
