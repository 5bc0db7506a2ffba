#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: system dconf keyfile + locks + profile + compiled database, in one exact call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_dconf
short_description: Set and lock dconf keys in a system database, and report the effective values
description:
  - Writes one keyfile in C(/etc/dconf/db/<db>.d/) and its lock file in C(/etc/dconf/db/<db>.d/locks/),
    makes sure the dconf profile reads the system database, and runs C(dconf update) when a keyfile or a
    lock file is newer than the compiled database (so an interrupted run heals on the next one).
  - Returns the effective value of every requested key as dconf would compile it from all keyfiles of the
    database (another keyfile can override ours), whether each key is locked, and whether the compiled
    database is up to date. This is the evidence the audit reports.
  - In check mode nothing is written and C(changed) says exactly whether a real run would change something.
  - Used by CNIL-LOCK-01 (GNOME idle lock). C(community.general.dconf) is not used because it writes the
    per-user database through a D-Bus session, which users can change back and which cannot be locked.
options:
  name:
    description: Base name of the keyfile and of its lock file (C(00-cnil-lock)).
    type: str
    required: true
  db:
    description: System database name (C(local) reads C(/etc/dconf/db/local.d)).
    type: str
    default: local
  profile:
    description:
      - dconf profile file (under C(/etc/dconf/profile/)) that must list C(user-db:user) first and
        C(system-db:<db>). Empty string leaves profiles alone.
    type: str
    default: user
  settings:
    description:
      - Mapping of dconf directory (C(org/gnome/desktop/session)) to a mapping of key to GVariant text
        (C(uint32 900), C(true)).
    type: dict
    required: true
  lock:
    description: Lock every key of C(settings) so that users cannot change it.
    type: bool
    default: true
  root:
    description: Directory that holds C(dconf/) (tests use a temporary one).
    type: path
    default: /etc
  update:
    description: Run C(dconf update) when needed. Tests without dconf set it to false.
    type: bool
    default: true
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-LOCK-01 | GNOME idle lock, locked in the system database
  cnil_dconf:
    name: 00-cnil-lock
    settings:
      org/gnome/desktop/session:
        idle-delay: uint32 900
      org/gnome/desktop/screensaver:
        lock-enabled: "true"
        lock-delay: uint32 0
"""

RETURN = r"""
effective:
  description: For each C(dir/key), the value dconf compiles from all keyfiles, the file it comes from, and
    whether the key is locked. Read before the change in check mode, after it otherwise.
  returned: always
  type: dict
  sample: {"org/gnome/desktop/session/idle-delay": {"value": "uint32 900", "file": "00-cnil-lock", "locked": true}}
compiled_fresh:
  description: The compiled database exists and is newer than every keyfile and lock file.
  returned: always
  type: bool
profile_ok:
  description: The profile reads the user database first and the system database.
  returned: always
  type: bool
updated:
  description: C(dconf update) ran (or would run in check mode).
  returned: always
  type: bool
"""

import os

from ansible.module_utils.basic import AnsibleModule

HEADER = "# Managed by cnil-cabinet. Local changes are reverted on the next run.\n"


def render_keyfile(settings):
    """Keyfile text, sorted so that the same settings always give the same bytes."""
    parts = [HEADER]
    for group in sorted(settings):
        parts.append("\n[%s]\n" % group.strip("/"))
        for key in sorted(settings[group]):
            parts.append("%s=%s\n" % (key, settings[group][key]))
    return "".join(parts)


def render_locks(settings):
    lines = [HEADER]
    for group in sorted(settings):
        for key in sorted(settings[group]):
            lines.append("/%s/%s\n" % (group.strip("/"), key))
    return "".join(lines)


def parse_keyfile(text):
    """Parse a dconf keyfile (GKeyFile syntax) into {"dir/key": value}."""
    values, group = {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip().strip("/")
            continue
        if group is None or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values["%s/%s" % (group, key.strip())] = value.strip()
    return values


def parse_locks(text):
    return {line.strip().lstrip("/") for line in text.splitlines() if line.strip() and not line.strip().startswith("#")}


def effective_values(keyfiles, locks, wanted):
    """What dconf compiles: keyfiles are read in name order and a later file overrides an earlier one.

    keyfiles: {filename: text}; locks: {filename: text}; wanted: iterable of "dir/key".
    """
    merged = {}
    for fname in sorted(keyfiles):
        for key, value in parse_keyfile(keyfiles[fname]).items():
            merged[key] = (value, fname)
    locked = set()
    for text in locks.values():
        locked |= parse_locks(text)
    result = {}
    for key in sorted(wanted):
        value, fname = merged.get(key, (None, None))
        result[key] = {"value": value, "file": fname, "locked": key in locked}
    return result


def fix_profile(text, db):
    """Return the profile text with user-db:user first and system-db:<db> present."""
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    wanted = "system-db:%s" % db
    if not lines or lines[0].strip() != "user-db:user":
        lines = ["user-db:user"] + [ln for ln in lines if ln.strip() != "user-db:user"]
    if wanted not in [ln.strip() for ln in lines]:
        lines.insert(1, wanted)
    return "\n".join(lines) + "\n"


def read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def read_dir(path):
    """{name: text} of the regular files of a directory (none if it does not exist)."""
    if not os.path.isdir(path):
        return {}
    out = {}
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if os.path.isfile(full) and not name.startswith("."):
            out[name] = read(full) or ""
    return out


def newest_mtime(paths):
    times = [os.stat(p).st_mtime for p in paths if os.path.exists(p)]
    return max(times) if times else 0.0


def compiled_is_fresh(keydir, lockdir, compiled):
    if not os.path.exists(compiled):
        return False
    sources = [keydir, lockdir]
    for d in (keydir, lockdir):
        if os.path.isdir(d):
            sources += [os.path.join(d, n) for n in os.listdir(d)]
    return os.stat(compiled).st_mtime >= newest_mtime(sources)


def write(module, path, text):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    tmp = path + ".cnil-tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)
    module.atomic_move(tmp, path)


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            db=dict(type="str", default="local"),
            profile=dict(type="str", default="user"),
            settings=dict(type="dict", required=True),
            lock=dict(type="bool", default=True),
            root=dict(type="path", default="/etc"),
            update=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for name in (p["name"], p["db"], p["profile"]):
        if "/" in name or name.startswith("."):
            module.fail_json(msg="cnil_dconf: '%s' must be a plain file name, without '/'" % name)
    settings = {}
    for group, keys in p["settings"].items():
        if not isinstance(keys, dict) or not keys:
            module.fail_json(msg="cnil_dconf: settings['%s'] must map key names to GVariant values" % group)
        settings[group.strip("/")] = {str(k): str(v) for k, v in keys.items()}

    base = os.path.join(p["root"], "dconf")
    keydir = os.path.join(base, "db", p["db"] + ".d")
    lockdir = os.path.join(keydir, "locks")
    compiled = os.path.join(base, "db", p["db"])
    keyfile = os.path.join(keydir, p["name"])
    lockfile = os.path.join(lockdir, p["name"])
    profile_path = os.path.join(base, "profile", p["profile"]) if p["profile"] else None

    want = {keyfile: render_keyfile(settings)}
    want[lockfile] = render_locks(settings) if p["lock"] else None
    if profile_path:
        current_profile = read(profile_path)
        want[profile_path] = fix_profile(current_profile, p["db"])

    diffs, to_write, to_remove = [], {}, []
    for path, text in want.items():
        before = read(path)
        if text is None:
            if before is not None:
                to_remove.append(path)
                diffs.append(dict(before_header=path, after_header=path, before=before, after=""))
        elif before != text:
            to_write[path] = text
            diffs.append(dict(before_header=path, after_header=path, before=before or "", after=text))

    profile_ok = profile_path is None or profile_path not in to_write
    fresh = compiled_is_fresh(keydir, lockdir, compiled)
    need_update = p["update"] and (bool(to_write) or bool(to_remove) or not fresh)
    changed = bool(to_write) or bool(to_remove) or need_update
    if need_update and not fresh and not to_write and not to_remove:
        diffs.append(dict(before_header=compiled, after_header=compiled,
                          before="compiled database older than its keyfiles\n",
                          after="compiled by 'dconf update'\n"))

    if changed and not module.check_mode:
        for path, text in to_write.items():
            write(module, path, text)
        for path in to_remove:
            os.remove(path)
        if need_update:
            dconf = module.get_bin_path("dconf")
            if not dconf:
                module.fail_json(msg="cnil_dconf: the 'dconf' command is missing: install the dconf-cli package")
            rc, out, err = module.run_command([dconf, "update"], environ_update={"LC_ALL": "C"})
            if rc != 0:
                module.fail_json(msg="cnil_dconf: 'dconf update' failed (rc=%d): %s" % (rc, err.strip() or out.strip()))
        fresh = compiled_is_fresh(keydir, lockdir, compiled) if p["update"] else fresh

    # Evidence describes the host as it is now: unchanged in check mode, converged otherwise.
    if profile_path:
        profile_ok = read(profile_path) == want[profile_path]
    keyfiles = read_dir(keydir)
    lockfiles = read_dir(lockdir)
    wanted_keys = ["%s/%s" % (g, k) for g, keys in settings.items() for k in keys]
    effective = effective_values(keyfiles, lockfiles, wanted_keys)
    module.exit_json(changed=changed, effective=effective, compiled_fresh=fresh, profile_ok=profile_ok,
                     updated=need_update, diff=diffs)


def main():
    run_module()


if __name__ == "__main__":
    main()
