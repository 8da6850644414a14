# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the recro_sso role did, from its modules' results: the fact recro_sso_result and the
summary lines. Pure logic, no Ansible imports; the filters in plugins/filter/onboarding.py call it.

A module result the role skipped, or one that failed, is a dict without the keys of a success
(``skipped`` or ``failed`` and ``msg``): every function here accepts them.
"""

from __future__ import annotations

import json

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import NAME_PATTERN

LOGGED_IN = ("valid", "expiring", "refreshed", "logged_in")
# The platforms whose account conventions the role knows.
SUPPORTED_PLATFORMS = ("Linux", "Darwin")


def _ran(result):
    return isinstance(result, dict) and bool(result) and not result.get("skipped")


def _ok(result):
    return _ran(result) and not result.get("failed")


def _discovered(discovery):
    """Whether discovery (the ``discovery`` of an aws_sso_profile result) listed the accounts."""
    return _ok(discovery) and discovery.get("status") == "done"


def host_settings(settings, facts, check_mode=False):
    """The role's settings for one host, as its tasks use them: ``platform`` (recro_sso_platform, else
    the facts' system), ``user`` (recro_sso_user, else the user the facts were gathered as, except
    that root reached through sudo stands for the user who ran sudo), ``check_only`` (only report:
    recro_sso_report_only or a run in check mode), ``shells`` (a list, also from "bash, zsh"),
    ``needs_become`` (whether a task that must run as the user, Homebrew's, becomes the user: the play
    runs as root for another user) and ``errors``, one sentence per setting the role cannot work
    with (setting_errors()).
    ``settings``: platform, user, report_only, shells and the keys of setting_errors() but the facts';
    ``facts``: ansible_facts (system, user_id, env, distribution...)."""
    facts = facts or {}
    platform = settings.get("platform") or facts.get("system")
    user = settings.get("user")
    if not user:
        sudo_user = (facts.get("env") or {}).get("SUDO_USER") or ""
        user = sudo_user if facts.get("user_id") == "root" and sudo_user not in ("", "root") else facts.get("user_id")
    shells = settings.get("shells") or []
    if isinstance(shells, str):
        shells = shells.split(",")
    checked = dict(
        settings,
        platform=platform,
        distribution=facts.get("distribution", ""),
        distribution_version=facts.get("distribution_version", ""),
        distribution_major_version=facts.get("distribution_major_version", ""),
    )
    return dict(
        platform=platform,
        user=user,
        check_only=bool(settings.get("report_only")) or bool(check_mode),
        shells=[str(shell).strip() for shell in shells if str(shell).strip()],
        needs_become=facts.get("user_id") == "root" and user != "root",
        errors=setting_errors(checked),
    )


DRIFT_MODES = ("report", "enforce")


def drift_mode(mode):
    """The drift playbook's mode (recro_sso_drift_mode) when it is one of DRIFT_MODES; else
    ValueError naming the variable and the value."""
    if mode not in DRIFT_MODES:
        raise ValueError("recro_sso_drift_mode: {0} is not report or enforce.".format(_json(mode)))
    return mode


def setting_errors(settings):
    """One sentence for each setting the role cannot work with, naming the variable and its value;
    [] when all are usable. ``settings``: platform, supported_platforms, default_profile, state,
    schedule, pull_url, install_cli, distribution, distribution_version, distribution_major_version."""
    errors = []
    platform = settings.get("platform")
    if platform not in settings.get("supported_platforms", SUPPORTED_PLATFORMS):
        errors.append(
            "recro_sso_platform: {0} is not supported: the role knows Linux and Darwin (macOS).".format(_json(platform))
        )
    name = settings.get("default_profile")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        errors.append(
            "recro_sso_default_profile: {0} is not a profile name every AWS tool and shell reads the same way: "
            "use letters, digits and _ . @ % + : - only.".format(_json(name))
        )
    present = settings.get("state") == "present"
    schedule = settings.get("schedule")
    if present and schedule not in (None, "never") and not settings.get("pull_url"):
        errors.append(
            "recro_sso_schedule: {0} needs recro_sso_pull_url, the repository ansible-pull clones "
            "(with playbooks/drift.yml).".format(_json(schedule))
        )
    if present and settings.get("install_cli") and platform != "Darwin" and not _packages_aws_cli_v2(settings):
        errors.append(
            "recro_sso_install_cli: true, but {0} {1} packages no AWS CLI v2 the role installs (it installs Debian "
            "12+'s awscli and Homebrew's awscli on macOS): install the AWS CLI v2 yourself and set "
            "recro_sso_install_cli: false.".format(settings.get("distribution"), settings.get("distribution_version"))
        )
    return errors


def _packages_aws_cli_v2(settings):
    try:
        major = int(settings.get("distribution_major_version"))
    except (TypeError, ValueError):
        return False
    return settings.get("distribution") == "Debian" and major >= 12


def profile_list(discovered, profiles, default_profile=None, account_id=None):
    """The profiles to write, one per name; later sources win: discovered, then the account
    shortcut (profile ``default_profile`` for ``account_id``), then the explicit ``profiles``."""
    account = []
    if account_id is not None and str(account_id) != "":
        account = [dict(name=default_profile, sso_account_id=str(account_id))]
    by_name = {}
    for profile in list(discovered or []) + account + list(profiles or []):
        by_name[profile["name"]] = dict(profile)
    return list(by_name.values())


def login_state(login, token=None):
    """The login to the session: {status, expires_at, message, usable}. From the aws_sso_login
    result ``login`` when it ran, else from ``token``, the ``login`` an aws_sso_profile task
    read from the token cache (missing, expired, valid...); {} when neither is there."""
    if _ran(login):
        if login.get("failed"):
            return dict(status="failed", expires_at=None, message=login.get("msg") or "the login failed", usable=False)
        status = login.get("status")
        return dict(
            status=status,
            expires_at=login.get("expires_at"),
            message=login.get("msg") or status,
            usable=bool(login.get("usable", status in LOGGED_IN)),
        )
    if token:
        status = token.get("status")
        return dict(
            status=status,
            expires_at=token.get("expires_at"),
            message=token.get("message") or status,
            usable=bool(token.get("usable")),
        )
    return {}


def _config_drift(config):
    items = []
    for change in (config or {}).get("changes") or []:
        before = "(absent)" if change.get("before") is None else _json(change["before"])
        after = "(absent)" if change.get("after") is None else _json(change["after"])
        if change.get("key") is not None:
            what = "{0}: {1} -> {2}".format(change["key"], before, after)
        else:
            what = "the whole stanza: {0}".format(change.get("action"))
        item = dict(change, what="config", path=config.get("path"))
        item["message"] = "{0}: [{1}] {2}".format(config.get("path"), change.get("section"), what)
        items.append(item)
    return items


def _json(value):
    return json.dumps(value)


def _shell_changes(shell):
    if not _ok(shell):
        return []
    return [entry for entry in shell.get("files") or [] if entry.get("action") not in (None, "unchanged")]


def result(parts):
    """recro_sso_result from a dict of settings and module results:
    state, user, platform, check_mode, session, default_profile, exports, manage_shell, discover, prune;
    config (the last aws_sso_profile result), configs (every aws_sso_profile result, in order),
    login (login_state), discovery, shell, identity, schedule, logout."""
    present = parts.get("state", "present") == "present"
    config = parts.get("config") or {}
    configs = [c for c in parts.get("configs") or [config] if _ok(c)]
    drift = []
    seen = set()
    for one in configs:
        for item in _config_drift(one):
            key = (item.get("section"), item.get("key"), _json(item.get("after")))
            if key not in seen:
                seen.add(key)
                drift.append(item)
    shell = parts.get("shell") or {}
    wanted = present and parts.get("default_profile") in (config.get("profile_names") or [])
    for entry in _shell_changes(shell):
        action = "remove" if entry.get("action") == "removed" else "write"
        drift.append(
            dict(
                entry,
                what="shell",
                action=action,
                message="{0}: the managed block {1}".format(
                    entry.get("path"), "must go (remove)" if action == "remove" else "differs from the settings (write)"
                ),
            )
        )
    discovery = parts.get("discovery") or {}
    identity = parts.get("identity") or {}
    schedule = parts.get("schedule") or {}
    logout = parts.get("logout") or {}
    if present and _ok(schedule) and schedule.get("changed"):
        # A timer or agent that is missing or was altered is drift like a config key.
        drift.append(
            dict(
                what="schedule",
                action="write",
                files=schedule.get("files") or [],
                message="the scheduled ansible-pull run differs from the settings (write): {0}".format(
                    ", ".join(schedule.get("files") or [])
                ),
            )
        )
    shell_files = (
        [entry.get("path") for entry in shell.get("files") or [] if entry.get("action") != "removed"]
        if _ok(shell) and wanted
        else []
    )
    return dict(
        state=parts.get("state", "present"),
        user=parts.get("user"),
        platform=parts.get("platform"),
        check_mode=bool(parts.get("check_mode")),
        config_path=config.get("path"),
        session=parts.get("session"),
        profiles=list((config.get("profiles") or {}).keys()),
        removed_profiles=config.get("removed_profiles") or [],
        removed_sessions=config.get("removed_sessions") or [],
        profile_names=config.get("profile_names") or [],
        default_profile=parts.get("default_profile"),
        default_profile_exists=parts.get("default_profile") in (config.get("profile_names") or []),
        login=dict(
            (k, v)
            for k, v in (parts.get("login") or {}).items()
            if k in ("status", "expires_at", "message") and v is not None
        ),
        discovered_profiles=[p["name"] for p in discovery.get("profiles") or []]
        if present and _discovered(discovery)
        else [],
        identity=dict(account=identity["account"], arn=identity["arn"])
        if _ok(identity) and identity.get("arn")
        else {},
        shell_blocks_present=bool(parts.get("manage_shell", True) and wanted and shell_files),
        shell_files=shell_files,
        conflicts=list(shell.get("conflicts") or []) if _ok(shell) else [],
        schedule=dict(files=schedule.get("files") or [], command=schedule.get("command") or [], msg=schedule.get("msg"))
        if _ok(schedule)
        else {},
        logout=dict(
            removed=logout.get("removed") or [],
            service_logout=bool(logout.get("service_logout")),
            service_logout_error=logout.get("service_logout_error"),
        )
        if _ok(logout)
        else {},
        drift=drift,
    )


def result_with_summary(parts):
    """result(parts) with ``summary``, its summary lines: the fact recro_sso_result, in one pass
    over the parts (the summary task prints ``summary``)."""
    res = result(parts)
    res["summary"] = summary(res, parts)
    return res


def conflict_lines(conflicts):
    """One line per shadowing assignment: file, line, variable and its effect (never a value)."""
    return [
        "{0}:{1}: {2} {3}".format(
            c.get("path"), c.get("line"), c.get("variable"), c.get("effect") or c.get("kind") or ""
        ).rstrip()
        for c in conflicts or []
    ]


def summary(res, parts):
    """The summary lines of recro_sso_result ``res``; ``parts`` as for result() (settings and the
    discovery, identity, login, schedule and logout results)."""
    would = "would be " if res.get("check_mode") else ""
    present = res.get("state") == "present"
    path = res.get("config_path")
    session = res.get("session")
    dp = res.get("default_profile")
    config_changed = any(item["what"] == "config" for item in res.get("drift") or [])
    shell_changes = [item["path"] for item in res.get("drift") or [] if item["what"] == "shell"]
    lines = []
    if not present:
        if res.get("removed_profiles"):
            text = "profiles {0}removed: {1}".format(would, ", ".join(res["removed_profiles"]))
        else:
            text = "no profile of session {0} left".format(session)
        if res.get("removed_sessions"):
            text += "; session {0} {1}removed".format(session, would)
        lines.append("{0}: {1}.".format(path, text))
    else:
        written = would + "written" if config_changed else "already in place"
        if res.get("profiles"):
            lines.append(
                "{0}: session {1} and profiles {2} {3}.".format(path, session, ", ".join(res["profiles"]), written)
            )
        else:
            lines.append(
                "{0}: session {1} {2}; no profiles yet (none discovered, none in recro_sso_profiles or "
                "recro_sso_account_id).".format(path, session, written)
            )
    if parts.get("manage_shell", True):
        if not present:
            lines.append(
                "Shell blocks {0}removed from {1}.".format(would, ", ".join(shell_changes))
                if shell_changes
                else "No shell block left."
            )
        elif res.get("shell_blocks_present"):
            lines.append(
                "Default profile {0} {1} ({2}) in {3}{4}.".format(
                    dp,
                    would + "exported" if shell_changes else "already exported",
                    ", ".join(parts.get("exports") or []),
                    ", ".join(res["shell_files"]),
                    "; open a new shell to use it" if shell_changes else "",
                )
            )
        elif not res.get("default_profile_exists"):
            lines.append(
                "Default profile {0} not exported: it is not in {1} (an export of a missing profile breaks every "
                "aws command), so no shell block is kept.".format(dp, path)
            )
        else:
            lines.append(
                "Default profile {0} not exported: no supported shell (bash, zsh, fish) found for {1}; set "
                "recro_sso_shells.".format(dp, res.get("user"))
            )
    for line in conflict_lines(res.get("conflicts") if present else []):
        lines.append("Warning: {0} (after the managed block: it wins over the default profile).".format(line))
    login = parts.get("login") or {}
    if present and login:
        lines.append("Login: {0}.".format(login.get("message", "").rstrip(".")))
    logged_in = bool(login.get("usable"))
    discovery = parts.get("discovery") or {}
    if present and parts.get("discover") and logged_in:
        if _discovered(discovery):
            names = res.get("discovered_profiles") or []
            lines.append(
                "Discovery: {0} profile(s) for the accounts and roles of the login{1}.".format(
                    len(names), (": " + ", ".join(names)) if names else ""
                )
            )
        else:
            lines.append(
                "Discovery: not done ({0}); only the listed profiles were written{1}.".format(
                    discovery.get("msg") or "no result", ", and none was pruned" if parts.get("prune") else ""
                )
            )
    identity = parts.get("identity") or {}
    if res.get("identity"):
        lines.append(
            "Identity: profile {0} signs in as {1} (account {2}).".format(
                dp, res["identity"]["arn"], res["identity"]["account"]
            )
        )
    elif _ran(identity) and identity.get("msg"):
        lines.append("Identity: not verified ({0}).".format(identity["msg"]))
    schedule = parts.get("schedule") or {}
    if _ran(schedule):
        lines.append("Schedule: {0}".format(schedule.get("msg") or ("failed" if schedule.get("failed") else "done")))
    logout = parts.get("logout") or {}
    if _ran(logout):
        if logout.get("failed"):
            lines.append("Logout: failed ({0}).".format(logout.get("msg")))
        else:
            lines.append(
                "Logout: {0} login file(s) {1}removed; the portal's Logout {2}.".format(
                    len(logout.get("removed") or []),
                    would,
                    "succeeded"
                    if logout.get("service_logout")
                    else "was not done ({0})".format(logout.get("service_logout_error") or "no valid token"),
                )
            )
    if present and not logged_in and login:
        lines.append(
            "Next: aws sso login --sso-session {0}, then run this again{1}.".format(
                session, ": it finds your accounts and roles" if parts.get("discover") else ""
            )
        )
    elif present and not res.get("default_profile_exists"):
        lines.append(
            "Next: no profile {0}: set recro_sso_default_profile to one of {1}.".format(
                dp, ", ".join(res.get("profile_names") or []) or "your profiles"
            )
        )
    return [line for line in lines if line]
