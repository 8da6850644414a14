#!/usr/bin/env bash
# Run galaxy-importer, the check Galaxy runs on an uploaded collection, on a
# built collection tarball, and fail on any error or warning it reports.
# galaxy-importer lints the collection with the ansible-lint of its own
# virtual environment, which must therefore come first on PATH.
#
# Usage: scripts/galaxy-import.sh IMPORTER_VENV TARBALL
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 IMPORTER_VENV TARBALL" >&2
    exit 2
fi
venv=$(cd "$1" && pwd)
tarball=$(readlink -f "$2")

log=$(mktemp)
workdir=$(mktemp -d)
trap 'rm -rf "$log" "$workdir"' EXIT

rc=0
(cd "$workdir" && PATH=$venv/bin:$PATH "$venv/bin/python" -m galaxy_importer.main "$tarball") >"$log" 2>&1 || rc=$?
cat "$log"
if ((rc != 0)); then
    echo "galaxy-import: galaxy-importer exited with $rc on $(basename "$tarball")" >&2
    exit 1
fi
if grep -qE '^(WARNING|ERROR|CRITICAL)\b' "$log"; then
    echo "galaxy-import: galaxy-importer reported these on $(basename "$tarball"):" >&2
    grep -E '^(WARNING|ERROR|CRITICAL)\b' "$log" >&2
    exit 1
fi
if ! grep -q '^Importer processing completed successfully' "$log"; then
    echo "galaxy-import: galaxy-importer did not say it completed" >&2
    exit 1
fi
echo "galaxy-import: $(basename "$tarball") imports without errors or warnings"
