# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How ``scripts/matrix.sh`` finds the Python of a cell: on PATH, else pyenv's newest X.Y.*, else installed
with pyenv. Run through ``--python X.Y`` with a PATH of only the tools it needs and a ``pyenv`` that
records what it is asked (its ``install`` makes a Python that is this one, nothing is compiled)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MATRIX = Path(__file__).resolve().parents[3] / 'scripts' / 'matrix.sh'
# A Python that can make virtual environments, for the pyenv versions the tests lay out.
REAL_PYTHON = os.path.realpath(sys.executable)

# pyenv's install, root and latest as matrix.sh calls them; every call is logged, one per line.
PYENV = """#!{python}
import os, sys
root = os.environ['PYENV_ROOT']
with open(os.path.join(root, 'calls.log'), 'a') as log:
    log.write(' '.join(sys.argv[1:]) + '\\n')
command, arguments = sys.argv[1], sys.argv[2:]
if command == 'install':
    if os.environ.get('FAKE_PYENV_INSTALL_FAILS'):
        sys.exit('BUILD FAILED')
    bin_dir = os.path.join(root, 'versions', arguments[-1] + '.9', 'bin')
    os.makedirs(bin_dir)
    os.symlink({real!r}, os.path.join(bin_dir, 'python' + arguments[-1]))
elif command == 'root':
    print(root)
elif command == 'latest':
    print(sorted(name for name in os.listdir(os.path.join(root, 'versions')) if name.startswith(arguments[0] + '.'))[-1])
else:
    sys.exit('pyenv: no such command ' + command)
"""


@pytest.fixture
def machine(tmp_path):
    """A PATH of ``dirname`` and ``sort`` only (no Python on it), with or without ``pyenv``; an empty PYENV_ROOT."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    for tool in ('dirname', 'sort'):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    root = tmp_path / 'pyenv'
    (root / 'versions').mkdir(parents=True)

    def run(version='3.13', pyenv=True, **env):
        if pyenv and not (bin_dir / 'pyenv').exists():
            (bin_dir / 'pyenv').write_text(PYENV.format(python=REAL_PYTHON, real=REAL_PYTHON), encoding='utf-8')
            (bin_dir / 'pyenv').chmod(0o755)
        environment = dict(env, PATH=str(bin_dir), PYENV_ROOT=str(root), HOME=str(tmp_path))
        completed = subprocess.run(
            [shutil.which('bash'), str(MATRIX), '--python', version],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
        log = root / 'calls.log'
        calls = log.read_text(encoding='utf-8').splitlines() if log.exists() else []
        return completed, calls

    run.root = root
    return run


def lay_out(root, *versions):
    """pyenv versions under ``root`` whose python X.Y is this Python."""
    for version in versions:
        bin_dir = root / 'versions' / version / 'bin'
        bin_dir.mkdir(parents=True)
        (bin_dir / ('python' + version.rsplit('.', 1)[0])).symlink_to(REAL_PYTHON)


def test_a_python_pyenv_lacks_is_installed_with_pyenv(machine):
    completed, calls = machine()
    assert completed.returncode == 0, completed.stderr
    assert calls == ['install --skip-existing 3.13', 'root', 'latest 3.13']
    assert completed.stdout == '{0}/versions/3.13.9/bin/python3.13\n'.format(machine.root)
    assert completed.stderr == 'matrix: installing Python 3.13 with pyenv\n'


def test_pyenvs_newest_python_of_the_version_is_used_without_installing(machine):
    lay_out(machine.root, '3.13.2', '3.13.10', '3.12.7')
    completed, calls = machine()
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == '{0}/versions/3.13.10/bin/python3.13\n'.format(machine.root)
    assert calls == []


def test_a_failed_pyenv_install_says_where_it_looked(machine):
    completed, calls = machine(FAKE_PYENV_INSTALL_FAILS='1')
    assert completed.returncode == 1 and completed.stdout == ''
    assert calls == ['install --skip-existing 3.13']
    assert completed.stderr.endswith(
        'BUILD FAILED\nmatrix: no Python 3.13 (on PATH, under pyenv, or installable with pyenv)\n'
    ), completed.stderr


def test_without_pyenv_a_missing_python_fails_without_an_install(machine):
    completed, calls = machine(pyenv=False)
    assert completed.returncode == 1 and completed.stdout == '' and calls == []
    assert completed.stderr == 'matrix: no Python 3.13 (on PATH, under pyenv, or installable with pyenv)\n'
