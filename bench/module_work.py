"""The module's own work, without Ansible: parse a config file, edit one
profile, render the new text. The same calls aws_sso_profile makes
(plugins/modules/aws_sso_profile.py), in this process."""

import functools
import marshal
import os
import re
import sys
import time

import profiles
from ansible_runs import REPOSITORY
from results import Section
from timing import progress

# `make link` makes the checkout importable as ansible_collections.recro.aws_sso.
sys.path.insert(0, os.path.join(REPOSITORY, ".cache", "collections"))

from ansible_collections.recro.aws_sso.plugins.module_utils._aws.config import AwsConfig  # noqa: E402
from ansible_collections.recro.aws_sso.plugins.module_utils._aws.profiles import (  # noqa: E402
    apply_request,
    build_request,
)


def _edit_one_profile(size):
    """The options of a task that changes the Region of the profile in the middle of the file."""
    index = size // 2
    return {
        "name": profiles.profile_name(index),
        "sso_session": profiles.SESSION_NAME,
        "sso_account_id": profiles.account_id(index),
        "sso_role_name": profiles.ROLE_NAME,
        "region": "eu-west-1",
        "output": profiles.OUTPUT,
    }


def _write_all(size):
    """The options of a task that writes ``size`` profiles and the session to a new file."""
    return {
        "sso_session": profiles.SESSION_NAME,
        "sso_start_url": profiles.SESSION["sso_start_url"],
        "sso_region": profiles.SESSION["sso_region"],
        "region": profiles.REGION,
        "output": profiles.OUTPUT,
        "profiles": profiles.profile_items(size),
    }


def _parse_edit_render(text, params):
    """What aws_sso_profile computes for ``params`` on a file of ``text``: the new text."""
    outcome = apply_request(AwsConfig(text), build_request(params))
    if len(outcome.changes) != 1:
        raise RuntimeError("expected one change, got {0}".format(outcome.changes))
    return outcome.text


def _write_new_file(params):
    """The text of a new file written for ``params``."""
    return apply_request(AwsConfig(""), build_request(params)).text


def _timed_in_turns(functions, repeats):
    """The run times of each function, run in turns (see timing.measure_in_turns)."""
    runs = [[] for function in functions]
    for _round in range(repeats):
        for function, times in zip(functions, runs):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    return runs


# `from ansible_collections.recro.aws_sso.plugins.module_utils._pkg.x import ...`,
# `from ansible_collections.recro.aws_sso.plugins.module_utils._pkg import x as ...` and
# `from ansible_collections.recro.aws_sso.plugins.module_utils import _x`, at the top level: what
# every run loads (code imported inside a function, the writing code, loads only when a run needs it)
_COLLECTION_IMPORT = re.compile(
    r"^from ansible_collections\.recro\.aws_sso\.plugins\.module_utils(?:\.(\w+))?(?:\.(\w+))? import \(?\s*(\w+)",
    re.MULTILINE,
)


def _module_sources(module_path):
    """The module's file and every module_utils file of the collection it imports at the top level,
    directly or not: what a run that changes nothing loads."""
    utils = os.path.join(REPOSITORY, "plugins", "module_utils")
    pending = [module_path]
    found = []
    while pending:
        path = pending.pop()
        if path in found:
            continue
        found.append(path)
        with open(path) as source:
            for package, submodule, name in _COLLECTION_IMPORT.findall(source.read()):
                pending.append(os.path.join(utils, package or "", (submodule or name) + ".py"))
    return found


def _compile_all(paths, once=(), kept=()):
    """A function compiling ``paths`` as a run does: twice, as Python's zip importer does when
    AnsiballZ imports from its zip (3.8 to 3.13), once to find the file's name (get_filename) and
    once to run it (get_code); once for the paths in ``once``, the collection's module_utils,
    which its modules import after module_utils/_compile_once.py; and for the paths in ``kept``,
    their code loaded as module_utils/_compile_once.py loads it from its cache on a later run."""
    sources = []
    for path in paths:
        with open(path) as source:
            text = source.read()
        if path in kept:
            sources.append((path, marshal.dumps(compile(text, path, "exec")), 0))
        else:
            sources.append((path, text, 1 if path in once else 2))

    def compile_sources():
        for path, text, times in sources:
            if not times:
                marshal.loads(text)
            for _time in range(times):
                compile(text, path, "exec")

    return compile_sources


def compile_cost(repeats):
    """What every run of the module pays before it starts: Ansible ships the module and its
    module_utils as source (AnsiballZ) and Python compiles them on each run, the module_utils only
    on a first run (later runs load them from module_utils/_compile_once.py's cache). Against
    ansible.builtin.ping, the floor."""
    import ansible.modules.ping

    ours = _module_sources(os.path.join(REPOSITORY, "plugins", "modules", "aws_sso_profile.py"))
    # The module and _compile_once.py are compiled twice (the zip importer's), the rest once or kept.
    module_utils = [path for path in ours[1:] if not path.endswith(os.sep + "_compile_once.py")]
    ping = [ansible.modules.ping.__file__]
    first_runs, later_runs, ping_runs = _timed_in_turns(
        [_compile_all(ours, once=module_utils), _compile_all(ours, kept=module_utils), _compile_all(ping)], repeats
    )
    return ours, first_runs, later_runs, ping_runs


def module_work(sizes, write_sizes, repeats):
    section = Section(
        "module_work",
        "Module work alone: parse, edit one profile, render",
        "`AwsConfig(text)` then `apply_request(config, build_request(params))` and the new text, in one Python "
        "process: what aws_sso_profile computes between reading and writing the file. Files of N profiles (and "
        "their session); the task changes the Region of the profile in the middle. Median of {0} runs.".format(repeats),
    )
    section.series["profiles"] = list(sizes)
    section.series["edit one"] = []
    per_profile = {}
    for size in sizes:
        text = profiles.config_text(size)
        params = _edit_one_profile(size)

        parse = functools.partial(AwsConfig, text)
        parse_edit_render = functools.partial(_parse_edit_render, text, params)

        progress("module work: {0} profiles".format(size))
        parse_edit_render()  # warm-up: regular expressions compiled, caches filled
        total_runs, parse_runs = _timed_in_turns([parse_edit_render, parse], repeats)
        total = section.measured("{0} profiles: parse, edit one, render".format(size), total_runs)
        section.measured("{0} profiles: of which parse".format(size), parse_runs)
        per_profile[size] = total / size
        section.series["edit one"].append(total)
        if size == 5000:
            section.goal("parse, edit one and render 5,000 profiles", total * 1000, 100, "ms")

    smallest = min(sizes)
    rows = []
    for size in sizes:
        rows.append(
            [
                "{0:,}".format(size),
                "{0:.1f} µs".format(per_profile[size] * 1e6),
                "{0:.2f}".format(per_profile[size] / per_profile[smallest]),
            ]
        )
    section.table(
        "Time per profile in the file (parse, edit one, render)",
        ["profiles", "per profile", "relative to {0:,}".format(smallest)],
        rows,
    )
    largest = max(sizes)
    # Linear growth keeps the time per profile flat; 1.25 leaves room for noise and cache effects.
    section.ratio(
        "time per profile at {0:,} / at {1:,} (linear: 1.0)".format(largest, smallest),
        per_profile[largest] / per_profile[smallest],
        goal=1.25,
    )

    section.series["write sizes"] = list(write_sizes)
    section.series["write all"] = []
    for size in write_sizes:
        params = _write_all(size)

        write_all = functools.partial(_write_new_file, params)

        progress("module work: write {0} profiles to a new file".format(size))
        write_all()
        section.series["write all"].append(
            section.measured(
                "write {0} profiles and the session to a new file".format(size),
                _timed_in_turns([write_all], repeats)[0],
            )
        )

    progress("module work: compiling the module's sources")
    sources, first_runs, later_runs, ping_runs = compile_cost(repeats)
    section.measured(
        "compile aws_sso_profile and the module_utils a no-op loads ({0} files), first run".format(len(sources)),
        first_runs,
    )
    section.measured(
        "compile aws_sso_profile and load the module_utils from the cache, later runs",
        later_runs,
    )
    section.measured("compile ansible.builtin.ping, on every run", ping_runs)
    section.note(
        "AnsiballZ ships a module and its module_utils as source, without bytecode. Python's zip importer "
        "compiles a file once to find its name and again to run it: ping, the module file and "
        "module_utils/_compile_once.py pay twice on every run. The collection's other module_utils are "
        "compiled once, on the first run of their version, and later runs load the code kept in the "
        "effective user's ~/.ansible/recro.aws_sso/bytecode (module_utils/_compile_once.py). For a no-op "
        "aws_sso_profile: {0}.".format(", ".join(os.path.relpath(path, REPOSITORY) for path in sources))
    )
    return section
