# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Profiles for discovered accounts and roles: names from a template.

Pure logic, no Ansible imports. A template such as ``{account_name}-{role}``
names each (account, role) pair; names are made safe for every AWS tool and
shell, and two pairs that would share a name are refused, not silently merged.
A refusal is a :class:`ParameterError` naming the template's option (by default
``profile_name_template``; ``discover.profile_name_template`` in aws_sso_profile).
"""

from __future__ import annotations

import re
import string

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import DEFAULT_PROFILE
from ansible_collections.recro.aws_sso.plugins.module_utils._common.checks import CONTROL_CHARACTERS
from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import ParameterError

FIELDS = ("account_id", "account_name", "role_name", "role")
# Characters every AWS tool and shell reads the same way in a profile name.
_UNSAFE = re.compile(r"[^a-z0-9_.@%+:-]+")
_ROLE_SUFFIX = re.compile(r"[-_]?access\Z", re.IGNORECASE)


def check_template(template, parameter="profile_name_template"):
    """Refuse anything but literal text and the known fields (no attributes,
    indexes, conversions or format specs: the template comes from inventories)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ParameterError(parameter, template, "is not a template: {0}".format(error)) from error
    used = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in FIELDS or spec or conversion:
            raise ParameterError(
                parameter,
                template,
                "uses {{{0}}}: the fields are {1}".format(
                    field + ("!" + conversion if conversion else "") + (":" + spec if spec else ""),
                    ", ".join("{" + name + "}" for name in FIELDS),
                ),
            )
        used.append(field)
    if not used:
        raise ParameterError(parameter, template, "uses no field, so every profile would get the same name")
    return template


def short_role(role_name):
    """A role name without its conventional ``Access`` suffix: adminAccess -> admin."""
    return _ROLE_SUFFIX.sub("", role_name) or role_name


def sanitise(name):
    """Lower case, and runs of other characters turned into one ``-``."""
    return _UNSAFE.sub("-", name.lower()).strip("-")


# The longest part of a portal's name a message shows (AWS allows 50 characters).
SHOWN_LIMIT = 100


def shown(text):
    """A portal's name as a message shows it: as it is, or as Python writes it (quoted, escaped)
    when it holds a line break or another control character, which a terminal would obey; cut
    to :data:`SHOWN_LIMIT` characters."""
    text = repr(text) if CONTROL_CHARACTERS.search(text) else text
    return text if len(text) <= SHOWN_LIMIT else text[: SHOWN_LIMIT - 3] + "..."


def profiles_for(accounts, template, skipped=None, parameter="profile_name_template", accounts_parameter="accounts"):
    """One profile per (account, role): dicts with ``name``, ``sso_account_id``
    and ``sso_role_name``, in account then role order. ``accounts`` are dicts
    with ``account_id``, ``account_name`` and ``roles`` (role names).

    With a list ``skipped``, a role the template cannot name (an empty name, the
    name of an earlier one, or ``default``: the user's own default profile) is left out and its reason appended there, so
    that one odd account never stops the others; without it, it raises.
    ``parameter`` names the template, ``accounts_parameter`` where the accounts came
    from (a query), in a :class:`ParameterError`."""

    def problem(error):
        if skipped is None:
            raise error
        skipped.append(str(error))

    check_template(template, parameter)
    profiles = []
    sources = {}
    for account in accounts:
        if not isinstance(account, dict) or not {"account_id", "roles"} <= set(account):
            raise ParameterError(
                accounts_parameter, account, "is not an account: each account needs account_id and roles"
            )
        for role_name in account["roles"]:
            fields = dict(
                account_id=account["account_id"],
                account_name=account.get("account_name") or account["account_id"],
                role_name=role_name,
                role=short_role(role_name),
            )
            name = sanitise(template.format(**fields))
            source = "{0} ({1}) role {2}".format(
                shown(str(fields["account_name"])), shown(str(fields["account_id"])), shown(str(role_name))
            )
            if not name:
                problem(ParameterError(parameter, template, "gives an empty name for {0}".format(source)))
                continue
            if name == DEFAULT_PROFILE:
                # [default] is the user's own: static keys often live there, and a prune would remove it.
                problem(
                    ParameterError(
                        parameter,
                        template,
                        "gives the name 'default' for {0}: the default profile is never a discovered one; "
                        "add {{account_id}} or a prefix to the template".format(source),
                    )
                )
                continue
            if name in sources:
                problem(
                    ParameterError(
                        parameter,
                        template,
                        "names both {0} and {1} {2!r}; add {{account_id}} or {{role_name}} to the template".format(
                            sources[name], source, name
                        ),
                    )
                )
                continue
            sources[name] = source
            profiles.append(dict(name=name, sso_account_id=account["account_id"], sso_role_name=role_name))
    return profiles
