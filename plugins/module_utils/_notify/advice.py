# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What to tell a person whose login only a browser can renew: the next step that works on this
host, the warning before refreshing ends, the notification's words, and the key that makes one
notification per expiry. Pure logic and the standard library."""

from __future__ import annotations

from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import login_command
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.token import seconds_left

# The collection's own login, for a host without an AWS CLI v2: make onboard in a checkout of the
# collection, or the playbook it runs.
_OWN_LOGIN_COMMANDS = ("make onboard", "ansible-playbook playbooks/onboard.yml -e recro_sso_login=always")
OWN_LOGIN = "{0} (or: {1})".format(*_OWN_LOGIN_COMMANDS)


def in_backticks(command):
    """``command`` (a next_step() command) for a sentence, each command in backticks: the own
    login's two commands each, never "(or: ...)" inside a command."""
    if command == OWN_LOGIN:
        return "`{0}` (or: `{1}`)".format(*_OWN_LOGIN_COMMANDS)
    return "`{0}`".format(command)


def next_step(session_name, cli):
    """``(command, reason)``: the one command that logs in to ``session_name`` on this host, and
    why it is not the AWS CLI's (None when it is). ``cli``: ``{path, version, major}`` of the
    ``aws`` on the user's PATH, or None without one."""
    if cli and cli.get("major") is not None and cli["major"] >= 2:
        return login_command(session_name), None
    if cli and cli.get("major") == 1:
        reason = "the AWS CLI on your PATH ({0}) is version {1}, which has no `aws sso login`".format(
            cli.get("path"), cli.get("version")
        )
    elif cli:
        reason = "{0} on your PATH did not answer as the AWS CLI does".format(cli.get("path"))
    else:
        reason = "there is no AWS CLI (aws) on your PATH"
    return OWN_LOGIN, reason


def assess(session_name, login, now, window):
    """``(key, text)`` of what the person must be told about ``login`` (``_sso.token.login_state``),
    or ``(None, None)``: a login that is neither usable nor refreshable must be renewed in a browser
    (``key`` names its expiry, so that one expiry is told once); one whose ``ends_at`` (the later of
    the end of refreshing and the token's own expiry) is within ``window`` seconds of ``now`` is
    warned about, once for that end. A login the AWS tools refresh on next use needs nobody."""
    if not login["usable"] and not login["refreshable"]:
        if login["status"] == "missing":
            return "login:none", "You are not logged in to sso-session {0} on this computer.".format(session_name)
        if login["status"] == "invalid":
            # The message names the problem; the key, which is stored, only that there is one.
            return "login:invalid", "The login to sso-session {0} on this computer cannot be used.".format(session_name)
        return "login:{0}".format(login["expires_at"]), "The login to sso-session {0} has ended.".format(session_name)
    end = login.get("ends_at")
    left = seconds_left(login, now)
    if left is None or left > window:
        return None, None
    if login["refreshable"]:
        text = (
            "The login to sso-session {0} can be renewed without a browser until {1}: after that only a new "
            "login in the browser renews it."
        ).format(session_name, login["refresh_until"])
    else:
        text = "The login to sso-session {0} ends at {1}: after that only a new login in the browser renews it.".format(
            session_name, end
        )
    return "warning:{0}".format(login.get("end_key") or end), text


def notification_text(text, command, reason=None):
    """The notification's body: what happened, then the one command to run (and why it is not the
    AWS CLI's). Printable text only: every line break or control character becomes a space."""
    body = "{0} Run: {1}{2}".format(text, command, " ({0})".format(reason) if reason else "")
    return "".join(character if character.isprintable() else " " for character in body)
