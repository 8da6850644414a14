#!/usr/bin/env bash
# Build the Molecule base images from Debian's package archive with debootstrap
# and import them into Podman's local store:
#
#   localhost/recro-sso-debian12:<recipe hash>   (bookworm)
#   localhost/recro-sso-debian13:<recipe hash>   (trixie)
#
# The tag is a hash of this script (which holds the whole recipe) and the
# release, so an image is rebuilt only when its recipe changes. Each image is
# also tagged :latest, which is what Molecule scenarios refer to.
#
# Usage: scripts/build-images.sh [debian12|debian13]...   (default: all)
# Environment: DEBIAN_MIRROR  archive to bootstrap from (default: debootstrap's)
#              BUILD_DIR      where root file systems are assembled (default: /var/tmp)
set -euo pipefail

# Packages in every image, beyond debootstrap's minbase variant. debootstrap
# does not resolve virtual packages: python3-cffi-backend provides the ones
# python3-cryptography (needed by awscli) depends on.
PACKAGES=(
    adduser
    awscli
    bash
    ca-certificates
    fish
    locales
    passwd
    procps
    python3
    python3-apt
    python3-cffi-backend
    sudo
    zsh
)

# Image name suffix -> Debian release.
declare -A RELEASES=(
    [debian12]=bookworm
    [debian13]=trixie
)

IMAGE_PREFIX=localhost/recro-sso-

script=$(readlink -f "${BASH_SOURCE[0]}")
recipe_hash=$(sha256sum "$script" | cut -c1-12)
# The project's Podman settings (runtime, ulimits) for the check run below.
export CONTAINERS_CONF=${CONTAINERS_CONF:-$(dirname "$script")/../molecule/containers.conf}

log() {
    printf 'build-images: %s\n' "$*"
}

if [[ $(id -u) -ne 0 ]]; then
    echo "build-images: debootstrap and podman import need root" >&2
    exit 1
fi
for tool in debootstrap podman tar sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-images: '$tool' not found (scripts/podman-setup.sh installs it)" >&2
        exit 1
    fi
done

# Remove a root file system tree without ever crossing into a mount point
# (debootstrap mounts /proc and /sys inside the tree while it works).
remove_tree() {
    local dir=$1 mnt
    [[ -d $dir ]] || return 0
    while read -r mnt; do
        umount -l "$mnt" || true
    done < <(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r || true)
    rm -rf --one-file-system "$dir"
}

workdir=""
cleanup() {
    if [[ -n $workdir ]]; then
        remove_tree "$workdir"
    fi
}
trap cleanup EXIT

build_one() {
    local suffix=$1
    local release=${RELEASES[$suffix]}
    local tag
    tag=$(printf '%s %s\n' "$recipe_hash" "$release" | sha256sum | cut -c1-12)
    local image=$IMAGE_PREFIX$suffix

    if podman image exists "$image:$tag"; then
        log "$image:$tag is up to date (Debian $release)"
        podman tag "$image:$tag" "$image:latest"
        return 0
    fi

    log "building $image:$tag from Debian $release"
    local start=$SECONDS
    workdir=$(mktemp -d "${BUILD_DIR:-/var/tmp}/recro-sso-$suffix.XXXXXX")
    local rootfs=$workdir/rootfs
    mkdir "$rootfs"

    local include
    include=$(IFS=,; echo "${PACKAGES[*]}")
    local args=(--variant=minbase --components=main "--include=$include" "$release" "$rootfs")
    if [[ -n ${DEBIAN_MIRROR:-} ]]; then
        args+=("$DEBIAN_MIRROR")
    fi
    log "debootstrap ${args[*]}"
    if ! debootstrap "${args[@]}" >"$workdir/debootstrap.log" 2>&1; then
        tail -n 30 "$workdir/debootstrap.log" >&2
        if [[ -f $rootfs/debootstrap/debootstrap.log ]]; then
            tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
        fi
        echo "build-images: debootstrap of $release failed" >&2
        exit 1
    fi
    log "debootstrap of $release took $((SECONDS - start)) s"

    log "configuring the root file system"
    # An en_US.UTF-8 locale besides the built-in C.UTF-8.
    echo "en_US.UTF-8 UTF-8" >"$rootfs/etc/locale.gen"
    chroot "$rootfs" locale-gen >/dev/null
    # Podman provides these at run time.
    : >"$rootfs/etc/hostname"
    rm -f "$rootfs/etc/resolv.conf"
    # Keep the image small: no package downloads or package lists.
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log

    log "importing $image:$tag"
    tar -C "$rootfs" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . |
        podman import \
            --change 'ENV LANG=C.UTF-8' \
            --change 'CMD ["/bin/bash"]' \
            --change "LABEL org.opencontainers.image.title=$image" \
            --change "LABEL org.opencontainers.image.version=$tag" \
            --change "LABEL recro.debian-release=$release" \
            --message "debootstrap --variant=minbase $release with ${PACKAGES[*]}" \
            --quiet - "$image:$tag" >/dev/null
    podman tag "$image:$tag" "$image:latest"
    remove_tree "$workdir"
    workdir=""

    log "checking $image:$tag"
    podman run --rm --network none "$image:$tag" sh -ec '
        . /etc/os-release; echo "  $PRETTY_NAME"
        echo "  $(python3 --version)"
        echo "  $(aws --version)"
        echo "  $(bash --version | head -n 1)"
        echo "  $(zsh --version)"
        echo "  $(fish --version)"
        echo "  $(sudo --version | head -n 1)"
        command -v useradd adduser ps locale >/dev/null
        locale -a | grep -qx en_US.utf8
    '

    # Drop this image's superseded builds (ignoring any still in use).
    local old
    while read -r old; do
        if [[ $old != "$image:$tag" && $old != "$image:latest" ]]; then
            log "removing superseded $old"
            podman rmi "$old" >/dev/null || log "could not remove $old (still in use?)"
        fi
    done < <(podman images --format '{{.Repository}}:{{.Tag}}' "$image")

    log "built $image:$tag in $((SECONDS - start)) s"
}

targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(debian12 debian13)
fi
for suffix in "${targets[@]}"; do
    if [[ -z ${RELEASES[$suffix]:-} ]]; then
        echo "build-images: unknown image '$suffix' (known: ${!RELEASES[*]})" >&2
        exit 2
    fi
    build_one "$suffix"
done
