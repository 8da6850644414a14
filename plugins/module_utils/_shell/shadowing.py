# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What shadows the SSO profile: exports in shell rc files and static keys in the
credentials file. Pure logic, no Ansible imports; values are never kept."""

from __future__ import annotations

import configparser
import re

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config_lines import split_lines as config_lines
from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as shell_rc
from ansible_collections.recro.aws_sso.plugins.module_utils._shell.lines import BLANKS, shell_text_lines

STATIC = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
PROFILE_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
CONFIG_VARS = ("AWS_CONFIG_FILE",)
WATCHED = STATIC + PROFILE_VARS + CONFIG_VARS
_NAMES = "|".join(WATCHED)


# Words that start a command without being its name: reserved words and the builtins that
# run the command after them ("builtin export X=1", "! export X=1", "then export X=1").
_PREFIXES = {
    "sh": frozenset(("!", "time", "builtin", "command", "{", "if", "then", "elif", "else", "do", "while", "until")),
    "fish": frozenset(("!", "time", "builtin", "command", "and", "or", "not", "begin", "if", "else", "while")),
}
# Options of those prefixes that still run the command ("time -p export ...").
_PREFIX_OPTIONS = frozenset(("-p",))
# The builtins of bash and zsh that assign, and export with -x (export always).
_DECLARING = frozenset(("export", "declare", "typeset", "local", "readonly"))
# A word that assigns: NAME=value or NAME+=value (quotes already removed).
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?=|\Z)")
# fish's universal variables (~/.config/fish/fish_variables): "SETUVAR --export NAME:value"
# (format 3.0, possibly with --path), "SET_EXPORT NAME:value" (before).
_UNIVERSAL = re.compile(r"^(?:SETUVAR((?:\s+--[a-z]+)*)|SET_EXPORT())\s+(" + _NAMES + r"):")
# A word eval runs as it is: no character a shell splits at, expands, quotes or comments with.
_PLAIN = re.compile(r"[A-Za-z0-9_./:@%+,=-]+")
# What separates two commands (fish: parentheses are a command substitution, part of a word).
_OPERATORS = {"sh": ";&|()", "fish": ";&|"}


def _closing(text, index, opening, closing):
    """The index just after the ``closing`` that matches the ``opening`` at ``index - 1``,
    quotes inside skipped (``$(...)``, ``${...}``); the text's end when there is none."""
    return _end(text, index, [[opening, closing, 1]])


def _quoted_end(text, index, quote, fish=False):
    """The index just after the quote that closes one opened before ``index``: a backslash
    escapes in double quotes and backquotes (and in fish's single quotes), never in sh's
    single quotes; a ``$(`` in double quotes is skipped whole."""
    return _end(text, index, [[quote, quote != "'" or fish]])


def _end(text, index, open_):
    """Where what ``open_`` holds ends in ``text`` read from ``index``: [quote, escapes] and
    [opening, closing, depth], innermost last, each one nested in the one before (a quote in
    $(...), a $(...) in double quotes), on a list rather than the call stack, which deep
    nesting overflowed. Past the text's end when a quote does not end: one past per quote."""
    while open_ and index < len(text):
        char, inner = text[index], open_[-1]
        if len(inner) == 2:  # in a quote
            quote, escapes = inner
            if char == quote:
                open_.pop()
            elif char == "\\" and escapes:
                index += 1
            elif quote == '"' and text.startswith("$(", index):
                open_.append(["(", ")", 1])
                index += 1
        elif char == "\\":
            index += 1
        elif char in "'\"`":
            open_.append([char, char != "'"])
        elif char == inner[0]:
            inner[2] += 1
        elif char == inner[1]:
            inner[2] -= 1
            if not inner[2]:
                open_.pop()
        index += 1
    return index + sum(1 for inner in open_ if len(inner) == 2)


def _tokens(text, shell):
    """The words of ``text`` as ``shell`` splits them, quotes removed, each as (word,
    line number), and None between two commands: a backslash before a line end joins
    the lines, a quote goes on over lines, a word starting with "#" starts a comment."""
    family = "fish" if shell == "fish" else "sh"
    blanks, operators = BLANKS[shell], _OPERATORS[family]
    tokens, word, line, start, index = [], None, 1, 1, 0
    while index < len(text):
        char = text[index]
        if char in blanks or char == "\n" or char in operators:
            if word is not None:
                tokens.append((word, start))
                word = None
            if char == "\n" or char in operators:
                tokens.append(None)
            line += char == "\n"
            index += 1
            continue
        if word is None:
            if char == "#":
                index = text.find("\n", index)
                index = len(text) if index < 0 else index
                continue
            word, start = "", line
        if char == "\\":
            following = text[index + 1 : index + 2]
            line += following == "\n"
            word += "" if following == "\n" else following
            index += 2
            continue
        end = index + 1
        if char in "'\"" or (char == "`" and family == "sh"):
            end = _quoted_end(text, index + 1, char, family == "fish")
            word += _unquoted(text[index + 1 : end - 1], char, family)
        elif text.startswith("$'", index) and family == "sh":
            end = _quoted_end(text, index + 2, "'", True)
            word += text[index + 2 : end - 1]
        elif text.startswith("$(", index) or text.startswith("${", index):
            end = _closing(text, index + 2, text[index + 1], ")" if text[index + 1] == "(" else "}")
            word += text[index:end]
        elif char == "(" and family == "fish":
            end = _closing(text, index + 1, "(", ")")
            word += text[index:end]
        else:
            word += char
        line += text.count("\n", index + 1, end)
        index = end
    if word is not None:
        tokens.append((word, start))
    return tokens


def _unquoted(inner, quote, family):
    """What a quoted part gives its word (escapes of double quotes removed; enough to read a name)."""
    if quote == "'" and family == "sh":
        return inner
    return re.sub(r"\\(.)", r"\1", inner, flags=re.S)


def _commands(text, shell):
    """The simple commands of ``text``: lists of (word, line number), the words that only
    start a command (``!``, ``time``, ``builtin``, ``command``, ``then``...) left out."""
    prefixes = _PREFIXES["fish" if shell == "fish" else "sh"]
    commands, current = [], []
    for token in _tokens(text, shell) + [None]:
        if token is None:
            if current:
                commands.append(current)
            current = []
        elif current or token[0] not in prefixes:
            current.append(token)
    return [_without_prefix_options(command) for command in commands]


def _without_prefix_options(command):
    while command and command[0][0] in _PREFIX_OPTIONS:
        command = command[1:]
    return command


def _options(words):
    """(options, the words after them): options start with - or + and end at "--" or the first other word."""
    for index, (word, _line) in enumerate(words):
        if word == "--":
            return [option for option, _line in words[:index]], words[index + 1 :]
        if len(word) < 2 or word[0] not in "-+":
            return [option for option, _line in words[:index]], words[index:]
    return [option for option, _line in words], []


def _declared(builtin, arguments):
    """What ``export``/``declare``/``typeset``/``local``/``readonly`` of bash or zsh changes:
    every watched name it exports, every profile variable it assigns or stops exporting."""
    options, names = _options(arguments)
    short = "".join(option[1:] for option in options if option.startswith("-") and not option.startswith("--"))
    if "f" in short or "F" in short or ("p" in short and not names):
        return []
    # export -n NAME, or declare/typeset +x NAME: the name stops being exported.
    unexported_by_option = builtin == "export" and "n" in short
    unexporting = unexported_by_option or any("x" in option for option in options if option.startswith("+"))
    exporting = builtin == "export" or "x" in short
    found = []
    for word, line in names:
        match = _ASSIGNMENT.match(word)
        if match is None or match.group(1) not in WATCHED:
            continue
        name = match.group(1)
        if name in PROFILE_VARS if unexporting else exporting or (name in PROFILE_VARS and match.group(2)):
            found.append((line, name))
    return found


def _fish_set(arguments):
    """What fish's ``set`` changes: a watched variable it exports, a profile variable it sets,
    erases or stops exporting (options in any order, before the name or "--")."""
    options, names = _options(arguments)
    letters = "".join(option[1:] for option in options if not option.startswith("--"))
    long_options = set(option[2:] for option in options if option.startswith("--"))
    if set("qnS").intersection(letters) or {"query", "names", "show"} & long_options or not names:
        return []
    variables = [(re.sub(r"\[.*", "", word), line) for word, line in names]
    if "e" in letters or "erase" in long_options:
        return [(line, name) for name, line in variables if name in PROFILE_VARS]
    name, line = variables[0]
    exporting = "x" in letters or "export" in long_options
    if name in WATCHED and exporting or name in PROFILE_VARS:
        return [(line, name)]
    return []


def _changed(command, shell, evaluated=None):
    """(line, name) of each watched variable one simple command changes as ``shell`` runs it.
    An eval's text, with the eval's line, is added to ``evaluated`` for the caller to read (so
    that evals of evals are read in a loop, not by a recursion that deep nesting overflowed);
    without ``evaluated``, it is read here. An eval of plain words runs them as they are: they
    are read as the command, at the eval's line, without splitting their text again."""
    while True:
        assignments = []
        if shell != "fish":
            while command and _ASSIGNMENT.match(command[0][0]) and "=" in command[0][0]:
                assignments.append(command.pop(0))
        if not command:  # plain assignments: the shell's variables, exported when already so
            found = [(line, _ASSIGNMENT.match(word).group(1)) for word, line in assignments]
            return [(line, name) for line, name in found if name in PROFILE_VARS]
        builtin, arguments = command[0][0], command[1:]
        if builtin != "eval":
            break
        line = command[0][1]
        if not all(_PLAIN.fullmatch(word) for word, _l in arguments):
            evaluating = " ".join(word for word, _l in arguments)
            if evaluated is None:
                return [(line, name) for _number, name in exported_names(evaluating, shell)]
            evaluated.append((line, evaluating))
            return []
        prefixes = _PREFIXES["fish" if shell == "fish" else "sh"]
        command = [(word, line) for word, _l in arguments]
        while command and command[0][0] in prefixes:
            command = command[1:]
        command = _without_prefix_options(command)
    if builtin == "export" or (shell != "fish" and builtin in _DECLARING):
        return _declared(builtin, arguments)
    if builtin == "unset" and shell != "fish":
        options, names = _options(arguments)
        return [] if "-f" in options else [(line, word) for word, line in names if word in PROFILE_VARS]
    if builtin == "set":  # fish's; in bash and zsh a set with such words is rare (and harmless here)
        return _fish_set(arguments)
    return []


# A line of a bash login file that reads the rc file (as Debian's ~/.profile reads ~/.bashrc).
_SOURCES = r"(?:^|[\s;&|])(?:\.|source)\s+[\"']?(?:\$HOME|\$\{{HOME\}}|~)/{0}[\"']?(?:\s|;|$)"

EFFECTS = {
    "static_credentials": "static keys in the environment win over every profile: aws uses them, not the SSO role",
    "profile_override": "this later setting replaces the profile our block exports",
    "config_file": "aws reads another config file, which may not hold the SSO profiles",
}
# What static keys of the credentials file do, as botocore (1.34+) and AWS CLI v2 resolve
# credentials: for a profile, its SSO settings in the config file come before the credentials
# file; without a profile (neither AWS_PROFILE nor AWS_DEFAULT_PROFILE set), the keys of
# [default] are used unless [default] is itself an SSO profile.
CREDENTIALS_EFFECTS = {
    "default": (
        "static keys of [default] in the credentials file: aws uses them, not the SSO role, wherever neither "
        "AWS_PROFILE nor AWS_DEFAULT_PROFILE is set (cron jobs, services, programs not started from a login shell)"
    ),
    "profile": (
        "static keys under the profile's own name in the credentials file: aws uses the profile's SSO settings "
        "before them, and these keys instead once the profile has no SSO settings in the config file"
    ),
}
EFFECTS["credentials_file"] = CREDENTIALS_EFFECTS["default"]


def _read_commands(text, shell, evaluated):
    """(lines, changes): the lines of ``text`` (a here-document's emptied) and the (line, name)
    its commands change (:func:`_changed`), evals' texts added to ``evaluated``."""
    lines = shell_text_lines(text)
    if shell != "fish":
        data = [line.encode("utf-8", "surrogateescape") + b"\n" for line in lines]
        skipped = shell_rc.heredoc_lines(data)
        lines = ["" if index in skipped else line for index, line in enumerate(lines)]
    found = []
    for command in _commands("\n".join(lines), shell):
        found.extend(_changed(command, shell, evaluated))
    return lines, found


def exported_names(text, shell="bash"):
    """(line number, variable) for each watched variable exported/set in ``shell``'s ``text``
    (each command as the shell splits its words: quotes, continued lines, any order of the
    options), and each assignment, unset or unexport of a profile variable (which changes the
    value once it is exported). A here-document's lines are data, not commands."""
    evaluated = []  # (line, text) of the evals still to read, each at the line of the outermost
    lines, found = _read_commands(text, shell, evaluated)
    while evaluated:
        line, evaluating = evaluated.pop()
        inner = []
        found.extend((line, name) for _number, name in _read_commands(evaluating, shell, inner)[1])
        evaluated.extend((line, nested) for _number, nested in inner)
    for number, line in enumerate(lines, 1):
        universal = _UNIVERSAL.match(line)
        if universal and (universal.group(2) is not None or "--export" in universal.group(1).split()):
            found.append((number, universal.group(3)))
    unique = []
    for item in sorted(found, key=lambda item: item[0]):
        if item not in unique:
            unique.append(item)
    return unique


def sourcing_line(text, name):
    """The number of the first line of ``text`` that reads ``~/name``, or None."""
    pattern = re.compile(_SOURCES.format(re.escape(name)))
    for number, line in enumerate(shell_text_lines(text), 1):
        if not line.lstrip(BLANKS["bash"]).startswith("#") and pattern.search(line):
            return number
    return None


def rc_conflicts(path, text, block, overrides_after=None, shell="bash"):
    """Conflicts in one rc file of ``shell``; ``block`` is (first, last) line numbers of our block or None.
    A profile setting counts when the shell reads it after our block: after line ``overrides_after``
    (default: the block's last line, or anywhere in a file without it)."""
    if overrides_after is None:
        overrides_after = block[1] if block else 0
    conflicts = []
    for number, name in exported_names(text, shell):
        if block and block[0] <= number <= block[1]:
            continue
        if name in STATIC:
            kind = "static_credentials"
        elif name in CONFIG_VARS:
            kind = "config_file"
        elif number > overrides_after:
            kind = "profile_override"
        else:
            continue
        conflicts.append(dict(path=path, line=number, variable=name, kind=kind, effect=EFFECTS[kind]))
    return conflicts


# configparser's section header, as botocore reads the credentials file: the name is
# what stands between the brackets, spaces included ("[ default ]" is not the default).
_SECTION = configparser.RawConfigParser.SECTCRE
# configparser's section whose keys every other section has unless it sets its own.
_CONFIGPARSER_DEFAULTS = configparser.DEFAULTSECT
_STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


def credentials_conflicts(path, text, profiles):
    """Sections of the credentials file named like ``profiles`` or default holding static
    keys, read as botocore's configparser reads them: ``key = value`` or ``key: value``,
    keys in any case, ``#``/``;`` comment lines, a lone CR ending a line (universal
    newlines), an indented line continuing the value of the key before it in its section
    (when indented deeper than that key: an indented first key is a key), and the keys of
    ``[DEFAULT]`` in every section that lacks its own (reported at the ``[DEFAULT]`` key's line)."""
    keys = {}  # section -> {static key: its line}, sections in file order
    current, key_indent = None, None  # key_indent: the indent of the section's last key
    for number, line in enumerate(config_lines(text), 1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":  # comments and blank lines continue nothing, end nothing
            continue
        indent = re.search(r"\S", line).start()
        if current is not None and key_indent is not None and indent > key_indent:
            continue  # a continuation of the value above
        header = _SECTION.match(stripped)
        if header:
            current, key_indent = header.group("header"), None
            keys.setdefault(current, {})
            continue
        key_indent = indent
        key = re.split(r"[=:]", stripped, maxsplit=1)[0].strip().lower()
        if current is not None and key in _STATIC_KEYS:
            keys[current].setdefault(key, number)
    inherited = keys.pop(_CONFIGPARSER_DEFAULTS, {})
    wanted = set(profiles) | {"default"}
    found = [
        (number, section, key)
        for section, own in keys.items()
        if section in wanted
        for key, number in dict(inherited, **own).items()
    ]
    return [
        dict(
            path=path,
            line=number,
            variable="[{0}] {1}".format(section, key),
            kind="credentials_file",
            effect=CREDENTIALS_EFFECTS["profile" if section in profiles else "default"],
        )
        for number, section, key in sorted(found)
    ]
