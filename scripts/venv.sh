#!/usr/bin/env bash
# Create the project's virtual environment from a fully pinned requirements
# file, or keep the existing one when neither the requirements file nor the
# Python interpreter changed since it was built.
#
# Usage: scripts/venv.sh PYTHON VENV_DIR REQUIREMENTS_FILE
# Environment: VENV_PIP_OPTIONS  more options for pip install, e.g.
#              "--no-deps --ignore-requires-python" for a file that pins a
#              package its Python cannot run whole (no pip check then)
set -euo pipefail

if (($# != 3)); then
    echo "usage: $0 PYTHON VENV_DIR REQUIREMENTS_FILE" >&2
    exit 2
fi
python=$1
venv=$2
requirements=$3
stamp=$venv/.requirements.sha256

if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    echo "venv: '$python' with the venv and ensurepip modules is needed" \
        "(on Debian 12: apt-get install python3 python3-venv)" >&2
    exit 1
fi

want=$({
    sha256sum <"$requirements"
    if [[ -n ${VENV_PIP_OPTIONS:-} ]]; then
        echo "$VENV_PIP_OPTIONS"
    fi
    "$python" -c 'import sys; print(sys.version)'
} | sha256sum | cut -d' ' -f1)

if [[ -f $stamp && $(<"$stamp") == "$want" ]] && "$venv/bin/python" -c '' >/dev/null 2>&1; then
    echo "venv: $venv is up to date with $requirements"
    touch "$stamp"
    exit 0
fi

echo "venv: creating $venv from $requirements with $("$python" --version)"
start=$SECONDS
rm -rf "$venv"
"$python" -m venv "$venv"
# shellcheck disable=SC2086 # the options are words
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check ${VENV_PIP_OPTIONS:-} -r "$requirements"
if [[ " ${VENV_PIP_OPTIONS:-} " != *" --no-deps "* ]]; then
    "$venv/bin/python" -m pip check
fi
echo "$want" >"$stamp"
echo "venv: $venv ready in $((SECONDS - start)) s"
