# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the recro_sso role: its profile list, login state, steps, failure message, result and
summary, from the settings check's plan and the modules' results. The logic is in plugins/plugin_utils/_onboarding.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.recro.aws_sso.plugins.plugin_utils import _onboarding


def onboarding_profiles(discovered, profiles, default_profile=None, account_id=None):
    return _onboarding.profile_list(discovered, profiles, default_profile, account_id)


def onboarding_login(login, token=None):
    return _onboarding.login_state(login, token)


def onboarding_steps(plan, config):
    return _onboarding.steps(plan, config)


def onboarding_failure(message, user, host):
    return _onboarding.failure_message(message, user, host)


def onboarding_result(parts):
    return _onboarding.result_with_summary(parts)


def onboarding_conflict(conflict):
    return _onboarding.conflict_lines([conflict])[0]


def onboarding_summary(res, parts):
    return _onboarding.summary(res, parts)


def onboarding_drift_mode(mode):
    try:
        return _onboarding.drift_mode(mode)
    except ValueError as error:
        raise AnsibleFilterError(str(error)) from None


class FilterModule(object):
    def filters(self):
        return {
            "onboarding_profiles": onboarding_profiles,
            "onboarding_login": onboarding_login,
            "onboarding_steps": onboarding_steps,
            "onboarding_failure": onboarding_failure,
            "onboarding_result": onboarding_result,
            "onboarding_summary": onboarding_summary,
            "onboarding_conflict": onboarding_conflict,
            "onboarding_drift_mode": onboarding_drift_mode,
        }
