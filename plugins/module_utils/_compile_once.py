# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""This collection's module_utils compiled once per version of each file, not on every run, where
Ansible runs a module from its zip.

Ansible sends a module and the module_utils it imports in a zip file, as source, and Python's zip
importer compiles every file it imports on every run, twice: once when the import system asks for
the file's name (``spec_from_loader`` calls ``zipimporter.get_filename``, which compiles to find it),
and again to run it. For a module with nothing to do, compiling its module_utils is most of what it
costs beyond ``ping``. Each module imports this file before any other of the collection's
module_utils: :class:`CompileOnceFinder`, on ``sys.meta_path`` just before the path finder that
would find them, answers for the modules of this package in a zip with :class:`ZipSourceLoader`,
which compiles a file only to run it, and keeps what it compiled in a :class:`BytecodeCache`, as
Python keeps ``__pycache__`` beside an installed package: a later run with the same source loads the
code instead of compiling it.

The cache is the effective user's own, beside Ansible's own files on the host
(``~/.ansible/recro.aws_sso/bytecode``, the home directory from the password database, never from
the environment). It is used only while it is a directory that user owns and only that user may
enter (0700), and only while that user is the effective one: root acting for another user reads and
writes only root's. Whatever it cannot use it does without, compiling as before; a file that does
not load is compiled again; where Python is told not to write bytecode (``PYTHONDONTWRITEBYTECODE``)
nothing is written. Files are named by a hash of the source, this Python's bytecode version, its
optimization level and the file's name, so a changed file or another Python never meets stale code.
Removing the directory at any time costs only the next run's compiling.

Anything else is left to the usual finders: other packages, a package's ``__init__``, module_utils
that are not in a zip (ansible-test, the controller), and any question it cannot answer. Standard
library only."""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import pwd
import stat
import sys
import types
import zipimport
from importlib.machinery import ModuleSpec, PathFinder

# The modules it answers for: this collection's module_utils.
PACKAGE_PREFIX = __name__.rpartition(".")[0] + "."
# The cache, under the effective user's home directory.
CACHE_PARTS = (".ansible", "recro.aws_sso", "bytecode")
# More files than the collection has, for a few versions of it; beyond it, a write empties the
# cache of the files this run did not use (what earlier versions left).
CACHE_LIMIT = 256


class BytecodeCache:
    """Compiled code kept by the hash of its source, in a directory only its owner may use."""

    def __init__(self, directory, uid):
        self.directory = directory
        self.uid = uid
        self.used = set()

    @classmethod
    def for_effective_user(cls):
        """The cache of the effective user, made (0700) when its home directory exists and Python
        may write bytecode; None where there is none, it cannot be made, or it is not the user's
        alone."""
        uid = os.geteuid()
        try:
            home = pwd.getpwuid(uid).pw_dir
        except KeyError:
            return None
        if not home or not os.path.isabs(home) or not os.path.isdir(home):
            return None
        directory = home
        for part in CACHE_PARTS:
            directory = os.path.join(directory, part)
            if os.path.isdir(directory) or sys.dont_write_bytecode:
                continue
            try:
                os.mkdir(directory, 0o700)
            except OSError:
                return None
        cache = cls(directory, uid)
        descriptor = cache.open_directory()
        if descriptor is None:
            return None
        os.close(descriptor)
        return cache

    def open_directory(self):
        """A descriptor of the directory when it is one the cache's user owns and only they may
        enter, while that user is the effective one; None otherwise."""
        if os.geteuid() != self.uid:
            return None
        try:
            descriptor = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        status = os.fstat(descriptor)
        if status.st_uid != self.uid or stat.S_IMODE(status.st_mode) & 0o077:
            os.close(descriptor)
            return None
        return descriptor

    @staticmethod
    def key(source, filename):
        """The name of the cache's file for ``source`` compiled as ``filename`` by this Python, at
        its optimization level (``-O`` drops asserts, as ``__pycache__``'s ``opt-`` files do)."""
        digest = hashlib.sha256(importlib.util.MAGIC_NUMBER + str(sys.flags.optimize).encode("ascii"))
        digest.update(filename.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(source)
        return digest.hexdigest() + ".code"

    def code(self, source, filename):
        """The code of ``source`` (bytes) compiled as ``filename``: from the cache when it holds it,
        else compiled and kept."""
        name = self.key(source, filename)
        self.used.add(name)
        descriptor = self.open_directory()
        if descriptor is None:
            return compile(source, filename, "exec", dont_inherit=True)
        try:
            code = self._load(descriptor, name)
            if code is None:
                code = compile(source, filename, "exec", dont_inherit=True)
                if not sys.dont_write_bytecode:
                    self._store(descriptor, name, code)
            return code
        finally:
            os.close(descriptor)

    def _load(self, descriptor, name):
        try:
            # Never waits: a FIFO or a device in its place is opened without blocking, then refused.
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            handle = os.open(name, flags, dir_fd=descriptor)
        except (OSError, NotImplementedError):
            return None
        try:
            status = os.fstat(handle)
            if not stat.S_ISREG(status.st_mode) or status.st_uid != self.uid:
                return None
            with os.fdopen(handle, "rb", closefd=False) as stream:
                data = stream.read()
        except OSError:
            return None
        finally:
            os.close(handle)
        try:
            code = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, types.CodeType) else None

    def _store(self, descriptor, name, code):
        temporary = "{0}.{1}.tmp".format(name, os.getpid())
        try:
            if len(os.listdir(descriptor)) >= CACHE_LIMIT:
                self._prune(descriptor)
            handle = os.open(
                temporary,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                0o600,
                dir_fd=descriptor,
            )
            with os.fdopen(handle, "wb") as stream:
                stream.write(marshal.dumps(code))
            os.replace(temporary, name, src_dir_fd=descriptor, dst_dir_fd=descriptor)
        except (OSError, NotImplementedError):  # NotImplementedError: a platform without *at calls
            try:
                os.unlink(temporary, dir_fd=descriptor)
            except (OSError, NotImplementedError):
                pass

    def _prune(self, descriptor):
        for entry in os.listdir(descriptor):
            if entry not in self.used:
                try:
                    os.unlink(entry, dir_fd=descriptor)
                except OSError:
                    pass


class ZipSourceLoader:
    """The loader of one module_utils file in a zip: its source from the zip importer, compiled
    (or taken from the cache) only to run it."""

    def __init__(self, importer, fullname, origin, cache):
        self.importer = importer
        self.fullname = fullname
        self.origin = origin
        self.cache = cache

    def create_module(self, spec):  # pylint: disable=unused-argument
        return None  # the default module

    def exec_module(self, module):
        exec(self.get_code(module.__name__), module.__dict__)  # pylint: disable=exec-used

    def get_code(self, fullname):  # pylint: disable=unused-argument
        source = self.importer.get_data(self.origin)
        if self.cache is None:
            return compile(source, self.origin, "exec", dont_inherit=True)
        # Named by its place in the package, the same in every run (the zip's own path changes on
        # each): a traceback names the file whether its code was compiled or kept.
        return self.cache.code(source, self.fullname.replace(".", "/") + ".py")

    def get_source(self, fullname):
        """For tracebacks (linecache asks the module's loader)."""
        return self.importer.get_source(fullname)

    def get_filename(self, fullname):  # pylint: disable=unused-argument
        return self.origin

    @staticmethod
    def is_package(fullname):  # pylint: disable=unused-argument
        return False


class CompileOnceFinder:
    """A ``sys.meta_path`` finder for the modules under :data:`PACKAGE_PREFIX` in a zip file."""

    def __init__(self, use_cache=True):
        # Looked up at the first module it answers for: where none is in a zip (ansible-test, the
        # controller), nothing is made.
        self.cache = None
        self.cache_looked_up = not use_cache

    def find_spec(self, fullname, path=None, target=None):  # pylint: disable=unused-argument
        """The spec of ``fullname`` (a module, not a package) as the zip importer of one of ``path``
        (the parent package's locations) would find it, with :class:`ZipSourceLoader`; None
        otherwise."""
        if not fullname.startswith(PACKAGE_PREFIX) or not path:
            return None
        name = fullname.rpartition(".")[2]
        for location in path:
            try:
                importer = zipimport.zipimporter(location)
                if importer.is_package(fullname):
                    return None
            except (zipimport.ZipImportError, OSError, TypeError):
                continue
            if not self.cache_looked_up:
                self.cache_looked_up = True
                self.cache = BytecodeCache.for_effective_user()
            # What zipimporter.get_filename would answer, without compiling to find it. The spec
            # is made here: importlib.util.spec_from_loader asks get_filename (before 3.11, even
            # when given the origin).
            origin = "{0}/{1}{2}.py".format(importer.archive, importer.prefix, name)
            loader = ZipSourceLoader(importer, fullname, origin, self.cache)
            spec = ModuleSpec(fullname, loader, origin=origin, is_package=False)
            spec.has_location = True
            return spec
        return None


def install():
    """Put one :class:`CompileOnceFinder` on ``sys.meta_path`` just before the path finder (once per
    process; not where there is none). The finders before it are left first: they answer for
    other names (built-in and frozen modules, import hooks of the interpreter's site). No cache
    where coverage measures the run: it names files by the paths they were compiled with."""
    if any(isinstance(finder, CompileOnceFinder) for finder in sys.meta_path):
        return
    for index, finder in enumerate(sys.meta_path):
        if finder is PathFinder:
            measured = "coverage" in sys.modules or sys.gettrace() is not None
            sys.meta_path.insert(index, CompileOnceFinder(use_cache=not measured))
            return


install()
