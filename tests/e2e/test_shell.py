# -*- coding: utf-8 -*-
# Copyright: Recro platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""aws_sso_shell through ansible-playbook, with real bash login shells reading the result."""

from __future__ import annotations

import os

from ansible_collections.recro.aws_sso.plugins.module_utils._shell import rc as shell_rc
from ansible_collections.recro.aws_sso.tests.support.shells import exported_profile
from ansible_collections.recro.aws_sso.tests.support.users import as_user, throwaway_user

OLD_TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.blockinfile:
        path: "{{ home }}/.bashrc"
        marker: "# {mark} recro.aws_sso: AWS default profile"
        block: |-
          # The profile aws and the AWS SDKs use without --profile.
          # Sign in with: aws sso login --sso-session recro
          export AWS_DEFAULT_PROFILE=dev
          export AWS_PROFILE=dev
        create: true
"""

NEW_TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_shell:
        profile: dev
        session_name: recro
        shells: [bash]
        move_block_to_win: "{{ move | default(false) }}"
      register: result
    - ansible.builtin.copy:
        content: "{{ {'result': result} | to_json }}"
        dest: "{{ results_file }}"
"""


def login_profile(home):
    return exported_profile("bash", dict(PATH=os.environ["PATH"], HOME=str(home)))


def test_old_block_unchanged_then_override_reported_and_moved(run_playbook, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_bytes(b"alias ll='ls -l'\n")
    env = dict(os.environ, HOME=str(home))
    assert run_playbook(OLD_TASK, env, {"home": str(home)}).returncode == 0
    old = (home / ".bashrc").read_bytes()

    run = run_playbook(NEW_TASK, env)
    assert run.returncode == 0, run.output
    assert run.saved["result"]["changed"] is False
    assert (home / ".bashrc").read_bytes() == old
    assert login_profile(home) == "dev"

    with open(home / ".bashrc", "a") as handle:
        handle.write("export AWS_PROFILE=legacyvalue\n")
    assert login_profile(home) == "legacyvalue"
    run = run_playbook(NEW_TASK, env)
    (conflict,) = run.saved["result"]["conflicts"]
    assert (conflict["line"], conflict["variable"], conflict["kind"]) == (8, "AWS_PROFILE", "profile_override")
    assert "legacyvalue" not in str(conflict)

    run = run_playbook(NEW_TASK, env, {"move": True})
    assert run.saved["result"]["files"][0]["action"] == "moved"
    assert run.saved["result"]["conflicts"] == []
    assert b"export AWS_PROFILE=legacyvalue\n" in (home / ".bashrc").read_bytes()
    assert (home / ".bashrc").read_bytes().endswith(shell_rc.END.encode() + b"\n")
    assert login_profile(home) == "dev"


ROOT_TASK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - recro.aws_sso.aws_sso_shell:
        user: "{{ target }}"
        profile: dev
        shells: [bash]
      register: result
    - ansible.builtin.copy:
        content: "{{ {'result': result} | to_json }}"
        dest: "{{ results_file }}"
"""


def test_root_writes_for_another_user_without_become(run_playbook, tmp_path):
    import pwd

    import pytest

    if os.geteuid() != 0:
        pytest.skip("needs root to create a user")
    with throwaway_user("/bin/bash") as user:
        name, home = user.pw_name, user.pw_dir
        private = tmp_path / "private"
        private.mkdir(mode=0o700)
        os.chmod(tmp_path, 0o700)
        run = run_playbook(ROOT_TASK, dict(os.environ), {"target": name})
        assert run.returncode == 0, run.output
        rc = os.path.join(home, ".bashrc")
        assert os.stat(rc).st_uid == pwd.getpwnam(name).pw_uid
        assert as_user(user, ["bash", "-ic", 'printf %s "$AWS_PROFILE"']) == "dev"
