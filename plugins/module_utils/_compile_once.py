# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""This collection's module_utils compiled once, not twice, where Ansible runs a module from its zip.

Ansible sends a module and the module_utils it imports in a zip file, as source, and Python's zip
importer compiles every file it imports twice: once when the import system asks for the file's
name (``spec_from_loader`` calls ``zipimporter.get_filename``, which compiles to find it), and again
to run it. For a module with nothing to do, compiling its module_utils is most of what it costs
beyond ``ping``. Each module imports this file before any other of the collection's module_utils:
:class:`CompileOnceFinder`, on ``sys.meta_path`` just before the path finder that would find them,
answers for the modules of this package with the zip importer as their loader and the file name it
would give, so that only running a file compiles it. Anything else it leaves to the usual finders:
other packages, a package's ``__init__``, module_utils that are not in a zip (ansible-test, the
controller), and any question it cannot answer. Standard library only."""

from __future__ import annotations

import sys
import zipimport
from importlib.machinery import ModuleSpec, PathFinder

# The modules it answers for: this collection's module_utils.
PACKAGE_PREFIX = __name__.rpartition(".")[0] + "."


class CompileOnceFinder:
    """A ``sys.meta_path`` finder for the modules under :data:`PACKAGE_PREFIX` in a zip file."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):  # pylint: disable=unused-argument
        """The spec of ``fullname`` (a module, not a package) as the zip importer of one of ``path``
        (the parent package's locations) finds it, with its file name set; None otherwise."""
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
            # What zipimporter.get_filename would answer, without compiling to find it. The spec
            # is made here: importlib.util.spec_from_loader asks get_filename (before 3.11, even
            # when given the origin).
            origin = "{0}/{1}{2}.py".format(importer.archive, importer.prefix, name)
            spec = ModuleSpec(fullname, importer, origin=origin, is_package=False)
            spec.has_location = True
            return spec
        return None


def install():
    """Put one :class:`CompileOnceFinder` on ``sys.meta_path`` just before the path finder (once per
    process; not where there is none). The finders before it are left first: they answer for
    other names (built-in and frozen modules, import hooks of the interpreter's site)."""
    if any(isinstance(finder, CompileOnceFinder) for finder in sys.meta_path):
        return
    for index, finder in enumerate(sys.meta_path):
        if finder is PathFinder:
            sys.meta_path.insert(index, CompileOnceFinder())
            return


install()
