# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The managed block that exports the default profile in shell rc files.

Pure logic, no Ansible imports. The block text and its placement are those of
``ansible.builtin.blockinfile`` as roles/recro_sso/tasks/shell.yml used it in
0.1.0 (marker, append at the end of the file when new, replace in place), so
a file written by 0.1.0 is unchanged. Unlike blockinfile:

- a block is changed only when it is provably ours: one BEGIN and one END marker
  line, in that order, both lines the shell reads as lines of their own (not inside a
  here-document, a quoted string or a substitution that spans lines, nor in an if, loop,
  function or other compound command the shell may never run: :func:`unread_lines`),
  with only lines a block of ours holds between them; any other arrangement is refused
  (:class:`UnprovenBlock`), naming the lines (never showing what lies between the
  markers: it may be a secret), and the file is left as it was;
- lines end where the shells end them, at LF only (:mod:`lines`): blockinfile also
  breaks at a lone CR, so a marker after one passed for a line of its own, and the
  line numbers drifted from those the shells (and the scan of what shadows) count;
- removing an absent block leaves the file untouched (blockinfile adds a missing
  final newline);
- the block's lines always end in LF, the one line end every shell reads: in a
  CRLF file a CRLF block made zsh and bash export ``name\r``.
"""

from __future__ import annotations

import os
import re
import shlex

from ansible_collections.recro.aws_sso.plugins.module_utils._common.errors import FileError
from ansible_collections.recro.aws_sso.plugins.module_utils._shell.lines import BLANKS, content, shell_lines
from ansible_collections.recro.aws_sso.plugins.module_utils._sso.session import login_command

SHELLS = ("bash", "zsh", "fish")
MARKER = "# {mark} recro.aws_sso: AWS default profile"
BEGIN = MARKER.format(mark="BEGIN")
END = MARKER.format(mark="END")


class UnreadPlace(FileError):
    """Where the block would go, the shell would not read it: the file ends inside a
    here-document, a quoted string or a substitution, or in a backslash that continues
    its last line (:func:`unread_lines`)."""

    def __init__(self, path, line, shell, why=None):
        why = why or HEREDOC
        if why == CONTINUED:
            where, remedy = "continues the file's last line, which ends in a backslash,", "remove that backslash"
        else:
            where, remedy = "is inside a {0} that does not end,".format(why), "end the {0}".format(why.split(",")[0])
        super().__init__(
            22,  # EINVAL
            "line {0}, where the block would go, {1} so {2} would not read it: the file was not changed; "
            "{3} first".format(line, where, shell, remedy),
            path,
        )


class UnprovenBlock(FileError):
    """The rc file's marker lines do not make one block the module can prove its own."""

    def __init__(self, path, problem):
        super().__init__(
            22,  # EINVAL
            "{0}: the managed block cannot be told apart from lines written by hand, so the file was "
            "not changed; leave exactly one BEGIN and one END marker line, in that order, as lines the shell "
            "reads on their own (outside any here-document, quoted string or substitution), with only the "
            "module's lines between them (or remove them all)".format(problem),
            path,
        )


class UnresolvedZdotdir(FileError):
    """~/.zshenv sets ZDOTDIR in a form whose value the module cannot tell without running
    zsh, or to a directory outside the home: where zsh reads its .zshrc is unknown."""

    def __init__(self, path, line, outside=False):
        super().__init__(
            22,  # EINVAL
            "line {0} sets ZDOTDIR, the directory zsh reads .zshrc from, {1}, so the module cannot tell which "
            ".zshrc zsh reads: nothing was changed; set it on a line of its own as ZDOTDIR=$HOME/dir (or "
            "~/dir, or a path in the home), or leave zsh out of O(shells)".format(
                line, "to a directory outside the home" if outside else "in a form the module does not resolve"
            ),
            path,
        )


# A line that names ZDOTDIR, and the assignments the module resolves: the whole line (but its
# blanks, a final ; and a comment after them) is [export|typeset -x|declare -x] ZDOTDIR=$HOME/dir,
# ${HOME}/dir, ~/dir or /dir, each but ~ optionally in double quotes, dir of characters no shell
# expands or splits at. A line that only reads ZDOTDIR ($ZDOTDIR, ${ZDOTDIR}, ${ZDOTDIR:-...})
# sets nothing: ${ZDOTDIR=...} and ${ZDOTDIR:=...} assign, and are no such reading.
_ZDOTDIR_NAMED = re.compile(rb"\bZDOTDIR\b")
_ZDOTDIR_READ = re.compile(rb"\$ZDOTDIR\b|\$\{ZDOTDIR(?:\}|:?[-+?])")
_ZDOTDIR_END = rb"[ \t]*(?:;[ \t]*)?(?:(?<=[ \t;])#.*)?"
_ZDOTDIR_DECLARE = rb"(?:export|(?:typeset|declare)(?:[ \t]+-[gx]+)*)"
_ZDOTDIR_EXPORTED = re.compile(rb"[ \t]*export[ \t]+ZDOTDIR" + _ZDOTDIR_END, re.DOTALL)
_ZDOTDIR_SET = re.compile(
    rb"[ \t]*(?:" + _ZDOTDIR_DECLARE + rb"[ \t]+)?ZDOTDIR="
    rb"(?:(?P<q>\"?)(?P<base>\$HOME|\$\{HOME\}|)(?P<path>/[\w@%+=:,./-]*|)(?P=q)|~(?P<tilde>/[\w@%+=:,./-]*|))"
    + _ZDOTDIR_END,
    re.DOTALL,
)


def zdotdir(home, zshenv, path="~/.zshenv"):
    """The directory zsh reads .zshrc from, relative to ``home`` ("" for the home itself), as
    ``zshenv`` (the bytes of ~/.zshenv, or None) sets ZDOTDIR. Raises :class:`UnresolvedZdotdir`,
    naming the line, when a line names ZDOTDIR in any other way than those :data:`_ZDOTDIR_SET`
    resolves (or ``export ZDOTDIR``), or than reading it (:data:`_ZDOTDIR_READ`), or sets it
    outside ``home`` (root never follows it there).
    Only ~/.zshenv is read: a ZDOTDIR set by /etc/zsh/zshenv is not seen."""
    lines = shell_lines(zshenv or b"")
    unread = unread_lines(lines, "zsh")
    found = ""
    for index, line in enumerate(lines):
        text = content(line)
        assigns = _ZDOTDIR_NAMED.search(_ZDOTDIR_READ.sub(b"", text))
        # A ZDOTDIR set in an if (or another compound command) is taken as set: zsh users guard
        # it with a test that holds on their machine ([[ -d ~/.config/zsh ]]).
        if index in unread and unread[index] != COMPOUND:
            if assigns:
                raise UnresolvedZdotdir(path, index + 1)
            continue
        if text.lstrip(b" \t").startswith(b"#") or not assigns:
            continue
        if _ZDOTDIR_EXPORTED.fullmatch(text):
            continue
        assigned = _ZDOTDIR_SET.fullmatch(text)
        if assigned is None or (
            not assigned.group("base") and assigned.group("tilde") is None and not assigned.group("path")
        ):
            raise UnresolvedZdotdir(path, index + 1)
        if assigned.group("tilde") is not None or assigned.group("base"):
            directory = home + (assigned.group("tilde") or assigned.group("path") or b"").decode()
        else:
            directory = assigned.group("path").decode()
        directory = os.path.normpath(directory)
        if directory != os.path.normpath(home) and not directory.startswith(os.path.normpath(home) + os.sep):
            raise UnresolvedZdotdir(path, index + 1, outside=True)
        found = os.path.relpath(directory, home) if directory != os.path.normpath(home) else ""
    return found


def rc_files(platform, home=None, read=None):
    """Shell -> rc file relative to the home (vars/Linux.yml, vars/Darwin.yml, vars/main.yml).
    With ``home`` and ``read`` (path -> bytes or None), zsh's is $ZDOTDIR/.zshrc when
    ~/.zshenv sets ZDOTDIR (:func:`zdotdir`)."""
    files = {
        "bash": ".bash_profile" if platform == "Darwin" else ".bashrc",
        "zsh": ".zshrc",
        "fish": ".config/fish/conf.d/recro_sso.fish",
    }
    if home is not None and read is not None:
        zshenv = os.path.join(home, ".zshenv")
        directory = zdotdir(home, read(zshenv), zshenv)
        if directory:
            files["zsh"] = directory + "/.zshrc"
    return files


def shell_markers(platform):
    """Shell -> the path (relative to the home) whose existence shows the shell is in use."""
    return dict(rc_files(platform), fish=".config/fish")


def fish_quote(value):
    """``value`` in single quotes as fish reads it (backslash escapes ``'`` and ``\\``)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def exports(export_aws_profile, config_file=None):
    """The variables the block exports, in the order it exports them: the default profile's two
    (``AWS_PROFILE`` unless not asked for), and ``AWS_CONFIG_FILE`` with a ``config_file``."""
    names = ["AWS_DEFAULT_PROFILE"] + (["AWS_PROFILE"] if export_aws_profile else [])
    return names + (["AWS_CONFIG_FILE"] if config_file is not None else [])


def exported_values(profile, export_aws_profile=True, config_file=None):
    """``{variable: value}`` of what the block exports (:func:`exports`)."""
    return dict(
        (name, config_file if name == "AWS_CONFIG_FILE" else profile)
        for name in exports(export_aws_profile, config_file)
    )


def render_block(shell, profile, session_name, export_aws_profile=True, config_file=None):
    """The block's lines between the markers, without line ends (as the role's template).
    ``config_file``: also export ``AWS_CONFIG_FILE``, the config that holds the profile."""
    lines = [
        "# The profile aws and the AWS SDKs use without --profile.",
        "# Sign in with: " + login_command(session_name or ""),
    ]
    for name, value in exported_values(profile, export_aws_profile, config_file).items():
        if shell == "fish":
            # 0.1.0 wrote '{{ profile }}': the same bytes for every valid profile name.
            lines.append("set -gx {0} {1}".format(name, fish_quote(value)))
        else:
            lines.append("export {0}={1}".format(name, shlex.quote(value)))
    return lines


# One part of a shell word: '...', "...", a backslash and the character it quotes, or
# characters that are no metacharacter (a CR is none: it belongs to the word).
_WORD_PART = re.compile(rb"'([^']*)'|\"((?:[^\"\\]|\\.)*)\"|\\(.)|([^ \t\n|&;()<>'\"\\]+)")

# Why the shell does not read a line as a command line of its own (see :func:`unread_lines`).
HEREDOC = "here-document"
QUOTED = "quoted string"
NESTED = "subshell, substitution or arithmetic expression"
CONTINUED = "continued line"
COMPOUND = "compound command (if, case, loop, function or group), which the shell may not run"

# What the lexer is inside of, innermost last: quotes ('...', "...", $'...'), command
# contexts where commands, comments and here-documents are read ( (...) $(...) `...` ), and
# expressions where none is: $((...)) and ((...)) (a << there is a shift), $[...], ${...}, and
# a ( in the middle of a word: a glob group or qualifier of zsh (*(#qN), a(b|c)), an extglob
# pattern of bash (@(a|b)), where a # is no comment and a ) ends no command.
_SQ, _DQ, _ANSI, _PAREN, _BACKTICK, _ARITH, _BRACKET, _BRACE, _GLOB = range(9)
_EXPRESSIONS = {_ARITH: (b"(", b")"), _BRACKET: (b"[", b"]"), _BRACE: (b"{", b"}"), _GLOB: (b"(", b")")}
# Words after which a command's name is still to come (zsh reads a ( there as a subshell, and a
# ( after its name, as in "ls (#i)*.jpg", as a glob with flags); and an assignment word.
_RESERVED = frozenset(
    b"! { } if then else elif fi do done while until for case esac select function time coproc "
    b"repeat foreach end nocorrect noglob [[".split()
)
# The reserved words that open and close a compound command, read where a command's name is due
# (bash and zsh: a loop's body from do to done; { and } wherever they are words of their own,
# since a function's body is a { after its name). A zsh short form (if [[ x ]] { ... }, a loop
# without do) leaves the count unbalanced, and an unbalanced count is not used (unread_lines).
_OPENS = {"sh": frozenset(b"if case do {".split()), "fish": frozenset(b"if for while function begin switch".split())}
_CLOSES = {"sh": frozenset(b"fi esac done }".split()), "fish": frozenset([b"end"])}
_BRACES = frozenset(b"{ }".split())
# fish words after which a command's name is still to come.
_FISH_PREFIXES = frozenset(b"and or not else begin command builtin".split())
_ASSIGNS = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\[[^]]*\])?\+?=.*", re.DOTALL)
# The word before a ( that opens an array assignment: name=( or name+=( (zsh: name[i]=( too).
_ARRAY = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\[[^]]*\])?\+?=")
_QUOTES = (_SQ, _DQ, _ANSI)
_COMMANDS = (_PAREN, _BACKTICK)


def _delimiter(text, start):
    """(delimiter, end): the here-document delimiter of the word at ``start`` of ``text``,
    quotes removed (None when there is no word), and where the word ends."""
    parts = []  # joined once: adding to bytes part by part took quadratic time on a long word
    end = start
    part = _WORD_PART.match(text, start)
    while part:
        parts.append(next(group for group in part.groups() if group is not None))
        end = part.end()
        part = _WORD_PART.match(text, end)
    return b"".join(parts) or None, end


class _Lexer(object):
    """Reads shell text line by line as bash and zsh (or fish) split it into words: where
    quotes, substitutions and arithmetic open and close, comments and here-documents.
    Not a parser: enough to tell whether a line starts where the shell reads a command."""

    def __init__(self, shell):
        self.fish = shell == "fish"
        self.zsh = shell == "zsh"
        self.blanks = BLANKS[shell].encode()
        # [context, depth, word_start after it, (word_from, named) before it] of what is open, innermost last
        self.stack = []
        self.pending = []  # (strip tabs, delimiter) of here-documents opened, body not yet started
        self.continued = False  # the last line ended in a backslash that joins the next one to it
        self.word_start = True  # the next character would start a word (a # there starts a comment)
        self.word_from = None  # where the word being read started on the line (None: unknown)
        self.named = False  # the command being read has its name: a word now is an argument
        self.last_word = None  # the word before the one being read, in this command
        kind = "fish" if self.fish else "sh"
        self.opens, self.closes = _OPENS[kind], _CLOSES[kind]
        self.depth = 0  # compound commands open at the top level (see _word_ended)
        self.unbalanced = False  # a compound command closed that none opened: the count is off

    def state(self):
        """Why the next line is not one the shell reads as a command line of its own, or None."""
        if self.stack:
            return QUOTED if self.stack[-1][0] in _QUOTES else NESTED
        return CONTINUED if self.continued else None

    def in_commands(self):
        return not self.stack or self.stack[-1][0] in _COMMANDS

    def line(self, text, ends):
        """Read the line ``text`` (without its LF; ``ends``: an LF followed it). Returns the
        here-documents whose bodies start on the next line."""
        self.word_from = None
        if not self.continued:
            self.word_start, self.named, self.last_word = True, False, None
        elif self.fish and text.lstrip(self.blanks).startswith(b"#"):
            return []  # fish joins the lines around a comment line to the continued one
        self.continued = False
        i, size = 0, len(text)
        while i < size:
            context = self.stack[-1][0] if self.stack else None
            if context in _QUOTES:
                i = self._quoted(text, i, context)
            elif context in _EXPRESSIONS:
                i = self._expression(text, i, context)
            else:
                i = self._command(text, i)
                if i is None:  # a comment: the rest of the line is not read
                    break
        if i is not None and not self.continued and not self.stack and not self.word_start:
            self._word_ended(text[self.word_from :] if self.word_from is not None else b"")
        if not ends or self.continued or not self.in_commands():
            return []
        started, self.pending = self.pending, []
        return started

    def _word_ended(self, word):
        """A word of a command context ends: is it the command's name, and does it open or
        close a compound command at the top level (counted in ``depth``)?"""
        if not self.stack:
            due = not self.named  # where a command's name is due, a reserved word is one
            if word in self.opens and (due or word in _BRACES) and not (self.fish and self.last_word == b"else"):
                self.depth += 1
            elif word in self.closes and (due or word in _BRACES):
                self.unbalanced = self.unbalanced or not self.depth
                self.depth = max(self.depth - 1, 0)
        prefix = word in _RESERVED or (self.fish and word in _FISH_PREFIXES) or _ASSIGNS.fullmatch(word)
        self.named = self.named or not prefix
        self.last_word = word

    def _open(self, context, i, width, after=False):
        """Open ``context`` at ``i`` (``width`` characters). ``after``: whether the character after
        its end starts a word: after a subshell's ) it does, after $(...) or `...` the word goes on
        ("$(true)#x" is one word in bash and zsh). Commands in it start a word: "$(# ...".
        """
        self.stack.append([context, 0, after, (self.word_from, self.named)])
        if context in _COMMANDS:
            self.word_start, self.named = True, False
        return i + width

    def _close(self):
        """Close the innermost context; the next character starts a word as it opened it to."""
        _context, _depth, self.word_start, (self.word_from, self.named) = self.stack.pop()

    def _dollar(self, text, i, quoted=False):
        """Where a $ construct at ``i`` opened one (the index after it), or None. ``quoted``:
        in double quotes, where $' is a $ and a quote (no $'...' quoting)."""
        follows = text[i + 1 : i + 3]
        if self.fish:
            return self._open(_PAREN, i, 2) if follows[:1] == b"(" else None
        if follows == b"((":
            return self._open(_ARITH, i, 3)
        if follows[:1] == b"(":
            return self._open(_PAREN, i, 2)
        if follows[:1] == b"{":
            return self._open(_BRACE, i, 2)
        if follows[:1] == b"[":
            return self._open(_BRACKET, i, 2)
        if follows[:1] == b"'" and not quoted:
            return self._open(_ANSI, i, 2)
        return None

    def _quoted(self, text, i, context):
        char = text[i : i + 1]
        if char == b"\\" and (context != _SQ or self.fish):
            return i + 2  # escaped (bash and zsh read none in '...'; fish \' and \\)
        if char == (b'"' if context == _DQ else b"'"):
            self.stack.pop()
            return i + 1
        if context == _DQ:
            if char == b"$":
                opened = self._dollar(text, i, quoted=True)
                if opened is not None:
                    return opened
            elif char == b"`" and not self.fish:
                return self._open(_BACKTICK, i, 1)
        return i + 1

    def _expression(self, text, i, context):
        char = text[i : i + 1]
        if char == b"\\":
            return i + 2
        if char in (b"'", b'"'):
            return self._open(_SQ if char == b"'" else _DQ, i, 1)
        if char == b"`":
            return self._open(_BACKTICK, i, 1)
        if char == b"$":
            opened = self._dollar(text, i)
            if opened is not None:
                return opened
        top = self.stack[-1]
        opening, closing = _EXPRESSIONS[context]
        if char == opening:
            top[1] += 1
        elif char == closing:
            if top[1]:
                top[1] -= 1
            else:
                self.stack.pop()
                # $(( and (( end at )): the second ) is theirs
                return i + (2 if context == _ARITH and text[i + 1 : i + 2] == b")" else 1)
        return i + 1

    def _command(self, text, i):
        """Read one character (or construct) of a command context; None at a comment."""
        char = text[i : i + 1]
        word_start, self.word_start = self.word_start, False
        if char in self.blanks or char in b";&|<>)" or (char == b"(" and (word_start or self.fish)):
            self.word_start = True
            if not word_start and self.word_from is not None:  # a word ends: the command's name?
                self._word_ended(text[self.word_from : i])
            if char in b";&|":
                self.named, self.last_word = False, None
        elif word_start:
            self.word_from = i
        if char in self.blanks:
            return i + 1
        if char == b"#" and word_start:
            return None
        if char == b"\\":
            if i + 1 == len(text):
                self.continued, self.word_start = True, word_start
            return i + 2
        if char in (b"'", b'"'):
            return self._open(_SQ if char == b"'" else _DQ, i, 1)
        if char == b"$":
            opened = self._dollar(text, i)
            return i + 1 if opened is None else opened
        if char == b"(":
            if self.fish:
                return self._open(_PAREN, i, 1)  # a command substitution, part of its word
            if word_start and text[i + 1 : i + 2] == b"(":
                return self._open(_ARITH, i, 2)  # the (( arithmetic command
            if word_start and not (self.zsh and self.named and text[i + 1 : i + 2] == b"#"):
                return self._open(_PAREN, i, 1, after=True)  # a subshell
            word = text[self.word_from : i] if self.word_from is not None and not word_start else b""
            if _ARRAY.fullmatch(word):
                # An array's words, where a # starts a comment; after its ), zsh starts a word, bash goes on.
                return self._open(_PAREN, i, 1, after=self.zsh)
            # In a word: a glob group or qualifier (zsh: *(#qN)), an extglob pattern (bash: @(a|b));
            # or zsh's glob flags starting an argument: ls (#i)*.jpg.
            self.word_start = False
            if word_start:
                self.word_from = i
            return self._open(_GLOB, i, 1)
        if char == b")":
            if self.stack and self.stack[-1][0] == _PAREN:
                self._close()
            else:
                self.named = False  # a case pattern's ): its command comes next
            return i + 1
        if char == b"`" and not self.fish:
            if self.stack and self.stack[-1][0] == _BACKTICK:
                self._close()
                return i + 1
            return self._open(_BACKTICK, i, 1)
        if char == b"<" and not self.fish:
            if text[i : i + 3] == b"<<<":
                self.word_start = True
                return i + 3  # a here-string
            if text[i : i + 2] == b"<<":
                start = i + 2
                strip_tabs = text[start : start + 1] == b"-"
                start += strip_tabs
                while text[start : start + 1] in (b" ", b"\t"):
                    start += 1
                delimiter, end = _delimiter(text, start)
                if delimiter is not None:
                    self.pending.append((strip_tabs, delimiter))
                self.word_start = end == start
                return end if delimiter is not None else start
        return i + 1


def unread_lines(lines, shell="bash"):
    """Index -> why the shell does not read that line of ``lines`` (with their ends,
    :func:`shell_lines`) as a command line of its own: it is in a here-document
    (:data:`HEREDOC`), starts inside a quoted string that an earlier line opened
    (:data:`QUOTED`: '...', "...", $'...'; fish's '...' and "..." with its backslashes),
    inside a subshell, command substitution or arithmetic expression (:data:`NESTED`),
    or continues a line that ends in a backslash (:data:`CONTINUED`). A line inside a
    compound command (if ... fi, case ... esac, a loop's do ... done, a { } group or a
    function's body; fish's if, for, while, switch, begin and function ... end) is read
    only when the shell runs that command, if ever (:data:`COMPOUND`): told only when
    the file's compound commands open and close in balance as the module counts them,
    since it reads no zsh short forms. Lines the shell reads as its own are not keys.
    fish has no here-documents."""
    lexer = _Lexer(shell)
    bodies = []  # (strip leading tabs, delimiter) of the here-documents being read
    unread = {}
    compound = []  # lines read at the top level with a compound command open
    for index, line in enumerate(lines):
        text = line[:-1] if line.endswith(b"\n") else line
        if bodies:
            unread[index] = HEREDOC
            strip_tabs, delimiter = bodies[0]
            if (text.lstrip(b"\t") if strip_tabs else text) == delimiter:
                bodies.pop(0)
            continue
        why = lexer.state()
        if why is not None:
            unread[index] = why
        elif lexer.depth:
            compound.append(index)
        bodies.extend(lexer.line(text, line.endswith(b"\n")))
    if not lexer.depth and not lexer.unbalanced:
        unread.update((index, COMPOUND) for index in compound)
    return unread


def heredoc_lines(lines):
    """The indexes of ``lines`` (with their ends, :func:`shell_lines`) that sh, bash
    and zsh read as the body or delimiter of a here-document. A delimiter is compared with
    the line as the shell reads it: in a CRLF file, ``<<EOF`` ends at ``EOF<CR>``."""
    return set(index for index, why in unread_lines(lines).items() if why == HEREDOC)


# shlex.quote leaves words of these characters as they are, and single-quotes any other.
_SHLEX_SAFE = re.compile(r"[\w@%+=:,./-]+", re.ASCII)
_EXPORT = {
    "sh": re.compile(r"export (AWS_DEFAULT_PROFILE|AWS_PROFILE|AWS_CONFIG_FILE)=(.*)", re.DOTALL),
    "fish": re.compile(r"set -gx (AWS_DEFAULT_PROFILE|AWS_PROFILE|AWS_CONFIG_FILE) (.*)", re.DOTALL),
}
_SIGN_IN = "# Sign in with: aws sso login"


def _shlex_quoted(word):
    """Whether ``word`` is what shlex.quote makes of some value."""
    if _SHLEX_SAFE.fullmatch(word):
        return True
    if len(word) < 2 or not (word.startswith("'") and word.endswith("'")):
        return False
    return shlex.quote(word[1:-1].replace("'\"'\"'", "'")) == word


def _fish_quoted(word):
    """Whether ``word`` is what :func:`fish_quote` makes of some value."""
    if len(word) < 2 or not (word.startswith("'") and word.endswith("'")):
        return False
    return fish_quote(re.sub(r"\\(.)", r"\1", word[1:-1], flags=re.DOTALL)) == word


def _block_line_rank(line, shell):
    """Where ``line`` (text, no line end) stands in a block :func:`render_block` makes
    for ``shell`` with any profile, session and config file (so in any block this module
    or 0.1.0's template wrote), or None when it makes no such line."""
    if line == "# The profile aws and the AWS SDKs use without --profile.":
        return 0
    if line == _SIGN_IN:
        return 1
    if line.startswith(_SIGN_IN + " --sso-session "):
        # login_command quotes the name; 0.1.0's template wrote it as it was, or nothing.
        name = line[len(_SIGN_IN + " --sso-session ") :]
        return 1 if not name or _shlex_quoted(name) or not re.search(r"\s", name) else None
    export = _EXPORT["fish" if shell == "fish" else "sh"].fullmatch(line)
    if export is None:
        return None
    name, value = export.groups()
    if not (_fish_quoted(value) if shell == "fish" else _shlex_quoted(value)):
        return None
    return 2 + ["AWS_DEFAULT_PROFILE", "AWS_PROFILE", "AWS_CONFIG_FILE"].index(name)


def foreign_block_lines(lines, begin, end, shell="bash"):
    """The indexes of ``lines`` between the markers at ``begin`` and ``end`` that no block
    of ours holds there: a line of another shape, or one out of the block's order or again."""
    foreign, last = [], -1
    for index in range(begin + 1, end):
        rank = _block_line_rank(content(lines[index]).decode("utf-8", "replace"), shell)
        if rank is None or rank <= last:
            foreign.append(index)
        else:
            last = rank
    return foreign


def _numbers(indexes):
    return ", ".join(str(index + 1) for index in indexes) or "none"


def find_block(lines, path="rc file", shell="bash"):
    """(begin, end) indexes of our marker lines in ``lines`` (:func:`shell_lines`), or None
    when there are none. Raises :class:`UnprovenBlock`, naming the lines, for any other
    arrangement: several BEGIN or END lines, one without the other, END before BEGIN,
    a marker line the shell does not read as a line of its own (:func:`unread_lines`:
    in a here-document, a quoted string, a substitution, a continued line), or lines
    between the markers that no block of ours holds (not shown: they may be secrets)."""
    begins, ends = [], []
    for index, line in enumerate(lines):
        if content(line) == BEGIN.encode():
            begins.append(index)
        elif content(line) == END.encode():
            ends.append(index)
    if not begins and not ends:
        return None
    unread = unread_lines(lines, shell)
    hidden = {}
    for index in sorted(begins + ends):
        if index in unread:
            hidden.setdefault(unread[index], []).append(index)

    if hidden:
        problem = "; ".join(
            "marker line(s) {0} (line {1})".format(
                "continuing a line that ends in a backslash" if why == CONTINUED else "inside a " + why,
                _numbers(indexes),
            )
            for why, indexes in hidden.items()
        )
    elif len(begins) != 1 or len(ends) != 1:
        problem = "{0} BEGIN marker line(s) (line {1}) and {2} END marker line(s) (line {3})".format(
            len(begins), _numbers(begins), len(ends), _numbers(ends)
        )
    elif begins[0] > ends[0]:
        problem = "the END marker (line {0}) comes before the BEGIN marker (line {1})".format(
            ends[0] + 1, begins[0] + 1
        )
    else:
        foreign = foreign_block_lines(lines, begins[0], ends[0], shell)
        if not foreign:
            return begins[0], ends[0]
        problem = (
            "line(s) {0} between the markers (line {1}, {2}) are not lines the module writes there "
            "(their content is not shown; move them out of the block)".format(
                _numbers(foreign), begins[0] + 1, ends[0] + 1
            )
        )
    raise UnprovenBlock(path, problem)


def place_block(original, block_lines, at_end=False, path="rc file", shell="bash"):
    """The file content with the block present (``block_lines`` not None) or absent,
    by blockinfile's algorithm (insertafter=EOF). ``at_end`` moves an existing block
    to the end of the file. ``original`` is bytes or None (no file). The block's lines
    end in LF whatever the file's line ends (see the module's docstring)."""
    lines = shell_lines(original or b"")
    if block_lines is not None:
        block = [BEGIN.encode() + b"\n"] + [line.encode("utf-8") + b"\n" for line in block_lines]
        block.append(END.encode() + b"\n")
    else:
        block = []
    found = find_block(lines, path, shell)
    if found is None:
        n0 = len(lines)
    else:
        lines[found[0] : found[1] + 1] = []
        n0 = len(lines) if at_end else found[0]
    if not block and found is None:
        return original
    if n0 > 0 and not lines[n0 - 1].endswith(b"\n"):
        lines[n0 - 1] += b"\n"
    lines[n0:n0] = block
    result = b"".join(lines)
    if block:
        # Written only where the shell reads it as lines of its own: not after a
        # here-document, quoted string or substitution that never ends, which would
        # swallow it, nor after a backslash that joins it to the line before.
        unread = unread_lines(shell_lines(result), shell)
        why = next((unread[index] for index in range(n0, n0 + len(block)) if index in unread), None)
        if why is not None:
            raise UnreadPlace(path, n0 + 1, shell, why)
        # And only a block it will prove its own on the next run.
        if find_block(shell_lines(result), path, shell) != (n0, n0 + len(block) - 1):
            raise ValueError("the block to write is not one of ours: {0!r}".format(block_lines))
    return result


def block_position(data, path="rc file", shell="bash"):
    """(first, last) 1-based line numbers of the block in ``data``, or None."""
    found = find_block(shell_lines(data or b""), path, shell)
    return None if found is None else (found[0] + 1, found[1] + 1)


def block_text(data, path="rc file", shell="bash"):
    """Only the block's lines in ``data`` (markers included), as text, or "" without one:
    what a diff may show, since the rest of an rc file may hold secrets."""
    lines = shell_lines(data or b"")
    found = find_block(lines, path, shell)
    if found is None:
        return ""
    return b"".join(lines[found[0] : found[1] + 1]).decode("utf-8", "replace")
