# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read ``~/.aws/config`` line by line, exactly as botocore reads it.

Pure logic: no Ansible imports, no I/O. The reader mirrors
``configparser.RawConfigParser._read`` (what botocore's ``raw_config_parse``
uses) and botocore's ``build_profile_map``, so a section is found under the
name botocore gives it, and a file botocore cannot read is refused rather than
made worse. Editing lives in ``_aws.config_edit``, which a run that changes
nothing never loads.
"""

from __future__ import annotations

import re
import shlex
import sys

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config_lines import split_lines

# The section header botocore's configparser matches (RawConfigParser.SECTCRE),
# applied to the stripped line. It differs between versions: up to 3.9 a header
# holds no "]" (``[]x[]`` is no header there, and ``[profile x] y]`` is section
# ``profile x``); from 3.10 on it runs to the last "]". Written out rather than
# imported: configparser's import costs every run that only reads a millisecond,
# and a unit test holds this to the running Python's SECTCRE.
_SECTION_HEADER = re.compile(r"\[(?P<header>[^]]+)\]" if sys.version_info < (3, 10) else r"\[(?P<header>.+)\]")
# Headers shlex splits like str.split: printable ASCII, no quotes, no
# backslash, only space and tab as whitespace.
_PLAIN_HEADER = re.compile(r"[ \t!#-&(-\[\]-~]*\Z")

PROFILE = "profile"
SSO_SESSION = "sso-session"
SERVICES = "services"
# The header botocore treats as a profile without the "profile " prefix.
DEFAULT_PROFILE = "default"
# configparser injects this section's keys into every section.
_CONFIGPARSER_DEFAULTS = "DEFAULT"
# Keys whose values are credentials (static keys, a session token, a command line that may
# carry one; configparser reads keys in any case): never in a result, a message or a diff.
SECRET_KEYS = frozenset(
    ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token", "credential_process")
)
HIDDEN = "<hidden>"
# The first word of a line: the key of a line that has no '=' (a value on the next line).
_FIRST_WORD = re.compile(r"[^\s=:]*")


class ConfigFileError(ValueError):
    """The text is not a config file botocore reads, or one it reads ambiguously."""

    def __init__(self, message, line_number=None):
        self.message = message
        self.line_number = line_number
        where = "line {0}: ".format(line_number) if line_number else ""
        super(ConfigFileError, self).__init__(where + message)


class Entry:
    """One key of a section: its lines ``[start, stop)`` and its value."""

    __slots__ = ("key", "start", "stop", "raw_value")

    def __init__(self, key, start, stop, raw_value):
        self.key = key
        self.start = start
        self.stop = stop
        self.raw_value = raw_value  # as configparser returns it

    @property
    def value(self):
        """The value as botocore returns it: a dict for a nested block."""
        return botocore_value(self.raw_value)


class Section:
    """A section: its header line ``start`` and its lines up to ``stop``.

    ``keys`` maps each key (lower case) to its line; :meth:`entry` reads it.
    """

    __slots__ = ("header", "kind", "name", "start", "stop", "keys", "_config")

    def __init__(self, config, header, start):
        self._config = config
        self.header = header
        self.kind, self.name = resolve_header(header)
        self.start = start
        self.stop = start + 1
        self.keys = {}

    @property
    def title(self):
        """How messages name the section: ``profile x``, ``sso-session y``."""
        if self.kind is None:
            return self.header
        return "{0} {1}".format(self.kind, self.name)

    def entry(self, key):
        """The :class:`Entry` of ``key``, or ``None``."""
        start = self.keys.get(key)
        return None if start is None else self._config.entry_at(key, start)

    def entries(self):
        """Every :class:`Entry`, in file order."""
        return [self._config.entry_at(key, start) for key, start in self.keys.items()]

    def values(self):
        """Key to value, as botocore reads this section."""
        return dict((entry.key, entry.value) for entry in self.entries())

    def raw_values(self):
        return [(key, self._config.entry_at(key, start).raw_value) for key, start in self.keys.items()]

    @property
    def content_stop(self):
        """The line after the section's last value (or its header, without keys)."""
        if not self.keys:
            return self.start + 1
        return self._config.value_stop(max(self.keys.values()))


def botocore_value(raw_value):
    """A raw value as botocore's ``raw_config_parse`` returns it."""
    if raw_value.startswith("\n"):
        return parse_nested(raw_value)
    return raw_value


def parse_nested(raw_value):
    """botocore's ``_parse_nested``: the indented ``key = value`` lines of a block."""
    nested = {}
    for line in raw_value.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError("nested line {0!r} has no '='".format(line))
        key, value = line.split("=", 1)
        nested[key.strip()] = value.strip()
    return nested


def resolve_header(header):
    """``(kind, name)`` botocore gives a section header, or ``(None, None)``.

    Headers starting with ``profile``, ``sso-session`` or ``services`` are
    shlex-split and count only with exactly two words, as in botocore's
    ``build_profile_map``; ``default`` is the default profile.
    """
    for kind in (PROFILE, SSO_SESSION, SERVICES):
        if header.startswith(kind):
            break
    else:
        if header == DEFAULT_PROFILE:
            return PROFILE, DEFAULT_PROFILE
        return None, None
    if _PLAIN_HEADER.match(header):
        words = header.split()
    else:
        try:
            words = shlex.split(header)
        except ValueError:
            return None, None
    if len(words) != 2:
        return None, None
    return kind, words[1]


def _delimiter(stripped):
    """Where configparser's OPTCRE ends the key: the first '=' or ':'."""
    equals = stripped.find("=")
    colon = stripped.find(":")
    return equals if colon < 0 or 0 <= equals < colon else colon


def _key_of(stripped):
    """The key (lower case) of a key line."""
    return stripped[: _delimiter(stripped)].rstrip().lower()


def _quoted(stripped, after_secret):
    """A line botocore cannot read, as an error shows it: never a credential, so not a line that
    starts with a credential's key (its value may follow a space) nor one after a credential's key
    line (a value written on the next line)."""
    if after_secret:
        return HIDDEN
    key = _FIRST_WORD.match(stripped).group().lower()
    if key in SECRET_KEYS:
        return "{0!r} {1}".format(stripped[: len(key)], HIDDEN)
    return repr(stripped)


def hide_secret_lines(text):
    """``text`` (a config file) with the value of every :data:`SECRET_KEYS` key hidden, for a
    diff: the rest of its key line and every line botocore reads as part of the value (the
    deeper-indented lines after it, across blank and comment lines, as :class:`AwsConfig`
    continues a value). Comment lines stay as they are: a hidden one would no longer be a comment."""
    shown = []
    key_indent = None  # the indentation of the section's last key line: deeper lines continue its value
    secret = False  # whether that key holds a credential
    for line in split_lines(text):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        indent = len(body) - len(body.lstrip())
        if not stripped or stripped[0] in "#;":
            shown.append(line)
        elif key_indent is not None and indent > key_indent:
            shown.append(body[:indent] + HIDDEN + line[len(body) :] if secret else line)
        elif stripped[0] == "[" and _SECTION_HEADER.match(stripped):
            key_indent, secret = None, False
            shown.append(line)
        else:
            position = _delimiter(stripped)
            key_indent, secret = indent, position > 0 and stripped[:position].rstrip().lower() in SECRET_KEYS
            shown.append(body[: indent + position + 1] + " " + HIDDEN + line[len(body) :] if secret else line)
    return "".join(shown)


class AwsConfig:
    """A parsed config file: its lines and sections, with their positions."""

    def __init__(self, text, lines=None):
        self.text = text
        self.lines = split_lines(text) if lines is None else lines
        self.sections = []
        self._continued = {}  # key line -> [stop, continuation lines, section] of multi-line values
        self._parse()
        self.newline = _dominant_newline(self.lines)
        self._by_name = self._index_names()

    @classmethod
    def from_lines(cls, lines):
        return cls("".join(lines), lines)

    def _parse(self):
        # The state machine of configparser.RawConfigParser._read, keeping positions.
        lines = self.lines
        sections = self.sections
        continued = self._continued
        section = None
        keys = None
        key_line = None  # the line of the key a deeper-indented line continues
        indent_level = 0
        blank_lines = 0  # blank lines since the last value line: part of a continued value
        header_lines = {}
        default_keys = {}
        after_secret = False  # the section's last key holds a credential: a line after it may be its value
        for index, line in enumerate(lines):
            stripped = line.strip()
            if not stripped:
                blank_lines += 1
                continue
            first = stripped[0]
            if first == "#" or first == ";":
                continue
            indent = 0 if line[0] == first else len(line) - len(line.lstrip())
            if key_line is not None and indent > indent_level:
                more = continued.get(key_line)
                if more is None:
                    more = continued[key_line] = [index + 1, [], section]
                more[0] = index + 1
                more[1].extend([""] * blank_lines)
                more[1].append(stripped)
                blank_lines = 0
                continue
            blank_lines = 0
            indent_level = indent
            if first == "[":
                match = _SECTION_HEADER.match(stripped)
                if match:
                    header = match.group("header")
                    if section is not None:
                        section.stop = index
                    section = Section(self, header, index)
                    keys = section.keys
                    key_line = None
                    after_secret = False
                    if header == _CONFIGPARSER_DEFAULTS:
                        # Repeated [DEFAULT] sections are allowed and share their keys.
                        section.keys = keys = default_keys
                    elif header in header_lines:
                        raise ConfigFileError(
                            "section [{0}] appears a second time (first at line {1}); "
                            "botocore cannot read a file with a duplicate section".format(
                                header, header_lines[header] + 1
                            ),
                            index + 1,
                        )
                    header_lines[header] = index
                    sections.append(section)
                    continue
            if section is None:
                raise ConfigFileError(
                    "text before the first section header: {0}; botocore cannot read it".format(
                        _quoted(stripped, after_secret)
                    ),
                    index + 1,
                )
            position = _delimiter(stripped)
            if position <= 0:
                problem = "no key before '='" if position == 0 else "no '=' between a key and its value"
                raise ConfigFileError(
                    "{0} in {1} in section [{2}]; botocore cannot read it".format(
                        problem, _quoted(stripped, after_secret), section.header
                    ),
                    index + 1,
                )
            key = stripped[:position].rstrip().lower()
            after_secret = key in SECRET_KEYS
            if key in keys:
                raise ConfigFileError(
                    "key {0!r} appears a second time in section [{1}] (first at line {2}); "
                    "botocore cannot read a file with a duplicate key".format(key, section.header, keys[key] + 1),
                    index + 1,
                )
            keys[key] = key_line = index
        if section is not None:
            section.stop = len(lines)
        for key_line, (_stop, _more, section) in continued.items():
            entry = self.entry_at(None, key_line)
            try:
                _value = entry.value  # a value botocore cannot read raises ValueError
            except ValueError as error:
                if section.header == _CONFIGPARSER_DEFAULTS and not self._inherited(section, key_line):
                    continue
                key = _key_of(self.lines[key_line].strip())
                problem = error if key not in SECRET_KEYS else "a line of the value of {0} has no '='".format(key)
                raise ConfigFileError(
                    "the value in section [{0}]: {1}; botocore cannot read it".format(section.header, problem),
                    key_line + 1,
                ) from None

    def _inherited(self, defaults, key_line):
        """Whether a [DEFAULT] key reaches botocore: some section lacks its own."""
        key = [key for key, line in defaults.keys.items() if line == key_line][0]
        return any(section.header != _CONFIGPARSER_DEFAULTS and key not in section.keys for section in self.sections)

    def _index_names(self):
        by_name = {}
        for section in self.sections:
            if section.kind is None:
                continue
            earlier = by_name.get((section.kind, section.name))
            if earlier is not None:
                raise ConfigFileError(
                    "[{0}] and [{1}] (line {2}) both name {3} {4!r}; botocore reads only the later one. "
                    "Merge them by hand".format(
                        section.header, earlier.header, earlier.start + 1, section.kind, section.name
                    ),
                    section.start + 1,
                )
            by_name[(section.kind, section.name)] = section
        return by_name

    def entry_at(self, key, start):
        """The :class:`Entry` of ``key`` whose line is ``start``."""
        stripped = self.lines[start].strip()
        value = stripped[_delimiter(stripped) + 1 :].strip()
        more = self._continued.get(start)
        if more is None:
            return Entry(key, start, start + 1, value)
        return Entry(key, start, more[0], "\n".join([value] + more[1]).rstrip())

    def check_no_header_in_value(self, entry, doing):
        """Raise :class:`ConfigFileError` when a line of ``entry``'s value is a section header
        indented deeper than the key: botocore reads it (and the lines after it) as part of the
        value, but it is the person's section, which ``doing`` (deleting the value) would delete."""
        for index in range(entry.start + 1, entry.stop):
            stripped = self.lines[index].strip()
            if stripped[:1] == "[" and _SECTION_HEADER.match(stripped):
                raise ConfigFileError(
                    "{0!r} is indented deeper than the key {1} on line {2}, so botocore reads it and the lines after "
                    "it as part of {1}'s value, not as a section; {3} would delete them. Unindent the section "
                    "(or delete it) by hand".format(stripped, entry.key, entry.start + 1, doing),
                    index + 1,
                )

    def value_stop(self, start):
        """The line after the value whose key is on line ``start``."""
        more = self._continued.get(start)
        return start + 1 if more is None else more[0]

    def default_section(self):
        """The first ``[DEFAULT]`` section (every one shares its keys), or ``None``:
        configparser gives its keys to every other section, profiles and sso-sessions alike."""
        for section in self.sections:
            if section.header == _CONFIGPARSER_DEFAULTS:
                return section
        return None

    def find(self, kind, name):
        """The section botocore reads for ``kind`` (``profile``, ``sso-session``) ``name``."""
        return self._by_name.get((kind, name))

    def named_sections(self, kind):
        """Name to section, for every section of ``kind``, in file order."""
        return dict((section.name, section) for section in self.sections if section.kind == kind)

    def profiles_using(self, session_name):
        """Name to section, for every profile whose ``sso_session`` is ``session_name``."""
        using = {}
        for name, section in self.named_sections(PROFILE).items():
            entry = section.entry("sso_session")
            if entry is not None and entry.raw_value == session_name:
                using[name] = section
        return using

    def leading_whitespace(self, index):
        line = self.lines[index]
        return line[: len(line) - len(line.lstrip())]

    def insertion_indent(self, section):
        """Indentation for new key lines at the end of ``section``: that of the
        next header, so that it stays a header after them; at the end of the
        file, that of the section's last key line (or its header)."""
        for index in range(section.stop, len(self.lines)):
            stripped = self.lines[index].strip()
            if stripped and stripped[0] not in "#;":
                return self.leading_whitespace(index)
        return self.leading_whitespace(max([section.start] + list(section.keys.values())))


def credential_programs(profile, config, credentials):
    """The sections (``"[header] of the config file"``) whose ``credential_process`` botocore's
    credential chain for ``profile`` would run: the profile's in ``config`` and in ``credentials``
    (an :class:`AwsConfig` of the credentials file, whose headers are profile names), each file's
    ``[DEFAULT]``, and the same for every ``source_profile`` they name, in turn."""
    found, seen, names = [], set(), [profile]
    while names:
        name = names.pop(0)
        if name in seen:
            continue
        seen.add(name)
        sources = (
            ("config file", config, config.find(PROFILE, name)),
            ("credentials file", credentials, _credentials_section(credentials, name)),
        )
        for label, parsed, section in sources:
            for where in (section, parsed.default_section()):
                if where is None:
                    continue
                if "credential_process" in where.keys:
                    found.append("[{0}] of the {1}".format(where.header, label))
                source = where.entry("source_profile")
                if source is not None:
                    names.append(source.raw_value)
    return sorted(set(found), key=found.index)


def _credentials_section(credentials, name):
    for section in credentials.sections:
        if section.header == name:
            return section
    return None


def read_config_file(path, read_bytes):
    """``(text, AwsConfig)`` of the file at ``path``; ``(None, empty config)`` when
    it does not exist. ``read_bytes(path)`` returns the content or ``None``."""
    data = read_bytes(path)
    if data is None:
        return None, AwsConfig("")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigFileError(
            "is not UTF-8 text (byte 0x{0:02x} at offset {1}); botocore cannot read it".format(
                data[error.start], error.start
            )
        ) from error
    return text, AwsConfig(text)


def _dominant_newline(lines):
    """The line ending new lines get: that of the file's first line, else LF."""
    if lines:
        first = lines[0]
        if first.endswith("\r\n"):
            return "\r\n"
        if first.endswith("\r"):
            return "\r"
    return "\n"
