# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module_utils compiled once from a zip laid out as Ansible's payload is: in a new Python
(this one's, and each of the matrix's), a zip with the collection's packages, the real
_compile_once.py and two module_utils files; compile() counted per file."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._compile_once import CompileOnceFinder

SOURCE = Path(__file__).resolve().parents[4] / "plugins" / "module_utils" / "_compile_once.py"
PACKAGE = "ansible_collections/recro/aws_sso/plugins/module_utils"
NAME = PACKAGE.replace("/", ".")

# Counts compile() per file name, imports one module_utils file before the finder is installed
# and one after, and reports what the import system made of the second.
SCRIPT = """
import builtins, collections, importlib, json, sys
counts = collections.Counter()
real_compile = builtins.compile
def counting_compile(source, filename, *args, **kwargs):
    counts[filename] += 1
    return real_compile(source, filename, *args, **kwargs)
builtins.compile = counting_compile
sys.path.insert(0, sys.argv[1])
before = importlib.import_module(sys.argv[2] + "._x.before")
importlib.import_module(sys.argv[2] + "._compile_once")
after = importlib.import_module(sys.argv[2] + "._x.after")
package = importlib.import_module(sys.argv[2] + "._y")
print(json.dumps(dict(
    counts=dict((name.rsplit("/", 2)[-2] + "/" + name.rsplit("/", 1)[-1], count) for name, count in counts.items()),
    before_file=before.__file__,
    after_file=after.__file__,
    after_origin=after.__spec__.origin,
    after_loader=type(after.__loader__).__name__,
    after_value=after.VALUE,
    package_path=list(package.__path__),
    finders=[getattr(finder, "__name__", type(finder).__name__) for finder in sys.meta_path],
)))
"""


def pythons():
    """This Python, and the matrix's (pyenv's 3.8 to 3.13) where they are installed."""
    found = [sys.executable]
    for version in ("3.8", "3.9", "3.10", "3.12", "3.13"):
        candidates = sorted(Path.home().glob(".pyenv/versions/{0}.*/bin/python".format(version)))
        if candidates:
            found.append(str(candidates[-1]))
    return found


@pytest.fixture(scope="module")
def payload(tmp_path_factory):
    path = tmp_path_factory.mktemp("payload") / "payload.zip"
    with zipfile.ZipFile(str(path), "w") as archive:
        parts = PACKAGE.split("/")
        for depth in range(1, len(parts) + 1):
            archive.writestr("/".join(parts[:depth]) + "/__init__.py", "")
        archive.writestr(PACKAGE + "/_compile_once.py", SOURCE.read_text(encoding="utf-8"))
        archive.writestr(PACKAGE + "/_x/__init__.py", "")
        archive.writestr(PACKAGE + "/_x/before.py", "VALUE = 'before'\n")
        archive.writestr(PACKAGE + "/_x/after.py", "VALUE = 'after'\n")
        archive.writestr(PACKAGE + "/_y/__init__.py", "")
    return path


@pytest.mark.parametrize("python", pythons())
def test_a_module_utils_file_imported_after_it_is_compiled_once_with_the_zip_s_file_name(payload, python):
    completed = subprocess.run(
        [python, "-c", SCRIPT, str(payload), NAME],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=60,
        check=True,
    )
    found = json.loads(completed.stdout)
    # The zip importer alone compiles a file twice; after the finder, once.
    assert found["counts"]["_x/before.py"] == 2
    assert found["counts"]["_x/after.py"] == 1
    # The file name, the spec and the loader are the zip importer's own.
    assert found["after_file"] == str(payload) + "/" + PACKAGE + "/_x/after.py"
    assert found["before_file"] == str(payload) + "/" + PACKAGE + "/_x/before.py"
    assert found["after_origin"] == found["after_file"]
    assert found["after_loader"] == "zipimporter"
    assert found["after_value"] == "after"
    # Packages are left to the usual finders.
    assert found["package_path"] == [str(payload) + "/" + PACKAGE + "/_y"]
    # Just before the path finder, once; the interpreter's own finders stay first.
    assert found["finders"].count("CompileOnceFinder") == 1
    assert found["finders"].index("CompileOnceFinder") == found["finders"].index("PathFinder") - 1
    assert found["finders"][0] != "CompileOnceFinder"


def test_outside_a_zip_it_answers_nothing(tmp_path):
    directory = str(tmp_path)
    assert CompileOnceFinder.find_spec(NAME + "._common.files", [directory]) is None
    assert CompileOnceFinder.find_spec("json.decoder", [directory]) is None
    assert CompileOnceFinder.find_spec(NAME + "._common.files", None) is None
