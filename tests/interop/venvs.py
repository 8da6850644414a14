# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Python clients of ``tests/interop``, each in a virtual environment of its own, from PyPI.

Each is pinned in ``requirements/interop-NAME.txt``, generated from ``requirements/interop-NAME.in``::

    python tests/interop/venvs.py --pin [NAME...]

The environments live in ``.cache/interop/NAME`` and are built by ``scripts/venv.sh``, which keeps one
whose pinned file and Python are unchanged; a test session builds the missing ones side by side, once
(pytest-xdist's workers take turns on a lock, and the later ones find them ready).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPOSITORY / 'requirements'
CACHE = REPOSITORY / '.cache' / 'interop'
# Name -> what it is; its pins are requirements/interop-NAME.in and .txt.
CLIENTS = {
    'awscli-v1': 'the newest AWS CLI v1 (pip awscli) and its botocore',
    'botocore-minimum': "botocore at the collection's minimum and the boto3 released with it",
    'botocore-below-minimum': 'the botocore release just below the minimum and its boto3',
    'aws-sso-util': 'aws-sso-util, which reads legacy SSO profiles only',
}
# Seconds one environment may take to build (pip from PyPI, a few packages).
BUILD_TIMEOUT = 600


def requirements_file(name, suffix='.txt'):
    return REQUIREMENTS / 'interop-{0}{1}'.format(name, suffix)


def pinned_version(name, package):
    """The version of ``package`` pinned in ``requirements/interop-NAME.txt``."""
    prefix = package.lower() + '=='
    for line in requirements_file(name).read_text(encoding='utf-8').splitlines():
        if line.lower().startswith(prefix):
            return line[len(prefix) :].strip()
    raise LookupError('{0} is not pinned in {1}'.format(package, requirements_file(name).name))


@contextlib.contextmanager
def lock():
    """The cache's lock, held while a test session builds what lives there."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(str(CACHE / '.lock'), 'w', encoding='utf-8') as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def build(python=sys.executable):
    """Every client's environment, up to date with its pins (built side by side where needed): name -> directory."""
    directories = {name: CACHE / name for name in CLIENTS}
    with lock():
        builds = {
            name: subprocess.Popen(
                [str(REPOSITORY / 'scripts' / 'venv.sh'), python, str(directory), str(requirements_file(name))],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for name, directory in directories.items()
        }
        failed = []
        for name, process in builds.items():
            output, dummy = process.communicate(timeout=BUILD_TIMEOUT)
            if process.returncode != 0:
                failed.append('{0}: {1}'.format(name, output))
    if failed:
        raise RuntimeError('could not build the client environments:\n' + '\n'.join(failed))
    return directories


def pin(names, python=sys.executable):
    """Regenerate ``requirements/interop-NAME.txt`` from its ``.in``: installed in a scratch venv, then frozen."""
    for name in names:
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run([python, '-m', 'venv', scratch], check=True)
            scratch_python = str(Path(scratch) / 'bin' / 'python')
            install = [scratch_python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r']
            subprocess.run(install + [str(requirements_file(name, '.in'))], check=True)
            frozen = subprocess.run(
                [scratch_python, '-m', 'pip', 'freeze'], check=True, stdout=subprocess.PIPE, text=True
            ).stdout
        header = '# {0}: pinned from {1} by `python tests/interop/venvs.py --pin`; do not edit by hand.\n'.format(
            CLIENTS[name], requirements_file(name, '.in').relative_to(REPOSITORY)
        )
        requirements_file(name).write_text(header + frozen, encoding='utf-8')
        print('pinned {0}'.format(requirements_file(name).relative_to(REPOSITORY)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pin', action='store_true', help='regenerate the pinned requirements files')
    parser.add_argument(
        'names', nargs='*', metavar='NAME', help='of {0} (default: every one)'.format(', '.join(CLIENTS))
    )
    arguments = parser.parse_args()
    unknown = sorted(set(arguments.names) - set(CLIENTS))
    if unknown:
        parser.error('unknown: {0}'.format(', '.join(unknown)))
    if arguments.pin:
        pin(arguments.names or list(CLIENTS))
    else:
        for name, directory in build().items():
            print('{0}: {1}'.format(name, directory))


if __name__ == '__main__':
    main()
