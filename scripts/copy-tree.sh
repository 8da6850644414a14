#!/usr/bin/env bash
# Copy the repository's files as git sees them (tracked, plus untracked files
# that are not ignored) into DEST, so that caches and build or test output in
# the work tree never travel along. Whatever else DEST holds is removed, except
# its .git directory and tests/output/ (ansible-test's state).
#
# Usage: scripts/copy-tree.sh DEST
set -euo pipefail

if (($# != 1)); then
    echo "usage: $0 DEST" >&2
    exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$1

if ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "copy-tree: $root is not a git work tree" >&2
    exit 1
fi

mkdir -p "$dest/tests"
find "$dest" -mindepth 1 -maxdepth 1 ! -name .git ! -name tests -exec rm -rf {} +
find "$dest/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +

(
    cd "$root"
    git ls-files -z -co --exclude-standard |
        while IFS= read -r -d '' file; do
            # Skip files deleted from the work tree but still in the index.
            if [[ -e $file || -L $file ]]; then
                printf '%s\0' "$file"
            fi
        done |
        tar --null --no-recursion -T - -cf -
) | tar -C "$dest" -xf -
