#!/usr/bin/env bash
# Run ansible-test on this collection. ansible-test needs the collection at
# .../ansible_collections/NAMESPACE/NAME/, so this script copies the files git
# knows of (tracked, and untracked but not ignored) to
# .cache/ansible-test/ansible_collections/NAMESPACE/NAME/ (a git repository, as
# ansible-test lists files through git), runs ansible-test there with the given
# arguments, and copies the results back to tests/output/.
#
# It also prepares what ansible-test needs on a host that cannot reach
# ansible-test's own download host:
# - a stand-in for the get-pip script ansible-test uses to put pip into the
#   virtual environments it creates (ensurepip, then pip from the package index);
# - the supported Python versions installed under pyenv but not on PATH, made
#   visible to ansible-test as pythonX.Y in .cache/python-bin/.
#
# Usage: scripts/ansible-test.sh ANSIBLE_TEST_ARGUMENT...
#   e.g. scripts/ansible-test.sh sanity --venv
#        scripts/ansible-test.sh integration --local aws_sso_profile
# Environment: ANSIBLE_TEST     the ansible-test to run (default: the one on PATH)
#              ANSIBLE_TEST_DIR where the copy and the interpreter links go
#                               (default: .cache), one per ansible-test that
#                               runs at the same time (scripts/matrix.sh)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ansible_test=${ANSIBLE_TEST:-ansible-test}

log() {
    printf 'ansible-test.sh: %s\n' "$*"
}

if ! ansible_test_path=$(command -v "$ansible_test"); then
    echo "ansible-test.sh: '$ansible_test' not found: run it through make, or activate .venv" >&2
    exit 1
fi
# The Python that ansible-test (and its ansible_test package) is installed for.
python=$(dirname "$ansible_test_path")/python3

galaxy_value() {
    sed -n "s/^$1:[[:space:]]*\\([A-Za-z0-9_]*\\).*/\\1/p" "$root/galaxy.yml"
}
namespace=$(galaxy_value namespace)
name=$(galaxy_value name)
if [[ -z $namespace || -z $name ]]; then
    echo "ansible-test.sh: no namespace/name in $root/galaxy.yml" >&2
    exit 1
fi
work=${ANSIBLE_TEST_DIR:-$root/.cache}
dest=$work/ansible-test/ansible_collections/$namespace/$name

# --- Python interpreters -------------------------------------------------------
# Every Python version ansible-test supports (controller and targets) that can
# run here, as .cache/python-bin/pythonX.Y.
python_bin=$work/python-bin
mkdir -p "$python_bin"
supported=$("$python" - <<'EOF' || true
from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS
print(' '.join(REMOTE_ONLY_PYTHON_VERSIONS + CONTROLLER_PYTHON_VERSIONS))
EOF
)
if [[ -z $supported ]]; then
    echo "ansible-test.sh: cannot read the supported Python versions from ansible_test" >&2
    exit 1
fi

usable_python() {
    "$1" -c 'import ensurepip, venv' >/dev/null 2>&1
}

found=()
for version in $supported; do
    link=$python_bin/python$version
    candidate=""
    # An interpreter on PATH (outside our own link directory; the base
    # interpreter rather than a virtual environment's) first, then pyenv's.
    if path_python=$(PATH=${PATH//$python_bin:/} command -v "python$version") && usable_python "$path_python"; then
        candidate=$("$path_python" -c 'import os, sys; print(os.path.realpath(sys.executable))')
    elif command -v pyenv >/dev/null 2>&1 && full=$(pyenv latest "$version" 2>/dev/null); then
        candidate=$(pyenv root)/versions/$full/bin/python$version
    fi
    if [[ -n $candidate ]] && usable_python "$candidate"; then
        ln -sfn "$candidate" "$link"
        found+=("$version")
    else
        rm -f "$link"
    fi
done
log "Python versions available: ${found[*]:-none}"
export PATH=$python_bin:$PATH

# --- get-pip stand-in ----------------------------------------------------------
pip_version=$("$python" - <<'EOF'
import re
from ansible_test._internal import python_requirements
source = open(python_requirements.__file__, encoding='utf-8').read()
print(re.search(r"\bpip='([0-9.]+)'", source).group(1))
EOF
)
get_pip=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
stand_in=$(cat <<'EOF'
"""Stand-in for get-pip.py: bootstrap pip with ensurepip, then let that pip
install the requested packages (e.g. pip==24.2) from the package index."""
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {'--no-setuptools', '--no-wheel'}

args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
subprocess.run([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'],
               check=True, stdout=subprocess.DEVNULL)
subprocess.run([sys.executable, '-m', 'pip', 'install'] + args, check=True)
EOF
)
if [[ ! -f $get_pip || $(<"$get_pip") != "$stand_in" ]]; then
    log "installing the get-pip stand-in as $get_pip"
    mkdir -p "$(dirname "$get_pip")"
    printf '%s\n' "$stand_in" >"$get_pip"
fi

# --- copy of the collection ----------------------------------------------------
log "copying the collection to $dest"
"$root/scripts/copy-tree.sh" "$dest"
if [[ ! -d $dest/.git ]]; then
    git -C "$dest" init -q
fi

# --- run -----------------------------------------------------------------------
copy_results_back() {
    if [[ -d $dest/tests/output ]]; then
        mkdir -p "$root/tests/output"
        tar -C "$dest/tests/output" --exclude=./.tmp -cf - . | tar -C "$root/tests/output" -xf -
    fi
}
trap copy_results_back EXIT

log "running: ansible-test $*"
cd "$dest"
"$ansible_test" "$@"
