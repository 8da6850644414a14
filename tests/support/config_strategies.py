# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hypothesis strategies for config files, and botocore's own reading of them."""

from __future__ import annotations

import os
import tempfile

from botocore.configloader import load_config
from hypothesis import strategies as st

NAMES = st.sampled_from(["a", "b", "dev", "prod-admin", "x.y", "default", "recro", "team@1", "r:2"])
SESSION_NAMES = st.sampled_from(["recro", "dev", "a"])
PROFILE_NAMES = st.sampled_from(["a", "b", "dev", "default", "first"])
KEYS = st.sampled_from(
    [
        "region",
        "Region",
        "output",
        "sso_session",
        "sso_account_id",
        "sso_role_name",
        "cli_pager",
        "s3",
        "x",
        "sso_start_url",
    ]
)
VALUES = st.sampled_from(
    [
        "",
        "us-east-1",
        "json",
        "recro",
        "dev",
        "012345678901",
        "a = b",
        "x:y",
        "# not a comment",
        "v ; w",
        "[profile z]",
        "https://e.awsapps.com/start",
    ]
)
INDENTS = st.sampled_from(["", "", "", " ", "  ", "\t", "    "])
NEWLINES = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


def _header(kind, name):
    if kind == "default":
        return "default"
    return kind + " " + name


HEADER_TEXTS = st.one_of(
    st.builds(_header, st.sampled_from(["profile", "sso-session", "services", "default"]), NAMES),
    st.sampled_from(
        [
            "profile  spaced ",
            'profile "quoted"',
            "profile a b",
            "profile a'b",
            "profiles c",
            "profile",
            "preview",
            "Default",
            "DEFAULT",
            "sso-session 'q'",
            "]x[",
            "profile x] y",
        ]
    ),
)


@st.composite
def lines(draw):
    """One line of a config file, plausible or not."""
    kind = draw(st.sampled_from(["header", "key", "key", "key", "key", "comment", "blank", "nested", "junk"]))
    indent = draw(INDENTS)
    newline = draw(NEWLINES)
    if kind == "header":
        text = "[" + draw(HEADER_TEXTS) + "]" + draw(st.sampled_from(["", " ", " # c"]))
    elif kind == "key":
        text = draw(KEYS) + draw(st.sampled_from([" = ", "=", " =", ": ", " : "])) + draw(VALUES)
    elif kind == "comment":
        text = draw(st.sampled_from(["#", ";"])) + " note"
    elif kind == "blank":
        text = draw(st.sampled_from(["", " ", "\t"]))
    elif kind == "nested":
        text = "    " + draw(st.sampled_from(["max_concurrent_requests = 20", "addressing_style=path", "no equals"]))
    else:
        text = draw(st.sampled_from(["just words", "=value", "[unclosed", "\ufeff[default]"]))
    return indent + text + newline


@st.composite
def chaotic_texts(draw, max_lines=30):
    """Any sequence of lines: often a file botocore refuses."""
    body = draw(st.lists(lines(), max_size=max_lines))
    if draw(st.booleans()):
        body.insert(0, "[profile first]\n")
    return "".join(body)


@st.composite
def section_texts(draw, header):
    """A section with distinct keys, comments, blank lines and nested blocks."""
    newline = draw(NEWLINES)
    indent = draw(st.sampled_from(["", "", "", "", "", "", "", " ", "  "]))
    text = indent + "[" + header + "]" + newline
    if header.startswith("profile") and draw(st.booleans()):
        text += "sso_session = " + draw(SESSION_NAMES) + newline
    for key in draw(st.lists(KEYS.filter(lambda key: key != "sso_session"), unique_by=str.lower, max_size=6)):
        extra = draw(st.sampled_from(["", "", "", "", "blank", "comment", "nested", "continued"]))
        key_indent = draw(st.sampled_from(["", "", "", "", "", "", "", " ", "\t"]))
        if extra == "nested":
            text += key_indent + key + " =" + newline + key_indent + "    a = 1" + newline
            text += draw(st.sampled_from(["", newline, "# c" + newline])) + key_indent + "   b=2" + newline
            continue
        text += key_indent + key + " = " + draw(VALUES) + newline
        if extra == "blank":
            text += draw(st.sampled_from(["", " ", "\t"])) + newline
        elif extra == "comment":
            text += draw(INDENTS) + draw(st.sampled_from(["#", ";"])) + " note" + newline
        elif extra == "continued":
            text += key_indent + "      more" + newline
    return text


@st.composite
def readable_texts(draw):
    """Files made of sections: mostly ones botocore reads."""
    prefix = draw(st.sampled_from(["", "", "# top comment\n", "\n\n"]))
    headers = draw(
        st.lists(st.one_of(HEADER_TEXTS, st.builds("profile {0}".format, PROFILE_NAMES)), unique=True, max_size=8)
    )
    text = prefix + "".join(draw(section_texts(header)) for header in headers)
    if text and draw(st.integers(0, 9)) == 0:
        text = text.rstrip("\r\n")
    return text


def config_texts():
    return st.one_of(readable_texts(), readable_texts(), readable_texts(), chaotic_texts())


def botocore_read(text):
    """botocore's reading of ``text`` from a real file: ``load_config`` (its
    ``raw_config_parse`` and ``build_profile_map``). Raises what it raises."""
    handle, path = tempfile.mkstemp(suffix=".config")
    try:
        with os.fdopen(handle, "wb") as config_file:
            config_file.write(text.encode("utf-8"))
        return load_config(path)
    finally:
        os.unlink(path)
