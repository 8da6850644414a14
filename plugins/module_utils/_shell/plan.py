# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What aws_sso_shell does to one user's rc files, decided before anything is written.

Pure logic over bytes already read (and callables that read), no Ansible imports:
which shells get the block, what each rc file becomes, and what shadows the profile
in the files each shell reads besides ours."""

from __future__ import annotations

import functools
import os

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as shell_rc
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import shadowing

# Other startup files of each shell, checked for static keys and AWS_CONFIG_FILE (fish also
# reads the other files of its conf.d directory, see startup_file_conflicts).
STARTUP_FILES = {
    "bash": (".bashrc", ".bash_profile", ".bash_login", ".profile"),
    "zsh": (".zshenv", ".zprofile", ".zshrc", ".zlogin"),
    "fish": (".config/fish/config.fish", ".config/fish/fish_variables"),
}
FISH_CONF_D = ".config/fish/conf.d"
# The login files bash reads, the first that exists only.
BASH_LOGIN_FILES = (".bash_profile", ".bash_login", ".profile")


def select_shells(
    requested, login_shell, present, home, platform, exists=os.path.exists, lexists=os.path.lexists, rc_files=None
):
    """The shells whose rc file the run considers: ``requested`` (all three when empty);
    to add the block, the requested ones that are the login shell or in use (their rc
    file, or fish's directory, exists) unless some were named; to remove it, those whose
    rc file exists. ``rc_files``: shell_rc.rc_files() as the user's files set them (zsh's
    ZDOTDIR), default the platform's."""
    candidates = list(requested) or list(shell_rc.SHELLS)
    if not present:
        rc_files = rc_files or shell_rc.rc_files(platform)
        return [shell for shell in candidates if lexists(os.path.join(home, rc_files[shell]))]
    if requested:
        return list(requested)
    # zsh is in use where its .zshrc is (under ZDOTDIR when ~/.zshenv sets it).
    markers = dict(shell_rc.shell_markers(platform), **({"zsh": rc_files["zsh"]} if rc_files else {}))
    in_use = [shell for shell in candidates if exists(os.path.join(home, markers[shell]))]
    return [shell for shell in shell_rc.SHELLS if shell == login_shell or shell in in_use]


def action_of(before, after, present, path="rc file", shell="bash"):
    """What a run does to ``shell``'s file ``path``: added, updated, removed or unchanged
    (the block found by that shell's rules: fish has no here-documents)."""
    if after == before:
        return "unchanged"
    if before is None or shell_rc.block_position(before, path, shell) is None:
        return "added"
    return "updated" if present else "removed"


def plan_file(shell, path, before, block, move_block_to_win=False, scan=True):
    """``(after, action, conflicts)`` for one rc file whose content is ``before`` (None:
    no file): ``block`` (lines, or None to remove it) placed, moved to the end when a
    later line overrides the profile and ``move_block_to_win``; the conflicts found in
    the result when ``scan``. Raises ``UnprovenBlock`` for marker lines that are not
    one block of ours."""
    after = shell_rc.place_block(before, block, path=path, shell=shell)
    action = action_of(before, after, block is not None, path, shell)
    if not (scan or move_block_to_win):
        return after, action, []
    conflicts = _conflicts(path, after, shell)
    if block is not None and move_block_to_win and any(c["kind"] == "profile_override" for c in conflicts):
        after = shell_rc.place_block(after, block, at_end=True, path=path, shell=shell)
        action = "moved" if action == "unchanged" else action
        conflicts = _conflicts(path, after, shell)
    return after, action, conflicts if scan else []


def _conflicts(path, data, shell):
    text = (data or b"").decode("utf-8", "replace")
    return shadowing.rc_conflicts(path, text, shell_rc.block_position(data, path, shell), shell=shell)


def startup_file_conflicts(
    home, shells, platform, planned_paths, read, exists=os.path.exists, listdir=os.listdir, rc_files=None
):
    """What shadows the profile in the other startup files of ``shells`` (not those in
    ``planned_paths``, already scanned); ``read(path)`` gives a file's bytes or None.
    ``rc_files`` as for select_shells()."""
    rc_files = rc_files or shell_rc.rc_files(platform)
    bash_login_file = next((name for name in BASH_LOGIN_FILES if exists(os.path.join(home, name))), None)
    conflicts = []
    for shell in shells:
        for name in _startup_names(shell, rc_files) + (
            _other_conf_d_files(home, rc_files, listdir) if shell == "fish" else ()
        ):
            path = os.path.join(home, name)
            if path in planned_paths:
                continue
            data = read(path)
            if data is None:
                continue
            text = data.decode("utf-8", "replace")
            # A login bash reads the first of its login files; what that file sets after the
            # line reading ~/.bashrc comes after our block.
            login_file = shell == "bash" and rc_files["bash"] == ".bashrc" and name == bash_login_file
            overrides_after = (shadowing.sourcing_line(text, ".bashrc") or 0) if login_file else None
            found = shadowing.rc_conflicts(path, text, None, overrides_after, shell)
            wins = login_file or _read_after_ours(shell, name, rc_files)
            conflicts.extend(c for c in found if wins or c["kind"] != "profile_override")
    return conflicts


def fish_name_order(first, second):
    """-1, 0 or 1 as fish orders two file names of a glob (conf.d/*.fish), its wcsfilecmp_glob:
    letters compared as their lower case, runs of digits as numbers (leading zeros ignored,
    9 before 10), names equal so far by code point ("A9" before "a9", "010" before "10"),
    and a name that is the start of another first."""
    i = j = 0
    while i < len(first) and j < len(second):
        if first[i] in _DIGITS and second[j] in _DIGITS:
            i_end, j_end = _digits_end(first, i), _digits_end(second, j)
            numbers = int(first[i:i_end]), int(second[j:j_end])
            if numbers[0] != numbers[1]:
                return -1 if numbers[0] < numbers[1] else 1
            i, j = i_end, j_end
            continue
        left, right = _lower(first[i]), _lower(second[j])
        if left != right:
            return -1 if left < right else 1
        i, j = i + 1, j + 1
    if i < len(first) or j < len(second):
        return 1 if i < len(first) else -1
    return (first > second) - (first < second)


_DIGITS = "0123456789"


def _digits_end(name, start):
    while start < len(name) and name[start] in _DIGITS:
        start += 1
    return start


def _lower(char):
    """towlower: one character for one (Python's lower may give two)."""
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _startup_names(shell, rc_files):
    """STARTUP_FILES of ``shell``, relative to the home; zsh reads all but .zshenv from the
    directory its .zshrc is in (ZDOTDIR, which ~/.zshenv sets)."""
    if shell != "zsh":
        return STARTUP_FILES[shell]
    directory = os.path.dirname(rc_files["zsh"])
    return (".zshenv",) + tuple(os.path.join(directory, name) for name in STARTUP_FILES["zsh"][1:])


def _other_conf_d_files(home, rc_files, listdir):
    try:
        names = sorted(listdir(os.path.join(home, FISH_CONF_D)), key=functools.cmp_to_key(fish_name_order))
    except OSError:
        return ()
    ours = os.path.basename(rc_files["fish"])
    return tuple(FISH_CONF_D + "/" + name for name in names if name.endswith(".fish") and name != ours)


def _read_after_ours(shell, name, rc_files):
    """Whether the shell reads ``name`` after our rc file, so that its profile settings win:
    zsh's .zlogin (after .zshrc, in a login shell); fish's config.fish (after conf.d) and
    conf.d files fish sorts after ours (:func:`fish_name_order`). A fish universal variable (fish_variables) loses to
    our global one; .zshenv and .zprofile come before .zshrc; elsewhere the order is unknown."""
    if shell == "zsh":
        return os.path.basename(name) == ".zlogin"
    if shell != "fish":
        return False
    if name.startswith(FISH_CONF_D + "/"):
        return fish_name_order(os.path.basename(name), os.path.basename(rc_files["fish"])) > 0
    return name == ".config/fish/config.fish"


def conflict_message(conflict):
    return "{path}:{line}: {variable} ({kind}): {effect}".format(**conflict)
