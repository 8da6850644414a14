# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running a program as a user within a deadline: real processes."""

from __future__ import annotations

import os
import pathlib
import time

import pytest

from ansible_collections.recro.aws_sso.plugins.module_utils._common import files as user_files
from ansible_collections.recro.aws_sso.plugins.module_utils._common import programs
from ansible_collections.recro.aws_sso.tests.support.users import throwaway_user

ENVIRONMENT = dict(PATH="/usr/bin:/bin", LANG="C.UTF-8")
# Prints the ids and the directory it runs with, and one word on stderr.
IDS = "id -u; id -g; pwd; echo said >&2"


def me():
    return user_files.find_account()


def test_a_program_that_prints_gives_stdout_and_stderr_as_text_with_stdin_closed():
    done = programs.run(me(), ["sh", "-c", "printf 'out caf\\303\\251\\n'; echo err >&2; cat"], ENVIRONMENT, 10)
    assert done.returncode == 0
    assert done.stdout == "out café\nerr\n"


def test_a_program_gets_the_environment_it_is_given_and_nothing_else():
    done = programs.run(me(), ["/usr/bin/env"], dict(ONLY="this"), 10)
    assert done.stdout.splitlines() == ["ONLY=this"]


def test_a_program_that_fails_keeps_its_return_code_and_words():
    done = programs.run(me(), ["sh", "-c", "echo broken; exit 3"], ENVIRONMENT, 10)
    assert (done.returncode, done.stdout) == (3, "broken\n")


def test_of_a_program_that_prints_without_end_only_the_last_bytes_are_kept():
    # 64 MiB of "y" lines, then the words a caller reads: the process never holds more than the limit.
    script = "yes | head -c 67108864; echo; echo the last words"
    done = programs.run(me(), ["sh", "-c", script], ENVIRONMENT, 60)
    assert done.returncode == 0
    assert len(done.stdout) == programs.OUTPUT_LIMIT
    assert done.stdout.endswith("y\n\nthe last words\n")


def test_a_program_past_its_deadline_is_stopped_with_what_it_started_and_named(tmp_path):
    started = time.monotonic()
    # A child holding the pipe open: the deadline stops it too, or run() would wait for it.
    script = "sleep 30 & echo $! > {0}; wait".format(tmp_path / "child")
    done = programs.run(me(), ["sh", "-c", script], ENVIRONMENT, 0.5)
    assert time.monotonic() - started < 5
    assert done.returncode == programs.TIMED_OUT == 124
    assert done.stdout == "sh did not answer within 0.5 s"
    assert not still_running(int((tmp_path / "child").read_text()))


def still_running(pid, wait=5):
    """Whether ``pid`` is alive (neither gone nor a zombie) after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with open("/proc/{0}/stat".format(pid)) as status:
                if status.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return False
        except FileNotFoundError:
            return False
        time.sleep(0.05)
    return True


def test_a_program_that_does_not_exist_is_a_failure_not_an_exception(tmp_path):
    missing = str(tmp_path / "no-such-program")
    done = programs.run(me(), [missing, "--version"], ENVIRONMENT, 10)
    assert done.returncode == programs.CANNOT_START == 127
    assert done.stdout == "{0}: No such file or directory".format(missing)


def test_a_program_that_is_not_executable_is_a_failure_too(tmp_path):
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\necho ran\n")
    done = programs.run(me(), [str(script)], ENVIRONMENT, 10)
    assert (done.returncode, done.stdout) == (programs.CANNOT_START, "{0}: Permission denied".format(script))


def test_it_runs_in_the_user_s_home_or_in_the_root_directory_without_one(tmp_path):
    account = me()
    home = user_files.Account(account.name, account.uid, account.gid, str(tmp_path))
    assert programs.run(home, ["pwd"], {}, 10).stdout == "{0}\n".format(tmp_path)
    gone = user_files.Account(account.name, account.uid, account.gid, str(tmp_path / "gone"))
    assert programs.run(gone, ["pwd"], {}, 10).stdout == "/\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user needs root; CI runs as root")
def test_root_acting_for_a_user_runs_the_program_with_the_user_s_ids():
    with throwaway_user() as entry:
        account = user_files.find_account(entry.pw_name)
        done = programs.run(account, ["sh", "-c", IDS], ENVIRONMENT, 10)
        assert done.returncode == 0
        assert done.stdout.splitlines() == [str(entry.pw_uid), str(entry.pw_gid), entry.pw_dir, "said"]


@pytest.mark.skipif(os.geteuid() != 0, reason="root acting for another user needs root; CI runs as root")
def test_a_program_that_switches_itself_starts_with_this_process_s_ids():
    with throwaway_user() as entry:
        account = user_files.find_account(entry.pw_name)
        done = programs.run(account, ["sh", "-c", IDS], ENVIRONMENT, 10, switch=False)
        assert done.stdout.splitlines() == ["0", "0", entry.pw_dir, "said"]


def test_a_program_that_ends_leaving_a_child_on_its_output_is_done_not_timed_out():
    # A .bashrc with "sleep 60 &": the shell has ended and said all it had to say.
    started = time.monotonic()
    done = programs.run(me(), ["sh", "-c", "sleep 60 & echo $!; exit 4"], ENVIRONMENT, 20)
    elapsed = time.monotonic() - started
    assert done.returncode == 4 and done.stdout.strip().isdigit(), done
    assert elapsed < 10, elapsed
    # What it left behind holding the pipe was stopped with it.
    child = "/proc/{0}".format(done.stdout.strip())
    for _attempt in range(50):
        if not os.path.exists(child) or "Z" in pathlib.Path(child, "stat").read_text().split()[2]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the background child is still running")


def test_all_output_of_a_program_is_read_however_long():
    done = programs.run(me(), ["sh", "-c", "yes x | head -n 150000"], ENVIRONMENT, 20)
    assert done.returncode == 0 and done.stdout == "x\n" * 150000
