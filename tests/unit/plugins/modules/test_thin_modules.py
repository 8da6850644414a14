# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Modules stay thin: their docs, their options and a main that reads top to bottom; the rules they
apply live in module_utils. A function of a module that grows past a screen is a rule that has
found no owner."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MODULES = sorted((Path(__file__).resolve().parents[4] / "plugins" / "modules").glob("*.py"))
LONGEST = 80


def functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


def test_every_module_is_seen():
    names = {path.stem for path in MODULES}
    assert {"aws_sso_profile", "aws_sso_login", "aws_sso_logout", "aws_sso_shell", "aws_sso_schedule"} <= names


@pytest.mark.parametrize("path", MODULES, ids=[path.stem for path in MODULES])
def test_no_function_of_a_module_is_longer_than_80_lines(path):
    long = ["{0} ({1} lines)".format(name, length) for name, length in functions(path) if length > LONGEST]
    assert long == [], "{0}: {1}".format(path.name, ", ".join(long))
