#!/usr/bin/env bash
# The compatibility matrix: what meta/runtime.yml (requires_ansible) and
# tests/config.yml (the modules' Python) claim, tested.
#
#   core-2.15  the oldest ansible-core claimed, on Python 3.11 (its newest
#              controller Python): ansible-test sanity, the unit tests, and the
#              end-to-end smoke (tests/e2e/test_smoke.py: onboarding, login and
#              drift through the stand-in services, no deprecation warning)
#   core-2.21  the newest ansible-core claimed, on Python 3.13: the same
#   py3.8 py3.9 py3.10 py3.12
#              the modules' and module_utils' unit tests on the other target
#              Pythons the modules claim (3.11 and 3.13 run in the cells above)
#
# Each cell has its own virtual environment, .cache/matrix/CELL, from the
# pinned requirements/matrix/CELL.txt, and its own log, .cache/matrix/CELL.log.
# The cells run one after the other (the machine also runs Molecule meanwhile,
# see .ci/run); pytest runs with MATRIX_PYTEST_ARGS (default: -n 2).
#
# Usage: scripts/matrix.sh [CELL...]         (default: every cell)
#        scripts/matrix.sh --pin [CELL...]   regenerate requirements/matrix/CELL.txt
#                                            from CELL.in (make requirements)
#        scripts/matrix.sh --python X.Y      print the Python X.Y the cells use,
#                                            installing it with pyenv where missing
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# cell -> "Python version|what it runs"
declare -A CELLS=(
    [core-2.15]="3.11|sanity unit smoke"
    [core-2.21]="3.13|sanity unit smoke"
    [py3.8]="3.8|modules"
    [py3.9]="3.9|modules"
    [py3.10]="3.10|modules"
    [py3.12]="3.12|modules"
)
ORDER=(core-2.15 core-2.21 py3.8 py3.9 py3.10 py3.12)
# ansible-core 2.15 installs on Python 3.9 and later; its module_utils run on
# 3.8 targets, so the py3.8 cell adds it without its dependencies.
PY38_ANSIBLE_CORE=ansible-core==2.15.13
PYTEST_ARGS=${MATRIX_PYTEST_ARGS:--n 2}
read -r -a pytest_args <<<"$PYTEST_ARGS"

log() {
    printf 'matrix: %s\n' "$*"
}

# A CPython X.Y that can make virtual environments: on PATH, else pyenv's
# newest X.Y.*, else installed with pyenv.
find_python() {
    local version=$1 candidate candidates=()
    if candidate=$(command -v "python$version"); then
        candidates+=("$candidate")
    fi
    while IFS= read -r candidate; do
        candidates+=("$candidate")
    done < <(printf '%s\n' "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version" | sort -V -r)
    for candidate in "${candidates[@]}"; do
        # A pyenv shim of a version it does not have fails here, as does an unmatched pattern.
        if "$candidate" -c 'import ensurepip, venv' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        log "installing Python $version with pyenv" >&2
        pyenv install --skip-existing "$version" >&2 || return 1
        candidate=$(pyenv root)/versions/$(pyenv latest "$version")/bin/python$version
        if "$candidate" -c 'import ensurepip, venv' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    fi
    return 1
}

# find_python, or say where it looked.
python_or_fail() {
    if ! find_python "$1"; then
        log "no Python $1 (on PATH, under pyenv, or installable with pyenv)" >&2
        return 1
    fi
}

run_cell() {
    local cell=$1 version what python venv options=""
    IFS='|' read -r version what <<<"${CELLS[$cell]}"
    venv=.cache/matrix/$cell
    python=$(python_or_fail "$version") || return 1
    if [[ $cell == py3.8 ]]; then
        options="--no-deps --ignore-requires-python"
    fi
    VENV_PIP_OPTIONS=$options scripts/venv.sh "$python" "$venv" "requirements/matrix/$cell.txt"
    local bin=$root/$venv/bin
    log "$cell: $("$bin/python" --version), ansible-core $("$bin/python" -c 'import ansible.release as r; print(r.__version__)')"
    local stage
    for stage in $what; do
        log "$cell: $stage"
        case $stage in
        sanity)
            PATH=$bin:$PATH ANSIBLE_TEST=$bin/ansible-test ANSIBLE_TEST_DIR=$root/.cache/matrix/$cell-ansible-test \
                scripts/ansible-test.sh sanity --venv --python "$version" --color yes
            ;;
        unit)
            "$bin/pytest" -p no:cacheprovider "${pytest_args[@]}" tests/unit
            ;;
        smoke)
            PATH=$bin:$PATH "$bin/pytest" -p no:cacheprovider "${pytest_args[@]}" tests/e2e/test_smoke.py
            ;;
        modules)
            "$bin/pytest" -p no:cacheprovider tests/unit/plugins/modules tests/unit/plugins/module_utils
            ;;
        esac
    done
}

# Regenerates CELL.txt: CELL.in installed in a scratch venv, then pip freeze.
pin_cell() {
    local cell=$1 version what python scratch=.cache/matrix/pin-$1
    IFS='|' read -r version what <<<"${CELLS[$cell]}"
    python=$(python_or_fail "$version") || return 1
    rm -rf "$scratch"
    "$python" -m venv "$scratch"
    "$scratch/bin/python" -m pip install --quiet --disable-pip-version-check -r "requirements/matrix/$cell.in"
    if [[ $cell == py3.8 ]]; then
        "$scratch/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --ignore-requires-python \
            "$PY38_ANSIBLE_CORE"
    fi
    {
        echo "# Pinned from requirements/matrix/$cell.in on Python $version by \`make requirements\`; do not edit by hand."
        "$scratch/bin/python" -m pip freeze
    } >"requirements/matrix/$cell.txt"
    rm -rf "$scratch"
    log "pinned requirements/matrix/$cell.txt"
}

if [[ ${1:-} == --python ]]; then
    if (($# != 2)); then
        echo "usage: $0 --python X.Y" >&2
        exit 2
    fi
    python_or_fail "$2"
    exit
fi
pin=false
if [[ ${1:-} == --pin ]]; then
    pin=true
    shift
fi
cells=("$@")
if ((${#cells[@]} == 0)); then
    cells=("${ORDER[@]}")
fi
for cell in "${cells[@]}"; do
    if [[ -z ${CELLS[$cell]:-} ]]; then
        echo "matrix: unknown cell '$cell' (cells: ${ORDER[*]})" >&2
        exit 2
    fi
done

mkdir -p .cache/matrix
if $pin; then
    for cell in "${cells[@]}"; do
        pin_cell "$cell"
    done
    exit 0
fi
failed=()
for cell in "${cells[@]}"; do
    start=$SECONDS
    if run_cell "$cell" >".cache/matrix/$cell.log" 2>&1; then
        log "$cell passed in $((SECONDS - start)) s"
        tail -n 3 ".cache/matrix/$cell.log" | sed "s/^/  $cell: /"
    else
        log "$cell FAILED after $((SECONDS - start)) s; its log (.cache/matrix/$cell.log) ends:"
        tail -n 40 ".cache/matrix/$cell.log" | sed "s/^/  $cell: /"
        failed+=("$cell")
    fi
done
if ((${#failed[@]} > 0)); then
    log "failed: ${failed[*]}"
    exit 1
fi
log "passed: ${cells[*]}"
