"""The execution environment at work: ansible-navigator runs playbooks/onboard.yml
in the image `make ee` built (EE_IMAGE) against a container host reached over
SSH, as a laptop is, and the user's ~/.aws/config in that container gets the
session and the profile.

The playbook runs from a scratch directory holding only a copy of
playbooks/onboard.yml, the inventory and the SSH key (ansible-navigator mounts
the working directory into the execution environment): no ansible.cfg of the
checkout points Ansible at the work tree, so the role and modules come from
the collection installed in the image.

Podman runs under the project's lock (/tmp/recro-podman.lock).
"""

import hashlib
import os
import shutil
import socket
import subprocess
import time

import pytest
import yaml

from ansible_collections.recro.aws_sso.tests.support.navigator import run_command

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EE_IMAGE = os.environ.get("EE_IMAGE", "localhost/recro-sso-ee:latest")
BASE_IMAGE = "localhost/recro-sso-debian12:latest"
# The SSH host image of the fleet benchmark (bench/sshd.Containerfile), tagged
# the way bench/fleet.py tags it, so both share one build.
SSHD_IMAGE = "localhost/recro-sso-bench-sshd"
SSHD_CONTAINERFILE = os.path.join(REPOSITORY, "bench", "sshd.Containerfile")
LABEL = "org.recro.aws-sso.test=ee"
USER = "alice"
ACCOUNT_ID = "123456789012"
LOCK = "/tmp/recro-podman.lock"


def podman(*arguments, check=True):
    result = subprocess.run(
        ["flock", LOCK, "podman"] + list(arguments),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            "podman {0} failed ({1}): {2}".format(" ".join(arguments), result.returncode, result.stderr)
        )
    return result


def sshd_image():
    with open(SSHD_CONTAINERFILE, "rb") as recipe:
        digest = hashlib.sha256(recipe.read())
    digest.update(podman("image", "inspect", "--format", "{{.Id}}", BASE_IMAGE).stdout.encode())
    image = "{0}:{1}".format(SSHD_IMAGE, digest.hexdigest()[:12])
    if podman("image", "exists", image, check=False).returncode != 0:
        podman(
            "build",
            "--network",
            "host",
            "--tag",
            image,
            "--file",
            SSHD_CONTAINERFILE,
            os.path.dirname(SSHD_CONTAINERFILE),
        )
    return image


def message_queues():
    """ansible-runner starts the execution environment with `podman run
    --ipc=host`, which bind-mounts the host's /dev/mqueue, and ansible-navigator
    refuses to start without that directory ("Execution environment support
    while using podman requires a '/dev/mqueue/' directory"); no
    --container-options can replace it. Containers without POSIX message
    queues (this machine) lack it: create it, as root, as the hint says."""
    if not os.path.isdir("/dev/mqueue"):
        if os.geteuid() != 0:
            pytest.fail("/dev/mqueue is missing and only root can create it: mkdir /dev/mqueue")
        os.mkdir("/dev/mqueue", 0o1777)


@pytest.fixture
def ssh_host(tmp_path):
    """A Debian 12 container with sshd and the user alice; root logs in with a
    key made for the test. Yields (name, address); removed afterwards."""
    if podman("image", "exists", EE_IMAGE, check=False).returncode != 0:
        pytest.fail("{0} is not in Podman's store: run make ee".format(EE_IMAGE))
    image = sshd_image()
    name = "recro-sso-ee-test-{0}".format(os.getpid())
    podman("rm", "--force", "--time", "0", name, check=False)
    key = tmp_path / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "recro-sso-ee-test", "-f", str(key)], check=True
    )
    podman("run", "--detach", "--name", name, "--hostname", name, "--label", LABEL, image)
    try:
        public = (tmp_path / "id_ed25519.pub").read_text().strip()
        podman(
            "exec",
            name,
            "sh",
            "-ec",
            "useradd --create-home --shell /bin/bash {0}\n"
            "install -d -m 0700 /root/.ssh && echo '{1}' > /root/.ssh/authorized_keys".format(USER, public),
        )
        address = podman("inspect", "--format", "{{.NetworkSettings.IPAddress}}", name).stdout.strip()
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection((address, 22), timeout=2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise AssertionError("no SSH server answers on {0}:22".format(address)) from None
                time.sleep(0.5)
        yield name, address
    finally:
        podman("rm", "--force", "--time", "0", name, check=False)


def test_navigator_onboards_a_host_over_ssh(ssh_host, tmp_path):
    name, address = ssh_host
    os.makedirs(str(tmp_path / "playbooks"))
    shutil.copy(os.path.join(REPOSITORY, "playbooks", "onboard.yml"), str(tmp_path / "playbooks"))
    inventory = {
        "laptops": {
            "hosts": {
                name: {
                    "ansible_host": address,
                    "ansible_port": 22,
                    "ansible_user": "root",
                    "ansible_ssh_private_key_file": str(tmp_path / "id_ed25519"),
                    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
                    "ansible_python_interpreter": "/usr/bin/python3",
                }
            }
        }
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))

    command = run_command(
        "ansible-navigator", "playbooks/onboard.yml", EE_IMAGE, str(tmp_path / "ansible-navigator.log"), "inventory.yml"
    ) + [
        "-e",
        "recro_sso_hosts=laptops",
        "-e",
        "recro_sso_user=" + USER,
        "-e",
        "recro_sso_account_id=" + ACCOUNT_ID,
    ]
    options = os.environ.get("EE_CONTAINER_OPTIONS")
    if options:
        command += ["--container-options", options]
    environment = dict(os.environ, ANSIBLE_NAVIGATOR_CONFIG=os.devnull)
    environment.pop("ANSIBLE_CONFIG", None)
    message_queues()
    run = subprocess.run(
        ["flock", LOCK] + command,
        cwd=str(tmp_path),
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=600,
        check=False,
    )
    print(run.stdout)
    assert run.returncode == 0, "ansible-navigator failed ({0}):\n{1}".format(run.returncode, run.stdout[-4000:])
    assert "{0}".format(name) in run.stdout and "failed=0" in run.stdout

    config = podman("exec", name, "cat", "/home/{0}/.aws/config".format(USER)).stdout
    assert "[sso-session recro]" in config
    assert "[profile recrocog-admin]" in config
    profile = config.split("[profile recrocog-admin]", 1)[1].split("\n[", 1)[0]
    assert "sso_session = recro" in profile
    assert "sso_account_id = {0}".format(ACCOUNT_ID) in profile
    assert "sso_role_name = adminAccess" in profile
    owner = podman("exec", name, "stat", "-c", "%U", "/home/{0}/.aws/config".format(USER)).stdout.split()
    assert owner[0] == USER
