"""Helpers of the reliability tests: SSH as the management account, host fingerprints."""
import hashlib
import os
import subprocess


EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
SSH_DIR = os.path.join(EPHEMERAL, "ssh")
SSH_INVENTORY = os.path.join(SSH_DIR, "inventory", "hosts.yml")
MGMT_PASSWORD = "Gestion-Cabinet-2026!"


def ssh(ip, command, stdin=None, timeout=30):
    """Run a command on a PC over SSH as the management account, as a contractor would."""
    cmd = ["ssh", "-i", os.path.join(SSH_DIR, "id_ed25519"), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
           "cnil-admin@%s" % ip, command]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)


def docker_exec(name, command):
    proc = subprocess.run(["docker", "exec", name, "sh", "-c", command], capture_output=True, text=True, timeout=120)
    return proc


STATE_COMMAND = (
    "find /etc -xdev -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum 2>/dev/null; "
    "echo '--- units'; systemctl list-unit-files --no-legend --no-pager | sort; "
    "systemctl list-units --all --no-legend --no-pager --plain | awk '{print $1, $3, $4}' | grep -v -e '^session-' -e '^run-' -e '^user' | sort; "
    "echo '--- packages'; dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\\n' | sort"
)


def host_state(name):
    """A fingerprint of what an audit must never change: every file of /etc, unit states, the package list."""
    proc = docker_exec(name, STATE_COMMAND)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def state_digest(text):
    return hashlib.sha256(text.encode()).hexdigest()
