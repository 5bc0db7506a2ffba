#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: what ClamAV is on a host, read-only (engine, updater, signature databases, units)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_clamav_facts
short_description: Read the ClamAV engine, its updater, its signature databases and their age
description:
  - Read-only. Never writes, never downloads, never starts anything; the same in check mode.
  - >-
    Lists the database directory and classifies each file. C(daily.cvd) and C(daily.cld) are read with
    C(sigtool --info), which prints the build time and checks ClamAV's digital signature of the header;
    only those whose verification succeeds are C(official) (else C(unverified)) and give the signature age.
    A C(.cud) is C(unsigned), any other database (C(.hdb), C(.ndb), C(.ldb), ...) is C(custom), other
    containers (C(main.cvd), C(bytecode.cld)) are C(container): none of them ever counts as up to date,
    whatever its date.
  - Reads C(freshclam.conf) (C(Checks), C(PrivateMirror), C(DatabaseMirror), C(DatabaseDirectory)) and the
    state of the given systemd units.
  - Used by CNIL-AV-01.
options:
  freshclam_conf:
    description: Path of freshclam's configuration.
    type: path
    default: /etc/clamav/freshclam.conf
  database_dir:
    description: Database directory. Empty uses the C(DatabaseDirectory) of freshclam.conf, else C(/var/lib/clamav).
    type: path
    default: ""
  units:
    description: systemd units whose load, enablement and activity are returned.
    type: list
    elements: str
    default: []
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-AV-01 | probe ClamAV
  cnil_clamav_facts:
    units: [clamav-freshclam.service, clamav-daemon.socket]
  register: cnil_av_facts
"""

RETURN = r"""
engine_version:
  description: ClamAV engine version (C(clamscan --version)), or null when ClamAV is not installed.
  returned: always
  type: str
  sample: "1.4.6"
freshclam:
  description: freshclam.conf as read (C(present), C(checks), C(private_mirrors), C(database_mirrors), C(database_dir)).
  returned: always
  type: dict
databases:
  description: Every database file of the directory with its C(kind) (official, unverified, unsigned, custom,
    container), and
    for C(.cvd)/C(.cld) the C(version), C(build_time), C(age_days) and C(verified) read by sigtool.
  returned: always
  type: list
  elements: dict
not_counted:
  description: C(file (kind)) of every database that does not give the signature age.
  returned: always
  type: list
  elements: str
official:
  description: The newest verified C(daily.cvd)/C(daily.cld), or null. Its C(age_days) is the signature age.
  returned: always
  type: dict
daemon_ready:
  description: The files clamav-daemon's unit waits for (main and daily databases) exist, so clamd can start.
  returned: always
  type: bool
units:
  description: For each unit, C(load) (loaded, not-found), C(enabled) (UnitFileState), C(active) (ActiveState),
    C(sub), and for timers C(calendar) and C(next).
  returned: always
  type: dict
"""

import datetime
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_systemd import parse_show

DAILY = ("daily.cvd", "daily.cld")
# Database extensions libclamav loads (sigtool's list), beyond the containers.
CUSTOM_EXT = {"db", "hdb", "hdu", "hsb", "hsu", "mdb", "mdu", "msb", "msu", "ndb", "ndu", "ldb", "ldu", "sdb",
              "zmd", "rmd", "idb", "fp", "sfp", "gdb", "pdb", "wdb", "crb", "cdb", "imp", "ign", "ign2", "ftm",
              "cfg", "info", "yar", "yara", "pwdb", "ioc", "cat", "crt"}
HEADER_SIZE = 512
SHOW = ["Id", "LoadState", "UnitFileState", "ActiveState", "SubState", "TimersCalendar", "NextElapseUSecRealtime"]


def parse_header(data):
    """The 512-byte header of a CVD/CLD/CUD file: ClamAV-VDB:time:version:sigs:flevel:md5:dsig:builder[:stime].
    Returns a dict, or None when the bytes are not such a header."""
    if not isinstance(data, (bytes, bytearray)) or not data.startswith(b"ClamAV-VDB:"):
        return None
    text = bytes(data[:HEADER_SIZE]).split(b"\n")[0].decode("ascii", "replace").rstrip(" \x00\r")
    fields = text.split(":")
    if len(fields) < 8:
        return None
    try:
        version, sigs, flevel = int(fields[2]), int(fields[3]), int(fields[4])
    except ValueError:
        return None
    stime = None
    if len(fields) > 8 and fields[8].strip().isdigit():
        stime = int(fields[8].strip())
    return {"time": fields[1], "version": version, "signatures": sigs, "functionality_level": flevel,
            "builder": fields[7], "stime": stime}


def parse_build_time(text):
    """'29 Nov 2026 19:12 +0000' (sigtool) or '29 Nov 2026 19-12 +0000' (header) -> epoch seconds, or None."""
    text = (text or "").strip()
    match = re.match(r"^(\d{1,2} \w{3} \d{4}) (\d{1,2})[-:](\d{2}) ([+-]\d{4})$", text)
    if not match:
        return None
    try:
        stamp = datetime.datetime.strptime("%s %s:%s %s" % match.groups(), "%d %b %Y %H:%M %z")
    except ValueError:
        return None
    return int(stamp.timestamp())


def parse_sigtool_info(rc, out):
    """sigtool --info output -> {build_time, build_epoch, version, builder, verified}.
    verified is true only when sigtool exited 0 and said 'Verification OK'."""
    info = {"build_time": None, "build_epoch": None, "version": None, "builder": None,
            "verified": rc == 0 and "Verification OK" in (out or "")}
    for line in (out or "").splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "Build time":
            info["build_time"] = value
            info["build_epoch"] = parse_build_time(value)
        elif key == "Version" and value.isdigit():
            info["version"] = int(value)
        elif key == "Builder":
            info["builder"] = value
    return info


def classify(name):
    """Kind of a file of the database directory: container (cvd, cld, cud), custom, or None (not a database)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in ("cvd", "cld"):
        return "container"
    if ext == "cud":
        return "unsigned"
    if ext in CUSTOM_EXT:
        return "custom"
    return None


def database_entry(name, header, sigtool, now):
    """One database file as reported. header: parse_header result; sigtool: parse_sigtool_info result or None."""
    kind = classify(name)
    entry = {"file": name, "kind": kind, "version": None, "build_time": None, "age_days": None, "verified": False,
             "builder": None}
    if kind == "custom":
        return entry
    if header:
        entry.update(version=header["version"], build_time=header["time"].replace("-", ":"), builder=header["builder"])
    epoch = None
    if sigtool:
        entry["verified"] = bool(sigtool["verified"])
        entry["version"] = sigtool["version"] or entry["version"]
        entry["build_time"] = sigtool["build_time"] or entry["build_time"]
        entry["builder"] = sigtool["builder"] or entry["builder"]
        epoch = sigtool["build_epoch"]
    if epoch is None and header:
        epoch = header["stime"] or parse_build_time(header["time"])
    if epoch is not None:
        entry["age_days"] = round(max(0.0, (now - epoch) / 86400.0), 2)
    if name in DAILY:
        entry["kind"] = "official" if entry["verified"] else "unverified"
    return entry


def newest_official(entries):
    """The verified daily database with the highest version (daily.cld is the patched daily.cvd)."""
    daily = [e for e in entries if e["file"] in DAILY and e["kind"] == "official" and e["age_days"] is not None]
    return max(daily, key=lambda e: (e["version"] or 0, -e["age_days"]), default=None)


def daemon_ready(names):
    """clamav-daemon's own unit conditions: main.{cvd,cld,inc} and daily.{cvd,cld,inc} exist."""
    return all(any("%s.%s" % (db, ext) in names for ext in ("cvd", "cld", "inc")) for db in ("main", "daily"))


def not_counted(entries, official):
    """'file (kind)' of every database that does not give the signature age."""
    return ["%s (%s)" % (e["file"], e["kind"]) for e in entries if official is None or e["file"] != official["file"]]


def parse_freshclam_conf(text):
    conf = {"present": text is not None, "checks": None, "private_mirrors": [], "database_mirrors": [],
            "database_dir": None}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(" ")
        value = value.strip().strip('"')
        if key == "Checks":
            conf["checks"] = int(value) if value.isdigit() else value
        elif key == "PrivateMirror":
            conf["private_mirrors"].append(value)
        elif key == "DatabaseMirror":
            conf["database_mirrors"].append(value)
        elif key == "DatabaseDirectory":
            conf["database_dir"] = value
    return conf


def parse_engine_version(out):
    """'ClamAV 1.4.6' or 'ClamAV 1.4.6/27800/Sun Nov 29 08:00:00 2026' -> '1.4.6'."""
    match = re.match(r"^ClamAV (\d[^/\s]*)", (out or "").strip())
    return match.group(1) if match else None


def parse_units(out, names):
    """`systemctl show -p ...` of several units (blocks separated by blank lines, in order)."""
    blocks = parse_show(out)
    by_id = {b.get("Id"): b for b in blocks}
    units = {}
    for index, name in enumerate(names):
        block = by_id.get(name) or (blocks[index] if index < len(blocks) else {})
        unit = {"load": block.get("LoadState") or "not-found", "enabled": block.get("UnitFileState") or None,
                "active": block.get("ActiveState") or "inactive", "sub": block.get("SubState") or None}
        if name.endswith(".timer"):
            calendar = re.search(r"OnCalendar=(.+?) ;", block.get("TimersCalendar") or "")
            unit["calendar"] = calendar.group(1) if calendar else None
            unit["next"] = block.get("NextElapseUSecRealtime") or None
        units[name] = unit
    return units


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def read_header(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(HEADER_SIZE)
    except OSError:
        return b""


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            freshclam_conf=dict(type="path", default="/etc/clamav/freshclam.conf"),
            database_dir=dict(type="path", default=""),
            units=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    env = {"LC_ALL": "C"}
    conf = parse_freshclam_conf(read_text(p["freshclam_conf"]))
    dbdir = p["database_dir"] or conf["database_dir"] or "/var/lib/clamav"

    engine = None
    clamscan = module.get_bin_path("clamscan")
    if clamscan:
        rc, out, err = module.run_command([clamscan, "--version"], environ_update=env)
        engine = parse_engine_version(out) if rc == 0 else None

    now = time.time()
    sigtool = module.get_bin_path("sigtool")
    entries = []
    names = sorted(os.listdir(dbdir)) if os.path.isdir(dbdir) else []
    for name in names:
        path = os.path.join(dbdir, name)
        if not os.path.isfile(path) or classify(name) is None:
            continue
        header = parse_header(read_header(path)) if classify(name) != "custom" else None
        info = None
        if name in DAILY and sigtool:
            rc, out, err = module.run_command([sigtool, "--info", path], environ_update=env)
            info = parse_sigtool_info(rc, out)
        entries.append(database_entry(name, header, info, now))

    units = {}
    if p["units"]:
        systemctl = module.get_bin_path("systemctl")
        out = ""
        if systemctl:
            rc, out, err = module.run_command([systemctl, "show", "-p", ",".join(SHOW), "--"] + p["units"],
                                              environ_update=env)
        units = parse_units(out, p["units"])

    official = newest_official(entries)
    module.exit_json(changed=False, engine_version=engine, freshclam=conf, database_dir=dbdir, databases=entries,
                     official=official, not_counted=not_counted(entries, official), units=units,
                     daemon_ready=daemon_ready(names))


def main():
    run_module()


if __name__ == "__main__":
    main()
