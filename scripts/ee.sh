#!/usr/bin/env bash
# Build the collection's execution environment: `ansible-builder build` with
# Podman from execution-environment/execution-environment.yml and the built
# collection tarball (make build), under the project's Podman lock.
#
#   localhost/recro-sso-ee:<content hash>   and   localhost/recro-sso-ee:latest
#
# The tag is a hash of what goes into the image: the definition and base
# recipe (execution-environment/), this script, the collection's files (the
# tarball's contents, not its time stamps) and the Debian 12 base image's ID.
# An image with that tag already in Podman's store is not rebuilt.
#
# pip in the build reaches PyPI; where that goes through a TLS-intercepting
# proxy, the build host's CA bundle (EE_BUILD_CA, default
# /etc/ssl/certs/ca-certificates.crt) and a pip.conf naming it are mounted
# read-only into the build's RUN steps at /etc/xdg/pip: they are in no layer
# of the image (only the empty mount point /etc/xdg/pip is).
#
# EE_NO_CACHE=1 rebuilds every layer (podman build --no-cache), for timing a
# first build.
#
# Usage: scripts/ee.sh   (run through `make ee`, which has the venv's tools on PATH)
# Prints the image's name and tag as its last line.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
context=$root/.cache/ee
version=$(sed -n 's/^version:[[:space:]]*//p' "$root/galaxy.yml")
tarball=$root/build/recro-aws_sso-$version.tar.gz
base=localhost/recro-sso-debian12:latest
image=localhost/recro-sso-ee
build_ca=${EE_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/molecule/containers.conf}

log() {
    printf 'ee: %s\n' "$*" >&2
}

if [[ ! -f $tarball ]]; then
    log "$tarball missing: run make build"
    exit 1
fi
podman_locked() {
    flock /tmp/recro-podman.lock podman "$@"
}
if ! base_id=$(podman_locked image inspect --format '{{.Id}}' "$base" 2>/dev/null); then
    log "$base missing: run make images"
    exit 1
fi

tag=$({
    for file in "$root"/execution-environment/* "${BASH_SOURCE[0]}"; do
        printf '%s\n' "$(basename "$file")"
        sha256sum <"$file"
    done
    tar -xOzf "$tarball" | sha256sum
    echo "$base_id"
} | sha256sum | cut -c1-12)

if [[ -z ${EE_NO_CACHE:-} ]] && podman_locked image exists "$image:$tag"; then
    podman_locked tag "$image:$tag" "$image:latest"
    log "$image:$tag is up to date"
    echo "$image:$tag"
    exit 0
fi

log "building $image:$tag"
start=$SECONDS
rm -rf "$context"
mkdir -p "$context/build-pip"
cp "$root/execution-environment/execution-environment.yml" "$context/"
cp "$tarball" "$context/recro-aws_sso.tar.gz"
cp "$build_ca" "$context/build-pip/ca-certificates.crt"
printf '[global]\ncert = /etc/xdg/pip/ca-certificates.crt\n' >"$context/build-pip/pip.conf"

podman_locked build ${EE_NO_CACHE:+--no-cache} --network host --tag localhost/recro-sso-ee-base:latest \
    --file "$root/execution-environment/base.Containerfile" "$root/execution-environment"
cd "$context"
flock /tmp/recro-podman.lock \
    ansible-builder build --container-runtime podman --file execution-environment.yml \
    --context "$context/context" --verbosity 2 \
    --extra-build-cli-args="${EE_NO_CACHE:+--no-cache} --network host --volume $context/build-pip:/etc/xdg/pip:ro"
podman_locked tag "$image:latest" "$image:$tag"

# Drop superseded builds (ignoring any still in use).
while read -r old; do
    if [[ $old != "$image:$tag" && $old != "$image:latest" ]]; then
        log "removing superseded $old"
        podman_locked rmi "$old" >/dev/null || log "could not remove $old (still in use?)"
    fi
done < <(podman_locked images --format '{{.Repository}}:{{.Tag}}' "$image")

log "built $image:$tag in $((SECONDS - start)) s"
echo "$image:$tag"
