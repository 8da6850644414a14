"""Wall-clock measurements that survive a shared, noisy machine.

Every figure the benchmarks report is the median of several repetitions, and
the things compared with each other are run in turns (A, B, C, A, B, C, ...)
rather than one after the other, so that a burst of load from another process
hits all of them alike instead of skewing one ratio.
"""

import os
import resource
import statistics
import subprocess
import sys
import time


class CommandFailed(RuntimeError):
    """A measured command exited with a status it was not expected to."""


class Case:
    """One thing to time: a command, or a Python callable.

    ``prepare`` runs before every repetition and is not timed (for example,
    removing the file the command is about to create). ``expect_status`` is the
    exit status a command must end with: a benchmark of a failed run measures
    nothing. ``warm_up``: run once, untimed, before the timed rounds (see
    :func:`measure_in_turns`).
    """

    def __init__(self, name, command=None, function=None, prepare=None, env=None, expect_status=0, warm_up=True):
        if (command is None) == (function is None):
            raise ValueError("a case is a command or a function")
        self.name = name
        self.command = command
        self.function = function
        self.prepare = prepare
        self.env = env
        self.expect_status = expect_status
        self.warm_up = warm_up
        # CPU seconds the command and every process it waited for used, per
        # timed run: on the controller, what Ansible itself costs.
        self.cpu_runs = []
        # CPU seconds the whole machine was busy during each timed run (None
        # where /proc/stat is missing): with the containers of a fleet on the
        # same cores, whether the run was bound by CPU.
        self.machine_cpu_runs = []

    def run_once(self, log_path=None):
        """The wall seconds, the CPU seconds of child processes and of the whole
        machine that one repetition took."""
        if self.prepare is not None:
            self.prepare()
        cpu_before = _children_cpu()
        machine_before = machine_busy_seconds()
        if self.function is not None:
            start = time.perf_counter()
            self.function()
            return time.perf_counter() - start, _children_cpu() - cpu_before, _since(machine_before)
        with open(log_path or os.devnull, "ab") as log:
            start = time.perf_counter()
            completed = subprocess.run(self.command, stdout=log, stderr=subprocess.STDOUT, env=self.env, check=False)
            elapsed = time.perf_counter() - start
        if completed.returncode != self.expect_status:
            where = " (output in {0})".format(log_path) if log_path else ""
            raise CommandFailed(
                "{0}: exit status {1}, expected {2}{3}".format(
                    self.name, completed.returncode, self.expect_status, where
                )
            )
        return elapsed, _children_cpu() - cpu_before, _since(machine_before)


def measure_in_turns(cases, repeats, log_dir=None):
    """Run every case ``repeats`` times, in turns; the name of each case -> its
    list of times in seconds. A round 0 first runs, untimed, the cases that
    want a warm-up, so that disk caches and first-run work do not land in
    round 1 (cases so slow that one more run would cost minutes skip it)."""
    times = dict((case.name, []) for case in cases)
    for round_number in range(repeats + 1):
        for case in cases:
            if round_number == 0 and not case.warm_up:
                continue
            log_path = None
            if log_dir is not None:
                log_path = case_log(log_dir, case.name)
            elapsed, cpu, machine_cpu = case.run_once(log_path)
            if round_number > 0:
                times[case.name].append(elapsed)
                case.cpu_runs.append(cpu)
                case.machine_cpu_runs.append(machine_cpu)
        if round_number > 0:
            progress(
                "  round {0}/{1}: {2}".format(
                    round_number,
                    repeats,
                    ", ".join("{0} {1}".format(case.name, seconds(times[case.name][-1])) for case in cases),
                )
            )
    return times


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds():
    """CPU seconds all cores of the machine have spent busy since boot, from
    /proc/stat (every process, also those of other users); None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
    ticks = [int(field) for field in fields[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def _since(before):
    after = machine_busy_seconds()
    return None if before is None or after is None else after - before


def median(values):
    return statistics.median(values)


def seconds(value):
    """A duration for people: 7.3 ms, 0.123 s, 1.23 s, 68.4 s."""
    if value < 0.1:
        return "{0:.1f} ms".format(value * 1000)
    if value < 1:
        return "{0:.3f} s".format(value)
    if value < 10:
        return "{0:.2f} s".format(value)
    return "{0:.1f} s".format(value)


def progress(message):
    """Progress goes to stderr, so the final table on stdout stays clean."""
    print(message, file=sys.stderr, flush=True)


def case_log(log_dir, name):
    """The file the output of case ``name`` is appended to, run after run."""
    return os.path.join(
        log_dir, "".join(character if character.isalnum() or character in "-_." else "-" for character in name) + ".log"
    )
