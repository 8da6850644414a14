# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the recro_sso role did, from its modules' results: the fact recro_sso_result and the
summary lines. Pure logic, no Ansible imports; the filters in plugins/filter/onboarding.py call it.

A module result the role skipped, or one that failed, is a dict without the keys of a success
(``skipped`` or ``failed`` and ``msg``): every function here accepts them.
"""

from __future__ import annotations

import datetime
import json

from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import NAME_PATTERN, check_seconds
from ansible_collections.recro.aws_sso.plugins.module_utils._notify.advice import OWN_LOGIN, in_backticks
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import login_command
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import seconds_left

LOGGED_IN = ("valid", "expiring", "refreshed", "logged_in")
# recro_sso_login: auto waits for a person only where one can answer; refresh (the schedule's runs)
# refreshes a token that can be refreshed and never starts a login; never only looks the login up.
LOGIN_MODES = ("auto", "always", "refresh", "never")
# Environment variables that say no person watches this run: CI services, AWX and Automation
# Platform jobs (JOB_ID and AWX_*), whatever terminal the controller seems to have.
UNATTENDED_VARIABLES = ("CI", "JOB_ID")
UNATTENDED_PREFIXES = ("AWX_",)
# recro_sso_login_warning_window: seconds before refreshing ends from which the role warns.
DEFAULT_WARNING_WINDOW = 3 * 24 * 3600
# The platforms whose account conventions the role knows.
SUPPORTED_PLATFORMS = ("Linux", "Darwin")


# The facts host_settings() reads, as setup names them; installing the CLI also reads the distribution.
NEEDED_FACTS = ("system", "user_id")
INSTALL_FACTS = ("distribution", "distribution_version", "distribution_major_version")
# What the settings ask a host whose play gathered no facts, in one shell command (no module, no
# Python: a fraction of setup's cost, which is a module run of its own on every host of a fleet):
# what setup would say for system (uname -s, as platform.system()), user_id (getpass.getuser():
# LOGNAME, USER, LNAME or USERNAME, the first that is set and not empty, else the name of the real
# uid) and env's SUDO_USER. The answer follows a marker line, so that whatever a shell's start-up
# files print comes before it and is left out.
HOST_MARKER = "recro.aws_sso: host"
HOST_QUESTION = (
    "printf '%s\\n' '{0}' \"$(uname -s)\" "
    '"${{LOGNAME:-${{USER:-${{LNAME:-${{USERNAME:-$(id -nru)}}}}}}}}" "${{SUDO_USER-}}"'.format(HOST_MARKER)
)


def facts_to_gather(facts, install_cli):
    """How the settings learn what they read of a host: ``play`` when ``facts`` (the play's
    ansible_facts, without the prefix) have it; ``setup``, the minimal subset, for ``install_cli``
    (the distribution decides the package); else ``question`` (HOST_QUESTION, host_facts())."""
    needed = NEEDED_FACTS + (INSTALL_FACTS if install_cli else ())
    if all(name in (facts or {}) for name in needed):
        return "play"
    return "setup" if install_cli else "question"


def host_facts(returncode, output):
    """The facts HOST_QUESTION's answer gives (``returncode``, ``output``: its exit status and
    standard output): system, user_id and env (SUDO_USER only), as setup names them; ValueError
    naming what the host answered when it is not that answer."""
    lines = (output or "").splitlines()
    answer = lines[len(lines) - lines[::-1].index(HOST_MARKER) :] if HOST_MARKER in lines else None
    if returncode != 0 or answer is None or len(answer) != 3 or not answer[0] or not answer[1]:
        # Only the answer's own lines are shown: what start-up files print is not ours to repeat.
        raise ValueError(
            "The host did not say its platform and user (uname -s and the login name, asked in one shell "
            "command; exit status {0}): {1}.".format(
                returncode, "no answer" if answer is None else "it answered {0}".format(_json(answer[:4]))
            )
        )
    system, user_id, sudo_user = answer
    return dict(system=system, user_id=user_id, env=dict(SUDO_USER=sudo_user) if sudo_user else {})


def _ran(result):
    return isinstance(result, dict) and bool(result) and not result.get("skipped")


def _ok(result):
    return _ran(result) and not result.get("failed")


def _discovered(discovery):
    """Whether discovery (the ``discovery`` of an aws_sso_profile result) listed the accounts."""
    return _ok(discovery) and discovery.get("status") == "done"


def host_settings(settings, facts, check_mode=False, attended=False):
    """The role's settings for one host, as its tasks use them: ``platform`` (recro_sso_platform, else
    the facts' system), ``user`` (recro_sso_user, else the user the facts were gathered as, except
    that root reached through sudo stands for the user who ran sudo), ``check_only`` (only report:
    recro_sso_report_only or a run in check mode), ``shells`` (a list, also from "bash, zsh"),
    ``needs_become`` (whether a task that must run as the user, Homebrew's, becomes the user: the play
    runs as root for another user), ``plan``, the decisions the settings make (run_plan(); ``attended``:
    person_can_answer()) and ``errors``, one sentence per setting the role cannot work with
    (setting_errors()).
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
    check_only = bool(settings.get("report_only")) or bool(check_mode)
    plan = run_plan(settings, check_only, attended)
    needs_become = facts.get("user_id") == "root" and user != "root"
    return dict(
        platform=platform,
        user=user,
        check_only=check_only,
        plan=plan,
        shells=[str(shell).strip() for shell in shells if str(shell).strip()],
        needs_become=needs_become,
        errors=setting_errors(checked) + _login_flow_errors(plan, needs_become, user),
    )


def _login_flow_errors(plan, needs_become, user):
    """aws_sso_login refuses a PKCE login as root for another user (the browser would open from
    root's environment, not on the user's desktop): a run that may wait for one is refused before
    any task writes, naming the role's variable."""
    if not (plan["may_wait"] and plan["flow"] == "pkce" and needs_become):
        return []
    return [
        "recro_sso_login_flow: \"pkce\" cannot log in {0} from root: the browser would open from root's environment, "
        "not on {0}'s desktop. Run the play as {0} (without become), or use recro_sso_login_flow: device_code, "
        "which works as root for a user.".format(user)
    ]


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
            "use letters, digits and _ . @ % + : - only, not starting with -.".format(_json(name))
        )
    present = settings.get("state") == "present"
    schedule = settings.get("schedule")
    if present and schedule not in (None, "never") and not settings.get("pull_url"):
        errors.append(
            "recro_sso_schedule: {0} needs recro_sso_pull_url, the repository ansible-pull clones "
            "(with playbooks/drift.yml).".format(_json(schedule))
        )
    errors.extend(_module_rule_errors(settings, present and schedule not in (None, "never")))
    if present and "start_url" in settings:
        errors.extend(error for error in _config_write_errors(settings) if error not in errors)
    if present and settings.get("install_cli") and platform != "Darwin" and not _packages_aws_cli_v2(settings):
        errors.append(
            "recro_sso_install_cli: true, but {0} {1} packages no AWS CLI v2 the role installs (it installs Debian "
            "12+'s awscli and Homebrew's awscli on macOS): install the AWS CLI v2 yourself and set "
            "recro_sso_install_cli: false.".format(settings.get("distribution"), settings.get("distribution_version"))
        )
    return errors


# The role's variable for each option whose rule a module owns (its ParameterError names the option).
_ROLE_VARIABLES = {
    "sso_session": "recro_sso_session_name",
    "schedule": "recro_sso_schedule",
    "pull_url": "recro_sso_pull_url",
    "pull_branch": "recro_sso_pull_branch",
    "pull_playbook": "recro_sso_pull_playbook",
    "timeout": "recro_sso_login_timeout",
    "warning_window": "recro_sso_login_warning_window",
    "discover.query": "recro_sso_discover_query",
}


def schedule_options(settings):
    """The options of aws_sso_schedule for the role's schedule on this host, worked out once: the
    settings check runs them in check mode on the host before any task writes (those that install
    one: it proves the calendar expression by systemd-analyze or launchd's rules, an ansible-pull
    the user can run, the checkout in the user's home), and tasks/schedule.yml passes them on. None
    when the role leaves the schedule alone (recro_sso_schedule null, or offboarding, whose own task
    removes it); ``state: absent`` for never; else the schedule and the pull, whose runs refresh the
    login and never start one (nobody watches them). ``settings``: the settings check's, with the
    host's ``user`` and ``platform``."""
    schedule = settings.get("schedule")
    if settings.get("state") != "present" or schedule is None:
        return None
    options = dict(
        state="absent" if schedule == "never" else "present",
        pull_branch=settings.get("pull_branch"),
        pull_playbook=settings.get("pull_playbook"),
        pull_extra_vars=dict(recro_sso_login="refresh"),
        platform=settings.get("platform"),
        user=settings.get("user"),
    )
    if schedule != "never":
        options.update(schedule=schedule, pull_url=settings.get("pull_url"))
    return options


def schedule_check_error(result, user):
    """One sentence naming the role's variable for a failed check-mode aws_sso_schedule run (see
    schedule_options()), else None. Its message starts with the option (``schedule: 'x' is not...``),
    or names a file of the user's; ansible_pull, which the role does not set, is the schedule's."""
    if not result.get("failed"):
        return None
    message = str(result.get("msg") or "the schedule could not be checked").replace("; nothing was changed", "")
    option, separator, rest = message.partition(": ")
    variable = _ROLE_VARIABLES.get(option) if separator else None
    if variable is not None:
        return "{0}: {1}.".format(variable, rest.rstrip("."))
    return "recro_sso_schedule: the schedule cannot be installed for user {0}: {1}.".format(
        _json(user), message.rstrip(".")
    )


def _module_rule_errors(settings, scheduled):
    """The session name, and with a schedule its expression, pull URL, branch and playbook, checked by
    the rules the modules apply (_sso.session, _schedule.units), before any task writes; each error
    names the role's variable. A URL with credentials is never shown (the rule's message hides them)."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
    from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import check_session_name

    checks = [lambda: check_session_name("sso_session", settings["session_name"])] if "session_name" in settings else []
    if settings.get("login_timeout") is not None:
        checks.append(lambda: check_seconds("timeout", _whole_number(settings["login_timeout"])))
    if settings.get("login_warning_window") is not None:
        checks.append(lambda: check_seconds("warning_window", _whole_number(settings["login_warning_window"])))
    if settings.get("discover") and settings.get("discover_query"):
        checks.append(lambda: _check_query("discover.query", settings["discover_query"]))
    if scheduled:
        from ansible_collections.recro.aws_sso.plugins.module_utils._schedule import units

        checks += [
            lambda: units.validate_schedule(settings.get("schedule")),
            lambda: units.validate_pull_url(settings.get("pull_url")) if settings.get("pull_url") else None,
        ]
        if "pull_branch" in settings:
            checks.append(lambda: units.validate_branch(settings["pull_branch"]))
        if "pull_playbook" in settings:
            checks.append(lambda: units.validate_playbook(settings["pull_playbook"]))
    errors = []
    for check in checks:
        try:
            check()
        except ParameterError as error:
            variable = _ROLE_VARIABLES.get(error.parameter, error.parameter)
            errors.append("{0}: {1} {2}.".format(variable, _json(error.value), error.problem.rstrip(".")))
    return errors


# A stand-in account ID for the profile the defaults are checked on when recro_sso_account_id is
# not set: the defaults every profile gets (listed or discovered) are checked all the same.
_STAND_IN_ACCOUNT_ID = "000000000000"


def _config_write_errors(settings):
    """The values every config write of the role takes (the session, the defaults of every profile,
    the account shortcut, recro_sso_profiles, the name template of discovery, the config file),
    checked by aws_sso_profile's own rules (_aws.profiles.build_request, the template rule, and the
    rule aws_sso_shell applies to the path it exports) before any task writes; each error names the
    role's variable (recro_sso_profiles[1].name, not the option profiles[2].name of the list the
    role builds). The defaults are checked on the default profile, for recro_sso_account_id or a
    stand-in account, since discovery writes profiles with them too."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profile_names import check_template
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import build_request

    options = dict(
        sso_session=settings.get("session_name"),
        sso_start_url=settings.get("start_url"),
        sso_region=settings.get("session_region"),
        sso_registration_scopes=settings.get("registration_scopes"),
        region=settings.get("region"),
        output=settings.get("output"),
        settings=settings.get("profile_settings") or None,
        sso_role_name=settings.get("role_name"),
    )
    name = settings.get("default_profile")
    account_id = settings.get("account_id")
    default_item = dict(
        name=name if isinstance(name, str) and NAME_PATTERN.match(name) else "default",
        sso_account_id=_STAND_IN_ACCOUNT_ID if account_id is None or str(account_id) == "" else account_id,
    )
    checks = [
        (lambda: build_request(dict(options, profiles=[default_item])), dict(_CONFIG_VARIABLES, **_ACCOUNT_ITEM)),
    ]
    if settings.get("profiles"):
        checks.append(
            (lambda: build_request(dict(options, profiles=settings["profiles"])), dict(_CONFIG_VARIABLES, **_LISTED))
        )
    if settings.get("discover") and settings.get("profile_name_template") is not None:
        checks.append(
            (lambda: check_template(settings["profile_name_template"], "template"), _TEMPLATE),
        )
    if settings.get("config_path"):
        checks.append((lambda: _check_config_path(settings["config_path"], settings.get("user")), _CONFIG_PATH))
    return _named_errors(checks)


def _check_config_path(path, user):
    """aws_sso_profile's rules for its O(path): one line, absolute or under ~/. A path with an
    environment variable is left to the module: it expands it on the host, as the user."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_text
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.files import check_path_form

    check_text("path", path)
    if "$" not in path:
        check_path_form("path", path, user)


# The role's variable for each option of aws_sso_profile (or an item of one: profiles[0].name,
# settings.cli_pager, sso_registration_scopes[1]) that the role sets from it.
_CONFIG_VARIABLES = {
    "sso_session": "recro_sso_session_name",
    "sso_start_url": "recro_sso_start_url",
    "sso_region": "recro_sso_session_region",
    "sso_registration_scopes": "recro_sso_registration_scopes",
    "region": "recro_sso_region",
    "output": "recro_sso_output",
    "settings": "recro_sso_profile_settings",
    "sso_role_name": "recro_sso_role_name",
}
# The default profile the defaults are checked on: its name and account are the role's variables.
_ACCOUNT_ITEM = {"profiles[0].name": "recro_sso_default_profile", "profiles[0].sso_account_id": "recro_sso_account_id"}
_LISTED = {"profiles": "recro_sso_profiles"}
_TEMPLATE = {"template": "recro_sso_profile_name_template"}
_CONFIG_PATH = {"path": "recro_sso_config_path"}


def _named_errors(checks):
    """One sentence per check of ``checks`` (``(check, variables)``: a function that raises
    ParameterError, and the role's variable of each option it may name) that refused a value."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

    errors = []
    for check, variables in checks:
        try:
            check()
        except ParameterError as error:
            errors.append(
                "{0}: {1} {2}.".format(
                    _role_variable(error.parameter, variables), _json(error.value), error.problem.rstrip(".")
                )
            )
    return errors


def _role_variable(parameter, variables):
    """The role's variable for option ``parameter`` of a module (or an item of it, whose index or
    key is kept), by ``variables``; the longest option that matches wins; else ``parameter``."""
    for option in sorted(variables, key=len, reverse=True):
        if parameter == option or parameter.startswith((option + ".", option + "[")):
            return variables[option] + parameter[len(option) :]
    return parameter


def _whole_number(value):
    """A number of seconds as a role variable holds it (``600``, or ``"600"`` from a template)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _check_query(parameter, query):
    """``_common.queries.check`` of a discovery query, where jmespath is installed (the module
    that applies it says so where it is not)."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._common import queries

    try:
        return queries.check(parameter, query, queries.DISCOVERY_SAMPLE)
    except ImportError:
        return query


def _packages_aws_cli_v2(settings):
    try:
        major = int(settings.get("distribution_major_version"))
    except (TypeError, ValueError):
        return False
    return settings.get("distribution") == "Debian" and major >= 12


def person_can_answer(local, terminal, environ):
    """Whether a person can answer a login in this run: the play runs on the controller itself
    (``local``), ansible-playbook there has a terminal (``terminal``: its stdin or stdout is one,
    as with ``make onboard``), and no variable of ``environ`` (the controller's environment) says
    it is a CI or AWX job. A timer's ansible-pull, a job and a pipeline have no person at the browser."""
    if not (local and terminal):
        return False
    for name, value in (environ or {}).items():
        flagged = name in UNATTENDED_VARIABLES or name.startswith(UNATTENDED_PREFIXES)
        if flagged and str(value).strip().lower() not in ("", "0", "false", "no"):
            return False
    return True


def run_plan(settings, check_only, attended):
    """The role's decisions that its settings make, before any task ran: ``login`` (the mode),
    ``may_wait`` (this run may start a login and wait for a person at the browser: V(always), or
    V(auto) where ``attended``; never when only reporting), ``notify`` (a login that only a browser
    can renew is told on the desktop: runs that nobody watches), ``profiles`` (the listed profiles,
    profile_list()), ``prune_first`` (the first config write prunes: with discovery, the module prunes
    only after a discovery that succeeded; without it, only for a list that is not empty), ``prune``
    (the write after a new login), and the settings the steps read (steps())."""
    mode = settings.get("login") or "auto"
    may_wait = not check_only and (mode == "always" or (mode == "auto" and bool(attended)))
    listed = profile_list([], settings.get("profiles"), settings.get("default_profile"), settings.get("account_id"))
    prune = bool(settings.get("prune"))
    discover = bool(settings.get("discover", True))
    return dict(
        login=mode,
        may_wait=may_wait,
        notify=bool(settings.get("notify", True)) and mode != "never" and not may_wait and not check_only,
        flow=settings.get("login_flow") or "device_code",
        force=bool(settings.get("login_force")),
        check_only=bool(check_only),
        profiles=listed,
        prune_first=prune and (discover or bool(listed)),
        prune=prune,
        discover=discover,
        default_profile=settings.get("default_profile"),
        verify_identity=bool(settings.get("verify_identity", True)),
        schedule=settings.get("schedule") is not None,
        warning_window=settings.get("login_warning_window", DEFAULT_WARNING_WINDOW),
    )


def default_profile_exists(default_profile, config):
    """Whether the profile the shells export is in the config as ``config`` (an aws_sso_profile
    result) leaves it: the shell block and the identity check need it (an export of a missing
    profile breaks every aws command)."""
    return _ok(config) and default_profile in (config.get("profile_names") or [])


def _ends_soon(token, window, now):
    """Whether the login's ``ends_at`` (``_sso.token.login_state``: when only a new login in the
    browser helps) is within ``window`` seconds of ``now``."""
    left = seconds_left(token, now or datetime.datetime.now(datetime.timezone.utc))
    return left is not None and left <= (window or 0)


def steps(plan, config, now=None):
    """What the role's tasks do on this host, from run_plan() ``plan`` and ``config``, the config
    write's result as this run leaves it (its ``login``: the token as read, or as the login left it):
    ``log_in`` (the login tasks are included: a login to make where a person may wait, else a token
    that is not valid but can be refreshed), ``start`` (the first login task runs: a device-code login
    or a refresh; a PKCE login is only the waiting task's), ``refresh_only``, ``force_device``,
    ``wait_pkce`` (the waiting task runs for a PKCE login; a pending device code also makes it run),
    ``force_pkce``, ``write_again`` (a login made here lets the config write list the accounts it
    could not), ``default_profile_exists``, ``verify_identity``, ``after_the_shell`` (the task files
    included after the shell blocks, in order: ``schedule`` with a schedule setting, ``identity`` with
    ``verify_identity``, ``next-step`` with ``follow_up``), ``follow_up`` (the next-step task runs: the login is not usable, or
    a scheduled run may have to warn before the login ends, or the login's ``ends_at`` is within the
    plan's ``warning_window``). ``now``: an aware datetime, default the current time."""
    config = config if isinstance(config, dict) else {}
    token = config.get("login") or {}
    may_wait = bool(plan.get("may_wait"))
    device = may_wait and plan.get("flow") == "device_code"
    log_in = _logs_in(plan, token)
    usable = bool(token.get("usable"))
    exists = default_profile_exists(plan.get("default_profile"), config)
    verify = (
        bool(plan.get("verify_identity"))
        and usable
        and exists
        and (not plan.get("check_only") or not config.get("changed"))
    )
    discovery = config.get("discovery") or {}
    follow_up = _follows_up(plan, token, now)
    return dict(
        log_in=log_in,
        start=log_in and (device or not may_wait),
        refresh_only=not device,
        force_device=bool(plan.get("force")) and device,
        wait_pkce=log_in and may_wait and plan.get("flow") == "pkce",
        force_pkce=bool(plan.get("force")) and plan.get("flow") == "pkce",
        write_again=bool(plan.get("discover")) and usable and discovery.get("status") == "not_logged_in",
        default_profile_exists=exists,
        verify_identity=verify,
        # Only the parts with something to do: a host pays for no skipped task of the others.
        after_the_shell=[
            part
            for part, needed in (("schedule", plan.get("schedule")), ("identity", verify), ("next-step", follow_up))
            if needed
        ],
        follow_up=follow_up,
    )


def _logs_in(plan, token):
    """``log_in`` of steps(): never with V(never); where a person may wait, a token that is not valid
    or a forced login; else a token that is not valid but can be refreshed."""
    valid = token.get("status") == "valid"
    if plan.get("login") == "never":
        return False
    if plan.get("may_wait"):
        return not valid or bool(plan.get("force"))
    return bool(token.get("refreshable")) and not valid


def _follows_up(plan, token, now):
    """``follow_up`` of steps(): a login that is not usable, a scheduled run that may have to warn, or
    a login that ends (``ends_at``) within the plan's ``warning_window``; with V(never) too (the task
    then only looks: it writes nothing and notifies nobody). Not in a run that only reports: a drift
    report over a fleet pays for no login shell and CLI look-up on each host (its summary names the
    AWS CLI's login)."""
    return not plan.get("check_only") and (
        not token.get("usable")
        or (plan.get("login") == "refresh" and bool(plan.get("notify")))
        or _ends_soon(token, plan.get("warning_window"), now)
    )


def failure_message(failed, user, host):
    """The message a failed task of the role (``failed``: its result) ends the host with: a user the
    host does not have is named as the role's variable, recro_sso_user; any other message (or an
    include's reason) is kept."""
    failed = failed if isinstance(failed, dict) else {"msg": failed}
    message = failed.get("msg") or failed.get("reason") or "the task failed"
    if "is not an account" in message:
        return "recro_sso_user: {0} is not an account on {1} ({2})".format(_json(user), host, message)
    return message


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
    result ``login`` when it ran (a list: the results of the role's login tasks, the last task
    first; the first that ran), else from ``token``, the ``login`` an aws_sso_profile task
    read from the token cache (missing, expired, valid...); {} when neither is there."""
    if isinstance(login, list):
        login = next((result for result in login if _ran(result)), None)
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
    state, user, platform, check_mode, session, default_profile, manage_shell, discover, prune;
    config (the last aws_sso_profile result), configs (every aws_sso_profile result, in order),
    login (login_state), discovery, shell, identity, schedule, logout, next_step (aws_sso_notify's)."""
    present = parts.get("state", "present") == "present"
    config = parts.get("config") or {}
    shell = parts.get("shell") or {}
    exists = default_profile_exists(parts.get("default_profile"), config)
    wanted = present and exists
    shell_files = _shell_files(shell) if wanted else []
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
        default_profile_exists=exists,
        login=_login_fact(parts.get("login")),
        discovered_profiles=_discovered_profiles(parts.get("discovery") or {}) if present else [],
        identity=_identity_fact(parts.get("identity") or {}),
        shell_blocks_present=bool(parts.get("manage_shell", True) and wanted and shell_files),
        shell_files=shell_files,
        exports=list(shell.get("exports") or []) if _ok(shell) else [],
        conflicts=list(shell.get("conflicts") or []) if _ok(shell) else [],
        verified_shells=list(shell.get("verified") or []) if _ok(shell) else [],
        schedule=_schedule_fact(parts.get("schedule") or {}),
        logout=_logout_fact(parts.get("logout") or {}),
        next_step=_next_step(parts),
        drift=_config_drift_once(parts) + _shell_drift(shell) + (_schedule_drift(parts) if present else []),
    )


def _shell_files(shell):
    """The files the shell task leaves a managed block in."""
    if not _ok(shell):
        return []
    return [entry.get("path") for entry in shell.get("files") or [] if entry.get("action") != "removed"]


def _login_fact(login):
    return dict((k, v) for k, v in (login or {}).items() if k in ("status", "expires_at", "message") and v is not None)


def _discovered_profiles(discovery):
    return [p["name"] for p in discovery.get("profiles") or []] if _discovered(discovery) else []


def _identity_fact(identity):
    return dict(account=identity["account"], arn=identity["arn"]) if _ok(identity) and identity.get("arn") else {}


def _schedule_fact(schedule):
    if not _ok(schedule):
        return {}
    return dict(files=schedule.get("files") or [], command=schedule.get("command") or [], msg=schedule.get("msg"))


def _logout_fact(logout):
    if not _ok(logout):
        return {}
    return dict(
        removed=logout.get("removed") or [],
        service_logout=bool(logout.get("service_logout")),
        service_logout_error=logout.get("service_logout_error"),
    )


def _config_drift_once(parts):
    """The drift of every config write that succeeded, each change once (both writes may report it)."""
    config = parts.get("config") or {}
    drift = []
    seen = set()
    for one in [c for c in parts.get("configs") or [config] if _ok(c)]:
        for item in _config_drift(one):
            key = (item.get("section"), item.get("key"), _json(item.get("after")))
            if key not in seen:
                seen.add(key)
                drift.append(item)
    return drift


def _shell_drift(shell):
    drift = []
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
    return drift


def _schedule_drift(parts):
    schedule = parts.get("schedule") or {}
    if not (_ok(schedule) and schedule.get("changed")):
        return []
    # A timer or agent that is missing or was altered is drift like a config key.
    files = schedule.get("files") or []
    return [
        dict(
            what="schedule",
            action="write",
            files=files,
            message="the scheduled ansible-pull run differs from the settings (write): {0}".format(", ".join(files)),
        )
    ]


def _next_step(parts):
    """The next step of a login that is not usable, and what the person was told: from the
    aws_sso_notify result (``next_step`` of parts) when it ran, else the collection's own login,
    which works on every host: ``aws sso login`` only where an AWS CLI v2 was found."""
    found = parts.get("next_step") or {}
    # The task's failed_when: false registers a failure as not failed: it has no next_step.
    failed = _ran(found) and (bool(found.get("failed")) or "next_step" not in found)
    if failed or not _ok(found):
        reason = None
        if parts.get("login") and not _logged_in(parts):
            reason = (
                "the AWS CLI on this host could not be looked up"
                if failed
                else "this run did not look up the AWS CLI on this host"
            )
        return dict(command=OWN_LOGIN, reason=reason, warning=None, notification={})
    return dict(
        command=found.get("next_step") or login_command(parts.get("session")),
        reason=found.get("reason"),
        warning=found.get("warning"),
        notification=dict(found.get("notification") or {}) if found.get("message") else {},
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


def verified_shell_lines(verified):
    """One line per login shell started as the user (recro_sso_verify_shells): what it ended with."""
    lines = []
    for entry in verified or []:
        exported = ", ".join(entry.get("exported") or []) or "no AWS_* variable"
        status = entry.get("status")
        if status == "ok":
            lines.append("Shell {0} (started as a login shell): ends with {1}.".format(entry.get("shell"), exported))
        else:
            lines.append("Warning: shell {0} (started as a login shell): {1}.".format(entry.get("shell"), status))
    return lines


def summary(res, parts):
    """The summary lines of recro_sso_result ``res``; ``parts`` as for result() (settings and the
    discovery, identity, login, schedule and logout results)."""
    present = res.get("state") == "present"
    would = "would be " if res.get("check_mode") else ""
    shell_changes = [item["path"] for item in res.get("drift") or [] if item["what"] == "shell"]
    if present:
        lines = (
            _config_lines(res, would)
            + _shell_lines(res, parts, would, shell_changes)
            + _conflict_warning_lines(res)
            + verified_shell_lines(res.get("verified_shells"))
            + _login_lines(res, parts)
            + _warning_lines(res)
            + _discovery_lines(res, parts)
        )
    else:
        lines = _config_removal_lines(res, would) + _shell_removal_lines(parts, would, shell_changes)
    # The identity, schedule and logout lines say what their tasks did whether onboarding or offboarding.
    lines += _identity_lines(res, parts) + _schedule_lines(parts) + _logout_lines(parts, would)
    if present:
        lines += _notification_lines(res, would) + _next_step_lines(res, parts)
    return [line for line in lines if line]


def _config_lines(res, would):
    path = res.get("config_path")
    session = res.get("session")
    config_changed = any(item["what"] == "config" for item in res.get("drift") or [])
    written = would + "written" if config_changed else "already in place"
    if res.get("profiles"):
        return ["{0}: session {1} and profiles {2} {3}.".format(path, session, ", ".join(res["profiles"]), written)]
    return [
        "{0}: session {1} {2}; no profiles yet (none discovered, none in recro_sso_profiles or "
        "recro_sso_account_id).".format(path, session, written)
    ]


def _config_removal_lines(res, would):
    session = res.get("session")
    if res.get("removed_profiles"):
        text = "profiles {0}removed: {1}".format(would, ", ".join(res["removed_profiles"]))
    else:
        text = "no profile of session {0} left".format(session)
    if res.get("removed_sessions"):
        text += "; session {0} {1}removed".format(session, would)
    return ["{0}: {1}.".format(res.get("config_path"), text)]


def _shell_lines(res, parts, would, shell_changes):
    if not parts.get("manage_shell", True):
        return []
    default_profile = res.get("default_profile")
    if res.get("shell_blocks_present"):
        return [
            "Default profile {0} {1} ({2}) in {3}{4}.".format(
                default_profile,
                would + "exported" if shell_changes else "already exported",
                ", ".join(res.get("exports") or []),
                ", ".join(res["shell_files"]),
                "; open a new shell to use it" if shell_changes else "",
            )
        ]
    if not res.get("default_profile_exists"):
        return [
            "Default profile {0} not exported: it is not in {1} (an export of a missing profile breaks every "
            "aws command), so no shell block is kept.".format(default_profile, res.get("config_path"))
        ]
    return [
        "Default profile {0} not exported: no supported shell (bash, zsh, fish) found for {1}; set "
        "recro_sso_shells.".format(default_profile, res.get("user"))
    ]


def _shell_removal_lines(parts, would, shell_changes):
    if not parts.get("manage_shell", True):
        return []
    if shell_changes:
        return ["Shell blocks {0}removed from {1}.".format(would, ", ".join(shell_changes))]
    return ["No shell block left."]


def _conflict_warning_lines(res):
    return [
        "Warning: {0} (after the managed block: it wins over the default profile).".format(line)
        for line in conflict_lines(res.get("conflicts"))
    ]


def _next_command(res):
    """The command that logs in again: aws_sso_notify's, else the collection's own login."""
    return (res.get("next_step") or {}).get("command") or OWN_LOGIN


def _logged_in(parts):
    return bool((parts.get("login") or {}).get("usable"))


def _login_lines(res, parts):
    login = parts.get("login") or {}
    if not login:
        return []
    # The login's message names the AWS CLI's command; on a host without a CLI v2, the one that works.
    message = (login.get("message") or "").replace(
        in_backticks(login_command(res.get("session"))), in_backticks(_next_command(res))
    )
    if not message:
        # A login state without its sentence still says whether it can be used.
        message = "usable" if login.get("usable") else "not usable"
    return ["Login: {0}.".format(message.rstrip("."))]


def _warning_lines(res):
    warning = (res.get("next_step") or {}).get("warning")
    return ["Warning: {0}".format(warning)] if warning else []


def _discovery_lines(res, parts):
    if not (parts.get("discover") and _logged_in(parts)):
        return []
    discovery = parts.get("discovery") or {}
    if _discovered(discovery):
        names = res.get("discovered_profiles") or []
        return [
            "Discovery: {0} profile(s) for the accounts and roles of the login{1}.".format(
                len(names), (": " + ", ".join(names)) if names else ""
            )
        ]
    return [
        "Discovery: not done ({0}); only the listed profiles were written{1}.".format(
            discovery.get("msg") or "no result", ", and none was pruned" if parts.get("prune") else ""
        )
    ]


def _identity_lines(res, parts):
    identity = parts.get("identity") or {}
    if res.get("identity"):
        return [
            "Identity: profile {0} signs in as {1} (account {2}).".format(
                res.get("default_profile"), res["identity"]["arn"], res["identity"]["account"]
            )
        ]
    if _ran(identity) and identity.get("msg"):
        return ["Identity: not verified ({0}).".format(identity["msg"])]
    return []


def _schedule_lines(parts):
    schedule = parts.get("schedule") or {}
    if not _ran(schedule):
        return []
    return ["Schedule: {0}".format(schedule.get("msg") or ("failed" if schedule.get("failed") else "done"))]


def _logout_lines(parts, would):
    logout = parts.get("logout") or {}
    if not _ran(logout):
        return []
    if logout.get("failed"):
        return ["Logout: failed ({0}).".format(logout.get("msg"))]
    return [
        "Logout: {0} login file(s) {1}removed; the portal's Logout {2}.".format(
            len(logout.get("removed") or []),
            would,
            "succeeded"
            if logout.get("service_logout")
            else "was not done ({0})".format(logout.get("service_logout_error") or "no valid token"),
        )
    ]


def _notification_lines(res, would):
    notification = (res.get("next_step") or {}).get("notification") or {}
    if notification.get("sent"):
        return [
            "Notification: {0}shown on the desktop of {1}{2}.".format(
                would, res.get("user"), " ({0})".format(notification["reason"]) if notification.get("reason") else ""
            )
        ]
    if notification.get("reason"):
        return ["Notification: not shown ({0}).".format(notification["reason"])]
    return []


def _next_step_lines(res, parts):
    """The next step: the login to make when the login is not usable, else a default profile to choose when
    the config has none of that name."""
    step = res.get("next_step") or {}
    if parts.get("login") and not _logged_in(parts):
        return [
            "Next: {0}{1}, then run this again{2}.".format(
                _next_command(res),
                " ({0})".format(step["reason"]) if step.get("reason") else "",
                ": it finds your accounts and roles" if parts.get("discover") else "",
            )
        ]
    if not res.get("default_profile_exists"):
        return [
            "Next: no profile {0}: set recro_sso_default_profile to one of {1}.".format(
                res.get("default_profile"), ", ".join(res.get("profile_names") or []) or "your profiles"
            )
        ]
    return []
