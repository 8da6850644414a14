# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Naming the profiles of discovered accounts and roles."""

from __future__ import annotations

import pathlib

import pytest
import yaml

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profile_names import (
    profiles_for,
    sanitise,
    short_role,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import NAME_PATTERN
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

# The template the role names discovered profiles with unless told otherwise.
ROLE_DEFAULTS = pathlib.Path(__file__).resolve().parents[5] / "roles" / "recro_sso" / "defaults" / "main.yml"
DEFAULT_TEMPLATE = yaml.safe_load(ROLE_DEFAULTS.read_text(encoding="utf-8"))["recro_sso_profile_name_template"]

SEED_ACCOUNT = {"account_id": "012345678901", "account_name": "recrocog", "roles": ["adminAccess"]}


def test_the_default_template_gives_the_guides_name():
    assert profiles_for([SEED_ACCOUNT], DEFAULT_TEMPLATE) == [
        {"name": "recrocog-admin", "sso_account_id": "012345678901", "sso_role_name": "adminAccess"}
    ]


@pytest.mark.parametrize(
    "role, short",
    [
        ("adminAccess", "admin"),
        ("AdministratorAccess", "Administrator"),
        ("read_access", "read"),
        ("Access", "Access"),
        ("Billing", "Billing"),
    ],
)
def test_short_role_drops_the_access_suffix(role, short):
    assert short_role(role) == short


@pytest.mark.parametrize(
    "name, safe",
    [
        ("Recro Prod / EU", "recro-prod-eu"),
        ("a'b\"c", "a-b-c"),
        ("--x--", "x"),
        ("team@1.dev", "team@1.dev"),
        ("ünïcode", "n-code"),
    ],
)
def test_sanitised_names_are_safe_everywhere(name, safe):
    assert sanitise(name) == safe
    assert NAME_PATTERN.match(safe)


def test_several_accounts_and_roles_in_order():
    accounts = [
        SEED_ACCOUNT,
        {"account_id": "111111111111", "account_name": "Recro Prod", "roles": ["ReadOnly", "adminAccess"]},
    ]
    assert [profile["name"] for profile in profiles_for(accounts, "{account_name}-{role}")] == [
        "recrocog-admin",
        "recro-prod-readonly",
        "recro-prod-admin",
    ]
    assert [profile["name"] for profile in profiles_for(accounts, "{role_name}-{account_id}")] == [
        "adminaccess-012345678901",
        "readonly-111111111111",
        "adminaccess-111111111111",
    ]


def test_two_pairs_with_one_name_are_refused_naming_both():
    accounts = [
        {"account_id": "111111111111", "account_name": "prod", "roles": ["admin"]},
        {"account_id": "222222222222", "account_name": "Prod", "roles": ["adminAccess"]},
    ]
    with pytest.raises(ParameterError) as raised:
        profiles_for(accounts, DEFAULT_TEMPLATE)
    assert str(raised.value) == (
        "profile_name_template: '{account_name}-{role}' names both prod (111111111111) role admin "
        "and Prod (222222222222) role adminAccess 'prod-admin'; add {account_id} or {role_name} to the template"
    )


def test_with_a_skipped_list_a_name_clash_or_an_empty_name_leaves_only_that_role_out():
    accounts = [
        {"account_id": "111111111111", "account_name": "prod", "roles": ["admin", "readOnly"]},
        {"account_id": "222222222222", "account_name": "Prod", "roles": ["adminAccess"]},
        {"account_id": "333333333333", "account_name": "!!!", "roles": ["readOnly"]},
    ]
    skipped = []
    names = [profile["name"] for profile in profiles_for(accounts, "{account_name}", skipped)]
    assert names == ["prod"]
    assert len(skipped) == 3
    assert skipped[0].startswith(
        "profile_name_template: '{account_name}' names both prod (111111111111) role admin and "
        "prod (111111111111) role readOnly 'prod'"
    )
    assert "Prod (222222222222) role adminAccess" in skipped[1]
    assert (
        skipped[2] == "profile_name_template: '{account_name}' gives an empty name for !!! (333333333333) role readOnly"
    )


def test_no_template_names_the_default_profile_which_is_the_user_s_own():
    accounts = [
        {"account_id": "111111111111", "account_name": "Default", "roles": ["admin"]},
        {"account_id": "222222222222", "account_name": "prod", "roles": ["admin"]},
    ]
    skipped = []
    assert [profile["name"] for profile in profiles_for(accounts, "{account_name}", skipped)] == ["prod"]
    assert skipped == [
        "profile_name_template: '{account_name}' gives the name 'default' for Default (111111111111) role admin: "
        "the default profile is never a discovered one; add {account_id} or a prefix to the template"
    ]
    with pytest.raises(ParameterError):
        profiles_for(accounts, "{account_name}")


@pytest.mark.parametrize(
    "template, message",
    [
        ("{account}-{role}", "uses {account}: the fields are {account_id}, {account_name}, {role_name}, {role}"),
        ("{account_name.__class__}", "uses {account_name.__class__}"),
        ("{role!r}", "uses {role!r}"),
        ("{role:>20}", "uses {role:>20}"),
        ("static", "uses no field"),
        ("{role", "is not a template"),
    ],
)
def test_templates_may_use_only_the_fields(template, message):
    with pytest.raises(ParameterError) as raised:
        profiles_for([SEED_ACCOUNT], template)
    assert message in str(raised.value)


def test_accounts_must_have_an_id_and_roles():
    with pytest.raises(ParameterError, match="each account needs account_id and roles"):
        profiles_for([{"account_name": "x"}], DEFAULT_TEMPLATE)
