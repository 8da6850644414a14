# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWS CLI's version, from its own Python where the CLI is an awscli entry point, else from
``aws --version``: real files, real processes, stand-in CLIs that record being run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._notify import cli, desktop
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user needs root; CI runs as root")
# An interpreter every user can run (this one may live where only root can reach it).
SYSTEM_PYTHON = shutil.which("python3", path=os.defpath)

# An entry point as pip writes for the CLI v1 and Debian for v2: the licence header, then awscli.
ENTRY_POINT = """#!{python}
# Copyright 2012 Amazon.com, Inc. or its affiliates. All Rights Reserved.
import sys
import os

open(os.environ["RAN"], "a").write("ran\\n")
import awscli.clidriver


def main():
    return awscli.clidriver.main()


if __name__ == '__main__':
    sys.exit(main())
"""
# A stand-in awscli: what `aws --version` of that version prints (v1: on stderr).
PACKAGE = '__version__ = "{version}"\n'
CLIDRIVER = """import sys
from awscli import __version__


def main():
    sys.stderr.write("aws-cli/{0} Python/3.11.7 Linux/6.1.0 botocore/1.43.0\\n".format(__version__))
    return 0
"""
SHELL_CLI = """#!/bin/sh
echo ran >> "$RAN"
echo "aws-cli/1.46.3 Python/3.11.7 Linux/6.1.0 botocore/1.43.0" >&2
"""


def write_program(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


def write_awscli(directory, version):
    """A stand-in awscli package in ``directory`` whose ``__version__`` is ``version``."""
    package = directory / "awscli"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PACKAGE.format(version=version), encoding="utf-8")
    (package / "clidriver.py").write_text(CLIDRIVER, encoding="utf-8")


class Machine:
    """A PATH of one directory (``bin``), a home, and a record of every run of the CLI itself."""

    def __init__(self, root):
        self.bin = root / "bin"
        self.bin.mkdir()
        self.home = root / "home"
        self.home.mkdir()
        self.ran = root / "ran"
        self.environment = dict(PATH=str(self.bin), RAN=str(self.ran), LANG="C.UTF-8")
        account = user_files.find_account()
        self.account = user_files.Account(account.name, account.uid, account.gid, str(self.home))

    def runs(self):
        return self.ran.read_text().count("ran") if self.ran.exists() else 0

    def find_cli(self):
        return cli.find_cli(self.account, self.environment)


@pytest.fixture
def machine(tmp_path):
    return Machine(tmp_path)


@pytest.mark.parametrize(
    "output, expected",
    [
        ("aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off\n", ("2.9.19", 2)),
        ("aws-cli/1.46.3 Python/3.11.7 Linux/6.1.0 botocore/1.43.0\n", ("1.46.3", 1)),
        ("pyenv: aws: command not found\n", (None, None)),
        ("", (None, None)),
    ],
)
def test_the_version_from_what_aws_version_prints(output, expected):
    assert cli.printed_version(output) == expected


@pytest.mark.parametrize(
    "output, expected",
    [
        ("2.9.19\n", ("2.9.19", 2)),
        ("1.46.3", ("1.46.3", 1)),
        ("Traceback (most recent call last):\nModuleNotFoundError: No module named 'awscli'\n", (None, None)),
        ("2.9.19\nDeprecationWarning: something\n", (None, None)),
        ("2\n", (None, None)),
        ("aws-cli/2.9.19\n", (None, None)),
        ("", (None, None)),
    ],
)
def test_the_interpreter_s_answer_is_a_version_and_nothing_else(output, expected):
    assert cli.answered_version(output) == expected


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"#!/usr/bin/python3\nimport awscli\n", ("/usr/bin/python3", None)),
        (b"#! /usr/bin/env python3.11 \n", ("/usr/bin/env", "python3.11")),
        (b"#!/opt/cli/bin/python -sE\n", ("/opt/cli/bin/python", "-sE")),
        (b"#!/usr/bin/env -S python3 -s\n", ("/usr/bin/env", "-S python3 -s")),
        (b"#!/usr/bin/python3", None),  # no end of line within what was read
        (b"#!\n", None),
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"#!/usr/bin/\xffpython3\n", None),
        (b"import awscli\n", None),
    ],
)
def test_the_shebang_is_the_interpreter_and_one_argument(head, expected):
    assert cli.parse_shebang(head) == expected


@pytest.mark.parametrize(
    "shebang, expected",
    [
        (("/usr/bin/python3", None), ["/usr/bin/python3"]),
        (("/opt/cli/libexec/bin/python3.11", None), ["/opt/cli/libexec/bin/python3.11"]),
        (("/opt/cli/libexec/bin/python", "-sE"), ["/opt/cli/libexec/bin/python", "-sE"]),
        (("/usr/bin/env", "python3"), ["{bin}/python3"]),
        (("/usr/bin/env", "python3.11"), None),  # not on that PATH
        (("/usr/bin/env", "-S python3 -s"), None),
        (("/usr/bin/env", None), None),
        (("/usr/bin/python3", "-c print(1)"), None),
        (("/usr/bin/python3", "-m awscli"), None),
        (("python3", None), None),  # the kernel runs no relative interpreter
        (("/bin/sh", None), None),
        (("/usr/bin/perl", "-w"), None),
        (("/usr/bin/python3-config", None), None),
    ],
)
def test_the_interpreter_is_python_named_absolutely_or_found_by_env_on_the_same_path(tmp_path, shebang, expected):
    (tmp_path / "python3").symlink_to(sys.executable)
    command = cli.python_command(shebang, lambda name: cli.desktop.find_program(name, dict(PATH=str(tmp_path))))
    assert command == (None if expected is None else [word.format(bin=tmp_path) for word in expected])


@pytest.mark.parametrize(
    "script, expected",
    [
        (ENTRY_POINT, True),
        ("#!/usr/bin/python3\nimport re\nimport sys\nfrom awscli.clidriver import main\nsys.exit(main())\n", True),
        ("#!/usr/bin/python3\nfrom awscli import clidriver\n", True),
        ("#!/usr/bin/python3\n    import awscli.clidriver\n", True),
        ("#!/usr/bin/python3\n# import awscli\nimport awscli_plugin\n", False),
        ("#!/usr/bin/python3\nfrom aws_sso_util.cli import cli\n", False),
        (SHELL_CLI, False),
    ],
)
def test_an_awscli_entry_point_imports_awscli(tmp_path, script, expected):
    head = cli.read_head(str(write_program(tmp_path / "aws", script)))
    assert cli.is_awscli_entry_point(head) is expected


def test_only_the_head_of_a_regular_file_is_read(tmp_path):
    big = tmp_path / "aws"
    big.write_bytes(b"\x7fELF" + b"\0" * (1 << 20))
    assert cli.read_head(str(big)) == (b"\x7fELF" + b"\0" * (1 << 20))[: cli.HEAD_LIMIT]
    os.mkfifo(str(tmp_path / "fifo"))
    assert cli.read_head(str(tmp_path / "fifo")) is None  # and did not wait for a writer
    assert cli.read_head(str(tmp_path)) is None
    assert cli.read_head(str(tmp_path / "missing")) is None


def test_a_python_cli_is_asked_through_its_interpreter_and_never_started(machine):
    write_program(machine.bin / "aws", ENTRY_POINT.format(python=sys.executable))
    write_awscli(machine.bin, "1.46.3")
    assert machine.find_cli() == dict(path=str(machine.bin / "aws"), version="1.46.3", major=1)
    assert machine.runs() == 0


def test_the_awscli_asked_about_is_the_one_beside_the_real_script_not_one_in_the_home(machine, tmp_path):
    # aws a symlink to the script elsewhere, as Debian's alternatives and Homebrew's bin are.
    real = write_program(tmp_path / "cli" / "bin" / "aws", ENTRY_POINT.format(python=sys.executable))
    write_awscli(real.parent, "2.9.19")
    (machine.bin / "aws").symlink_to(real)
    # The program runs in the home; "-c" alone would put it first on sys.path.
    write_awscli(machine.home, "9.9.9")
    assert machine.find_cli() == dict(path=str(machine.bin / "aws"), version="2.9.19", major=2)
    assert machine.runs() == 0


def test_env_finds_the_interpreter_on_the_user_s_path(machine):
    (machine.bin / "python3").symlink_to(sys.executable)
    write_program(machine.bin / "aws", ENTRY_POINT.format(python="/usr/bin/env python3"))
    write_awscli(machine.bin, "1.46.3")
    assert machine.find_cli()["version"] == "1.46.3"
    assert machine.runs() == 0


@pytest.mark.parametrize("version, major", [("not a version", None), ("2.9.19\\nwith more", 2)])
def test_an_interpreter_that_does_not_answer_a_version_leaves_it_to_aws_version(machine, version, major):
    write_program(machine.bin / "aws", ENTRY_POINT.format(python=sys.executable))
    write_awscli(machine.bin, version)
    # What aws --version printed (the stand-in's __version__, as far as it reads as one).
    assert machine.find_cli()["major"] == major
    assert machine.runs() == 1


def test_an_interpreter_that_cannot_start_leaves_it_to_aws_version(machine, tmp_path):
    write_program(machine.bin / "aws", ENTRY_POINT.format(python=tmp_path / "gone" / "python3"))
    assert machine.find_cli() == dict(path=str(machine.bin / "aws"), version=None, major=None)
    assert machine.runs() == 0  # nor could aws itself start: its interpreter is gone


@pytest.mark.parametrize("script", [SHELL_CLI, "#!{python}\nimport sys\nsys.stderr.write('aws-cli/1.46.3 x\\n')\n"])
def test_a_shell_wrapper_or_another_python_program_is_asked_aws_version(machine, script):
    write_program(machine.bin / "aws", script.format(python=sys.executable))
    assert machine.find_cli() == dict(path=str(machine.bin / "aws"), version="1.46.3", major=1)
    assert machine.runs() == (1 if script == SHELL_CLI else 0)


def test_an_aws_that_prints_a_version_and_fails_does_not_answer_as_the_aws_cli_does(machine):
    write_program(machine.bin / "aws", "#!/bin/sh\necho aws-cli/2.9.19 Python/3.11.2\nexit 1\n")
    assert machine.find_cli() == dict(path=str(machine.bin / "aws"), version=None, major=None)


def test_a_binary_is_no_python_script(tmp_path):
    binary = tmp_path / "aws"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"import awscli\n")
    assert cli.version_question(str(binary), cli.read_head(str(binary)), shutil.which) is None


def test_without_aws_on_the_path_there_is_no_cli(machine):
    assert machine.find_cli() is None


@needs_root
def test_root_acting_for_a_user_asks_the_user_s_cli_as_the_user():
    with throwaway_user() as entry:
        home = Path(entry.pw_dir)
        tools = home / ".local" / "bin"
        write_program(tools / "aws", ENTRY_POINT.format(python=SYSTEM_PYTHON))
        # The version says whose ids imported it.
        package = tools / "awscli"
        package.mkdir()
        (package / "__init__.py").write_text("import os\n__version__ = '1.{0}.0'.format(os.getuid())\n")
        subprocess.run(["chown", "-R", "{0}:{1}".format(entry.pw_uid, entry.pw_gid), str(home)], check=True)
        account = user_files.find_account(entry.pw_name)
        environment = dict(PATH=str(tools), RAN=str(home / "ran"))
        found = cli.find_cli(account, environment)
        assert found == dict(path=str(tools / "aws"), version="1.{0}.0".format(entry.pw_uid), major=1)
        assert not (home / "ran").exists()


@pytest.fixture
def shared_directory():
    """A directory every user can reach (pytest's own are root's alone)."""
    directory = Path(tempfile.mkdtemp(prefix="recro-cli-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(str(directory))


@needs_root
def test_root_reads_no_script_the_user_could_not_read(shared_directory):
    # A CLI only root can read, that the user's aws links to: had root read it for the user, its
    # interpreter would be asked and would find the awscli on PYTHONPATH (the user can read that).
    private = shared_directory / "private"
    write_program(private / "aws", ENTRY_POINT.format(python=SYSTEM_PYTHON))
    private.chmod(0o700)
    readable = shared_directory / "readable"
    write_awscli(readable, "6.6.6")
    with throwaway_user() as entry:
        tools = Path(entry.pw_dir) / "bin"
        tools.mkdir()
        (tools / "aws").symlink_to(private / "aws")
        os.chown(str(tools), entry.pw_uid, entry.pw_gid)
        os.lchown(str(tools / "aws"), entry.pw_uid, entry.pw_gid)
        account = user_files.find_account(entry.pw_name)
        environment = dict(PATH=str(tools), PYTHONPATH=str(readable), RAN=str(shared_directory / "ran"))
        found = cli.find_cli(account, environment)
    # aws is on the PATH as root sees it; the user can neither read nor run it: for the user, no CLI.
    assert found is None


@needs_root
def test_root_finds_the_cli_the_user_s_login_shell_finds():
    # The audit's user: ~/.profile puts pyenv's shims (an AWS CLI v1) before /usr/bin, where a v2 may be.
    with throwaway_user("/bin/bash") as entry:
        home = Path(entry.pw_dir)
        write_program(home / ".pyenv" / "shims" / "aws", SHELL_CLI)
        with open(str(home / ".profile"), "a") as profile:
            profile.write('export PATH="$HOME/.pyenv/shims:$PATH"\n')
        subprocess.run(["chown", "-R", "{0}:{1}".format(entry.pw_uid, entry.pw_gid), str(home)], check=True)
        account = user_files.find_account(entry.pw_name)
        environment = desktop.user_environment(account, dict(PATH="/root/bin"))
        environment["RAN"] = "/dev/null"
        found = cli.find_cli(account, environment)
    assert found == dict(path=str(home / ".pyenv" / "shims" / "aws"), version="1.46.3", major=1)
