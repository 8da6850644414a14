#!/usr/bin/env bash
# Build the collection's execution environment: the collection tarball
# (make build), then `ansible-builder build` with Podman from
# execution-environment/execution-environment.yml, under the project's Podman
# lock. Image: localhost/recro-sso-ee:latest.
#
# Usage: scripts/ee.sh   (run through `make ee`, which has the venv's tools on PATH)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
context=$root/.cache/ee
version=$(sed -n 's/^version:[[:space:]]*//p' "$root/galaxy.yml")
tarball=$root/build/recro-aws_sso-$version.tar.gz

if [[ ! -f $tarball ]]; then
    echo "ee: $tarball missing: run make build" >&2
    exit 1
fi
rm -rf "$context"
mkdir -p "$context"
cp "$root/execution-environment/execution-environment.yml" "$context/"
cp "$tarball" "$context/recro-aws_sso.tar.gz"
cd "$context"
start=$SECONDS
flock /tmp/recro-podman.lock \
    podman build --network host --tag localhost/recro-sso-ee-base:latest \
    --file "$root/execution-environment/base.Containerfile" "$root/execution-environment"
flock /tmp/recro-podman.lock \
    ansible-builder build --container-runtime podman --file execution-environment.yml \
    --context "$context/context" --verbosity 2 \
    --extra-build-cli-args='--network host'
echo "ee: built localhost/recro-sso-ee:latest in $((SECONDS - start)) s"
