#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: settings of a C(key = value) security file (pwquality, faillock), with the effective values."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_secconf
short_description: Set keys of a libpwquality/pam_faillock (or freshclam) style file and report the values read
description:
  - Files such as C(/etc/security/pwquality.conf) and C(/etc/security/faillock.conf) hold C(key = value) lines and
    bare flags (C(enforce_for_root)); C(#) starts a comment, also after a value.
  - With C(dropin_dir), the library reads C(*.conf) files of that folder in name order, then C(main); a later
    value wins (confirmed for libpwquality 1.4.5 on Debian 12 and 13). The module writes C(path) (one of the
    drop-ins) and comments out the same keys in every file read after it, so that nothing overrides it.
  - >-
    Without C(dropin_dir), C(path) is the only file: keys are set in place and the rest of the file is kept.
  - Returns the effective value of each key as the library will read it, and the file it comes from.
  - In check mode nothing is written and C(changed) says exactly whether a real run would change something.
    With C(backup_dir), the previous version of every file it changes is copied there first and listed in
    C(backups), so a caller can put them back (the PAM rollback of CNIL-PWD-01/03).
options:
  path:
    description: File that carries the settings.
    type: path
    required: true
  settings:
    description:
      - Key to value. C(true) writes a bare flag, C(false) removes it; other values are written as C(key = value).
    type: dict
    required: true
  owned:
    description: The whole of C(path) is written by this module (a drop-in); otherwise keys are edited in place.
    type: bool
    default: false
  dropin_dir:
    description: Folder of drop-ins read before C(main), in name order (only C(*.conf) names).
    type: path
  main:
    description: File read after the drop-ins. Required with C(dropin_dir).
    type: path
  header:
    description: First line of an owned file.
    type: str
    default: "# Managed by cnil-cabinet. Local changes are reverted on the next run."
  backup_dir:
    description: Folder that receives the previous version of each changed file (path mirrored below it).
    type: path
  separator:
    description:
      - Between key and value. C(=) for C(key = value) files (pwquality, faillock), a space for C(Key value)
        files such as ClamAV's C(freshclam.conf) (CNIL-AV-01); a commented C(#Key value) line is the template
        a missing key is written after.
    type: str
    choices: ["=", " "]
    default: "="
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-PWD-01 | password quality settings
  cnil_secconf:
    path: /etc/security/pwquality.conf.d/50-cnil-pwd.conf
    owned: true
    dropin_dir: /etc/security/pwquality.conf.d
    main: /etc/security/pwquality.conf
    settings: {minlen: 12, minclass: 4, enforce_for_root: true}
"""

RETURN = r"""
effective:
  description: For each key, the value the library reads (C(true) for a present flag, null when unset) and its file.
    Read before the change in check mode, after it otherwise.
  returned: always
  type: dict
  sample: {"minlen": {"value": "12", "file": "/etc/security/pwquality.conf.d/50-cnil-pwd.conf"}}
values:
  description: Key to its effective value alone, as a number when it is one (C(true) for a flag, null when unset).
  returned: always
  type: dict
  sample: {"minlen": 12, "enforce_for_root": true}
backups:
  description: Changed file to the copy of its previous version (null when the file did not exist).
  returned: always
  type: dict
"""

import os
import re
import shutil

from ansible.module_utils.basic import AnsibleModule

DISABLED = "# disabled by cnil-cabinet (set in %s): "


def parse_line(line, sep="="):
    """(key, value) of an active line; value True for a bare flag; None for comments and blanks.
    sep " ": C(Key value) lines (freshclam.conf), the key ending at the first blank."""
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    if sep == " ":
        fields = text.split(None, 1)
        return (fields[0], fields[1].strip()) if len(fields) == 2 else (text, True)
    if "=" in text:
        key, value = text.split("=", 1)
        return key.strip(), value.strip()
    return text, True


def parse(text, sep="="):
    out = {}
    for line in (text or "").splitlines():
        parsed = parse_line(line, sep)
        if parsed:
            out[parsed[0]] = parsed[1]
    return out


def want_value(value):
    """Normalised wanted value: True (flag), False (no flag) or a string."""
    if isinstance(value, bool):
        return value
    return str(value).strip()


def render_line(key, value, sep="="):
    return key if value is True else ("%s %s" if sep == " " else "%s = %s") % (key, value)


def render_owned(header, settings, sep="="):
    lines = [header]
    for key in sorted(settings):
        value = want_value(settings[key])
        if value is not False:
            lines.append(render_line(key, value, sep))
    return "\n".join(lines) + "\n"


def edit_in_place(text, settings, sep="="):
    """Set each key in place: first active line rewritten (if its value differs), duplicates removed,
    missing keys added after their commented template line or at the end. Flags set to False are removed."""
    lines = (text or "").splitlines()
    out, seen = [], set()
    for line in lines:
        parsed = parse_line(line, sep)
        if parsed and parsed[0] in settings:
            key, value = parsed
            want = want_value(settings[key])
            if key in seen or want is False:
                continue  # a duplicate (the first one wins once set) or a flag that must go
            seen.add(key)
            out.append(line if value == want else render_line(key, want, sep))
            continue
        out.append(line)
    for key in settings:
        want = want_value(settings[key])
        if key in seen or want is False:
            continue
        template = re.compile(r"^\s*#\s*%s%s" % (re.escape(key), r"(\s|$)" if sep == " " else r"\s*(=|$)"))
        at = next((i for i, line in enumerate(out) if template.match(line)), None)
        if at is None:
            out.append(render_line(key, want, sep))
        else:
            out.insert(at + 1, render_line(key, want, sep))
    return "\n".join(out) + "\n" if out else ""


def disable_keys(text, settings, where, sep="="):
    """Comment out the active lines that would override the drop-in read before them with another value."""
    out, touched = [], False
    for line in (text or "").splitlines():
        parsed = parse_line(line, sep)
        if parsed and parsed[0] in settings and parsed[1] != want_value(settings[parsed[0]]):
            out.append(DISABLED % where + line.strip())
            touched = True
        else:
            out.append(line)
    return ("\n".join(out) + "\n") if touched else text


def read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def reading_order(path, dropin_dir, main, overlay=None):
    """Files in the order the library reads them; overlay {path: text} stands for files about to be written."""
    overlay = overlay or {}
    files = []
    if dropin_dir:
        names = set(os.listdir(dropin_dir)) if os.path.isdir(dropin_dir) else set()
        names |= {os.path.basename(p) for p in overlay if os.path.dirname(p) == dropin_dir}
        files = [os.path.join(dropin_dir, n) for n in sorted(names) if n.endswith(".conf")]
        files.append(main)
    else:
        files = [path]
    return [f for f in files if f in overlay or os.path.isfile(f)]


def effective(files, keys, overlay=None, sep="="):
    overlay = overlay or {}
    result = {key: {"value": None, "file": None} for key in keys}
    for path in files:
        text = overlay[path] if path in overlay else read(path)
        for key, value in parse(text, sep).items():
            if key in result:
                result[key] = {"value": value, "file": path}
    return result


def backup(path, backup_dir):
    """Copy of the file below backup_dir (an existing copy is kept: it is the older state), None if absent."""
    dest = os.path.join(backup_dir, path.lstrip("/"))
    if os.path.exists(dest):
        return dest
    if not os.path.exists(path):
        return None
    os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
    shutil.copy2(path, dest)
    return dest


def write(module, path, text):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    tmp = path + ".cnil-tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    module.atomic_move(tmp, path)


def plan(params):
    """{path: new text} of every file to change, for these parameters."""
    path, settings, sep = params["path"], params["settings"], params["separator"]
    current = read(path)
    wanted = render_owned(params["header"], settings, sep) if params["owned"] else edit_in_place(current, settings, sep)
    changes = {path: wanted} if wanted != current else {}
    if params["dropin_dir"]:
        files = reading_order(path, params["dropin_dir"], params["main"], {path: wanted})
        for later in files[files.index(path) + 1:]:
            text = read(later)
            fixed = disable_keys(text, settings, path, sep)
            if fixed != text:
                changes[later] = fixed
    return changes


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            settings=dict(type="dict", required=True),
            owned=dict(type="bool", default=False),
            dropin_dir=dict(type="path"),
            main=dict(type="path"),
            header=dict(type="str", default="# Managed by cnil-cabinet. Local changes are reverted on the next run."),
            backup_dir=dict(type="path"),
            separator=dict(type="str", choices=["=", " "], default="="),
        ),
        required_together=[("dropin_dir", "main")],
        supports_check_mode=True,
    )
    p = module.params
    if p["dropin_dir"] and os.path.dirname(p["path"]) != p["dropin_dir"].rstrip("/"):
        module.fail_json(msg="cnil_secconf: path %s must be a file of dropin_dir %s" % (p["path"], p["dropin_dir"]))
    if p["dropin_dir"] and not p["path"].endswith(".conf"):
        module.fail_json(msg="cnil_secconf: a drop-in name must end in .conf, or the library ignores it")
    for key, value in p["settings"].items():
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key) or "\n" in str(value) or "#" in str(value):
            module.fail_json(msg="cnil_secconf: bad setting %r = %r" % (key, value))

    changes = plan(p)
    diffs = [dict(before_header=path, after_header=path, before=read(path) or "", after=text) for path, text in changes.items()]
    backups = {}
    if changes and not module.check_mode:
        stamp_dir = p["backup_dir"]
        for path, text in changes.items():
            if stamp_dir:
                backups[path] = backup(path, stamp_dir)
            write(module, path, text)

    files = reading_order(p["path"], p["dropin_dir"], p["main"])
    found = effective(files, p["settings"].keys(), sep=p["separator"])
    values = {key: int(v["value"]) if isinstance(v["value"], str) and re.match(r"^-?\d+$", v["value"]) else v["value"]
              for key, v in found.items()}
    module.exit_json(changed=bool(changes), effective=found, values=values, files_read=files, backups=backups, diff=diffs)


def main():
    run_module()


if __name__ == "__main__":
    main()
