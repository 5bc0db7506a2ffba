#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: is the volume under each path LUKS-encrypted? Read-only (lsblk, mountinfo, cryptsetup)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_luks_facts
short_description: Tell whether the volumes holding given paths (and swap) are LUKS-encrypted
description:
  - Read-only, the same in check mode. Never opens, formats or changes a volume.
  - For each path, finds the mount that holds it (the longest mount point of C(/proc/self/mountinfo) above it),
    the block device of that mount in the C(lsblk -J) tree, and that device's ancestors. The path is encrypted
    when an ancestor has C(TYPE=crypt) and the device under that crypt mapping carries a LUKS header
    (C(cryptsetup isLuks)); C(cryptsetup luksDump) gives its version and cipher. Without cryptsetup the lsblk
    C(FSTYPE=crypto_LUKS) of that device stands in for the header check.
  - >-
    A path on a mount without a block device (overlay, tmpfs, a network share) is reported as such: it is not
    encrypted by LUKS.
  - C(devices) examines further devices or image files directly (their LUKS header only).
  - Used by CNIL-ENC-01. Encrypting an existing Linux volume is not something this toolkit does.
options:
  paths:
    description: Paths whose volume is examined (C(/), C(/home), data paths). Missing paths are resolved through
      their nearest existing parent.
    type: list
    elements: path
    default: [/]
  swap:
    description: Also examine every active swap area (C(/proc/swaps)).
    type: bool
    default: true
  devices:
    description: Devices or image files whose LUKS header is read (C(cryptsetup isLuks) and C(luksDump)).
    type: list
    elements: path
    default: []
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-ENC-01 | probe the volumes
  cnil_luks_facts:
    paths: [/, /home, /srv/patients]
  register: cnil_enc_facts
"""

RETURN = r"""
paths:
  description: For each path, C(mount), C(fstype), C(source), C(device) (lsblk path or null), C(encrypted),
    C(crypt) (the crypt mapping), C(luks) (header of the device under it) and C(reason) when not encrypted.
  returned: always
  type: dict
swap:
  description: The same for each active swap area, keyed by its name in /proc/swaps.
  returned: always
  type: dict
devices:
  description: For each of C(devices), its LUKS header (C(is_luks), C(version), C(cipher), C(key_bits), C(keyslots), C(uuid)).
  returned: always
  type: dict
"""

import json
import os
import re

from ansible.module_utils.basic import AnsibleModule

LSBLK_COLUMNS = "NAME,PATH,MAJ:MIN,TYPE,FSTYPE,MOUNTPOINTS"


def parse_mountinfo(text):
    """/proc/self/mountinfo -> [{mount, majmin, fstype, source}] (octal escapes of mount points decoded)."""
    mounts = []
    for line in (text or "").splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 2:
            continue
        mount = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        mounts.append({"mount": mount, "majmin": fields[2], "fstype": tail[0], "source": tail[1]})
    return mounts


def mount_of(path, mounts):
    """The mount holding path: the longest mount point that is path or one of its parents (last mounted wins)."""
    path = os.path.normpath(path)
    best = None
    for entry in mounts:
        point = entry["mount"]
        if path == point or point == "/" or path.startswith(point.rstrip("/") + "/"):
            if best is None or len(point) >= len(best["mount"]):
                best = entry
    return best


def flatten(tree):
    """lsblk -J tree -> ({path: node without children}, {path: set of parent paths}).
    A device under several parents (RAID, LVM on two PVs) appears once with every parent."""
    nodes, parents = {}, {}

    def walk(items, parent):
        for item in items or []:
            node = {k: v for k, v in item.items() if k != "children"}
            key = node.get("path") or "/dev/" + str(node.get("name"))
            nodes.setdefault(key, node)
            parents.setdefault(key, set())
            if parent:
                parents[key].add(parent)
            walk(item.get("children"), key)
    walk((tree or {}).get("blockdevices"), None)
    return nodes, parents


def ancestors(device, parents):
    """Every ancestor of device, nearest first (breadth-first)."""
    seen, order, queue = set(), [], list(sorted(parents.get(device, ())))
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        order.append(current)
        queue.extend(sorted(parents.get(current, ())))
    return order


def find_device(entry, nodes, realpath=os.path.realpath):
    """The lsblk node of a mount (by major:minor, else by its source path)."""
    if entry is None:
        return None
    for key, node in nodes.items():
        if node.get("maj:min") == entry["majmin"]:
            return key
    source = entry["source"].split("[", 1)[0]
    if source.startswith("/dev/"):
        real = realpath(source)
        for key in nodes:
            if key == source or realpath(key) == real:
                return key
    return None


def parse_luks_dump(text):
    """cryptsetup luksDump (LUKS1 or LUKS2) -> {version, cipher, key_bits, keyslots, uuid}. Salts and digests
    are not returned."""
    info = {"version": None, "cipher": None, "key_bits": None, "keyslots": 0, "uuid": None}
    section, cipher_name, cipher_mode = None, None, None
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if not raw[0].isspace() and line.endswith(":"):
            section = line.rstrip(":")
            continue
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "Version" and value.isdigit():
            info["version"] = int(value)
        elif key == "UUID":
            info["uuid"] = value
        elif key == "Cipher name":
            cipher_name = value
        elif key == "Cipher mode":
            cipher_mode = value
        elif key == "MK bits" and value.isdigit():
            info["key_bits"] = int(value)
        elif re.match(r"^Key Slot \d+$", key) and value == "ENABLED":
            info["keyslots"] += 1
        elif section == "Data segments" and key == "cipher" and info["cipher"] is None:
            info["cipher"] = value
        elif section == "Keyslots" and re.match(r"^\d+$", key):
            info["keyslots"] += 1
        elif section == "Keyslots" and key == "Key" and info["key_bits"] is None:
            bits = re.match(r"^(\d+) bits", value)
            info["key_bits"] = int(bits.group(1)) if bits else None
    if info["cipher"] is None and cipher_name:
        info["cipher"] = "%s-%s" % (cipher_name, cipher_mode) if cipher_mode else cipher_name
    return info


def volume(entry, nodes, parents, header, realpath=os.path.realpath):
    """What protects one mount. header(device path) -> {is_luks, ...} or None when cryptsetup is missing."""
    result = {"mount": entry and entry["mount"], "fstype": entry and entry["fstype"], "source": entry and entry["source"],
              "device": None, "encrypted": False, "crypt": None, "luks": None, "reason": None}
    if entry is None:
        result["reason"] = "no mount found"
        return result
    device = find_device(entry, nodes, realpath)
    result["device"] = device
    if device is None:
        result["reason"] = "on %s, not on a block device" % entry["fstype"]
        return result
    chain = [device] + ancestors(device, parents)
    crypts = [d for d in chain if nodes.get(d, {}).get("type") == "crypt"]
    if not crypts:
        result["reason"] = "no encrypted layer under %s" % device
        return result
    crypt = crypts[0]
    result["crypt"] = crypt
    under = sorted(parents.get(crypt, ()))
    if not under:
        result["reason"] = "crypt mapping %s without a device under it" % crypt
        return result
    backing = under[0]
    luks = header(backing)
    if luks is None:  # cryptsetup missing: what udev/blkid recorded
        luks = {"device": backing, "is_luks": nodes.get(backing, {}).get("fstype") == "crypto_LUKS", "checked_by": "lsblk"}
    result["luks"] = luks
    result["encrypted"] = bool(luks.get("is_luks"))
    if not result["encrypted"]:
        result["reason"] = "crypt mapping %s has no LUKS header on %s (plain dm-crypt?)" % (crypt, backing)
    return result


def parse_swaps(text):
    return [line.split()[0] for line in (text or "").splitlines()[1:] if line.strip()]


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", default=["/"]),
            swap=dict(type="bool", default=True),
            devices=dict(type="list", elements="path", default=[]),
        ),
        supports_check_mode=True,
    )
    env = {"LC_ALL": "C"}
    cryptsetup = module.get_bin_path("cryptsetup")
    cache = {}

    def header(device):
        if cryptsetup is None:
            return None
        if device not in cache:
            rc, out, err = module.run_command([cryptsetup, "isLuks", device], environ_update=env)
            info = {"device": device, "is_luks": rc == 0, "checked_by": "cryptsetup"}
            if rc == 0:
                rc, out, err = module.run_command([cryptsetup, "luksDump", device], environ_update=env)
                info.update(parse_luks_dump(out) if rc == 0 else {"error": (err or out).strip()[-300:]})
            cache[device] = info
        return cache[device]

    lsblk = module.get_bin_path("lsblk")
    tree, lsblk_error = {}, None
    if lsblk:
        rc, out, err = module.run_command([lsblk, "-J", "-o", LSBLK_COLUMNS], environ_update=env)
        if rc == 0:
            try:
                tree = json.loads(out)
            except ValueError as exc:
                lsblk_error = "lsblk: %s" % exc
        else:
            lsblk_error = "lsblk failed: %s" % (err or out).strip()
    else:
        lsblk_error = "lsblk is missing (util-linux)"
    if lsblk_error:
        module.fail_json(msg="cnil_luks_facts: %s" % lsblk_error)
    nodes, parents = flatten(tree)
    mounts = parse_mountinfo(read("/proc/self/mountinfo"))

    paths = {}
    for path in module.params["paths"]:
        entry = mount_of(path, mounts)
        paths[path] = dict(volume(entry, nodes, parents, header), exists=os.path.exists(path))

    swap = {}
    if module.params["swap"]:
        for name in parse_swaps(read("/proc/swaps")):
            real = os.path.realpath(name)
            node = next((k for k in nodes if k == name or os.path.realpath(k) == real), None)
            if node is None:  # a swap file: the volume that holds it
                swap[name] = volume(mount_of(name, mounts), nodes, parents, header)
            else:
                swap[name] = volume({"mount": None, "majmin": nodes[node].get("maj:min"), "fstype": "swap",
                                     "source": node}, nodes, parents, header)

    devices = {}
    for device in module.params["devices"]:
        found = header(device) if os.path.exists(device) else {"device": device, "is_luks": False, "error": "not found"}
        devices[device] = found if found is not None else {"device": device, "is_luks": None,
                                                            "error": "cryptsetup is missing"}
    module.exit_json(changed=False, paths=paths, swap=swap, devices=devices)


def main():
    run_module()


if __name__ == "__main__":
    main()
