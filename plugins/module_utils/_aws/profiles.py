# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The desired SSO profiles and session, validated, and applied to a config file.

Pure logic: no Ansible imports, no I/O. :func:`build_request` turns the
options of ``recro.aws_sso.aws_sso_profile`` into a :class:`Request` or
raises :class:`ParameterError` naming the option and its value;
:func:`apply_request` computes the new file text and what changed.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import (
    DEFAULT_PROFILE,
    HIDDEN,
    PROFILE,
    SECRET_KEYS,
    SSO_SESSION,
    ConfigFileError,
)
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import check_name, check_region, check_text
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import settings_from_options

# A permission set name, as AWS allows it (IAM Identity Center's [\w+=,.@-]+, ASCII).
ROLE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_+=,.@-]+\Z")
ACCOUNT_ID_PATTERN = re.compile(r"[0-9]{12}\Z")
SETTING_KEY_PATTERN = re.compile(r"[a-z0-9_-]+\Z")
NESTED_KEY_PATTERN = re.compile(r"[A-Za-z0-9_.-]+\Z")

# The keys of one item of ``profiles``.
PROFILE_ITEM_KEYS = ("name", "sso_account_id", "sso_role_name", "region", "output", "settings")
OUTPUT_FORMATS = ("json", "yaml", "yaml-stream", "text", "table")
# The order `aws configure sso` writes keys in.
PROFILE_KEYS = ("sso_session", "sso_account_id", "sso_role_name", "region", "output")
SESSION_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")


class SectionSpec:
    """What a managed section must hold: ``values`` maps keys to values, ``None``
    meaning the key must be absent. ``drop`` are keys removed in any case."""

    def __init__(self, kind, name, values, drop=()):
        self.kind = kind
        self.name = name
        self.values = values
        self.drop = tuple(drop)

    @property
    def title(self):
        return "{0} {1}".format(self.kind, self.name)

    @property
    def header(self):
        if self.kind == PROFILE and self.name == DEFAULT_PROFILE:
            return DEFAULT_PROFILE
        return self.title


class Request:
    """Everything one task asks for, validated."""

    def __init__(self, state, profiles, session_name, session, prune, exclusive, remove_unused_session, skipped=()):
        self.state = state
        # (item, name or None, problem) of the profiles items left out by skip_invalid
        self.skipped = list(skipped)
        self.profiles = profiles
        self.session_name = session_name
        self.session = session
        self.prune = prune
        self.exclusive = exclusive
        self.remove_unused_session = remove_unused_session


class Outcome:
    """The result of applying a request: the new text and what changed."""

    def __init__(self, text, changes, profiles, sessions, removed_profiles, removed_sessions, warnings, profile_names):
        self.text = text
        self.profile_names = profile_names
        self.changes = changes
        self.profiles = profiles
        self.sessions = sessions
        self.removed_profiles = removed_profiles
        self.removed_sessions = removed_sessions
        self.warnings = warnings

    @property
    def changed(self):
        return bool(self.changes)


# Validation ------------------------------------------------------------------


def check_role_name(parameter, value):
    """A permission set name: what AWS allows, all of which configparser,
    botocore and the AWS CLI read back unchanged."""
    check_text(parameter, value)
    if not ROLE_NAME_PATTERN.fullmatch(value) or len(value) > 32:
        raise ParameterError(
            parameter, value, "is not a permission set name: AWS allows 1 to 32 letters, digits and _ + = , . @ - only"
        )
    return value


def check_account_id(parameter, value):
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    check_text(parameter, value)
    if not ACCOUNT_ID_PATTERN.fullmatch(value):
        problem = "is not an AWS account ID of exactly 12 digits"
        if value.isdigit() and len(value) < 12:
            problem += (
                ". YAML reads an unquoted 012345678901 as a number and drops its leading zero: "
                "quote account IDs ('012345678901')"
            )
        raise ParameterError(parameter, value, problem)
    return value


def check_output(parameter, value):
    check_text(parameter, value)
    if value not in OUTPUT_FORMATS:
        raise ParameterError(
            parameter, value, "is not an output format: use one of {0}".format(", ".join(OUTPUT_FORMATS))
        )
    return value


def setting_value(parameter, value, nested=True):
    """A ``settings`` value as text; a dict becomes a nested block (one level)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict) and nested:
        block = OrderedDict()
        for sub_key, sub_value in value.items():
            item = "{0}.{1}".format(parameter, sub_key)
            if not isinstance(sub_key, str) or not NESTED_KEY_PATTERN.fullmatch(sub_key):
                raise ParameterError(item, sub_key, "is not a key name: use letters, digits and _ . - only")
            block[sub_key] = setting_value(item, sub_value, nested=False)
        if not block:
            raise ParameterError(parameter, value, "is an empty nested block")
        return block
    if isinstance(value, str):
        return check_text(parameter, value)
    kind = "a nested block inside a nested block" if isinstance(value, dict) else type(value).__name__
    raise ParameterError(parameter, value, "cannot be written to the config file ({0})".format(kind))


def check_settings(parameter, settings):
    """``settings`` as an ordered dict of lower-case keys; ``None`` values mean
    the key must be absent. A refused value of a :data:`SECRET_KEYS` key is not shown."""
    checked = OrderedDict()
    for key, value in (settings or {}).items():
        item = "{0}.{1}".format(parameter, key)
        if not isinstance(key, str) or not SETTING_KEY_PATTERN.fullmatch(key.lower()):
            raise ParameterError(
                parameter, key, "has a key that is not a config key: use letters, digits, _ and - only"
            )
        lower = key.lower()
        try:
            checked[lower] = _setting(item, lower, value, checked)
        except ParameterError as error:
            if lower not in SECRET_KEYS:
                raise
            raise ParameterError(error.parameter, HIDDEN, error.problem) from None
    return checked


def _setting(item, lower, value, checked):
    if lower in checked:
        raise ParameterError(item, value, "repeats key {0!r}: keys are case-insensitive".format(lower))
    if lower in PROFILE_KEYS:
        raise ParameterError(item, value, "sets {0} through settings: use the {0} option".format(lower))
    if lower in SESSION_KEYS:
        raise ParameterError(
            item,
            value,
            "belongs in the [sso-session] stanza, not in a profile (botocore rejects a profile that repeats it): "
            "use the {0} option".format(lower),
        )
    return None if value is None else setting_value(item, value)


# Building the request ---------------------------------------------------------


def build_request(params):
    """A :class:`Request` from the module's options, or :class:`ParameterError`.

    With ``params["skip_invalid"]`` an item of ``profiles`` that cannot be
    written is left out (``Request.skipped``) instead of failing the task."""
    state = params.get("state") or "present"
    session_name = params.get("sso_session")
    if session_name is not None:
        check_name("sso_session", session_name)
    session = _session_spec(params, session_name)
    skipped = []
    profiles = _profile_specs(params, state, session_name, skipped)
    prune = bool(params.get("prune"))
    remove_unused_session = bool(params.get("remove_unused_session"))
    if (prune or remove_unused_session) and session_name is None:
        option = "prune" if prune else "remove_unused_session"
        raise ParameterError(option, True, "needs sso_session: it acts on the profiles of one session")
    if remove_unused_session and state != "absent":
        raise ParameterError("remove_unused_session", True, "only applies with state=absent")
    if not profiles and session is None and not prune and not remove_unused_session and params.get("profiles") is None:
        raise ParameterError(
            "name", None, "is missing: give name or profiles (or sso_start_url to manage only the [sso-session] stanza)"
        )
    return Request(
        state, profiles, session_name, session, prune, bool(params.get("exclusive")), remove_unused_session, skipped
    )


def _session_spec(params, session_name):
    start_url = params.get("sso_start_url")
    if start_url is not None and session_name is None:
        raise ParameterError(
            "sso_start_url", start_url, "needs sso_session, the name of the [sso-session] stanza it goes in"
        )
    if start_url is not None and params.get("state") == "absent":
        raise ParameterError("sso_start_url", start_url, "cannot be set with state=absent; use remove_unused_session")
    settings = settings_from_options(params)
    if settings is None:
        return None
    return SectionSpec(SSO_SESSION, session_name, OrderedDict(zip(SESSION_KEYS, settings)))


def _profile_specs(params, state, session_name, skipped):
    name = params.get("name")
    entries = params.get("profiles")
    if name is not None and entries is not None:
        raise ParameterError("profiles", entries, "cannot be given with name: use one or the other")
    if name is not None:
        entries = [
            dict((option, params.get(option)) for option in ("name", "sso_account_id", "sso_role_name", "settings"))
        ]
        prefixes = [""]
    else:
        # A task-level sso_role_name is the default role of every item; an
        # account ID names one account, so it belongs to each item.
        if params.get("sso_account_id") is not None and entries is not None:
            raise ParameterError(
                "sso_account_id", params["sso_account_id"], "applies to name; give it in each item of profiles"
            )
        if entries is not None and not isinstance(entries, list):
            raise ParameterError("profiles", entries, "must be a list of dicts")
        entries = entries or []
        prefixes = ["profiles[{0}].".format(index) for index in range(len(entries))]
    specs = []
    seen = {}
    skip_invalid = bool(params.get("skip_invalid")) and params.get("profiles") is not None
    for prefix, entry in zip(prefixes, entries):
        try:
            spec = _profile_spec(prefix, entry, params, state, session_name)
            if spec.name in seen:
                raise ParameterError(
                    prefix + "name", spec.name, "is listed twice (also {0}name)".format(seen[spec.name])
                )
        except ParameterError as error:
            if not skip_invalid:
                raise
            name = entry.get("name") if isinstance(entry, dict) else None
            skipped.append((prefix.rstrip("."), name if isinstance(name, str) else None, str(error)))
            continue
        seen[spec.name] = prefix
        specs.append(spec)
    return specs


def writable_profiles(session_name, items):
    """``(writable, refused)``: the items of ``items`` (entries of the ``profiles``
    option) that a write for session ``session_name`` accepts, and the reason for
    each other one, in order. Discovery uses it so that what it returns can be
    written without ``skip_invalid``, which would also hide a bad listed profile."""
    params = dict(sso_session=session_name)
    writable, refused = [], []
    for index, item in enumerate(items):
        try:
            _profile_spec("profiles[{0}].".format(index), item, params, "present", session_name)
        except ParameterError as error:
            refused.append(str(error))
            continue
        writable.append(item)
    return writable, refused


def _profile_spec(prefix, entry, params, state, session_name):
    if not isinstance(entry, dict):
        raise ParameterError(
            prefix.rstrip("."), entry, "must be a dict with at least name (a {0} here)".format(type(entry).__name__)
        )
    if prefix:
        for key in entry:
            if key not in PROFILE_ITEM_KEYS:
                raise ParameterError(
                    prefix + str(key),
                    entry[key],
                    "is not an option of a profiles item: use {0}".format(", ".join(PROFILE_ITEM_KEYS)),
                )
        if entry.get("settings") is not None and not isinstance(entry["settings"], dict):
            raise ParameterError(prefix + "settings", entry["settings"], "must be a dict")
    name = entry.get("name")
    if name is None:
        raise ParameterError(prefix + "name", None, "is missing: every profile needs a name")
    check_name(prefix + "name", name)
    if state == "absent":
        return SectionSpec(PROFILE, name, OrderedDict())
    account_id = entry.get("sso_account_id")
    role_name = _entry_or_task(entry, params, "sso_role_name") if prefix else entry.get("sso_role_name")
    role_where = _where(prefix, entry, "sso_role_name") if prefix else "sso_role_name"
    if session_name is not None:
        for option, value in ((prefix + "sso_account_id", account_id), (role_where, role_name)):
            if value is None:
                raise ParameterError(option, None, "is missing: an SSO profile needs sso_account_id and sso_role_name")
    else:
        for option, value in ((prefix + "sso_account_id", account_id), (role_where, role_name)):
            if value is not None:
                raise ParameterError(option, value, "needs sso_session, the session that signs in to the account")
    values = OrderedDict()
    if session_name is not None:
        values["sso_session"] = session_name
        values["sso_account_id"] = check_account_id(prefix + "sso_account_id", account_id)
        values["sso_role_name"] = check_role_name(role_where, role_name)
    region = _entry_or_task(entry, params, "region")
    if region is not None:
        values["region"] = check_region(_where(prefix, entry, "region"), region)
    output = _entry_or_task(entry, params, "output")
    if output is not None:
        values["output"] = check_output(_where(prefix, entry, "output"), output)
    settings = OrderedDict()
    if prefix:  # task-level settings are the defaults of every item
        settings.update(check_settings("settings", params.get("settings")))
    settings.update(check_settings(prefix + "settings", entry.get("settings")))
    values.update(settings)
    # Left from the legacy format, these contradict the session and botocore rejects them.
    drop = SESSION_KEYS if session_name is not None else ()
    return SectionSpec(PROFILE, name, values, drop)


def _entry_or_task(entry, params, option):
    value = entry.get(option)
    return params.get(option) if value is None else value


def _where(prefix, entry, option):
    return prefix + option if entry.get(option) is not None else option


def describe_changes(changes):
    """One sentence per item of an outcome's ``changes``, for people (and drift reports)."""
    lines = []
    for change in changes:
        section = "[{0}]".format(change["section"])
        if change["key"] is None:
            lines.append("{0} {1}".format("added" if change["action"] == "add" else "removed", section))
        elif change["action"] == "add":
            lines.append("added {0} = {1} to {2}".format(change["key"], change["after"], section))
        elif change["action"] == "remove":
            lines.append("removed {0} from {1}".format(change["key"], section))
        else:
            lines.append(
                "changed {0} in {1} from {2} to {3}".format(change["key"], section, change["before"], change["after"])
            )
    return lines


# Applying the request ------------------------------------------------------------


def apply_request(config, request):
    """The :class:`Outcome` of ``request`` on ``config`` (an :class:`AwsConfig`)."""
    plan = _Plan(config, request.exclusive)
    warnings = [
        "skipped {0}{1}: {2}".format(item, " ({0!r})".format(name) if name else "", problem)
        for item, name, problem in request.skipped
    ]
    if request.state == "present":
        for spec in request.profiles:
            plan.ensure(spec)
        if request.session is not None:
            plan.ensure(request.session)
        if request.prune:
            # A skipped item keeps the profile of its name: it is not gone from the organisation.
            managed = set(spec.name for spec in request.profiles) | set(
                name for _item, name, _problem in request.skipped
            )
            for name, section in config.profiles_using(request.session_name).items():
                if name not in managed:
                    plan.remove(section)
    else:
        for spec in request.profiles:
            section = config.find(PROFILE, spec.name)
            if section is not None:
                plan.remove(section)
        if request.prune:
            for section in config.profiles_using(request.session_name).values():
                plan.remove(section)
        if request.remove_unused_session:
            warnings.extend(_remove_unused_session(config, plan, request.session_name))
    text, result = plan.render_and_verify()
    profiles = OrderedDict()
    sessions = OrderedDict()
    if request.state == "present":
        for spec in request.profiles:
            profiles[spec.name] = result(PROFILE, spec.name).values()
        session_name = request.session_name
        if session_name is not None:
            section = result(SSO_SESSION, session_name)
            if section is not None:
                sessions[session_name] = section.values()
                _consistent_with_session(config, session_name, sessions[session_name], profiles)
            else:
                warnings.append(
                    "profiles use sso_session {0!r}, but there is no [sso-session {0}] stanza: "
                    "give sso_start_url and sso_region to write it".format(session_name)
                )
    removed_profiles = plan.removed(PROFILE)
    profile_names = [name for name in config.named_sections(PROFILE) if name not in removed_profiles]
    profile_names.extend(spec.name for spec in plan.added(PROFILE))
    profiles = OrderedDict((name, hide_secrets(values)) for name, values in profiles.items())
    return Outcome(
        text, plan.changes, profiles, sessions, removed_profiles, plan.removed(SSO_SESSION), warnings, profile_names
    )


def hide_secrets(values):
    """``values`` (key to value) with the value of every :data:`SECRET_KEYS` key hidden."""
    return OrderedDict((key, HIDDEN if key in SECRET_KEYS else value) for key, value in values.items())


def _remove_unused_session(config, plan, session_name):
    section = config.find(SSO_SESSION, session_name)
    if section is None:
        return []
    still_using = [name for name, profile in config.profiles_using(session_name).items() if not plan.removes(profile)]
    if still_using:
        return ["kept [sso-session {0}]: profiles {1} still use it".format(session_name, ", ".join(still_using))]
    plan.remove(section)
    return []


def _consistent_with_session(config, session_name, session_values, profiles):
    """Refuse a profile that botocore would refuse: it merges ``[sso-session NAME]`` into
    each profile that names it and raises InvalidConfigError for a key the two read
    differently, each with the keys of ``[DEFAULT]`` (configparser gives them to every
    section). ``session_values`` and ``profiles`` (name to values) are as written; the
    line named is the one in the file as it is, which the request does not write."""
    defaults = config.default_section()
    default_lines = defaults.keys if defaults is not None else {}
    inherited = defaults.values() if defaults is not None else {}
    session = dict(inherited, **session_values)
    for name, own in profiles.items():
        profile = dict(inherited, **own)
        for key, value in session.items():
            if key not in profile or profile[key] == value:
                continue
            if key not in session_values or key not in own:
                # One side inherits the key from [DEFAULT]: that line is the one to change.
                where, line = "[DEFAULT]", default_lines[key]
            else:
                existing = config.find(SSO_SESSION, session_name)
                where = "[sso-session {0}]".format(session_name)
                line = existing.keys.get(key) if existing is not None else None
            shown = hide_secrets({key: profile[key]})[key], hide_secrets({key: value})[key]
            raise ConfigFileError(
                "profile {0} would read {1} = {2} and [sso-session {3}] reads {1} = {4}{5}; botocore finds them "
                "inconsistent and the AWS CLI refuses every profile of that session. Remove {1} from {6} "
                "(or make it match)".format(
                    name,
                    key,
                    shown[0],
                    session_name,
                    shown[1],
                    " (every section inherits [DEFAULT]'s)" if where == "[DEFAULT]" else "",
                    where,
                ),
                None if line is None else line + 1,
            )


def _same_value(key, current, desired):
    if key == "sso_registration_scopes" and isinstance(current, str):
        return [scope.strip() for scope in current.split(",")] == desired.split(",")
    return current == desired


def _wanted(spec):
    return OrderedDict((key, value) for key, value in spec.values.items() if value is not None)


def _editing():
    """``_aws.config_edit``, loaded at the first edit: a run that changes nothing never compiles it."""
    from ansible_collections.recro.aws_sso.plugins.module_utils._aws import (  # pylint: disable=import-outside-toplevel
        config_edit,
    )

    return config_edit


class _Plan:
    """The edits for one request, the changes they make, and their proof."""

    def _comments_in(self, entry):
        """Comment lines between a key and its continuation lines: the user's, and botocore ignores them."""
        lines = self.config.lines
        return [lines[index] for index in range(entry.start + 1, entry.stop) if lines[index].strip()[:1] in ("#", ";")]

    def __init__(self, config, exclusive):
        self.config = config
        self.exclusive = exclusive
        self._editor = None  # made at the first edit: a run that changes nothing never loads the editor
        self.changes = []
        self._touched = set()  # first lines of the sections edited or removed
        self._managed = set()  # (kind, name) of the sections ensured
        self._ensured = []
        self._added = []
        self._removed = []
        self._removed_starts = set()

    def ensure(self, spec):
        self._ensured.append(spec)
        self._managed.add((spec.kind, spec.name))
        config = self.config
        section = config.find(spec.kind, spec.name)
        wanted = _wanted(spec)
        if section is None:
            self._added.append(spec)
            self.editor().append(_editing().render_section(spec.header, wanted, config.newline))
            self.changes.append(
                {"section": spec.title, "key": None, "action": "add", "before": None, "after": dict(wanted)}
            )
            return
        self._touched.add(section.start)
        missing = OrderedDict()
        for key, value in wanted.items():
            entry = section.entry(key)
            if entry is None:
                missing[key] = value
            elif not _same_value(key, entry.value, value):
                config.check_no_header_in_value(entry, "changing {0} in [{1}]".format(key, spec.header))
                whitespace = config.leading_whitespace(entry.start)
                self.editor().replace(
                    entry.start,
                    entry.stop,
                    _editing().render_entry(key, value, whitespace, config.newline) + self._comments_in(entry),
                )
                self._change(spec, key, "change", entry.value, value)
        for entry in section.entries():
            key = entry.key
            if (
                key in spec.drop
                or key in spec.values
                and spec.values[key] is None
                or self.exclusive
                and key not in wanted
            ):
                config.check_no_header_in_value(entry, "removing {0} from [{1}]".format(key, spec.header))
                self.editor().replace(entry.start, entry.stop, self._comments_in(entry))
                self._change(spec, key, "remove", entry.value, None)
        if missing:
            position = section.content_stop
            whitespace = config.insertion_indent(section)
            new_lines = []
            for key, value in missing.items():
                new_lines.extend(_editing().render_entry(key, value, whitespace, config.newline))
                self._change(spec, key, "add", None, value)
            self.editor().replace(position, position, new_lines)

    def _change(self, spec, key, action, before, after):
        if key in SECRET_KEYS:
            before, after = (None if value is None else HIDDEN for value in (before, after))
        self.changes.append({"section": spec.title, "key": key, "action": action, "before": before, "after": after})

    def remove(self, section):
        if section.start in self._touched:
            return
        for entry in section.entries():
            self.config.check_no_header_in_value(entry, "removing [{0}]".format(section.header))
        stop = section.content_stop
        # Blank lines after the stanza go with it; comments stay (they may be about the next one).
        while stop < section.stop and not self.config.lines[stop].strip():
            stop += 1
        self.editor().replace(section.start, stop, [])
        self._touched.add(section.start)
        self._removed.append(section)
        self._removed_starts.add(section.start)
        self.changes.append(
            {
                "section": section.title,
                "key": None,
                "action": "remove",
                "before": hide_secrets(section.values()),
                "after": None,
            }
        )

    def removes(self, section):
        return section.start in self._removed_starts

    def added(self, kind):
        return [spec for spec in self._added if spec.kind == kind]

    def removed(self, kind):
        return [section.name for section in self._removed if section.kind == kind]

    def editor(self):
        """The plan's ``ConfigEditor``, made at the first edit."""
        if self._editor is None:
            self._editor = _editing().ConfigEditor(self.config)
        return self._editor

    def render_and_verify(self):
        """The new text, and a ``find(kind, name)`` over it, after proving that
        every section the plan did not touch reads exactly as before and every
        ensured one as wanted."""
        config = self.config
        if self._editor is None or not self._editor.changed:
            return config.text, config.find
        new_lines, found = _editing().render_and_reread(self._editor, self._touched, self._managed)

        def find(kind, name):
            # Sections outside the edited neighbourhoods are as they were.
            return found[(kind, name)] if (kind, name) in found else config.find(kind, name)

        for spec in self._ensured:
            section = find(spec.kind, spec.name)
            values = {} if section is None else section.values()
            for key, value in _wanted(spec).items():
                if key not in values or not _same_value(key, values[key], value):
                    raise AssertionError(
                        "[{0}] does not read {1} = {2!r} after the edit".format(spec.header, key, value)
                    )
        return "".join(new_lines), find
