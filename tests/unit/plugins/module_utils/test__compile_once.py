# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The module_utils compiled once, and then kept, from a zip laid out as Ansible's payload is: in a
new Python (this one's, and each of the matrix's), a zip with the collection's packages, the real
_compile_once.py and a few module_utils files; compile() counted per file; the cache in a
directory of the test's own, or, as a throw-away user, the user's own."""

from __future__ import annotations

import json
import marshal
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._compile_once import BytecodeCache, CompileOnceFinder
from ansible_collections.recro.aws_sso.tests.support.users import as_user, throwaway_user

SOURCE = Path(__file__).resolve().parents[4] / "plugins" / "module_utils" / "_compile_once.py"
PACKAGE = "ansible_collections/recro/aws_sso/plugins/module_utils"
NAME = PACKAGE.replace("/", ".")
CACHED_NAME = PACKAGE + "/_x/after.py"

# Counts compile() per file name, imports one module_utils file before the finder is installed
# and two after (one raises, for its traceback), and reports what the import system made of them.
# Arguments: the zip, the package, and a JSON object: "cache" (a directory, "none", or "default":
# what the finder chose itself), "write" (may Python write bytecode; null: as the environment says).
SCRIPT = """
import builtins, collections, importlib, json, os, sys, traceback
counts = collections.Counter()
real_compile = builtins.compile
def counting_compile(source, filename, *args, **kwargs):
    counts[filename] += 1
    return real_compile(source, filename, *args, **kwargs)
builtins.compile = counting_compile
settings = json.loads(sys.argv[3])
if settings["write"] is not None:
    sys.dont_write_bytecode = not settings["write"]
sys.path.insert(0, sys.argv[1])
before = importlib.import_module(sys.argv[2] + "._x.before")
compile_once = importlib.import_module(sys.argv[2] + "._compile_once")
finder = [finder for finder in sys.meta_path if type(finder).__name__ == "CompileOnceFinder"][0]
if settings["cache"] != "default":
    finder.cache_looked_up = True
    finder.cache = None if settings["cache"] == "none" else compile_once.BytecodeCache(settings["cache"], os.geteuid())
after = importlib.import_module(sys.argv[2] + "._x.after")
raiser = importlib.import_module(sys.argv[2] + "._x.raiser")
try:
    raiser.fail()
except ValueError:
    shown = traceback.format_exc()
package = importlib.import_module(sys.argv[2] + "._y")
print(json.dumps(dict(
    counts=dict(("/".join(str(name).split("/")[-2:]), count) for name, count in counts.items()),
    before_file=before.__file__,
    after_file=after.__file__,
    after_origin=after.__spec__.origin,
    after_loader=type(after.__loader__).__name__,
    after_value=after.VALUE,
    traceback=shown,
    package_path=list(package.__path__),
    finders=[getattr(finder, "__name__", type(finder).__name__) for finder in sys.meta_path],
    cache=None if finder.cache is None else finder.cache.directory,
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


def make_payload(path, after_value="after"):
    with zipfile.ZipFile(str(path), "w") as archive:
        parts = PACKAGE.split("/")
        for depth in range(1, len(parts) + 1):
            archive.writestr("/".join(parts[:depth]) + "/__init__.py", "")
        archive.writestr(PACKAGE + "/_compile_once.py", SOURCE.read_text(encoding="utf-8"))
        archive.writestr(PACKAGE + "/_x/__init__.py", "")
        archive.writestr(PACKAGE + "/_x/before.py", "VALUE = 'before'\n")
        archive.writestr(PACKAGE + "/_x/after.py", "VALUE = {0!r}\n".format(after_value))
        archive.writestr(PACKAGE + "/_x/raiser.py", "def fail():\n    raise ValueError('the raiser line')\n")
        archive.writestr(PACKAGE + "/_y/__init__.py", "")
    return path


@pytest.fixture(scope="module")
def payload(tmp_path_factory):
    return make_payload(tmp_path_factory.mktemp("payload") / "payload.zip")


def run(payload, cache, python=sys.executable, write=True, flags=()):
    completed = subprocess.run(
        [python, *flags, "-c", SCRIPT, str(payload), NAME, json.dumps(dict(cache=str(cache), write=write))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=60,
        check=True,
    )
    return json.loads(completed.stdout)


def private_directory(path):
    path.mkdir(mode=0o700)
    path.chmod(0o700)
    return path


def kept(cache):
    return sorted(entry.name for entry in cache.iterdir())


@pytest.mark.parametrize("python", pythons())
def test_a_module_utils_file_is_compiled_once_then_loaded_from_the_cache(payload, tmp_path, python):
    cache = private_directory(tmp_path / "cache")
    first = run(payload, cache, python)
    # The zip importer alone compiles a file twice; after the finder, once, and it is kept.
    assert first["counts"]["_x/before.py"] == 2
    assert first["counts"]["_x/after.py"] == 1
    assert len(kept(cache)) == 2
    for entry in cache.iterdir():
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    second = run(payload, cache, python)
    # The next run compiles nothing of what it kept, and runs the same code.
    assert "_x/after.py" not in second["counts"]
    assert "_x/raiser.py" not in second["counts"]
    assert second["counts"]["_x/before.py"] == 2
    assert second["after_value"] == "after"
    for found in (first, second):
        # The file name and the spec are the zip's; the loader is the finder's own.
        assert found["after_file"] == str(payload) + "/" + PACKAGE + "/_x/after.py"
        assert found["before_file"] == str(payload) + "/" + PACKAGE + "/_x/before.py"
        assert found["after_origin"] == found["after_file"]
        assert found["after_loader"] == "ZipSourceLoader"
        # A traceback names the file by its place in the package and shows its line, kept or not.
        assert PACKAGE + "/_x/raiser.py" in found["traceback"]
        assert "raise ValueError('the raiser line')" in found["traceback"]
        # Packages are left to the usual finders.
        assert found["package_path"] == [str(payload) + "/" + PACKAGE + "/_y"]
        # Just before the path finder, once; the interpreter's own finders stay first.
        assert found["finders"].count("CompileOnceFinder") == 1
        assert found["finders"].index("CompileOnceFinder") == found["finders"].index("PathFinder") - 1
        assert found["finders"][0] != "CompileOnceFinder"


def test_a_changed_file_is_compiled_again_never_taken_from_the_cache(payload, tmp_path):
    cache = private_directory(tmp_path / "cache")
    run(payload, cache)
    changed = run(make_payload(tmp_path / "changed.zip", after_value="changed"), cache)
    assert changed["after_value"] == "changed"
    assert changed["counts"]["_x/after.py"] == 1
    assert len(kept(cache)) == 3


def test_code_kept_by_an_optimized_run_is_not_used_by_a_run_that_keeps_asserts(payload, tmp_path):
    cache = private_directory(tmp_path / "cache")
    run(payload, cache, flags=("-O",))
    assert "_x/after.py" not in run(payload, cache, flags=("-O",))["counts"]
    assert run(payload, cache)["counts"]["_x/after.py"] == 1
    assert len(kept(cache)) == 4


def test_without_a_cache_each_run_compiles_once(payload):
    for _run in range(2):
        found = run(payload, "none")
        assert found["counts"]["_x/after.py"] == 1
        assert found["after_value"] == "after"


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda cache: cache.chmod(0o755), id="others-may-enter"),
        pytest.param(lambda cache: cache.chmod(0o770), id="the-group-may-write"),
        pytest.param(lambda cache: os.chown(str(cache), 65534, 65534), id="another-user-s"),
    ],
)
def test_a_cache_directory_that_is_not_the_user_s_alone_is_neither_read_nor_written(payload, tmp_path, spoil):
    cache = private_directory(tmp_path / "cache")
    run(payload, cache)
    entries = kept(cache)
    spoil(cache)
    for _run in range(2):
        found = run(payload, cache)
        assert found["counts"]["_x/after.py"] == 1
        assert found["after_value"] == "after"
    assert kept(cache) == entries


def test_a_link_to_a_private_directory_is_not_used(payload, tmp_path):
    target = private_directory(tmp_path / "elsewhere")
    (tmp_path / "cache").symlink_to(target)
    for _run in range(2):
        assert run(payload, tmp_path / "cache")["counts"]["_x/after.py"] == 1
    assert kept(target) == []


@pytest.mark.parametrize(
    "replacement",
    [
        pytest.param(b"not marshal data", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(marshal.dumps(42), id="not-code"),
    ],
)
def test_a_kept_file_that_does_not_load_is_compiled_again_and_replaced(payload, tmp_path, replacement):
    cache = private_directory(tmp_path / "cache")
    run(payload, cache)
    entry = cache / BytecodeCache.key((b"VALUE = 'after'\n"), CACHED_NAME)
    assert entry.exists()
    entry.write_bytes(replacement)
    found = run(payload, cache)
    assert found["counts"]["_x/after.py"] == 1
    assert found["after_value"] == "after"
    # Replaced: the next run loads it.
    assert "_x/after.py" not in run(payload, cache)["counts"]


def test_a_fifo_in_place_of_a_kept_file_is_refused_without_waiting(payload, tmp_path):
    cache = private_directory(tmp_path / "cache")
    os.mkfifo(str(cache / BytecodeCache.key(b"VALUE = 'after'\n", CACHED_NAME)), 0o600)
    found = run(payload, cache)  # within run's timeout
    assert found["after_value"] == "after"
    assert found["counts"]["_x/after.py"] == 1


def test_a_kept_file_of_another_user_is_not_loaded(payload, tmp_path):
    cache = private_directory(tmp_path / "cache")
    run(payload, cache)
    entry = cache / BytecodeCache.key(b"VALUE = 'after'\n", CACHED_NAME)
    # Code that would say something else, owned by another user.
    entry.write_bytes(marshal.dumps(compile("VALUE = 'planted'\n", CACHED_NAME, "exec")))
    os.chown(str(entry), 65534, 65534)
    found = run(payload, cache)
    assert found["after_value"] == "after"
    assert found["counts"]["_x/after.py"] == 1


def test_where_python_may_not_write_bytecode_nothing_is_written(payload, tmp_path):
    cache = private_directory(tmp_path / "cache")
    found = run(payload, cache, write=False)
    assert found["counts"]["_x/after.py"] == 1
    assert kept(cache) == []


def test_a_full_cache_keeps_only_what_the_run_uses(payload, tmp_path):
    cache = private_directory(tmp_path / "cache")
    for number in range(300):
        (cache / "{0:064x}.code".format(number)).write_bytes(b"old")
    run(payload, cache)
    assert len(kept(cache)) == 2


def test_outside_a_zip_it_answers_nothing(tmp_path):
    directory = str(tmp_path)
    finder = CompileOnceFinder()
    assert finder.find_spec(NAME + "._common.files", [directory]) is None
    assert finder.find_spec("json.decoder", [directory]) is None
    assert finder.find_spec(NAME + "._common.files", None) is None
    # Nothing in a zip: no cache looked up, none made.
    assert not finder.cache_looked_up


def test_the_cache_is_used_only_by_its_own_user(tmp_path):
    cache = BytecodeCache(str(private_directory(tmp_path / "cache")), os.geteuid() + 1)
    assert cache.open_directory() is None
    assert cache.code(b"VALUE = 1\n", CACHED_NAME).co_filename == CACHED_NAME
    assert kept(tmp_path / "cache") == []


@pytest.mark.skipif(os.geteuid() != 0, reason="makes a throw-away user: needs root")
def test_each_user_gets_a_private_cache_of_their_own_and_root_acting_for_them_uses_root_s(payload):
    with throwaway_user() as user:
        home = Path(user.pw_dir)
        user_payload = home / "payload.zip"
        user_payload.write_bytes(payload.read_bytes())
        os.chown(str(user_payload), user.pw_uid, user.pw_gid)
        settings = json.dumps(dict(cache="default", write=None))
        argv = ["/usr/bin/python3", "-c", SCRIPT, str(user_payload), NAME, settings]
        first = json.loads(as_user(user, argv, env=dict(PYTHONDONTWRITEBYTECODE="")))
        cache = home / ".ansible" / "recro.aws_sso" / "bytecode"
        assert first["cache"] == str(cache)
        assert first["counts"]["_x/after.py"] == 1
        # Every directory it made is the user's alone; what it kept is the user's.
        for directory in (home / ".ansible", home / ".ansible" / "recro.aws_sso", cache):
            assert stat.S_IMODE(directory.stat().st_mode) == 0o700
            assert directory.stat().st_uid == user.pw_uid
        assert {entry.stat().st_uid for entry in cache.iterdir()} == {user.pw_uid}
        second = json.loads(as_user(user, argv, env=dict(PYTHONDONTWRITEBYTECODE="")))
        assert "_x/after.py" not in second["counts"]
        # Told not to write bytecode, the next user's run makes nothing.
        (home / ".ansible").rename(home / ".ansible-before")
        quiet = json.loads(as_user(user, argv, env=dict(PYTHONDONTWRITEBYTECODE="1")))
        assert quiet["cache"] is None
        assert not (home / ".ansible").exists()
    # Root switched to the user's ids is refused root's own cache, and never chooses the user's.
    script = (
        "import os, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from ansible_collections.recro.aws_sso.plugins.module_utils._compile_once import BytecodeCache\n"
        "cache = BytecodeCache(sys.argv[2], 0)\n"
        "os.seteuid(65534)\n"
        "print(cache.open_directory() is None, BytecodeCache.for_effective_user() is None)\n"
    )
    with_root_cache = Path(payload).parent / "root-cache"
    if not with_root_cache.exists():
        private_directory(with_root_cache)
    completed = subprocess.run(
        [sys.executable, "-c", script, str(payload), str(with_root_cache)],
        stdout=subprocess.PIPE,
        universal_newlines=True,
        timeout=60,
        check=True,
    )
    refused, none_for_nobody = completed.stdout.split()
    assert refused == "True"
    # nobody's home (/nonexistent) holds no cache and gets none.
    assert none_for_nobody == "True"
