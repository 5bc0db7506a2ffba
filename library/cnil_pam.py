#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: the Debian PAM stack through pam-auth-update, with an exact check mode."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_pam
short_description: Enable pam-auth-update profiles and strip weakening module arguments, exactly
description:
  - Debian generates C(/etc/pam.d/common-*) with C(pam-auth-update) from the profiles of
    C(/usr/share/pam-configs). This module writes its own profiles there, enables the wanted profiles, and
    removes arguments from module lines (C(nullok) of C(pam_unix.so), thresholds given on the
    C(pam_pwquality.so) line). C(pam-auth-update) keeps a removed argument as a local change of the line when it
    regenerates the files, so the result survives C(pam-auth-update --package) (package installs and upgrades).
  - The outcome is first computed in a sandbox, a copy of the PAM folders given to the real
    C(pam-auth-update --root) with a private copy of the debconf database, so check mode predicts the exact new
    files (and their diff) without touching the host. A real run then does the same on the host and fails if
    the result differs from the prediction.
  - >-
    Fails with a clear message when C(pam-auth-update) would not manage the files (lines it does not know in
    C(common-*)): it never uses C(--force), which would throw local changes away.
  - >-
    With C(backup_dir), every file a real run may touch is copied there first and listed in C(backups) (null:
    the file did not exist), so the caller can restore the previous stack (PAM has no validator).
options:
  profiles:
    description: Profile name to the text of a profile this module owns in C(/usr/share/pam-configs).
    type: dict
    default: {}
  enable:
    description: Profiles that must be enabled (owned ones or ones shipped by packages, such as C(pwquality)).
    type: list
    elements: str
    required: true
  strip_args:
    description: Arguments to remove from module lines. An argument matches by its name (the part before C(=)).
    type: list
    elements: dict
    default: []
    suboptions:
      type:
        description: PAM type of the line (C(auth), C(account), C(password), C(session)).
        type: str
        required: true
      module:
        description: Module file name (C(pam_unix.so)).
        type: str
        required: true
      args:
        description: Argument names to remove.
        type: list
        elements: str
        required: true
  start_from:
    description:
      - The C(predicted) result of an earlier C(cnil_pam) task of the same run. Its files stand for the host's, so
        that in check mode this task reports only what it would change after that one (as a real run would), and
        a change is told against the task (and control) that makes it. Ignored in a real run, where the host is
        already in that state.
    type: dict
    default: {}
  backup_dir:
    description: Folder that receives a copy of every file a real run may change.
    type: path
  root:
    description: Root of the PAM folders (tests use a temporary tree).
    type: path
    default: /
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-PWD-01 | PAM stack
  cnil_pam:
    enable: [pwquality]
    strip_args:
      - {type: auth, module: pam_unix.so, args: [nullok]}
      - {type: password, module: pam_pwquality.so, args: [minlen, minclass]}
"""

RETURN = r"""
stack:
  description: Active lines of each C(common-<type>) file as C({control, module, args}); the host as it is now
    (unchanged in check mode, converged otherwise).
  returned: always
  type: dict
enabled:
  description: Profiles that C(pam-auth-update) has enabled (from C(/var/lib/pam)), in the same sense.
  returned: always
  type: list
leftover_args:
  description: C(type module arg) of every C(strip_args) argument still present, in the same sense.
  returned: always
  type: list
predicted:
  description: The generated files and pam-auth-update's record as this task leaves them (for C(start_from)).
  returned: always
  type: dict
backups:
  description: File to the copy of its previous version (null when it did not exist); empty when nothing changed.
  returned: always
  type: dict
"""

import os
import re
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

TYPES = ("auth", "account", "password", "session", "session-noninteractive")
STATE_FILES = TYPES + ("seen",)
LINE = re.compile(r"^(?P<head>\s*(?P<type>-?[a-z]+)\s+(?P<control>\[[^\]]*\]|\S+)\s+(?P<module>\S+))(?P<args>.*)$")
PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DEBCONF_CONF = """Config: config
Templates: templates

Name: config
Driver: File
Mode: 600
Filename: {dir}/config.dat

Name: templates
Driver: File
Mode: 600
Filename: {dir}/templates.dat
"""


class Paths:
    def __init__(self, root):
        self.root = root
        self.profiles = os.path.join(root, "usr/share/pam-configs")
        self.conf = os.path.join(root, "etc/pam.d")
        self.state = os.path.join(root, "var/lib/pam")
        self.debconf = os.path.join(root, "var/cache/debconf")

    def common(self, ptype):
        return os.path.join(self.conf, "common-" + ptype)

    def managed(self, owned):
        """Every file a run may change: the generated files, pam-auth-update's state, the owned profiles."""
        return ([self.common(t) for t in TYPES] + [os.path.join(self.state, f) for f in STATE_FILES]
                + [os.path.join(self.profiles, name) for name in sorted(owned)])


def read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def parse_stack(text):
    """Active lines of a common-* file as dicts (comments and blanks left out)."""
    out = []
    for line in (text or "").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = LINE.match(line)
        if match:
            out.append({"type": match["type"].lstrip("-"), "control": match["control"],
                        "module": os.path.basename(match["module"]), "args": match["args"].split()})
    return out


def strip_line(line, ptype, rules):
    """The line without the arguments that rules remove; rebuilt like pam-auth-update writes it
    (module, one space, arguments joined by single spaces) so that its next run reads the same bytes."""
    match = LINE.match(line)
    if not match or line.lstrip().startswith("#") or match["type"].lstrip("-") != ptype:
        return line
    drop = set()
    for rule in rules:
        if rule["type"] == ptype and os.path.basename(match["module"]) == rule["module"]:
            drop |= set(rule["args"])
    args = match["args"].split()
    kept = [a for a in args if a.split("=", 1)[0] not in drop]
    if kept == args:
        return line
    return match["head"] + " " + " ".join(kept)


def strip_text(text, ptype, rules):
    if text is None:
        return None
    lines = [strip_line(line, ptype, rules) for line in text.split("\n")]
    return "\n".join(lines)


def leftovers(texts, rules):
    found = []
    for rule in rules:
        for entry in parse_stack(texts.get(rule["type"])):
            if entry["module"] == rule["module"]:
                found += ["%s %s %s" % (rule["type"], rule["module"], a) for a in entry["args"]
                          if a.split("=", 1)[0] in rule["args"]]
    return found


def enabled_profiles(state_dir):
    """Profiles pam-auth-update last wrote, from its saved copies (one 'Module: name' per block)."""
    names = []
    for ptype in TYPES:
        for line in (read(os.path.join(state_dir, ptype)) or "").splitlines():
            # "Module: null" stands for the pam_permit line written when no profile has a primary module.
            if line.startswith("Module: ") and line[8:].strip() not in names + ["null"]:
                names.append(line[8:].strip())
    return names


def profile_types(text):
    """The stack types a profile contributes to (its '<Type>-Type:' fields)."""
    types = set()
    for line in (text or "").splitlines():
        match = re.match(r"^(Auth|Account|Password|Session)-Type:\s*(Primary|Additional)", line)
        if match:
            types.add(match[1].lower())
    return types


def copy_tree(src, dst):
    os.makedirs(dst, exist_ok=True)
    if os.path.isdir(src):
        for name in os.listdir(src):
            path = os.path.join(src, name)
            if os.path.isfile(path):
                shutil.copy2(path, os.path.join(dst, name))


def run_pam_auth_update(module, binary, enable, root=None, debconf_conf=None, backups=None):
    cmd = [binary]
    if root:
        cmd += ["--root", root]
    cmd += ["--package", "--enable"] + list(enable)
    env = {"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
    if debconf_conf:
        env["DEBCONF_SYSTEMRC"] = debconf_conf
    rc, out, err = module.run_command(cmd, environ_update=env)
    if rc != 0:
        module.fail_json(msg="cnil_pam: %s failed (rc=%d): %s" % (" ".join(cmd), rc, (err or out).strip()),
                         backups=backups or {})
    return (out + err).strip()


def predict(module, paths, binary, owned, enable, rules, start):
    """Run pam-auth-update in a sandbox: {path on the host: predicted text}, and its output.
    start: {host path: text} standing for the host's file (an earlier task's prediction)."""
    sandbox = tempfile.mkdtemp(prefix="cnil-pam-")
    try:
        box = Paths(sandbox)
        os.makedirs(box.conf)
        for ptype in TYPES:
            if os.path.exists(paths.common(ptype)):
                shutil.copy2(paths.common(ptype), box.common(ptype))
        copy_tree(paths.state, box.state)
        for ptype in TYPES:
            if start.get(paths.common(ptype)) is not None:
                with open(box.common(ptype), "w", encoding="utf-8") as handle:
                    handle.write(start[paths.common(ptype)])
        for name in STATE_FILES:
            if start.get(os.path.join(paths.state, name)) is not None:
                with open(os.path.join(box.state, name), "w", encoding="utf-8") as handle:
                    handle.write(start[os.path.join(paths.state, name)])
        copy_tree(paths.profiles, box.profiles)
        for name, text in owned.items():
            with open(os.path.join(box.profiles, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        # A private debconf database: pam-auth-update records its choices there, never in the host's.
        debconf_dir = os.path.join(sandbox, "debconf")
        os.makedirs(debconf_dir)
        for name in ("config.dat", "templates.dat"):
            if os.path.exists(os.path.join(paths.debconf, name)):
                shutil.copy2(os.path.join(paths.debconf, name), os.path.join(debconf_dir, name))
        conf = os.path.join(sandbox, "debconf.conf")
        with open(conf, "w", encoding="utf-8") as handle:
            handle.write(DEBCONF_CONF.format(dir=debconf_dir))
        output = run_pam_auth_update(module, binary, enable, root=sandbox, debconf_conf=conf)

        predicted = {}
        for ptype in TYPES:
            predicted[paths.common(ptype)] = strip_text(read(box.common(ptype)), ptype, rules)
        for name in STATE_FILES:
            predicted[os.path.join(paths.state, name)] = read(os.path.join(box.state, name))
        for name, text in owned.items():
            predicted[os.path.join(paths.profiles, name)] = text
        return predicted, enabled_profiles(box.state), output
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)


def backup(files, backup_dir):
    """Copy each file below backup_dir; a copy already there is kept (it is the older state: several tasks
    of one run share the folder). Returns {path: copy, or None when the file did not exist}."""
    saved = {}
    for path in files:
        dest = os.path.join(backup_dir, path.lstrip("/"))
        if os.path.exists(dest):
            saved[path] = dest
        elif os.path.exists(path):
            os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
            shutil.copy2(path, dest)
            saved[path] = dest
        else:
            saved[path] = None
    return saved


def write(module, path, text):
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    tmp = path + ".cnil-tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    module.atomic_move(tmp, path)


def evidence(paths, rules):
    texts = {t: read(paths.common(t)) for t in TYPES}
    return dict(stack={t: parse_stack(texts[t]) for t in TYPES}, enabled=enabled_profiles(paths.state),
                leftover_args=leftovers(texts, rules))


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            profiles=dict(type="dict", default={}),
            enable=dict(type="list", elements="str", required=True),
            start_from=dict(type="dict", default={}),
            strip_args=dict(type="list", elements="dict", default=[], options=dict(
                type=dict(type="str", required=True, choices=["auth", "account", "password", "session"]),
                module=dict(type="str", required=True),
                args=dict(type="list", elements="str", required=True),
            )),
            backup_dir=dict(type="path"),
            root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    owned = {name: str(text) if str(text).endswith("\n") else str(text) + "\n" for name, text in p["profiles"].items()}
    for name in list(owned) + p["enable"]:
        if not PROFILE_NAME.match(name):
            module.fail_json(msg="cnil_pam: '%s' is not a pam-auth-update profile name" % name)
    paths = Paths(p["root"])
    rules = p["strip_args"]

    # A real run: the earlier task has changed the host already, the host is where this one starts.
    start = {path: text for path, text in (p["start_from"] or {}).items() if isinstance(text, str)} if module.check_mode else {}
    missing = [n for n in p["enable"] if n not in owned and not os.path.isfile(os.path.join(paths.profiles, n))]
    if missing:
        msg = "cnil_pam: profile(s) %s missing from %s: the package that ships them is not installed" % (
            ", ".join(missing), paths.profiles)
        if module.check_mode:
            # An audit of a host where an earlier task would install the package: that install is the drift.
            module.exit_json(changed=True, msg=msg, backups={}, predicted=start, **evidence(paths, rules))
        module.fail_json(msg=msg)

    binary = module.get_bin_path("pam-auth-update", required=True)
    predicted, will_enable, output = predict(module, paths, binary, owned, p["enable"], rules, start)
    not_enabled = [n for n in p["enable"]
                   if n not in will_enable and profile_types(owned.get(n) or read(os.path.join(paths.profiles, n)))]
    if "not updating" in output:  # "Local modifications to /etc/pam.d/common-*, not updating."
        not_enabled = not_enabled or list(p["enable"])
    if not_enabled:
        module.fail_json(msg="cnil_pam: pam-auth-update does not enable %s: it does not manage /etc/pam.d/common-* "
                             "on this host (lines it did not write). Review those files, then run "
                             "'pam-auth-update --force' once. Its output: %s" % (", ".join(not_enabled), output))

    # pam-auth-update's own record (/var/lib/pam) alone is no change: it may lag behind a stack that another
    # profile's run or a hand edit changed, and it is rewritten with the next change of the stack itself.
    def current(path):
        return start[path] if path in start else read(path)

    changes = {path: text for path, text in predicted.items()
               if text is not None and current(path) != text and not path.startswith(paths.state + os.sep)}
    diffs = [dict(before_header=path, after_header=path, before=current(path) or "", after=changes[path])
             for path in sorted(changes)]
    backups = {}
    if changes and not module.check_mode:
        if p["backup_dir"]:
            backups = backup(paths.managed(owned), p["backup_dir"])
        for name, text in owned.items():
            path = os.path.join(paths.profiles, name)
            if read(path) != text:
                write(module, path, text)
        if p["root"] == "/":
            run_pam_auth_update(module, binary, p["enable"], backups=backups)
        else:  # a test tree: its own debconf database too
            conf = os.path.join(p["root"], "debconf.conf")
            with open(conf, "w", encoding="utf-8") as handle:
                handle.write(DEBCONF_CONF.format(dir=paths.debconf))
            run_pam_auth_update(module, binary, p["enable"], root=p["root"], debconf_conf=conf, backups=backups)
        for ptype in TYPES:
            path = paths.common(ptype)
            text = read(path)
            stripped = strip_text(text, ptype, rules)
            if stripped != text:
                write(module, path, stripped)
        wrong = [path for path, text in predicted.items() if text is not None and read(path) != text]
        if wrong:
            module.fail_json(msg="cnil_pam: pam-auth-update wrote %s differently from its sandbox run" % ", ".join(wrong),
                             backups=backups, diff=diffs)

    kept = {path: text for path, text in predicted.items() if text is not None and not path.startswith(paths.profiles + os.sep)}
    module.exit_json(changed=bool(changes), backups=backups, diff=diffs, predicted=kept, **evidence(paths, rules))


def main():
    run_module()


if __name__ == "__main__":
    main()
