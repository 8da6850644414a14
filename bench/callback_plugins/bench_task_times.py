# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records when each task started and how it ended on each host, for the benchmarks.

Enabled by bench/run.py only (ANSIBLE_CALLBACKS_ENABLED=bench_task_times),
beside the normal output: when the playbook ends, it appends one line of JSON
to the file named by the environment variable BENCH_TASK_TIMES, so that the
repetitions of a measurement accumulate in one file. A task's cost is the time
from its start to the start of the next task (or to the end of the play), so
that it includes everything the controller does for it: templating,
conditionals, forking workers, reading results.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_task_times
type: aggregate
short_description: task start times and per-host outcomes, as JSON, for bench/run.py
description:
  - Appends the tasks of a playbook run, with their start and end times and each host's outcome, as one line of
    JSON to the file named by the environment variable E(BENCH_TASK_TIMES).
requirements:
  - enabled in the configuration (C(callbacks_enabled))
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_task_times"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.started = time.time()
        self.tasks = []

    def _start(self, task):
        now = time.time()
        if self.tasks:
            self.tasks[-1].setdefault("end", now)
        self.tasks.append({"name": task.get_name(), "action": task.action, "start": now, "hosts": {}})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_playbook_on_play_start(self, play):
        # The gap between plays (and the end of the last task of a play) is not a task's.
        if self.tasks:
            self.tasks[-1].setdefault("end", time.time())

    def _outcome(self, result, status):
        host = getattr(result, "host", None) or result._host
        if self.tasks:
            self.tasks[-1]["hosts"][host.get_name()] = status

    def v2_runner_on_ok(self, result):
        self._outcome(result, "changed" if result._result.get("changed") else "ok")
        # A controller action that asked the host (recro.aws_sso.onboarding_settings in a play
        # that gathered no facts) reached it.
        if (
            self.tasks
            and result._task.action.endswith("onboarding_settings")
            and result._result.get("facts_from")
            in (
                "question",
                "setup",
            )
        ):
            self.tasks[-1]["reached_host"] = True

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._outcome(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._outcome(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._outcome(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        now = time.time()
        if self.tasks:
            self.tasks[-1].setdefault("end", now)
        path = os.environ.get("BENCH_TASK_TIMES")
        if not path:
            return
        report = {
            "start": self.started,
            "end": now,
            "tasks": self.tasks,
            "hosts": dict((host, stats.summarize(host)) for host in sorted(stats.processed)),
        }
        with open(path, "a") as output:
            output.write(json.dumps(report) + "\n")
