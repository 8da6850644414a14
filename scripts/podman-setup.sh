#!/usr/bin/env bash
# Install what Molecule's containers need on a Debian host: Podman, the runc
# runtime and debootstrap (which builds the base images). Only missing
# packages are installed; the host's container configuration is not changed
# (the project passes molecule/containers.conf through CONTAINERS_CONF).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

"$here/apt-install.sh" podman runc debootstrap

echo "podman: $(podman --version)"
