#!/bin/bash
# Runs INSIDE the debootstrapped chroot (called by build.sh).
# Usage: rootfs-setup.sh SUITE MIRROR_URI SECURITY_URI
set -euo pipefail

suite=$1 mirror=$2 security=$3
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

# Same mirrors as the build host (never hard-coded), with -updates and
# -security so the image carries the security fixes of the build day.
rm -f /etc/apt/sources.list
cat >/etc/apt/sources.list.d/debian.sources <<SOURCES
Types: deb
URIs: ${mirror}
Suites: ${suite} ${suite}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security}
Suites: ${suite}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# No service may start inside the build chroot.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

# No fsync per file while the image is built (a throw-away build; docker commits the result): dpkg is much
# faster on overlay and in a chroot. Removed below: the image's dpkg behaves as on any PC.
echo force-unsafe-io >/etc/dpkg/dpkg.cfg.d/cnil-build-unsafe-io
apt-get update -q
apt-get -y -q -o Dpkg::Options::=--force-confold upgrade

# French practices: fr_FR available, en_US for tools that expect it;
# C.UTF-8 stays the default so test output is stable.
sed -i -E 's/^# *((fr_FR|en_US)\.UTF-8 UTF-8)/\1/' /etc/locale.gen
locale-gen
echo 'LANG=C.UTF-8' >/etc/default/locale

# Keep /var/lib/apt/lists: Ansible's apt module with cache_valid_time would
# otherwise skip the update and find no packages. Only drop the .deb cache.
apt-get clean
rm -f /usr/sbin/policy-rc.d /etc/dpkg/dpkg.cfg.d/cnil-build-unsafe-io

# Empty machine-id: systemd generates a distinct one in every container.
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id

# Login prompts are pointless in a test container: console-getty would run
# agetty on /dev/console whenever a container gets a tty (docker run -t),
# getty@tty1 is already skipped (no /dev/tty0) and is masked for the same
# reason. Nothing else fails here (checked with `systemctl --failed`).
systemctl mask console-getty.service getty@tty1.service

# Stamp /etc and /var as up to date with /usr, so ldconfig.service and the
# journal catalog rebuild (ConditionNeedsUpdate) do not run at every boot.
# (trixie only: bookworm's systemd has neither these units nor the tool.)
if [[ -x /usr/lib/systemd/systemd-update-done ]]; then
    /usr/lib/systemd/systemd-update-done
fi

# Docker provides these at run time; do not ship the build host's values.
: >/etc/resolv.conf
echo localhost >/etc/hostname
rm -rf /var/log/apt/* /var/cache/debconf/*-old
