#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: what CNIL-UPD-01 reads on a Debian-family host, without changing anything."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_upd_facts
short_description: Read the state of automatic security updates on a Debian-family host (read-only)
description:
  - Never changes anything and never refreshes the package lists; safe in check mode (C(changed) is always false).
  - C(sources) — every enabled C(deb) entry of the APT sources, one-line C(.list) files and deb822 C(.sources)
    files alike, and C(security_sources), those of a security suite (C(<codename>-security)).
  - >-
    C(config) — the values APT itself computes from C(/etc/apt/apt.conf) and C(/etc/apt/apt.conf.d/*) (later
    files win, lists accumulate, C(#clear) honoured): C(APT::Periodic::*) and the origins unattended-upgrades
    may install from.
  - >-
    C(pending_security) — installed packages with a newer version in a security archive, from APT's cache of
    the lists already on disk (python3-apt; the binary cache is built in memory, nothing is written). C(since)
    is the date of the index that lists the update (its modification time, which APT sets from the mirror):
    the update has been available at least since then.
  - C(last_run) — the last run of unattended-upgrade that ended without error, from its log
    (C(/var/log/unattended-upgrades/unattended-upgrades.log) and its rotated copies).
  - C(timers) — whether C(apt-daily.timer) and C(apt-daily-upgrade.timer) are enabled.
options:
  root:
    description: Directory that holds C(etc), C(var) (tests use a temporary one; python3-apt still reads the host's APT).
    type: path
    default: /
  security_pattern:
    description: Regular expression an entry of the allowed origins must match to allow the security archive.
    type: str
    default: SECURITY_PATTERN (Debian's pattern with C(label=Debian-Security) and the C(-security) codename, or Ubuntu's C(${distro_codename}-security) origin)
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-UPD-01 | read automatic updates, sources, pending security updates
  cnil_upd_facts:
  register: cnil_upd_facts
"""

RETURN = r"""
sources:
  description: Enabled deb entries, C({file, format, uri, suite, components}).
  returned: always
  type: list
security_sources:
  description: The entries whose suite is a security suite.
  returned: always
  type: list
config:
  description: Effective APT values (C(update_package_lists), C(unattended_upgrade) as strings; C(origins_pattern),
    C(allowed_origins) as lists) and C(security_origin_allowed).
  returned: always
  type: dict
pending_security:
  description: C({name, installed, candidate, archive, since, age_days}) per package; C(null) when the cache cannot be read.
  returned: always
  type: list
lists:
  description: C(security_index_age_days), the age of the newest security index on disk (how fresh the knowledge is).
  returned: always
  type: dict
last_run:
  description: C({time, age_days, result}) of the last unattended-upgrade run that ended without error, or null;
    C(installed_days) is how long unattended-upgrades has been installed.
  returned: always
  type: dict
timers:
  description: Timer name -> enabled (bool), null without systemd.
  returned: always
  type: dict
"""

import datetime
import glob
import gzip
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_apt import parse_deb822, parse_list, read, read_sources  # noqa: F401 (used by the tests)

LOG_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),\d+ (\w+) (.*)$")
SUCCESS = ("No packages found that can be upgraded unattended", "All upgrades installed")
START = "Starting unattended upgrades script"
TIMERS = ("apt-daily.timer", "apt-daily-upgrade.timer")
# An allowed origin that lets unattended-upgrades install from the security archive: Debian's Origins-Pattern
# (label Debian-Security and the <codename>-security suite, in either order) or Ubuntu's Allowed-Origins entry.
SECURITY_PATTERN = (r"(codename=\$\{distro_codename\}-security.*label=Debian-Security"
                    r"|label=Debian-Security.*codename=\$\{distro_codename\}-security"
                    r"|:\$\{distro_codename\}-security)")


# ---- APT sources: module_utils/cnil_apt.py (read_sources, parse_list, parse_deb822) -----------------------

def is_security_suite(suite):
    return suite.endswith("-security") or suite.endswith("/updates")


# ---- unattended-upgrades log ---------------------------------------------------------------

def log_texts(root):
    """The log and its rotated copies, newest first."""
    base = os.path.join(root, "var", "log", "unattended-upgrades", "unattended-upgrades.log")
    texts = []
    for path in [base, base + ".1"] + sorted(glob.glob(base + ".*.gz"), key=lambda p: int(re.findall(r"\.(\d+)\.gz$", p)[0])
                                               if re.findall(r"\.(\d+)\.gz$", p) else 0):
        if path.endswith(".gz"):
            try:
                with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
                    texts.append(handle.read())
            except (IOError, OSError):
                continue
        else:
            text = read(path)
            if text is not None:
                texts.append(text)
    return texts


def last_success(texts):
    """Time (datetime) of the last run that ended without an error, from the log texts (newest first).
    A run starts with START; it succeeded when it logged a success line and no ERROR."""
    for text in texts:
        runs, current = [], None
        for line in text.splitlines():
            match = LOG_LINE.match(line)
            if not match:
                continue
            stamp, level, message = match.groups()
            if START in message:
                current = {"start": stamp, "end": stamp, "ok": False, "error": False, "dry_run": False}
                runs.append(current)
                continue
            if current is None:
                continue
            current["end"] = stamp
            if level in ("ERROR", "CRITICAL"):
                current["error"] = True
            if "--dry-run" in message:
                current["dry_run"] = True
            if any(s in message for s in SUCCESS):
                current["ok"] = True
        for run in reversed(runs):
            if run["ok"] and not run["error"] and not run["dry_run"]:
                return datetime.datetime.strptime(run["end"], "%Y-%m-%d %H:%M:%S")
    return None


# ---- pending security updates (python3-apt, read-only) ---------------------------------------

def pending_security(now):
    """Installed packages with a newer version in a security archive. None when python3-apt is missing."""
    try:
        import apt_pkg
    except ImportError:
        return None, None
    apt_pkg.init()
    # Build the binary cache in memory: nothing is written under /var/cache/apt.
    apt_pkg.config.set("Dir::Cache::pkgcache", "")
    apt_pkg.config.set("Dir::Cache::srcpkgcache", "")
    cache = apt_pkg.Cache(None)
    found, newest_index = [], None
    for pkg in cache.packages:
        current = pkg.current_ver
        if not current:
            continue
        for ver in pkg.version_list:
            if apt_pkg.version_compare(ver.ver_str, current.ver_str) <= 0:
                continue
            security = [pf for pf, _ in ver.file_list
                        if pf.label in ("Debian-Security",) or (pf.archive or "").endswith("-security")]
            if not security:
                continue
            indexes = [pf.filename for pf in security if pf.filename and os.path.exists(pf.filename)]
            since = min(os.stat(p).st_mtime for p in indexes) if indexes else None
            found.append({
                "name": pkg.name, "installed": current.ver_str, "candidate": ver.ver_str,
                "archive": security[0].archive or security[0].codename,
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since)) if since else None,
                "age_days": round((now - since) / 86400.0, 1) if since else None,
            })
            break
    for pkgfile in cache.file_list:
        if (pkgfile.label == "Debian-Security" or (pkgfile.archive or "").endswith("-security")) and pkgfile.filename \
                and os.path.exists(pkgfile.filename):
            mtime = os.stat(pkgfile.filename).st_mtime
            newest_index = mtime if newest_index is None else max(newest_index, mtime)
    return sorted(found, key=lambda p: p["name"]), newest_index


def apt_config():
    try:
        import apt_pkg
    except ImportError:
        return None
    apt_pkg.init_config()
    cfg = apt_pkg.config
    return {
        "update_package_lists": cfg.find("APT::Periodic::Update-Package-Lists", ""),
        "unattended_upgrade": cfg.find("APT::Periodic::Unattended-Upgrade", ""),
        "origins_pattern": list(cfg.value_list("Unattended-Upgrade::Origins-Pattern")),
        "allowed_origins": list(cfg.value_list("Unattended-Upgrade::Allowed-Origins")),
    }


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", default="/"),
            security_pattern=dict(type="str", default=SECURITY_PATTERN),
        ),
        supports_check_mode=True,
    )
    root = module.params["root"]
    now = time.time()
    sources = read_sources(root)
    security_sources = [s for s in sources if is_security_suite(s["suite"])]

    config = apt_config()
    if config is not None:
        pattern = re.compile(module.params["security_pattern"])
        config["security_origin_allowed"] = any(pattern.search(o) for o in config["origins_pattern"] + config["allowed_origins"])

    pending, newest_index = pending_security(now)

    texts = log_texts(root)
    last = last_success(texts)
    info = os.path.join(root, "var", "lib", "dpkg", "info", "unattended-upgrades.list")
    installed_days = round((now - os.stat(info).st_mtime) / 86400.0, 1) if os.path.exists(info) else None
    last_run = {
        "time": last.strftime("%Y-%m-%dT%H:%M:%S") if last else None,
        # The log is in the host's local time, like time.mktime.
        "age_days": round((now - time.mktime(last.timetuple())) / 86400.0, 1) if last else None,
        "installed_days": installed_days,
        "log_found": bool(texts),
    }

    timers = {}
    systemctl = module.get_bin_path("systemctl")
    for timer in TIMERS:
        if not systemctl or not os.path.isdir(os.path.join(root, "run", "systemd", "system")):
            timers[timer] = None
            continue
        _, out, _ = module.run_command([systemctl, "is-enabled", timer])
        timers[timer] = out.strip() == "enabled"

    module.exit_json(
        changed=False,
        sources=sources,
        security_sources=security_sources,
        config=config,
        pending_security=pending,
        lists={"security_index_age_days": round((now - newest_index) / 86400.0, 1) if newest_index else None},
        last_run=last_run,
        timers=timers,
        python_apt=config is not None,
    )


def main():
    run_module()


if __name__ == "__main__":
    main()
